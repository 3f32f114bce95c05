import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * The connector against the ServiceNow sandbox over real HTTP: duplicates through parent_incident,
 * problems updated, closed by a person through the Table API and reopened by deskbridge.
 */
let sandbox: ServiceNowSandbox;
let connector: Connector;

beforeAll(async () => {
  const store = new ServiceNowStore();
  seedFixtures(store);
  sandbox = await startServiceNowSandbox({
    store,
    users: [
      { userName: 'deskbridge', password: 'deskbridge' },
      { userName: 'beth.anglin', password: 'beth' },
    ],
  });
  connector = harness(source({ baseUrl: sandbox.url, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' }, rateLimit: { requestsPerMinute: 60000, concurrency: 4 } })).connector;
});

afterAll(async () => {
  await sandbox.close();
});

function incidents(): { sysId: string; number: string; version: string }[] {
  return sandbox.store.list('incident').map((r) => ({ sysId: r['sys_id'] ?? '', number: r['number'] ?? '', version: r['sys_mod_count'] ?? '' }));
}

function request(target: { sysId: string; number: string; version: string }, action: Action, fields: Record<string, unknown>): WriteRequest {
  const planned: PlannedAction = {
    id: `p-${target.number}`,
    sourceId: 'snow-prod',
    ruleId: 'dedup',
    target: { ticketKey: `servicenow:snow-prod:${target.sysId}`, nativeId: target.sysId, number: target.number, version: target.version },
    action,
    explanation: 'test',
  };
  return { planned, action, fields, marker: 'deskbridge:test', firstAttempt: false };
}

/** A person's write through the real Table API. */
async function tableApi(method: 'GET' | 'PATCH', path: string, user: string, password: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('ServiceNow connector against the sandbox: duplicates', () => {
  it('sets parent_incident once, finds it on a retry, and the Table API shows it like any reference', async () => {
    const [original, dup] = incidents();
    if (!original || !dup) throw new Error('fixtures missing');
    const action: Action = { type: 'link-duplicate', original: { nativeId: original.sysId, number: original.number } };

    await expect(connector.apply(request(dup, action, {}))).resolves.toEqual({ outcome: 'updated', ref: dup.sysId });
    const patches = sandbox.requestLog.filter((r) => r.method === 'PATCH').length;
    const after = incidents().find((i) => i.sysId === dup.sysId);
    await expect(connector.apply(request(after ?? dup, action, {}))).resolves.toEqual({ outcome: 'unchanged', ref: dup.sysId });
    expect(sandbox.requestLog.filter((r) => r.method === 'PATCH').length).toBe(patches);

    const read = await tableApi('GET', `/api/now/table/incident/${dup.sysId}?sysparm_fields=parent_incident&sysparm_display_value=all&sysparm_exclude_reference_link=true`, 'deskbridge', 'deskbridge');
    expect(read['result']).toEqual({ parent_incident: { display_value: original.number, value: original.sysId } });
  });

  it('does not overwrite a parent a person set, and records the write as skipped with the parent it kept', async () => {
    const [original, , third, fourth] = incidents();
    if (!original || !third || !fourth) throw new Error('fixtures missing');
    await tableApi('PATCH', `/api/now/table/incident/${third.sysId}`, 'beth.anglin', 'beth', { parent_incident: fourth.sysId });
    const now = incidents().find((i) => i.sysId === third.sysId) ?? third;

    const result = await connector.apply(request(now, { type: 'link-duplicate', original: { nativeId: original.sysId, number: original.number } }, {}));

    expect(result.outcome).toBe('skipped');
    expect(result.reason).toContain(fourth.number);
    expect(sandbox.store.get('incident', third.sysId)?.['parent_incident']).toBe(fourth.sysId);
  });
});

describe('ServiceNow connector against the sandbox: problems', () => {
  it('creates a problem in New, sees a person close it, rewrites it and reopens it', async () => {
    const [incident] = incidents();
    if (!incident) throw new Error('fixtures missing');
    const key = 'pattern:sandbox-vpn';
    const created = await connector.apply(
      request(
        incident,
        { type: 'create-problem', correlationKey: key, title: 'VPN drops', description: '3 incidents' },
        { short_description: 'VPN drops', description: '3 incidents', correlation_id: key },
      ),
    );
    expect(created.outcome).toBe('created');
    expect(sandbox.store.get('problem', created.ref)?.['state']).toBe('101');
    const number = sandbox.store.get('problem', created.ref)?.['number'] ?? '';

    expect(await connector.problemStates([key, 'pattern:none'])).toEqual(new Map([[key, { state: 'open', nativeId: created.ref, number }]]));

    await tableApi('PATCH', `/api/now/table/problem/${created.ref}`, 'beth.anglin', 'beth', { state: '107', resolution_code: 'fix_applied' });
    expect(sandbox.store.get('problem', created.ref)?.['active']).toBe('false');
    expect((await connector.problemStates([key])).get(key)?.state).toBe('closed');

    const update = (reopen: boolean): Action => ({ type: 'update-problem', correlationKey: key, title: 'VPN drops (5)', description: '5 incidents', reopen });
    const fields = { short_description: 'VPN drops (5)', description: '5 incidents' };
    await expect(connector.apply(request(incident, update(false), fields))).resolves.toEqual({ outcome: 'updated', ref: created.ref });
    expect(sandbox.store.get('problem', created.ref)).toMatchObject({ short_description: 'VPN drops (5)', state: '107' });

    await expect(connector.apply(request(incident, update(true), fields))).resolves.toEqual({ outcome: 'updated', ref: created.ref });
    expect(sandbox.store.get('problem', created.ref)).toMatchObject({ state: '101', active: 'true' });
    expect((await connector.problemStates([key])).get(key)?.state).toBe('open');

    await expect(connector.apply(request(incident, update(true), fields))).resolves.toEqual({ outcome: 'unchanged', ref: created.ref });
  });
});
