import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adfToText, JiraStore, seedFixtures, seedHadoop, startJiraSandbox, type JiraSandbox, type StoredIssue } from '../../src/sandbox/jira/index.js';
import { MAPPINGS, REPO, SEEDED_HISTORY_START } from './sandbox-env.js';

export const NEUTRAL_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-neutral');

export async function startSeededJira(
  flavour: 'cloud' | 'datacenter',
  spec: { hadoopIssues?: number; searchLagMs?: number; rateLimit?: { limit: number; windowSeconds: number }; now?: () => Date } = {},
): Promise<JiraSandbox> {
  const store = new JiraStore({ flavour, ...(spec.now ? { now: spec.now } : {}) });
  seedFixtures(store);
  if (spec.hadoopIssues) await seedHadoop(store, { limit: spec.hadoopIssues });
  return startJiraSandbox({ flavour, store, ...(spec.searchLagMs ? { searchLagMs: spec.searchLagMs } : {}), ...(spec.rateLimit ? { rateLimit: spec.rateLimit } : {}) });
}

/** A deskbridge.yaml with one Jira source; returns its path. */
export function writeJiraConfig(sandbox: JiraSandbox, extra: { rules?: string; overlapSeconds?: number; requestsPerMinute?: number; pageSize?: number; actFrom?: string | null } = {}): string {
  // Seeded issues were last updated long ago and these tests expect them acted on (see writeConfig).
  const actFrom = extra.actFrom === undefined ? SEEDED_HISTORY_START : extra.actFrom;
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-jira-e2e-'));
  const path = join(dir, 'deskbridge.yaml');
  const cloud = sandbox.flavour === 'cloud';
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(extra.rules ?? NEUTRAL_RULES)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'log: { level: info, format: json }',
      'sources:',
      '  - id: sandbox-jira',
      '    platform: jira',
      `    flavour: ${sandbox.flavour}`,
      `    baseUrl: ${sandbox.url}`,
      '    jql: project in (ITSM, HADOOP)',
      `    auth: { type: basic, username: ${cloud ? 'deskbridge@example.com' : 'deskbridge'}, password: "\${E2E_JIRA_TOKEN}" }`,
      '    groupField: customfield_10001',
      '    problems: { projectKey: PRB }',
      `    overlapSeconds: ${extra.overlapSeconds ?? 120}`,
      `    pageSize: ${extra.pageSize ?? 50}`,
      ...(actFrom !== null ? [`    actFrom: "${actFrom}"`] : []),
      // The seeded backlog is acted on on purpose: no first-live-pass catch.
      '    firstLivePass: { maxWrites: off }',
      `    rateLimit: { requestsPerMinute: ${extra.requestsPerMinute ?? 60000}, concurrency: 4 }`,
      '    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000 }',
      '',
    ].join('\n'),
  );
  return path;
}

export interface JiraSnapshot {
  [key: string]: { team: string; assignee: string; notes: string[]; updated: number };
}

/** What a person sees in Jira: per issue key, team, assignee and deskbridge's comments. */
export function jiraSnapshot(sandbox: JiraSandbox): JiraSnapshot {
  const { store } = sandbox;
  const out: JiraSnapshot = {};
  for (const issue of store.list()) {
    out[issue.key] = {
      team: issue.team ? (store.team(issue.team)?.name ?? issue.team) : '',
      assignee: issue.assignee ? (store.userById(issue.assignee)?.displayName ?? store.findUser(issue.assignee)?.displayName ?? issue.assignee) : '',
      notes: store
        .comments(issue.id)
        .map((c) => `${c.public ? 'public' : 'internal'}:${c.body.kind === 'adf' ? adfToText(c.body.doc) : c.body.text}`)
        .filter((text) => text.includes('deskbridge:')),
      updated: issue.updated,
    };
  }
  return out;
}

/** What the neutral rules must do to each issue, from its initial state. */
export function expectedJiraRouting(sandbox: JiraSandbox): Map<string, { team: string; rule: string }> {
  const expected = new Map<string, { team: string; rule: string }>();
  for (const issue of sandbox.store.list()) {
    if (issue.team || !isActive(issue)) continue;
    if (issue.components[0] === 'Network') expected.set(issue.key, { team: 'Network Operations', rule: 'network-to-netops' });
    else expected.set(issue.key, { team: 'Service Desk', rule: 'unassigned-to-desk' });
  }
  return expected;
}

function isActive(issue: StoredIssue): boolean {
  return !['Resolved', 'Closed', 'Done', 'Cancelled'].includes(issue.status);
}

export function jiraWrites(sandbox: JiraSandbox): number {
  return sandbox.requestLog.filter((r) => r.path.startsWith('/rest/') && r.method !== 'GET' && !r.path.includes('/search')).length;
}
