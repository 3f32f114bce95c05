import { writeRecord } from '../write-record.js';
import { PlannedAction } from '../../model/action.js';
import type { AuditLogName, AuditQueue, PendingAuditRecord, QueuedAuditRecord, StoredAuditHead } from '../types.js';
import { sqlOf, type Sql } from './pool.js';
import type pg from 'pg';

interface PendingRow {
  seq: string;
  log: AuditLogName;
  event_id: string;
  at: string;
  data: QueuedAuditRecord['data'];
}

/**
 * What a change touches, for fencing when daemons share the sources: the sources themselves, or
 * outbox entries or quarantine records (whose sources are read in the transaction). Unscoped:
 * admin changes (retry, discard) and the audit heads, fenced by the whole state's lease only.
 */
export type WriteScope = { sources: readonly string[] } | { outbox: readonly string[] } | { quarantine: readonly number[] } | { auditWriter: true };

/** Runs a change to source state in one transaction, fenced by the store's lease(s) for `scope`. */
export type PgWrite = <T>(fn: (sql: Sql) => Promise<T>, scope?: WriteScope) => Promise<T>;

/**
 * The PostgreSQL side of the audit queue (see SqliteAuditQueue): records are queued in the same
 * transaction as what they record, and appended to the JSONL logs after, idempotently by event id.
 * `data` is a `json` column: it comes back with its keys in the order they were written.
 */
export class PostgresAuditQueue implements AuditQueue {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: () => Date,
    private readonly write: PgWrite,
  ) {}

  /** Inside a caller's transaction; one statement for all the events (ORDER BY n: their seqs, the order they are appended in, follow the list). */
  async enqueue(sql: Sql, events: readonly QueuedAuditRecord[]): Promise<void> {
    if (events.length === 0) return;
    await sql.run(
      `INSERT INTO audit_pending (log, event_id, at, data)
       SELECT log, event_id, at, data::json FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u (log, event_id, at, data, n)
       ORDER BY n ON CONFLICT (log, event_id) DO NOTHING`,
      [events.map((e) => e.log), events.map((e) => e.id), events.map((e) => e.at), events.map((e) => JSON.stringify(e.data))],
    );
  }

  /** What happened to an outbox entry, for the action log; inside the caller's transaction. */
  async recordWrite(sql: Sql, outboxId: string, outcome: string, error?: string, previous?: Readonly<Record<string, string | null>>): Promise<void> {
    const row = await sql.one<{ planned: unknown; attempts: number }>('SELECT planned, attempts FROM outbox WHERE id = $1', [outboxId]);
    if (!row) return;
    const planned = PlannedAction.parse(row.planned);
    await this.enqueue(sql, [writeRecord(outboxId, planned, row.attempts, outcome, this.clock().toISOString(), error, previous)]);
  }

  async pending(limit: number): Promise<PendingAuditRecord[]> {
    const rows = await sqlOf(this.pool).rows<PendingRow>('SELECT seq, log, event_id, at, data FROM audit_pending ORDER BY seq LIMIT $1', [limit]);
    return rows.map((r) => ({ seq: Number(r.seq), log: r.log, id: r.event_id, at: r.at, data: r.data }));
  }

  async markAppended(seqs: readonly number[], heads: ReadonlyMap<AuditLogName, StoredAuditHead>): Promise<void> {
    await this.write(
      async (sql) => {
        if (seqs.length > 0) await sql.run('DELETE FROM audit_pending WHERE seq = ANY($1::bigint[])', [seqs]);
        for (const [log, head] of heads) {
          await sql.run('INSERT INTO audit_heads (log, seq, hash) VALUES ($1, $2, $3) ON CONFLICT (log) DO UPDATE SET seq = excluded.seq, hash = excluded.hash', [log, head.seq, head.hash]);
        }
      },
      { auditWriter: true },
    );
  }

  async head(log: AuditLogName): Promise<StoredAuditHead | undefined> {
    const row = await sqlOf(this.pool).one<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_heads WHERE log = $1', [log]);
    return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
  }
}
