import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, READ_PARAMS, collect, fixture, harness, source } from './setup.js';

const http = useHttpMock();

const FIELDS = ['number', 'short_description', 'state', 'priority', 'assignment_group', 'assigned_to', 'cmdb_ci', 'category'];
const SYSPARM_FIELDS = 'number,short_description,state,priority,assignment_group,assigned_to,cmdb_ci,category,sys_id,sys_mod_count,sys_updated_on,sys_updated_by';
const ORDER = '^ORDERBYsys_updated_on^ORDERBYsys_id';

function pageQuery(sysparmQuery: string, limit: number) {
  return {
    sysparm_query: sysparmQuery,
    sysparm_fields: SYSPARM_FIELDS,
    sysparm_limit: String(limit),
    ...READ_PARAMS,
    sysparm_no_count: 'true',
  };
}

describe('ServiceNow pull', () => {
  it('pages by keyset (sys_updated_on, sys_id) and repeats the boundary second for page 2', async () => {
    const { connector } = harness(source({ pageSize: 3 }));
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query(pageQuery(`sys_updated_on>=2024-05-14 09:00:00${ORDER}`, 3))
      .reply(200, fixture('incidents-page-1'))
      .get('/api/now/table/incident')
      .query(pageQuery('sys_updated_on>2024-05-14 09:15:42^NQsys_updated_on=2024-05-14 09:15:42^sys_id>46c1b0f71b6d41109a5de1f2c3b4a522' + ORDER, 3))
      .reply(200, fixture('incidents-page-2'))
      .get('/api/now/table/incident')
      .query(pageQuery('sys_updated_on>2024-05-14 09:20:11^NQsys_updated_on=2024-05-14 09:20:11^sys_id>1b77c0de1b6d41109a5de1f2c3b4a555' + ORDER, 3))
      .reply(200, fixture('incidents-page-3'));

    const pages = await collect(connector.pull({ from: '2024-05-14T09:00:00.000Z', fields: FIELDS }));

    expect(pages.map((page) => page.records.map((record) => record.nativeId))).toEqual([
      ['0a1f6c3e1b2d41109a5de1f2c3b4a5d6', 'e8c7a2b91b6d41109a5de1f2c3b4a511', '46c1b0f71b6d41109a5de1f2c3b4a522'],
      // Same second as the end of page 1: found through the `=ts^sys_id>` branch, not skipped.
      ['57a9d2c41b6d41109a5de1f2c3b4a533', '9d38e1aa1b6d41109a5de1f2c3b4a544', '1b77c0de1b6d41109a5de1f2c3b4a555'],
      ['c0ffee001b6d41109a5de1f2c3b4a566'],
    ]);
    expect(pages.flatMap((page) => page.unreadable)).toEqual([]);
    expect(connector.requestCount()).toBe(3);
  });

  it('repeats the source query in every ^NQ branch', async () => {
    const { connector } = harness(source({ pageSize: 3, query: 'active=true^assignment_groupISNOTEMPTY' }));
    const q = 'active=true^assignment_groupISNOTEMPTY';
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query(pageQuery(`${q}^sys_updated_on>=2024-05-14 09:00:00${ORDER}`, 3))
      .reply(200, fixture('incidents-page-1'))
      .get('/api/now/table/incident')
      .query(pageQuery(`${q}^sys_updated_on>2024-05-14 09:15:42^NQ${q}^sys_updated_on=2024-05-14 09:15:42^sys_id>46c1b0f71b6d41109a5de1f2c3b4a522${ORDER}`, 3))
      .reply(200, fixture('empty-result'));

    const pages = await collect(connector.pull({ from: '2024-05-14T09:00:00Z', fields: FIELDS }));

    expect(pages.map((page) => page.records.length)).toEqual([3, 0]);
  });

  it('omits the lower bound when pulling from the beginning', async () => {
    const { connector } = harness(source({ pageSize: 3 }));
    http.mock(BASE_URL).get('/api/now/table/incident').query(pageQuery('ORDERBYsys_updated_on^ORDERBYsys_id', 3)).reply(200, fixture('incidents-page-3'));

    const pages = await collect(connector.pull({ from: null, fields: FIELDS }));

    expect(pages).toHaveLength(1);
  });

  it('asks only for the requested fields plus the envelope, and reads the envelope from stored values', async () => {
    const { connector } = harness(source({ pageSize: 3 }));
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query(pageQuery(`sys_updated_on>=2024-05-14 09:12:03${ORDER}`, 3))
      .reply(200, fixture('incidents-page-3'));

    const [page] = await collect(connector.pull({ from: '2024-05-14T09:12:03Z', fields: FIELDS }));

    const record = page?.records[0];
    expect(record).toMatchObject({
      nativeId: 'c0ffee001b6d41109a5de1f2c3b4a566',
      version: '2',
      // The stored value is UTC; the display value (02:31:58, the user's zone) is ignored.
      updatedAt: '2024-05-14T09:31:58Z',
      updatedBy: 'beth.anglin',
    });
    expect(record?.raw.assignment_group).toEqual({ display_value: 'Network', value: '287ebd7da9fe198100f92cc8d1d2154e' });
  });

  it('converts a non-UTC lower bound to UTC before querying', async () => {
    const { connector } = harness(source({ pageSize: 3 }));
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query(pageQuery(`sys_updated_on>=2024-05-14 09:00:00${ORDER}`, 3))
      .reply(200, fixture('empty-result'));

    await collect(connector.pull({ from: '2024-05-14T11:00:00+02:00', fields: FIELDS }));
  });

  it('quarantines a record without sys_id and returns the rest of the page', async () => {
    const { connector } = harness(source({ pageSize: 10 }));
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query(pageQuery(`sys_updated_on>=2024-05-15 07:00:00${ORDER}`, 10))
      .reply(200, fixture('incidents-malformed-record'));

    const [page] = await collect(connector.pull({ from: '2024-05-15T07:00:00Z', fields: FIELDS }));

    expect(page?.records.map((record) => record.raw.number)).toEqual([
      { display_value: 'INC0010240', value: 'INC0010240' },
      { display_value: 'INC0010242', value: 'INC0010242' },
    ]);
    expect(page?.unreadable).toHaveLength(1);
    expect(page?.unreadable[0]?.error).toContain('sys_id');
    expect(page?.unreadable[0]?.raw).toMatchObject({ number: { value: 'INC0010241' } });
  });

  it('fails with bad-response when the instance answers with HTML instead of JSON', async () => {
    const { connector } = harness(source({ pageSize: 3 }), { retryOverrides: { maxRetries: 0 } });
    http.mock(BASE_URL).get('/api/now/table/incident').query(true).reply(200, '<html><body>Your instance is hibernating</body></html>', { 'Content-Type': 'text/html' });

    await expect(collect(connector.pull({ from: null, fields: FIELDS }))).rejects.toMatchObject({
      name: 'PlatformError',
      details: { code: 'bad-response' },
    });
  });

  it('rejects an unsafe field name before any request', async () => {
    const { connector } = harness();

    await expect(collect(connector.pull({ from: null, fields: ['number,sys_created_by'] }))).rejects.toMatchObject({
      details: { code: 'bad-request', retryable: false },
    });
    expect(connector.requestCount()).toBe(0);
  });
});

describe('ServiceNow get', () => {
  it('fetches by sys_id', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident/e8c7a2b91b6d41109a5de1f2c3b4a511')
      .query({ sysparm_fields: 'number,state,sys_id,sys_mod_count,sys_updated_on,sys_updated_by', ...READ_PARAMS })
      .reply(200, fixture('incident-by-sys-id'));

    const record = await connector.get('e8c7a2b91b6d41109a5de1f2c3b4a511', ['number', 'state']);

    expect(record).toMatchObject({ nativeId: 'e8c7a2b91b6d41109a5de1f2c3b4a511', version: '2', updatedAt: '2024-05-14T10:01:15Z' });
  });

  it('returns null for a sys_id that does not exist', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).get('/api/now/table/incident/00000000000000000000000000000000').query(true).reply(404, fixture('error-404'));

    expect(await connector.get('00000000000000000000000000000000', [])).toBeNull();
  });

  it('fetches by number and returns null when nothing matches', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get('/api/now/table/incident')
      .query({
        sysparm_query: 'number=INC0099999',
        sysparm_fields: 'sys_id,sys_mod_count,sys_updated_on,sys_updated_by,number',
        sysparm_limit: '1',
        ...READ_PARAMS,
        sysparm_no_count: 'true',
      })
      .reply(200, fixture('empty-result'));

    expect(await connector.get('INC0099999', [])).toBeNull();
  });

  it('refuses a number that would inject query conditions, without sending anything', async () => {
    const { connector } = harness();

    await expect(connector.get('INC0010001^NQactive=true', [])).rejects.toMatchObject({
      name: 'PlatformError',
      details: { code: 'bad-request', retryable: false },
    });
    expect(connector.requestCount()).toBe(0);
  });
});
