import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { raiseIncident, ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-sla');
const MINUTE = 60_000;

function raise(store: ServiceNowStore, openedAgoMs: number, title: string): string {
  return raiseIncident(store, { title, category: 'network', openedAgoMs, fields: { state: '2', assignment_group: 'Network Operations' } })['sys_id'] ?? '';
}

function notes(sandbox: ServiceNowSandbox, sysId: string): string[] {
  return sandbox.store.journal(sysId).filter((j) => j.value.includes('SLA')).map((j) => j.value);
}

describe('SLA escalation against the ServiceNow sandbox', () => {
  let sandbox: ServiceNowSandbox | undefined;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop().catch(() => undefined);
    await sandbox?.close();
    daemon = undefined;
    sandbox = undefined;
  });

  it('fires each threshold once, including one that falls due while nobody touches the ticket', async () => {
    const store = new ServiceNowStore();
    // 75% of the hour is gone; the hour itself runs out four seconds from now.
    const late = raise(store, 60 * MINUTE - 4_000, 'Core switch flapping in building B');
    const fresh = raise(store, 5 * MINUTE, 'Printer offline on floor 2');
    sandbox = await startServiceNowSandbox({ store, users: [{ userName: 'deskbridge', password: 'deskbridge' }, { userName: 'beth.anglin', password: 'beth' }] });
    const { config, secrets } = loadConfig(writeConfig(sandbox.url, { rules: RULES }));
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    expect((await daemon.runOnce()).ok).toBe(true);
    expect(notes(sandbox, late)).toHaveLength(1);
    expect(notes(sandbox, late)[0]).toMatch(/SLA: 59 min of 1 h used on INC\d+\. @Duty Manager please look\./);
    expect(notes(sandbox, fresh)).toEqual([]);
    const group = (sysId: string) => sandbox?.store.displayValue('incident', sandbox.store.list('incident').find((r) => r['sys_id'] === sysId) ?? {}, 'assignment_group');
    expect(group(late)).toBe('Network Operations');

    // Another pass right away: nothing new.
    const writes = writesIn(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBe(writes);

    // The hour runs out. Nobody edits the ticket: the sweep notices the breach on its own.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(group(late)).toBe('Major Incident Team');
    expect(notes(sandbox, late)).toHaveLength(2);
    expect(notes(sandbox, late)[1]).toContain('SLA breached');

    // And never again, also after a restart.
    const after = writesIn(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBe(after);
    expect(notes(sandbox, fresh)).toEqual([]);
  }, 30_000);
});
