import { describe, expect, it } from 'vitest';
import { raiseIncident, ServiceNowStore, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { join } from 'node:path';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-patterns');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An incident raised `ago` ms before now, and created on the instance then (history, in creation order). */
function raise(store: ServiceNowStore, ago: number, title: string, category = 'network', subcategory = 'VPN'): string {
  return raiseIncident(store, { title, category, subcategory, openedAgoMs: ago, logged: 'opened' })['number'] ?? '';
}

function problems(sandbox: ServiceNowSandbox): Record<string, string>[] {
  return sandbox.store.list('problem').map((r) => ({ ...r }));
}

function problemOf(sandbox: ServiceNowSandbox, number: string): string {
  const incident = sandbox.store.list('incident').find((r) => r['number'] === number);
  return incident?.['problem_id'] ?? '';
}

describe('pattern rules against the ServiceNow sandbox (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it('opens one problem for a spike, links its incidents, adds a late member, and never writes twice', async () => {
    const store = new ServiceNowStore();
    // Six weeks of normal life: one VPN incident a week, and other categories around it.
    for (let week = 6; week >= 1; week--) {
      raise(store, week * 7 * DAY, 'VPN drops now and then');
      raise(store, week * 7 * DAY - HOUR, 'Laptop screen flickers', 'hardware', 'Display');
    }
    const spike = [raise(store, 5 * HOUR, 'VPN tunnel down for the whole floor'), raise(store, 4 * HOUR, 'Cannot connect to VPN'), raise(store, 3 * HOUR, 'VPN login fails')];
    const sandbox = await e2e.serviceNowOn({
      store,
      users: [
        { userName: 'deskbridge', password: 'deskbridge' },
        { userName: 'beth.anglin', password: 'beth' },
      ],
    });
    const loaded = e2e.load(writeConfig(sandbox.url, { rules: RULES }));
    let { daemon } = e2e.daemon(loaded);

    expect((await daemon.runOnce()).ok).toBe(true);
    const opened = problems(sandbox);
    expect(opened).toHaveLength(1);
    const problem = opened[0] ?? {};
    expect(problem['correlation_id']).toMatch(/^deskbridge:vpn-pattern:[0-9a-f]{16}:1$/);
    expect(problem['short_description']).toBe('Recurring incidents: Network / VPN');
    for (const number of spike) {
      expect(problemOf(sandbox, number), number).toBe(problem['sys_id']);
      expect(problem['description']).toContain(number);
    }
    expect(problem['description']).toContain('3 incidents in 24 h');
    // The quiet weeks are the baseline, not members.
    const linked = sandbox.store.list('incident').filter((r) => (r['problem_id'] ?? '') !== '');
    expect(linked.map((r) => r['number']).sort()).toEqual([...spike].sort());

    // A late member joins the same problem; its evidence is rewritten.
    const late = raise(store, 0, 'VPN keeps disconnecting');
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(problems(sandbox)).toHaveLength(1);
    expect(problemOf(sandbox, late)).toBe(problem['sys_id']);
    const updated = problems(sandbox)[0] ?? {};
    expect(updated['description']).toContain(late);
    expect(updated['description']).toContain('4 incidents.');

    // Nothing new: no writes on another pass, nor after a restart on the same state file.
    const writes = writesIn(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    ({ daemon } = e2e.daemon(loaded));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBe(writes);
  });

  it('after people close the problem, a new spike opens a second problem instead of reviving the first', async () => {
    const store = new ServiceNowStore();
    for (let week = 6; week >= 1; week--) raise(store, week * 7 * DAY, 'VPN drops now and then');
    const first = [raise(store, 6 * HOUR, 'VPN down'), raise(store, 5 * HOUR, 'VPN down again'), raise(store, 4 * HOUR, 'VPN still down')];
    const sandbox = await e2e.serviceNowOn({
      store,
      users: [
        { userName: 'deskbridge', password: 'deskbridge' },
        { userName: 'beth.anglin', password: 'beth' },
      ],
    });
    const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: RULES }));
    expect((await daemon.runOnce()).ok).toBe(true);
    const [problem] = problems(sandbox);
    expect(problem).toBeDefined();

    // A problem manager closes it through the Table API.
    const response = await fetch(`${sandbox.url}/api/now/table/problem/${problem?.['sys_id'] ?? ''}`, {
      method: 'PATCH',
      headers: { authorization: `Basic ${Buffer.from('beth.anglin:beth').toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ state: '107' }),
    });
    expect(response.status).toBe(200);

    const second = [raise(store, 2 * HOUR, 'VPN down after the fix'), raise(store, HOUR, 'VPN dead'), raise(store, 0, 'No VPN')];
    expect((await daemon.runOnce()).ok).toBe(true);
    const all = problems(sandbox);
    expect(all).toHaveLength(2);
    const newer = all.find((p) => p['sys_id'] !== problem?.['sys_id']) ?? {};
    expect(newer['correlation_id']).toMatch(/:2$/);
    for (const number of second) expect(problemOf(sandbox, number), number).toBe(newer['sys_id']);
    for (const number of first) expect(problemOf(sandbox, number), number).toBe(problem?.['sys_id']);
    expect(sandbox.store.list('problem').find((p) => p['sys_id'] === problem?.['sys_id'])?.['state']).toBe('107');
  });
});
