import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { REPO, snapshot, startSeededSandbox, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { startWriteBlockingProxy } from '../helpers/write-blocking-proxy.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

describe('people editing tickets while deskbridge works', () => {
  let sandbox: ServiceNowSandbox | undefined;
  let daemon: Daemon | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await daemon?.stop().catch(() => undefined);
    for (const close of closers.splice(0)) await close();
    await sandbox?.close();
  });

  it('does not overwrite a technician\'s change made while deskbridge\'s write was waiting', async () => {
    sandbox = await startSeededSandbox({});
    const incident = sandbox.store.insert('incident', { short_description: 'Laptop will not boot', category: 'hardware', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const number = incident['number'] ?? '';
    const proxy = await startWriteBlockingProxy(sandbox.url);
    closers.push(proxy.close);
    const { config, secrets } = loadConfig(writeConfig(proxy.url));
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    proxy.blockWrites = true;
    const first = await daemon.runOnce({ settle: false });
    expect(first.results[0]?.planned).toBe(2);
    expect(first.results[0]?.written.failed).toBeGreaterThan(0);

    // The technician takes the ticket before deskbridge's assignment gets through.
    sandbox.store.update('incident', incident['sys_id'] ?? '', { assignment_group: 'Desktop Support', assigned_to: 'Alice Tech' }, 'alice.tech', { inputDisplayValue: true });
    proxy.blockWrites = false;
    await new Promise((r) => setTimeout(r, 1_100)); // the outbox's first retry delay
    const second = await daemon.runOnce();

    expect(second.results[0]?.written.superseded).toBe(2);
    expect(snapshot(sandbox)[number]).toMatchObject({ group: 'Desktop Support', assignee: 'Alice Tech', notes: [] });
  });

  it('ends a one-off pass promptly with a failure when a write is refused, dead-lettering the note that describes it', async () => {
    sandbox = await startSeededSandbox({});
    sandbox.store.insert('incident', { short_description: 'Laptop will not boot', category: 'hardware', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const proxy = await startWriteBlockingProxy(sandbox.url, 403);
    closers.push(proxy.close);
    proxy.blockWrites = true;
    const { config, secrets } = loadConfig(writeConfig(proxy.url));
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    const started = Date.now();
    const result = await daemon.runOnce();

    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.ok).toBe(false);
    // The assignment and the routing note that describes it; nothing left pending for ever.
    expect(result.results[0]?.written.dead).toBe(2);
    expect(result.results[0]?.pendingWrites).toBe(0);
    const note = (await daemon.store.outbox.list({ status: 'dead' })).find((e) => e.planned.action.type === 'comment');
    expect(note?.lastError).toMatch(/^Not sent: it builds on assign [0-9a-f]{12} /);
  });

  it('leaves a P1 with its round-robin assignee when someone adds a work note', async () => {
    sandbox = await startSeededSandbox({});
    const incident = sandbox.store.insert('incident', { short_description: 'Core switch down', category: 'network', impact: '1', urgency: '1', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const number = incident['number'] ?? '';
    const { config, secrets } = loadConfig(writeConfig(sandbox.url, { rules: join(REPO, 'rules') }));
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });
    await daemon.runOnce();
    const routed = snapshot(sandbox)[number];
    expect(routed?.group).toBe('Major Incident Team');

    for (let i = 0; i < 3; i++) {
      sandbox.store.update('incident', incident['sys_id'] ?? '', { work_notes: `Still investigating (${i})` }, 'beth.anglin');
      sandbox.resetRequestLog();
      await daemon.runOnce();
      expect(writesIn(sandbox)).toBe(0);
    }
    expect(snapshot(sandbox)[number]).toMatchObject({ group: 'Major Incident Team', assignee: routed?.assignee, notes: routed?.notes });
  });
});
