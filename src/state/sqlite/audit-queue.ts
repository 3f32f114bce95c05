import type Database from 'better-sqlite3';
import { writeRecord } from '../write-record.js';
import { PlannedAction } from '../../model/action.js';
import type { WriteTransaction } from './lease.js';
import type { QueuedAuditRecord, StoredAuditHead, AuditLogName, AuditQueue, PendingAuditRecord } from '../types.js';

interface PendingRow {
  seq: number;
  log: AuditLogName;
  event_id: string;
  at: string;
  data: string;
}

/**
 * Audit records waiting to be appended to the JSONL logs. They are written here in the same
 * transaction as what they record (a batch's verdicts, an outbox entry's outcome), so a crash can
 * neither lose one nor record one for something that did not happen; appending to the files
 * happens after, idempotently by event id.
 */
export class SqliteAuditQueue implements AuditQueue {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => Date,
    /** Runs a change to source state in a write transaction (fenced by the store's lease). */
    private readonly write: WriteTransaction = (fn) => db.transaction(fn).immediate(),
  ) {
    this.stmts = {
      enqueue: db.prepare('INSERT OR IGNORE INTO audit_pending (log, event_id, at, data) VALUES (?, ?, ?, ?)'),
      pending: db.prepare<[number], PendingRow>('SELECT * FROM audit_pending ORDER BY seq LIMIT ?'),
      remove: db.prepare('DELETE FROM audit_pending WHERE seq = ?'),
      setHead: db.prepare('INSERT INTO audit_heads (log, seq, hash) VALUES (?, ?, ?) ON CONFLICT(log) DO UPDATE SET seq = excluded.seq, hash = excluded.hash'),
      head: db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM audit_heads WHERE log = ?'),
      outboxEntry: db.prepare<[string], { planned: string; attempts: number }>('SELECT planned, attempts FROM outbox WHERE id = ?'),
    };
  }

  /** Inside a caller's transaction. */
  enqueue(events: readonly QueuedAuditRecord[]): void {
    for (const e of events) this.stmts.enqueue.run(e.log, e.id, e.at, JSON.stringify(e.data));
  }

  /** What happened to an outbox entry, for the action log; inside the caller's transaction. */
  recordWrite(outboxId: string, outcome: string, error?: string, previous?: Readonly<Record<string, string | null>>): void {
    const row = this.stmts.outboxEntry.get(outboxId);
    if (!row) return;
    const planned = PlannedAction.parse(JSON.parse(row.planned));
    this.enqueue([writeRecord(outboxId, planned, row.attempts, outcome, this.clock().toISOString(), error, previous)]);
  }

  async pending(limit: number): Promise<PendingAuditRecord[]> {
    return this.stmts.pending.all(limit).map((r) => ({ seq: r.seq, log: r.log, id: r.event_id, at: r.at, data: JSON.parse(r.data) as QueuedAuditRecord['data'] }));
  }

  async markAppended(seqs: readonly number[], heads: ReadonlyMap<AuditLogName, StoredAuditHead>): Promise<void> {
    this.write(() => {
      for (const seq of seqs) this.stmts.remove.run(seq);
      for (const [log, head] of heads) this.stmts.setHead.run(log, head.seq, head.hash);
    });
  }

  async head(log: AuditLogName): Promise<StoredAuditHead | undefined> {
    return this.stmts.head.get(log);
  }
}
