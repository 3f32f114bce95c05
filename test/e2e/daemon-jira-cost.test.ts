import { describe, expect, it } from 'vitest';
import type { JiraSandbox } from '../../src/sandbox/jira/index.js';
import { useE2e } from '../helpers/e2e.js';
import { expectedJiraRouting, jiraSnapshot, writeJiraConfig } from '../helpers/jira-env.js';
import { missingData } from '../helpers/data.js';
import { startRequestHookProxy } from '../helpers/request-hook-proxy.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

const PAGE_SIZE = 50;

/** The batched version read (readVersions) among the searches: JQL `id in (…)`. */
const isVersionRead = (body: unknown): boolean => typeof (body as { jql?: unknown } | undefined)?.jql === 'string' && (body as { jql: string }).jql.startsWith('id in (');

function apiRequests(sandbox: JiraSandbox) {
  return sandbox.requestLog.filter((r) => r.path.startsWith('/rest/'));
}

/** Write requests per issue id (PUT /issue/{id}, POST …/comment, Service Desk comments). */
function writesPerIssue(sandbox: JiraSandbox): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of apiRequests(sandbox)) {
    if (r.method === 'GET' || r.path.includes('/search')) continue;
    const id = /\/(?:issue|request)\/(\d+)/.exec(r.path)?.[1];
    if (id !== undefined) out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/**
 * A real HTTP proxy in front of the sandbox that runs `beforeVersionRead` once, just before it
 * forwards the first batched version read: a person's edit lands after deskbridge planned its
 * writes and before it checks and sends them.
 */
function startVersionReadHook(target: string, beforeVersionRead: () => void): Promise<{ url: string; close(): Promise<void> }> {
  let fired = false;
  return startRequestHookProxy(target, (req, _res, body) => {
    if (fired || req.method !== 'POST' || !req.url?.includes('/search')) return;
    const parsed: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
    if (!isVersionRead(parsed)) return;
    fired = true;
    beforeVersionRead();
  });
}

describe.skipIf(missingData('hadoopBugs')).each(['cloud', 'datacenter'] as const)('API cost against the Jira %s sandbox', (flavour) => {
  const e2e = useE2e();

  it('a routed issue costs one write request (assignment + note in one PUT), and a full sync reads about one search per page', async () => {
    const sandbox = await e2e.jira(flavour, { hadoopIssues: 200 });
    const expected = expectedJiraRouting(sandbox);
    const issues = sandbox.store.count();
    const { daemon, lines } = e2e.daemon(writeJiraConfig(sandbox, { pageSize: PAGE_SIZE }));

    const result = await daemon.runOnce();

    expect(result.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    const after = jiraSnapshot(sandbox);
    for (const [key, want] of expected) {
      expect(after[key]?.team, key).toBe(want.team);
      expect(after[key]?.notes, key).toHaveLength(1);
      // The routing note is internal whether it went alone or in the edit.
      expect(after[key]?.notes[0], key).toMatch(/^internal:/);
    }
    // HADOOP is not a service project: once the Service Desk API said so (the first notes, sent
    // alone), each routed issue is one PUT with the assignment and the internal note together.
    const writes = writesPerIssue(sandbox);
    const hadoop = [...expected.keys()].filter((key) => key.startsWith('HADOOP-')).map((key) => sandbox.store.get(key)?.id ?? '');
    const onePut = hadoop.filter((id) => writes.get(id) === 1);
    expect(hadoop.length).toBeGreaterThan(20);
    expect(onePut.length).toBeGreaterThanOrEqual(hadoop.length - 4);
    const puts = apiRequests(sandbox).filter((r) => r.method === 'PUT' && hadoop.includes(/\/issue\/(\d+)/.exec(r.path)?.[1] ?? ''));
    expect(puts.some((r) => JSON.stringify(r.body).includes('"comment":[{"add"'))).toBe(true);
    // No per-issue read: no GET of an issue, the version check comes from the batched search.
    expect(apiRequests(sandbox).filter((r) => r.method === 'GET' && /\/issue\/\d+$/.test(r.path))).toEqual([]);
    // Reads: the pull's pages (ceil(issues / page), +1 for the page that finds the end) and one
    // id-in search per chunk of written issues.
    const searches = apiRequests(sandbox).filter((r) => r.path.includes('/search') && r.method === 'POST');
    const pullPages = searches.filter((r) => !isVersionRead(r.body)).length;
    expect(pullPages).toBeLessThanOrEqual(Math.ceil(issues / PAGE_SIZE) + 1);
    expect(searches.filter((r) => isVersionRead(r.body)).length).toBeLessThanOrEqual(Math.ceil(issues / PAGE_SIZE) + Math.ceil(expected.size / 50));
  }, 60_000);

  it("a person's edit between planning and writing wins: the batched read sees it and the plan is superseded", async () => {
    const sandbox = await e2e.jira(flavour, { hadoopIssues: 30 });
    const expected = expectedJiraRouting(sandbox);
    const [victim] = [...expected.keys()];
    if (victim === undefined) throw new Error('nothing to route');
    const person = sandbox.store.findUser('praman')?.accountId ?? '';
    const database = sandbox.store.teams().find((team) => team.name === 'Database Team')?.id ?? '';
    const proxy = e2e.closeAfter(
      await startVersionReadHook(sandbox.url, () => {
        sandbox.store.updateIssue(victim, { team: database }, person);
      }),
    );
    const { daemon } = e2e.daemon(writeJiraConfig({ ...sandbox, url: proxy.url }, { pageSize: PAGE_SIZE }));

    const result = await daemon.runOnce();

    expect(result.ok).toBe(true);
    expect(result.results[0]?.written.superseded).toBeGreaterThanOrEqual(1);
    const after = jiraSnapshot(sandbox);
    expect(after[victim]).toMatchObject({ team: 'Database Team', notes: [] });
    // Everyone else was routed as usual.
    for (const [key, want] of expected) if (key !== victim) expect(after[key]?.team, key).toBe(want.team);
  }, 60_000);
});
