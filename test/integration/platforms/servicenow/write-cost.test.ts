import { describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { CurrentRecord, WriteRequest } from '../../../../src/platforms/types.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, READ_PARAMS, WRITE_PARAMS, fixture, harness, source } from './setup.js';

const http = useHttpMock();

const INCIDENT = 'e8c7a2b91b6d41109a5de1f2c3b4a511';
const OTHER = 'a9e30c7dc61122760116894de7bcc7bd';
const ORIGINAL = '9d385017c611228701d22104cc95c371';
const PROBLEM = 'd7296d02c0a801670085e737da016e70';
const NETWORK = '287ebd7da9fe198100f92cc8d1d2154e';
const MARKER = 'deskbridge:0f1e2d3c4b5a6978';
const NOTE = `Routed to Network by rule network-to-netops. [${MARKER}]`;
const ASSIGN: Action = { type: 'assign', group: 'Network' };
const ASSIGN_FIELDS = { assignment_group: 'Network' };
const VERSION_FIELDS = 'sys_id,sys_mod_count,sys_updated_on,sys_updated_by,assignment_group,assigned_to,parent_incident,problem_id';

/** One write of the plan that routed INC0010232 at version 2; a first attempt unless said otherwise. */
function write(action: Action, fields: Record<string, unknown>, options: { firstAttempt?: boolean; current?: CurrentRecord } = {}): WriteRequest {
  const planned: PlannedAction = {
    id: `plan-1:${action.type}`,
    sourceId: 'snow-prod',
    ruleId: 'network-to-netops',
    target: { ticketKey: `servicenow:snow-prod:${INCIDENT}`, nativeId: INCIDENT, number: 'INC0010232', version: '2' },
    action,
    explanation: 'category is Network and nobody has it',
  };
  return { planned, action, fields, marker: MARKER, firstAttempt: options.firstAttempt ?? true, ...(options.current ? { current: options.current } : {}) };
}

const note = (options: { firstAttempt?: boolean } = {}) => write({ type: 'comment', visibility: 'internal', body: NOTE }, { work_notes: NOTE }, options);

const both = (value: string, display = value) => ({ value, display_value: display });

/** A row of the batched version read, as the Table API answers it with display_value=all. */
function row(sysId: string, modCount: string, updatedBy: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sys_id: both(sysId),
    sys_mod_count: both(modCount),
    sys_updated_on: both('2026-11-20 09:14:02', '2026-11-20 10:14:02'),
    sys_updated_by: both(updatedBy),
    assignment_group: both('', ''),
    assigned_to: both('', ''),
    parent_incident: both('', ''),
    problem_id: both('', ''),
    ...extra,
  };
}

/** What `readVersions` hands the first write of a ticket. */
function current(modCount: string, updatedBy: string, extra: Record<string, unknown> = {}): CurrentRecord {
  return { version: modCount, updatedBy, raw: row(INCIDENT, modCount, updatedBy, extra) };
}

describe('ServiceNow write cost', () => {
  it('reads the versions of many tickets with one sys_idIN list request, in the format pull reports', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query({ sysparm_query: `sys_idIN${INCIDENT},${OTHER}`, sysparm_fields: VERSION_FIELDS, ...READ_PARAMS, sysparm_limit: '2', sysparm_no_count: 'true' })
      .reply(200, { result: [row(INCIDENT, '2', 'beth.anglin', { assignment_group: both(NETWORK, 'Network') }), row(OTHER, '7', 'svc.deskbridge')] });

    const versions = await connector.readVersions?.([INCIDENT, OTHER, INCIDENT]);

    expect(http.requests()).toHaveLength(1);
    expect(versions?.get(INCIDENT)).toMatchObject({ version: '2', updatedBy: 'beth.anglin', raw: { assignment_group: { value: NETWORK, display_value: 'Network' } } });
    expect(versions?.get(OTHER)).toMatchObject({ version: '7', updatedBy: 'svc.deskbridge' });
  });

  it('leaves out of the batched read a record it did not return, so that write checks for itself', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query({ sysparm_query: `sys_idIN${INCIDENT},${OTHER}`, sysparm_fields: VERSION_FIELDS, ...READ_PARAMS, sysparm_limit: '2', sysparm_no_count: 'true' })
      .reply(200, { result: [row(OTHER, '7', 'beth.anglin')] });

    const versions = await connector.readVersions?.([INCIDENT, OTHER]);

    expect([...(versions?.keys() ?? [])]).toEqual([OTHER]);
  });

  it('refuses a batched read answered with records it did not ask for (a dropped condition) instead of handing out their versions', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query(true)
      .reply(200, { result: [row(ORIGINAL, '1', 'beth.anglin')] });

    await expect(connector.readVersions?.([INCIDENT])).rejects.toMatchObject({ details: { code: 'bad-response', retryable: false } });
  });

  it('sends an assignment and its note as ONE PATCH when the batched read shows the planned version', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network', work_notes: NOTE }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { current: current('2', 'beth.anglin', { assignment_group: both(OTHER, 'Service Desk') }) }), note()]);

    expect(results).toEqual([
      { outcome: 'updated', ref: INCIDENT, previous: { group: 'Service Desk', assignee: null } },
      { outcome: 'created', ref: INCIDENT },
    ]);
    expect(http.requests().map((r) => r.method)).toEqual(['PATCH']);
  });

  it('reads the version with one GET before the combined PATCH when no batched read was made', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get(`/api/now/table/incident/${INCIDENT}`)
      .query({ sysparm_fields: 'assignment_group,assigned_to,sys_mod_count,sys_updated_by', ...READ_PARAMS })
      .reply(200, { result: { assignment_group: both(''), assigned_to: both(''), sys_mod_count: both('2'), sys_updated_by: both('beth.anglin') } })
      .patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network', work_notes: NOTE })
      .query(WRITE_PARAMS)
      .reply(200, fixture('incident-patched'));

    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS), note()]);

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'created']);
    expect(http.requests().map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });

  it('marks every write of the group superseded, sending nothing, when the batched read shows a person changed the ticket since planning', async () => {
    const { connector } = harness();

    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { current: current('3', 'alice.tech') }), note()]);

    expect(results).toEqual([
      { outcome: 'superseded', ref: INCIDENT },
      { outcome: 'superseded', ref: INCIDENT },
    ]);
    expect(connector.requestCount()).toBe(0);
  });

  it('goes ahead when the newer version is the integration user’s own earlier write', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network', work_notes: NOTE }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    // The instance logs a user in whatever case it was typed.
    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { current: current('3', 'SVC.Deskbridge') }), note()]);

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'created']);
  });

  it('retries a group as one PATCH after looking for its note by marker: not found → assignment and note together', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/sys_journal_field')
      .query({ sysparm_query: `element_id=${INCIDENT}^element=work_notes^valueLIKE${MARKER}`, sysparm_fields: 'sys_id,element_id,element,value', sysparm_limit: '1' })
      .reply(200, { result: [] })
      .patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network', work_notes: NOTE })
      .query(WRITE_PARAMS)
      .reply(200, fixture('incident-patched'));

    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { firstAttempt: false, current: current('2', 'beth.anglin') }), note({ firstAttempt: false })]);

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'created']);
    expect(http.requests().map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });

  it('retries a group whose earlier PATCH landed without posting the note again: found by marker → only the assignment is sent', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/sys_journal_field')
      .query({ sysparm_query: `element_id=${INCIDENT}^element=work_notes^valueLIKE${MARKER}`, sysparm_fields: 'sys_id,element_id,element,value', sysparm_limit: '1' })
      .reply(200, { result: [{ sys_id: '7e0f9a1c1b6d41109a5de1f2c3b4a611', element_id: INCIDENT, element: 'work_notes', value: NOTE }] })
      .patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network' })
      .query(WRITE_PARAMS)
      .reply(200, fixture('incident-patched'));

    // The batched read shows our own earlier attempt: not someone else's change.
    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { firstAttempt: false, current: current('3', 'svc.deskbridge') }), note({ firstAttempt: false })]);

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'unchanged']);
    expect(http.requests().map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });

  it('supersedes a retried group changed by a person since, without looking for the note', async () => {
    const { connector } = harness();

    const results = await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { firstAttempt: false, current: current('4', 'alice.tech') }), note({ firstAttempt: false })]);

    expect(results?.map((r) => r.outcome)).toEqual(['superseded', 'superseded']);
    expect(connector.requestCount()).toBe(0);
  });

  it('does not re-send the combined PATCH after an unclear failure: it appended a journal entry', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .patch(`/api/now/table/incident/${INCIDENT}`)
      .query(WRITE_PARAMS)
      .reply(503, { error: { message: 'Service Unavailable', detail: null }, status: 'failure' });

    await expect(connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { current: current('2', 'beth.anglin') }), note()])).rejects.toMatchObject({ name: 'PlatformError' });
    expect(http.requests().map((r) => r.method)).toEqual(['PATCH']);
  });

  it('leaves a note that fails its checks to apply, which refuses it on its own', async () => {
    const { connector } = harness();
    const publicText = write({ type: 'comment', visibility: 'internal', body: NOTE }, { comments: NOTE });

    expect(await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { current: current('2', 'beth.anglin') }), publicText])).toBeUndefined();
    expect(await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS), write({ type: 'comment', visibility: 'internal', body: 'no marker' }, { work_notes: 'no marker' })])).toBeUndefined();
    expect(connector.requestCount()).toBe(0);
  });

  it('does not combine two notes into one journal field', async () => {
    const { connector } = harness();

    expect(await connector.applyGroup?.([note(), note()])).toBeUndefined();
    expect(connector.requestCount()).toBe(0);
  });

  it('combines a set-field, an assignment and a note; an assign with nothing to set stays unchanged', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { urgency: '1', assigned_to: 'David Loo', work_notes: NOTE }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    const results = await connector.applyGroup?.([
      write({ type: 'set-field', field: 'urgency', value: '1' }, { urgency: '1' }, { current: current('2', 'beth.anglin', { assigned_to: both(OTHER, 'Beth Anglin') }) }),
      write({ type: 'assign', group: 'Network' }, {}),
      write({ type: 'assign', group: 'Network', assignee: 'David Loo' }, { assigned_to: 'David Loo' }),
      note(),
    ]);

    expect(results).toEqual([
      { outcome: 'updated', ref: INCIDENT },
      { outcome: 'unchanged', ref: INCIDENT },
      { outcome: 'updated', ref: INCIDENT, previous: { group: null, assignee: 'Beth Anglin' } },
      { outcome: 'created', ref: INCIDENT },
    ]);
  });

  it('can group assign, set-field and comment, not writes that need look-ups of their own', () => {
    const { connector } = harness();

    expect([...(connector.groupableActions ?? [])].sort()).toEqual(['assign', 'comment', 'set-field']);
  });

  describe('apply with the batched read', () => {
    it('assigns without a GET, taking previous from the batched read', async () => {
      const { connector } = harness();
      http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, ASSIGN_FIELDS).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

      const result = await connector.apply(
        write(ASSIGN, ASSIGN_FIELDS, { current: current('2', 'beth.anglin', { assignment_group: both(OTHER, 'Service Desk'), assigned_to: both(ORIGINAL, 'Beth Anglin') }) }),
      );

      expect(result).toEqual({ outcome: 'updated', ref: INCIDENT, previous: { group: 'Service Desk', assignee: 'Beth Anglin' } });
      expect(http.requests().map((r) => r.method)).toEqual(['PATCH']);
    });

    it('supersedes a set-field from the batched read without any request', async () => {
      const { connector } = harness();

      const result = await connector.apply(write({ type: 'set-field', field: 'urgency', value: '1' }, { urgency: '1' }, { current: current('4', 'alice.tech') }));

      expect(result).toEqual({ outcome: 'superseded', ref: INCIDENT });
      expect(connector.requestCount()).toBe(0);
    });

    it('links a duplicate from the batched read: one PATCH; another original already set is skipped with no request', async () => {
      const { connector } = harness();
      const link: Action = { type: 'link-duplicate', original: { nativeId: ORIGINAL, number: 'INC0010237' } };
      http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { parent_incident: ORIGINAL }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

      expect(await connector.apply(write(link, {}, { current: current('2', 'beth.anglin') }))).toEqual({ outcome: 'updated', ref: INCIDENT });
      const taken = await connector.apply(write(link, {}, { current: current('2', 'beth.anglin', { parent_incident: both(OTHER, 'INC0010001') }) }));

      expect(taken).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('INC0010001') as unknown });
      expect(http.requests().map((r) => r.method)).toEqual(['PATCH']);
    });

    it('links a problem given by sys_id from the batched read: only the PATCH', async () => {
      const { connector } = harness();
      http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { problem_id: PROBLEM }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

      const result = await connector.apply(write({ type: 'link-problem', problemRef: PROBLEM }, {}, { current: current('2', 'beth.anglin') }));

      expect(result).toEqual({ outcome: 'updated', ref: INCIDENT });
      expect(http.requests().map((r) => r.method)).toEqual(['PATCH']);
    });
  });

  it('reads the duplicate field the source configures in the batched read', async () => {
    const { connector } = harness(source({ duplicateField: 'u_original' }));
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query({ sysparm_query: `sys_idIN${INCIDENT}`, sysparm_fields: VERSION_FIELDS.replace('parent_incident', 'u_original'), ...READ_PARAMS, sysparm_limit: '1', sysparm_no_count: 'true' })
      .reply(200, { result: [] });

    expect((await connector.readVersions?.([INCIDENT]))?.size).toBe(0);
  });
});
