import type { LeaseHolder, LeaseRecord, LeaseRequest, StateLease } from './lease.js';

/**
 * A state several daemons share (PostgreSQL): instead of one lease on the whole state, each
 * source has its own lease, and the daemons that run are registered so each can take its share of
 * the sources. A store that cannot be shared (SQLite: one process per file) has no `shared`.
 */

/** One daemon process registered on a shared state: the process fields of a lease holder, and its own id. */
export interface DaemonRecord extends Pick<LeaseHolder, 'pid' | 'host' | 'pidNamespace' | 'startedAt' | 'heartbeatAt' | 'ttlMs'> {
  daemonId: string;
  /** Set when it stopped gracefully; the row stays for `deskbridge status` until pruned. */
  stoppedAt: string | undefined;
  /** deskbridge's version, so a rolling upgrade shows who runs what. */
  version: string | undefined;
}

/** A source's lease as `deskbridge status` lists it. */
export interface SourceLeaseRecord extends LeaseRecord {
  sourceId: string;
}

/** What the audit trail does while it is the one writer of the audit logs. */
export type AuditWriterResult<T> = { ran: true; value: T } | { ran: false };

export interface SharedState {
  /** Registers (or re-registers after a restart under the same id) a daemon; its heartbeat keeps it counted. */
  register(daemon: { daemonId: string; ttlMs: number; version?: string }): Promise<void>;
  /** Records a heartbeat; false when the row is gone or marked stopped (the caller registers again). */
  heartbeat(daemonId: string): Promise<boolean>;
  /** Marks the daemon stopped (graceful shutdown): the others count it out at once. */
  leave(daemonId: string): Promise<void>;
  /** Every registered daemon, newest heartbeat first; rows of daemons stopped or silent for a day are pruned. */
  daemons(): Promise<DaemonRecord[]>;
  /**
   * Takes a source's lease (a stale one is taken over), or throws StateHeldError naming its
   * holder. From then on every commit of this store that changes that source's state is fenced by
   * it, and commits for sources this store does not hold are refused (StateLeaseLostError).
   * Taking a lease also frees the source's outbox entries claimed by the former holder.
   */
  acquireSource(sourceId: string, request: LeaseRequest): Promise<StateLease>;
  /** Every source lease, held or released. Read-only. */
  sourceLeases(): Promise<SourceLeaseRecord[]>;
  /**
   * Runs `task` while this process is the only writer of the audit logs (an advisory lock held on
   * its own connection, so a writer that dies lets go with its connection). Another writer at it
   * now: `{ ran: false }` at once, and that writer appends what is queued, whoever queued it.
   */
  asAuditWriter<T>(task: () => Promise<T>): Promise<AuditWriterResult<T>>;
}
