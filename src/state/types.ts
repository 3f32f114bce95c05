import type { DuplicateCandidate, IndexedTicket, PatternEvent, PatternProblem } from '../engine/types.js';
import type { PlannedAction } from '../model/action.js';
import type { CandidateQuery, SimilarityDoc } from '../similarity/types.js';
import type { TicketStatus } from '../model/ticket.js';
import type { StateLeases } from './lease.js';

/** What the daemon remembers about a ticket between passes (not the ticket itself). */
export interface TicketState {
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  status: TicketStatus;
  group: string | undefined;
  assignee: string | undefined;
  updatedAt: string;
  /** When the ticket entered its current status (ISO); SLA aging counts from it. */
  statusSince?: string | undefined;
  /** Its resolution time, if resolved: QA notices a ticket reopened and resolved again between two passes. */
  resolvedAt?: string | undefined;
  /** When its next SLA step falls due (ISO); the sweep looks at it then, changed or not. */
  slaDueAt?: string | undefined;
  /** The canonical ticket without `raw`, kept while an SLA step is due, for the sweep to judge. */
  snapshot?: string | undefined;
}

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

export interface HistoryChanges {
  /** `plan`: the evaluation that decided it (see PlannedAction.plan); released if its writes fail. */
  marks: { ruleId: string; key: string; mark: string; plan: string | undefined }[];
  duplicates: { key: string; rootKey: string; ruleId: string; plan: string | undefined }[];
  patternEvents: PatternEvent[];
  /** Inserted or updated (status) by correlation key. */
  problems: PatternProblem[];
  members: { correlationKey: string; ticketKey: string; ruleId: string }[];
}

/**
 * What dedup and pattern rules know of earlier tickets. The similarity index is derived data and
 * is written directly (re-indexing a ticket is harmless); everything else changes only through
 * `commitBatch`, with the outbox entries it explains.
 */
export interface HistoryStore {
  index(doc: SimilarityDoc & { title: string }): Promise<void>;
  candidates(query: CandidateQuery): Promise<DuplicateCandidate[]>;
  indexed(key: string): Promise<IndexedTicket | undefined>;
  indexedCount(): Promise<number>;
  /**
   * The ticket's text cluster (indexing it): the cluster it was given before, else its best earlier
   * candidate's at or above `threshold`, else a new one it leads. Returns the leader's key and number.
   */
  cluster(doc: SimilarityDoc & { title: string }, options: { threshold: number; createdAfter: string }): Promise<{ key: string; number: string }>;
  /** Which of these ticket keys a committed batch has seen (the index may hold more). */
  committedTickets(keys: readonly string[]): Promise<Set<string>>;
  duplicateRoot(key: string): Promise<string | undefined>;
  hasDuplicates(key: string): Promise<boolean>;
  hasMark(ruleId: string, key: string, mark: string): Promise<boolean>;
  /** The rule (any rule, enabled or not) that set one of these marks on the ticket, if any. */
  markedBy(key: string, marks: readonly string[]): Promise<string | undefined>;
  patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined>;
  /** Events of a group created in [from, to), oldest first. */
  patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]>;
  countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number>;
  firstPatternEventAt(ruleId: string): Promise<string | undefined>;
  latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined>;
  members(correlationKey: string): Promise<PatternEvent[]>;
  /** Problems a source's pattern rules opened that are open as far as the daemon knows. */
  openProblems(sourceId: string): Promise<PatternProblem[]>;
  /** Records that people resolved/closed a problem on the platform (or reopened it). */
  setProblemStatus(correlationKey: string, status: PatternProblem['status']): Promise<void>;
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

export interface OutboxStore {
  /** Entries ready to send for a source, oldest first (per-ticket order preserved by `seq`). */
  due(sourceId: string, now: Date, limit: number): Promise<OutboxEntry[]>;
  /** Records, durably and before the write is sent, that an attempt starts. */
  markAttempt(id: string): Promise<void>;
  /** `reason` (why a write was skipped) is kept in `lastError` and the action log's `error`. */
  markDone(id: string, result: { outcome: string; ref: string | undefined; reason?: string | undefined }): Promise<void>;
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
  list(filter: { status?: OutboxStatus; sourceId?: string; limit?: number }): Promise<OutboxEntry[]>;
  /** Puts dead (or all failed) entries back in the queue; returns how many. */
  retry(filter: { id?: string; sourceId?: string }): Promise<number>;
  counts(sourceId?: string): Promise<Record<OutboxStatus, number>>;
  /** When the earliest pending entry of a source may be sent (ISO), or null when none is pending. */
  nextAttemptAt(sourceId: string): Promise<string | null>;
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
  /** Which of these (nativeId, version) pairs were already processed; returns `nativeId@version` strings. */
  seenVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>>;
  /** Forget ledger entries older than this (ISO UTC); they can no longer fall inside the overlap window. */
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
  /** Marks entries (one, or every open one) to be re-read and re-mapped on the source's next pass. */
  quarantineRetry(filter: { id?: number; sourceId?: string }): Promise<number>;
  /** Records the outcome of a retry: resolved when the record now maps. */
  quarantineResolve(ids: readonly number[]): Promise<void>;
  readonly outbox: OutboxStore;
  readonly history: HistoryStore;
  readonly audit: AuditQueue;
  /**
   * One writer per state. Once a lease is acquired through this store, every commit of the store
   * that changes source state (commitBatch, outbox outcomes and attempts, pruneLedger, quarantine
   * and problem status, audit heads) checks inside its transaction that the lease is still the
   * current one and throws StateLeaseLostError otherwise.
   */
  readonly leases: StateLeases;
  close(): Promise<void>;
}
