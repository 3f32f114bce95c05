import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
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

/**
 * The lease as one row of the state file (table `state_lease`). Acquisition reads and writes the
 * row in one IMMEDIATE transaction, so two daemons starting at the same instant are serialised
 * by SQLite's write lock (waiting out `busy_timeout`) and exactly one of them wins.
 */
export class SqliteStateLeases implements StateLeases {
  /** The lease this connection took: every fenced commit of the store checks it. */
  private held: { token: number; holderId: string } | undefined;
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    readonly location: string,
    private readonly clock: () => Date,
    private readonly me: ProcessIdentity,
  ) {
    this.stmts = {
      get: db.prepare<[], LeaseRow>('SELECT * FROM state_lease WHERE id = 1'),
      put: db.prepare(
        `INSERT INTO state_lease (id, holder_id, pid, host, pid_namespace, started_at, heartbeat_at, ttl_ms, token, released_at)
         VALUES (1, @holderId, @pid, @host, @pidNamespace, @startedAt, @heartbeatAt, @ttlMs, @token, NULL)
         ON CONFLICT(id) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid, host = excluded.host,
           pid_namespace = excluded.pid_namespace, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
           ttl_ms = excluded.ttl_ms, token = excluded.token, released_at = NULL`,
      ),
      renew: db.prepare('UPDATE state_lease SET heartbeat_at = ? WHERE id = 1 AND token = ? AND holder_id = ? AND released_at IS NULL'),
      release: db.prepare('UPDATE state_lease SET released_at = ? WHERE id = 1 AND token = ? AND holder_id = ? AND released_at IS NULL'),
    };
  }

  async acquire(request: LeaseRequest): Promise<StateLease> {
    const now = this.clock();
    let takenOver: { previous: LeaseHolder; reason: StaleReason } | undefined;
    let holder: LeaseHolder;
    try {
      holder = this.take(request, now, (previous, reason) => (takenOver = { previous, reason }));
    } catch (error) {
      // The busy timeout ran out: a process holds the write lock (paused inside a commit). While
      // it does, nobody can write, so it is still the holder, whatever its heartbeat says.
      const row = error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY') ? this.stmts.get.get() : undefined;
      if (row) throw new StateHeldError(this.location, leaseRecordOf(row), now, true);
      throw error;
    }
    this.held = { token: holder.token, holderId: holder.holderId };
    return this.lease(holder, takenOver);
  }

  private take(request: LeaseRequest, now: Date, onTakeover: (previous: LeaseHolder, reason: StaleReason) => void): LeaseHolder {
    return this.db
      .transaction((): LeaseHolder => {
        const row = this.stmts.get.get();
        if (row && row.released_at === null) {
          const previous = leaseRecordOf(row);
          const reason = staleness(previous, now, this.me);
          if (!reason) throw new StateHeldError(this.location, previous, now);
          onTakeover(previous, reason);
        }
        const next: LeaseHolder = {
          holderId: randomUUID(),
          pid: this.me.pid,
          host: this.me.host,
          pidNamespace: this.me.pidNamespace,
          startedAt: now.toISOString(),
          heartbeatAt: now.toISOString(),
          ttlMs: request.ttlMs,
          token: Number(row?.token ?? 0) + 1,
        };
        this.stmts.put.run({ ...next, pidNamespace: next.pidNamespace ?? null });
        return next;
      })
      .immediate();
  }

  async current(): Promise<LeaseRecord | undefined> {
    const row = this.stmts.get.get();
    return row ? leaseRecordOf(row) : undefined;
  }

  /**
   * Inside a store's write transaction (IMMEDIATE, so no other writer can slip in before the
   * commit): throws unless this connection's lease is still the current one. A store that never
   * took a lease (the CLI's admin commands, tests) is not fenced.
   */
  fence(): void {
    if (this.held) this.assertCurrent(this.held.token, this.held.holderId);
  }

  private assertCurrent(token: number, holderId: string): void {
    const row = this.stmts.get.get();
    if (!row || row.token !== token || row.holder_id !== holderId || row.released_at !== null) {
      throw new StateLeaseLostError(this.location, token, row ? leaseRecordOf(row) : undefined);
    }
  }

  private lease(holder: LeaseHolder, takenOver: StateLease['takenOver']): StateLease {
    const { db, stmts, clock } = this;
    const check = (): void => this.assertCurrent(holder.token, holder.holderId);
    return {
      token: holder.token,
      holder,
      takenOver,
      async renew() {
        db.transaction(() => {
          if (stmts.renew.run(clock().toISOString(), holder.token, holder.holderId).changes === 0) check();
        }).immediate();
      },
      async release() {
        stmts.release.run(clock().toISOString(), holder.token, holder.holderId);
      },
      async assertHeld() {
        check();
      },
    };
  }
}

/** Runs `fn` in an IMMEDIATE transaction, after checking the store's lease (if it holds one). */
export type WriteTransaction = <T>(fn: () => T) => T;
