import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { REPO, snapshot, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/**
 * A write the instance refuses for good (a data policy) must not leave the rest of its plan
 * pending forever: the pass that dead-letters it fails, the next `run --once` succeeds, and
 * `deskbridge outbox list` says what was not sent and why.
 */
describe('run --once after a dead-lettered write', () => {
  let sandbox: ServiceNowSandbox | undefined;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop().catch(() => undefined);
    daemon = undefined;
    await sandbox?.close();
  });

  it('fails the pass that dead-letters, succeeds on the next, and outbox list shows the refused write and the note held with it', async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({
      store,
      // The instance requires a routing reason whenever the group changes: every assignment is refused.
      dataPolicies: [{ table: 'incident', mandatory: 'u_routing_reason', when: (_record, changes) => 'assignment_group' in changes }],
    });
    const configPath = writeConfig(sandbox.url);
    const { config, secrets } = loadConfig(configPath);
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    const first = await daemon.runOnce();
    const second = await daemon.runOnce();
    await daemon.stop();
    daemon = undefined;

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

    const listed = await new Promise<string>((resolve) => {
      execFile(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), 'outbox', 'list', '--status', 'dead', '--config', configPath], { env: process.env }, (_e, stdout) => resolve(stdout));
    });
    expect(listed).toContain('Data Policy Exception');
    expect(listed).toMatch(/error: Not sent: it builds on assign [0-9a-f]{12} \(rule network-to-netops\), which was dead-lettered: ServiceNow refused PATCH/);
    expect(listed).toMatch(/pending 0, done \d+, dead \d+/);
  }, 60_000);
});
