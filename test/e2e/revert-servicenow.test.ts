import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../src/audit/index.js';
import { auditVerifyCommand } from '../../src/cli/audit.js';
import { revertCommand } from '../../src/cli/revert.js';
import { useE2e } from '../helpers/e2e.js';
import { snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/** A bad rule: it moves every Service Desk ticket to Network Operations. */
function badRule(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-revert-rules-'));
  writeFileSync(
    join(dir, 'routing.yaml'),
    ['rules:', '  - id: bad-move', '    kind: routing', '    when: group = "Service Desk"', '    override: true', '    assign:', '      group: Network Operations', ''].join('\n'),
  );
  return dir;
}

describe('deskbridge revert on ServiceNow', () => {
  const e2e = useE2e();

  it('plans without writing, then puts back the previous groups, leaving alone the ticket a person changed since, and logs the reverts', async () => {
    const sandbox = await e2e.serviceNow({});
    const insert = (fields: Record<string, unknown>) => sandbox.store.insert('incident', { short_description: 'Printer jam', state: '2', ...fields }, 'caller.one', { inputDisplayValue: true });
    const a = insert({ assignment_group: 'Service Desk', assigned_to: 'Beth Anglin' });
    const b = insert({ assignment_group: 'Service Desk' });
    const c = insert({ assignment_group: 'Service Desk' });
    const numA = a['number'] ?? '';
    const numB = b['number'] ?? '';
    const numC = c['number'] ?? '';
    const path = writeConfig(sandbox.url, { rules: badRule() });
    const { daemon, config } = e2e.daemon(path);

    await daemon.runOnce();
    // Writing needs the daemon's state lock: refused (75, as `run` does) while the daemon holds it.
    sandbox.resetRequestLog();
    const refused: string[] = [];
    expect(await revertCommand({ config: path, rule: 'bad-move', apply: true }, (line) => refused.push(line))).toBe(75);
    expect(refused.at(-1)).toMatch(/stop the daemon and run it again/);
    expect(writesIn(sandbox)).toBe(0);
    await daemon.stop();
    for (const n of [numA, numB, numC]) expect(snapshot(sandbox)[n]?.group).toBe('Network Operations');

    // A technician moves C on after deskbridge did: that decision must survive the revert.
    sandbox.store.update('incident', c['sys_id'] ?? '', { assignment_group: 'Hardware' }, 'beth.anglin', { inputDisplayValue: true });

    // Dry run (the default): the plan, and no write at all.
    sandbox.resetRequestLog();
    const plan: string[] = [];
    expect(await revertCommand({ config: path, rule: 'bad-move' }, (line) => plan.push(line))).toBe(0);
    expect(writesIn(sandbox)).toBe(0);
    expect(plan[0]).toMatch(/dry run: nothing is written/);
    expect(plan.find((l) => l.includes(numA))).toMatch(/revert .*group "Network Operations" -> "Service Desk", assignee \(none\) -> "Beth Anglin"/);
    expect(plan.find((l) => l.includes(numB))).toMatch(/revert .*group "Network Operations" -> "Service Desk"/);
    expect(plan.find((l) => l.includes(numC))).toMatch(/skip .*changed since deskbridge's write: group is now "Hardware" \(deskbridge set "Network Operations"\)/);
    expect(plan.at(-1)).toBe('Would: 2 to revert, 1 skipped, 0 not revertible');
    expect(snapshot(sandbox)[numA]?.group).toBe('Network Operations');

    // Applied: through the outbox and the connector, recorded in the action log.
    const applied: string[] = [];
    expect(await revertCommand({ config: path, rule: 'bad-move', apply: true }, (line) => applied.push(line))).toBe(0);
    const after = snapshot(sandbox);
    expect(after[numA]).toMatchObject({ group: 'Service Desk', assignee: 'Beth Anglin' });
    expect(after[numB]).toMatchObject({ group: 'Service Desk', assignee: '' });
    expect(after[numC]).toMatchObject({ group: 'Hardware' });

    const writes = [...readAuditLog(config.audit.dir, 'actions')].map((e) => e.data);
    const moves = writes.filter((w) => w.rule === 'bad-move' && w.outcome === 'updated');
    expect(moves).toHaveLength(3);
    expect(moves.find((w) => w.ticket.number === numA)).toMatchObject({ values: { group: 'Network Operations', assignee: null }, previous: { group: 'Service Desk', assignee: 'Beth Anglin' } });
    const reverts = writes.filter((w) => w.reverts !== undefined);
    expect(reverts.map((w) => [w.ticket.number, w.outcome, w.reverts]).sort()).toEqual(
      moves
        .filter((w) => w.ticket.number !== numC)
        .map((w) => [w.ticket.number, 'updated', w.actionId])
        .sort(),
    );
    expect(await auditVerifyCommand({ config: path })).toBe(0);

    // Done once: the same revert again finds the tickets already reverted and writes nothing.
    sandbox.resetRequestLog();
    const again: string[] = [];
    expect(await revertCommand({ config: path, rule: 'bad-move', apply: true }, (line) => again.push(line))).toBe(0);
    expect(writesIn(sandbox)).toBe(0);
    expect(again.find((l) => l.includes(numA))).toMatch(/already reverted/);
  });

  it('puts back "no group, no assignee": tickets routed from the unassigned queue get both fields cleared', async () => {
    const sandbox = await e2e.serviceNow({});
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-revert-rules-'));
    writeFileSync(
      join(dir, 'routing.yaml'),
      ['rules:', '  - id: triage', '    kind: routing', '    when: $not($exists(group))', '    assign: { group: Service Desk, strategy: round-robin, members: [Beth Anglin] }', ''].join('\n'),
    );
    const insert = () => sandbox.store.insert('incident', { short_description: 'Printer jam', state: '1' }, 'caller.one', { inputDisplayValue: true });
    const [a, b] = [insert(), insert()];
    const numA = a['number'] ?? '';
    const numB = b['number'] ?? '';
    const path = writeConfig(sandbox.url, { rules: dir });
    const { daemon } = e2e.daemon(path);
    await daemon.runOnce();
    await daemon.stop();
    for (const n of [numA, numB]) expect(snapshot(sandbox)[n]).toMatchObject({ group: 'Service Desk', assignee: 'Beth Anglin' });
    // A person takes B over: left alone.
    sandbox.store.update('incident', b['sys_id'] ?? '', { assigned_to: 'David Loo' }, 'david.loo', { inputDisplayValue: true });

    const plan: string[] = [];
    expect(await revertCommand({ config: path, rule: 'triage' }, (line) => plan.push(line))).toBe(0);
    expect(plan.find((l) => l.includes(numA))).toMatch(/revert .*group "Service Desk" -> \(none\), assignee "Beth Anglin" -> \(none\)/);
    expect(plan.find((l) => l.includes(numB))).toMatch(/skip .*assignee is now "David Loo"/);
    expect(plan.at(-1)).toBe('Would: 1 to revert, 1 skipped, 0 not revertible');

    sandbox.resetRequestLog();
    const applied: string[] = [];
    expect(await revertCommand({ config: path, rule: 'triage', apply: true }, (line) => applied.push(line))).toBe(0);
    expect(applied).toContain(`  ${numA}: updated`);
    const record = sandbox.store.findByNumber(numA)?.record;
    expect(record?.['assignment_group']).toBe('');
    expect(record?.['assigned_to']).toBe('');
    expect(snapshot(sandbox)[numB]).toMatchObject({ group: 'Service Desk', assignee: 'David Loo' });
    expect(sandbox.requestLog.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});
