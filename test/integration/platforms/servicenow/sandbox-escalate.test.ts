import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * escalate to a ServiceNow source, against the sandbox over real HTTP: a Jira issue (the origin,
 * with an id and key ServiceNow has never seen) gets one copy in incident carrying the
 * correlationKey in correlation_id, found again on a retry.
 */
const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, 'servicenow');
const AUTH = `Basic ${Buffer.from('deskbridge:deskbridge').toString('base64')}`;

/** The origin: a Jira Cloud issue by id and key; nothing about it exists on the instance. */
const ORIGIN = { nativeId: '10042', number: 'ITSM-42', url: 'https://acme.atlassian.net/browse/ITSM-42' };

const escalate = (correlationKey: string, extra: Partial<Extract<Action, { type: 'escalate' }>> = {}): Extract<Action, { type: 'escalate' }> => ({
  type: 'escalate',
  to: 'snow',
  correlationKey,
  title: 'VPN concentrator down in Frankfurt',
  description: `Escalated from Jira ${ORIGIN.number}: ${ORIGIN.url}`,
  priority: 2,
  labels: ['sev2'],
  origin: { number: ORIGIN.number, url: ORIGIN.url },
  ...extra,
});

async function request(action: Action, firstAttempt = true): Promise<WriteRequest> {
  const planned: PlannedAction = {
    id: `esc-${ORIGIN.number}`,
    sourceId: 'jsm-cloud',
    ruleId: 'escalate-network',
    target: { ticketKey: `jira:jsm-cloud:${ORIGIN.nativeId}`, nativeId: ORIGIN.nativeId, number: ORIGIN.number, version: '2026-12-01T10:00:00.000Z' },
    action,
    explanation: 'Network outage escalated to the NOC',
  };
  const fields = await mapOutbound(mappings, { action, target: planned.target, marker: 'deskbridge:esc' });
  return { planned, action, fields, marker: 'deskbridge:esc', firstAttempt };
}

describe('ServiceNow escalate against the sandbox', () => {
  let sandbox: ServiceNowSandbox;
  const config = () => source({ baseUrl: sandbox.url, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' }, rateLimit: { requestsPerMinute: 60000, concurrency: 4 } });
  let connector: Connector;

  beforeAll(async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store });
    connector = harness(config()).connector;
  });

  afterAll(async () => {
    await sandbox.close();
  });

  const byKey = (table: string, key: string) => sandbox.store.list(table).filter((r) => r['correlation_id'] === key);
  const writes = () => sandbox.requestLog.filter((r) => r.method !== 'GET').length;

  async function read(table: string, sysId: string, fields: string): Promise<Record<string, { display_value: string; value: string }>> {
    const response = await fetch(`${sandbox.url}/api/now/table/${table}/${sysId}?sysparm_display_value=all&sysparm_exclude_reference_link=true&sysparm_fields=${fields}`, {
      headers: { authorization: AUTH, accept: 'application/json' },
    });
    return ((await response.json()) as { result: Record<string, { display_value: string; value: string }> }).result;
  }

  it('creates one incident with correlation_id and impact/urgency from the priority, names it by the number the instance gave, and a retry finds it', async () => {
    const key = 'escalate-network:jira:jsm-cloud:10042';
    const incidentsBefore = sandbox.store.count('incident');
    const created = await connector.apply(await request(escalate(key)));

    expect(created.outcome).toBe('created');
    const record = await read('incident', created.ref, 'number,correlation_id,correlation_display,short_description,description,impact,urgency,priority');
    expect(record['number']?.value).toMatch(/^INC\d{7}$/);
    expect(created.created).toEqual({ number: record['number']?.value, url: `${sandbox.url}/nav_to.do?uri=incident.do?sys_id=${created.ref}` });
    expect(record['correlation_id']?.value).toBe(key);
    expect(record['correlation_display']?.value).toBe('deskbridge');
    expect(record['short_description']?.value).toBe('VPN concentrator down in Frankfurt');
    expect(record['description']?.value).toBe(`Escalated from Jira ${ORIGIN.number}: ${ORIGIN.url}`);
    // Priority 2 → impact 1 (High), urgency 2 (Medium); the instance derives priority 2 (High) from them.
    expect(record['impact']).toEqual({ display_value: '1 - High', value: '1' });
    expect(record['urgency']).toEqual({ display_value: '2 - Medium', value: '2' });
    expect(record['priority']).toEqual({ display_value: '2 - High', value: '2' });
    expect(sandbox.store.count('incident')).toBe(incidentsBefore + 1);
    // The origin's id never reached an instance URL.
    expect(sandbox.requestLog.some((r) => r.path.split('/').includes(ORIGIN.nativeId))).toBe(false);

    const writesBefore = writes();
    await expect(connector.apply(await request(escalate(key), false))).resolves.toEqual({ ...created, outcome: 'unchanged' });
    const fresh = harness(config()).connector;
    await expect(fresh.apply(await request(escalate(key), false))).resolves.toEqual({ ...created, outcome: 'unchanged' });
    expect(writes()).toBe(writesBefore);
    expect(byKey('incident', key)).toHaveLength(1);
  });

  it('maps each priority to the impact and urgency that give it back', async () => {
    const expected: Record<number, [string, string]> = { 1: ['1', '1'], 2: ['1', '2'], 3: ['2', '2'], 4: ['2', '3'], 5: ['3', '3'] };
    for (const priority of [1, 2, 3, 4, 5]) {
      const key = `escalate-network:priority-${priority}`;
      const created = await connector.apply(await request(escalate(key, { priority })));
      const record = await read('incident', created.ref, 'impact,urgency,priority');
      expect([record['impact']?.value, record['urgency']?.value]).toEqual(expected[priority]);
      expect(record['priority']?.value).toBe(String(priority));
    }
  });

  it('finds a copy an earlier attempt created (its answer lost) by correlation_id, without a second record', async () => {
    const key = 'escalate-network:lost-answer';
    // The earlier POST reached the instance; deskbridge never saw the answer.
    const response = await fetch(`${sandbox.url}/api/now/table/incident?sysparm_fields=sys_id,number`, {
      method: 'POST',
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ short_description: 'VPN concentrator down in Frankfurt', correlation_id: key }),
    });
    expect(response.status).toBe(201);
    const orphan = ((await response.json()) as { result: { sys_id: string; number: string } }).result;

    const fresh = harness(config()).connector;
    await expect(fresh.apply(await request(escalate(key), false))).resolves.toEqual({
      outcome: 'unchanged',
      ref: orphan.sys_id,
      created: { number: orphan.number, url: `${sandbox.url}/nav_to.do?uri=incident.do?sys_id=${orphan.sys_id}` },
    });
    expect(byKey('incident', key)).toHaveLength(1);
  });

  it("opens the copy in the rule's table when it names one", async () => {
    const key = 'escalate-network:problem-table';
    const created = await connector.apply(await request(escalate(key, { container: 'problem', priority: 3 })));
    expect(created.outcome).toBe('created');
    expect(created.created?.number).toMatch(/^PRB\d{7}$/);
    expect(created.created?.url).toBe(`${sandbox.url}/nav_to.do?uri=problem.do?sys_id=${created.ref}`);
    expect(byKey('problem', key)).toHaveLength(1);
    expect(byKey('incident', key)).toHaveLength(0);
  });

  it('refuses a mapping that sets correlation_id to something else, journal fields or a bad table, before any request', async () => {
    const key = 'escalate-network:refused';
    const base = await request(escalate(key));
    const before = sandbox.requestLog.length;
    await expect(connector.apply({ ...base, fields: { ...base.fields, correlation_id: 'something-else' } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(connector.apply({ ...base, fields: { ...base.fields, work_notes: 'escalated' } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    const badTable = escalate(key, { container: 'incident?sysparm_query=x' });
    await expect(connector.apply({ ...base, action: badTable, planned: { ...base.planned, action: badTable } })).rejects.toMatchObject({ details: { code: 'bad-request' } });
    expect(sandbox.requestLog.length).toBe(before);
    expect(byKey('incident', key)).toHaveLength(0);
  });

  it('keeps refusing announce-escalation, which the executor sends as a comment', async () => {
    const [incident] = sandbox.store.list('incident');
    const action: Action = { type: 'announce-escalation', to: 'jsm-cloud', correlationKey: 'k', body: 'Escalated' };
    const planned: PlannedAction = {
      id: 'ann',
      sourceId: 'snow-prod',
      ruleId: 'r',
      target: { ticketKey: 'servicenow:snow-prod:x', nativeId: incident?.['sys_id'] ?? '', number: incident?.['number'] ?? '', version: '0' },
      action,
      explanation: 'test',
    };
    await expect(connector.apply({ planned, action, fields: {}, marker: 'm', firstAttempt: true })).rejects.toMatchObject({ details: { code: 'bad-request' } });
  });
});
