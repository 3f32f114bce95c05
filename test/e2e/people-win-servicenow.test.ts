import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e, type RunningDaemon } from '../helpers/e2e.js';
import { snapshot, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/**
 * Issue 20: people win. A P1 goes to the Major Incident Team with a note; an agent who decides it
 * is not a real P1 moves it back, and deskbridge leaves it there — until the priority is raised to
 * 1 again, which is a new trigger. And a source's `skip:` keeps deskbridge off tickets entirely.
 */
const RULES = `rules:
  - id: p1-to-mit
    kind: routing
    description: P1 incidents go to the Major Incident Team
    when: priority = 1
    override: true
    assign: { group: Major Incident Team }
    note: { template: "P1: routed to the Major Incident Team." }
  - id: new-to-desk
    kind: routing
    when: $not($exists(group))
    assign: { group: Service Desk }
    note: { template: "Routed to the Service Desk." }
  - id: network-sla
    kind: sla
    when: priority <= 2
    targets:
      - { priority: 1, resolution: { minutes: 1 } }
      - { priority: 2, resolution: { minutes: 1 } }
    escalations:
      - id: breach
        at: { percent: 100, of: resolution }
        note: { template: "SLA breached on {{ source.number }}." }
`;

function rulesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-people-win-'));
  writeFileSync(join(dir, 'routing.yaml'), RULES);
  return dir;
}

/** An agent's edit, made as a person (not the integration user), with display values like the form. */
function agentEdit(sandbox: ServiceNowSandbox, number: string, changes: Record<string, string>): void {
  const found = sandbox.store.findByNumber(number);
  if (!found) throw new Error(`no ${number}`);
  sandbox.store.update('incident', found.record['sys_id'] ?? '', changes, 'beth.agent', { inputDisplayValue: true });
}

async function pass(running: RunningDaemon): Promise<void> {
  const result = await running.daemon.runOnce();
  expect(result.ok).toBe(true);
}

describe('people win against the ServiceNow sandbox', () => {
  const e2e = useE2e();

  it('a person’s reassignment after deskbridge’s survives 10 passes under an override rule (no second note); a raised priority re-triggers once', async () => {
    const sandbox = await e2e.serviceNow();
    const running = e2e.daemon(writeConfig(sandbox.url, { rules: rulesDir() }));
    const number =
      sandbox.store.insert('incident', { short_description: 'Payroll system down for everyone', impact: '1', urgency: '1', state: '1' }, 'caller.one', { inputDisplayValue: true })['number'] ?? '';
    const mitNotes = () => (snapshot(sandbox)[number]?.notes ?? []).filter((n) => n.includes('Major Incident Team.'));

    await pass(running);
    expect(snapshot(sandbox)[number]?.group).toBe('Major Incident Team');
    expect(mitNotes()).toHaveLength(1);

    // "Not a real P1": the agent moves it to the Service Desk, and keeps working on it.
    agentEdit(sandbox, number, { assignment_group: 'Service Desk', work_notes: 'Not a real P1' });
    for (let i = 0; i < 10; i++) {
      await pass(running);
      expect(snapshot(sandbox)[number]?.group, `pass ${i + 1}`).toBe('Service Desk');
      agentEdit(sandbox, number, { short_description: `Payroll system down for everyone (update ${i + 1})` });
    }
    await pass(running);
    expect(snapshot(sandbox)[number]?.group).toBe('Service Desk');
    expect(mitNotes()).toHaveLength(1);

    // The priority is lowered, then raised to 1 again: a new trigger, acted on once.
    agentEdit(sandbox, number, { impact: '3', urgency: '3' });
    await pass(running);
    expect(snapshot(sandbox)[number]?.group).toBe('Service Desk');
    agentEdit(sandbox, number, { impact: '1', urgency: '1' });
    await pass(running);
    expect(snapshot(sandbox)[number]?.group).toBe('Major Incident Team');
    expect(mitNotes()).toHaveLength(2);

    // …once: moved back again by a person, it stays.
    agentEdit(sandbox, number, { assignment_group: 'Service Desk' });
    for (let i = 0; i < 3; i++) {
      await pass(running);
      agentEdit(sandbox, number, { work_notes: `still looking ${i}` });
    }
    await pass(running);
    expect(snapshot(sandbox)[number]?.group).toBe('Service Desk');
    expect(mitNotes()).toHaveLength(2);
  });

  it('skip: tickets are never written — no routing, note or SLA step — and are counted as skipped', async () => {
    const sandbox = await e2e.serviceNow();
    const config = writeConfig(sandbox.url, { rules: rulesDir(), logLevel: 'debug' });
    appendFileSync(config, `    skip: "raw.u_deskbridge_skip.value = 'true' or group = 'VIP Support'"\n`);
    // The rules decide two hours from now: every one-minute SLA target has long passed.
    const running = e2e.daemon(config, { ruleNow: () => new Date(Date.now() + 2 * 3_600_000) });
    const insert = (fields: Record<string, string>) => sandbox.store.insert('incident', { state: '1', ...fields }, 'caller.one', { inputDisplayValue: true });
    const flagged = insert({ short_description: 'CEO laptop will not boot', impact: '1', urgency: '1', u_deskbridge_skip: 'true' });
    const vip = insert({ short_description: 'Board room projector', impact: '1', urgency: '1', assignment_group: 'VIP Support' });
    const unassigned = insert({ short_description: 'Flagged, no group', u_deskbridge_skip: 'true' });
    const normal = insert({ short_description: 'Payroll system down', impact: '1', urgency: '1' });
    const skipped = [flagged, vip, unassigned];

    const results = [];
    for (let i = 0; i < 3; i++) {
      const result = await running.daemon.runOnce();
      expect(result.ok).toBe(true);
      results.push(result.results[0]);
      // A person touching them does not make deskbridge act either.
      for (const record of skipped) sandbox.store.update('incident', record['sys_id'] ?? '', { work_notes: `touched ${i}` }, 'beth.agent');
    }

    // The sandbox's request log: not one write to a skipped record.
    const writes = sandbox.requestLog.filter((r) => r.method !== 'GET' && r.path.startsWith('/api/'));
    for (const record of skipped)
      expect(
        writes.filter((w) => w.path.includes(record['sys_id'] ?? '?')),
        record['number'],
      ).toEqual([]);
    // …and the records show it: their group is what the person gave, no deskbridge note.
    const after = snapshot(sandbox);
    expect(after[flagged['number'] ?? '']).toMatchObject({ group: '', notes: [] });
    expect(after[vip['number'] ?? '']).toMatchObject({ group: 'VIP Support', notes: [] });
    expect(after[unassigned['number'] ?? '']).toMatchObject({ group: '', notes: [] });
    // The others are acted on as before.
    expect(after[normal['number'] ?? '']?.group).toBe('Major Incident Team');
    expect(after[normal['number'] ?? '']?.notes.some((n) => n.includes('SLA breached'))).toBe(true);
    expect(writes.some((w) => w.path.includes(normal['sys_id'] ?? '?'))).toBe(true);

    expect(results[0]?.skipped).toBe(3);
    expect(results.slice(1).map((r) => r?.skipped)).toEqual([3, 3]);
    const debug = running.lines.filter((l) => l.includes('Ticket skipped: left alone'));
    expect(debug.length).toBeGreaterThanOrEqual(3);
    expect(debug[0]).toContain("the source's skip condition holds");
  });
});
