import type { PlannedAction } from '../model/action.js';
import type { HistoryChanges, HistoryStore } from '../model/history.js';
import type { TicketState } from '../model/ticket-state.js';
import type { StateLeases } from './lease.js';
import type { SharedState } from './shared.js';
import type { LifecycleVersion } from '../model/lifecycle-version.js';
import type { EscalationLink } from '../model/escalation.js';

// The history and ticket-state facts are the model's: the state store implements them.
export type { HistoryChanges, HistoryStore } from '../model/history.js';
export type { TicketState } from '../model/ticket-state.js';

export interface LedgerEntry {
  nativeId: string;
  version: string;
  updatedAt: string;
}

export interface QuarantineInput {
  sourceId: string;
  nativeId: string | undefined;
  version: string | undefined;
  error: string;
  raw: unknown;
}

export type QuarantineStatus = 'open' | 'retry' | 'resolved';

export interface QuarantineEntry extends QuarantineInput {
  id: number;
  status: QuarantineStatus;
  createdAt: string;
}

/**
 * Everything one batch (one page of records) changes, committed in ONE transaction: the outbox
 * entries are durable before the watermark moves past the records that caused them.
 */
export interface BatchCommit {
  sourceId: string;
  /** New watermark (ISO UTC), or undefined to leave it. Never moves backwards. */
  watermark: string | undefined;
  ledger: LedgerEntry[];
  tickets: TicketState[];
  /** Rule id → new position, for this batch's source. */
  roundRobin: Map<string, number>;
  actions: PlannedAction[];
  quarantine: QuarantineInput[];
  /** What dedup and pattern rules decided to remember (absent: nothing). */
  history?: HistoryChanges;
  /** Audit records (QA verdicts) this batch produced, queued for the append-only logs. */
  audit?: QueuedAuditRecord[];
  /** The versions of tickets this batch pulled, kept for `deskbridge report` (a version seen again is ignored). */
  versions?: readonly LifecycleVersion[];
  /** Quarantine entries (ids) this batch retried: resolved with it, so a retry that fails before its commit leaves them to retry. */
  resolveQuarantine?: readonly number[];
}

export type AuditLogName = 'qa' | 'actions';

/** One record for an append-only audit log; `id` is unique per log and makes appending idempotent. */
export interface QueuedAuditRecord {
  log: AuditLogName;
  id: string;
  at: string;
  data: Record<string, unknown>;
}

export interface PendingAuditRecord extends QueuedAuditRecord {
  /** Queue position: events are appended in this order. */
  seq: number;
}

/** The last entry of a log: what `audit verify` expects to find at the end of the files. */
export interface StoredAuditHead {
  seq: number;
  hash: string;
}

export interface AuditQueue {
  pending(limit: number): Promise<PendingAuditRecord[]>;
  /** Removes appended events and records each log's new head, in one transaction. */
  markAppended(seqs: readonly number[], heads: ReadonlyMap<AuditLogName, StoredAuditHead>): Promise<void>;
  head(log: AuditLogName): Promise<StoredAuditHead | undefined>;
}

export type OutboxStatus = 'pending' | 'done' | 'dead';

export interface OutboxEntry {
  id: string;
  seq: number;
  sourceId: string;
  ticketKey: string;
  ruleId: string;
  planned: PlannedAction;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | undefined;
  outcome: string | undefined;
  ref: string | undefined;
  createdAt: string;
  updatedAt: string;
}

/** One row of {@link OutboxStore.volume}. */
export interface OutboxVolumeRow {
  sourceId: string;
  kind: string;
  status: OutboxStatus;
  n: number;
  /** created_at (ISO) of the first and last entry counted. */
  first: string;
  last: string;
}

/** When a source first and last completed a pass whose writes were not held (see src/daemon/go-live.ts). */
export interface PassRecord {
  firstCompletedAt: string;
  lastCompletedAt: string;
}

/** How a logged pass ended (see {@link PassLogEntry}). */
export type PassOutcome = 'ok' | 'failed' | 'stopped' | 'interrupted' | 'held';

/**
 * One pass of one source, as the pass log keeps it: what the web console lists per source, also
 * after a restart (the daemon's in-memory results die with it). Counts only, no ticket data: the
 * outbox and the audit logs hold what was written.
 */
export interface PassLogEntry {
  sourceId: string;
  /** ISO UTC, by this machine's clock. */
  startedAt: string;
  finishedAt: string;
  outcome: PassOutcome;
  durationMs: number;
  pulled: number;
  planned: number;
  skipped: number;
  quarantined: number;
  /** The outbox's drain counts (the shape of DrainSummary, which src/outbox owns: src/outbox imports the state, not the reverse). */
  written: { sent: number; unchanged: number; superseded: number; failed: number; dead: number; wouldSend: number };
  /** Writes still waiting for a retry when the pass ended. */
  pendingWrites: number;
  /** HTTP requests the pass sent to the platform. */
  requests: number;
  /** A dry-run pass: `written` counts `wouldSend`, never `sent`. */
  dryRun: boolean;
  /** One line: why the pass failed or was stopped (undefined otherwise). */
  error: string | undefined;
}

export interface OutboxStore {
  /** Entries ready to send for a source, oldest first (per-ticket order preserved by `seq`). */
  due(sourceId: string, now: Date, limit: number): Promise<OutboxEntry[]>;
  /** Records, durably and before the write is sent, that an attempt starts. */
  markAttempt(id: string): Promise<void>;
  /** `markAttempt` for the writes of one grouped request, in one transaction. */
  markAttempts(ids: readonly string[]): Promise<void>;
  /** Takes back attempts recorded for a grouped request that was then not sent (nothing reached the platform). */
  releaseAttempts(ids: readonly string[]): Promise<void>;
  /** `reason` (why a write was skipped) is kept in `lastError` and the action log's `error`. */
  /** `previous`: what the write replaced, recorded in the action log for `deskbridge revert`. */
  /** `ownVersion`: the version the write left record `ref` at (see `WriteResult.ownVersion`), remembered for {@link StateStore.ownVersions}. */
  /**
   * `link`: the escalation an `escalate` write opened (its copy exists now), recorded in the same transaction that marks the entry done,
   * so neither is ever recorded without the other; a link whose correlation key is recorded already is left as it is (the first stays).
   */
  markDone(
    id: string,
    result: {
      outcome: string;
      ref: string | undefined;
      reason?: string | undefined;
      previous?: Readonly<Record<string, string | null>> | undefined;
      ownVersion?: string | undefined;
      link?: EscalationLink | undefined;
    },
  ): Promise<void>;
  /**
   * Schedules a retry (and records the failed attempt in the action log). `notProcessed`: the platform provably did not act on the attempt (429,
   * 503), so it is not counted — attempts measure writes that may have landed.
   */
  markFailed(id: string, error: string, nextAttemptAt: Date, options?: { notProcessed?: boolean }): Promise<void>;
  /**
   * Dead-letters an entry. `dependents` is asked about every later pending entry of its lane and
   * returns the reason to dead-letter that one with it (undefined: leave it to be sent); all in one
   * transaction. Without `dependents`, the rest of its plan is held until the entry is retried.
   * Returns the ids dead-lettered with it.
   */
  markDead(id: string, reason: string, dependents?: (later: PlannedAction) => string | undefined): Promise<string[]>;
  /** Newest first; `ticketKey`: the writes planned for one ticket (what `explain` reports of it). */
  list(filter: { status?: OutboxStatus; sourceId?: string; ticketKey?: string; limit?: number }): Promise<OutboxEntry[]>;
  /** Entries whose id starts with `prefix` (as `outbox list` shortens them), at most `limit` (default 10). */
  find(prefix: string, limit?: number): Promise<OutboxEntry[]>;
  /**
   * Drops a source's pending writes unsent, at an admin's request (a held first live pass not
   * wanted): each becomes dead with outcome `discarded`, recorded in the action log, and holds
   * nothing behind it. `outbox retry --id` can still bring one back; a plain retry does not.
   */
  discard(sourceId: string, reason: string): Promise<number>;
  /** Puts dead (or all failed) entries back in the queue; returns how many. */
  retry(filter: { id?: string; sourceId?: string }): Promise<number>;
  counts(sourceId?: string): Promise<Record<OutboxStatus, number>>;
  /** Of the dead entries, those an admin discarded (see `discard`): dead, but not waiting for a retry. */
  discardedCount(sourceId?: string): Promise<number>;
  /**
   * Entries per source, kind of write (the action type; `comment:public` for customer-visible
   * comments) and status, with when the first and last of them were planned: the volume a pass or
   * a dry run makes.
   */
  volume(filter?: { sourceId?: string; status?: OutboxStatus }): Promise<OutboxVolumeRow[]>;
  /** When the earliest pending entry of a source may be sent (ISO), or null when none is pending. */
  nextAttemptAt(sourceId: string): Promise<string | null>;
}

/**
 * The escalation links recorded (see {@link OutboxStore.markDone}'s `link`): which ticket an
 * `escalate` rule copied to which source. Read-only here; a link is written only with its write's outcome.
 */
export interface EscalationLinks {
  /** The link of one escalation, by its correlation key. */
  get(correlationKey: string): Promise<EscalationLink | undefined>;
  /** The links a ticket is an end of: as the origin escalated, or as the copy opened for another ticket; oldest first. */
  ofTicket(sourceId: string, nativeId: string): Promise<EscalationLink[]>;
  /** Links oldest first (`createdAt`, then correlation key), of every source or those with either end on `sourceId`; every one unless `limit`. */
  list(filter?: { sourceId?: string; limit?: number }): Promise<EscalationLink[]>;
}

/**
 * Durable state. Methods are async and batch-shaped so a PostgreSQL store (several daemons
 * sharing work) can implement the same interface; SQLite is the embedded default.
 */
export interface StateStore {
  getWatermark(sourceId: string): Promise<string | null>;
  /** The source's recorded start point for acting (ISO UTC; see src/daemon/start-point.ts), if any. */
  getStartPoint(sourceId: string): Promise<string | null>;
  setStartPoint(sourceId: string, actFrom: string): Promise<void>;
  /** When the source completed passes (null: it has not, so its next live pass is its first). */
  passRecord(sourceId: string): Promise<PassRecord | null>;
  /** Records a pass completed with its writes released (the first such pass stays recorded as the first). */
  recordPassCompleted(sourceId: string): Promise<void>;
  /** Which of these (nativeId, version) pairs were already processed; returns `nativeId@version` strings. */
  seenVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>>;
  /** Which of these (nativeId, version) pairs our own writes produced (`nativeId@version` strings): records at them are own writes. */
  ownVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>>;
  /** Forget ledger entries (and own versions) older than this (ISO UTC); they can no longer fall inside the overlap window. */
  pruneLedger(sourceId: string, olderThan: string): Promise<number>;
  getTickets(keys: readonly string[]): Promise<Map<string, TicketState>>;
  /** Open tickets per assignee on a source. */
  openLoads(sourceId: string): Promise<Map<string, number>>;
  /** Open tickets per assignee, per source (every source). */
  openLoadsBySource(): Promise<Map<string, Map<string, number>>>;
  /** Open tickets of a source whose next SLA step is due at or before `now` (oldest due first). */
  slaDue(sourceId: string, now: string, limit: number): Promise<TicketState[]>;
  /** Round-robin positions of a source's rules (each source rotates its own members). */
  roundRobinPositions(sourceId: string): Promise<Map<string, number>>;
  commitBatch(batch: BatchCommit): Promise<void>;
  quarantineList(filter?: { sourceId?: string; status?: QuarantineStatus }): Promise<QuarantineEntry[]>;
  /** How many entries `quarantineList` would return, without reading them. */
  quarantineCount(filter?: { sourceId?: string; status?: QuarantineStatus }): Promise<number>;
  /** Marks entries (one, or every open one) to be re-read and re-mapped on the source's next pass. */
  quarantineRetry(filter: { id?: number; sourceId?: string }): Promise<number>;
  /** Records the outcome of a retry: resolved when the record now maps. */
  quarantineResolve(ids: readonly number[]): Promise<void>;
  /** Deletes a source's kept ticket versions updated before this (ISO UTC); returns how many. */
  pruneVersions(sourceId: string, olderThan: string): Promise<number>;
  /** The ticket versions pulled (see BatchCommit.versions), in time order (`updatedAt`), of one source or all. */
  lifecycleVersions(filter?: { sourceId?: string }): AsyncIterable<LifecycleVersion>;
  /** One ticket's kept versions, oldest first: by its key, or by its number on a source (for when the platform cannot be asked). */
  ticketVersions(filter: { key: string } | { sourceId: string; number: string }): Promise<LifecycleVersion[]>;
  /** Tickets deskbridge assigned: an assign write that changed the ticket (not a dry run, not already so). */
  routedTickets(): Promise<Set<string>>;
  /**
   * Appends one pass to the pass log, keeping the newest 1,000 of its source (older ones are
   * deleted in the same transaction, so the log never grows with uptime). Fenced like
   * recordPassCompleted: a daemon that lost its lease no longer speaks for the source, and its
   * passes beside the new holder's would show two daemons syncing one source.
   */
  recordPass(entry: PassLogEntry): Promise<void>;
  /** Logged passes, newest (last recorded) first, of one source or all; `limit` defaults to 50. */
  recentPasses(filter?: { sourceId?: string; limit?: number }): Promise<(PassLogEntry & { id: number })[]>;
  readonly outbox: OutboxStore;
  readonly history: HistoryStore;
  readonly audit: AuditQueue;
  readonly escalations: EscalationLinks;
  /**
   * One writer per state. Once a lease is acquired through this store, every commit of the store
   * that changes source state (commitBatch, outbox outcomes and attempts, pruneLedger, quarantine
   * and problem status, audit heads), and the pass log, checks inside its transaction that the
   * lease is still the current one and throws StateLeaseLostError otherwise.
   */
  readonly leases: StateLeases;
  /** Present when several daemons may share this state (PostgreSQL): per-source leases, the daemon registry, the audit writer lock. */
  readonly shared?: SharedState;
  close(): Promise<void>;
}
