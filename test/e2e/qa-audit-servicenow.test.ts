import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceNowStore, seedFixtures, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { inProcess } from '../helpers/cli-in-process.js';
import { auditReportCommand, auditVerifyCommand } from '../../src/cli/audit.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const QA_RULES = join(REPO, 'rules', 'qa.yaml');

/** A technician's change through the real Table API. */
async function asTechnician(sandbox: ServiceNowSandbox, sysId: string, fields: Record<string, string>): Promise<void> {
  const response = await fetch(`${sandbox.url}/api/now/table/incident/${sysId}?sysparm_input_display_value=true`, {
    method: 'PATCH',
    headers: { authorization: `Basic ${Buffer.from('beth.anglin:beth').toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(fields),
  });
  expect(response.status).toBe(200);
}

interface LogLine {
  seq: number;
  data: { kind: string; ticket: { number: string }; version: string; passed: boolean; sampled: boolean; checks: { id: string; passed: boolean }[]; outcome?: string; type?: string };
}

function readLog(dir: string, log: 'qa' | 'actions'): LogLine[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${log}-`))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    )
    .map((l) => JSON.parse(l) as LogLine);
}

/** deskbridge's QA failure notes on an incident (sample notes are counted separately). */
function qaNotes(sandbox: ServiceNowSandbox, sysId: string): string[] {
  return sandbox.store
    .journal(sysId)
    .filter((j) => j.value.includes('needs another look'))
    .map((j) => j.value);
}

function sampleNotes(sandbox: ServiceNowSandbox, sysId: string): string[] {
  return sandbox.store
    .journal(sysId)
    .filter((j) => j.value.includes('picked this ticket for a manual review'))
    .map((j) => j.value);
}

describe('QA rules and the audit logs against the ServiceNow sandbox', () => {
  const e2e = useE2e();

  it('logs one verdict per resolved ticket version, notes failures once, re-checks a reopened ticket, and audit verify catches tampering', async () => {
    const store = new ServiceNowStore();
    const fixtures = seedFixtures(store).filter((r) => !['6', '7', '8'].includes(r['state'] ?? ''));
    const sandbox = await e2e.serviceNowOn({
      store,
      users: [
        { userName: 'deskbridge', password: 'deskbridge' },
        { userName: 'beth.anglin', password: 'beth' },
      ],
    });
    const configPath = writeConfig(sandbox.url, { rules: QA_RULES });
    const { daemon, config } = e2e.daemon(configPath);
    expect((await daemon.runOnce()).ok).toBe(true);
    // The fixtures' already-resolved incidents are judged on first sight.
    const initial = readLog(config.audit.dir, 'qa').length;

    // Technicians resolve three incidents: one well, one with boilerplate, one without a word to the customer.
    const [good, lazy, silent] = fixtures.map((r) => r['sys_id'] ?? '');
    if (!good || !lazy || !silent) throw new Error('fixtures missing');
    await asTechnician(sandbox, good, { comments: 'We are replacing the access point on your floor this afternoon.' });
    await asTechnician(sandbox, good, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Replaced the faulty access point on floor 4 and re-enabled the SSID.', category: 'network' });
    await asTechnician(sandbox, lazy, { comments: 'Looking into it.' });
    await asTechnician(sandbox, lazy, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Fixed.', category: 'network' });
    await asTechnician(sandbox, silent, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Reinstalled the VPN client and reset the profile on the laptop.', category: 'software' });
    expect((await daemon.runOnce()).ok).toBe(true);

    const verdicts = readLog(config.audit.dir, 'qa').slice(initial);
    const numberOf = (sysId: string) => store.list('incident').find((r) => r['sys_id'] === sysId)?.['number'] ?? '';
    expect(verdicts.map((v) => v.data.ticket.number).sort()).toEqual([numberOf(good), numberOf(lazy), numberOf(silent)].sort());
    const byNumber = new Map(verdicts.map((v) => [v.data.ticket.number, v.data]));
    expect(byNumber.get(numberOf(good))?.passed).toBe(true);
    expect(
      byNumber
        .get(numberOf(lazy))
        ?.checks.filter((c) => !c.passed)
        .map((c) => c.id),
    ).toEqual(['notes-long-enough', 'notes-not-boilerplate']);
    expect(
      byNumber
        .get(numberOf(silent))
        ?.checks.filter((c) => !c.passed)
        .map((c) => c.id),
    ).toEqual(['customer-updated']);
    expect(qaNotes(sandbox, good)).toEqual([]);
    expect(qaNotes(sandbox, lazy)).toHaveLength(1);
    expect(qaNotes(sandbox, silent)).toHaveLength(1);
    // Picked for review (deterministically, by ticket key): one sample note each, no more.
    for (const sysId of [good, lazy, silent]) expect(sampleNotes(sandbox, sysId)).toHaveLength(byNumber.get(numberOf(sysId))?.sampled ? 1 : 0);
    // The action log records both notes as written.
    const writes = readLog(config.audit.dir, 'actions').filter((l) => l.data.kind === 'write');
    const sampled = [...byNumber.values()].filter((v) => v.sampled).length;
    expect(writes.filter((w) => w.data.type === 'comment' && w.data.outcome === 'created').length).toBeGreaterThanOrEqual(2 + sampled);

    // Nothing changed: no new verdict, no write.
    const before = { qa: readLog(config.audit.dir, 'qa').length, writes: writesIn(sandbox) };
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(readLog(config.audit.dir, 'qa')).toHaveLength(before.qa);
    expect(writesIn(sandbox)).toBe(before.writes);

    // The customer comes back: reopened, then resolved properly. The new version is checked again.
    await asTechnician(sandbox, lazy, { state: '2' });
    expect((await daemon.runOnce()).ok).toBe(true);
    await asTechnician(sandbox, lazy, { state: '6', close_notes: 'Rebuilt the user profile; the mapped drives reconnect at logon again.' });
    expect((await daemon.runOnce()).ok).toBe(true);
    const lazyVerdicts = readLog(config.audit.dir, 'qa').filter((l) => l.data.ticket.number === numberOf(lazy));
    expect(lazyVerdicts.map((v) => v.data.passed)).toEqual([false, true]);
    expect(new Set(lazyVerdicts.map((v) => v.data.version)).size).toBe(2);
    await daemon.stop();

    // The logs verify; a changed verdict does not. (The first verify is the CLI as an operator
    // runs it; the report and the second verify run the same commands in this process.)
    const verified = await e2e.cli(['audit', 'verify', '--config', configPath]);
    expect(verified.stdout).toContain('qa: OK');
    expect(verified.code).toBe(0);
    const report = await inProcess(() => auditReportCommand({ config: configPath, format: 'md' }));
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('customer-updated');

    const qaFile = join(
      config.audit.dir,
      readdirSync(config.audit.dir)
        .filter((f) => f.startsWith('qa-'))
        .sort()[0] ?? '',
    );
    const lines = readFileSync(qaFile, 'utf8').split('\n');
    lines[0] = (lines[0] ?? '').replace('"passed":false', '"passed":true');
    writeFileSync(qaFile, lines.join('\n'));
    const tampered = await inProcess(() => auditVerifyCommand({ config: configPath }));
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/qa: FAILED \(changed\)/);
    expect(dirname(qaFile)).toBe(config.audit.dir);
  });
});
