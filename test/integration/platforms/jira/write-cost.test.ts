import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import type { CurrentRecord, WriteRequest } from '../../../../src/platforms/types.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { CLOUD_ME, CLOUD_URL, DC_URL, MARKER, fixture, harness, history, source, write, type Flavour } from './setup.js';

const http = useHttpMock();

const CLOUD_PLANNED = '2024-05-14T11:16:05.200+0200';
const DC_PLANNED = '2024-05-14T09:00:10.000-0400';
const NE1 = '712020:a1b2c3d4-0000-4000-8000-00000000ne01';
const BETH = '5b10ac8d82e05b22cc7d4ef5';
const ASSIGN: Action = { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' };
const NOTE = `deskbridge routed this to Network Operations.\n\n(${MARKER})`;
const INTERNAL: Action = { type: 'comment', visibility: 'internal', body: 'deskbridge routed this to Network Operations.' };
const PUBLIC: Action = { type: 'comment', visibility: 'public', body: 'We are on it.' };

/** The group is a select list (customfield_10050 of the Cloud field list fixture), read once from GET /field. */
function connectorFor(flavour: Flavour, overrides: Record<string, unknown> = {}) {
  return harness(source(flavour, { groupField: 'customfield_10050', ...overrides })).connector;
}

function fieldList(flavour: Flavour): void {
  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  http
    .mock(flavour === 'cloud' ? CLOUD_URL : DC_URL)
    .get(`${api}/field`)
    .reply(200, fixture('cloud', 'fields'));
}

function myself(flavour: Flavour): void {
  const api = flavour === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  http
    .mock(flavour === 'cloud' ? CLOUD_URL : DC_URL)
    .get(`${api}/myself`)
    .reply(200, fixture(flavour, 'myself'));
}

/** One issue of a search page, as the batched version read asks for it. */
function hit(flavour: Flavour, id: string, updated: string, options: { histories?: Record<string, unknown>[]; comments?: Record<string, unknown>[] } = {}): Record<string, unknown> {
  const histories = options.histories ?? [];
  const comments = options.comments ?? [];
  return {
    id,
    key: `ITSM-${id}`,
    changelog: { startAt: 0, maxResults: histories.length, total: histories.length, histories },
    fields: {
      updated,
      status: { name: 'Waiting for support' },
      comment: { comments, maxResults: comments.length, total: comments.length, startAt: 0 },
      assignee: flavour === 'cloud' ? { accountId: BETH, displayName: 'Beth Anglin' } : { name: 'beth', displayName: 'Beth Anglin' },
      customfield_10050: { value: 'Service Desk', id: '10101' },
      issuelinks: [],
    },
  };
}

function bodies(): unknown[] {
  return http.requests().map((request) => (request.body === '' ? undefined : (JSON.parse(request.body) as unknown)));
}

function methods(): string[] {
  return http.requests().map((request) => `${request.method} ${request.url.pathname}`);
}

/** The write of a first attempt, with what the batched read found. */
function first(flavour: Flavour, action: Action, fields: Record<string, unknown>, current?: CurrentRecord, number?: string): WriteRequest {
  const request = write(flavour, action, fields, { firstAttempt: true });
  const planned = number === undefined ? request.planned : { ...request.planned, target: { ...request.planned.target, number } };
  return { ...request, planned, ...(current ? { current } : {}) };
}

describe('Jira readVersions: one id-in search per 50 issues', () => {
  it('Cloud: POST /search/jql with id in (…), only the fields the check needs, changelog, and the ids as reconcileIssues', async () => {
    const connector = connectorFor('cloud');
    myself('cloud');
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [hit('cloud', '10042', CLOUD_PLANNED), hit('cloud', '10043', '2024-05-14T11:17:00.000+0200')], isLast: true });

    const versions = await connector.readVersions!(['10042', '10043'], undefined);

    expect(bodies()[1]).toEqual({
      jql: 'id in (10042, 10043)',
      fields: ['updated', 'status', 'comment', 'assignee', 'customfield_10050', 'issuelinks'],
      maxResults: 2,
      expand: 'changelog',
      reconcileIssues: [10042, 10043],
    });
    // The version is `updated` exactly as Jira printed it: what pull reports, so it compares with a planned version.
    expect(versions.get('10042')?.version).toBe(CLOUD_PLANNED);
    expect(versions.get('10043')?.version).toBe('2024-05-14T11:17:00.000+0200');
    expect(methods()).toEqual(['GET /rest/api/3/myself', 'POST /rest/api/3/search/jql']);
  });

  it('Data Center: POST /rest/api/2/search with startAt, the fields and expand [changelog]', async () => {
    const connector = connectorFor('datacenter');
    myself('datacenter');
    http
      .mock(DC_URL)
      .post('/rest/api/2/search')
      .reply(200, { startAt: 0, maxResults: 1, total: 1, issues: [hit('datacenter', '20001', DC_PLANNED)] });

    const versions = await connector.readVersions!(['20001'], undefined);

    expect(bodies()[1]).toEqual({ jql: 'id in (20001)', startAt: 0, maxResults: 1, fields: ['updated', 'status', 'comment', 'assignee', 'customfield_10050', 'issuelinks'], expand: ['changelog'] });
    expect(versions.get('20001')?.version).toBe(DC_PLANNED);
  });

  it('splits more than 50 ids into one search per 50', async () => {
    const connector = connectorFor('datacenter');
    myself('datacenter');
    const ids = Array.from({ length: 51 }, (_, i) => String(30000 + i));
    http
      .mock(DC_URL)
      .post('/rest/api/2/search')
      .reply(200, { startAt: 0, maxResults: 50, total: 50, issues: [] })
      .post('/rest/api/2/search')
      .reply(200, { startAt: 0, maxResults: 1, total: 1, issues: [] });

    await connector.readVersions!(ids, undefined);

    expect(methods().filter((m) => m.startsWith('POST'))).toHaveLength(2);
    expect((bodies()[2] as { jql: string }).jql).toBe('id in (30050)');
  });
});

describe('Jira link writes take the links from the batched read', () => {
  it('link-duplicate: no GET of the target, one POST /issueLink', async () => {
    const connector = connectorFor('cloud');
    myself('cloud');
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [hit('cloud', '10042', CLOUD_PLANNED)], isLast: true })
      .post('/rest/api/3/issueLink', { type: { name: 'Duplicate' }, inwardIssue: { id: '10042' }, outwardIssue: { id: '10007' } })
      .reply(201);
    const current = (await connector.readVersions!(['10042'], undefined)).get('10042');

    const result = await connector.apply(first('cloud', { type: 'link-duplicate', original: { nativeId: '10007', number: 'ITSM-7' } }, {}, current));

    expect(result).toEqual({ outcome: 'created', ref: '10042' });
    expect(methods()).toEqual(['GET /rest/api/3/myself', 'POST /rest/api/3/search/jql', 'POST /rest/api/3/issueLink']);
  });
});

describe('Jira applyGroup: an assignment and its note as one PUT', () => {
  it('Cloud: one PUT /issue/{id} with the fields and update.comment (ADF), previous values from the batched read, no GET', async () => {
    const connector = connectorFor('cloud');
    myself('cloud');
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [hit('cloud', '10042', CLOUD_PLANNED)], isLast: true });
    const current = (await connector.readVersions!(['10042'], undefined)).get('10042');
    fieldList('cloud');
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/user/search')
      .query({ query: 'Network Engineer 1', maxResults: '50' })
      .reply(200, fixture('cloud', 'user-search-network-engineer-1'))
      .put('/rest/api/3/issue/10042')
      .reply(204);

    const results = await connector.applyGroup!([
      first('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }, current),
      first('cloud', PUBLIC, { comment: NOTE, public: true }),
    ]);

    expect(results).toEqual([
      { outcome: 'updated', ref: '10042', previous: { group: 'Service Desk', assignee: 'Beth Anglin' } },
      { outcome: 'created', ref: '10042' },
    ]);
    const put = bodies().at(-1);
    expect(put).toEqual({
      fields: { customfield_10050: { value: 'Network Operations' }, assignee: { accountId: NE1 } },
      update: { comment: [{ add: { body: { type: 'doc', version: 1, content: expect.any(Array) as unknown } } }] },
    });
    expect(JSON.stringify(put)).toContain(MARKER);
    // Writes: the one PUT. No GET of the issue: the batched read stood in for it.
    expect(methods().filter((m) => !m.startsWith('GET'))).toEqual(['POST /rest/api/3/search/jql', 'PUT /rest/api/3/issue/10042']);
    expect(methods()).not.toContain('GET /rest/api/3/issue/10042');
  });

  it('Data Center: the note goes as wiki text in update.comment, the assignee by username', async () => {
    const connector = connectorFor('datacenter');
    myself('datacenter');
    http
      .mock(DC_URL)
      .post('/rest/api/2/search')
      .reply(200, { startAt: 0, maxResults: 1, total: 1, issues: [hit('datacenter', '20001', DC_PLANNED)] });
    const current = (await connector.readVersions!(['20001'], undefined)).get('20001');
    fieldList('datacenter');
    http
      .mock(DC_URL)
      .get('/rest/api/2/user/search')
      .query({ username: 'Network Engineer 1', maxResults: '50' })
      .reply(200, [{ name: 'ne1', key: 'ne1', displayName: 'Network Engineer 1', active: true }])
      .put('/rest/api/2/issue/20001', { fields: { customfield_10050: { value: 'Network Operations' }, assignee: { name: 'ne1' } }, update: { comment: [{ add: { body: NOTE } }] } })
      .reply(204);

    const results = await connector.applyGroup!([
      first('datacenter', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }, current),
      first('datacenter', PUBLIC, { comment: NOTE, public: true }),
    ]);

    expect(results).toEqual([
      { outcome: 'updated', ref: '20001', previous: { group: 'Service Desk', assignee: 'Beth Anglin' } },
      { outcome: 'created', ref: '20001' },
    ]);
  });

  it('supersedes every write of the group, sending nothing, when the batched read shows a person changed the issue after planning', async () => {
    const connector = connectorFor('cloud');
    myself('cloud');
    const later = '2024-05-14T11:20:00.000+0200';
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [hit('cloud', '10042', later, { histories: [history('cloud', BETH, later)] })], isLast: true });
    const current = (await connector.readVersions!(['10042'], undefined)).get('10042');
    fieldList('cloud');
    http.mock(CLOUD_URL).get('/rest/api/3/user/search').query({ query: 'Network Engineer 1', maxResults: '50' }).reply(200, fixture('cloud', 'user-search-network-engineer-1'));

    const results = await connector.applyGroup!([
      first('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }, current),
      first('cloud', PUBLIC, { comment: NOTE, public: true }),
    ]);

    expect(results).toEqual([
      { outcome: 'superseded', ref: '10042' },
      { outcome: 'superseded', ref: '10042' },
    ]);
    expect(methods()).not.toContain('PUT /rest/api/3/issue/10042');
  });

  it('is not superseded by its own earlier change: a history by the integration user since planning', async () => {
    const connector = connectorFor('cloud');
    myself('cloud');
    const later = '2024-05-14T11:20:00.000+0200';
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [hit('cloud', '10042', later, { histories: [history('cloud', CLOUD_ME, later)] })], isLast: true })
      .put('/rest/api/3/issue/10042')
      .reply(204);
    const current = (await connector.readVersions!(['10042'], undefined)).get('10042');

    const results = await connector.applyGroup!([
      first('cloud', { type: 'set-field', field: 'priority', value: 'High' }, { fields: { priority: { name: 'High' } } }, current),
      first('cloud', PUBLIC, { comment: NOTE, public: true }),
    ]);

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'created']);
  });

  it('declines a retry, sending nothing: the one-by-one path looks for the earlier comment by its marker', async () => {
    const connector = connectorFor('cloud');
    const retry = write('cloud', PUBLIC, { comment: NOTE, public: true }, { firstAttempt: false });

    const results = await connector.applyGroup!([first('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }), retry]);

    expect(results).toBeUndefined();
    expect(http.requests()).toEqual([]);
  });

  it('declines an internal note on an issue that may be a customer request (no documented way to make an edit comment internal)', async () => {
    const connector = connectorFor('cloud');

    const results = await connector.applyGroup!([first('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }), first('cloud', INTERNAL, { comment: NOTE, public: false })]);

    expect(results).toBeUndefined();
    expect(http.requests()).toEqual([]);
  });

  it('takes an internal note in the edit once the Service Desk API said the project is not a service project', async () => {
    const connector = connectorFor('datacenter');
    myself('datacenter');
    http
      .mock(DC_URL)
      .post('/rest/servicedeskapi/request/20001/comment')
      .reply(404, { errorMessage: 'The request could not be found', i18nErrorMessage: { i18nKey: 'x', parameters: [] } })
      .post('/rest/api/2/issue/20001/comment')
      .reply(201, { id: '1', created: '2024-05-14T09:01:00.000-0400' })
      .get('/rest/api/2/issue/20001')
      .query(true)
      .reply(200, hit('datacenter', '20001', DC_PLANNED))
      .put('/rest/api/2/issue/20001', { fields: { priority: { name: 'High' } }, update: { comment: [{ add: { body: NOTE, properties: [{ key: 'sd.public.comment', value: { internal: true } }] } }] } })
      .reply(204);
    // The first note of project HADOOP goes alone and learns it is not a service project.
    await connector.apply(first('datacenter', INTERNAL, { comment: NOTE, public: false }, undefined, 'HADOOP-1'));

    const results = await connector.applyGroup!([
      first('datacenter', { type: 'set-field', field: 'priority', value: 'High' }, { fields: { priority: { name: 'High' } } }, undefined, 'HADOOP-1'),
      first('datacenter', INTERNAL, { comment: NOTE, public: false }, undefined, 'HADOOP-1'),
    ]);

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'created']);
  });

  it('declines, having written nothing, when the assignee cannot be found: apply reports that write alone', async () => {
    const connector = connectorFor('cloud');
    http.mock(CLOUD_URL).get('/rest/api/3/user/search').query({ query: 'Network Engineer 1', maxResults: '50' }).reply(200, []);
    fieldList('cloud');

    const results = await connector.applyGroup!([first('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }), first('cloud', PUBLIC, { comment: NOTE, public: true })]);

    expect(results).toBeUndefined();
    expect(methods().filter((m) => !m.startsWith('GET'))).toEqual([]);
  });

  it('declines a status change: that is a transition, not an edit', async () => {
    const connector = connectorFor('cloud');

    const results = await connector.applyGroup!([
      first('cloud', { type: 'set-field', field: 'status', value: 'In Progress' }, { transition: 'In Progress' }),
      first('cloud', PUBLIC, { comment: NOTE, public: true }),
    ]);

    expect(results).toBeUndefined();
    expect(http.requests()).toEqual([]);
  });
});
