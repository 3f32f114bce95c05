/**
 * Resolved look-alikes benchmark (issue 16) — figures, not pass/fail. `npx tsx bench/resolved-lookalikes.ts [--limit 3] [--look-back-days 365]`.
 *
 * A dedup rule with `resolved` lists, in its note, earlier tickets that look like the new one and
 * were resolved before it was reported, with their resolution. Is that list worth a technician's
 * attention? Measured on the Apache Hadoop Jira reports (GitBugs, CC BY 4.0), the only shared data
 * set with resolutions (the Endava help-desk tickets have none), through the same history store
 * and selection the rule uses (MemoryHistoryStore, default recency prior, `resolvedLookalikes`):
 *
 * - every report is a new ticket; candidates are reports created before it within the look-back;
 *   a candidate "was resolved" when its Resolution column is set and its Resolved time is before
 *   the new report's Created time (the CSV has no close notes: the code is the resolution);
 * - precision: share of listed look-alikes (top `limit`) that are the report's labelled duplicate
 *   partner. A LOWER BOUND: only 65 pairs are labelled, and an unlabelled look-alike (the same
 *   component's earlier bug, a related fix) may still show the technician the fix;
 * - note hit rate: share of notes listing at least one labelled partner;
 * - recall: share of labelled pairs whose earlier partner was resolved before the later report
 *   (the pairs where a fix could be shown) that the note lists;
 * - volume: reports per 1,000 that would get such a note.
 * No duplicate families are recorded (no links), so candidates are not collapsed to roots.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolvedLookalikes } from '../src/engine/dedup/resolved.js';
import { MemoryHistoryStore } from '../src/engine/memory-history.js';
import type { IndexDoc } from '../src/model/history.js';
import type { Ticket } from '../src/model/ticket.js';
import { dataDir as sharedDataDir } from '../src/sandbox/data-dir.js';
import { parseCsvRecords } from '../src/sandbox/jira/csv.js';
import { loadHadoop } from './similarity.js';

const DAY_MS = 86_400_000;
const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };

/** Jira CSV dates look like "30/Sep/21 17:20" (bench/similarity.ts parses Created the same way). */
function jiraDate(text: string): string | undefined {
  const m = /^(\d{1,2})\/([A-Z][a-z]{2})\/(\d{2}) (\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [, d, mon, y, h, min] = m;
  return `20${y}-${MONTHS[mon ?? ''] ?? '01'}-${(d ?? '').padStart(2, '0')}T${(h ?? '').padStart(2, '0')}:${min}:00.000Z`;
}

export interface ResolvedRow {
  threshold: number;
  /** Reports (of all) that would get a note listing resolved look-alikes. */
  notes: number;
  perThousand: number;
  /** Look-alikes listed on the labelled pairs' later reports, and the share that are the partner. */
  listedOnPairs: number;
  precisionOnPairs: number;
  /** The same, on the later reports whose partner was resolved in time (the partner could be listed). */
  listedOnEligible: number;
  precisionOnEligible: number;
  /** Over every report's note (a report with no labelled partner counts all its look-alikes wrong). */
  precisionAll: number;
  /** Listed look-alikes (all reports) whose resolution is "Duplicate": a pointer, not a fix. */
  listedDuplicateCode: number;
  /** Eligible pairs whose resolved partner is listed. */
  found: number;
  recall: number;
}

export interface ResolvedFigures {
  reports: number;
  pairs: number;
  /** Pairs whose earlier partner was resolved (with a resolution) before the later one was reported, within the look-back. */
  eligiblePairs: number;
  limit: number;
  lookBackDays: number;
  rows: ResolvedRow[];
  /** The shipped suggestion list (>= 0.35, top 5) on the pairs' later reports, measured the same way. */
  suggestReference: { listed: number; correct: number; precision: number; perThousand: number; precisionAll: number };
}

export async function benchResolvedLookalikes(dataDir: string, options: { limit?: number; lookBackDays?: number; thresholds?: readonly number[] } = {}): Promise<ResolvedFigures> {
  const limit = options.limit ?? 3;
  const lookBackDays = options.lookBackDays ?? 365;
  const thresholds = options.thresholds ?? [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const loaded = loadHadoop(dataDir);
  const { docs } = loaded;
  // The loader gives each unordered pair once (the combined CSV lists 60 of them both ways).
  const pairs = loaded.pairs.map(([a, b]): [string, string] => [a.key, b.key]);
  const resolution = new Map<string, { resolvedAt: string; code: string }>();
  for (const r of parseCsvRecords(readFileSync(join(dataDir, 'duplicate-bug-reports-hadoop', 'hadoop_bugs.csv'), 'utf8'))) {
    const resolvedAt = jiraDate(r['Resolved'] ?? '');
    const code = (r['Resolution'] ?? '').trim();
    if (resolvedAt && code) resolution.set(`jira:hadoop:${r['Issue id']}`, { resolvedAt, code });
  }

  const store = new MemoryHistoryStore();
  for (const doc of docs) {
    const resolved = resolution.get(doc.key);
    const indexDoc: IndexDoc = { ...doc, ...(resolved ? { resolved } : {}) };
    await store.index(indexDoc);
  }
  const byKey = new Map(docs.map((d) => [d.key, d]));
  const partners = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    partners.set(a, (partners.get(a) ?? new Set()).add(b));
    partners.set(b, (partners.get(b) ?? new Set()).add(a));
  }

  // Each report's candidates once (lowest threshold); each threshold filters them.
  const lowest = Math.min(...thresholds);
  const perReport = new Map<string, Awaited<ReturnType<MemoryHistoryStore['candidates']>>>();
  for (const doc of docs) {
    const created = Date.parse(doc.createdAt);
    const found = await store.candidates({
      doc,
      createdAfter: new Date(created - lookBackDays * DAY_MS).toISOString(),
      createdBefore: new Date(created + 1).toISOString(),
      // As the rule asks: room for the suggest list (likely-duplicates lists 5) and this one.
      limit: Math.max(10, 5 * 3, limit * 3),
    });
    perReport.set(
      doc.key,
      found.filter((c) => c.key !== doc.key && c.score >= lowest && c.createdAt <= doc.createdAt),
    );
  }

  // Each pair's later report, and the pairs where a fix could be shown: the earlier partner
  // resolved (with a resolution) before the later one was reported, within the look-back.
  const laterReports = new Set<string>();
  const eligible: [string, string][] = [];
  for (const [a, b] of pairs) {
    const da = byKey.get(a);
    const db = byKey.get(b);
    if (!da || !db) continue;
    const [earlier, later] = da.createdAt < db.createdAt ? [da, db] : [db, da];
    laterReports.add(later.key);
    const fix = resolution.get(earlier.key);
    if (fix && fix.resolvedAt < later.createdAt && Date.parse(later.createdAt) - Date.parse(earlier.createdAt) <= lookBackDays * DAY_MS) eligible.push([later.key, earlier.key]);
  }
  const eligibleLater = new Set(eligible.map(([later]) => later));
  const isPartner = (report: string, candidate: string): boolean => partners.get(report)?.has(candidate) ?? false;

  const rows: ResolvedRow[] = thresholds.map((threshold) => {
    let notes = 0;
    let duplicateCode = 0;
    const all = { listed: 0, correct: 0 };
    const onPairs = { listed: 0, correct: 0 };
    const onEligible = { listed: 0, correct: 0 };
    const listedFor = new Map<string, Set<string>>();
    for (const doc of docs) {
      const ticket = { createdAt: doc.createdAt } as Ticket;
      const { listed: shown } = resolvedLookalikes(perReport.get(doc.key) ?? [], ticket, { threshold, limit, maxChars: 300 });
      if (shown.length === 0) continue;
      notes++;
      const right = shown.filter((c) => isPartner(doc.key, c.key)).length;
      for (const [tally, counts] of [
        [all, true],
        [onPairs, laterReports.has(doc.key)],
        [onEligible, eligibleLater.has(doc.key)],
      ] as const) {
        if (!counts) continue;
        tally.listed += shown.length;
        tally.correct += right;
      }
      duplicateCode += shown.filter((c) => c.resolved.code === 'Duplicate').length;
      listedFor.set(doc.key, new Set(shown.map((c) => c.key)));
    }
    const found = eligible.filter(([later, earlier]) => listedFor.get(later)?.has(earlier)).length;
    const share = (t: { listed: number; correct: number }): number => (t.listed > 0 ? t.correct / t.listed : 0);
    return {
      threshold,
      notes,
      perThousand: (notes / docs.length) * 1000,
      listedOnPairs: onPairs.listed,
      precisionOnPairs: share(onPairs),
      listedOnEligible: onEligible.listed,
      precisionOnEligible: share(onEligible),
      precisionAll: share(all),
      listedDuplicateCode: duplicateCode,
      found,
      recall: eligible.length > 0 ? found / eligible.length : 0,
    };
  });

  // For scale: the shipped suggestion list (likely-duplicates: score >= 0.35, top 5, resolved or
  // not) measured the same way on the pairs' later reports.
  const reference = { listed: 0, correct: 0, notes: 0, listedAll: 0, correctAll: 0 };
  for (const doc of docs) {
    const shown = (perReport.get(doc.key) ?? []).filter((c) => c.score >= 0.35).slice(0, 5);
    const right = shown.filter((c) => isPartner(doc.key, c.key)).length;
    if (shown.length > 0) reference.notes++;
    reference.listedAll += shown.length;
    reference.correctAll += right;
    if (!laterReports.has(doc.key)) continue;
    reference.listed += shown.length;
    reference.correct += right;
  }
  return {
    reports: docs.length,
    pairs: pairs.length,
    eligiblePairs: eligible.length,
    limit,
    lookBackDays,
    rows,
    suggestReference: {
      listed: reference.listed,
      correct: reference.correct,
      precision: reference.listed > 0 ? reference.correct / reference.listed : 0,
      perThousand: (reference.notes / docs.length) * 1000,
      precisionAll: reference.listedAll > 0 ? reference.correctAll / reference.listedAll : 0,
    },
  };
}

function pct(n: number): string {
  return `${(n * 100).toFixed(1)}%`;
}

export function printResolvedFigures(f: ResolvedFigures): void {
  console.log(
    `Resolved look-alikes (Hadoop: ${f.reports} reports, ${f.pairs} labelled pairs, ${f.eligiblePairs} whose earlier partner was resolved before the later report; limit ${f.limit}, look-back ${f.lookBackDays} days)`,
  );
  console.log(`  precision = listed look-alikes that are the labelled partner: a LOWER BOUND (an unlabelled look-alike may still show a useful fix)`);
  console.log(`  threshold  notes/1,000  pairs: listed precision  resolved-in-time pairs: listed precision  all notes: precision  "Duplicate" listed  recall`);
  for (const r of f.rows) {
    console.log(
      `  ${r.threshold.toFixed(2).padStart(9)}  ${r.perThousand.toFixed(1).padStart(11)}  ${String(r.listedOnPairs).padStart(13)} ${pct(r.precisionOnPairs).padStart(9)}  ${String(r.listedOnEligible).padStart(30)} ${pct(r.precisionOnEligible).padStart(9)}  ${pct(r.precisionAll).padStart(20)}  ${String(r.listedDuplicateCode).padStart(18)}  ${`${pct(r.recall)} (${r.found}/${f.eligiblePairs})`.padStart(6)}`,
    );
  }
  const ref = f.suggestReference;
  console.log(
    `  for scale, the shipped suggestion list (score >= 0.35, top 5, resolved or not): ${ref.perThousand.toFixed(1)} notes/1,000; on the pairs' later reports ${ref.listed} listed, precision ${pct(ref.precision)}; all notes: precision ${pct(ref.precisionAll)}`,
  );
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const limit = argValue('--limit');
  const lookBack = argValue('--look-back-days');
  const figures = await benchResolvedLookalikes(sharedDataDir(), {
    ...(limit ? { limit: Number(limit) } : {}),
    ...(lookBack ? { lookBackDays: Number(lookBack) } : {}),
  });
  printResolvedFigures(figures);
}
