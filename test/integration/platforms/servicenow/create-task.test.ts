import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, harness, source } from './setup.js';

const http = useHttpMock();

const INCIDENT = 'e8c7a2b91b6d41109a5de1f2c3b4a511';
const TASK = '1c741bd70b2322007518478d83673af3';
const KEY = 'qa:resolved-without-update';
const WRITE_PARAMS = { sysparm_input_display_value: 'true', sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,sys_mod_count' };
const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, 'servicenow');

const task = (group?: string): Extract<Action, { type: 'create-task' }> => ({
  type: 'create-task',
  correlationKey: KEY,
  title: 'Follow up: resolved without a customer update',
  description: 'INC0010232 was resolved with no public comment.',
  ...(group === undefined ? {} : { group }),
});

function write(action: Action, fields: Record<string, unknown>, target = { nativeId: INCIDENT, number: 'INC0010232', version: '4' }): WriteRequest {
  const planned: PlannedAction = {
    id: 'qa-1',
    sourceId: 'snow-prod',
    ruleId: 'qa-public-update',
    target: { ticketKey: `servicenow:snow-prod:${target.nativeId}`, ...target },
    action,
    explanation: 'Resolved without a public update',
  };
  return { planned, action, fields, marker: 'deskbridge:qa-1', firstAttempt: true };
}

async function mapped(action: Action): Promise<Record<string, unknown>> {
  return mapOutbound(mappings, { action, target: { ticketKey: 'k', nativeId: INCIDENT, number: 'INC0010232', version: '4' }, marker: 'deskbridge:qa-1' });
}

function lookup(found: string | undefined) {
  return http
    .mock(BASE_URL)
    .get('/api/now/table/incident_task')
    .query({ sysparm_query: `incident=${INCIDENT}^correlation_id=${KEY}^ORDERBYsys_created_on`, sysparm_fields: 'sys_id,incident,correlation_id', sysparm_limit: '1' })
    .reply(200, { result: found === undefined ? [] : [{ sys_id: found, incident: INCIDENT, correlation_id: KEY }] });
}

describe('ServiceNow create-task (Table API, vendor-shaped answers)', () => {
  it('maps the action to incident_task fields: text, group by name, correlation', async () => {
    await expect(mapped(task('Service Desk'))).resolves.toEqual({
      short_description: 'Follow up: resolved without a customer update',
      description: 'INC0010232 was resolved with no public comment.',
      assignment_group: 'Service Desk',
      correlation_id: KEY,
      correlation_display: 'deskbridge',
    });
    expect(Object.keys(await mapped(task()))).not.toContain('assignment_group');
  });

  it('looks the task up by incident and correlation_id, then POSTs one incident_task tied to the incident', async () => {
    const { connector } = harness();
    const fields = await mapped(task('Service Desk'));
    lookup(undefined);
    http
      .mock(BASE_URL)
      .post('/api/now/table/incident_task', { ...fields, incident: INCIDENT, correlation_id: KEY })
      .query(WRITE_PARAMS)
      .reply(201, { result: { sys_id: TASK, sys_mod_count: '0' } });

    await expect(connector.apply(write(task('Service Desk'), fields))).resolves.toEqual({ outcome: 'created', ref: TASK });
  });

  it('finds the task an earlier attempt created and sends nothing else', async () => {
    const { connector } = harness();
    lookup(TASK);

    await expect(connector.apply(write(task(), await mapped(task())))).resolves.toEqual({ outcome: 'unchanged', ref: TASK });
    expect(http.requests().map((r) => r.method)).toEqual(['GET']);
  });

  it('does not re-send a POST that failed unclearly (the outbox retries the step, lookup first)', async () => {
    const { connector } = harness();
    lookup(undefined);
    http
      .mock(BASE_URL)
      .post('/api/now/table/incident_task')
      .query(true)
      .reply(502, { error: { message: 'Bad Gateway', detail: null }, status: 'failure' });

    await expect(connector.apply(write(task(), await mapped(task())))).rejects.toMatchObject({ details: { retryable: true } });
    expect(http.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('refuses, before any request: journal fields, another correlation_id or incident, a source that is not incident', async () => {
    const { connector } = harness();
    const fields = await mapped(task());

    await expect(connector.apply(write(task(), { ...fields, work_notes: 'x' }))).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(connector.apply(write(task(), { ...fields, correlation_id: 'other' }))).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(connector.apply(write(task(), { ...fields, incident: TASK }))).rejects.toMatchObject({ details: { code: 'bad-request' } });
    await expect(harness(source({ table: 'sc_req_item' })).connector.apply(write(task(), fields))).rejects.toMatchObject({
      details: { code: 'bad-request' },
      message: expect.stringContaining('incident_task'),
    });
    await expect(connector.apply(write({ ...task(), correlationKey: 'a^NQactive=true' }, fields))).rejects.toMatchObject({ details: { code: 'bad-request' } });
    expect(http.requests()).toHaveLength(0);
  });

  it('says which access is missing on a 403', async () => {
    const { connector } = harness();
    lookup(undefined);
    http
      .mock(BASE_URL)
      .post('/api/now/table/incident_task')
      .query(true)
      .reply(403, { error: { message: 'Operation Failed', detail: 'ACL Exception Insert Failed due to security constraints' }, status: 'failure' });

    await expect(connector.apply(write(task(), await mapped(task())))).rejects.toMatchObject({ details: { code: 'forbidden', retryable: false } });
  });
});
