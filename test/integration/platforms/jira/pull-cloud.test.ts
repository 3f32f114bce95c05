import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { CLOUD_ME, CLOUD_URL, MARKER, collect, fixture, harness, source, write } from './setup.js';

const http = useHttpMock();

/** What the inbound mapping asks for (a subset), plus names that are not Jira fields. */
const REQUESTED = ['id', 'key', 'summary', 'status', 'priority', 'components', 'assignee', 'updated', 'changelog', 'customfield_10050'];
const FIELDS = ['summary', 'status', 'priority', 'components', 'assignee', 'updated', 'customfield_10050', 'comment'];
const JQL = '(project = ITSM AND issuetype = Incident) AND updated >= "2024-05-14 11:14" ORDER BY updated ASC, id ASC';

function cloud() {
  return harness(source('cloud', { groupField: 'customfield_10050', pageSize: 2 }));
}

function myself() {
  http.mock(CLOUD_URL).get('/rest/api/3/myself').reply(200, fixture('cloud', 'myself'));
}

describe('Jira Cloud pull', () => {
  it("follows nextPageToken on /rest/api/3/search/jql while a page stays within one minute, with the bound in the user's time zone", async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql', { jql: JQL, fields: FIELDS, maxResults: 2, expand: 'changelog' })
      .reply(200, fixture('cloud', 'search-one-minute-page-1'))
      .post('/rest/api/3/search/jql', { jql: JQL, fields: FIELDS, maxResults: 2, expand: 'changelog', nextPageToken: 'CAEaAggD' })
      .reply(200, fixture('cloud', 'search-page-2'));

    // 09:14:59.999 UTC is 11:14:59 in Berlin (CEST); JQL has no seconds, so the bound is 11:14.
    const pages = await collect(connector.pull({ from: '2024-05-14T09:14:59.999Z', fields: REQUESTED }));

    // Issues of the last minute read are held back until the pull is past it, so pages regroup.
    expect(pages.flatMap((page) => page.records.map((record) => record.raw.key))).toEqual(['ITSM-42', 'ITSM-43', 'ITSM-44']);
    // The old /rest/api/3/search answers 410 Gone; it must never be called.
    expect(http.requests().map((request) => `${request.method} ${request.url.pathname}`)).toEqual(['GET /rest/api/3/myself', 'POST /rest/api/3/search/jql', 'POST /rest/api/3/search/jql']);
  });

  it('re-anchors on the last minute seen instead of following a token an edit between pages could shift', async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql', { jql: JQL, fields: FIELDS, maxResults: 2, expand: 'changelog' })
      .reply(200, fixture('cloud', 'search-page-1'))
      // Page 1 ended at 11:20:41: a fresh query from 11:20, without the token.
      .post('/rest/api/3/search/jql', {
        jql: '(project = ITSM AND issuetype = Incident) AND updated >= "2024-05-14 11:20" ORDER BY updated ASC, id ASC',
        fields: FIELDS,
        maxResults: 2,
        expand: 'changelog',
      })
      .reply(200, fixture('cloud', 'search-from-1120'));

    const pages = await collect(connector.pull({ from: '2024-05-14T09:14:59.999Z', fields: REQUESTED }));

    // ITSM-43 comes back at the top of the second query and is dropped as already yielded.
    // Issues of the last minute read are held back until the pull is past it, so pages regroup.
    expect(pages.flatMap((page) => page.records.map((record) => record.raw.key))).toEqual(['ITSM-42', 'ITSM-43', 'ITSM-44']);
  });

  it("reads id, updated and the last change's author into the record, with the fields lifted to the top of raw", async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).post('/rest/api/3/search/jql').reply(200, fixture('cloud', 'search-page-1')).post('/rest/api/3/search/jql').reply(200, fixture('cloud', 'search-from-1120'));

    const [page] = await collect(connector.pull({ from: '2024-05-14T09:14:00Z', fields: REQUESTED }));

    const [first, second] = page?.records ?? [];
    expect(first).toMatchObject({
      nativeId: '10042',
      // Exactly as Jira sent it: (id, updated) is the ledger key.
      version: '2024-05-14T11:16:05.200+0200',
      updatedAt: '2024-05-14T09:16:05.200Z',
      // The most recent history entry, whatever order the histories came in.
      updatedBy: '5b10ac8d82e05b22cc7d4ef5',
    });
    expect(first?.raw).toMatchObject({ id: '10042', key: 'ITSM-42', summary: 'VPN drops every 10 minutes', customfield_10050: { value: 'Service Desk' } });
    expect(first?.raw).not.toHaveProperty('fields');
    expect((first?.raw.changelog as { histories: unknown[] }).histories).toHaveLength(1);
    // No changelog at all (a new issue): nobody to attribute it to.
    expect(second?.updatedBy).toBeUndefined();
  });

  it('attributes a change to the integration user by accountId, so own writes are recognised', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).post('/rest/api/3/search/jql').reply(200, fixture('cloud', 'search-page-2'));

    const [page] = await collect(connector.pull({ from: '2024-05-14T09:30:00Z', fields: REQUESTED }));

    expect(page?.records[0]?.updatedBy).toBe(CLOUD_ME);
  });

  it('quarantines an issue without an update time and returns the rest of the page', async () => {
    const { connector } = cloud();
    myself();
    http.mock(CLOUD_URL).post('/rest/api/3/search/jql').reply(200, fixture('cloud', 'search-malformed-issue'));

    const [page] = await collect(connector.pull({ from: '2024-05-15T07:00:00Z', fields: REQUESTED }));

    expect(page?.records.map((record) => record.raw.key)).toEqual(['ITSM-45', 'ITSM-47']);
    expect(page?.unreadable).toHaveLength(1);
    expect(page?.unreadable[0]?.error).toContain('fields.updated');
    expect(page?.unreadable[0]?.raw).toMatchObject({ key: 'ITSM-46' });
  });

  it('omits the bound when pulling from the beginning', async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql', { jql: '(project = ITSM AND issuetype = Incident) ORDER BY updated ASC, id ASC', fields: FIELDS, maxResults: 2, expand: 'changelog' })
      .reply(200, fixture('cloud', 'search-empty'));

    const pages = await collect(connector.pull({ from: null, fields: REQUESTED }));

    expect(pages).toEqual([{ records: [], unreadable: [] }]);
  });

  it('asks for the first component when no group field is configured', async () => {
    const { connector } = harness(source('cloud'));
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/api/3/search/jql', (body: { fields: string[] }) => body.fields.join(',') === 'summary,updated,comment,components')
      .reply(200, fixture('cloud', 'search-empty'));

    await collect(connector.pull({ from: null, fields: ['summary', 'key'] }));
  });

  it('passes the issues it just wrote as reconcileIssues, so its own changes are searchable at once', async () => {
    const { connector } = cloud();
    myself();
    http
      .mock(CLOUD_URL)
      .post('/rest/servicedeskapi/request/10042/comment')
      .reply(201, fixture('cloud', 'servicedesk-comment-created'))
      .post('/rest/api/3/search/jql', { jql: JQL, fields: FIELDS, maxResults: 2, expand: 'changelog', reconcileIssues: [10042] })
      .reply(200, fixture('cloud', 'search-empty'));
    const text = `Routed to Network Operations.\n\n(${MARKER})`;
    await connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: text }, { comment: text, public: false }, { firstAttempt: true }));

    await collect(connector.pull({ from: '2024-05-14T09:14:00Z', fields: REQUESTED }));
  });

  it('recognises an update made by its own comment, which leaves no changelog entry', async () => {
    const { connector } = cloud();
    myself();
    const issue = (fixture('cloud', 'search-page-1') as { issues: Record<string, { updated: string } & Record<string, unknown>>[] }).issues[0];
    // Beth changed the priority; then deskbridge commented at 11:45:00 (servicedesk-comment-created.json).
    const commented = { ...issue, fields: { ...issue?.fields, updated: '2024-05-14T11:45:00.004+0200' } };
    http
      .mock(CLOUD_URL)
      .post('/rest/servicedeskapi/request/10042/comment')
      .reply(201, fixture('cloud', 'servicedesk-comment-created'))
      .post('/rest/api/3/search/jql')
      .reply(200, { issues: [commented], isLast: true });
    const text = `Routed.\n\n(${MARKER})`;
    await connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: text }, { comment: text, public: false }, { firstAttempt: true }));

    const [page] = await collect(connector.pull({ from: '2024-05-14T09:14:00Z', fields: REQUESTED }));

    expect(page?.records[0]?.updatedBy).toBe(CLOUD_ME);
  });

  it('refuses a source jql with its own ORDER BY when the connector is built', () => {
    expect(() => harness(source('cloud', { jql: 'project = ITSM ORDER BY created DESC' }))).toThrow('ORDER BY');
    expect(() => harness(source('cloud', { jql: 'summary ~ "order by mistake"' }))).not.toThrow();
  });
});

describe('Jira Cloud get', () => {
  it('fetches an issue by key with the changelog, and returns null for one that does not exist', async () => {
    const { connector } = cloud();
    myself();
    const issue = (fixture('cloud', 'search-page-1') as { issues: unknown[] }).issues[0];
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/issue/ITSM-42')
      .query({ fields: 'summary,updated,comment,customfield_10050', expand: 'changelog' })
      .reply(200, issue as Record<string, unknown>)
      .get('/rest/api/3/issue/ITSM-404')
      .query(true)
      .reply(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });

    expect(await connector.get('ITSM-42', ['summary'])).toMatchObject({ nativeId: '10042', version: '2024-05-14T11:16:05.200+0200' });
    expect(await connector.get('ITSM-404', ['summary'])).toBeNull();
  });

  it('refuses a reference that is neither an id nor a key, before any request', async () => {
    const { connector } = cloud();

    await expect(connector.get('../myself', [])).rejects.toMatchObject({ details: { code: 'bad-request' } });
    expect(connector.requestCount()).toBe(0);
  });
});
