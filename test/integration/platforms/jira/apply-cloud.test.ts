import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import { correlationLabel } from '../../../../src/platforms/jira/index.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { CLOUD_ME, CLOUD_URL, MARKER, collect, fixture, harness, history, source, versionCheck, write } from './setup.js';

const http = useHttpMock();

const PLANNED = '2024-05-14T11:16:05.200+0200';
const NE1 = '712020:a1b2c3d4-0000-4000-8000-00000000ne01';
const BETH = '5b10ac8d82e05b22cc7d4ef5';
const ASSIGN: Action = { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' };
const NOTE = `deskbridge routed this to Network Operations.\n\n(${MARKER})`;

function cloud(overrides: Record<string, unknown> = {}) {
  return harness(source('cloud', { groupField: 'customfield_10050', problems: { projectKey: 'PRB' }, ...overrides }));
}

function myself() {
  http.mock(CLOUD_URL).get('/rest/api/3/myself').reply(200, fixture('cloud', 'myself'));
}

/**
 * The read-before-overwrite check. `assign`: an assign's check also reads the assignee and the
 * group field (`assign.field`), whose values (`assign.values`) it reports as replaced.
 */
function current(updated: string, histories: Record<string, unknown>[] = [], status?: string, assign?: { field: string; values?: Record<string, unknown> }) {
  const answer = versionCheck('cloud', updated, histories, status);
  if (assign) Object.assign(answer.fields as Record<string, unknown>, assign.values);
  http
    .mock(CLOUD_URL)
    .get('/rest/api/3/issue/10042')
    .query({ fields: assign ? `updated,status,comment,assignee,${assign.field}` : 'updated,status,comment', expand: 'changelog' })
    .reply(200, answer);
}

function users(name: string) {
  http.mock(CLOUD_URL).get('/rest/api/3/user/search').query({ query: 'Network Engineer 1', maxResults: '50' }).reply(200, fixture('cloud', name));
}

function methods(): string[] {
  return http.requests().map((request) => `${request.method} ${request.url.pathname}`);
}

describe('Jira Cloud assign', () => {
  it('writes the group into the select-list group field and the assignee by the accountId its display name resolves to', async () => {
    const { connector } = cloud();
    myself();
    users('user-search-network-engineer-1');
    current(PLANNED, [], undefined, { field: 'customfield_10050', values: { customfield_10050: { value: 'Service Desk', id: '10101' }, assignee: { accountId: BETH, displayName: 'Beth Anglin' } } });
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/field')
      .reply(200, fixture('cloud', 'fields'))
      .put('/rest/api/3/issue/10042', { fields: { customfield_10050: { value: 'Network Operations' }, assignee: { accountId: NE1 } } })
      .reply(204);

    const result = await connector.apply(write('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }));

    // What it replaced, by the names an assign takes: `deskbridge revert` puts these back.
    expect(result).toEqual({ outcome: 'updated', ref: '10042', previous: { group: 'Service Desk', assignee: 'Beth Anglin' } });
  });

  it('skips the write as superseded when someone else changed the issue after the planned version', async () => {
    const { connector } = cloud({ groupField: undefined });
    myself();
    current('2024-05-14T11:20:00.000+0200', [history('cloud', BETH, '2024-05-14T11:20:00.000+0200')], undefined, { field: 'components' });

    const result = await connector.apply(write('cloud', { type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }));

    expect(result).toEqual({ outcome: 'superseded', ref: '10042' });
    expect(methods()).not.toContain('PUT /rest/api/3/issue/10042');
  });

  it('treats a comment by someone else since the planned version as a change too', async () => {
    const { connector } = cloud({ groupField: undefined });
    myself();
    // `updated` moved, but no history entry explains it: a comment, which has no changelog entry.
    current('2024-05-14T11:30:00.000+0200', [history('cloud', BETH, PLANNED)], undefined, { field: 'components' });

    const result = await connector.apply(write('cloud', { type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }));

    expect(result.outcome).toBe('superseded');
  });

  it('repeats a write whose earlier attempt already changed the issue, since that change is its own', async () => {
    const { connector } = cloud({ groupField: undefined });
    myself();
    current('2024-05-14T11:31:00.000+0200', [history('cloud', CLOUD_ME, '2024-05-14T11:31:00.000+0200'), history('cloud', BETH, PLANNED, '29998')], undefined, {
      field: 'components',
      values: { components: [{ name: 'Network Operations', id: '10300' }], assignee: null },
    });
    http
      .mock(CLOUD_URL)
      .put('/rest/api/3/issue/10042', { fields: { components: [{ name: 'Network Operations' }], assignee: null } })
      .reply(204);

    const result = await connector.apply(write('cloud', { type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }));

    expect(result.outcome).toBe('updated');
    // Read after its own earlier attempt: what that attempt wrote (the first attempt's entry kept the older values).
    expect(result.previous).toEqual({ group: 'Network Operations', assignee: null });
  });

  it('clears the group field and the assignee when a revert puts back an issue that had neither (group "")', async () => {
    const { connector } = cloud();
    myself();
    current(PLANNED, [], undefined, {
      field: 'customfield_10050',
      values: { customfield_10050: { value: 'Network Operations', id: '10102' }, assignee: { accountId: NE1, displayName: 'Network Engineer 1' } },
    });
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/field')
      .reply(200, fixture('cloud', 'fields'))
      .put('/rest/api/3/issue/10042', { fields: { customfield_10050: null, assignee: null } })
      .reply(204);

    const result = await connector.apply(write('cloud', { type: 'assign', group: '' }, { group: '', assignee: null }));

    expect(result).toEqual({ outcome: 'updated', ref: '10042', previous: { group: 'Network Operations', assignee: 'Network Engineer 1' } });
  });

  it('says it cannot clear a group field of a type it does not know how to empty, before writing anything', async () => {
    const { connector } = cloud({ groupField: 'customfield_10099' });
    myself();
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/field')
      .reply(200, [{ id: 'customfield_10099', name: 'Queue number', custom: true, schema: { type: 'number', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:float', customId: 10099 } }]);

    await expect(connector.apply(write('cloud', { type: 'assign', group: '' }, { group: '', assignee: null }))).rejects.toMatchObject({
      message: expect.stringMatching(
        /^deskbridge cannot clear customfield_10099 \(Queue number, type com\.atlassian\.jira\.plugin\.system\.customfieldtypes:float\) to put back an issue that had no group/,
      ),
      details: { code: 'bad-request', retryable: false },
    });
    expect(methods()).not.toContain('PUT /rest/api/3/issue/10042');
  });

  it('fails clearly when no active account has the display name', async () => {
    const { connector } = cloud();
    myself();
    users('user-search-none');
    http.mock(CLOUD_URL).get('/rest/api/3/field').reply(200, fixture('cloud', 'fields'));

    await expect(connector.apply(write('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }))).rejects.toMatchObject({
      message: 'No active Jira Cloud user has the display name "Network Engineer 1" (source jsm-cloud)',
      details: { code: 'bad-request', retryable: false },
    });
    expect(methods()).not.toContain('PUT /rest/api/3/issue/10042');
  });

  it('fails clearly when several accounts share the display name, naming them', async () => {
    const { connector } = cloud();
    myself();
    users('user-search-two-matches');
    http.mock(CLOUD_URL).get('/rest/api/3/field').reply(200, fixture('cloud', 'fields'));

    const error: unknown = await connector.apply(write('cloud', ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' })).catch((e: unknown) => e);

    expect(error).toMatchObject({ details: { code: 'bad-request', retryable: false } });
    expect(String((error as Error).message)).toContain('2 active Jira Cloud users have the display name "Network Engineer 1"');
    expect(String((error as Error).message)).toContain('712020:a1b2c3d4-0000-4000-8000-00000000ne1b');
  });

  it('writes a Team field as the team id learned from the issues it has read', async () => {
    const { connector } = cloud({ groupField: 'customfield_10001' });
    myself();
    current(PLANNED, [], undefined, { field: 'customfield_10001' });
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql')
      .reply(200, fixture('cloud', 'search-issue-with-team'))
      .get('/rest/api/3/field')
      .reply(200, fixture('cloud', 'fields'))
      // "Team field in Jira REST API": set with the team id as a plain string.
      .put('/rest/api/3/issue/10042', { fields: { customfield_10001: '36885b3c-1bf0-4f85-a357-c5b858c31de4', assignee: null } })
      .reply(204);
    await collect(connector.pull({ from: null, fields: ['summary'] }));

    const result = await connector.apply(write('cloud', { type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }));

    expect(result.outcome).toBe('updated');
  });

  it('looks an unknown team up by name once, and says how to name it by id when Jira knows none', async () => {
    const { connector } = cloud({ groupField: 'customfield_10001' });
    myself();
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/field')
      .reply(200, fixture('cloud', 'fields'))
      .post('/rest/api/3/search/jql', { jql: 'cf[10001] = "Network Operations" ORDER BY updated DESC', fields: ['customfield_10001'], maxResults: 1 })
      .reply(200, fixture('cloud', 'search-empty'));

    await expect(connector.apply(write('cloud', { type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }))).rejects.toMatchObject({
      message: expect.stringContaining('No team named "Network Operations"'),
      details: { code: 'bad-request', hint: expect.stringContaining('team by its id') },
    });
  });
});

describe('Jira Cloud comments', () => {
  it('posts a first-attempt internal comment through the Service Desk API without looking for it first', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).post('/rest/servicedeskapi/request/10042/comment', { body: NOTE, public: false }).reply(201, fixture('cloud', 'servicedesk-comment-created'));

    const result = await connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: NOTE }, { comment: NOTE, public: false }, { firstAttempt: true }));

    expect(result).toEqual({ outcome: 'created', ref: '10042' });
    expect(methods()).toEqual(['GET /rest/api/3/myself', 'POST /rest/servicedeskapi/request/10042/comment']);
  });

  it('does not post a retried comment whose marker is already in an ADF comment', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).get('/rest/api/3/issue/10042/comment').query({ orderBy: '-created', maxResults: '100' }).reply(200, fixture('cloud', 'comments-with-marker'));

    const result = await connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: NOTE }, { comment: NOTE, public: false }));

    expect(result).toEqual({ outcome: 'unchanged', ref: '10042' });
  });

  it('posts a retried public comment when no comment carries its marker', async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/issue/10042/comment')
      .query(true)
      .reply(200, fixture('cloud', 'comments-without-marker'))
      .post('/rest/servicedeskapi/request/10042/comment', { body: NOTE, public: true })
      .reply(201, { ...fixture('cloud', 'servicedesk-comment-created'), public: true });

    const result = await connector.apply(write('cloud', { type: 'comment', visibility: 'public', body: NOTE }, { comment: NOTE, public: true }));

    expect(result.outcome).toBe('created');
  });

  it('posts an ADF comment through the platform API, kept internal by the Service Desk property, when serviceDesk is off', async () => {
    const { connector } = cloud({ serviceDesk: false });
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/issue/10042/comment', {
        body: {
          type: 'doc',
          version: 1,
          content: [
            { type: 'paragraph', content: [{ type: 'text', text: 'deskbridge routed this to Network Operations.' }] },
            { type: 'paragraph', content: [{ type: 'text', text: `(${MARKER})` }] },
          ],
        },
        properties: [{ key: 'sd.public.comment', value: { internal: true } }],
      })
      .reply(201, fixture('cloud', 'comment-created'));

    const result = await connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: NOTE }, { comment: NOTE, public: false }, { firstAttempt: true }));

    expect(result.outcome).toBe('created');
  });

  it('comments through the platform API on an issue the Service Desk API does not know, and remembers its project', async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/servicedeskapi/request/10042/comment')
      .reply(404, { errorMessage: 'The request could not be found or you do not have permission to view it.', i18nErrorMessage: { i18nKey: 'sd.request.not.found', parameters: [] } })
      .post('/rest/api/3/issue/10042/comment')
      .times(2)
      .reply(201, fixture('cloud', 'comment-created'));
    const note = write('cloud', { type: 'comment', visibility: 'internal', body: NOTE }, { comment: NOTE, public: false }, { firstAttempt: true });

    expect((await connector.apply(note)).outcome).toBe('created');
    expect((await connector.apply(note)).outcome).toBe('created');
    expect(methods().filter((m) => m.includes('servicedeskapi'))).toHaveLength(1);
  });

  it.each([
    ['without its marker', { comment: 'Routed.', public: false }],
    ['mapped public although internal', { comment: NOTE, public: true }],
  ])('refuses a comment %s before any request', async (_case, fields) => {
    const { connector } = cloud();

    await expect(connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: NOTE }, fields))).rejects.toMatchObject({
      details: { code: 'bad-request', retryable: false },
    });
    expect(connector.requestCount()).toBe(0);
  });
});

describe('Jira Cloud problems and links', () => {
  const label = correlationLabel('pattern:vpn-berlin');
  const lookup = {
    jql: `project = "PRB" AND labels = "${label}" ORDER BY created ASC, id ASC`,
    fields: ['id'],
    maxResults: 1,
  };
  const create: Action = { type: 'create-problem', correlationKey: 'pattern:vpn-berlin', title: 'Recurring VPN drops', description: '5 incidents in 30 minutes' };
  const mapped = { fields: { summary: 'Recurring VPN drops', description: '5 incidents in 30 minutes', labels: ['deskbridge'] } };

  it('returns the problem already labelled with the correlation key instead of creating another', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).post('/rest/api/3/search/jql', lookup).reply(200, fixture('cloud', 'problem-search-found'));

    const result = await connector.apply(write('cloud', create, mapped));

    expect(result).toEqual({ outcome: 'unchanged', ref: '10500' });
  });

  it('creates a labelled problem with an ADF description, then links the incident to it without searching again', async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql', lookup)
      .reply(200, fixture('cloud', 'search-empty'))
      .post('/rest/api/3/issue', {
        fields: {
          summary: 'Recurring VPN drops',
          description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '5 incidents in 30 minutes' }] }] },
          labels: ['deskbridge', label],
          project: { key: 'PRB' },
          issuetype: { name: 'Problem' },
        },
      })
      .reply(201, fixture('cloud', 'problem-created'))
      .get('/rest/api/3/issue/10042')
      .query({ fields: 'issuelinks' })
      .reply(200, fixture('cloud', 'issuelinks-without-problem'))
      .post('/rest/api/3/issueLink', { type: { name: 'Problem/Incident' }, inwardIssue: { id: '10501' }, outwardIssue: { id: '10042' } })
      .reply(201);

    const created = await connector.apply(write('cloud', create, mapped));
    const linked = await connector.apply(write('cloud', { type: 'link-problem', correlationKey: 'pattern:vpn-berlin' }, {}));

    expect(created).toEqual({ outcome: 'created', ref: '10501' });
    expect(linked).toEqual({ outcome: 'created', ref: '10042' });
  });

  it('does not link again when the incident already has that link, in either direction', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).get('/rest/api/3/issue/10042').query({ fields: 'issuelinks' }).reply(200, fixture('cloud', 'issuelinks-with-problem'));

    const result = await connector.apply(write('cloud', { type: 'link-problem', problemRef: 'PRB-7' }, {}));

    expect(result).toEqual({ outcome: 'unchanged', ref: '10042' });
  });

  it('reports a problem that is not there yet as retryable not-found', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).post('/rest/api/3/search/jql', lookup).reply(200, fixture('cloud', 'search-empty'));

    await expect(connector.apply(write('cloud', { type: 'link-problem', correlationKey: 'pattern:vpn-berlin' }, {}))).rejects.toMatchObject({
      details: { code: 'not-found', retryable: true },
    });
  });

  it('refuses create-problem on a source without a problem project', async () => {
    const { connector } = harness(source('cloud'));
    myself();

    await expect(connector.apply(write('cloud', create, mapped))).rejects.toMatchObject({
      details: { code: 'bad-request', hint: expect.stringContaining('problems.projectKey') },
    });
  });
});

describe('Jira Cloud status changes', () => {
  const resolve: Action = { type: 'set-field', field: 'status', value: 'Resolved' };

  it('finds the transition by its target status at run time', async () => {
    const { connector } = cloud();
    myself();
    current(PLANNED);
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/issue/10042/transitions')
      .reply(200, fixture('cloud', 'transitions'))
      .post('/rest/api/3/issue/10042/transitions', { transition: { id: '31' } })
      .reply(204);

    const result = await connector.apply(write('cloud', resolve, { transition: 'Resolved' }));

    expect(result).toEqual({ outcome: 'updated', ref: '10042' });
  });

  it('does nothing when the issue is already in that status', async () => {
    const { connector } = cloud();
    myself();
    current('2024-05-14T11:50:00.000+0200', [history('cloud', BETH, '2024-05-14T11:50:00.000+0200')], 'Resolved');

    expect(await connector.apply(write('cloud', resolve, { transition: 'Resolved' }))).toEqual({ outcome: 'unchanged', ref: '10042' });
  });

  it('names the available transitions when none fits', async () => {
    const { connector } = cloud();
    myself();
    current(PLANNED);
    http.mock(CLOUD_URL).get('/rest/api/3/issue/10042/transitions').reply(200, fixture('cloud', 'transitions'));

    await expect(connector.apply(write('cloud', { ...resolve, value: 'Closed' }, { transition: 'Closed' }))).rejects.toMatchObject({
      message: expect.stringContaining('"Resolve this issue" → Resolved'),
    });
  });
});

describe('Jira Cloud outbound contract', () => {
  it('refuses an outbound mapping result it does not understand, before any request', async () => {
    const { connector } = cloud();

    await expect(connector.apply(write('cloud', ASSIGN, { assigned_to: 'Network Engineer 1' }))).rejects.toMatchObject({
      details: { code: 'bad-request', hint: expect.stringContaining('mappings/jira-cloud.outbound.jsonata') },
    });
    expect(connector.requestCount()).toBe(0);
  });
});
