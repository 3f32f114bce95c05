import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  StateHeldError,
  StateLeaseLostError,
  staleness,
  type LeaseHolder,
  type LeaseRecord,
  type LeaseRequest,
  type ProcessIdentity,
  type StaleReason,
  type StateLease,
  type StateLeases,
} from '../lease.js';
import { sqlOf, transaction, type Sql } from './pool.js';

interface LeaseRow {
  holder_id: string;
  pid: number;
  host: string;
  pid_namespace: string | null;
  started_at: string;
  heartbeat_at: string;
  ttl_ms: number;
  token: string;
  released_at: string | null;
}

/** First key of the two-key advisory locks taken while a lease row is created ("lease"). */
const LEASE_LOCK_KEY = 0x6c656173;

/**
 * A lease as one row of table `leases` (the whole state's today: name 'state'; one per source
 * later). The same contract as SqliteStateLeases: acquisition reads and writes the row in one
 * transaction holding the row's lock (`FOR UPDATE`), so two daemons starting at once are
 * serialised and exactly one wins; the token grows by one on every acquisition.
 *
 * Fencing: every fenced commit reads the row `FOR SHARE` inside its own transaction. A takeover's
 * UPDATE waits for that share lock, so no new holder can commit between a stale holder's check and
 * its commit; once the takeover has committed, the check sees the new token and throws.
 */
export class PostgresStateLeases implements StateLeases {
  /** The lease this store took: every fenced commit of the store checks it. */
  private held: { token: number; holderId: string } | undefined;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    private readonly clock: () => Date,
    private readonly me: ProcessIdentity,
    private readonly name = 'state',
  ) {}

  async acquire(request: LeaseRequest): Promise<StateLease> {
    const now = this.clock();
    let takenOver: { previous: LeaseHolder; reason: StaleReason } | undefined;
    const holder = await transaction(this.pool, async (sql) => {
      takenOver = undefined;
      // The row may not exist yet: serialise its creation (FOR UPDATE locks only rows that exist).
      await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LEASE_LOCK_KEY, this.name]);
      const row = await sql.one<LeaseRow>('SELECT * FROM leases WHERE name = $1 FOR UPDATE', [this.name]);
      if (row && row.released_at === null) {
        const previous = toRecord(row);
        const reason = staleness(previous, now, this.me);
        if (!reason) throw new StateHeldError(this.location, previous, now);
        takenOver = { previous, reason };
      }
      const next: LeaseHolder = {
        holderId: randomUUID(),
        pid: this.me.pid,
        host: this.me.host,
        pidNamespace: this.me.pidNamespace,
        startedAt: now.toISOString(),
        heartbeatAt: now.toISOString(),
        ttlMs: request.ttlMs,
        token: (row ? Number(row.token) : 0) + 1,
      };
      await sql.run(
        `INSERT INTO leases (name, holder_id, pid, host, pid_namespace, started_at, heartbeat_at, ttl_ms, token, released_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)
         ON CONFLICT (name) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid, host = excluded.host,
           pid_namespace = excluded.pid_namespace, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
           ttl_ms = excluded.ttl_ms, token = excluded.token, released_at = NULL`,
        [this.name, next.holderId, next.pid, next.host, next.pidNamespace ?? null, next.startedAt, next.heartbeatAt, next.ttlMs, next.token],
      );
      return next;
    });
    this.held = { token: holder.token, holderId: holder.holderId };
    return this.lease(holder, takenOver);
  }

  async current(): Promise<LeaseRecord | undefined> {
    const row = await sqlOf(this.pool).one<LeaseRow>('SELECT * FROM leases WHERE name = $1', [this.name]);
    return row ? toRecord(row) : undefined;
  }

  /**
   * Inside a store's write transaction: throws StateLeaseLostError unless this store's lease is
   * still the current one (and keeps the row share-locked until the commit). A store that never
   * took a lease (admin commands, tests) is not fenced.
   */
  /** Outside a transaction (the audit trail, before it appends to its files): the same check, on the pool. */
  async fence(): Promise<void> {
    if (this.held) await this.assertCurrent(sqlOf(this.pool), this.held.token, this.held.holderId, false);
  }

  async fenceIn(sql: Sql): Promise<void> {
    if (this.held) await this.assertCurrent(sql, this.held.token, this.held.holderId, true);
  }

  private async assertCurrent(sql: Sql, token: number, holderId: string, lock: boolean): Promise<void> {
    const row = await sql.one<LeaseRow>(`SELECT * FROM leases WHERE name = $1${lock ? ' FOR SHARE' : ''}`, [this.name]);
    if (!row || Number(row.token) !== token || row.holder_id !== holderId || row.released_at !== null) {
      throw new StateLeaseLostError(this.location, token, row ? toRecord(row) : undefined);
    }
  }

  private lease(holder: LeaseHolder, takenOver: StateLease['takenOver']): StateLease {
    const { pool, clock, name } = this;
    const check = (sql: Sql): Promise<void> => this.assertCurrent(sql, holder.token, holder.holderId, false);
    return {
      token: holder.token,
      holder,
      takenOver,
      async renew() {
        const sql = sqlOf(pool);
        const changed = await sql.run('UPDATE leases SET heartbeat_at = $1 WHERE name = $2 AND token = $3 AND holder_id = $4 AND released_at IS NULL', [
          clock().toISOString(),
          name,
          holder.token,
          holder.holderId,
        ]);
        if (changed === 0) await check(sql);
      },
      async release() {
        await sqlOf(pool).run('UPDATE leases SET released_at = $1 WHERE name = $2 AND token = $3 AND holder_id = $4 AND released_at IS NULL', [
          clock().toISOString(),
          name,
          holder.token,
          holder.holderId,
        ]);
      },
      async assertHeld() {
        await check(sqlOf(pool));
      },
    };
  }
}

function toRecord(row: LeaseRow): LeaseRecord {
  return {
    holderId: row.holder_id,
    pid: row.pid,
    host: row.host,
    pidNamespace: row.pid_namespace ?? undefined,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    ttlMs: row.ttl_ms,
    token: Number(row.token),
    releasedAt: row.released_at ?? undefined,
  };
}
