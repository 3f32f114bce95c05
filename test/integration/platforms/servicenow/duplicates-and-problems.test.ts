import { describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, fixture, harness, source } from './setup.js';

const http = useHttpMock();

const INCIDENT = 'e8c7a2b91b6d41109a5de1f2c3b4a511';
const ORIGINAL = '9d385017c611228701d22104cc95c371';
const SOMEONE_ELSES = '46b66a40a9fe198101f243dfbc79033d';
const PROBLEM = 'd7296d02c0a801670085e737da016e70';
const KEY = 'pattern:vpn-berlin';
const MARKER = 'deskbridge:dedup-vpn:duplicate-of';

const PROBLEM_WRITE_PARAMS = { sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,sys_mod_count' };
const WRITE_PARAMS = { sysparm_input_display_value: 'true', sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,sys_mod_count' };

function write(action: Action, fields: Record<string, unknown>, version = '2'): WriteRequest {
  const planned: PlannedAction = {
    id: 'a1b2c3',
    sourceId: 'snow-prod',
    ruleId: 'dedup-vpn',
    target: { ticketKey: `servicenow:snow-prod:${INCIDENT}`, nativeId: INCIDENT, number: 'INC0010232', version },
    action,
    explanation: 'Same symptom text as INC0010237 within 30 minutes',
  };
  return { planned, action, fields, marker: MARKER, firstAttempt: false };
}

const duplicate: Action = { type: 'link-duplicate', original: { nativeId: ORIGINAL, number: 'INC0010237' } };

/** `GET /incident/{id}?sysparm_fields=parent_incident,sys_mod_count,sys_updated_by&sysparm_display_value=all` as the instance answers it. */
function duplicateCheck(parent: string, modCount = '2', updatedBy = 'fred.luddy', field = 'parent_incident', parentNumber = '') {
  const both = (value: string, display = value) => ({ display_value: display, value });
  return http
    .mock(BASE_URL)
    .get(`/api/now/table/incident/${INCIDENT}`)
    .query({ sysparm_fields: `${field},sys_mod_count,sys_updated_by`, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' })
    .reply(200, { result: { [field]: both(parent, parentNumber), sys_mod_count: both(modCount), sys_updated_by: both(updatedBy) } });
}

describe('ServiceNow link-duplicate', () => {
  it('points parent_incident at the original with one PATCH when it is empty', async () => {
    const { connector } = harness();
    duplicateCheck('');
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { parent_incident: ORIGINAL }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    await expect(connector.apply(write(duplicate, {}))).resolves.toEqual({ outcome: 'updated', ref: INCIDENT });
  });

  it('finds the field already set on a retry and sends nothing', async () => {
    const { connector } = harness();
    duplicateCheck(ORIGINAL, '3', 'svc.deskbridge');

    await expect(connector.apply(write(duplicate, {}))).resolves.toEqual({ outcome: 'unchanged', ref: INCIDENT });
    expect(http.requests().map((r) => r.method)).toEqual(['GET']);
  });

  it('reads plain (raw) values too', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get(`/api/now/table/incident/${INCIDENT}`)
      .query(true)
      .reply(200, { result: { parent_incident: ORIGINAL, sys_mod_count: '2', sys_updated_by: 'fred.luddy' } });

    await expect(connector.apply(write(duplicate, {}))).resolves.toEqual({ outcome: 'unchanged', ref: INCIDENT });
  });

  it('leaves a parent a person chose alone rather than overwrite it: skipped, naming both incidents', async () => {
    const { connector } = harness();
    duplicateCheck(SOMEONE_ELSES, '5', 'beth.anglin', 'parent_incident', 'INC0009001');

    await expect(connector.apply(write(duplicate, {}))).resolves.toEqual({
      outcome: 'skipped',
      ref: INCIDENT,
      reason: 'parent_incident already points to INC0009001, not INC0010237; deskbridge does not replace a link someone set',
    });
    expect(http.requests().map((r) => r.method)).toEqual(['GET']);
  });

  it('is superseded when someone else changed the incident after the planned version', async () => {
    const { connector } = harness();
    duplicateCheck('', '4', 'beth.anglin');

    await expect(connector.apply(write(duplicate, {}))).resolves.toEqual({ outcome: 'superseded', ref: INCIDENT });
  });

  it('writes the configured duplicateField', async () => {
    const { connector } = harness(source({ duplicateField: 'u_duplicate_of' }));
    duplicateCheck('', '2', 'fred.luddy', 'u_duplicate_of');
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { u_duplicate_of: ORIGINAL }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    await expect(connector.apply(write(duplicate, {}))).resolves.toEqual({ outcome: 'updated', ref: INCIDENT });
  });

  it('refuses, before any request, an original that is no sys_id, the target itself, or a mapping that adds a work note', async () => {
    const { connector } = harness();

    await expect(connector.apply(write({ type: 'link-duplicate', original: { nativeId: 'INC0010237', number: 'INC0010237' } }, {}))).rejects.toMatchObject({
      details: { code: 'bad-request' },
    });
    await expect(connector.apply(write({ type: 'link-duplicate', original: { nativeId: INCIDENT, number: 'INC0010232' } }, {}))).rejects.toMatchObject({
      details: { code: 'bad-request' },
      message: expect.stringContaining('duplicate of itself'),
    });
    await expect(connector.apply(write(duplicate, { work_notes: 'dup' }))).rejects.toMatchObject({
      details: { code: 'bad-request', hint: expect.stringContaining('comment action') },
    });
  });
});

describe('ServiceNow update-problem', () => {
  const update = (reopen: boolean): Action => ({ type: 'update-problem', correlationKey: KEY, title: 'Recurring VPN drops (7 incidents)', description: '7 incidents in 2 hours', reopen });
  const mapped = { short_description: 'Recurring VPN drops (7 incidents)', description: '7 incidents in 2 hours' };

  function lookup(problem: Record<string, unknown> | undefined) {
    return http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({
        sysparm_query: `correlation_id=${KEY}^ORDERBYsys_created_on`,
        sysparm_fields: 'sys_id,number,state,active,correlation_id,short_description,description',
        sysparm_exclude_reference_link: 'true',
        sysparm_limit: '1',
      })
      .reply(200, { result: problem === undefined ? [] : [problem] });
  }
  const problem = (state: string, active: string, text = { short_description: 'Recurring VPN drops', description: '5 incidents in 30 minutes' }) => ({
    sys_id: PROBLEM,
    number: 'PRB0040012',
    state,
    active,
    correlation_id: KEY,
    ...text,
  });

  it('rewrites the text of an open problem without touching its state, even when reopen is asked', async () => {
    const { connector } = harness();
    lookup(problem('103', 'true'));
    http.mock(BASE_URL).patch(`/api/now/table/problem/${PROBLEM}`, mapped).query(PROBLEM_WRITE_PARAMS).reply(200, fixture('problem-created'));

    await expect(connector.apply(write(update(true), mapped))).resolves.toEqual({ outcome: 'updated', ref: PROBLEM });
  });

  it('moves a closed problem back to New (101) when reopen is true', async () => {
    const { connector } = harness();
    lookup(problem('107', 'false'));
    http
      .mock(BASE_URL)
      .patch(`/api/now/table/problem/${PROBLEM}`, { ...mapped, state: '101' })
      .query(PROBLEM_WRITE_PARAMS)
      .reply(200, fixture('problem-created'));

    await expect(connector.apply(write(update(true), mapped))).resolves.toEqual({ outcome: 'updated', ref: PROBLEM });
  });

  it('reopens a resolved problem whose text is already current with a state-only PATCH', async () => {
    const { connector } = harness();
    lookup(problem('106', 'true', mapped));
    http.mock(BASE_URL).patch(`/api/now/table/problem/${PROBLEM}`, { state: '101' }).query(PROBLEM_WRITE_PARAMS).reply(200, fixture('problem-created'));

    await expect(connector.apply(write(update(true), mapped))).resolves.toEqual({ outcome: 'updated', ref: PROBLEM });
  });

  it('leaves a closed problem closed when reopen is false', async () => {
    const { connector } = harness();
    lookup(problem('107', 'false'));
    http.mock(BASE_URL).patch(`/api/now/table/problem/${PROBLEM}`, mapped).query(PROBLEM_WRITE_PARAMS).reply(200, fixture('problem-created'));

    await expect(connector.apply(write(update(false), mapped))).resolves.toEqual({ outcome: 'updated', ref: PROBLEM });
  });

  it('sends nothing on a retry that finds the text and state already written', async () => {
    const { connector } = harness();
    lookup(problem('101', 'true', mapped));

    await expect(connector.apply(write(update(true), mapped))).resolves.toEqual({ outcome: 'unchanged', ref: PROBLEM });
    expect(http.requests().map((r) => r.method)).toEqual(['GET']);
  });

  it('reports a problem that is not there (yet) as retryable not-found', async () => {
    const { connector } = harness();
    lookup(undefined);

    await expect(connector.apply(write(update(true), mapped))).rejects.toMatchObject({ details: { code: 'not-found', retryable: true } });
  });

  it('refuses a mapping that changes correlation_id', async () => {
    const { connector } = harness();

    await expect(connector.apply(write(update(false), { ...mapped, correlation_id: 'other' }))).rejects.toMatchObject({ details: { code: 'bad-request' } });
  });
});

describe('ServiceNow problemStates', () => {
  const row = (key: string, sysId: string, number: string, state: string, active: string) => ({ sys_id: sysId, number, state, active, correlation_id: key });

  it('answers open, closed and absent keys from one correlation_idIN query', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({
        sysparm_query: 'correlation_idINk-open,k-resolved,k-cancelled,k-absent^ORDERBYsys_created_on',
        sysparm_fields: 'sys_id,number,state,active,correlation_id',
        sysparm_exclude_reference_link: 'true',
        sysparm_limit: '1000',
        sysparm_no_count: 'true',
      })
      .reply(200, {
        result: [
          row('k-open', PROBLEM, 'PRB0040012', '104', 'true'),
          row('k-resolved', ORIGINAL, 'PRB0040013', '106', 'true'),
          row('k-cancelled', SOMEONE_ELSES, 'PRB0040014', '107', 'false'),
          // A younger problem for the same key does not override the oldest.
          row('k-open', INCIDENT, 'PRB0040099', '107', 'false'),
        ],
      });

    const states = await connector.problemStates(['k-open', 'k-resolved', 'k-cancelled', 'k-absent', 'k-open']);

    expect(Object.fromEntries(states)).toEqual({
      'k-open': { state: 'open', nativeId: PROBLEM, number: 'PRB0040012' },
      'k-resolved': { state: 'closed', nativeId: ORIGINAL, number: 'PRB0040013' },
      'k-cancelled': { state: 'closed', nativeId: SOMEONE_ELSES, number: 'PRB0040014' },
    });
  });

  it('splits long key lists into chunks of 50 and asks for a key containing a comma on its own', async () => {
    const { connector } = harness();
    const keys = Array.from({ length: 120 }, (_, i) => `k${i}`);
    const queries: string[] = [];
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .times(4)
      .query((query) => {
        queries.push(String(query.sysparm_query));
        return true;
      })
      .reply(200, { result: [] });

    const states = await connector.problemStates([...keys, 'svc:a,b']);

    expect(states.size).toBe(0);
    expect(queries.map((q) => q.split(',').length)).toEqual([50, 50, 20, 2]);
    expect(queries[3]).toBe('correlation_id=svc:a,b^ORDERBYsys_created_on');
  });

  it('sends nothing for no keys and refuses a key with ^ before any request', async () => {
    const { connector } = harness();

    await expect(connector.problemStates([])).resolves.toEqual(new Map());
    await expect(connector.problemStates(['a^NQactive=true'])).rejects.toMatchObject({ details: { code: 'bad-request' } });
  });
});
