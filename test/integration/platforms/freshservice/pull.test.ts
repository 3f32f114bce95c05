import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import type { PullPage } from '../../../../src/platforms/types.js';
import { API_KEY, BASE, NE1, NETWORK, collect, directory, harness, source, ticket, version } from './setup.js';

const http = useHttpMock();

const LIST = '/api/v2/tickets';
const SINCE = '2026-12-05T11:00:00Z';

function ids(pages: PullPage[]): string[] {
  return pages.flatMap((p) => p.records.map((r) => r.nativeId));
}

/** The `Link` header Freshservice sends while another page follows. */
function next(query: Record<string, string | number>): Record<string, string> {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  return { Link: `<${BASE}${LIST}?${params.toString()}>; rel="next"` };
}

const FIRST = { updated_since: SINCE, per_page: '100', order_type: 'asc' };

describe('Freshservice pull (GET /api/v2/tickets?updated_since, Link paging)', () => {
  it('pages by the Link header until there is none, authenticates with the API key as Basic user name, and hands tickets out oldest update first', async () => {
    const { connector } = harness();
    directory(http);
    // Listed by creation time (the API's only order); 2 was updated last, 3 first.
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(1, { updated_at: '2026-12-05T11:10:00Z' }), ticket(2, { updated_at: '2026-12-05T11:30:00Z' })] }, next({ ...FIRST, page: 2 }))
      .get(LIST)
      .query({ ...FIRST, page: '2' })
      .reply(200, { tickets: [ticket(3, { updated_at: '2026-12-05T11:05:00Z' })] });

    const pages = await collect(connector.pull({ from: '2026-12-05T11:00:00.400Z', fields: [] }));

    expect(ids(pages)).toEqual(['3', '1', '2']);
    expect(pages[0]?.records[0]).toMatchObject({ version: version(ticket(3, { updated_at: '2026-12-05T11:05:00Z' })), updatedAt: '2026-12-05T11:05:00.000Z', updatedBy: undefined });
    const auth = http.requests().find((r) => r.url.pathname === LIST)?.headers['authorization'] ?? '';
    expect(Buffer.from(auth.replace('Basic ', ''), 'base64').toString()).toBe(`${API_KEY}:X`);
    expect(http.requests().some((r) => r.url.searchParams.has('include'))).toBe(false);
  });

  it('adds group and agent names to the raw record, as rules and mappings name them', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(7, { group_id: NETWORK, responder_id: NE1 })] });

    const [page] = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(page?.records[0]?.raw).toMatchObject({ group_id: NETWORK, group_name: 'Network Operations', responder_name: 'Network Engineer 1' });
  });

  it('hands out a ticket edited while the pass paged (seen on two pages) once, in its newer version', async () => {
    const { connector } = harness();
    directory(http);
    // Ticket 9 was read on page 1 and, edited meanwhile, shows up again on page 2 (a ticket that entered the window shifted the pages).
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(8, { updated_at: '2026-12-05T11:20:00Z' }), ticket(9, { updated_at: '2026-12-05T11:21:00Z' })] }, next({ ...FIRST, page: 2 }))
      .get(LIST)
      .query({ ...FIRST, page: '2' })
      .reply(200, { tickets: [ticket(9, { updated_at: '2026-12-05T11:50:00Z', status: 3 }), ticket(10, { updated_at: '2026-12-05T11:22:00Z' })] });

    const pages = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(ids(pages)).toEqual(['8', '10', '9']);
    expect(pages.flatMap((p) => p.records).find((r) => r.nativeId === '9')).toMatchObject({ version: version(ticket(9, { updated_at: '2026-12-05T11:50:00Z', status: 3 })), raw: { status: 3 } });
  });

  it('leaves tickets updated in the seconds the pass was listing to the next pass, which starts below them and reads them whole', async () => {
    const { connector, clock } = harness();
    directory(http);
    // The server answered the first page at 12:00:00; ticket 12 changed at 11:59:59, possibly while later pages were read.
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(11, { updated_at: '2026-12-05T11:40:00Z' }), ticket(12, { updated_at: '2026-12-05T11:59:59Z' })] }, { Date: 'Sat, 05 Dec 2026 12:00:00 GMT' });

    const first = await collect(connector.pull({ from: SINCE, fields: [] }));
    expect(ids(first)).toEqual(['11']);

    clock.now += 60_000;
    http
      .mock(BASE)
      .get(LIST)
      .query({ ...FIRST, updated_since: '2026-12-05T11:38:00Z' })
      .reply(200, { tickets: [ticket(11, { updated_at: '2026-12-05T11:40:00Z' }), ticket(12, { updated_at: '2026-12-05T12:00:01Z' })] }, { Date: 'Sat, 05 Dec 2026 12:01:00 GMT' });
    // The sync loop asks from its watermark (11:40:00) less the overlap (120 s).
    const second = await collect(connector.pull({ from: '2026-12-05T11:38:00.000Z', fields: [] }));

    expect(ids(second)).toEqual(['11', '12']);
    expect(second[0]?.records[1]?.version).toBe(version(ticket(12, { updated_at: '2026-12-05T12:00:01Z' })));
  });

  it('keeps tickets updated in the same second apart, in id order, so the watermark never passes one that was not handed out', async () => {
    const { connector } = harness();
    directory(http);
    const same = '2026-12-05T11:30:00Z';
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(31, { updated_at: same }), ticket(5, { updated_at: same }), ticket(17, { updated_at: same })] });

    const pages = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(ids(pages)).toEqual(['5', '17', '31']);
    expect(new Set(pages.flatMap((p) => p.records.map((r) => r.version)))).toEqual(new Set([version(ticket(5, { updated_at: same }))]));
  });

  it('lists each configured workspace, and a ticket moved between them while paging once, in its newer version', async () => {
    const { connector } = harness(source({ workspaces: [2, 3] }));
    directory(http, { workspaces: [2, 3] });
    http
      .mock(BASE)
      .get(LIST)
      .query({ ...FIRST, workspace_id: '2' })
      .reply(200, { tickets: [ticket(40, { workspace_id: 2, updated_at: '2026-12-05T11:10:00Z' }), ticket(41, { workspace_id: 2, updated_at: '2026-12-05T11:11:00Z' })] })
      .get(LIST)
      .query({ ...FIRST, workspace_id: '3' })
      .reply(200, { tickets: [ticket(41, { workspace_id: 3, updated_at: '2026-12-05T11:45:00Z' }), ticket(50, { workspace_id: 3, updated_at: '2026-12-05T11:05:00Z' })] });

    const pages = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(ids(pages)).toEqual(['50', '40', '41']);
    expect(pages.flatMap((p) => p.records).find((r) => r.nativeId === '41')?.raw).toMatchObject({ workspace_id: 3 });
  });

  it('waits out a 429 for its Retry-After and counts the refused request', async () => {
    const { connector, sleeps } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(
        429,
        { message: 'You have exceeded the limit of requests per minute' },
        { 'Retry-After': '7', 'X-RateLimit-Total': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Used-CurrentRequest': '1' },
      )
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(1)] }, { 'X-RateLimit-Total': '100', 'X-RateLimit-Remaining': '97', 'X-RateLimit-Used-CurrentRequest': '1' });

    const pages = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(ids(pages)).toEqual(['1']);
    expect(sleeps).toContain(7000);
    // groups, agents, the refused list page and its retry
    expect(connector.requestCount()).toBe(4);
  });

  it('holds the next request until the next minute when X-RateLimit-Remaining says the budget is spent, instead of buying a 429', async () => {
    const { connector, sleeps } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [ticket(1)] }, { ...next({ ...FIRST, page: 2 }), 'X-RateLimit-Total': '100', 'X-RateLimit-Remaining': '0', Date: 'Sat, 05 Dec 2026 11:59:45 GMT' })
      .get(LIST)
      .query({ ...FIRST, page: '2' })
      .reply(200, { tickets: [ticket(2)] }, { 'X-RateLimit-Total': '100', 'X-RateLimit-Remaining': '99' });

    const pages = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(ids(pages)).toEqual(['1', '2']);
    expect(sleeps).toContain(15_000);
    expect(connector.requestCount()).toBe(4);
  });

  it('quarantines a ticket without an id or updated_at and hands out the rest', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(LIST)
      .query(FIRST)
      .reply(200, { tickets: [{ subject: 'broken' }, ticket(2)] });

    const [page] = await collect(connector.pull({ from: SINCE, fields: [] }));

    expect(page?.records.map((r) => r.nativeId)).toEqual(['2']);
    expect(page?.unreadable).toHaveLength(1);
    expect(page?.unreadable[0]?.error).toMatch(/not a Freshservice ticket/);
  });

  it('reads all history on the first pull (updated_since at the epoch: without it Freshservice lists only 30 days), or from startFrom', async () => {
    const { connector } = harness(source({ startFrom: '2026-11-01T00:00:00Z' }));
    directory(http);
    http
      .mock(BASE)
      .get(LIST)
      .query({ ...FIRST, updated_since: '2026-11-01T00:00:00Z' })
      .reply(200, { tickets: [] });

    const pages = await collect(connector.pull({ from: null, fields: [] }));

    expect(pages).toEqual([{ records: [], unreadable: [] }]);
  });
});
