import { afterEach, describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * Links a person set, and lookups an instance widens, against the sandbox over real HTTP.
 */
let sandbox: ServiceNowSandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(store: ServiceNowStore): Promise<{ sandbox: ServiceNowSandbox; connector: Connector }> {
  sandbox = await startServiceNowSandbox({ store });
  const { connector } = harness(source({ baseUrl: sandbox.url, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' }, rateLimit: { requestsPerMinute: 60000, concurrency: 4 } }));
  return { sandbox, connector };
}

function request(record: Readonly<Record<string, string>>, action: Action, fields: Record<string, unknown> = {}): WriteRequest {
  const sysId = record['sys_id'] ?? '';
  const planned: PlannedAction = {
    id: `p-${record['number'] ?? ''}`,
    sourceId: 'snow-prod',
    ruleId: 'patterns-vpn',
    target: { ticketKey: `servicenow:snow-prod:${sysId}`, nativeId: sysId, number: record['number'] ?? '', version: record['sys_mod_count'] ?? '0' },
    action,
    explanation: 'test',
  };
  return { planned, action, fields, marker: 'deskbridge:test', firstAttempt: false };
}

describe('ServiceNow link-problem never replaces a problem a person chose', () => {
  it('leaves a problem_id a person set alone and reports the write skipped, naming the problem kept', async () => {
    const store = new ServiceNowStore();
    const theirs = store.insert('problem', { short_description: 'Known VPN concentrator bug' }, 'beth.anglin');
    store.insert('problem', { short_description: 'Recurring VPN drops', correlation_id: 'pattern:vpn' }, 'deskbridge');
    const incident = store.insert('incident', { short_description: 'VPN drops', problem_id: theirs['sys_id'] }, 'beth.anglin');
    const { connector } = await start(store);

    const result = await connector.apply(request(incident, { type: 'link-problem', correlationKey: 'pattern:vpn' }));

    expect(result).toMatchObject({ outcome: 'skipped', ref: incident['sys_id'] });
    expect(result.reason).toContain(theirs['number']);
    expect(store.get('incident', incident['sys_id'] ?? '')?.['problem_id']).toBe(theirs['sys_id']);
    expect(sandbox?.requestLog.filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('replaces it only when the rule says overwrite', async () => {
    const store = new ServiceNowStore();
    const theirs = store.insert('problem', { short_description: 'Known VPN concentrator bug' }, 'beth.anglin');
    const ours = store.insert('problem', { short_description: 'Recurring VPN drops', correlation_id: 'pattern:vpn' }, 'deskbridge');
    const incident = store.insert('incident', { short_description: 'VPN drops', problem_id: theirs['sys_id'] }, 'beth.anglin');
    const { connector } = await start(store);

    const result = await connector.apply(request(incident, { type: 'link-problem', correlationKey: 'pattern:vpn', overwrite: true }));

    expect(result).toMatchObject({ outcome: 'updated' });
    expect(store.get('incident', incident['sys_id'] ?? '')?.['problem_id']).toBe(ours['sys_id']);
  });

  it('links an incident without a problem, and finds the link already there on a retry', async () => {
    const store = new ServiceNowStore();
    const ours = store.insert('problem', { short_description: 'Recurring VPN drops', correlation_id: 'pattern:vpn' }, 'deskbridge');
    const incident = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin');
    const { connector } = await start(store);
    const link = request(incident, { type: 'link-problem', correlationKey: 'pattern:vpn' });

    await expect(connector.apply(link)).resolves.toMatchObject({ outcome: 'updated' });
    await expect(connector.apply(link)).resolves.toMatchObject({ outcome: 'unchanged' });
    expect(store.get('incident', incident['sys_id'] ?? '')?.['problem_id']).toBe(ours['sys_id']);
  });
});

describe('ServiceNow lookups an instance widens are refused', () => {
  /** An instance whose problem table has no correlation_id: a lookup by it answers with every problem. */
  function widenedInstance(): { store: ServiceNowStore; incident: Readonly<Record<string, string>>; old: Readonly<Record<string, string>> } {
    const store = new ServiceNowStore({ missingFields: { problem: ['correlation_id'], incident_task: ['correlation_id'] } });
    const old = store.insert('problem', { short_description: 'Email outage 2016', description: 'kept as it is' }, 'admin');
    const incident = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin');
    return { store, incident, old };
  }

  it('refuses to link an incident to whatever problem a lookup by correlation_id returned', async () => {
    const { store, incident } = widenedInstance();
    const { connector } = await start(store);

    const error = await connector.apply(request(incident, { type: 'link-problem', correlationKey: 'pattern:vpn' })).catch((e: unknown) => e);

    expect(error).toMatchObject({ details: { code: 'bad-response', retryable: false } });
    expect((error as Error).message).toMatch(/correlation_id/);
    expect((error as Error).message).toMatch(/problem/);
    expect(store.get('incident', incident['sys_id'] ?? '')?.['problem_id'] ?? '').toBe('');
  });

  it('refuses to take an unrelated problem for the one create-problem looks for, and creates nothing', async () => {
    const { store, incident, old } = widenedInstance();
    const { connector } = await start(store);

    await expect(
      connector.apply(
        request(incident, { type: 'create-problem', correlationKey: 'pattern:vpn', title: 'Recurring VPN drops', description: '7 incidents' }, { short_description: 'Recurring VPN drops' }),
      ),
    ).rejects.toMatchObject({ details: { code: 'bad-response' }, message: expect.stringContaining('correlation_id') });
    expect(store.list('problem')).toHaveLength(1);
    expect(store.get('problem', old['sys_id'] ?? '')?.['short_description']).toBe('Email outage 2016');
  });

  it('never rewrites an unrelated problem for update-problem', async () => {
    const { store, incident, old } = widenedInstance();
    const { connector } = await start(store);

    await expect(
      connector.apply(
        request(
          incident,
          { type: 'update-problem', correlationKey: 'pattern:vpn', title: 'Recurring VPN drops (9)', description: '9 incidents', reopen: true },
          { short_description: 'Recurring VPN drops (9)', description: '9 incidents' },
        ),
      ),
    ).rejects.toMatchObject({ details: { code: 'bad-response' } });
    expect(store.get('problem', old['sys_id'] ?? '')?.['description']).toBe('kept as it is');
  });

  it("reports no problem states from a widened answer rather than someone else's problem", async () => {
    const { store } = widenedInstance();
    const { connector } = await start(store);

    await expect(connector.problemStates(['pattern:vpn'])).rejects.toMatchObject({ message: expect.stringContaining('correlation_id') });
  });

  it('refuses a task lookup that came back wider than the incident and key asked for', async () => {
    const { store, incident } = widenedInstance();
    store.insert('incident_task', { incident: incident['sys_id'], short_description: 'a task someone opened' }, 'beth.anglin');
    const { connector } = await start(store);

    await expect(
      connector.apply(
        request(incident, { type: 'create-task', correlationKey: 'pattern:vpn:check', title: 'Check the concentrator', description: '' }, { short_description: 'Check the concentrator' }),
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('correlation_id') });
    expect(store.list('incident_task')).toHaveLength(1);
  });
});
