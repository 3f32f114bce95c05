import { describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, WRITE_PARAMS, fixture, harness } from './setup.js';

const http = useHttpMock();

const INCIDENT = 'e8c7a2b91b6d41109a5de1f2c3b4a511';
const PROBLEM = 'd7296d02c0a801670085e737da016e70';
const MARKER = 'deskbridge:dedup-vpn:duplicate-of';

/** A retried write by default: the connector must then guard against a repeat. */
function write(action: Action, fields: Record<string, unknown>, marker = MARKER, firstAttempt = false): WriteRequest {
  const planned: PlannedAction = {
    id: 'a1b2c3',
    sourceId: 'snow-prod',
    ruleId: 'dedup-vpn',
    target: { ticketKey: `servicenow:snow-prod:${INCIDENT}`, nativeId: INCIDENT, number: 'INC0010232', version: '2' },
    action,
    explanation: 'Same symptom text as INC0010237 within 30 minutes',
  };
  return { planned, action, fields, marker, firstAttempt };
}

/** The read-before-overwrite check: the record as it is now. */
function versionCheck(modCount: string, updatedBy: string) {
  return http
    .mock(BASE_URL)
    .get(`/api/now/table/incident/${INCIDENT}`)
    .query({ sysparm_fields: 'sys_mod_count,sys_updated_by' })
    .reply(200, { result: { sys_mod_count: modCount, sys_updated_by: updatedBy } });
}

/** The check before an assign also reads the assignment it replaces (display values), for `deskbridge revert`. */
function assignCheck(modCount: string, updatedBy: string, group = 'Service Desk', assignee = '') {
  const both = (value: string, display = value) => ({ value, display_value: display });
  return http
    .mock(BASE_URL)
    .get(`/api/now/table/incident/${INCIDENT}`)
    .query({ sysparm_fields: 'assignment_group,assigned_to,sys_mod_count,sys_updated_by', sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' })
    .reply(200, {
      result: {
        assignment_group: both(group === '' ? '' : '8a4dde73c6112278017a6a4baf547aa7', group),
        assigned_to: both(assignee === '' ? '' : '5137153cc611227c000bbd1bd8cd2005', assignee),
        sys_mod_count: both(modCount),
        sys_updated_by: both(updatedBy),
      },
    });
}

/** `GET /incident/{id}` before a link is written: is problem_id empty, ours, or someone else's? */
const LINK_CHECK = { sysparm_fields: 'problem_id,sys_mod_count,sys_updated_by', sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' };
function linkCheck(problemId: string, number = '') {
  return {
    result: {
      problem_id: { display_value: number, value: problemId },
      sys_mod_count: { display_value: '2', value: '2' },
      sys_updated_by: { display_value: 'beth.anglin', value: 'beth.anglin' },
    },
  };
}
const noteText = `Possible duplicate of INC0010237 (same VPN symptom, same office). — deskbridge [${MARKER}]`;

describe('ServiceNow apply', () => {
  it('assigns with a PATCH that lets the instance resolve display values', async () => {
    const { connector } = harness();
    assignCheck('2', 'fred.luddy', 'Service Desk', 'Beth Anglin');
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network', assigned_to: 'David Loo' }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'assign', group: 'Network', assignee: 'David Loo' }, { assignment_group: 'Network', assigned_to: 'David Loo' }));

    // What it replaced, by the names a person sees: `deskbridge revert` puts these back.
    expect(result).toEqual({ outcome: 'updated', ref: INCIDENT, previous: { group: 'Service Desk', assignee: 'Beth Anglin' } });
  });

  it('sets a field with a PATCH', async () => {
    const { connector } = harness();
    versionCheck('2', 'fred.luddy');
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { urgency: '1' }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'set-field', field: 'urgency', value: '1' }, { urgency: '1' }));

    expect(result).toEqual({ outcome: 'updated', ref: INCIDENT });
  });

  it('does not post a comment again when its marker is already in the journal', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/sys_journal_field')
      .query({
        sysparm_query: `element_id=${INCIDENT}^element=work_notes^valueLIKE${MARKER}`,
        // The asked fields come back too, so a widened answer can be told apart.
        sysparm_fields: 'sys_id,element_id,element,value',
        sysparm_limit: '1',
      })
      .reply(200, { result: [{ sys_id: '7e0f9a1c1b6d41109a5de1f2c3b4a611', element_id: INCIDENT, element: 'work_notes', value: noteText }] });

    const result = await connector.apply(write({ type: 'comment', visibility: 'internal', body: noteText }, { work_notes: noteText }));

    expect(result).toEqual({ outcome: 'unchanged', ref: INCIDENT });
    expect(http.requests().map((request) => request.method)).toEqual(['GET']);
  });

  it('posts a first-attempt comment without a journal lookup, since no earlier attempt can have landed', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { work_notes: noteText }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'comment', visibility: 'internal', body: noteText }, { work_notes: noteText }, MARKER, true));

    expect(result).toEqual({ outcome: 'created', ref: INCIDENT });
    expect(http.requests().map((request) => request.method)).toEqual(['PATCH']);
  });

  it('posts a retried comment when the journal has no entry with its marker', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/sys_journal_field')
      .query({ sysparm_query: `element_id=${INCIDENT}^element=comments^valueLIKE${MARKER}`, sysparm_fields: 'sys_id,element_id,element,value', sysparm_limit: '1' })
      .reply(200, fixture('empty-result'))
      .patch(`/api/now/table/incident/${INCIDENT}`, { comments: noteText })
      .query(WRITE_PARAMS)
      .reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'comment', visibility: 'public', body: noteText }, { comments: noteText }));

    expect(result).toEqual({ outcome: 'created', ref: INCIDENT });
  });

  it('refuses to post an internal note into the customer-visible comments field', async () => {
    const { connector } = harness();

    await expect(connector.apply(write({ type: 'comment', visibility: 'internal', body: noteText }, { comments: noteText }))).rejects.toMatchObject({
      details: { code: 'bad-request', retryable: false },
    });
    expect(connector.requestCount()).toBe(0);
  });

  it('refuses a comment without its marker, since a retry could not detect it', async () => {
    const { connector } = harness();

    await expect(connector.apply(write({ type: 'comment', visibility: 'internal', body: 'no marker' }, { work_notes: 'no marker' }))).rejects.toMatchObject({ details: { code: 'bad-request' } });
    expect(connector.requestCount()).toBe(0);
  });

  it('refuses a marker that would inject query conditions, before any request', async () => {
    const { connector } = harness();
    const evil = 'x^NQelement_idISNOTEMPTY';

    await expect(connector.apply(write({ type: 'comment', visibility: 'internal', body: evil }, { work_notes: `text ${evil}` }, evil))).rejects.toMatchObject({
      name: 'PlatformError',
      details: { code: 'bad-request', retryable: false },
    });
    expect(connector.requestCount()).toBe(0);
  });

  it('returns the existing problem for a correlation key instead of creating another', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({ sysparm_query: 'correlation_id=pattern:vpn-berlin^ORDERBYsys_created_on', sysparm_fields: 'sys_id,correlation_id', sysparm_limit: '1' })
      .reply(200, fixture('problem-found'));

    const result = await connector.apply(
      write(
        { type: 'create-problem', correlationKey: 'pattern:vpn-berlin', title: 'Recurring VPN drops', description: '5 incidents' },
        { short_description: 'Recurring VPN drops', correlation_id: 'pattern:vpn-berlin' },
      ),
    );

    expect(result).toEqual({ outcome: 'unchanged', ref: PROBLEM });
  });

  it('creates a problem carrying the correlation key when none exists', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({ sysparm_query: 'correlation_id=pattern:vpn-berlin^ORDERBYsys_created_on', sysparm_fields: 'sys_id,correlation_id', sysparm_limit: '1' })
      .reply(200, fixture('empty-result'))
      .post('/api/now/table/problem', {
        short_description: 'Recurring VPN drops',
        assignment_group: 'Network',
        correlation_id: 'pattern:vpn-berlin',
      })
      .query(WRITE_PARAMS)
      .reply(201, fixture('problem-created'));

    const result = await connector.apply(
      write(
        { type: 'create-problem', correlationKey: 'pattern:vpn-berlin', title: 'Recurring VPN drops', description: '5 incidents' },
        { short_description: 'Recurring VPN drops', assignment_group: 'Network' },
      ),
    );

    expect(result).toEqual({ outcome: 'created', ref: 'f1e2d3c4b5a697881b6d41109a5de1f2' });
  });

  it('links an incident to the problem found by correlation key', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({ sysparm_query: 'correlation_id=pattern:vpn-berlin^ORDERBYsys_created_on', sysparm_fields: 'sys_id,correlation_id', sysparm_limit: '1' })
      .reply(200, fixture('problem-found'))
      .get(`/api/now/table/incident/${INCIDENT}`)
      .query(LINK_CHECK)
      .reply(200, linkCheck(''))
      .patch(`/api/now/table/incident/${INCIDENT}`, { problem_id: PROBLEM })
      .query(WRITE_PARAMS)
      .reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'link-problem', correlationKey: 'pattern:vpn-berlin' }, {}));

    expect(result).toEqual({ outcome: 'updated', ref: INCIDENT });
  });

  it('leaves a problem_id a person set alone: skipped, with the problem it kept in the reason', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({ sysparm_query: 'correlation_id=pattern:vpn-berlin^ORDERBYsys_created_on', sysparm_fields: 'sys_id,correlation_id', sysparm_limit: '1' })
      .reply(200, fixture('problem-found'))
      .get(`/api/now/table/incident/${INCIDENT}`)
      .query(LINK_CHECK)
      .reply(200, linkCheck('46b66a40a9fe198101f243dfbc79033d', 'PRB0000007'));

    const result = await connector.apply(write({ type: 'link-problem', correlationKey: 'pattern:vpn-berlin' }, {}));

    expect(result).toEqual({
      outcome: 'skipped',
      ref: INCIDENT,
      reason: 'problem_id already points to PRB0000007, not pattern:vpn-berlin; deskbridge does not replace a link someone set',
    });
    expect(http.requests().map((request) => request.method)).toEqual(['GET', 'GET']);
  });

  it('finds the incident already linked to the problem on a retry and sends nothing', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).get(`/api/now/table/incident/${INCIDENT}`).query(LINK_CHECK).reply(200, linkCheck(PROBLEM, 'PRB0040012'));

    await expect(connector.apply(write({ type: 'link-problem', problemRef: PROBLEM }, {}))).resolves.toEqual({ outcome: 'unchanged', ref: INCIDENT });
  });

  it('links straight to a problem sys_id without a lookup', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get(`/api/now/table/incident/${INCIDENT}`)
      .query(LINK_CHECK)
      .reply(200, linkCheck(''))
      .patch(`/api/now/table/incident/${INCIDENT}`, { problem_id: PROBLEM })
      .query(WRITE_PARAMS)
      .reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'link-problem', problemRef: PROBLEM }, {}));

    expect(result).toEqual({ outcome: 'updated', ref: INCIDENT });
  });

  it('reports a not-yet-created problem as retryable not-found', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query({ sysparm_query: 'correlation_id=pattern:new^ORDERBYsys_created_on', sysparm_fields: 'sys_id,correlation_id', sysparm_limit: '1' })
      .reply(200, fixture('empty-result'));

    await expect(connector.apply(write({ type: 'link-problem', correlationKey: 'pattern:new' }, {}))).rejects.toMatchObject({
      details: { code: 'not-found', retryable: true },
    });
  });

  it('does not overwrite a ticket someone else changed after the action was planned', async () => {
    const { connector } = harness();
    assignCheck('3', 'beth.anglin');

    const result = await connector.apply(write({ type: 'assign', group: 'Network' }, { assignment_group: 'Network', assigned_to: '' }));

    expect(result).toEqual({ outcome: 'superseded', ref: INCIDENT });
    expect(http.requests().map((request) => request.method)).toEqual(['GET']);
  });

  it('repeats an assignment whose earlier attempt already landed (the last change is ours)', async () => {
    const { connector } = harness();
    assignCheck('3', 'svc.deskbridge', '', '');
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`, { assignment_group: 'Network', assigned_to: '' }).query(WRITE_PARAMS).reply(200, fixture('incident-patched'));

    const result = await connector.apply(write({ type: 'assign', group: 'Network' }, { assignment_group: 'Network', assigned_to: '' }));

    expect(result).toEqual({ outcome: 'updated', ref: INCIDENT, previous: { group: null, assignee: null } });
  });

  it('says which role is missing when a write is refused', async () => {
    const { connector } = harness();
    versionCheck('2', 'fred.luddy');
    http.mock(BASE_URL).patch(`/api/now/table/incident/${INCIDENT}`).query(WRITE_PARAMS).reply(403, fixture('error-403-acl'));

    await expect(connector.apply(write({ type: 'set-field', field: 'urgency', value: '1' }, { urgency: '1' }))).rejects.toMatchObject({
      details: { code: 'forbidden', retryable: false },
      message: expect.stringContaining('the itil role (write on incident)'),
    });
  });
});

describe('ServiceNow apply after unclear failures', () => {
  it('does not re-send a comment PATCH that timed out, so the next attempt can look for it first', async () => {
    const { connector } = harness(undefined, { retryOverrides: { timeoutMs: 100 } });
    http
      .mock(BASE_URL)
      .get('/api/now/table/sys_journal_field')
      .query(true)
      .reply(200, fixture('empty-result'))
      .patch(`/api/now/table/incident/${INCIDENT}`)
      .query(WRITE_PARAMS)
      .delay(2_000)
      .reply(200, fixture('incident-patched'));

    await expect(connector.apply(write({ type: 'comment', visibility: 'internal', body: noteText }, { work_notes: noteText }))).rejects.toMatchObject({
      details: { code: 'timeout', retryable: true },
    });
    expect(connector.requestCount()).toBe(2);
  });

  it('does not re-send a problem POST after a 502, but does after a 429', async () => {
    const { connector } = harness();
    const lookup = { sysparm_query: 'correlation_id=pattern:vpn-berlin^ORDERBYsys_created_on', sysparm_fields: 'sys_id,correlation_id', sysparm_limit: '1' };
    http
      .mock(BASE_URL)
      .get('/api/now/table/problem')
      .query(lookup)
      .reply(200, fixture('empty-result'))
      .post('/api/now/table/problem')
      .query(WRITE_PARAMS)
      .reply(429, fixture('error-429'), { 'Retry-After': '1' })
      .post('/api/now/table/problem')
      .query(WRITE_PARAMS)
      .reply(502, 'Bad Gateway');

    await expect(connector.apply(write({ type: 'create-problem', correlationKey: 'pattern:vpn-berlin', title: 'VPN', description: '' }, { short_description: 'VPN' }))).rejects.toMatchObject({
      details: { code: 'server', status: 502, retryable: true },
    });
    expect(connector.requestCount()).toBe(3);
  });
});
