import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load-config.js';
import { Daemon } from '../../../../src/daemon/daemon.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { captureLogger } from '../../../helpers/log-capture.js';
import { BASE, ME, NETWORK, directory, ticket } from './setup.js';

const http = useHttpMock();
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
});

/**
 * A small stand-in for the account, in nock replies: the export lists the tickets as they are now,
 * an update applies its attributes (refusing a stale `updated_stamp` with 409) and moves
 * `updated_at` to the current second. Not a sandbox: just enough state for the daemon's loop
 * (pull → plan → outbox → write → pull again) to be checked with real SQLite in one process.
 */
function account(
  tickets: Map<number, Record<string, unknown>>,
  faults: { every: number } | undefined = undefined,
): { writes: () => number; comments: Map<number, { body: string; public: boolean }[]>; faults: () => number } {
  let writes = 0;
  let requests = 0;
  let injected = 0;
  /** Every n-th update fails: a 429 (not applied), a 503 before applying, a 503 after applying (the answer lost), in turn. */
  const fault = (): 'throttle' | 'before' | 'after' | undefined => {
    if (faults === undefined || ++requests % faults.every !== 0) return undefined;
    injected++;
    return (['throttle', 'before', 'after'] as const)[injected % 3];
  };
  const comments = new Map<number, { body: string; public: boolean }[]>();
  http
    .mock(BASE)
    .persist()
    .get('/api/v2/users/me.json')
    .reply(200, { user: { id: ME, name: 'deskbridge', role: 'admin' } });
  http
    .mock(BASE)
    .persist()
    .get('/api/v2/incremental/tickets/cursor.json')
    .query(true)
    .reply(() => [200, { tickets: [...tickets.values()], after_cursor: null, end_of_stream: true }]);
  http
    .mock(BASE)
    .persist()
    .put(/\/api\/v2\/tickets\/\d+\.json/)
    .reply(async (request: Request) => {
      const uri = new URL(request.url).pathname;
      const body: unknown = await request.json();
      const id = Number(/(\d+)\.json/.exec(uri)?.[1]);
      const failure = fault();
      if (failure === 'throttle') return [429, { error: 'TooManyRequests' }, { 'Retry-After': '0' }] as const;
      if (failure === 'before') return [503, 'Service Unavailable'] as const;
      const current = tickets.get(id);
      if (current === undefined) return [404, { error: 'RecordNotFound' }] as const;
      const { ticket: update } = body as { ticket: Record<string, unknown> };
      if (update['safe_update'] === true && update['updated_stamp'] !== current['updated_at']) return [409, { error: 'UpdateConflict' }] as const;
      writes++;
      const { comment, safe_update: _s, updated_stamp: _u, ...attributes } = update;
      if (comment !== undefined) comments.set(id, [...(comments.get(id) ?? []), comment as { body: string; public: boolean }]);
      const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000', '');
      const next = { ...current, ...attributes, updated_at: now, generated_timestamp: Math.floor(Date.now() / 1000) };
      tickets.set(id, next);
      if (failure === 'after') return [503, 'Service Unavailable'] as const;
      return [200, { ticket: next, audit: { events: [] } }] as const;
    });
  http
    .mock(BASE)
    .persist()
    .get(/^\/api\/v2\/tickets\/\d+\.json$/)
    .optionally()
    .reply((request: Request) => {
      const current = tickets.get(Number(/(\d+)\.json/.exec(new URL(request.url).pathname)?.[1]));
      return current === undefined ? ([404, { error: 'RecordNotFound' }] as const) : ([200, { ticket: current }] as const);
    });
  http
    .mock(BASE)
    .persist()
    .get(/\/api\/v2\/tickets\/\d+\/comments\.json/)
    .query(true)
    .optionally()
    .reply((request: Request) => {
      const id = Number(/tickets\/(\d+)\//.exec(new URL(request.url).pathname)?.[1]);
      return [200, { comments: [...(comments.get(id) ?? [])].reverse() }] as const;
    });
  return { writes: () => writes, comments, faults: () => injected };
}

function config(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-zd-daemon-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(
    join(dir, 'rules', 'routing.yaml'),
    [
      'rules:',
      '  - id: unassigned-to-netops',
      '    kind: routing',
      '    description: Tickets without a group go to Network Operations',
      '    when: $not($exists(group)) and status in ["new", "open"]',
      '    assign:',
      '      group: Network Operations',
      '    note:',
      '      template: "deskbridge test: routed to {{ $group }}"',
      '',
    ].join('\n'),
  );
  const path = join(dir, 'deskbridge.yaml');
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      'rules: ./rules',
      `mappings: ${JSON.stringify(join(process.cwd(), 'mappings'))}`,
      'sources:',
      '  - id: zd',
      '    platform: zendesk',
      `    baseUrl: ${BASE}`,
      '    auth: { type: token, email: deskbridge@acme.example, token: t0ken }',
      '    actFrom: "2000-01-01T00:00:00Z"',
      '    firstLivePass: { maxWrites: off }',
      '    exportRequestsPerMinute: 6000',
      '    rateLimit: { requestsPerMinute: 60000 }',
      '    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50 }',
      '',
    ].join('\n'),
  );
  return path;
}

function daemon(path: string): Daemon {
  const captured = captureLogger([]);
  if (process.env['ZD_DEBUG'])
    setInterval(() => {
      for (const l of captured.lines.splice(0)) console.log(l.slice(0, 400));
    }, 500).unref();
  const d = new Daemon({ config: loadConfig(path).config, logger: process.env['ZD_DEBUG'] ? captured.logger : silentLogger });
  daemons.push(d);
  return d;
}

describe('daemon with a Zendesk source (real SQLite, HTTP answered in-process)', () => {
  it('routes a ticket once with a private note; a restarted daemon recognises its own writes by their version and writes nothing', async () => {
    const tickets = new Map([[4211, ticket(4211, { updated_at: '2026-12-05T11:00:00Z' })]]);
    const zd = account(tickets);
    directory(http);
    const path = config();

    const first = daemon(path);
    expect((await first.runOnce()).ok).toBe(true);
    await first.stop();

    expect(tickets.get(4211)?.['group_id']).toBe(NETWORK);
    expect(zd.comments.get(4211)).toHaveLength(1);
    expect(zd.comments.get(4211)?.[0]?.public).toBe(false);
    // The assignment and its note went as one update.
    expect(zd.writes()).toBe(1);

    // The pass after the writes is a new process: only the versions kept in SQLite tell it they were ours.
    const restarted = daemon(path);
    directory(http);
    const again = await restarted.runOnce();
    expect(again.ok).toBe(true);
    expect(again.results[0]?.ownWrites).toBe(1);
    expect(zd.writes()).toBe(1);
  }, 30_000);

  it("judges a person's edit made in the same second as deskbridge's write (same updated_at, new version)", async () => {
    const tickets = new Map([[4211, ticket(4211, { updated_at: '2026-12-05T11:00:00Z' })]]);
    const zd = account(tickets);
    directory(http);
    const d = daemon(config());
    expect((await d.runOnce()).ok).toBe(true);
    expect(zd.writes()).toBe(1);

    // A person takes the group off again within the same second: updated_at does not move.
    const current = tickets.get(4211) ?? {};
    tickets.set(4211, { ...current, group_id: null });
    const second = await d.runOnce();

    expect(second.ok).toBe(true);
    expect(second.results[0]?.ownWrites).toBe(0);
    expect(tickets.get(4211)?.['group_id']).toBe(NETWORK);
    expect(zd.writes()).toBe(2);
  }, 30_000);

  it('ends, with every 10th update failing (429, 503 before or after applying), where a clean run ends: one assignment and one private note per ticket', async () => {
    // One update per ticket (assignment and note together): 24 tickets meet at least two faults.
    const tickets = new Map(Array.from({ length: 24 }, (_, i) => [5000 + i, ticket(5000 + i, { updated_at: '2026-12-05T11:00:00Z' })] as const));
    const zd = account(tickets, { every: 10 });
    directory(http);
    const d = daemon(config());

    // A pass leaves a write whose answer was lost for a later retry; the next passes finish it.
    for (let pass = 0; pass < 4 && !(await d.runOnce()).ok; pass++);

    expect(zd.faults()).toBeGreaterThanOrEqual(2);
    for (const [id, t] of tickets) {
      expect(t['group_id'], String(id)).toBe(NETWORK);
      expect(zd.comments.get(id), String(id)).toHaveLength(1);
      expect(zd.comments.get(id)?.[0]?.public, String(id)).toBe(false);
    }
  }, 120_000);
});
