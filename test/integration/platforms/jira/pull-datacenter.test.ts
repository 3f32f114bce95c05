import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { DC_ME, DC_URL, collect, fixture, harness, source } from './setup.js';

const http = useHttpMock();

const REQUESTED = ['key', 'summary', 'status', 'components', 'updated', 'changelog'];
const FIELDS = ['summary', 'status', 'components', 'updated', 'comment'];
const FILTER = '(project = ITSM AND issuetype = Incident)';

function search(bound: string, startAt: number) {
  return {
    jql: `${FILTER} AND updated >= "${bound}" ORDER BY updated ASC, id ASC`,
    startAt,
    maxResults: 3,
    fields: FIELDS,
    expand: ['changelog'],
  };
}

function myself(body: unknown = fixture('datacenter', 'myself')) {
  http
    .mock(DC_URL)
    .get('/rest/api/2/myself')
    .reply(200, body as Record<string, unknown>);
}

describe('Jira Data Center pull', () => {
  it('re-anchors each page on the last minute seen, so an issue edited mid-pass shifts nothing out of the pass', async () => {
    const { connector } = harness(source('datacenter', { pageSize: 3 }));
    myself();
    http
      .mock(DC_URL)
      // 13:00:30 UTC is 09:00 in New York (EDT), the integration user's zone.
      .post('/rest/api/2/search', search('2024-05-14 09:00', 0))
      .reply(200, fixture('datacenter', 'search-page-1'))
      // Page 1 ended with two issues in minute 09:01: start there, skip one of them (one is re-read
      // as a margin). ITSM-102 was edited meanwhile and left that minute, so ITSM-104 moved up into
      // the place a plain `startAt: 3` would have skipped.
      .post('/rest/api/2/search', search('2024-05-14 09:01', 1))
      .reply(200, fixture('datacenter', 'search-after-shift-from-0901'));

    const pages = await collect(connector.pull({ from: '2024-05-14T13:00:30Z', fields: REQUESTED }));

    // Issues of the last minute read are held back until the pull is past it, so pages regroup.
    expect(pages.flatMap((page) => page.records.map((record) => `${String(record.raw.key)}@${record.updatedAt.slice(11, 19)}`))).toEqual([
      'ITSM-101@13:00:10',
      'ITSM-102@13:01:05',
      'ITSM-103@13:01:30',
      'ITSM-104@13:02:00',
      'ITSM-105@13:03:00',
      // The edited issue comes again with its new version; the sync loop processes that version too.
      'ITSM-102@13:05:45',
    ]);
  });

  it('yields an issue re-read at a page boundary only once per pass', async () => {
    const { connector } = harness(source('datacenter', { pageSize: 3 }));
    myself();
    http
      .mock(DC_URL)
      .post('/rest/api/2/search', search('2024-05-14 09:00', 0))
      .reply(200, fixture('datacenter', 'search-page-1'))
      .post('/rest/api/2/search', search('2024-05-14 09:01', 1))
      .reply(200, fixture('datacenter', 'search-from-0901'));

    const pages = await collect(connector.pull({ from: '2024-05-14T13:00:30Z', fields: REQUESTED }));

    // ITSM-103 is the re-read margin on page 2.
    expect(pages.flatMap((page) => page.records.map((record) => record.raw.key))).toEqual(['ITSM-101', 'ITSM-102', 'ITSM-103', 'ITSM-104', 'ITSM-105']);
  });

  it("reads the version, UTC time and the author's username from a v2 issue", async () => {
    const { connector } = harness(source('datacenter', { pageSize: 3 }));
    myself();
    http
      .mock(DC_URL)
      .post('/rest/api/2/search', search('2024-05-14 09:00', 0))
      .reply(200, { ...(fixture('datacenter', 'search-page-1') as object), total: 3 });

    const [page] = await collect(connector.pull({ from: '2024-05-14T13:00:00Z', fields: REQUESTED }));

    expect(page?.records[0]).toMatchObject({
      nativeId: '20001',
      version: '2024-05-14T09:00:10.000-0400',
      updatedAt: '2024-05-14T13:00:10.000Z',
      updatedBy: 'beth.anglin',
    });
    expect(page?.records[0]?.raw.description).toBe('Reported by phone.\n\nSince Monday the client disconnects.');
  });

  it("returns the integration user's username from init", async () => {
    const { connector } = harness(source('datacenter'));
    myself();

    expect(await connector.init()).toEqual({ integrationUser: DC_ME });
  });

  it('widens the bound to the westernmost zone and warns when the user has no known time zone', async () => {
    const { connector, logs } = harness(source('datacenter', { pageSize: 3 }));
    const { timeZone: _dropped, ...withoutZone } = fixture('datacenter', 'myself');
    myself(withoutZone);
    http
      .mock(DC_URL)
      // 13:00 UTC printed in UTC−12: read in any real zone, it is at or before 13:00 UTC.
      .post('/rest/api/2/search', search('2024-05-14 01:00', 0))
      .reply(200, fixture('datacenter', 'search-empty'));

    await collect(connector.pull({ from: '2024-05-14T13:00:00Z', fields: REQUESTED }));

    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'Jira user time zone unknown' }));
  });

  it('never calls the Cloud search endpoint', async () => {
    const { connector } = harness(source('datacenter', { pageSize: 3 }));
    myself();
    http.mock(DC_URL).post('/rest/api/2/search').reply(200, fixture('datacenter', 'search-empty'));

    await collect(connector.pull({ from: null, fields: REQUESTED }));

    expect(http.requests().map((request) => request.url.pathname)).toEqual(['/rest/api/2/myself', '/rest/api/2/search']);
  });
});
