import { readFile } from 'node:fs/promises';
import { wikiToAdf } from './adf.js';
import { parseCsvRecords } from './csv.js';
import type { JiraStore } from './store.js';
import { dataPath } from '../data-dir.js';

/**
 * Seeds the sandbox with real bug reports from Apache's Hadoop Jira ("duplicate bug reports"
 * data set: 2,503 reports with Summary, Issue id, Status, Priority, Resolution, Created,
 * Resolved, Affects Version/s, Description — wiki markup, multi-line, quoted). The CSV has no
 * issue keys, so keys are HADOOP-<n> with n the report's rank by issue id (stable whatever the
 * limit). Reports keep their Jira issue id.
 */

export const DEFAULT_HADOOP_BUGS_PATH = dataPath('duplicate-bug-reports-hadoop', 'hadoop_bugs.csv');
export const DEFAULT_HADOOP_DUPLICATES_PATH = dataPath('duplicate-bug-reports-hadoop', 'hadoop_bugs-combined.csv');

export interface HadoopBugReport {
  /** Jira issue id, e.g. "13404344". */
  id: string;
  /** HADOOP-<rank by id>. */
  key: string;
  summary: string;
  /** Open, In Progress, Patch Available, Reopened, Resolved. */
  status: string;
  /** Blocker, Critical, Major, Minor, Trivial. */
  priority: string;
  resolution: string | null;
  /** Epoch ms (the CSV's `30/Sep/21 17:20`, read as UTC). */
  created: number;
  resolved: number | null;
  affectsVersions: string[];
  /** Wiki markup as written in Apache's Jira. */
  description: string;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `30/Sep/21 17:20` → epoch ms (UTC); undefined when empty or malformed. */
export function parseHadoopDate(value: string): number | undefined {
  const match = /^(\d{1,2})\/([A-Z][a-z]{2})\/(\d{2}) (\d{1,2}):(\d{2})$/.exec(value.trim());
  const month = match ? MONTHS[match[2] ?? ''] : undefined;
  if (!match || month === undefined) return undefined;
  return Date.UTC(2000 + Number(match[3]), month, Number(match[1]), Number(match[4]), Number(match[5]));
}

/** Reads the reports in file order. */
export async function readHadoopBugs(path = DEFAULT_HADOOP_BUGS_PATH): Promise<HadoopBugReport[]> {
  const rows = parseCsvRecords(await readFile(path, 'utf8'));
  const rank = new Map(
    rows
      .map((row) => row['Issue id'] ?? '')
      .sort((a, b) => Number(a) - Number(b))
      .map((id, index) => [id, index + 1] as const),
  );
  const reports: HadoopBugReport[] = [];
  for (const row of rows) {
    const id = (row['Issue id'] ?? '').trim();
    const created = parseHadoopDate(row['Created'] ?? '');
    if (!/^\d+$/.test(id) || created === undefined) continue;
    reports.push({
      id,
      key: `HADOOP-${rank.get(id) ?? 0}`,
      summary: (row['Summary'] ?? '').trim(),
      status: (row['Status'] ?? '').trim() || 'Open',
      priority: (row['Priority'] ?? '').trim() || 'Major',
      resolution: (row['Resolution'] ?? '').trim() || null,
      created,
      resolved: parseHadoopDate(row['Resolved'] ?? '') ?? null,
      affectsVersions: (row['Affects Version/s'] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
      description: row['Description'] ?? '',
    });
  }
  return reports;
}

/** Pairs of issue ids the data set marks as duplicates (from hadoop_bugs-combined.csv). */
export async function readHadoopDuplicates(path = DEFAULT_HADOOP_DUPLICATES_PATH): Promise<[string, string][]> {
  const pairs: [string, string][] = [];
  for (const row of parseCsvRecords(await readFile(path, 'utf8'))) {
    const id = (row['Issue id'] ?? '').trim();
    for (const duplicate of (row['Duplicate id'] ?? '').split(/[,\s]+/).filter(Boolean)) pairs.push([id, duplicate]);
  }
  return pairs;
}

/** Apache's (Data Center default) priorities → Cloud's default scheme. */
const CLOUD_PRIORITY: Record<string, string> = {
  Blocker: 'Highest',
  Critical: 'High',
  Major: 'Medium',
  Minor: 'Low',
  Trivial: 'Lowest',
};

export interface SeedHadoopOptions {
  /** First N reports in file order (default all). */
  limit?: number;
  /** Reports already read (saves re-reading the CSV across tests). */
  reports?: readonly HadoopBugReport[];
  path?: string;
  /** Project key (default HADOOP; it must allow issue type Bug). */
  project?: string;
}

export interface SeedHadoopResult {
  issues: number;
  /** Reports whose id was already in the store. */
  skipped: number;
}

/**
 * Inserts the reports as Bug issues: unassigned, no reporter, status / resolution as in the data
 * (unknown resolutions are added to the site), priority as is on Data Center and mapped to
 * Highest…Lowest on Cloud, description as ADF on Cloud and wiki text on Data Center,
 * `updated` = resolved or created. No changelog is recorded.
 */
export async function seedHadoop(store: JiraStore, options: SeedHadoopOptions = {}): Promise<SeedHadoopResult> {
  const reports = options.reports ?? (await readHadoopBugs(options.path));
  const selected = options.limit === undefined ? reports : reports.slice(0, options.limit);
  let issues = 0;
  let skipped = 0;
  for (const report of selected) {
    if (store.get(report.id)) {
      skipped++;
      continue;
    }
    if (report.resolution) store.ensureResolution(report.resolution);
    const description = report.description.trim();
    store.createIssue({
      project: options.project ?? 'HADOOP',
      issueType: 'Bug',
      id: report.id,
      key: options.project ? report.key.replace(/^HADOOP-/, `${options.project}-`) : report.key,
      summary: report.summary,
      description: description === '' ? null : store.flavour === 'cloud' ? { kind: 'adf', doc: wikiToAdf(description) } : description,
      status: report.status,
      priority: store.flavour === 'cloud' ? (CLOUD_PRIORITY[report.priority] ?? 'Medium') : report.priority,
      resolution: report.resolution,
      versions: report.affectsVersions,
      created: report.created,
      updated: report.resolved ?? report.created,
      resolutiondate: report.resolution ? (report.resolved ?? report.created) : null,
    });
    issues++;
  }
  return { issues, skipped };
}
