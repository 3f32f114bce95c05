import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceNowStore, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e, type E2eHarness, type RunningDaemon } from '../helpers/e2e.js';
import { snapshot, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/**
 * Issue 20, `once` / `override` memory against writes that never reach the platform: a rule whose
 * write is dead-lettered has not applied — a person's next change is judged as if it never acted —
 * and `outbox retry` sends the same write again, never a second one.
 */
const RULES = `rules:
  - id: p1-once
    kind: routing
    when: priority = 1
    override: true
    once: true
    assign: { group: Major Incident Team }
    note: { template: "P1: routed to the Major Incident Team." }
`;

interface Desk {
  sandbox: ServiceNowSandbox;
  running: RunningDaemon;
  /** While true, the instance refuses every change of assignment group (a data policy). */
  refuse: { on: boolean };
  number: string;
  sysId: string;
}

async function desk(e2e: E2eHarness): Promise<Desk> {
  const refuse = { on: true };
  const sandbox = await e2e.serviceNowOn({
    store: new ServiceNowStore(),
    dataPolicies: [{ table: 'incident', mandatory: 'u_routing_reason', when: (_record, changes) => refuse.on && 'assignment_group' in changes }],
  });
  const rules = mkdtempSync(join(tmpdir(), 'deskbridge-dead-memory-'));
  writeFileSync(join(rules, 'routing.yaml'), RULES);
  const running = e2e.daemon(writeConfig(sandbox.url, { rules }));
  const record = sandbox.store.insert('incident', { short_description: 'Payroll down for everyone', impact: '1', urgency: '1', state: '2', assignment_group: 'Service Desk' }, 'caller.one', {
    inputDisplayValue: true,
  });
  return { sandbox, running, refuse, number: record['number'] ?? '', sysId: record['sys_id'] ?? '' };
}

function personEdits(d: Desk, changes: Record<string, string>): void {
  d.sandbox.store.update('incident', d.sysId, changes, 'beth.agent', { inputDisplayValue: true });
}

const mitNotes = (d: Desk) => (snapshot(d.sandbox)[d.number]?.notes ?? []).filter((n) => n.includes('Major Incident Team.'));

describe('once/override memory and dead-lettered writes (ServiceNow sandbox)', () => {
  const e2e = useE2e();

  it('a dead-lettered write leaves the rule unapplied: the next change by a person is routed once, and its new write replaces the dead one (outbox retry sends nothing twice)', async () => {
    const d = await desk(e2e);
    const store = e2e.store(d.running.config.state.path);

    const first = await d.running.daemon.runOnce();
    expect(first.results[0]?.written.dead).toBeGreaterThan(0);
    expect(snapshot(d.sandbox)[d.number]?.group).toBe('Service Desk');
    const dead = await store.outbox.list({ status: 'dead' });
    const ticketKey = dead[0]?.planned.target.ticketKey ?? '';
    // Nothing reached the ticket: the rule has not applied, and this trigger is still open.
    const row = (await store.getTickets([ticketKey])).get(ticketKey);
    expect(row?.applied ?? []).not.toContain('p1-once');
    expect(row?.triggered ?? []).not.toContain('p1-once');

    // The instance is fixed; a person touches the ticket: judged as if the rule never acted.
    d.refuse.on = false;
    personEdits(d, { work_notes: 'any news?' });
    await d.running.daemon.runOnce();
    expect(snapshot(d.sandbox)[d.number]?.group).toBe('Major Incident Team');
    expect(mitNotes(d)).toHaveLength(1);
    expect((await store.getTickets([ticketKey])).get(ticketKey)?.applied).toContain('p1-once');

    // The rule's new writes replaced the dead ones: `outbox retry` has nothing of it left to send twice.
    const replaced = await Promise.all(dead.map(async (e) => (await store.outbox.find(e.id))[0]));
    for (const entry of replaced) expect(entry).toMatchObject({ status: 'done', outcome: 'superseded', lastError: expect.stringMatching(/^replaced by a later write of rule p1-once/) });
    expect(await store.outbox.retry({})).toBe(0);
    await d.running.daemon.runOnce();
    expect(mitNotes(d)).toHaveLength(1);
    expect(await store.outbox.counts()).toMatchObject({ pending: 0, dead: 0 });

    // And once means once: moved back by a person, it stays.
    personEdits(d, { assignment_group: 'Service Desk' });
    for (let i = 0; i < 3; i++) {
      await d.running.daemon.runOnce();
      personEdits(d, { work_notes: `still looking ${i}` });
    }
    await d.running.daemon.runOnce();
    expect(snapshot(d.sandbox)[d.number]?.group).toBe('Service Desk');
    expect(mitNotes(d)).toHaveLength(1);
  }, 60_000);

  it('outbox retry of a dead write sends that same write and counts the rule as applied again: no second write after a person moves the ticket back', async () => {
    const d = await desk(e2e);
    const store = e2e.store(d.running.config.state.path);

    await d.running.daemon.runOnce();
    const dead = await store.outbox.list({ status: 'dead' });
    expect(dead.length).toBeGreaterThan(0);
    const ticketKey = dead[0]?.planned.target.ticketKey ?? '';

    d.refuse.on = false;
    expect(await store.outbox.retry({})).toBe(dead.length);
    expect((await store.getTickets([ticketKey])).get(ticketKey)).toMatchObject({ applied: ['p1-once'], triggered: ['p1-once'] });
    await d.running.daemon.runOnce();
    expect(snapshot(d.sandbox)[d.number]?.group).toBe('Major Incident Team');
    expect(mitNotes(d)).toHaveLength(1);
    // The very entries that died were sent, no new ones planned.
    expect((await store.outbox.list({})).map((e) => e.id).sort()).toEqual(dead.map((e) => e.id).sort());

    personEdits(d, { assignment_group: 'Service Desk' });
    for (let i = 0; i < 3; i++) {
      await d.running.daemon.runOnce();
      personEdits(d, { work_notes: `still looking ${i}` });
    }
    await d.running.daemon.runOnce();
    expect(snapshot(d.sandbox)[d.number]?.group).toBe('Service Desk');
    expect(mitNotes(d)).toHaveLength(1);
  }, 60_000);
});
