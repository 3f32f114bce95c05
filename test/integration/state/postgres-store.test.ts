import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/http/errors.js';
import type { LifecycleVersion } from '../../../src/model/lifecycle-version.js';
import type { PlannedAction } from '../../../src/model/action.js';
import type { TicketState } from '../../../src/model/ticket-state.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { drainOutbox } from '../../../src/outbox/executor.js';
import type { ActionWriter } from '../../../src/outbox/writer.js';
import { StateHeldError, StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import { migrate, migrations } from '../../../src/state/postgres/migrations.js';
import { redactUrl, sqlState, transaction } from '../../../src/state/postgres/pool.js';
import { openPostgresStore, type PostgresStateStore } from '../../../src/state/postgres/store.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit, OutboxEntry, PassLogEntry, StateStore } from '../../../src/state/types.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../../helpers/postgres.js';

/**
 * The PostgreSQL state store against a real server: the behaviours of the SQLite store's tests
 * (test/unit/state, test/unit/outbox), with the same expectations — one interface, one behaviour —
 * and what only several daemons on one database can show (SKIP LOCKED claims, one migration).
 * Each test file works in a database of its own, created here and dropped after.
 */
const ADMIN_URL = testPostgresUrl('PostgreSQL state store tests');
const createDatabase = (): Promise<string> => createTestDatabase(ADMIN_URL ?? '');
const dropDatabase = (url: string): Promise<void> => dropTestDatabase(ADMIN_URL ?? '', url);

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const TTL = { ttlMs: 30_000 };

function proc(pid: number, options: { host?: string; dead?: number[] } = {}): ProcessIdentity {
  return { pid, host: options.host ?? 'h', pidNamespace: 'pid:[1]', pidAlive: (p) => !(options.dead ?? []).includes(p) };
}

function planned(id: string, ticketKey: string, action: PlannedAction['action'], extra: Partial<PlannedAction> = {}): PlannedAction {
  return { id, sourceId: 's', ruleId: 'r', target: { ticketKey, nativeId: ticketKey, number: ticketKey, version: '1' }, action, explanation: '', ...extra };
}

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

describe.skipIf(!ADMIN_URL)('PostgreSQL state store', () => {
  let url = '';
  let truncate: pg.Pool;
  const stores: PostgresStateStore[] = [];
  let now = T0;
  const clock = (): Date => new Date(now);

  /** A store on this file's database, closed after the test (as a daemon would open it). */
  const open = async (options: { clock?: () => Date; identity?: ProcessIdentity } = {}): Promise<PostgresStateStore> => {
    const store = await openPostgresStore(url, { max: 4, clock: options.clock ?? clock, identity: options.identity ?? proc(process.pid) });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    url = await createDatabase();
    truncate = new pg.Pool({ connectionString: url, max: 1 });
  });
  afterAll(async () => {
    await truncate?.end();
    if (url) await dropDatabase(url);
  });
  beforeEach(async () => {
    now = T0;
    // Every test starts from an empty state (the schema stays): what a new SQLite file is.
    const tables = await truncate.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
    if (tables.rows.length > 0) await truncate.query(`TRUNCATE ${tables.rows.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY`);
    // The similarity index's one meta row is part of its schema (migration 3): put it back.
    if (tables.rows.some((t) => t.tablename === 'similarity_meta')) await truncate.query(`INSERT INTO similarity_meta (id, doc_count, title_len_sum, body_len_sum) VALUES (1, 0, 0, 0)`);
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  describe('as the SQLite store (test/unit/state/sqlite-store.test.ts)', () => {
    it('never moves a watermark backwards', async () => {
      const store = await open();
      await store.commitBatch(batch({ watermark: '2026-11-20T10:00:00.000Z' }));
      await store.commitBatch(batch({ watermark: '2026-11-19T10:00:00.000Z' }));
      expect(await store.getWatermark('s')).toBe('2026-11-20T10:00:00.000Z');
      expect(await store.getWatermark('other')).toBeNull();
    });

    it('remembers processed (id, version) pairs and forgets them past the horizon', async () => {
      const store = await open();
      await store.commitBatch(
        batch({
          ledger: [
            { nativeId: 'a', version: '1', updatedAt: '2026-11-01T00:00:00Z' },
            { nativeId: 'b', version: '3', updatedAt: '2026-11-20T00:00:00Z' },
          ],
        }),
      );
      // Seen again in the overlap window: ignored, not an error.
      await store.commitBatch(batch({ ledger: [{ nativeId: 'a', version: '1', updatedAt: '2026-11-01T00:00:00Z' }] }));

      expect(
        await store.seenVersions('s', [
          { nativeId: 'a', version: '1' },
          { nativeId: 'a', version: '2' },
          { nativeId: 'b', version: '3' },
        ]),
      ).toEqual(new Set(['a@1', 'b@3']));
      expect(await store.seenVersions('other', [{ nativeId: 'a', version: '1' }])).toEqual(new Set());
      expect(await store.seenVersions('s', [])).toEqual(new Set());
      expect(await store.pruneLedger('s', '2026-11-10T00:00:00Z')).toBe(1);
      expect(await store.seenVersions('s', [{ nativeId: 'a', version: '1' }])).toEqual(new Set());
    });

    it('enqueues an action only once however often it is planned', async () => {
      const store = await open();
      const action = planned('x1', 't1', { type: 'assign', group: 'G' });
      await store.commitBatch(batch({ actions: [action] }));
      await store.commitBatch(batch({ actions: [action] }));
      expect((await store.outbox.counts()).pending).toBe(1);
      expect((await store.outbox.list({}))[0]?.planned).toEqual(action);
    });

    it("holds back a ticket's later writes while an earlier one waits for its retry", async () => {
      const at = new Date('2026-11-23T10:00:00Z');
      const store = await open({ clock: () => at });
      await store.commitBatch(
        batch({
          actions: [
            planned('a1', 't1', { type: 'assign', group: 'G' }),
            planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'n' }),
            planned('b1', 't2', { type: 'assign', group: 'G' }),
          ],
        }),
      );
      await store.outbox.markFailed('a1', 'HTTP 503', new Date(at.getTime() + 60_000));

      expect((await store.outbox.due('s', at, 10)).map((e) => e.id)).toEqual(['b1']);
      expect(await store.outbox.nextAttemptAt('s')).toBe(at.toISOString());
      expect((await store.outbox.due('s', new Date(at.getTime() + 61_000), 10)).map((e) => e.id)).toEqual(['a1', 'a2', 'b1']);
    });

    it('holds back the rest of a plan while an earlier entry of it is dead', async () => {
      const at = new Date('2026-11-23T10:00:00Z');
      const store = await open({ clock: () => at });
      await store.commitBatch(batch({ actions: [planned('a1', 't1', { type: 'assign', group: 'G' }), planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'Routed to G' })] }));

      await store.outbox.markDead('a1', 'HTTP 400: invalid group');

      expect((await store.outbox.due('s', at, 10)).map((e) => e.id)).toEqual([]);
      expect(await store.outbox.nextAttemptAt('s')).toBeNull();
      await store.outbox.retry({ id: 'a1' });
      expect((await store.outbox.due('s', at, 10)).map((e) => e.id)).toEqual(['a1', 'a2']);
    });

    it("lists one ticket's writes (what explain reports of it), newest first", async () => {
      const store = await open();
      await store.commitBatch(batch({ actions: [planned('a1', 'ta', { type: 'assign', group: 'G' }), planned('b1', 'tb', { type: 'assign', group: 'G' })] }));
      await store.commitBatch(batch({ actions: [planned('a2', 'ta', { type: 'comment', visibility: 'internal', body: 'n' })] }));

      expect((await store.outbox.list({ ticketKey: 'ta' })).map((e) => e.id)).toEqual(['a2', 'a1']);
      expect((await store.outbox.list({ ticketKey: 'ta', sourceId: 'other' })).map((e) => e.id)).toEqual([]);
      expect((await store.outbox.list({ limit: 1 })).map((e) => e.id)).toEqual(['a2']);
      expect((await store.outbox.find('a')).map((e) => e.id)).toEqual(['a1', 'a2']);
      expect((await store.outbox.find('a%')).map((e) => e.id)).toEqual([]);
    });

    it('keeps round-robin positions per source', async () => {
      const store = await open();
      await store.commitBatch(batch({ sourceId: 'a', roundRobin: new Map([['rr', 2]]) }));
      await store.commitBatch(batch({ sourceId: 'b', roundRobin: new Map([['rr', 1]]) }));
      await store.commitBatch(batch({ sourceId: 'a', roundRobin: new Map([['rr', 3]]) }));

      expect(await store.roundRobinPositions('a')).toEqual(new Map([['rr', 3]]));
      expect(await store.roundRobinPositions('b')).toEqual(new Map([['rr', 1]]));
      expect(await store.roundRobinPositions('_')).toEqual(new Map());
    });

    it('counts open tickets per assignee for least-loaded routing, per source', async () => {
      const store = await open();
      const t = (key: string, assignee: string, status: 'new' | 'closed', sourceId = 's'): TicketState => ({
        key,
        sourceId,
        nativeId: key,
        number: key,
        version: '1',
        status,
        group: 'G',
        assignee,
        updatedAt: '2026-11-20T00:00:00Z',
      });
      await store.commitBatch(batch({ tickets: [t('1', 'ann', 'new'), t('2', 'ann', 'new'), t('3', 'bob', 'closed'), t('4', 'cy', 'new', 'other')] }));

      expect(await store.openLoads('s')).toEqual(new Map([['ann', 2]]));
      expect(await store.openLoadsBySource()).toEqual(
        new Map([
          ['s', new Map([['ann', 2]])],
          ['other', new Map([['cy', 1]])],
        ]),
      );
      const got = await store.getTickets(['3', 'missing', '1']);
      expect([...got.keys()]).toEqual(['3', '1']);
      expect(got.get('1')).toEqual(t('1', 'ann', 'new'));
    });

    it('puts dead entries back in the queue on retry', async () => {
      const store = await open();
      await store.commitBatch(batch({ actions: [planned('a1', 't1', { type: 'assign', group: 'G' })] }));
      await store.outbox.markDead('a1', 'HTTP 400: invalid group');
      expect(await store.outbox.retry({})).toBe(1);
      expect((await store.outbox.counts()).pending).toBe(1);
    });
  });

  describe('tickets, SLA and quarantine', () => {
    it('keeps every field of a ticket, its SLA snapshot only while a step is due, and finds the due ones oldest first', async () => {
      const store = await open();
      const base: TicketState = { key: 'k1', sourceId: 's', nativeId: '1', number: 'INC1', version: '1', status: 'open', group: undefined, assignee: undefined, updatedAt: '2026-12-01T00:00:00Z' };
      const full: TicketState = {
        ...base,
        group: 'G',
        assignee: 'ann',
        statusSince: '2026-12-01T00:00:00Z',
        slaDueAt: '2026-12-02T00:00:00Z',
        snapshot: '{"title":"x"}',
        resolvedAt: '2026-12-01T05:00:00Z',
        triggered: [],
        applied: ['r1'],
      };
      await store.commitBatch(batch({ tickets: [full, { ...base, key: 'k2', nativeId: '2', slaDueAt: '2026-12-01T12:00:00Z', snapshot: 's2' }, { ...base, key: 'k3', snapshot: 'dropped' }] }));

      expect((await store.getTickets(['k1'])).get('k1')).toEqual(full);
      expect((await store.getTickets(['k3'])).get('k3')?.snapshot).toBeUndefined();
      expect((await store.slaDue('s', '2026-12-03T00:00:00Z', 10)).map((t) => t.key)).toEqual(['k2', 'k1']);
      expect((await store.slaDue('s', '2026-12-01T12:00:00Z', 10)).map((t) => t.key)).toEqual(['k2']);
    });

    it('quarantines a record once per version, lists, retries and resolves it (with the batch that maps it)', async () => {
      const store = await open();
      const q = (nativeId: string | undefined, error: string) => ({ sourceId: 's', nativeId, version: nativeId === undefined ? undefined : '1', error, raw: { id: nativeId, text: 'a\u0000b' } });
      await store.commitBatch(batch({ quarantine: [q('1', 'bad date'), q(undefined, 'no id')] }));
      await store.commitBatch(batch({ quarantine: [q('1', 'bad date again'), q(undefined, 'no id')] }));

      const listed = await store.quarantineList();
      expect(listed.map((e) => [e.nativeId, e.error, e.status])).toEqual([
        ['1', 'bad date again', 'open'],
        [undefined, 'no id', 'open'],
        [undefined, 'no id', 'open'],
      ]);
      expect(listed[0]?.raw).toEqual({ id: '1', text: 'a\u0000b' });
      expect(await store.quarantineCount()).toBe(3);
      expect(await store.quarantineCount({ sourceId: 's', status: 'open' })).toBe(3);
      expect(await store.quarantineCount({ sourceId: 'other' })).toBe(0);
      expect(listed[0]?.createdAt).toBe(new Date(T0).toISOString());
      // Only records with an id can be re-read.
      expect(await store.quarantineRetry({ sourceId: 's' })).toBe(1);
      expect((await store.quarantineList({ status: 'retry' })).map((e) => e.nativeId)).toEqual(['1']);
      const id = listed[0]!.id;
      await store.commitBatch(batch({ resolveQuarantine: [id] }));
      expect((await store.quarantineList({ sourceId: 's', status: 'resolved' })).map((e) => e.id)).toEqual([id]);
      // Failing again reopens it.
      await store.commitBatch(batch({ resolveQuarantine: [], quarantine: [q('1', 'still bad')] }));
      expect((await store.quarantineList({ status: 'open' })).map((e) => e.error)).toContain('still bad');
      await store.quarantineResolve([id]);
      expect((await store.quarantineList({ status: 'resolved' })).map((e) => e.id)).toEqual([id]);
      expect(await store.quarantineList({ sourceId: 'other' })).toEqual([]);
    });

    it('commits a batch whose history links duplicates, with its marks (the root on the indexed doc: postgres-history.test.ts)', async () => {
      const store = await open();
      const history = {
        marks: [{ ruleId: 'd', key: 'k', mark: 'suggested', plan: undefined }],
        duplicates: [{ key: 'k', rootKey: 'r', ruleId: 'd', plan: undefined }],
        patternEvents: [],
        problems: [],
        members: [],
      };
      await store.commitBatch(batch({ watermark: '2026-12-01T00:00:00Z', history }));
      expect(await store.getWatermark('s')).toBe('2026-12-01T00:00:00Z');
      expect(await store.history.hasMark('d', 'k', 'suggested')).toBe(true);
      expect(await store.history.duplicateRoot('k')).toBe('r');
      expect(await store.history.hasDuplicates('r')).toBe(true);
    });
  });

  describe('going live, own versions, ticket versions (test/unit/state)', () => {
    it('has no completed pass for a new source, then keeps the first and moves the last', async () => {
      const store = await open();
      expect(await store.passRecord('s')).toBeNull();
      await store.recordPassCompleted('s');
      now = Date.parse('2026-12-05T10:05:00Z');
      await store.recordPassCompleted('s');
      expect(await store.passRecord('s')).toEqual({ firstCompletedAt: new Date(T0).toISOString(), lastCompletedAt: '2026-12-05T10:05:00.000Z' });
    });

    it('records a start point and replaces it', async () => {
      const store = await open();
      expect(await store.getStartPoint('s')).toBeNull();
      await store.setStartPoint('s', '2026-12-01T00:00:00.000Z');
      await store.setStartPoint('s', '2026-12-02T00:00:00.000Z');
      expect(await store.getStartPoint('s')).toBe('2026-12-02T00:00:00.000Z');
    });

    it('counts writes by kind, customer-visible comments apart; discards pending ones unsent, and a plain retry leaves them dead', async () => {
      const store = await open();
      const p = (id: string, action: PlannedAction['action'], ticket = 't1') => planned(id, `servicenow:s:${ticket}`, action, { ruleId: 'route' });
      await store.commitBatch(
        batch({
          actions: [
            p('a1', { type: 'assign', group: 'Network' }),
            p('c1', { type: 'comment', visibility: 'internal', body: 'Routed.' }),
            p('c2', { type: 'comment', visibility: 'public', body: 'We are on it.' }, 't2'),
          ],
        }),
      );
      const volume = await store.outbox.volume({ sourceId: 's', status: 'pending' });
      expect(volume.map((r) => [r.kind, r.n])).toEqual([
        ['assign', 1],
        ['comment', 1],
        ['comment:public', 1],
      ]);
      expect(volume[0]).toMatchObject({ sourceId: 's', status: 'pending', first: new Date(T0).toISOString(), last: new Date(T0).toISOString() });

      expect(await store.outbox.discard('s', 'not wanted')).toBe(3);
      expect(await store.outbox.counts('s')).toEqual({ pending: 0, done: 0, dead: 3 });
      expect(await store.outbox.discardedCount('s')).toBe(3);
      expect(await store.outbox.discardedCount('other')).toBe(0);
      expect((await store.outbox.list({ sourceId: 's' })).map((e) => e.outcome)).toEqual(['discarded', 'discarded', 'discarded']);
      expect(await store.outbox.retry({})).toBe(0);
      expect(await store.outbox.retry({ id: 'a1' })).toBe(1);
      // Each outcome is queued for the action log.
      expect((await store.audit.pending(10)).map((r) => [r.log, r.data['actionId'], r.data['outcome']])).toEqual([
        ['actions', 'a1', 'dead'],
        ['actions', 'c1', 'dead'],
        ['actions', 'c2', 'dead'],
      ]);
    });

    it('remembers the version a write left the record at, per source, and forgets it a day past the ledger horizon', async () => {
      const store = await open();
      const w1: PlannedAction = {
        id: 'w1',
        sourceId: 'fs',
        ruleId: 'route',
        target: { ticketKey: 'freshservice:fs:42', nativeId: '42', number: '#42', version: 'v1' },
        action: { type: 'assign', group: 'Network' },
        explanation: 'test',
      };
      await store.commitBatch(batch({ sourceId: 'fs', actions: [w1, { ...w1, id: 'w2', action: { type: 'comment', visibility: 'internal', body: 'routed' } }] }));
      await store.outbox.markDone('w1', { outcome: 'updated', ref: '42', ownVersion: 'v9' });
      await store.outbox.markDone('w2', { outcome: 'created', ref: '42' });

      const asked = [
        { nativeId: '42', version: 'v9' },
        { nativeId: '42', version: 'v1' },
        { nativeId: '43', version: 'v9' },
      ];
      expect(await store.ownVersions('fs', asked)).toEqual(new Set(['42@v9']));
      expect(await store.ownVersions('other', asked)).toEqual(new Set());
      await store.pruneLedger('fs', new Date(T0 + 3_600_000).toISOString());
      expect(await store.ownVersions('fs', asked)).toEqual(new Set(['42@v9']));
      await store.pruneLedger('fs', new Date(T0 + 2 * 86_400_000).toISOString());
      expect(await store.ownVersions('fs', asked)).toEqual(new Set());
    });

    const version = (key: string, v: string, updatedAt: string): LifecycleVersion => ({
      key,
      number: `N-${key}`,
      version: v,
      status: 'open',
      priority: 3,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt,
    });
    const kept = async (store: StateStore, sourceId?: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const v of store.lifecycleVersions(sourceId !== undefined ? { sourceId } : {})) out.push(`${v.key}@${v.version}`);
      return out;
    };

    it('keeps each (ticket, version) once, in time order, per source or all; finds a ticket by key or number', async () => {
      const store = await open();
      await store.commitBatch(batch({ sourceId: 'a', versions: [version('a:1', '2', '2026-01-03T00:00:00Z'), version('a:1', '1', '2026-01-02T00:00:00Z')] }));
      await store.commitBatch(batch({ sourceId: 'b', versions: [version('b:1', '1', '2026-01-01T00:00:00Z')] }));
      await store.commitBatch(batch({ sourceId: 'a', versions: [{ ...version('a:1', '1', '2026-01-02T00:00:00Z'), status: 'resolved' }] }));

      expect(await kept(store)).toEqual(['b:1@1', 'a:1@1', 'a:1@2']);
      expect(await kept(store, 'a')).toEqual(['a:1@1', 'a:1@2']);
      expect((await store.ticketVersions({ key: 'a:1' })).map((v) => [v.version, v.status])).toEqual([
        ['1', 'open'],
        ['2', 'open'],
      ]);
      expect((await store.ticketVersions({ sourceId: 'a', number: 'N-a:1' })).map((v) => v.version)).toEqual(['1', '2']);
      expect(await store.ticketVersions({ sourceId: 'b', number: 'N-a:1' })).toEqual([]);
      expect((await store.ticketVersions({ key: 'a:1' }))[0]).toEqual(version('a:1', '1', '2026-01-02T00:00:00Z'));
    });

    it('hands out thousands of versions page by page while the store keeps committing between them', async () => {
      const store = await open();
      const many = Array.from({ length: 4500 }, (_, i) => version(`a:${i % 300}`, String(i), new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()));
      await store.commitBatch(batch({ sourceId: 'a', versions: many }));
      let seen = 0;
      let previous = '';
      for await (const v of store.lifecycleVersions()) {
        expect(v.updatedAt >= previous).toBe(true);
        previous = v.updatedAt;
        if (seen++ === 10) await store.commitBatch(batch({ sourceId: 'b', versions: [version('b:1', '1', '2027-01-01T00:00:00Z')] }));
      }
      expect(seen).toBe(4501);
    });

    it("prunes one source's versions older than a time, leaving the other sources' alone", async () => {
      const store = await open();
      await store.commitBatch(batch({ sourceId: 'a', versions: [version('a:1', '1', '2025-01-01T00:00:00Z'), version('a:1', '2', '2026-01-01T00:00:00Z')] }));
      await store.commitBatch(batch({ sourceId: 'b', versions: [version('b:1', '1', '2025-01-01T00:00:00Z')] }));
      expect(await store.pruneVersions('a', '2025-06-01T00:00:00Z')).toBe(1);
      expect(await kept(store)).toEqual(['b:1@1', 'a:1@2']);
    });

    it('lists the tickets deskbridge assigned: done assign writes that changed the ticket', async () => {
      const store = await open();
      await store.commitBatch(
        batch({
          actions: [
            planned('a1', 't1', { type: 'assign', group: 'G' }),
            planned('a2', 't2', { type: 'assign', group: 'G' }),
            planned('a3', 't3', { type: 'assign', group: 'G' }),
            planned('c4', 't4', { type: 'comment', visibility: 'internal', body: 'n' }),
          ],
        }),
      );
      await store.outbox.markDone('a1', { outcome: 'updated', ref: 't1' });
      await store.outbox.markDone('a2', { outcome: 'unchanged', ref: 't2' });
      await store.outbox.markDone('a3', { outcome: 'dry-run', ref: undefined });
      await store.outbox.markDone('c4', { outcome: 'updated', ref: 't4' });
      expect(await store.routedTickets()).toEqual(new Set(['t1']));
      // A dry run records nothing for the action log.
      expect((await store.audit.pending(10)).map((r) => r.data['actionId'])).toEqual(['a1', 'a2', 'c4']);
    });
  });

  describe('pass log (test/unit/state/pass-log-store.test.ts)', () => {
    function pass(sourceId: string, n: number, fields: Partial<PassLogEntry> = {}): PassLogEntry {
      return {
        sourceId,
        startedAt: new Date(T0 + n * 60_000).toISOString(),
        finishedAt: new Date(T0 + n * 60_000 + 4_321).toISOString(),
        outcome: 'ok',
        durationMs: 4_321,
        pulled: 101,
        planned: 102,
        skipped: 103,
        quarantined: 104,
        written: { sent: 105, unchanged: 106, superseded: 107, failed: 108, dead: 109, wouldSend: 110 },
        pendingWrites: 111,
        requests: 112,
        dryRun: false,
        error: undefined,
        ...fields,
      };
    }

    it('gives back every field as recorded, with an id, newest first', async () => {
      const store = await open();
      const ok = pass('snow-prod', 1);
      const failed = pass('snow-prod', 2, { outcome: 'failed', dryRun: true, error: 'HTTP 503', written: { sent: 0, unchanged: 0, superseded: 0, failed: 3, dead: 1, wouldSend: 7 } });
      await store.recordPass(ok);
      await store.recordPass(failed);
      const [newest, oldest, ...rest] = await store.recentPasses();
      expect(rest).toEqual([]);
      expect(newest).toEqual({ ...failed, id: expect.any(Number) as number });
      expect(oldest).toEqual({ ...ok, id: expect.any(Number) as number });
      expect(oldest).toHaveProperty('error', undefined);
      expect(newest!.id).toBeGreaterThan(oldest!.id);
    });

    it('lists of one source or all, up to a limit (50 by default)', async () => {
      const store = await open();
      for (let n = 0; n < 60; n++) await store.recordPass(pass(n % 2 === 0 ? 'a' : 'b', n));
      await store.recordPass(pass('a', -5));
      const all = await store.recentPasses();
      expect(all).toHaveLength(50);
      expect(all[0]?.startedAt).toBe(pass('a', -5).startedAt);
      expect(await store.recentPasses({ sourceId: 'a' })).toHaveLength(31);
      expect((await store.recentPasses({ sourceId: 'b', limit: 2 })).map((p) => p.startedAt)).toEqual([pass('b', 59).startedAt, pass('b', 57).startedAt]);
      expect(await store.recentPasses({ limit: 0 })).toEqual([]);
      expect(await store.recentPasses({ limit: 1000 })).toHaveLength(61);
    });

    it("keeps a source's newest 1,000 passes, leaving the other sources' alone", async () => {
      const store = await open();
      for (let n = 0; n < 3; n++) await store.recordPass(pass('quiet', n));
      for (let n = 0; n < 1010; n++) await store.recordPass(pass('busy', n));
      const busy = await store.recentPasses({ sourceId: 'busy', limit: 2000 });
      expect(busy).toHaveLength(1000);
      expect(busy[0]?.startedAt).toBe(pass('busy', 1009).startedAt);
      expect(busy[999]?.startedAt).toBe(pass('busy', 10).startedAt);
      expect(await store.recentPasses({ sourceId: 'quiet' })).toHaveLength(3);
    });

    it('survives closing and reopening the store; ids go on', async () => {
      const first = await open();
      await first.recordPass(pass('a', 1));
      const before = await first.recentPasses();
      const reopened = await open();
      await reopened.recordPass(pass('a', 3));
      const [latest] = await reopened.recentPasses({ limit: 1 });
      expect(latest?.id).toBeGreaterThan(before[0]!.id);
    });
  });

  describe('rule memory (test/unit/state/rule-memory-store.test.ts)', () => {
    const row: TicketState = {
      key: 'servicenow:snow:1',
      sourceId: 's',
      nativeId: '1',
      number: 'INC1',
      version: '3',
      status: 'open',
      group: 'Service Desk',
      assignee: undefined,
      updatedAt: '2026-11-20T10:00:00Z',
    };
    const p = (id: string, type: 'assign' | 'comment', v = '3'): PlannedAction => ({
      id,
      sourceId: 's',
      ruleId: 'p1-once',
      target: { ticketKey: row.key, nativeId: '1', number: 'INC1', version: v },
      action: type === 'assign' ? { type: 'assign', group: 'Major Incident Team' } : { type: 'comment', visibility: 'internal', body: 'P1: routed.' },
      explanation: 'test',
    });
    const judged = (v: string, actions: PlannedAction[]): BatchCommit => batch({ tickets: [{ ...row, version: v, triggered: ['p1-once', 'other'], applied: ['other', 'p1-once'] }], actions });
    const memory = async (store: StateStore) => (await store.getTickets([row.key])).get(row.key);

    it('keeps the rules whose `when` held and the rules that wrote; an empty set is not "never judged"', async () => {
      const store = await open();
      await store.commitBatch(batch({ tickets: [{ ...row, triggered: [], applied: ['p1-to-mit'] }] }));
      expect(await memory(store)).toMatchObject({ triggered: [], applied: ['p1-to-mit'] });
      await store.commitBatch(batch({ tickets: [{ ...row, key: 'k2' }] }));
      const fresh = (await store.getTickets(['k2'])).get('k2');
      expect(fresh?.triggered).toBeUndefined();
      expect(fresh?.applied).toBeUndefined();
    });

    it('a rule whose writes all died has not applied; outbox retry puts its marks back with the write', async () => {
      const store = await open();
      await store.commitBatch(judged('3', [p('a1', 'assign'), p('n1', 'comment')]));
      await store.outbox.markDead('a1', 'refused', () => 'builds on it');
      expect(await memory(store)).toMatchObject({ triggered: ['other'], applied: ['other'] });
      expect(await store.outbox.retry({ id: 'a1' })).toBe(2);
      expect(await memory(store)).toMatchObject({ triggered: ['other', 'p1-once'], applied: ['other', 'p1-once'] });
    });

    it('keeps the marks when another write of the rule to the ticket landed', async () => {
      const store = await open();
      await store.commitBatch(judged('3', [p('a1', 'assign'), p('n1', 'comment')]));
      await store.outbox.markDone('a1', { outcome: 'updated', ref: '1' });
      await store.outbox.markDead('n1', 'refused');
      expect(await memory(store)).toMatchObject({ triggered: ['other', 'p1-once'], applied: ['other', 'p1-once'] });
    });

    it("a new write of the rule to the ticket replaces its dead ones, so outbox retry cannot send the rule's writes twice", async () => {
      const store = await open();
      await store.commitBatch(judged('3', [p('a1', 'assign'), p('n1', 'comment')]));
      await store.outbox.markDead('a1', 'refused', () => 'builds on it');
      await store.commitBatch(judged('5', [p('a2', 'assign', '5'), p('n2', 'comment', '5')]));
      for (const id of ['a1', 'n1'])
        expect((await store.outbox.find(id))[0]).toMatchObject({ status: 'done', outcome: 'superseded', lastError: expect.stringMatching(/^replaced by a later write of rule p1-once \(a2\)/) });
      expect(await store.outbox.retry({})).toBe(0);
      expect(await store.outbox.counts()).toMatchObject({ pending: 2, dead: 0 });
    });
  });

  describe('draining the outbox (test/unit/outbox/dead-letter-plan.test.ts)', () => {
    const NOW = new Date('2026-11-23T10:00:00Z');
    const p = (id: string, ruleId: string, action: PlannedAction['action'], extra: Partial<PlannedAction> = {}): PlannedAction => ({
      id,
      sourceId: 's',
      ruleId,
      target: { ticketKey: 't1', nativeId: 't1', number: 'INC1', version: '3' },
      action,
      explanation: '',
      ...extra,
    });
    const assign = (id: string, ruleId = 'route') => p(id, ruleId, { type: 'assign', group: 'Network' });
    const note = (id: string, ruleId = 'route') => p(id, ruleId, { type: 'comment', visibility: 'internal', body: `note ${id}` });
    const refused = new PlatformError('ServiceNow refused PATCH (403): Data Policy Exception', { platform: 'servicenow', sourceId: 's', code: 'forbidden', status: 403, retryable: false });
    const writer = (refuse: readonly string[]): ActionWriter & { sent: string[] } => {
      const sent: string[] = [];
      return {
        dryRun: false,
        sent,
        async write(entry: OutboxEntry) {
          if (refuse.includes(entry.id)) throw refused;
          sent.push(entry.id);
          return { outcome: 'updated', ref: 't1' };
        },
      };
    };
    const drain = async (actions: PlannedAction[], refuse: readonly string[]) => {
      const store = await open({ clock: () => NOW });
      await store.commitBatch(batch({ actions }));
      const w = writer(refuse);
      const summary = await drainOutbox({ store, sourceId: 's', writer: w, logger: silentLogger, concurrency: 2, maxAttempts: 3, now: () => NOW });
      const byId = new Map((await store.outbox.list({})).map((e) => [e.id, e]));
      return { store, summary, sent: w.sent, byId };
    };

    it('dead-letters the note describing an assignment that was refused, and leaves nothing pending', async () => {
      const { store, summary, sent, byId } = await drain([assign('a1'), note('a2')], ['a1']);
      expect(sent).toEqual([]);
      expect(summary.dead).toBe(2);
      expect(byId.get('a2')?.lastError).toMatch(/^Not sent: it builds on assign a1 \(rule route\), which was dead-lettered: .*Data Policy Exception/);
      expect((await store.outbox.counts()).pending).toBe(0);
    });

    it('still sends the writes of other rules in the same plan', async () => {
      const { store, sent, byId } = await drain([assign('a1'), note('a2'), note('b1', 'sla-warning')], ['a1']);
      expect(sent).toEqual(['b1']);
      expect(byId.get('b1')).toMatchObject({ status: 'done', outcome: 'updated', attempts: 1 });
      expect((await store.outbox.counts()).pending).toBe(0);
    });

    it('sends the rest of the plan after a refused note: nothing builds on a comment', async () => {
      const { store, sent } = await drain([note('a1'), assign('a2'), note('a3')], ['a1']);
      expect(sent).toEqual(['a2', 'a3']);
      expect((await store.outbox.counts()).pending).toBe(0);
    });

    it('dead-letters the links and updates of a problem that could not be created, and nothing else', async () => {
      const key = 'pattern:vpn';
      const lane = `problem:${key}`;
      const { store, sent, byId } = await drain(
        [
          p('p1', 'vpn', { type: 'create-problem', correlationKey: key, title: 'VPN', description: '' }, { lane }),
          p('p2', 'vpn', { type: 'link-problem', correlationKey: key }, { lane }),
          p('p3', 'vpn', { type: 'update-problem', correlationKey: key, title: 'VPN', description: '', reopen: false }, { lane }),
          note('n1', 'sla-warning'),
        ],
        ['p1'],
      );
      expect(sent).toEqual(['n1']);
      expect(byId.get('p2')?.lastError).toMatch(/create-problem p1/);
      expect(byId.get('p3')).toMatchObject({ status: 'dead' });
      expect((await store.outbox.counts()).pending).toBe(0);
    });

    it('queues the writes dead-lettered with it again when an admin retries the refused write', async () => {
      const { store } = await drain([assign('a1'), note('a2')], ['a1']);
      expect(await store.outbox.retry({ id: 'a1' })).toBe(2);
      expect((await store.outbox.counts()).pending).toBe(2);
    });

    it('takes back the attempts of a grouped request that was not sent', async () => {
      const store = await open({ clock: () => NOW });
      await store.commitBatch(batch({ actions: [assign('a1'), note('a2')] }));
      await store.outbox.markAttempts(['a1', 'a2']);
      await store.outbox.releaseAttempts(['a1', 'a2']);
      await store.outbox.markAttempt('a1');
      await store.outbox.markFailed('a1', 'HTTP 429', new Date(NOW.getTime() + 1000), { notProcessed: true });
      expect((await store.outbox.list({})).map((e) => [e.id, e.attempts, e.lastError ?? null])).toEqual([
        ['a2', 0, null],
        ['a1', 0, 'HTTP 429'],
      ]);
    });
  });

  describe('the same answers as the SQLite store', () => {
    /** Runs one scenario on both stores and returns what each answered. */
    async function both<T>(scenario: (store: StateStore) => Promise<T>): Promise<{ sqlite: T; postgres: T }> {
      const sqlite = openSqliteStore(':memory:', clock);
      try {
        return { sqlite: await scenario(sqlite), postgres: await scenario(await open()) };
      } finally {
        await sqlite.close();
      }
    }

    it('for a mixed outbox: due, counts, volume, next attempt, list and the audit queue', async () => {
      const answers = await both(async (store) => {
        await store.commitBatch(
          batch({
            actions: [
              planned('a1', 't1', { type: 'assign', group: 'G' }),
              planned('a2', 't1', { type: 'comment', visibility: 'public', body: 'n' }),
              planned('b1', 't2', { type: 'assign', group: 'G' }),
              planned('c1', 't3', { type: 'comment', visibility: 'internal', body: 'x' }),
            ],
            watermark: '2026-12-01T00:00:00Z',
          }),
        );
        await store.commitBatch(batch({ watermark: '2026-12-01T00:00:00.000Z' }));
        await store.outbox.markFailed('b1', 'HTTP 500', new Date(T0 + 60_000));
        await store.outbox.markDead('c1', 'HTTP 400', () => 'n/a');
        await store.outbox.markDone('a1', { outcome: 'updated', ref: 't1', previous: { group: 'Old' } });
        const strip = (e: OutboxEntry) => ({ ...e, seq: undefined });
        return {
          watermark: await store.getWatermark('s'),
          due: (await store.outbox.due('s', new Date(T0), 10)).map(strip),
          counts: await store.outbox.counts(),
          volume: await store.outbox.volume(),
          next: await store.outbox.nextAttemptAt('s'),
          list: (await store.outbox.list({ sourceId: 's' })).map(strip),
          audit: (await store.audit.pending(100)).map((r) => ({ ...r, seq: undefined })),
        };
      });
      expect(answers.postgres).toEqual(answers.sqlite);
    });

    it('for audit heads', async () => {
      const answers = await both(async (store) => {
        await store.commitBatch(batch({ audit: [{ log: 'qa', id: 'v1', at: '2026-12-01T00:00:00Z', data: { z: 1, a: [2, { y: 'x' }] } }] }));
        const pending = await store.audit.pending(10);
        await store.audit.markAppended(
          pending.map((r) => r.seq),
          new Map([['qa', { seq: 1, hash: 'h1' }]]),
        );
        return {
          pending: pending.map((r) => ({ ...r, seq: undefined, keys: Object.keys(r.data) })),
          after: await store.audit.pending(10),
          head: await store.audit.head('qa'),
          none: await store.audit.head('actions'),
        };
      });
      expect(answers.postgres).toEqual(answers.sqlite);
    });
  });

  describe('leases (test/unit/state/lease.test.ts)', () => {
    it('acquires, refuses a second daemon while the holder is alive, and takes over an expired lease with a larger token', async () => {
      const first = await open({ identity: proc(101, { host: 'other' }) });
      const lease = await first.leases.acquire(TTL);
      expect(lease.token).toBe(1);
      expect(await first.leases.current()).toMatchObject({ pid: 101, host: 'other', startedAt: new Date(T0).toISOString(), ttlMs: 30_000, token: 1, releasedAt: undefined });

      now = T0 + 3_000;
      const second = await open({ identity: proc(202) });
      const refused = second.leases.acquire(TTL);
      await expect(refused).rejects.toBeInstanceOf(StateHeldError);
      await expect(refused).rejects.toThrow(`state ${redactUrl(url)} is held by pid 101 on host other since 2026-12-04T10:00:00.000Z, last heartbeat 3 s ago`);

      now = T0 + 30_001;
      const taken = await second.leases.acquire(TTL);
      expect(taken.token).toBe(2);
      expect(taken.takenOver).toMatchObject({ reason: 'heartbeat-expired', previous: { pid: 101, host: 'other', token: 1 } });
    });

    it('takes over at once when the holder ran here and its process is gone; after a release, at once too', async () => {
      await (await open({ identity: proc(101) })).leases.acquire(TTL);
      const next = await (await open({ identity: proc(202, { dead: [101] }) })).leases.acquire(TTL);
      expect(next.takenOver?.reason).toBe('holder-gone');
      await next.release();
      const third = await (await open({ identity: proc(303) })).leases.acquire(TTL);
      expect(third.takenOver).toBeUndefined();
      expect(third.token).toBe(3);
    });

    it('fences a former holder that lost its lease: its commits, outbox updates, pass log and heartbeat fail and change nothing', async () => {
      const paused = await open({ identity: proc(101, { host: 'other' }) });
      const lease = await paused.leases.acquire(TTL);
      await paused.commitBatch(batch({ watermark: '2026-12-01T00:00:00.000Z', actions: [planned('a1', 't1', { type: 'comment', visibility: 'internal', body: 'n' })] }));
      now = T0 + 45_000;
      const successor = await open({ identity: proc(202) });
      await successor.leases.acquire(TTL);

      await expect(paused.commitBatch(batch({ watermark: '2026-12-02T00:00:00.000Z' }))).rejects.toBeInstanceOf(StateLeaseLostError);
      // What the audit trail asks before appending to its files, outside any transaction.
      await expect(paused.leases.fence()).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(successor.leases.fence()).resolves.toBeUndefined();
      await expect(paused.outbox.markAttempt('a1')).rejects.toThrow(/lost the lock on state .*held by pid 202 on host h .*token 2, ours was 1/);
      await expect(paused.outbox.due('s', new Date(now), 10)).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(paused.outbox.markDone('a1', { outcome: 'sent', ref: undefined })).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(paused.outbox.markDead('a1', 'HTTP 400')).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(paused.pruneLedger('s', '2030-01-01T00:00:00Z')).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(paused.setStartPoint('s', '2020-01-01T00:00:00.000Z')).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(paused.audit.markAppended([], new Map([['actions', { seq: 9, hash: 'forged' }]]))).rejects.toBeInstanceOf(StateLeaseLostError);
      const passEntry: PassLogEntry = {
        sourceId: 's',
        startedAt: new Date(T0).toISOString(),
        finishedAt: new Date(T0 + 1000).toISOString(),
        outcome: 'ok',
        durationMs: 1000,
        pulled: 0,
        planned: 0,
        skipped: 0,
        quarantined: 0,
        written: { sent: 0, unchanged: 0, superseded: 0, failed: 0, dead: 0, wouldSend: 0 },
        pendingWrites: 0,
        requests: 0,
        dryRun: false,
        error: undefined,
      };
      await expect(paused.recordPass(passEntry)).rejects.toBeInstanceOf(StateLeaseLostError);
      await successor.recordPass(passEntry);
      expect(await successor.recentPasses()).toHaveLength(1);
      await expect(lease.renew()).rejects.toBeInstanceOf(StateLeaseLostError);
      await expect(lease.assertHeld()).rejects.toBeInstanceOf(StateLeaseLostError);

      expect(await successor.getWatermark('s')).toBe('2026-12-01T00:00:00.000Z');
      expect((await successor.outbox.list({})).map((e) => [e.id, e.status, e.attempts])).toEqual([['a1', 'pending', 0]]);
      expect(await successor.audit.head('actions')).toBeUndefined();
      await lease.release();
      expect(await successor.leases.current()).toMatchObject({ pid: 202, token: 2, releasedAt: undefined });
    });

    it('lets only one of two daemons starting at the same instant take the lease', async () => {
      const a = await open({ identity: proc(101) });
      const b = await open({ identity: proc(202) });
      const results = await Promise.allSettled([a.leases.acquire(TTL), b.leases.acquire(TTL)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason)).toEqual([expect.any(StateHeldError)]);
    });
  });

  describe('transactions (src/state/postgres/pool.ts)', () => {
    const serverError = (code: string): Error => Object.assign(new Error(`SQLSTATE ${code}`), { code });

    it('runs a transaction again from the start after a serialization failure or a deadlock, rolling back the failed attempt', async () => {
      const store = await open();
      let calls = 0;
      const result = await transaction(store.pool, async (sql) => {
        calls++;
        await sql.run('INSERT INTO watermarks (source_id, updated_at) VALUES ($1, $2)', [`attempt-${calls}`, '2026-12-01T00:00:00Z']);
        if (calls === 1) throw serverError('40001');
        if (calls === 2) throw serverError('40P01');
        return 'done';
      });
      expect(result).toBe('done');
      expect(calls).toBe(3);
      expect(await store.getWatermark('attempt-1')).toBeNull();
      expect(await store.getWatermark('attempt-2')).toBeNull();
      expect(await store.getWatermark('attempt-3')).toBe('2026-12-01T00:00:00Z');
    });

    it('gives up after its attempts, and never retries another error', async () => {
      const store = await open();
      let calls = 0;
      await expect(
        transaction(
          store.pool,
          async () => {
            calls++;
            throw serverError('40001');
          },
          { attempts: 3 },
        ),
      ).rejects.toThrow('SQLSTATE 40001');
      expect(calls).toBe(3);
      calls = 0;
      const duplicate = transaction(store.pool, async (sql) => {
        calls++;
        await sql.run("INSERT INTO watermarks (source_id, updated_at) VALUES ('d', 'x'), ('d', 'y')");
      });
      await expect(duplicate).rejects.toMatchObject({ code: '23505' });
      expect(calls).toBe(1);
    });

    it('retries a real serialization failure of two SERIALIZABLE transactions', async () => {
      const store = await open();
      await store.commitBatch(batch({ roundRobin: new Map([['rr', 0]]) }));
      // Both read the position, then both write it: the server lets one commit and fails the other with 40001.
      const bump = () =>
        transaction(
          store.pool,
          async (sql) => {
            const row = await sql.one<{ position: number }>(`SELECT position FROM round_robin WHERE rule_id = 's/rr'`);
            await new Promise((resolve) => setTimeout(resolve, 50));
            await sql.run(`UPDATE round_robin SET position = $1 WHERE rule_id = 's/rr'`, [(row?.position ?? 0) + 1]);
          },
          { isolation: 'serializable' },
        );
      await Promise.all([bump(), bump()]);
      expect(await store.roundRobinPositions('s')).toEqual(new Map([['rr', 2]]));
      expect(sqlState({ code: '40001' })).toBe('40001');
      expect(sqlState(new Error('x'))).toBeUndefined();
    });
  });

  describe('several daemons on one database', () => {
    it('never hands one outbox entry to two claimers at once (FOR UPDATE SKIP LOCKED), and sends each lane in order whichever claimer takes its entries', async () => {
      const at = new Date(T0);
      const seed = await open();
      const actions: PlannedAction[] = [];
      for (let lane = 0; lane < 40; lane++) {
        for (let n = 0; n < 3; n++) actions.push(planned(`l${lane}-${n}`, `lane-${lane}`, { type: 'comment', visibility: 'internal', body: `${lane}/${n}` }));
      }
      await seed.commitBatch(batch({ actions }));
      const claimers = await Promise.all([open(), open(), open()]);

      const taken = new Map<string, number>();
      /** Per lane, the entries in the order they were sent. */
      const sentInLane = new Map<string, string[]>();
      const work = async (store: PostgresStateStore, who: number): Promise<void> => {
        for (;;) {
          const due = await store.outbox.due('s', at, 7);
          if (due.length === 0) return;
          for (const entry of due) {
            expect(taken.has(entry.id), `${entry.id} claimed twice`).toBe(false);
            taken.set(entry.id, who);
            await store.outbox.markAttempt(entry.id);
            // The send itself, as a pause: the other claimers go on meanwhile.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            sentInLane.set(entry.ticketKey, [...(sentInLane.get(entry.ticketKey) ?? []), entry.id]);
            await store.outbox.markDone(entry.id, { outcome: 'created', ref: entry.planned.target.nativeId });
          }
        }
      };
      // Until nothing is left: a claimer that finds a lane busy with another comes back for it.
      for (let round = 0; round < 20 && taken.size < actions.length; round++) await Promise.all(claimers.map((store, who) => work(store, who)));

      expect(taken.size).toBe(actions.length);
      expect(await seed.outbox.counts()).toEqual({ pending: 0, done: actions.length, dead: 0 });
      const entries = await seed.outbox.list({ limit: 1000 });
      expect(entries.every((e) => e.attempts === 1)).toBe(true);
      // Each lane sent in its order, whichever claimers took its entries.
      for (let lane = 0; lane < 40; lane++) expect(sentInLane.get(`lane-${lane}`)).toEqual([`l${lane}-0`, `l${lane}-1`, `l${lane}-2`]);
      expect(new Set(taken.values()).size).toBeGreaterThan(1);
    });

    it('leaves a lane whose earlier entry another claimer holds, and hands it out once that one is done', async () => {
      const at = new Date(T0);
      const seed = await open();
      await seed.commitBatch(batch({ actions: [planned('x1', 'lane', { type: 'assign', group: 'G' }), planned('x2', 'lane', { type: 'comment', visibility: 'internal', body: 'n' })] }));
      const [a, b] = await Promise.all([open(), open()]);

      expect((await a.outbox.due('s', at, 1)).map((e) => e.id)).toEqual(['x1']);
      // x2 is due as far as the lane rules go, but x1 is a's: b waits.
      expect((await b.outbox.due('s', at, 10)).map((e) => e.id)).toEqual([]);
      await a.outbox.markDone('x1', { outcome: 'updated', ref: 'lane' });
      expect((await b.outbox.due('s', at, 10)).map((e) => e.id)).toEqual(['x2']);
      // A claim runs out: a dead claimer's entries go to the others.
      expect((await a.outbox.due('s', at, 10)).map((e) => e.id)).toEqual([]);
      expect((await a.outbox.due('s', new Date(T0 + 5 * 60_000), 10)).map((e) => e.id)).toEqual(['x2']);
    });

    it('migrates a new database once when several stores open it at the same instant', async () => {
      // A migration run twice would fail (CREATE TABLE of a table that exists): every open succeeding shows it ran once.
      const fresh = await createDatabase();
      try {
        const opened = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(fresh, { max: 2 })));
        try {
          const rows = await opened[0]!.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
          expect(rows.rows.map((r) => r.version)).toEqual(migrations.map((_, i) => i + 1));
          // Opening again applies nothing.
          expect(await migrate(opened[0]!.pool)).toEqual([]);
          await opened[1]!.commitBatch(batch({ watermark: '2026-12-01T00:00:00Z' }));
          expect(await opened[2]!.getWatermark('s')).toBe('2026-12-01T00:00:00Z');
        } finally {
          for (const store of opened) await store.close();
        }
      } finally {
        await dropDatabase(fresh);
      }
    });
  });
});
