import { describe, expect, it } from 'vitest';
import { ServiceNowStore, seedFixtures } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { snapshot, writeConfig } from '../helpers/sandbox-env.js';
import { inProcess } from '../helpers/cli-in-process.js';
import { outboxCommand } from '../../src/cli/inspect.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/**
 * A write the instance refuses for good (a data policy) must not leave the rest of its plan
 * pending forever: the pass that dead-letters it fails, the next `run --once` succeeds, and
 * `deskbridge outbox list` says what was not sent and why.
 */
describe('run --once after a dead-lettered write', () => {
  const e2e = useE2e();

  it('fails the pass that dead-letters, succeeds on the next, and outbox list shows the refused write and the note held with it', async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    const sandbox = await e2e.serviceNowOn({
      store,
      // The instance requires a routing reason whenever the group changes: every assignment is refused.
      dataPolicies: [{ table: 'incident', mandatory: 'u_routing_reason', when: (_record, changes) => 'assignment_group' in changes }],
    });
    const configPath = writeConfig(sandbox.url);
    const { daemon } = e2e.daemon(configPath);

    const first = await daemon.runOnce();
    const second = await daemon.runOnce();
    await daemon.stop();

    expect(first.ok).toBe(false);
    expect(first.results[0]?.written.dead).toBeGreaterThan(0);
    expect(second.ok).toBe(true);
    expect(second.results[0]?.pendingWrites).toBe(0);
    // No routing note describes an assignment that was never made.
    expect(
      Object.values(snapshot(sandbox))
        .flatMap((t) => t.notes)
        .filter((n) => n.includes('routed to')),
    ).toEqual([]);

    // `deskbridge outbox list --status dead`, in-process (the CLI spawn is pinned in dry-run-review.test.ts).
    const listed = (await inProcess(() => outboxCommand('list', { config: configPath, status: 'dead', limit: '50' }))).stdout;
    expect(listed).toContain('Data Policy Exception');
    expect(listed).toMatch(/error: Not sent: it builds on assign [0-9a-f]{12} \(rule network-to-netops\), which was dead-lettered: ServiceNow refused PATCH/);
    expect(listed).toMatch(/pending 0, done \d+, dead \d+/);
  }, 60_000);
});
