import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import { StateHeldError, type ProcessIdentity } from '../../../src/state/lease.js';
import { migrate, migrations } from '../../../src/state/postgres/migrations.js';
import { sqlState, transaction } from '../../../src/state/postgres/pool.js';
import { openPostgresStore, type PostgresStateStore } from '../../../src/state/postgres/store.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit, OutboxEntry, StateStore } from '../../../src/state/types.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl, useMigratedTestDatabase } from '../../helpers/postgres.js';

/**
 * The PostgreSQL state store against a real server, beyond the store tests of test/unit/state and
 * test/unit/outbox/dead-letter-plan.test.ts (which run against both stores: test/helpers/stores.ts):
 * answers compared with the SQLite store's, transactions retried, and what only several daemons on
 * one database can show (SKIP LOCKED claims, one migration, one lease for two at the same instant).
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
  const database = useMigratedTestDatabase(ADMIN_URL);
  const stores: PostgresStateStore[] = [];
  let now = T0;
  const clock = (): Date => new Date(now);

  /** A store on this file's database, closed after the test (as a daemon would open it). */
  const open = async (options: { clock?: () => Date; identity?: ProcessIdentity } = {}): Promise<PostgresStateStore> => {
    const store = await openPostgresStore(database.url(), { max: 4, clock: options.clock ?? clock, identity: options.identity ?? proc(process.pid) });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    now = T0;
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
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

  describe('leases', () => {
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
