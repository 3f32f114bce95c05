import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adfToText, JiraStore, seedFixtures, type JiraSandbox } from '../../src/sandbox/jira/index.js';
import { useE2e } from '../helpers/e2e.js';
import { jiraWrites, writeJiraConfig } from '../helpers/jira-env.js';
import { REPO } from '../helpers/sandbox-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-patterns-jira');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function raise(store: JiraStore, ago: number, summary: string, component = 'Network'): string {
  const at = Date.now() - ago;
  return store.createIssue({ project: 'ITSM', issueType: 'Incident', summary, priority: store.flavour === 'cloud' ? 'Medium' : 'Major', components: [component], created: at, updated: at }).key;
}

function problems(sandbox: JiraSandbox) {
  // Only deskbridge's: the fixtures hold a problem of their own.
  return sandbox.store.list().filter((i) => i.key.startsWith('PRB-') && i.labels.some((l) => l.startsWith('deskbridge-')));
}

/** Issues linked to a problem with the Problem/Incident link. */
function membersOf(sandbox: JiraSandbox, problemId: string): string[] {
  return sandbox.store
    .links(problemId)
    .filter((l) => l.type === 'Problem/Incident')
    .map((l) => (l.inwardId === problemId ? l.outwardId : l.inwardId))
    .map((id) => sandbox.store.get(id)?.key ?? id)
    .sort();
}

function text(description: unknown): string {
  if (description === null || description === undefined) return '';
  if (typeof description === 'string') return description;
  const rich = description as { kind: string; doc?: unknown; text?: string };
  return rich.kind === 'adf' ? adfToText(rich.doc as Parameters<typeof adfToText>[0]) : (rich.text ?? '');
}

describe.each(['cloud', 'datacenter'] as const)('pattern rules against the Jira %s sandbox', (flavour) => {
  const e2e = useE2e();

  it('opens one Problem issue for a spike, links its incidents, adds a late member, and never writes twice', async () => {
    const store = new JiraStore({ flavour });
    seedFixtures(store);
    for (let week = 6; week >= 1; week--) raise(store, week * 7 * DAY, 'Wi-Fi drops now and then');
    const spike = [raise(store, 5 * HOUR, 'Wi-Fi down on floor 3'), raise(store, 4 * HOUR, 'No Wi-Fi in the east wing'), raise(store, 3 * HOUR, 'Wi-Fi access point unreachable')];
    const sandbox = await e2e.jiraOn({ flavour, store });
    const loaded = e2e.load(writeJiraConfig(sandbox, { rules: RULES }));
    let { daemon } = e2e.daemon(loaded);
    expect((await daemon.runOnce()).ok).toBe(true);

    const opened = problems(sandbox);
    expect(opened.map((p) => p.summary)).toEqual(['Recurring incidents: Network']);
    const problem = opened[0];
    if (!problem) throw new Error('no problem');
    expect(problem.summary).toBe('Recurring incidents: Network');
    expect(problem.labels.some((l) => l.startsWith('deskbridge-'))).toBe(true);
    // Members: every incident whose (first) component is Network from the last 24 h — the spike plus the fixtures' own.
    const recent = store
      .list()
      .filter((i) => i.key.startsWith('ITSM-') && i.components[0] === 'Network' && i.created > Date.now() - DAY + 60_000)
      .map((i) => i.key);
    expect(recent).toEqual(expect.arrayContaining(spike));
    expect(membersOf(sandbox, problem.id)).toEqual([...recent].sort());
    for (const key of spike) expect(text(problem.description)).toContain(key);

    const late = raise(store, 0, 'Wi-Fi still flaky');
    // Jira's search index may lag: a second pass picks up anything the first did not see.
    expect((await daemon.runOnce()).ok).toBe(true);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(problems(sandbox)).toHaveLength(1);
    expect(membersOf(sandbox, problem.id)).toEqual([...recent, late].sort());
    expect(text(sandbox.store.get(problem.id)?.description)).toContain(late);

    const writes = jiraWrites(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    ({ daemon } = e2e.daemon(loaded));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(jiraWrites(sandbox)).toBe(writes);
  });
});
