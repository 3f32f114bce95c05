import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { collect } from '../../../helpers/connector-harness.js';
import { BASE_URL, DATE_HEADER, harness, mockDirectory, source, ticket } from './setup.js';

const http = useHttpMock();
const FROM = '2026-03-02T10:00:00.000Z';

function ids(pages: { records: { nativeId: string; version: string }[] }[]): string[] {
  return pages.flatMap((page) => page.records.map((record) => `${record.nativeId}@${record.version}`));
}

describe('Freshservice pull', () => {
  it('follows the Link header across pages and hands tickets out oldest update first, ties by id', async () => {
    mockDirectory(http);
    const link = `<${BASE_URL}/api/v2/tickets?updated_since=2026-03-02T10%3A00%3A00Z&per_page=2&order_type=asc&page=2>; rel="next"`;
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets')
      .query({ updated_since: '2026-03-02T10:00:00Z', per_page: '2', order_type: 'asc' })
      .reply(200, { tickets: [ticket(1, '2026-03-02T11:00:05Z'), ticket(2, '2026-03-02T10:30:00Z')] }, { ...DATE_HEADER, Link: link })
      .get('/api/v2/tickets')
      .query({ updated_since: '2026-03-02T10:00:00Z', per_page: '2', order_type: 'asc', page: '2' })
      .reply(200, { tickets: [ticket(4, '2026-03-02T11:00:05Z'), ticket(3, '2026-03-02T11:00:05Z')] }, DATE_HEADER);
    const { connector } = harness(source({ pageSize: 2 }));
    const pages = await collect(connector.pull({ from: FROM, fields: [] }));
    expect(ids(pages)).toEqual(['2@2026-03-02T10:30:00.000Z', '1@2026-03-02T11:00:05.000Z', '3@2026-03-02T11:00:05.000Z', '4@2026-03-02T11:00:05.000Z']);
    expect(pages.every((page) => page.records.length <= 2)).toBe(true);
  });

  it('holds back tickets updated while the pass pages (at or after the first page was served), so the watermark cannot pass an edit it read in its old version', async () => {
    mockDirectory(http);
    // Ticket 7 was edited during paging: its update time is after the first page was served.
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets')
      .query(true)
      .reply(200, { tickets: [ticket(5, '2026-03-02T11:59:00Z'), ticket(7, '2026-03-02T12:00:03Z'), ticket(6, '2026-03-02T11:59:59Z')] }, DATE_HEADER);
    const { connector } = harness();
    const pages = await collect(connector.pull({ from: FROM, fields: [] }));
    expect(ids(pages)).toEqual(['5@2026-03-02T11:59:00.000Z']);
  });

  it('reads each configured workspace and hands a ticket moved between them out once, in its newest version', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets')
      .query({ updated_since: '2026-03-02T10:00:00Z', per_page: '100', order_type: 'asc', workspace_id: '2' })
      .reply(200, { tickets: [ticket(1, '2026-03-02T10:10:00Z'), ticket(2, '2026-03-02T10:20:00Z', { group_id: 12 })] }, DATE_HEADER)
      .get('/api/v2/tickets')
      .query({ updated_since: '2026-03-02T10:00:00Z', per_page: '100', order_type: 'asc', workspace_id: '3' })
      .reply(200, { tickets: [ticket(2, '2026-03-02T10:40:00Z', { workspace_id: 3 }), ticket(9, '2026-03-02T10:20:00Z', { workspace_id: 3 })] }, DATE_HEADER);
    const { connector } = harness(source({ workspaces: [2, 3] }));
    const pages = await collect(connector.pull({ from: FROM, fields: [] }));
    expect(ids(pages)).toEqual(['1@2026-03-02T10:10:00.000Z', '9@2026-03-02T10:20:00.000Z', '2@2026-03-02T10:40:00.000Z']);
  });

  it('adds group and agent names and asks for everything with updated_since when there is no lower bound (without it only 30 days are listed)', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets')
      .query({ updated_since: '1970-01-01T00:00:00Z', per_page: '100', order_type: 'asc' })
      .reply(200, { tickets: [ticket(1, '2026-03-02T10:10:00Z', { group_id: 12, responder_id: 21 })] }, DATE_HEADER);
    const { connector } = harness();
    const [page] = await collect(connector.pull({ from: null, fields: [] }));
    expect(page?.records[0]?.raw).toMatchObject({ group_name: 'Network Operations', responder_name: 'Ada Lovelace' });
    expect(page?.records[0]?.updatedBy).toBeUndefined();
  });

  it('waits out a 429 for its Retry-After and sends the key as the Basic user name, never logging it', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets')
      .query(true)
      .reply(429, { message: 'You have exceeded the limit of requests per minute' }, { 'Retry-After': '7', 'X-RateLimit-Remaining': '0' })
      .get('/api/v2/tickets')
      .query(true)
      .reply(200, { tickets: [ticket(1, '2026-03-02T10:10:00Z')] }, DATE_HEADER);
    const { connector, sleeps, logs } = harness();
    const pages = await collect(connector.pull({ from: FROM, fields: [] }));
    expect(ids(pages)).toEqual(['1@2026-03-02T10:10:00.000Z']);
    expect(sleeps).toContain(7000);
    const auth = http.requests()[0]?.headers['authorization'];
    expect(auth).toBe(`Basic ${Buffer.from('fs-api-key-do-not-log:X').toString('base64')}`);
    expect(JSON.stringify(logs)).not.toContain('fs-api-key-do-not-log');
  });

  it('quarantines a listed item that is not a ticket instead of failing the pass', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets')
      .query(true)
      .reply(200, { tickets: [{ subject: 'no id' }, ticket(1, '2026-03-02T10:10:00Z')] }, DATE_HEADER);
    const { connector } = harness();
    const pages = await collect(connector.pull({ from: FROM, fields: [] }));
    expect(pages[0]?.unreadable).toHaveLength(1);
    expect(ids(pages)).toEqual(['1@2026-03-02T10:10:00.000Z']);
  });
});
