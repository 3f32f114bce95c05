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
  leaseRecordOf,
  type LeaseRow,
} from '../lease.js';
import { sqlOf, sqlState, transaction, type Sql } from './pool.js';

/** The lease row of one source, when several daemons share the state. */
export function sourceLeaseName(sourceId: string): string {
  return `source:${sourceId}`;
}

/** How long taking a lease waits for a row another session has locked (a commit in progress) before calling it busy. */
const LEASE_LOCK_WAIT_MS = 2_000;

/** First key of the two-key advisory locks taken while a lease row is created ("lease"). */
const LEASE_LOCK_KEY = 0x6c656173;

/**
 * A lease as one row of table `leases`: the whole state's (name 'state', one daemon for every
 * source), or one per source (`source:<id>`) when several daemons share the state. The same contract as SqliteStateLeases: acquisition reads and writes the row in one
 * transaction holding the row's lock (`FOR UPDATE`), so two daemons starting at once are
 * serialised and exactly one wins; the token grows by one on every acquisition.
 *
 * Fencing: every fenced commit reads the row `FOR SHARE` inside its own transaction. A takeover's
 * UPDATE waits for that share lock, so no new holder can commit between a stale holder's check and
 * its commit; once the takeover has committed, the check sees the new token and throws.
 */
export class PostgresStateLeases implements StateLeases {
  /** The leases this store took, by row name: every fenced commit of the store checks the ones it touches. */
  private readonly held = new Map<string, { token: number; holderId: string }>();
  /** Set by the first source lease: from then on a commit for a source this store does not hold is refused. */
  private sharing = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    private readonly clock: () => Date,
    private readonly me: ProcessIdentity,
  ) {}

  /** Whether this store took a source's lease: its commits are then fenced source by source. */
  get sharesSources(): boolean {
    return this.sharing;
  }

  /** The whole state's lease (one daemon for every source). */
  acquire(request: LeaseRequest): Promise<StateLease> {
    return this.acquireNamed('state', request);
  }

  /**
   * One source's lease (several daemons share the state). In the same transaction the source's
   * outbox claims of the former holder are dropped: its writes are this holder's to send now, not
   * after the claim runs out.
   */
  acquireSource(sourceId: string, request: LeaseRequest): Promise<StateLease> {
    this.sharing = true;
    return this.acquireNamed(sourceLeaseName(sourceId), request, sourceId, (sql) =>
      sql.run(`UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE source_id = $1 AND status = 'pending' AND claimed_by IS NOT NULL`, [sourceId]),
    );
  }

  private async acquireNamed(name: string, request: LeaseRequest, sourceId?: string, alsoInTransaction?: (sql: Sql) => Promise<unknown>): Promise<StateLease> {
    const now = this.clock();
    let takenOver: { previous: LeaseHolder; reason: StaleReason } | undefined;
    const holder = await transaction(this.pool, async (sql) => {
      takenOver = undefined;
      // A holder paused inside a fenced commit keeps the row share-locked until the server ends its
      // session (idle_in_transaction_session_timeout): wait a little, then say it is busy.
      await sql.run(`SET LOCAL lock_timeout = '${LEASE_LOCK_WAIT_MS}ms'`);
      // The row may not exist yet: serialise its creation (FOR UPDATE locks only rows that exist).
      await sql.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LEASE_LOCK_KEY, name]);
      let row: LeaseRow | undefined;
      try {
        row = await sql.one<LeaseRow>('SELECT * FROM leases WHERE name = $1 FOR UPDATE', [name]);
      } catch (error) {
        if (sqlState(error) !== '55P03') throw error;
        const holderRow = await sqlOf(this.pool).one<LeaseRow>('SELECT * FROM leases WHERE name = $1', [name]);
        if (!holderRow) throw error;
        throw new StateHeldError(sourceId !== undefined ? `${this.location} (source ${sourceId})` : this.location, leaseRecordOf(holderRow), now, true);
      }
      if (row && row.released_at === null) {
        const previous = leaseRecordOf(row);
        const reason = staleness(previous, now, this.me);
        if (!reason) throw new StateHeldError(sourceId !== undefined ? `${this.location} (source ${sourceId})` : this.location, previous, now);
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
        daemonId: request.daemonId,
      };
      await sql.run(
        `INSERT INTO leases (name, holder_id, pid, host, pid_namespace, started_at, heartbeat_at, ttl_ms, token, released_at, daemon_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10)
         ON CONFLICT (name) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid, host = excluded.host,
           pid_namespace = excluded.pid_namespace, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
           ttl_ms = excluded.ttl_ms, token = excluded.token, released_at = NULL, daemon_id = excluded.daemon_id`,
        [name, next.holderId, next.pid, next.host, next.pidNamespace ?? null, next.startedAt, next.heartbeatAt, next.ttlMs, next.token, next.daemonId ?? null],
      );
      await alsoInTransaction?.(sql);
      return next;
    });
    this.held.set(name, { token: holder.token, holderId: holder.holderId });
    return this.lease(name, holder, takenOver, sourceId);
  }

  async current(): Promise<LeaseRecord | undefined> {
    const row = await sqlOf(this.pool).one<LeaseRow>('SELECT * FROM leases WHERE name = $1', ['state']);
    return row ? leaseRecordOf(row) : undefined;
  }

  /** Every source's lease row (held or released), for `deskbridge status`. */
  async sourceLeases(): Promise<(LeaseRecord & { sourceId: string })[]> {
    const rows = await sqlOf(this.pool).rows<LeaseRow & { name: string }>(`SELECT * FROM leases WHERE starts_with(name, 'source:') ORDER BY name`);
    return rows.map((row) => ({ ...leaseRecordOf(row), sourceId: row.name.slice('source:'.length) }));
  }

  /** Outside a transaction (the audit trail, before it appends to its files): the whole state's lease, on the pool. */
  async fence(): Promise<void> {
    const state = this.held.get('state');
    if (state) await this.assertCurrent(sqlOf(this.pool), 'state', state, false);
  }

  /**
   * Inside a store's write transaction: throws StateLeaseLostError unless this store's leases are
   * still the current ones — the whole state's, if it took it, and the lease of each source the
   * commit changes once it shares the sources (a source it does not hold is refused) — and keeps
   * those rows share-locked until the commit. A store that never took a lease (admin commands,
   * tests) is not fenced.
   */
  async fenceIn(sql: Sql, sourceIds: readonly string[] = []): Promise<void> {
    const state = this.held.get('state');
    if (state) await this.assertCurrent(sql, 'state', state, true);
    if (!this.sharing) return;
    for (const sourceId of new Set(sourceIds)) {
      const name = sourceLeaseName(sourceId);
      const lease = this.held.get(name);
      if (!lease) {
        const row = await sql.one<LeaseRow>('SELECT * FROM leases WHERE name = $1', [name]);
        throw new StateLeaseLostError(this.location, 0, row ? leaseRecordOf(row) : undefined, sourceId);
      }
      await this.assertCurrent(sql, name, lease, true, sourceId);
    }
  }

  private async assertCurrent(sql: Sql, name: string, held: { token: number; holderId: string }, lock: boolean, sourceId?: string): Promise<void> {
    const row = await sql.one<LeaseRow>(`SELECT * FROM leases WHERE name = $1${lock ? ' FOR SHARE' : ''}`, [name]);
    if (!row || Number(row.token) !== held.token || row.holder_id !== held.holderId || row.released_at !== null) {
      throw new StateLeaseLostError(this.location, held.token, row ? leaseRecordOf(row) : undefined, sourceId);
    }
  }

  private lease(name: string, holder: LeaseHolder, takenOver: StateLease['takenOver'], sourceId: string | undefined): StateLease {
    const { pool, clock } = this;
    const held = { token: holder.token, holderId: holder.holderId };
    const check = (sql: Sql): Promise<void> => this.assertCurrent(sql, name, held, false, sourceId);
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
        // The held token stays: once the row says released, every fenced commit for it is refused.
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
