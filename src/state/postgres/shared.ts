import type pg from 'pg';
import type { LeaseRequest, ProcessIdentity, StateLease } from '../lease.js';
import type { AuditWriterResult, DaemonRecord, SharedState, SourceLeaseRecord } from '../shared.js';
import type { PostgresStateLeases } from './lease.js';
import { sqlOf, type Sql } from './pool.js';

interface DaemonRow {
  daemon_id: string;
  pid: number;
  host: string;
  pid_namespace: string | null;
  started_at: string;
  heartbeat_at: string;
  ttl_ms: number;
  stopped_at: string | null;
  version: string | null;
}

/** First key of the audit writer's advisory lock ("audi"); the second is the schema's, so a dry-run schema has its own writer. */
const AUDIT_WRITER_LOCK_KEY = 0x61756469;

/** Rows of daemons stopped, or silent, this long are pruned when the list is read. */
const FORGET_DAEMONS_AFTER_MS = 86_400_000;

/** The audit writer's lock is gone (its connection dropped): what was appended is adopted by the next writer. */
export class AuditWriterLostError extends Error {
  constructor() {
    super("this daemon is no longer the audit logs' writer (its database connection dropped); the records stay queued for the next writer");
    this.name = 'AuditWriterLostError';
  }
}

/**
 * The parts of a PostgreSQL state that let several daemons share it: the `daemons` registry,
 * per-source leases (in PostgresStateLeases, which fences the store's commits by them) and the
 * audit logs' one-writer lock.
 */
export class PostgresSharedState implements SharedState {
  /** The connection whose open transaction holds the audit writer lock, while this store holds it. */
  private writer: pg.PoolClient | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly leases: PostgresStateLeases,
    private readonly clock: () => Date,
    private readonly me: ProcessIdentity,
  ) {}

  async register(daemon: { daemonId: string; ttlMs: number; version?: string }): Promise<void> {
    const now = this.clock().toISOString();
    await sqlOf(this.pool).run(
      `INSERT INTO daemons (daemon_id, pid, host, pid_namespace, started_at, heartbeat_at, ttl_ms, stopped_at, version) VALUES ($1, $2, $3, $4, $5, $5, $6, NULL, $7)
       ON CONFLICT (daemon_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, pid_namespace = excluded.pid_namespace, heartbeat_at = excluded.heartbeat_at,
         ttl_ms = excluded.ttl_ms, stopped_at = NULL, version = excluded.version`,
      [daemon.daemonId, this.me.pid, this.me.host, this.me.pidNamespace ?? null, now, daemon.ttlMs, daemon.version ?? null],
    );
  }

  async heartbeat(daemonId: string): Promise<boolean> {
    const changed = await sqlOf(this.pool).run('UPDATE daemons SET heartbeat_at = $1 WHERE daemon_id = $2 AND stopped_at IS NULL', [this.clock().toISOString(), daemonId]);
    return changed > 0;
  }

  async leave(daemonId: string): Promise<void> {
    await sqlOf(this.pool).run('UPDATE daemons SET stopped_at = $1 WHERE daemon_id = $2 AND stopped_at IS NULL', [this.clock().toISOString(), daemonId]);
  }

  async daemons(): Promise<DaemonRecord[]> {
    const sql = sqlOf(this.pool);
    const horizon = new Date(this.clock().getTime() - FORGET_DAEMONS_AFTER_MS).toISOString();
    await sql.run('DELETE FROM daemons WHERE coalesce(stopped_at, heartbeat_at) < $1', [horizon]);
    const rows = await sql.rows<DaemonRow>('SELECT * FROM daemons ORDER BY heartbeat_at DESC, daemon_id');
    return rows.map((r) => ({
      daemonId: r.daemon_id,
      pid: r.pid,
      host: r.host,
      pidNamespace: r.pid_namespace ?? undefined,
      startedAt: r.started_at,
      heartbeatAt: r.heartbeat_at,
      ttlMs: r.ttl_ms,
      stoppedAt: r.stopped_at ?? undefined,
      version: r.version ?? undefined,
    }));
  }

  acquireSource(sourceId: string, request: LeaseRequest): Promise<StateLease> {
    return this.leases.acquireSource(sourceId, request);
  }

  sourceLeases(): Promise<SourceLeaseRecord[]> {
    return this.leases.sourceLeases();
  }

  /**
   * A transaction-level advisory lock, taken in a transaction kept open on a connection of its own
   * for the task: a writer that dies, or is paused past the pool's idle-in-transaction timeout,
   * lets go with its session, and its half-done append is adopted by the next writer (the audit
   * trail matches entries past the recorded head against the queue).
   */
  async asAuditWriter<T>(task: () => Promise<T>): Promise<AuditWriterResult<T>> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema())) AS ok', [AUDIT_WRITER_LOCK_KEY]);
      if (!got.rows[0]?.ok) {
        await client.query('ROLLBACK');
        return { ran: false };
      }
      this.writer = client;
      try {
        return { ran: true, value: await task() };
      } finally {
        this.writer = undefined;
        // Ending the transaction releases the lock; a session the server already ended has nothing to release.
        await client.query('COMMIT').catch((error: unknown) => {
          broken = error instanceof Error ? error : new Error(String(error));
        });
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // A connection that failed is destroyed rather than pooled.
      client.release(broken);
    }
  }

  /**
   * Inside the transaction recording new audit heads: when daemons share the state, only the
   * writer may record them, and only while its session (and so its lock) is alive — asked on the
   * writer's own connection, which also keeps that session from counting as idle.
   */
  async assertAuditWriter(_sql: Sql): Promise<void> {
    if (!this.leases.sharesSources) return;
    const writer = this.writer;
    if (!writer) throw new AuditWriterLostError();
    try {
      await writer.query('SELECT 1');
    } catch {
      throw new AuditWriterLostError();
    }
  }
}
