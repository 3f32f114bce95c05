import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JiraStore, seedFixtures } from '../../src/sandbox/jira/index.js';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { expectedJiraRouting, jiraSnapshot, jiraWrites, writeJiraConfig } from '../helpers/jira-env.js';
import { REPO } from '../helpers/sandbox-env.js';

process.env['E2E_JIRA_TOKEN'] = 'deskbridge';

const DEDUP_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-dedup');

const TOPICS = [
  'VPN client disconnects every few minutes',
  'Outlook cannot connect to the mail server',
  'Printer on floor 3 shows paper jam',
  'Laptop battery drains within an hour',
  'Shared drive folder access denied',
  'Password reset link expired immediately',
];

/** The fixtures plus reports that say the same thing twice, an hour apart, by a person (so a duplicate suggestion follows). */
function seededStore(flavour: 'cloud' | 'datacenter'): JiraStore {
  const store = new JiraStore({ flavour });
  seedFixtures(store);
  const reporter = store.findUser('praman')?.accountId ?? null;
  const now = store.now().getTime();
  TOPICS.forEach((topic, i) => {
    for (const [n, suffix] of [' since Monday', ' again today', ' for the whole team'].entries()) {
      const at = now - (200 - i * 10 - n * 3) * 60_000;
      store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: topic + suffix, description: `${topic}. Started${suffix}.`, reporter, created: at, updated: at }, reporter);
    }
  });
  return store;
}

/**
 * deskbridge must recognise its own writes on Jira from what Jira says (comment and changelog
 * authors), not from what one process remembers: after a restart, and when a write was applied
 * but answered with a 5xx.
 */
describe.each(['datacenter', 'cloud'] as const)('own writes on Jira %s', (flavour) => {
  const e2e = useE2e();

  it('a restarted daemon recognises issues whose last change is its own comment and evaluates none of them again', async () => {
    const sandbox = await e2e.jiraOn({ flavour, store: seededStore(flavour) });
    const path = writeJiraConfig(sandbox, { rules: DEDUP_RULES });
    const { daemon: first } = e2e.daemon(path);
    const run1 = await first.runOnce();
    expect(run1.ok).toBe(true);
    // Suggestion notes are comments only: they leave no changelog entry on the issue.
    expect(run1.results[0]?.written.sent).toBeGreaterThan(3);
    await first.stop();
    const after = jiraSnapshot(sandbox);
    sandbox.resetRequestLog();

    // A new process: nothing of the first one's memory survives, only the state file.
    const { daemon: second } = e2e.daemon(path);
    const run2 = await second.runOnce();

    expect(run2.ok).toBe(true);
    expect(run2.results[0]?.evaluated).toBe(0);
    expect(run2.results[0]?.ownWrites).toBeGreaterThan(3);
    expect(jiraWrites(sandbox)).toBe(0);
    expect(jiraSnapshot(sandbox)).toEqual(after);
  });

  // Cloud takes the same connector path; one flavour keeps `npm test` short.
  it.runIf(flavour === 'datacenter')('a routing note whose assignment was applied but answered 5xx is still posted, exactly once', async () => {
    const store = seededStore(flavour);
    const sandbox = await e2e.jiraOn({
      flavour,
      store,
      // Half the edits are applied and then answered with a server error.
      faults: { rate: 0.5, kinds: ['server-error'], methods: ['PUT'], afterApplyShare: 1, serverErrorStatuses: [500], seed: 12 },
    });
    const expected = expectedJiraRouting(sandbox);
    const loaded = e2e.load(writeJiraConfig(sandbox));
    // Every retry goes through the outbox, version check first: the earlier attempt's change is there.
    for (const source of loaded.config.sources) source.retry.maxRetries = 0;
    const { daemon } = e2e.daemon(loaded);

    // The first pass meets the faults (and retries within it); later passes only finish what is left.
    await daemon.runOnce();
    const faults = sandbox.faultCounts();
    sandbox.setFaults(null);
    for (let i = 0; i < 20 && (await daemon.runOnce()).results[0]?.pendingWrites !== 0; i++) await new Promise((r) => setTimeout(r, 500));

    expect(faults.byPhase.after).toBeGreaterThan(3);
    const after = jiraSnapshot(sandbox);
    expect(expected.size).toBeGreaterThan(5);
    for (const [key, want] of expected) {
      expect(after[key]?.team, key).toBe(want.team);
      expect(after[key]?.notes, key).toHaveLength(1);
      expect(after[key]?.notes[0], key).toContain(want.rule);
    }
  });
});

/** One routing rule, an assignment without a note: one write per issue keeps the test quick. */
function assignOnlyRules(e2e: E2eHarness): string {
  const dir = e2e.tempDir('deskbridge-assign-only-');
  writeFileSync(join(dir, 'routing.yaml'), ['rules:', '  - id: unassigned-to-desk', '    kind: routing', '    when: $not($exists(group))', '    assign:', '      group: Service Desk', ''].join('\n'));
  return dir;
}

describe('a bulk change on Jira Data Center: 350 issues in one updated minute', () => {
  const e2e = useE2e();

  it('routes all 350 in one pass with pageSize 100, although its own writes between pages move them out of the minute', async () => {
    const store = new JiraStore({ flavour: 'datacenter' });
    // The fixtures carry the teams, which is how the connector learns their ids.
    seedFixtures(store);
    const reporter = store.findUser('praman')?.accountId ?? null;
    const imported: string[] = [];
    const minute = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
    for (let i = 0; i < 350; i++) {
      const at = minute + (i % 59) * 1000;
      imported.push(store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Imported request ${i}`, reporter, created: at, updated: at }, reporter).key);
    }
    const sandbox = await e2e.jiraOn({ flavour: 'datacenter', store });
    const captured = e2e.daemon(writeJiraConfig(sandbox, { pageSize: 100, rules: assignOnlyRules(e2e) }));
    const { daemon } = captured;

    const result = await daemon.runOnce();

    expect(
      result.ok,
      JSON.stringify(result.results) +
        captured.lines
          .filter((l) => l.includes('"warn"') || l.includes('"error"'))
          .slice(0, 5)
          .join('\n'),
    ).toBe(true);
    const routed = jiraSnapshot(sandbox);
    const unrouted = imported.filter((key) => routed[key]?.team !== 'Service Desk');
    expect(imported).toHaveLength(350);
    expect(unrouted).toEqual([]);
  });
});
