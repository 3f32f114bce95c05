import { describe, expect, it } from 'vitest';
import { useHttpMock } from '../../../helpers/http-mock.js';
import type { PullPage } from '../../../../src/platforms/types.js';
import { BASE, ME, NETWORK, TOKEN, collect, directory, harness, source, ticket, updated, versionOf, write } from './setup.js';

const http = useHttpMock();

const NOW = Date.parse('2026-12-05T12:00:00Z');
const EXPORT = '/api/v2/incremental/tickets/cursor.json';

function me() {
  http
    .mock(BASE)
    .get('/api/v2/users/me.json')
    .reply(200, { user: { id: ME, name: 'deskbridge', email: 'deskbridge@acme.example', role: 'admin' } });
}

function page(tickets: Record<string, unknown>[], after: string | null, end: boolean) {
  return {
    tickets,
    after_url: after === null ? null : `${BASE}${EXPORT}?cursor=${after}`,
    after_cursor: after,
    before_url: null,
    before_cursor: null,
    end_of_stream: end,
  };
}

function ids(pages: PullPage[]): string[] {
  return pages.flatMap((p) => p.records.map((r) => r.nativeId));
}

describe('Zendesk pull (cursor-based incremental ticket export)', () => {
  it('starts with start_time, pages on with after_cursor until end_of_stream, and authenticates as {email}/token', async () => {
    const { connector, sleeps } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(EXPORT)
      .query({ start_time: String(Date.parse('2026-12-05T11:00:00Z') / 1000), per_page: '1000' })
      .reply(200, page([ticket(1), ticket(2)], 'MTU3NjYxMzUzOS4wfHw0NTF8', false))
      .get(EXPORT)
      .query({ cursor: 'MTU3NjYxMzUzOS4wfHw0NTF8', per_page: '1000' })
      .reply(200, page([ticket(3, { updated_at: '2026-12-05T11:30:00Z' })], 'MTU3NjYxMzUzOS4wfHw0NTJ8', true));

    const pages = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(ids(pages)).toEqual(['1', '2', '3']);
    const auth = http.requests()[2]?.headers['authorization'] ?? '';
    expect(Buffer.from(auth.replace('Basic ', ''), 'base64').toString()).toBe(`deskbridge@acme.example/token:${TOKEN}`);
    // The second export request waited for the export's own pace (10 a minute), the first did not.
    expect(sleeps).toEqual([6000]);
  });

  it('names group, assignee and requester for the mappings, and gives each ticket a version of updated_at plus a digest', async () => {
    const { connector } = harness();
    directory(http);
    const raw = ticket(7, { group_id: NETWORK, assignee_id: 900101 });
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(200, page([raw], null, true));

    const [first] = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    const record = first?.records[0];
    expect(record?.raw).toMatchObject({ group_name: 'Network Operations', assignee_name: 'Network Engineer 1' });
    expect(record?.version).toBe(versionOf(raw));
    expect(record?.version).toMatch(/^2026-12-05T11:00:00Z\|[0-9a-f]{12}$/);
  });

  it('clamps a start_time within the last minute, which the export refuses, to 70 s ago', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(EXPORT)
      .query({ start_time: String(NOW / 1000 - 70), per_page: '1000' })
      .reply(200, page([], null, true));

    await collect(connector.pull({ from: new Date(NOW - 10_000).toISOString(), fields: [] }));
  });

  it('steps back a minute once when Zendesk still answers 400 "Too recent start_time" (its clock ahead of ours)', async () => {
    const { connector, logs } = harness();
    directory(http);
    const start = NOW / 1000 - 70;
    http
      .mock(BASE)
      .get(EXPORT)
      .query({ start_time: String(start), per_page: '1000' })
      .reply(400, { error: 'InvalidValue', description: 'Too recent start_time. Use a start_time older than one minute' })
      .get(EXPORT)
      .query({ start_time: String(start - 60), per_page: '1000' })
      .reply(200, page([ticket(1)], null, true));

    const pages = await collect(connector.pull({ from: new Date(NOW - 5_000).toISOString(), fields: [] }));

    expect(ids(pages)).toEqual(['1']);
    expect(logs.some((l) => l.message.includes('too recent'))).toBe(true);
  });

  it('reports updatedAt from generated_timestamp when a system update moved it past updated_at (updated_at may be before start_time)', async () => {
    const { connector } = harness();
    directory(http);
    const raw = ticket(5, { updated_at: '2026-12-05T09:00:00Z', generated_timestamp: Date.parse('2026-12-05T11:05:00Z') / 1000 });
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(200, page([raw], null, true));

    const [first] = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(first?.records[0]?.updatedAt).toBe('2026-12-05T11:05:00.000Z');
  });

  it('hands a ticket listed twice at one version out once, and again when it changed during paging', async () => {
    const { connector } = harness();
    directory(http);
    const before = ticket(1);
    const after = ticket(1, { updated_at: '2026-12-05T11:20:00Z', status: 'open' });
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(200, page([before, ticket(2)], 'c1', false))
      .get(EXPORT)
      .query({ cursor: 'c1', per_page: '1000' })
      .reply(200, page([before, after], null, true));

    const pages = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(pages.flatMap((p) => p.records.map((r) => `${r.nativeId}:${(r.raw as { status: string }).status}`))).toEqual(['1:new', '2:new', '1:open']);
  });

  it('gives two edits within one second two versions (same updated_at, different content)', async () => {
    const { connector } = harness();
    directory(http);
    const first = ticket(1, { updated_at: '2026-12-05T11:00:00Z', priority: 'normal' });
    const second = ticket(1, { updated_at: '2026-12-05T11:00:00Z', priority: 'urgent' });
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(200, page([first, second], null, true));

    const [only] = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    const versions = only?.records.map((r) => r.version) ?? [];
    expect(versions).toHaveLength(2);
    expect(versions[0]).not.toBe(versions[1]);
  });

  it('hands deleted tickets out (status deleted, mapped to cancelled) and never writes to them afterwards', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(200, page([ticket(9, { status: 'deleted' })], null, true));

    const [first] = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));
    const result = await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }, { nativeId: '9' }));

    expect(first?.records.map((r) => r.nativeId)).toEqual(['9']);
    expect(result).toEqual({ outcome: 'skipped', ref: '9', reason: 'the ticket was deleted' });
  });

  it('quarantines a ticket without an id as unreadable and keeps the rest of the page', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(200, page([{ subject: 'no id' }, ticket(2)], null, true));

    const [first] = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(first?.records.map((r) => r.nativeId)).toEqual(['2']);
    expect(first?.unreadable).toHaveLength(1);
  });

  it('honours Retry-After on a 429 from the export and holds the host for that long', async () => {
    const { connector, sleeps, logs } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(EXPORT)
      .query(true)
      .reply(429, { error: 'TooManyRequests' }, { 'Retry-After': '17' })
      .get(EXPORT)
      .query(true)
      .reply(200, page([ticket(1)], null, true));

    const pages = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(ids(pages)).toEqual(['1']);
    expect(sleeps).toContain(17_000);
    expect(logs.some((l) => l.message === 'Platform rate limited')).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it('reports a ticket at the version its own write left it at as changed by the integration user', async () => {
    const { connector } = harness();
    me();
    directory(http);
    const after = ticket(4211, { updated_at: '2026-12-05T11:10:00Z', group_id: NETWORK });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(200, updated(after, [{ field: 'group_id', value: String(NETWORK), previous: null }]))
      .get(EXPORT)
      .query(true)
      .reply(200, page([after], null, true));

    const { integrationUser } = await connector.init();
    const result = await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', assignee: null }));
    const [first] = await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(integrationUser).toBe(String(ME));
    expect(result.ownVersion).toBe(versionOf(after));
    expect(first?.records[0]?.updatedBy).toBe(String(ME));
  });

  it('refuses credentials Zendesk answers with the anonymous user', async () => {
    const { connector } = harness(source({ auth: { type: 'bearer', token: 'expired' } }));
    http
      .mock(BASE)
      .get('/api/v2/users/me.json')
      .reply(200, { user: { id: null, name: 'Anonymous user', email: 'invalid@example.com', role: 'end-user' } });

    await expect(connector.init()).rejects.toMatchObject({ code: 'auth', retryable: false });
  });
});

describe('Zendesk rate-limit headers', () => {
  it('waits ratelimit-reset seconds before the next request when an answer says the budget is spent', async () => {
    const { connector, sleeps } = harness(source({ exportRequestsPerMinute: 1000 }));
    http
      .mock(BASE)
      .get('/api/v2/groups.json')
      .query(true)
      .reply(200, { groups: [], meta: { has_more: false } }, { 'ratelimit-limit': '200', 'ratelimit-remaining': '0', 'ratelimit-reset': '12' })
      .get('/api/v2/users.json')
      .query(true)
      .reply(200, { users: [], meta: { has_more: false } })
      .get(EXPORT)
      .query(true)
      .reply(200, page([], null, true));

    await collect(connector.pull({ from: '2026-12-05T11:00:00.000Z', fields: [] }));

    expect(sleeps).toContain(12_000);
  });
});
