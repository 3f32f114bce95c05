import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raiseIncident, ServiceNowStore, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { TestClock } from '../helpers/clock.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-sla');
const MINUTE = 60_000;

function raise(store: ServiceNowStore, openedAgoMs: number, title: string): string {
  return raiseIncident(store, { title, category: 'network', openedAgoMs, fields: { state: '2', assignment_group: 'Network Operations' } })['sys_id'] ?? '';
}

function notes(sandbox: ServiceNowSandbox, sysId: string): string[] {
  return sandbox.store
    .journal(sysId)
    .filter((j) => j.value.includes('SLA'))
    .map((j) => j.value);
}

describe('SLA escalation against the ServiceNow sandbox', () => {
  const e2e = useE2e();

  it('fires each threshold once, including one that falls due while nobody touches the ticket', async () => {
    const store = new ServiceNowStore();
    // 75% of the hour is gone; the hour itself runs out four seconds from now.
    const late = raise(store, 60 * MINUTE - 4_000, 'Core switch flapping in building B');
    const fresh = raise(store, 5 * MINUTE, 'Printer offline on floor 2');
    const sandbox = await e2e.serviceNowOn({
      store,
      users: [
        { userName: 'deskbridge', password: 'deskbridge' },
        { userName: 'beth.anglin', password: 'beth' },
      ],
    });
    const loaded = e2e.load(writeConfig(sandbox.url, { rules: RULES }));
    // The rules' clock: moved past the hour instead of waiting for it.
    const clock = new TestClock();
    let { daemon } = e2e.daemon(loaded, { ruleNow: clock.now });

    expect((await daemon.runOnce()).ok).toBe(true);
    expect(notes(sandbox, late)).toHaveLength(1);
    expect(notes(sandbox, late)[0]).toMatch(/SLA: 59 min of 1 h used on INC\d+\. @Duty Manager please look\./);
    expect(notes(sandbox, fresh)).toEqual([]);
    const group = (sysId: string) => sandbox.store.displayValue('incident', sandbox.store.list('incident').find((r) => r['sys_id'] === sysId) ?? {}, 'assignment_group');
    expect(group(late)).toBe('Network Operations');

    // Another pass right away: nothing new.
    const writes = writesIn(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBe(writes);

    // The hour runs out. Nobody edits the ticket: the sweep notices the breach on its own.
    clock.advance(4_500);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(group(late)).toBe('Major Incident Team');
    expect(notes(sandbox, late)).toHaveLength(2);
    expect(notes(sandbox, late)[1]).toContain('SLA breached');

    // And never again, also after a restart.
    const after = writesIn(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    ({ daemon } = e2e.daemon(loaded, { ruleNow: clock.now }));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBe(after);
    expect(notes(sandbox, fresh)).toEqual([]);
  }, 30_000);
});
