import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { TestClock } from '../helpers/clock.js';
import { useE2e } from '../helpers/e2e.js';
import { expectedJiraRouting, jiraSnapshot, jiraWrites, writeJiraConfig } from '../helpers/jira-env.js';
import { missingData } from '../helpers/data.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

describe.skipIf(missingData('hadoopBugs')).each(['cloud', 'datacenter'] as const)('daemon against the Jira %s sandbox (real HTTP, real SQLite)', (flavour) => {
  const e2e = useE2e();

  it('assigns and comments every matching issue exactly once, and a second pass writes nothing', async () => {
    const sandbox = await e2e.jira(flavour, { hadoopIssues: 60 });
    const before = jiraSnapshot(sandbox);
    const expected = expectedJiraRouting(sandbox);
    const { daemon, lines } = e2e.daemon(writeJiraConfig(sandbox));

    const first = await daemon.runOnce();
    const after = jiraSnapshot(sandbox);

    expect(first.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    expect(expected.size).toBeGreaterThan(5);
    for (const [key, want] of expected) {
      expect(after[key]?.team, key).toBe(want.team);
      expect(after[key]?.notes, key).toHaveLength(1);
      expect(after[key]?.notes[0], key).toContain(want.rule);
    }
    for (const key of Object.keys(before).filter((k) => !expected.has(k))) expect(after[key], key).toEqual(before[key]);
    const desk = [...expected].filter(([, w]) => w.rule === 'unassigned-to-desk').map(([k]) => after[k]?.assignee);
    expect(new Set(desk)).toEqual(new Set(['Tom Becker', 'Ada Okafor', 'Ravi Singh']));

    sandbox.resetRequestLog();
    const second = await daemon.runOnce();

    expect(second.ok).toBe(true);
    expect(jiraWrites(sandbox)).toBe(0);
    expect(jiraSnapshot(sandbox)).toEqual(after);
  });
});

describe('Jira Cloud search that lags behind writes', () => {
  const e2e = useE2e();

  it('misses no issue created or changed while the index lags', async () => {
    // One clock for the site (writes, index lag) and the daemon: time passes by advancing it.
    const clock = new TestClock();
    const sandbox = await e2e.jira('cloud', { searchLagMs: 1_500, now: clock.now });
    const { daemon } = e2e.daemon(writeJiraConfig(sandbox, { overlapSeconds: 60 }), { now: clock.now });
    const store = sandbox.store;
    const requester = store.findUser('praman')?.accountId ?? null;
    const created: string[] = [];

    for (let round = 0; round < 4; round++) {
      created.push(store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Printer queue stuck (${round})`, components: ['Hardware'], reporter: requester }, requester).key);
      await daemon.runOnce(); // the newest issue is not searchable yet
      clock.advance(600);
    }
    clock.advance(1_600);
    await daemon.runOnce();

    const after = jiraSnapshot(sandbox);
    for (const key of created) {
      expect(after[key]?.team, key).toBe('Service Desk');
      expect(after[key]?.notes, key).toHaveLength(1);
    }
  }, 30_000);
});

describe.skipIf(missingData('hadoopBugs'))('Jira Cloud crash recovery', () => {
  const e2e = useE2e();

  it('a daemon killed with SIGKILL mid-pass and restarted ends with the same issues as an uninterrupted run', async () => {
    const reference = await e2e.jira('cloud', { hadoopIssues: 150 });
    const crashed = await e2e.jira('cloud', { hadoopIssues: 150 });
    // The two sandboxes were seeded a moment apart, so issue versions (Jira's `updated`) — and the
    // idempotency markers derived from them — differ; everything a person reads must not.
    const strip = (s: ReturnType<typeof jiraSnapshot>) =>
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { team: v.team, assignee: v.assignee, notes: v.notes.map((n) => n.replace(/deskbridge:[0-9a-f]+/g, 'deskbridge:…')) }]));

    const { daemon } = e2e.daemon(writeJiraConfig(reference, { requestsPerMinute: 9000 }), { logger: silentLogger });
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    const expected = strip(jiraSnapshot(reference));
    const total = jiraWrites(reference);
    // Enough writes to kill the daemon at a fifth, half and four fifths of them (one PUT per routed issue).
    expect(total).toBeGreaterThan(40);

    const configPath = writeJiraConfig(crashed, { requestsPerMinute: 9000 });
    const run = () => e2e.spawnCli(['run', '--once', '--config', configPath]);
    let kills = 0;
    for (const fraction of [0.2, 0.5, 0.8]) {
      const { child, exited } = run();
      let done = false;
      void exited.then(() => (done = true));
      while (!done && jiraWrites(crashed) < total * fraction) await new Promise((r) => setTimeout(r, 5));
      if (!done) {
        child.kill('SIGKILL');
        kills++;
      }
      await exited;
    }
    const last = run();
    expect(await last.exited).toBe(0);

    expect(kills).toBe(3);
    expect(strip(jiraSnapshot(crashed))).toEqual(expected);
  }, 120_000);
});
