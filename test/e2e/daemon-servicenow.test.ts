import { describe, expect, it } from 'vitest';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { snapshot, writeConfig, writesIn, type PlatformSnapshot } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';
import { inProcess } from '../helpers/cli-in-process.js';
import { outboxCommand } from '../../src/cli/inspect.js';
import { startRequestHookProxy } from '../helpers/request-hook-proxy.js';
import { startWriteBlockingProxy } from '../helpers/write-blocking-proxy.js';
import { TestClock } from '../helpers/clock.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/**
 * What the e2e rules must do to each incident, stated from the platform's initial state
 * (display values), independently of the engine.
 */
function expectedRouting(sandbox: ServiceNowSandbox): Map<string, { group: string; rule: string }> {
  const { store } = sandbox;
  const expected = new Map<string, { group: string; rule: string }>();
  for (const record of store.list('incident')) {
    const category = store.displayValue('incident', record, 'category');
    const group = store.displayValue('incident', record, 'assignment_group');
    const assignee = store.displayValue('incident', record, 'assigned_to');
    const state = record['state'] ?? '';
    const active = !['3', '6', '7', '8'].includes(state);
    const number = record['number'] ?? '';
    if (category === 'Network' && group === '') expected.set(number, { group: 'Network Operations', rule: 'network-to-netops' });
    else if (group === 'Group 70' && assignee === '' && active) expected.set(number, { group: 'Group 70', rule: 'desk-queue-dispatch' });
    else if (group === '') expected.set(number, { group: 'Service Desk', rule: 'unassigned-to-desk' });
  }
  return expected;
}

describe('daemon against the ServiceNow sandbox (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it.skipIf(missingData('eventLog', 'ticketTexts'))('assigns and notes every matching incident exactly once, and a second pass writes nothing', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true, eventLogIncidents: 200 });
    const before = snapshot(sandbox);
    const expected = expectedRouting(sandbox);
    const { daemon, lines } = e2e.daemon(writeConfig(sandbox.url));

    const first = await daemon.runOnce();
    const after = snapshot(sandbox);

    expect(first.ok).toBe(true);
    expect(expected.size).toBeGreaterThan(20);
    // One PATCH per routed incident: its assignment and its note go together.
    expect(writesIn(sandbox)).toBe(expected.size);
    for (const [number, want] of expected) {
      const got = after[number];
      expect(got?.group, number).toBe(want.group);
      expect(got?.notes, number).toHaveLength(1);
      expect(got?.notes[0], number).toContain(want.rule);
    }
    const untouched = Object.keys(before).filter((n) => !expected.has(n));
    for (const number of untouched) expect(after[number], number).toEqual(before[number]);
    const dispatched = [...expected].filter(([, w]) => w.rule === 'desk-queue-dispatch').map(([n]) => after[n]?.assignee);
    expect(new Set(dispatched)).toEqual(new Set(['Resolver 17', 'Resolver 13', 'Resolver 194']));

    sandbox.resetRequestLog();
    const second = await daemon.runOnce();

    expect(second.ok).toBe(true);
    expect(writesIn(sandbox)).toBe(0);
    expect(snapshot(sandbox)).toEqual(after);
    expect(lines.join('\n')).not.toContain('deskbridge:deskbridge');
  });

  it('plans but does not write in dry-run mode', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const before: PlatformSnapshot = snapshot(sandbox);
    const configPath = writeConfig(sandbox.url, { dryRun: true });
    const { daemon, config, logger, lines } = e2e.daemon(configPath);

    const result = await daemon.runOnce();

    expect(result.results[0]?.planned).toBeGreaterThan(0);
    expect(writesIn(sandbox)).toBe(0);
    expect(snapshot(sandbox)).toEqual(before);
    expect(lines.filter((l) => l.includes('DRY-RUN: would write')).length).toBe(result.results[0]?.planned);
    // `deskbridge outbox list`, in-process (the CLI spawn is pinned in dry-run-review.test.ts).
    const listed = await inProcess(() => outboxCommand('list', { config: configPath, limit: '50' }));
    expect(listed.stdout.split('\n').filter((l) => l.includes(' would have ')).length).toBe(result.results[0]?.planned);
    await daemon.stop();

    // Switching dry-run off afterwards: the real run has not "used up" the tickets.
    const real = e2e.load(writeConfig(sandbox.url)).config;
    const live = await e2e.daemon({ config: { ...real, state: config.state } }, { logger }).daemon.runOnce();

    expect(live.results[0]?.written.sent).toBe(result.results[0]?.planned);
  });

  it('picks up a change made on the platform after the first pass', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const { daemon } = e2e.daemon(writeConfig(sandbox.url));
    await daemon.runOnce();

    const created = sandbox.store.insert('incident', { short_description: 'Wi-Fi down in building B', category: 'network', state: '1' }, 'beth.anglin', { inputDisplayValue: true });
    const second = await daemon.runOnce();

    expect(second.results[0]?.routedByGroup).toEqual({ 'Network Operations': 1 });
    expect(snapshot(sandbox)[created['number'] ?? '']?.group).toBe('Network Operations');
  });

  it('writes a routed incident with ONE request (assignment and note in one PATCH), checked by one batched version read', async () => {
    const sandbox = await e2e.serviceNow({});
    const incident = sandbox.store.insert('incident', { short_description: 'Wi-Fi down in building B', category: 'network', state: '1' }, 'beth.anglin', { inputDisplayValue: true });
    const sysId = incident['sys_id'] ?? '';
    const { daemon } = e2e.daemon(writeConfig(sandbox.url));

    const result = await daemon.runOnce();

    expect(result.results[0]?.written.sent).toBe(2);
    const writes = sandbox.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /api/now/table/incident/${sysId}`]);
    // The lost-update check: one sys_idIN list read for the batch, no GET of the record itself.
    const checks = sandbox.requestLog.filter((r) => r.method === 'GET' && (r.path.endsWith(sysId) || decodeURIComponent(r.query).includes('sys_idIN')));
    expect(checks.map((r) => r.path)).toEqual(['/api/now/table/incident']);
    expect(snapshot(sandbox)[incident['number'] ?? '']).toMatchObject({ group: 'Network Operations', notes: [expect.stringContaining('network-to-netops') as unknown] });
  });

  it('keeps a person’s edit made between planning and writing: the batched read sees it and nothing is written', async () => {
    const sandbox = await e2e.serviceNow({});
    const incident = sandbox.store.insert('incident', { short_description: 'Switch port flapping', category: 'network', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const number = incident['number'] ?? '';
    let edited = false;
    // The technician takes the ticket after deskbridge planned from it, just before its writes.
    const proxy = e2e.closeAfter(
      await startRequestHookProxy(sandbox.url, (req) => {
        if (edited || req.method !== 'GET' || !decodeURIComponent(req.url ?? '').includes('sys_idIN')) return;
        edited = true;
        sandbox.store.update('incident', incident['sys_id'] ?? '', { assignment_group: 'Desktop Support', assigned_to: 'Alice Tech' }, 'alice.tech', { inputDisplayValue: true });
      }),
    );
    const { daemon } = e2e.daemon(writeConfig(proxy.url));

    const result = await daemon.runOnce();

    expect(edited).toBe(true);
    expect(result.results[0]?.written.superseded).toBe(2);
    expect(writesIn(sandbox)).toBe(0);
    expect(snapshot(sandbox)[number]).toMatchObject({ group: 'Desktop Support', assignee: 'Alice Tech', notes: [] });
  });

  it('finishes a routed incident whose combined PATCH failed with one more PATCH on retry: one update, one note', async () => {
    const sandbox = await e2e.serviceNow({});
    const incident = sandbox.store.insert('incident', { short_description: 'Router reboot loop', category: 'network', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const number = incident['number'] ?? '';
    const modCount = Number(incident['sys_mod_count']);
    const proxy = e2e.closeAfter(await startWriteBlockingProxy(sandbox.url));
    const clock = new TestClock();
    const { daemon } = e2e.daemon(writeConfig(proxy.url), { now: clock.now });

    proxy.blockWrites = true;
    const first = await daemon.runOnce({ settle: false });
    expect(first.results[0]?.written.failed).toBe(2);
    proxy.blockWrites = false;
    sandbox.resetRequestLog();
    clock.advance(1_100); // the outbox's first retry delay
    const second = await daemon.runOnce();

    expect(second.results[0]?.written.sent).toBe(2);
    // The retry looks for the note by its marker, then sends assignment and note together.
    expect(sandbox.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').map((r) => r.method)).toEqual(['PATCH']);
    expect(snapshot(sandbox)[number]).toMatchObject({ group: 'Network Operations', modCount: String(modCount + 1) });
    expect(snapshot(sandbox)[number]?.notes).toHaveLength(1);
  });

  it('stops a source whose credentials are refused, with a message that says what to fix', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    process.env['E2E_SN_PASSWORD'] = 'wrong-password-123';
    try {
      const { daemon, lines } = e2e.daemon(writeConfig(sandbox.url));

      const result = await daemon.runOnce();

      expect(result.ok).toBe(false);
      const text = lines.join('\n');
      expect(text).toMatch(/credentials|password/i);
      expect(text).not.toContain('wrong-password-123');
    } finally {
      process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    }
  });
});
