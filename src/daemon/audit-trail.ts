import { join } from 'node:path';
import { AuditLog, PAYLOAD_BY_LOG, type Head } from '../audit/index.js';
import type { Logger } from '../observability/logger.js';
import type { AuditHead, AuditLogName, StateStore } from '../state/types.js';

const BATCH = 1_000;
const FLUSH_INTERVAL_MS = 1_000;

/**
 * Moves audit records from the state store's queue into the hash-chained JSONL logs. The queue
 * is written in the same transactions as what the records describe; this is the second half:
 * append (idempotent by event id, so a crash between the file write and the queue update only
 * means the next flush skips what is already there), then drop the queued rows and record each
 * log's head in the state store, where `audit verify` finds it.
 */
export class AuditTrail {
  private readonly logs = new Map<AuditLogName, AuditLog>();
  /** Flushes run one at a time: several sources share one store and one set of files. */
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    readonly dir: string,
    private readonly logger: Logger,
    private readonly maxBytes: number,
  ) {}

  /** When the last append finished; appends are fsynced, so they are batched rather than per write. */
  private lastFlush = 0;

  /**
   * Appends what is queued. Without `force`, at most once a second: each append is fsynced, and the
   * queue in the state file already keeps every record safe in between. A pass ends with `force`.
   */
  flush(options: { force?: boolean } = {}): Promise<void> {
    if (!options.force && Date.now() - this.lastFlush < FLUSH_INTERVAL_MS) return this.running;
    this.lastFlush = Date.now();
    const next = this.running.then(() => this.flushNow());
    // One failed flush (a full disk) must not wedge every later one; the queue keeps the records.
    this.running = next.catch((error: unknown) => {
      this.logger.error('Audit log append failed; records stay queued in the state store', { dir: this.dir, error: error instanceof Error ? error.message : String(error) });
    });
    return this.running;
  }

  private async flushNow(): Promise<void> {
    for (;;) {
      const pending = await this.store.audit.pending(BATCH);
      if (pending.length === 0) return;
      const heads = new Map<AuditLogName, AuditHead>();
      for (const log of ['qa', 'actions'] as const) {
        // Parsed against the log's schema: a record that does not fit fails here, loudly, not at `audit verify`.
        const events = pending.filter((e) => e.log === log).map((e) => ({ id: e.id, at: e.at, data: PAYLOAD_BY_LOG[log].parse(e.data) }));
        if (events.length === 0) continue;
        const result = this.log(log).append(events);
        heads.set(log, toHead(result.head));
      }
      await this.store.audit.markAppended(
        pending.map((e) => e.seq),
        heads,
      );
      if (pending.length < BATCH) return;
    }
  }

  private log(name: AuditLogName): AuditLog {
    let log = this.logs.get(name);
    if (!log) {
      log = new AuditLog(this.dir, name, { maxBytes: this.maxBytes });
      this.logs.set(name, log);
    }
    return log;
  }
}

function toHead(head: Head): AuditHead {
  return { seq: head.seq, hash: head.hash };
}

/** Dry-run sources keep their own audit logs, next to their own state file. */
export function dryRunAuditDir(dir: string): string {
  return join(dir, 'dry-run');
}
