import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { startWriteBlockingProxy } from '../helpers/write-blocking-proxy.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

describe('people editing tickets while deskbridge works', () => {
  const e2e = useE2e();

  it("does not overwrite a technician's change made while deskbridge's write was waiting", async () => {
    const sandbox = await e2e.serviceNow({});
    const incident = sandbox.store.insert('incident', { short_description: 'Laptop will not boot', category: 'hardware', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const number = incident['number'] ?? '';
    const proxy = e2e.closeAfter(await startWriteBlockingProxy(sandbox.url));
    // The outbox's clock: moved to the first retry instead of waiting for it.
    const clock = new TestClock();
    const { daemon } = e2e.daemon(writeConfig(proxy.url), { now: clock.now });

    proxy.blockWrites = true;
    const first = await daemon.runOnce({ settle: false });
    expect(first.results[0]?.planned).toBe(2);
    expect(first.results[0]?.written.failed).toBeGreaterThan(0);

    // The technician takes the ticket before deskbridge's assignment gets through.
    sandbox.store.update('incident', incident['sys_id'] ?? '', { assignment_group: 'Desktop Support', assigned_to: 'Alice Tech' }, 'alice.tech', { inputDisplayValue: true });
    proxy.blockWrites = false;
    clock.advance(1_100); // the outbox's first retry delay
    const second = await daemon.runOnce();

    expect(second.results[0]?.written.superseded).toBe(2);
    expect(snapshot(sandbox)[number]).toMatchObject({ group: 'Desktop Support', assignee: 'Alice Tech', notes: [] });
  });

  it('ends a one-off pass promptly with a failure when a write is refused, dead-lettering the note that describes it', async () => {
    const sandbox = await e2e.serviceNow({});
    sandbox.store.insert('incident', { short_description: 'Laptop will not boot', category: 'hardware', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const proxy = e2e.closeAfter(await startWriteBlockingProxy(sandbox.url, 403));
    proxy.blockWrites = true;
    const { daemon } = e2e.daemon(writeConfig(proxy.url));

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
    const sandbox = await e2e.serviceNow({});
    const incident = sandbox.store.insert('incident', { short_description: 'Core switch down', category: 'network', impact: '1', urgency: '1', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const number = incident['number'] ?? '';
    const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: join(REPO, 'rules') }));
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
