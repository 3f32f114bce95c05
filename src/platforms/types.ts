import type { CircuitState } from '../http/circuit-breaker.js';
import type { Action, PlannedAction } from '../model/action.js';
import type { RecordComment } from '../model/escalation.js';

/**
 * What a platform can do. An explicit object rather than optional methods so `validate` can say
 * "rule X needs problem records, source Y lacks them" before anything runs.
 */
export interface Capabilities {
  internalComments: boolean;
  problemRecords: boolean;
  linkTypes: readonly string[];
  resolveAsDuplicate: boolean;
  maxCommentLength: number;
  commentFormat: 'text' | 'html' | 'adf' | 'wiki' | 'markdown';
  /** Takes `escalate` writes: another source's escalate rule may open its copies here. */
  escalationTarget: boolean;
}

/** A native record as pulled, with the few facts the sync loop needs before any mapping runs. */
export interface PulledRecord {
  nativeId: string;
  /** Native change counter; (nativeId, version) is what the processed-records ledger remembers. */
  version: string;
  /** ISO 8601 UTC, from the platform's own last-updated field. */
  updatedAt: string;
  /** Login of whoever made the last change, for own-write detection. */
  updatedBy: string | undefined;
  raw: Record<string, unknown>;
}

/** A record whose envelope could not even be read (no id, no timestamp); quarantined by the loop. */
export interface UnreadableRecord {
  raw: unknown;
  error: string;
}

export interface PullPage {
  records: PulledRecord[];
  unreadable: UnreadableRecord[];
}

export interface PullOptions {
  /** Inclusive lower bound (ISO UTC) — the watermark minus the overlap window; null = everything. */
  from: string | null;
  /** Native fields the mappings and rules need; the connector adds the envelope fields it needs. */
  fields: readonly string[];
  signal?: AbortSignal | undefined;
}

/**
 * `superseded`: someone else changed the ticket after the version the action was planned from,
 * so the write was not sent; the next pass sees the newer version and plans again.
 * `skipped`: deliberately not sent and not to be planned again, e.g. a link field a person already
 * pointed elsewhere; `reason` says why.
 */
export type WriteOutcome = 'created' | 'updated' | 'unchanged' | 'superseded' | 'skipped';

export interface WriteResult {
  outcome: WriteOutcome;
  /** Native id of what was written (the ticket, or a created problem record). */
  ref: string;
  /** Why a write was `skipped` (or anything else worth recording beside the outcome). */
  reason?: string | undefined;
  /**
   * What an `updated` write replaced, read by the check before it (null: the field was empty), so
   * the audit trail can tell what `deskbridge revert` puts back. Assign: `group` and `assignee` by name.
   */
  previous?: PreviousValues | undefined;
  /**
   * The ticket's `version` (as `pull` reports it) right after this write, for platforms whose
   * records do not say who changed them last (Freshservice, Zendesk without audits). The sync loop
   * remembers it in the state store and treats a pulled record at exactly this version as an own
   * write — also after a restart — so a write never re-triggers the rules that made it.
   */
  ownVersion?: string | undefined;
  /** A record this write opened or found (`escalate`): its number and a link a person can follow. */
  created?: { number: string; url?: string | undefined } | undefined;
}

/** Values a write replaced, by canonical field (`group`, `assignee`); null = it was empty. */
export type PreviousValues = Readonly<Record<string, string | null>>;

/**
 * The write the executor hands a connector: the planned action, the native fields the outbound
 * mapping produced for it, and a marker that makes non-idempotent writes (journal entries,
 * record creation) detectable on retry.
 */
export interface WriteRequest {
  planned: PlannedAction;
  action: Action;
  /** Native fields from the outbound mapping, e.g. `{ assignment_group: "Network" }`. */
  fields: Record<string, unknown>;
  /** Short unique text embedded in journal entries so a retried comment is found, not re-posted. */
  marker: string;
  /**
   * True when no earlier attempt of this write was ever started (the outbox records each attempt
   * durably before sending). Lookups that only guard against repeating an earlier attempt — such
   * as searching the journal for the marker — can then be skipped, saving a request per write.
   */
  firstAttempt: boolean;
  /**
   * The record as one batched read found it just before this write ({@link Connector.readVersions}),
   * handed to the first write of each ticket in the batch. When present the connector decides
   * "changed by someone else since planning" (and what an assign replaces) from it instead of
   * reading the record itself; absent, the connector reads it as before.
   */
  current?: CurrentRecord | undefined;
}

/** One record as a batched version read found it (see {@link Connector.readVersions}). */
export interface CurrentRecord {
  /** The record's version, exactly as `pull` reports it, so it compares with a planned version. */
  version: string;
  /** Who made the last change (login, as `PulledRecord.updatedBy`); undefined where the platform does not say. */
  updatedBy: string | undefined;
  /** The native fields read (the version fields, and what an assign's `previous` and link checks need). */
  raw: Record<string, unknown>;
}

/** `closed` covers every state in which nobody works on the problem any more (resolved, closed, cancelled). */
export interface ProblemState {
  state: 'open' | 'closed';
  /** Native id and number of the problem record. */
  nativeId: string;
  number: string;
}

/** A comment or work note on a record, as escalation sync reads it (see {@link Connector.readComments}); defined with the escalation model. */
export type { RecordComment } from '../model/escalation.js';

export interface InitResult {
  /** Login the connector writes as; records last updated by it are our own writes. */
  integrationUser: string;
}

export interface Connector {
  readonly platform: string;
  readonly sourceId: string;
  readonly capabilities: Capabilities;
  /** Checks credentials and reachability; throws a PlatformError that says what to fix. */
  init(signal?: AbortSignal): Promise<InitResult>;
  /** Pages of records changed at or after `from`, oldest first, without gaps under concurrent edits. */
  pull(options: PullOptions): AsyncIterable<PullPage>;
  /** Fetches one record by native id or number; null when it does not exist. */
  get(ref: string, fields: readonly string[], signal?: AbortSignal): Promise<PulledRecord | null>;
  /** Performs one write idempotently: a retry after a crash must not duplicate it. */
  apply(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult>;
  /**
   * Whether the problems created for these correlation keys are still open. Keys with no problem
   * on the platform are absent from the result. One or a few requests, however many keys.
   */
  problemStates(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>>;
  /**
   * Several writes of one plan to one record, sent as one request where the platform takes them
   * together (an assignment and its note in one PATCH/PUT). One result per request, in order.
   * Returns undefined, having sent nothing, when these requests cannot go as one (an action the
   * platform cannot combine, a check that would refuse one of them): the executor then sends them
   * one by one with {@link apply}. A retry (`firstAttempt` false) must be as safe as `apply`'s: look
   * for the earlier attempt's marker first (ServiceNow leaves a found note out of the PATCH), or
   * decline.
   * Absent: every write goes through {@link apply}.
   */
  applyGroup?(requests: readonly WriteRequest[], signal?: AbortSignal): Promise<WriteResult[] | undefined>;
  /** The action types {@link applyGroup} can combine; the executor groups only consecutive writes of these. */
  readonly groupableActions?: ReadonlySet<Action['type']>;
  /**
   * The current version (and the fields a write checks) of several records in as few requests as
   * the platform allows (`sys_idIN…`, JQL `key in (…)`), read by the executor just before a batch of
   * writes so the lost-update check costs a fraction of a request per ticket instead of one GET
   * each. Records the platform did not return are absent. Absent on platforms whose writes are
   * conditional themselves (Zendesk `safe_update`).
   */
  readVersions?(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, CurrentRecord>>;
  /**
   * The comments and work notes of several records created at or after `since` (ISO; undefined =
   * all), oldest first, in as few requests as the platform allows; records without any are absent.
   * Read by escalation sync for tickets linked to a copy on another source. Absent: the platform's
   * comments are not mirrored.
   */
  readComments?(nativeIds: readonly string[], since: string | undefined, signal?: AbortSignal): Promise<Map<string, RecordComment[]>>;
  /** Number of HTTP requests sent so far (for benchmarks and API-cost reporting). */
  requestCount(): number;
  /** Requests sent, the HTTP circuit breaker's state and the source's budget, as a console shows them; reads counters only, sends nothing. */
  transportStatus(): TransportStatus;
  /** Read-only look-ups of what exists on the platform, for `validate --online`. */
  readonly directory?: PlatformDirectory;
  close(): Promise<void>;
}

/** How a connector's traffic stands (see {@link Connector.transportStatus}). */
export interface TransportStatus {
  /** HTTP requests sent so far, counted as {@link Connector.requestCount} counts them (summed over the connector's HTTP clients). */
  requests: number;
  /** The HTTP circuit breaker's state; with several HTTP clients the worst (`open` > `half-open` > `closed`). */
  circuit: CircuitState;
  /** When (ISO) an open circuit lets its next probe through; undefined unless `circuit` is `open`. */
  circuitRetryAt?: string | undefined;
  /** Requests per minute the source's `budget` allows (`120/min` and `2/s` are both 120); undefined when the source has no budget. */
  budgetPerMinute?: number | undefined;
}

/**
 * The native fields a source's records can carry, as the platform's own dictionary lists them
 * (ServiceNow sys_dictionary over the table's hierarchy, Jira's field list).
 */
export interface FieldDictionary {
  /** Names a `raw.<name>` may use. */
  names: ReadonlySet<string>;
  /** Label → name ("Team" → customfield_10001), so a label written as a name gets the name suggested. */
  labels?: ReadonlyMap<string, string> | undefined;
  /** What was read, for messages: "sys_dictionary of incident (extends task)". */
  checkedAgainst: string;
}

/** Names looked up on the platform: which were not found, and why when it is not plain absence. */
export interface NameCheck {
  /** `uncertain`: the platform cannot say for sure (a warning, not an error); `hint`: what to do instead of the default "create it". */
  missing: readonly { name: string; detail?: string | undefined; uncertain?: boolean | undefined; hint?: string | undefined }[];
  /** Names that do exist, when they could be listed cheaply: for "did you mean". */
  known?: readonly string[] | undefined;
  /** Set when the names could not be checked at all with read-only calls; says why. */
  unchecked?: string | undefined;
  /** Where they were looked up, for messages: "sys_user_group", "components of project ITSM". */
  checkedAgainst: string;
}

/**
 * What `validate --online` asks a platform: GET requests only, a few per source, through the
 * connector's own client (auth, retries, pacing, failure wording).
 */
export interface PlatformDirectory {
  /** The requests each look-up makes, for messages when one fails: "GET /api/now/table/sys_user_group". */
  readonly requests: Readonly<Record<'fields' | 'groups' | 'people', string>>;
  fields(signal?: AbortSignal): Promise<FieldDictionary>;
  /** Assignment groups (as rules name them) that the connector could not write. */
  groups(names: readonly string[], signal?: AbortSignal): Promise<NameCheck>;
  /** People (as rules name them) that the connector could not assign. */
  people(names: readonly string[], signal?: AbortSignal): Promise<NameCheck>;
}
