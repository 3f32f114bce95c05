import type { ServiceNowSource } from './source.js';
import { createHttpClient, type HttpClient, type HttpLogger } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import type { Action } from '../../model/action.js';
import type { ConnectorDeps } from '../deps.js';
import { transportStatusOf } from '../transport-status.js';
import type {
  Capabilities,
  Connector,
  CurrentRecord,
  InitResult,
  PlatformDirectory,
  PreviousValues,
  PullOptions,
  PullPage,
  ProblemState,
  PulledRecord,
  RecordComment,
  TransportStatus,
  UnreadableRecord,
  WriteRequest,
  WriteResult,
} from '../types.js';
import { createServiceNowAuth, type ServiceNowAuth } from './auth.js';
import { describeServiceNowFailure } from './failures.js';
import { type EncodedQuery, EncodedQueryError, and, anyOf, assertFieldName, condition, configuredQuery, inList, orderBy } from './query.js';
import { DuplicateCheck, FieldValue, ProblemRow, RecordEnvelope, SysIdList, TableListResponse, TableRecordResponse, VersionCheck, WriteResponse, vendorMessage } from './schema.js';
import { isoToGlideDateTime } from './time.js';
import { type Asked, askedFields, widened, widenedLookupError } from './lookup.js';
import { ServiceNowDirectory } from './directory.js';
import { GROUPABLE_ACTIONS, checkComment, planGroup } from './group.js';
import { EscalationWriter } from './escalations.js';
import { readJournal } from './journal-read.js';

export const SERVICENOW_CAPABILITIES = {
  internalComments: true,
  problemRecords: true,
  linkTypes: ['problem', 'parent'],
  resolveAsDuplicate: false,
  // Journal fields hold far more, but long notes are unreadable in the activity stream.
  maxCommentLength: 4000,
  commentFormat: 'text',
  escalationTarget: true,
} as const satisfies Capabilities;

/** Fields the connector itself needs on every pulled record, whatever the mappings ask for. */
const ENVELOPE_FIELDS = ['sys_id', 'sys_mod_count', 'sys_updated_on', 'sys_updated_by', 'number'] as const;
const SYS_ID = /^[0-9a-f]{32}$/;
const PROBLEM_TABLE = 'problem';
/** The incident's reference to its problem. */
const PROBLEM_LINK_FIELD = 'problem_id';
/**
 * Problem states (Problem Management state model, Madrid on): 101 New, 102 Assess, 103 Root Cause
 * Analysis, 104 Fix in Progress, 106 Resolved, 107 Closed. A cancelled problem is Closed (107) with
 * resolution code "Canceled"; there is no separate cancelled state.
 */
const PROBLEM_DONE_STATES: ReadonlySet<string> = new Set(['106', '107']);
/** Where `update-problem` with `reopen` puts a resolved/closed problem back: New. */
const PROBLEM_REOPEN_STATE = '101';
/** Correlation keys per `correlation_idIN` query: keeps the URL well under instance/proxy limits. */
const PROBLEM_STATE_CHUNK = 50;
const PROBLEM_STATE_FIELDS = 'sys_id,number,state,active,correlation_id';
const JOURNAL_TABLE = 'sys_journal_field';
/** Where the task table keeps the assignment; read before an assign to record what it replaced. */
const ASSIGNMENT_FIELDS = { group: 'assignment_group', assignee: 'assigned_to' } as const;
/** `create-task`: follow-up tasks of an incident live in incident_task, tied to it by `incident`. */
const TASK_TABLE = 'incident_task';
const TASK_PARENT_TABLE = 'incident';
/**
 * Records per batched version read (`sys_idIN…`): the executor asks for 50 at a time; 100 sys_ids
 * (3.3 kB) still keep the URL well under instance/proxy limits.
 */
const VERSION_READ_CHUNK = 100;

/** Read parameters: both stored and display values, no reference links (smaller pages). */
const READ_PARAMS = { sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' } as const;
/**
 * Problem writes: plain values (a state is sent as its value, 101, not a label a translation could
 * change); the answer is cut to what we read back.
 */
const PROBLEM_WRITE_PARAMS = { sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,sys_mod_count' } as const;
/**
 * Write parameters: rules name groups and users ("Network", "Jane Doe"), so the instance
 * resolves display values to sys_ids; the answer is cut to what we read back.
 */
const WRITE_PARAMS = {
  sysparm_input_display_value: 'true',
  sysparm_exclude_reference_link: 'true',
  sysparm_fields: 'sys_id,sys_mod_count',
} as const;

export function createServiceNowConnector(source: ServiceNowSource, deps: ConnectorDeps = {}): Connector {
  return new ServiceNowConnector(source, deps);
}

/** Keyset position: the last (sys_updated_on, sys_id) a pull has passed. */
interface Keyset {
  updatedOn: string;
  sysId: string;
}

class ServiceNowConnector implements Connector {
  readonly platform = 'servicenow';
  readonly sourceId: string;
  readonly capabilities: Capabilities = SERVICENOW_CAPABILITIES;
  readonly groupableActions = GROUPABLE_ACTIONS;
  private readonly source: ServiceNowSource;
  private readonly http: HttpClient;
  private readonly auth: ServiceNowAuth;
  private readonly logger: HttpLogger | undefined;
  private readonly baseQuery: EncodedQuery | undefined;
  private readonly tablePath: string;
  private readonly escalations: EscalationWriter;
  readonly directory: PlatformDirectory;

  constructor(source: ServiceNowSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.logger = deps.logger;
    // Checked now, so a bad filter fails at start-up rather than on the first pull.
    this.baseQuery = configuredQuery(source.query);
    this.tablePath = `/api/now/table/${source.table}`;
    const now = deps.retryOverrides?.now ?? deps.now ?? Date.now;
    this.auth = createServiceNowAuth(source.auth, {
      sourceId: source.id,
      baseUrl: source.baseUrl,
      http: () => this.http,
      now: deps.now ?? Date.now,
    });
    this.http = createHttpClient({
      platform: 'servicenow',
      platformLabel: 'ServiceNow',
      sourceId: source.id,
      baseUrl: source.baseUrl,
      rateLimit: source.rateLimit,
      budget: source.budget,
      retry: source.retry,
      retryOverrides: { ...deps.retryOverrides, now },
      auth: this.auth,
      logger: deps.logger,
      hostQueues: deps.hostQueues,
      writeGate: deps.writeGate,
      describeFailure: describeServiceNowFailure(this.auth.mode),
      vendorMessage,
    });
    this.directory = new ServiceNowDirectory({
      http: this.http,
      table: source.table,
      guard: (build) => this.guard(build),
      parse: (schema, data, what) => this.parse(schema, data, what),
    });
    this.escalations = new EscalationWriter({
      http: this.http,
      sourceId: source.id,
      baseUrl: source.baseUrl,
      guard: (build) => this.guard(build),
      parse: (schema, data, what) => this.parse(schema, data, what),
      badRequest: (message, hint) => this.badRequest(message, hint),
      checkMappedFields: (type, fields) => this.checkMappedFields(type, fields),
    });
  }

  async init(signal?: AbortSignal): Promise<InitResult> {
    const integrationUser = this.integrationUser();
    const query = this.guard(() => condition('user_name', '=', integrationUser));
    const response = await this.http.request({
      method: 'GET',
      url: '/api/now/table/sys_user',
      params: { sysparm_query: query, sysparm_fields: 'sys_id,user_name', sysparm_limit: 1 },
      operation: 'auth-check',
      signal,
    });
    const users = this.parse(SysIdList, response.data, 'sys_user lookup');
    this.checkLookup('sys_user', users.result, [{ field: 'user_name', equals: integrationUser }]);
    if (users.result.length === 0) {
      // The credentials work; only own-write detection is at risk.
      this.logger?.warn('Integration user not found', {
        source: this.sourceId,
        integrationUser,
        hint: 'set integrationUser to the user_name the credentials act as, or its updates will be processed as human edits',
      });
    }
    // As the instance stores it: sys_updated_by carries that spelling, whatever case the config uses.
    const stored = fieldValue(users.result[0]?.['user_name']);
    return { integrationUser: stored !== undefined && stored !== '' ? stored : integrationUser };
  }

  /**
   * Pages through records changed at or after `from`, oldest first, by keyset rather than offset.
   *
   * Offset paging (`sysparm_offset`) loses records during a pass: a record updated while we page
   * moves to the end of the `sys_updated_on` order, every record after its old position shifts
   * one place forward, and the next offset skips one of them. The keyset instead asks for
   * "after the last (sys_updated_on, sys_id) we saw", which a concurrent update cannot shift;
   * an updated record simply turns up again later in the same pass (the sync loop de-duplicates
   * by sys_id + sys_mod_count). sys_id breaks ties because sys_updated_on has one-second
   * resolution and a bulk update stamps hundreds of records with the same second.
   *
   *   first page: <q>^sys_updated_on>=<from>
   *   next pages: <q>^sys_updated_on><ts> ^NQ <q>^sys_updated_on=<ts>^sys_id><id>
   *
   * each ordered by `ORDERBYsys_updated_on^ORDERBYsys_id`. `^NQ` is a top-level OR, so the
   * source's own filter <q> is repeated in both branches. A page shorter than `pageSize` ends it.
   * (Row-level ACLs trim a page after the limit is applied, so a short page can end the pass
   * early; the next pass resumes from the newest record pulled, so that delays, never loses.)
   */
  async *pull(options: PullOptions): AsyncIterable<PullPage> {
    const { signal } = options;
    const fields = this.fieldList(options.fields);
    const from = options.from === null ? undefined : isoToGlideDateTime(options.from);
    let keyset: Keyset | undefined;
    for (;;) {
      const filter = keyset === undefined ? this.firstPageFilter(from) : this.nextPageFilter(keyset);
      const response = await this.http.request({
        method: 'GET',
        url: this.tablePath,
        params: {
          sysparm_query: orderBy(filter, 'sys_updated_on', 'sys_id'),
          sysparm_fields: fields,
          sysparm_limit: this.source.pageSize,
          ...READ_PARAMS,
          // Skips the COUNT(*) the instance would otherwise run for X-Total-Count on every page.
          sysparm_no_count: 'true',
        },
        operation: 'pull',
        signal,
      });
      const page = this.parse(TableListResponse, response.data, `${this.source.table} page`);
      const records: PulledRecord[] = [];
      const unreadable: UnreadableRecord[] = [];
      let last: Keyset | undefined;
      for (const raw of page.result) {
        const read = readRecord(raw);
        if ('error' in read) {
          unreadable.push(read);
          continue;
        }
        records.push(read.record);
        last = read.keyset;
      }
      yield { records, unreadable };
      if (page.result.length < this.source.pageSize) {
        return;
      }
      // An unreadable last record is skipped over from the last readable one; it comes back
      // on the next page and is reported again, which is harmless. What must never happen is
      // a keyset that does not move: that would fetch the same page forever.
      if (last === undefined || (keyset !== undefined && !isAfter(last, keyset))) {
        throw new PlatformError(`ServiceNow returned a full page of ${this.source.table} records that does not advance the pull for source ${this.sourceId}`, {
          platform: 'servicenow',
          sourceId: this.sourceId,
          code: 'bad-response',
          retryable: false,
          hint: 'Every record on the page lacked a readable sys_id/sys_updated_on; check read ACLs on those fields',
        });
      }
      keyset = last;
    }
  }

  async get(ref: string, fields: readonly string[], signal?: AbortSignal): Promise<PulledRecord | null> {
    const fieldList = this.fieldList(fields);
    let raw: unknown;
    if (SYS_ID.test(ref)) {
      const response = await this.http.request({
        method: 'GET',
        url: `${this.tablePath}/${ref}`,
        params: { sysparm_fields: fieldList, ...READ_PARAMS },
        acceptStatuses: [404],
        operation: 'get',
        signal,
      });
      if (response.status === 404) {
        return null;
      }
      raw = this.parse(TableRecordResponse, response.data, `${this.source.table} record`).result;
      this.checkLookup(this.source.table, [raw], [{ field: 'sys_id', equals: ref }]);
    } else {
      const query = this.guard(() => condition('number', '=', ref));
      const response = await this.http.request({
        method: 'GET',
        url: this.tablePath,
        params: { sysparm_query: query, sysparm_fields: fieldList, sysparm_limit: 1, ...READ_PARAMS, sysparm_no_count: 'true' },
        operation: 'get',
        signal,
      });
      const page = this.parse(TableListResponse, response.data, `${this.source.table} lookup`);
      this.checkLookup(this.source.table, page.result, [{ field: 'number', equals: ref }]);
      if (page.result.length === 0) {
        return null;
      }
      raw = page.result[0];
    }
    const read = readRecord(raw);
    if ('error' in read) {
      throw this.badResponse(`ServiceNow returned an unreadable ${this.source.table} record for ${ref}: ${read.error}`);
    }
    return read.record;
  }

  async apply(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult> {
    const { action } = request;
    if (action.type === 'announce-escalation') {
      // The executor turns it into a comment on the origin; it never reaches a connector as such.
      throw this.badRequest(`ServiceNow cannot take a ${action.type} write`, 'The executor sends it as a comment; this is a bug in the caller');
    }
    if (action.type === 'escalate') {
      // The target is the origin ticket on another source: its ids are not this instance's, so it is not checked.
      const { table, fields } = this.escalations.check(action, request.fields);
      return this.escalations.ensure(action, table, fields, signal);
    }
    const nativeId = request.planned.target.nativeId;
    if (!SYS_ID.test(nativeId)) {
      throw this.badRequest(`Target ${nativeId} is not a ServiceNow sys_id`, 'The action was planned from a record without a sys_id');
    }
    switch (action.type) {
      case 'assign':
        return this.assign(nativeId, request, signal);
      case 'set-field':
        // PATCH sets fields to values; sending it twice leaves the same record, so no lookup.
        if (Object.keys(request.fields).length === 0) {
          return { outcome: 'unchanged', ref: nativeId };
        }
        if (
          request.current?.updatedBy !== undefined
            ? this.changedByOthersSince(request.planned.target.version, request.current.version, request.current.updatedBy)
            : await this.changedByOthers(nativeId, request.planned.target.version, signal)
        ) {
          return { outcome: 'superseded', ref: nativeId };
        }
        await this.patch(nativeId, request.fields, signal);
        return { outcome: 'updated', ref: nativeId };
      case 'comment':
        return this.ensureComment(nativeId, action, request, signal);
      case 'create-problem':
        return this.ensureProblem(action, request.fields, signal);
      case 'link-problem':
        return this.linkProblem(nativeId, action, request, signal);
      case 'link-duplicate':
        return this.linkDuplicate(nativeId, action, request, signal);
      case 'update-problem':
        return this.updateProblem(action, request.fields, signal);
      case 'create-task':
        return this.ensureTask(nativeId, action, request.fields, signal);
    }
  }

  /**
   * As set-field, but the check before the PATCH also reads the assignment it replaces (display
   * values, as rules name groups and users), so `deskbridge revert` can put it back.
   */
  private async assign(nativeId: string, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    if (Object.keys(request.fields).length === 0) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    const state = await this.assignmentState(nativeId, request.current, signal);
    if (this.changedByOthersSince(request.planned.target.version, state.version, state.updatedBy)) {
      return { outcome: 'superseded', ref: nativeId };
    }
    await this.patch(nativeId, request.fields, signal);
    return { outcome: 'updated', ref: nativeId, previous: state.previous };
  }

  /**
   * The record's version, its last updater and its assignment (what an assign replaces): from the
   * batched read when the executor made one, else one GET. A batched read that could not say who
   * changed the record last is not enough to decide "changed by others", so the GET decides then.
   */
  private async assignmentState(nativeId: string, current: CurrentRecord | undefined, signal: AbortSignal | undefined): Promise<{ version: string; updatedBy: string; previous: PreviousValues }> {
    if (current?.updatedBy !== undefined) {
      return { version: current.version, updatedBy: current.updatedBy, previous: previousAssignment(current.raw) };
    }
    const response = await this.http.request({
      method: 'GET',
      url: `${this.tablePath}/${nativeId}`,
      params: { sysparm_fields: `${ASSIGNMENT_FIELDS.group},${ASSIGNMENT_FIELDS.assignee},sys_mod_count,sys_updated_by`, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' },
      operation: 'version-check',
      signal,
    });
    const read = this.parse(DuplicateCheck, response.data, 'version check').result;
    const version = fieldValue(read.sys_mod_count);
    const updatedBy = fieldValue(read.sys_updated_by);
    // As strict as the plain version check: without both, "changed by others" cannot be decided.
    if (version === undefined || version === '' || updatedBy === undefined) {
      throw this.badResponse(`ServiceNow returned an unreadable version check for source ${this.sourceId}`);
    }
    return { version, updatedBy, previous: previousAssignment(read) };
  }

  /**
   * Assignment, field updates and notes of one plan to one record in ONE PATCH (see group.ts):
   * the checks `apply` makes come first — each comment's element and marker, then the version
   * (from `current`, else one GET) when fields are overwritten. Someone else's change since
   * planning → every request `superseded`, nothing sent. A retried note is looked for by its marker
   * first, as `apply` does, and left out when found. Undefined, nothing sent, when they cannot go
   * as one (see `planGroup`). The PATCH appends journal entries, so the HTTP client never repeats
   * it after an unclear failure; the outbox retries the group, and the marker look-up then tells
   * whether it landed. A retried group goes as one PATCH too, so a write interrupted by a crash
   * leaves the ticket exactly as an uninterrupted one would (one update, one note).
   */
  async applyGroup(requests: readonly WriteRequest[], signal?: AbortSignal): Promise<WriteResult[] | undefined> {
    const first = requests[0];
    if (first === undefined) return undefined;
    const nativeId = first.planned.target.nativeId;
    // `apply` refuses such a target with a message of its own.
    if (!SYS_ID.test(nativeId)) return undefined;
    const plan = planGroup(nativeId, requests);
    if (plan === undefined) return undefined;
    let previous: PreviousValues | undefined;
    if (plan.checksVersion) {
      const current = requests.find((request) => request.current !== undefined)?.current;
      const state = await this.assignmentState(nativeId, current, signal);
      if (this.changedByOthersSince(first.planned.target.version, state.version, state.updatedBy)) {
        return requests.map(() => ({ outcome: 'superseded', ref: nativeId }));
      }
      previous = state.previous;
    }
    // A retried note whose earlier attempt landed (with or without the rest of its PATCH) is not
    // posted again; the rest is: setting the same assignment twice changes nothing.
    for (const { index, element, marker } of plan.retriedComments) {
      if (await this.journalHas(nativeId, element, marker, signal)) {
        delete plan.body[element];
        plan.parts[index] = 'unchanged';
      }
    }
    if (Object.keys(plan.body).length > 0) {
      await this.patch(nativeId, plan.body, signal, { appends: plan.parts.includes('comment') });
    }
    return plan.parts.map((part): WriteResult => {
      switch (part) {
        case 'assign':
          return { outcome: 'updated', ref: nativeId, previous };
        case 'set-field':
          return { outcome: 'updated', ref: nativeId };
        case 'comment':
          return { outcome: 'created', ref: nativeId };
        case 'unchanged':
          return { outcome: 'unchanged', ref: nativeId };
      }
    });
  }

  /**
   * The current version, last updater and the fields writes check (assignment for `previous`, the
   * link fields) of many records: one `GET {table}?sysparm_query=sys_idIN<id>,…` per 100 ids, with
   * display values like `pull`, so `version` is exactly what `pull` reports (`sys_mod_count`, or
   * `sys_updated_on` where an ACL hides it). Records not returned (deleted, hidden by an ACL, an
   * unreadable envelope) are absent: their writes check for themselves.
   */
  async readVersions(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, CurrentRecord>> {
    const ids = [...new Set(nativeIds)].filter((id) => SYS_ID.test(id));
    const result = new Map<string, CurrentRecord>();
    const fields = this.versionFields();
    for (let i = 0; i < ids.length; i += VERSION_READ_CHUNK) {
      const chunk = ids.slice(i, i + VERSION_READ_CHUNK);
      const response = await this.http.request({
        method: 'GET',
        url: this.tablePath,
        params: {
          sysparm_query: this.guard(() => inList('sys_id', chunk)),
          sysparm_fields: fields,
          ...READ_PARAMS,
          sysparm_limit: chunk.length,
          sysparm_no_count: 'true',
        },
        operation: 'version-read',
        signal,
      });
      const rows = this.parse(TableListResponse, response.data, `${this.source.table} version read`).result;
      // A widened answer would hand one record's version to another's write.
      this.checkLookup(this.source.table, rows, [{ field: 'sys_id', oneOf: new Set(chunk) }]);
      for (const raw of rows) {
        const read = readRecord(raw);
        if ('error' in read) continue;
        result.set(read.record.nativeId, { version: read.record.version, updatedBy: read.record.updatedBy, raw: read.record.raw });
      }
    }
    return result;
  }

  /** What `readVersions` asks for: the envelope `readRecord` needs, and what assign and the link writes check. */
  private versionFields(): string {
    const duplicateField = this.guard(() => assertFieldName(this.source.duplicateField));
    const names = ['sys_id', 'sys_mod_count', 'sys_updated_on', 'sys_updated_by', ASSIGNMENT_FIELDS.group, ASSIGNMENT_FIELDS.assignee, duplicateField, PROBLEM_LINK_FIELD];
    return [...new Set(names)].join(',');
  }

  /**
   * One `correlation_idIN…` query per 50 keys (keys containing a comma, which an IN list cannot
   * carry, are asked for one by one). Resolved (106) and Closed (107, cancelled included) problems,
   * and any inactive one, are `closed`. When several problems carry one key, the oldest counts, as
   * for `create-problem`'s lookup.
   */
  async problemStates(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>> {
    const keys = [...new Set(correlationKeys)];
    const result = new Map<string, ProblemState>();
    const listable = keys.filter((key) => key !== '' && !key.includes(','));
    const queries: EncodedQuery[] = [];
    for (let i = 0; i < listable.length; i += PROBLEM_STATE_CHUNK) {
      const chunk = listable.slice(i, i + PROBLEM_STATE_CHUNK);
      queries.push(this.guard(() => inList('correlation_id', chunk)));
    }
    for (const key of keys.filter((key) => key.includes(','))) {
      queries.push(this.guard(() => condition('correlation_id', '=', key)));
    }
    const wanted = new Set(keys);
    for (const query of queries) {
      const response = await this.http.request({
        method: 'GET',
        url: `/api/now/table/${PROBLEM_TABLE}`,
        params: {
          sysparm_query: orderBy(query, 'sys_created_on'),
          sysparm_fields: PROBLEM_STATE_FIELDS,
          sysparm_exclude_reference_link: 'true',
          sysparm_limit: 1000,
          sysparm_no_count: 'true',
        },
        operation: 'problem-states',
        signal,
      });
      const rows = this.parse(TableListResponse, response.data, 'problem list').result;
      this.checkLookup(PROBLEM_TABLE, rows, [{ field: 'correlation_id', oneOf: wanted }]);
      for (const raw of rows) {
        const row = ProblemRow.safeParse(raw);
        if (!row.success) {
          continue;
        }
        const key = row.data.correlation_id;
        if (key === undefined || !wanted.has(key) || result.has(key)) {
          continue;
        }
        result.set(key, { state: problemIsDone(row.data) ? 'closed' : 'open', nativeId: row.data.sys_id, number: row.data.number ?? row.data.sys_id });
      }
    }
    return result;
  }

  /** Work notes and comments from sys_journal_field: one query per 100 records per page (see journal-read.ts). */
  readComments(nativeIds: readonly string[], since: string | undefined, signal?: AbortSignal): Promise<Map<string, RecordComment[]>> {
    const context = { http: this.http, sourceId: this.sourceId, logger: this.logger, pageSize: this.source.pageSize, integrationUser: this.integrationUser() };
    return readJournal(
      { ...context, guard: (build) => this.guard(build), parse: (schema, data, what) => this.parse(schema, data, what), checkLookup: (t, rows, asked) => this.checkLookup(t, rows, asked) },
      nativeIds,
      since,
      signal,
    );
  }

  requestCount(): number {
    return this.http.requestCount();
  }

  transportStatus(): TransportStatus {
    return transportStatusOf([this.http], this.source.budget);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Journal writes append; a PATCH that succeeded just before a crash would be appended again
   * on retry. The marker inside the text lets us find the earlier entry in sys_journal_field.
   */
  private async ensureComment(nativeId: string, action: Extract<Action, { type: 'comment' }>, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const checked = checkComment(nativeId, action, request);
    if ('refused' in checked) {
      throw this.badRequest(checked.refused, checked.hint);
    }
    if (!request.firstAttempt && (await this.journalHas(nativeId, checked.element, request.marker, signal))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    // Not re-sent blindly on a timeout: the outbox retries the whole step, lookup included.
    await this.patch(nativeId, request.fields, signal, { appends: true });
    return { outcome: 'created', ref: nativeId };
  }

  /** Whether an earlier attempt of a note already landed: its marker is in the record's journal. */
  private async journalHas(nativeId: string, element: string, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
    const asked: Asked[] = [
      { field: 'element_id', equals: nativeId },
      { field: 'element', equals: element },
      { field: 'value', contains: marker },
    ];
    const query = this.guard(() => and(condition('element_id', '=', nativeId), condition('element', '=', element), condition('value', 'LIKE', marker)));
    const response = await this.http.request({
      method: 'GET',
      url: `/api/now/table/${JOURNAL_TABLE}`,
      params: { sysparm_query: query, sysparm_fields: ['sys_id', ...askedFields(asked)].join(','), sysparm_limit: 1 },
      operation: 'comment-lookup',
      signal,
    });
    const found = this.parse(SysIdList, response.data, 'journal lookup').result;
    // A widened answer would make us skip a note that was never posted.
    this.checkLookup(JOURNAL_TABLE, found, asked);
    return found.length > 0;
  }

  /** Creation is made idempotent by the problem's correlation_id, which carries the pattern key. */
  private async ensureProblem(action: Extract<Action, { type: 'create-problem' }>, fields: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const key = action.correlationKey;
    if (fields.correlation_id !== undefined && fields.correlation_id !== key) {
      throw this.badRequest(
        "The outbound mapping set correlation_id to something other than the action's correlationKey",
        'Leave correlation_id out of the mapping or set it to the correlationKey; it is what makes creation idempotent',
      );
    }
    const existing = await this.findProblem(key, signal);
    if (existing !== undefined) {
      return { outcome: 'unchanged', ref: existing };
    }
    // A POST that timed out may still have created the record, so it is not re-sent here; the
    // outbox retries the whole step and the correlation_id lookup above finds it.
    const response = await this.http.request({
      method: 'POST',
      url: `/api/now/table/${PROBLEM_TABLE}`,
      params: WRITE_PARAMS,
      data: { ...fields, correlation_id: key },
      operation: 'create-problem',
      signal,
    });
    const created = this.parse(WriteResponse, response.data, 'problem creation');
    return { outcome: 'created', ref: created.result.sys_id };
  }

  /**
   * Points the target's `problem_id` at the problem. A `problem_id` already pointing at another
   * problem was set by a person (or by another rule or integration) and is left as it is —
   * `skipped`, with the reason — unless the rule explicitly asked to overwrite (`overwrite`).
   * One run replaced 174 such links before this check.
   */
  private async linkProblem(nativeId: string, action: Extract<Action, { type: 'link-problem' }>, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const problemId = await this.resolveProblem(action, signal);
    const link = request.current !== undefined ? linkIn(request.current, PROBLEM_LINK_FIELD) : await this.readLink(nativeId, PROBLEM_LINK_FIELD, signal);
    if (link.value === problemId) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    if (link.value !== '' && action.overwrite !== true) {
      return this.linkTaken(nativeId, PROBLEM_LINK_FIELD, link, action.problemRef ?? action.correlationKey ?? problemId);
    }
    await this.patch(nativeId, { ...request.fields, [PROBLEM_LINK_FIELD]: problemId }, signal);
    return { outcome: 'updated', ref: nativeId };
  }

  /**
   * Points the target at its original through the source's `duplicateField` (`parent_incident`).
   * One read decides: already that original → `unchanged`; another original set (by a person, or
   * an earlier run) → left as it is, `skipped` with the reason (deskbridge never overrides a parent
   * someone chose; there is no overwrite option for duplicates); the ticket changed by someone else
   * since planning → `superseded`; otherwise one PATCH → `updated`.
   */
  private async linkDuplicate(nativeId: string, action: Extract<Action, { type: 'link-duplicate' }>, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const field = this.guard(() => assertFieldName(this.source.duplicateField));
    const original = action.original.nativeId;
    if (!SYS_ID.test(original)) {
      throw this.badRequest(`Original ${original} of a link-duplicate action is not a ServiceNow sys_id`, 'The action was planned from a record without a sys_id');
    }
    if (original === nativeId) {
      throw this.badRequest(`Refused to mark ${request.planned.target.number} as a duplicate of itself`, 'Fix the rule that planned it');
    }
    const fields = this.checkMappedFields('link-duplicate', request.fields);
    if (fields[field] !== undefined && fields[field] !== original) {
      throw this.badRequest(
        `The outbound mapping set ${field} to something other than the original's sys_id`,
        `Leave ${field} out of the link-duplicate branch (the connector writes it) or set it to action.original.nativeId`,
      );
    }
    const link = request.current !== undefined ? linkIn(request.current, field) : await this.readLink(nativeId, field, signal);
    if (link.value === original) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    if (link.value !== '') {
      return this.linkTaken(nativeId, field, link, action.original.number);
    }
    if (link.version !== undefined && this.changedByOthersSince(request.planned.target.version, link.version, link.updatedBy)) {
      return { outcome: 'superseded', ref: nativeId };
    }
    await this.patch(nativeId, { ...fields, [field]: original }, signal);
    return { outcome: 'updated', ref: nativeId };
  }

  /** A link field's stored value and label, and the record's version, in one read. */
  private async readLink(nativeId: string, field: string, signal: AbortSignal | undefined): Promise<LinkState> {
    const response = await this.http.request({
      method: 'GET',
      url: `${this.tablePath}/${nativeId}`,
      // display_value=all: the sys_id to compare, and the number to name in a skipped write's reason.
      params: { sysparm_fields: `${field},sys_mod_count,sys_updated_by`, sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' },
      operation: 'link-check',
      signal,
    });
    const current = this.parse(DuplicateCheck, response.data, `${field} check`).result;
    return {
      value: fieldValue(current[field]) ?? '',
      label: displayValue(current[field]),
      version: fieldValue(current.sys_mod_count),
      updatedBy: fieldValue(current.sys_updated_by),
    };
  }

  /** A link someone already pointed elsewhere: left as it is, and recorded as skipped with why. */
  private linkTaken(nativeId: string, field: string, link: LinkState, planned: string): WriteResult {
    const current = link.label !== undefined && link.label !== '' ? link.label : link.value;
    return {
      outcome: 'skipped',
      ref: nativeId,
      reason: `${field} already points to ${current}, not ${planned}; deskbridge does not replace a link someone set`,
    };
  }

  /**
   * Finds the problem by `correlation_id`, rewrites the fields the mapping gave
   * (short_description, description) when they differ, and with `reopen` moves a Resolved (106) or
   * Closed (107) problem back to New (101). Nothing to change → `unchanged`; a retry after the
   * PATCH landed finds the new text and state, so repeating it is harmless either way.
   */
  private async updateProblem(action: Extract<Action, { type: 'update-problem' }>, mapped: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const key = action.correlationKey;
    const fields = this.checkMappedFields('update-problem', mapped);
    if (fields.correlation_id !== undefined && fields.correlation_id !== key) {
      throw this.badRequest(
        "The outbound mapping set correlation_id to something other than the action's correlationKey",
        'Leave correlation_id out of the update-problem branch; it is how the problem is found',
      );
    }
    for (const name of Object.keys(fields)) {
      this.guard(() => assertFieldName(name));
    }
    const response = await this.http.request({
      method: 'GET',
      url: `/api/now/table/${PROBLEM_TABLE}`,
      params: {
        sysparm_query: orderBy(
          this.guard(() => condition('correlation_id', '=', key)),
          'sys_created_on',
        ),
        sysparm_fields: [...new Set(['sys_id', 'number', 'state', 'active', 'correlation_id', ...Object.keys(fields)])].join(','),
        sysparm_exclude_reference_link: 'true',
        sysparm_limit: 1,
      },
      operation: 'problem-lookup',
      signal,
    });
    const rows = this.parse(TableListResponse, response.data, 'problem lookup').result;
    // Rewriting whatever problem a widened lookup returned first overwrote one problem 2,520 times.
    this.checkLookup(PROBLEM_TABLE, rows, [{ field: 'correlation_id', equals: key }]);
    if (rows.length === 0) {
      throw this.problemNotFound(key);
    }
    const problem = this.parse(ProblemRow, rows[0], 'problem record');
    const current = problem as Record<string, unknown>;
    const changes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      const now = FieldValue.safeParse(current[name] ?? '');
      const text = now.success ? (now.data ?? '') : undefined;
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- outbound values are scalars (the mapping's output is checked); compared as the Table API stores them
      if (text !== (value === null || value === undefined ? '' : String(value))) {
        changes[name] = value;
      }
    }
    if (action.reopen && problemIsDone(problem)) {
      changes.state = PROBLEM_REOPEN_STATE;
    }
    if (Object.keys(changes).length === 0) {
      return { outcome: 'unchanged', ref: problem.sys_id };
    }
    const patched = await this.http.request({
      method: 'PATCH',
      url: `/api/now/table/${PROBLEM_TABLE}/${problem.sys_id}`,
      params: PROBLEM_WRITE_PARAMS,
      data: changes,
      operation: 'update-problem',
      signal,
    });
    this.parse(WriteResponse, patched.data, 'problem update');
    return { outcome: 'updated', ref: problem.sys_id };
  }

  /**
   * Opens an `incident_task` of the target incident. Made idempotent by the task's
   * `correlation_id` (the action's correlationKey), looked up together with `incident` so the same
   * key on two incidents gives two tasks: found → `unchanged`; else one POST → `created`. The ref
   * is the task's sys_id. `assignment_group` comes from the mapping as a name (written with
   * `sysparm_input_display_value=true`, like assign); `incident` is sent as the sys_id.
   */
  private async ensureTask(nativeId: string, action: Extract<Action, { type: 'create-task' }>, mapped: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult> {
    if (this.source.table !== TASK_PARENT_TABLE) {
      throw this.badRequest(`create-task opens incident_task records, but source ${this.sourceId} syncs ${this.source.table}`, 'Use create-task only in rules for sources whose table is incident');
    }
    const key = action.correlationKey;
    const fields = this.checkMappedFields('create-task', mapped);
    if (fields.correlation_id !== undefined && fields.correlation_id !== key) {
      throw this.badRequest(
        "The outbound mapping set correlation_id to something other than the action's correlationKey",
        'Leave correlation_id out of the create-task branch or set it to the correlationKey; it is what makes creation idempotent',
      );
    }
    if (fields.incident !== undefined && fields.incident !== nativeId) {
      throw this.badRequest('The outbound mapping set incident to something other than the target incident', 'Leave incident out of the create-task branch; the connector ties the task to the target');
    }
    const existing = await this.findSysId(
      TASK_TABLE,
      [
        { field: 'incident', equals: nativeId },
        { field: 'correlation_id', equals: key },
      ],
      signal,
      'task-lookup',
    );
    if (existing !== undefined) {
      return { outcome: 'unchanged', ref: existing };
    }
    // A POST that timed out may still have created the task, so it is not re-sent here; the
    // outbox retries the whole step and the lookup above finds it.
    const created = await this.http.request({
      method: 'POST',
      url: `/api/now/table/${TASK_TABLE}`,
      params: WRITE_PARAMS,
      data: { ...fields, incident: nativeId, correlation_id: key },
      operation: 'create-task',
      signal,
    });
    return { outcome: 'created', ref: this.parse(WriteResponse, created.data, 'incident_task creation').result.sys_id };
  }

  /** Journal fields in a mapping result would append on every retry: refused for writes that cannot detect a repeat. */
  private checkMappedFields(type: string, fields: Record<string, unknown>): Record<string, unknown> {
    for (const journal of ['work_notes', 'comments']) {
      if (fields[journal] !== undefined) {
        throw this.badRequest(
          `The ${type} branch of the outbound mapping produced ${journal}, which would be posted again on every retry`,
          'Post notes with a separate comment action, which carries the idempotency marker',
        );
      }
    }
    return fields;
  }

  private problemNotFound(ref: string): PlatformError {
    return new PlatformError(`No ServiceNow problem matches ${ref} for source ${this.sourceId}`, {
      platform: 'servicenow',
      sourceId: this.sourceId,
      status: 404,
      code: 'not-found',
      // The create-problem entry for this key may simply not have run yet.
      retryable: true,
      hint: 'The problem may not be created yet, or a read ACL on problem hides it',
    });
  }

  private async resolveProblem(action: Extract<Action, { type: 'link-problem' }>, signal: AbortSignal | undefined): Promise<string> {
    if (action.problemRef !== undefined && SYS_ID.test(action.problemRef)) {
      return action.problemRef;
    }
    const ref = action.problemRef ?? action.correlationKey;
    if (ref === undefined) {
      throw this.badRequest('A link-problem action needs a problemRef or a correlationKey', 'Fix the rule that planned it');
    }
    const found = action.problemRef !== undefined ? await this.findProblemByNumber(ref, signal) : await this.findProblem(ref, signal);
    if (found === undefined) {
      throw this.problemNotFound(ref);
    }
    return found;
  }

  private findProblem(correlationKey: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    return this.findSysId(PROBLEM_TABLE, [{ field: 'correlation_id', equals: correlationKey }], signal);
  }

  private findProblemByNumber(number: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    return this.findSysId(PROBLEM_TABLE, [{ field: 'number', equals: number }], signal);
  }

  /**
   * The sys_id of the oldest record matching every `field=value`, checked against the answer: a
   * row that does not carry the asked values means the instance dropped a condition (see lookup.ts).
   */
  private async findSysId(table: string, asked: readonly Extract<Asked, { equals: string }>[], signal: AbortSignal | undefined, operation = `${table}-lookup`): Promise<string | undefined> {
    const query = this.guard(() => and(...asked.map((a) => condition(a.field, '=', a.equals))));
    const response = await this.http.request({
      method: 'GET',
      url: `/api/now/table/${table}`,
      params: { sysparm_query: orderBy(query, 'sys_created_on'), sysparm_fields: ['sys_id', ...askedFields(asked)].join(','), sysparm_limit: 1 },
      operation,
      signal,
    });
    const rows = this.parse(SysIdList, response.data, `${table} lookup`).result;
    this.checkLookup(table, rows, asked);
    return rows[0]?.sys_id;
  }

  /** Refuses a lookup answer with a row that does not match what was asked (see lookup.ts). */
  private checkLookup(table: string, rows: readonly unknown[], asked: readonly Asked[]): void {
    const found = widened(table, rows, asked);
    if (found !== undefined) {
      throw widenedLookupError(this.sourceId, found);
    }
  }

  /**
   * The Table API has no conditional update (no If-Match), so before overwriting fields we read
   * the record's change counter: if someone other than us changed it since the version the
   * action was planned from, our decision is stale and must not overwrite theirs. (A change by
   * us is an earlier attempt of this very write, which is safe to repeat.) This narrows the
   * race to the moment between this read and the PATCH.
   */
  private async changedByOthers(nativeId: string, plannedVersion: string, signal: AbortSignal | undefined): Promise<boolean> {
    const response = await this.http.request({
      method: 'GET',
      url: `${this.tablePath}/${nativeId}`,
      params: { sysparm_fields: 'sys_mod_count,sys_updated_by' },
      operation: 'version-check',
      signal,
    });
    const current = this.parse(VersionCheck, response.data, 'version check').result;
    return this.changedByOthersSince(plannedVersion, String(current.sys_mod_count), current.sys_updated_by);
  }

  /**
   * Whether the record moved past the planned version through someone else's update. The last
   * update being ours means the change is an earlier attempt of this very plan (a write the
   * instance applied but answered 5xx, or an earlier step of the plan), which is safe to build on.
   * user_name is compared without case: the instance logs a user in whatever case it was typed.
   */
  private changedByOthersSince(plannedVersion: string, currentVersion: string, updatedBy: string | undefined): boolean {
    if (currentVersion === plannedVersion) return false;
    return updatedBy === undefined || updatedBy.toLowerCase() !== this.integrationUser().toLowerCase();
  }

  /** `appends`: the PATCH adds a journal entry, so repeating it after an unclear failure would duplicate it. */
  private async patch(nativeId: string, fields: Record<string, unknown>, signal: AbortSignal | undefined, options: { appends?: boolean } = {}): Promise<void> {
    const response = await this.http.request({
      method: 'PATCH',
      url: `${this.tablePath}/${nativeId}`,
      params: WRITE_PARAMS,
      data: fields,
      // Any journal field in the body appends, whatever the action; e.g. a note set by an assign.
      idempotent: options.appends !== true && fields.work_notes === undefined && fields.comments === undefined,
      operation: 'update',
      signal,
    });
    this.parse(WriteResponse, response.data, `${this.source.table} update`);
  }

  private firstPageFilter(from: string | undefined): EncodedQuery {
    return and(this.baseQuery, from === undefined ? undefined : condition('sys_updated_on', '>=', from));
  }

  private nextPageFilter(keyset: Keyset): EncodedQuery {
    return anyOf(
      and(this.baseQuery, condition('sys_updated_on', '>', keyset.updatedOn)),
      and(this.baseQuery, condition('sys_updated_on', '=', keyset.updatedOn), condition('sys_id', '>', keyset.sysId)),
    );
  }

  /** Requested fields plus the envelope, de-duplicated, in a stable order. */
  private fieldList(fields: readonly string[]): string {
    const names = new Set<string>();
    for (const field of [...fields, ...ENVELOPE_FIELDS]) {
      names.add(this.guard(() => assertFieldName(field)));
    }
    return [...names].join(',');
  }

  private integrationUser(): string {
    const { auth } = this.source;
    return this.source.integrationUser ?? auth.username ?? (auth.type === 'oauth' ? auth.clientId : '');
  }

  /** Runs a query-building step, turning a rejected value into a non-retryable PlatformError. */
  private guard<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      if (error instanceof EncodedQueryError) {
        throw this.badRequest(`Refused to query ServiceNow for source ${this.sourceId}: ${error.message}`, 'Values from rules and records may not contain ^ or line breaks');
      }
      throw error;
    }
  }

  private parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw this.badResponse(`ServiceNow returned an unreadable ${what} for source ${this.sourceId}`);
    }
    return parsed.data;
  }

  private badResponse(message: string): PlatformError {
    return new PlatformError(message, {
      platform: 'servicenow',
      sourceId: this.sourceId,
      code: 'bad-response',
      retryable: true,
      // A hibernating developer instance answers 200 with an HTML wake-up page.
      hint: 'If the body was HTML, the instance may be hibernating, under maintenance or behind a login page',
    });
  }

  private badRequest(message: string, hint: string): PlatformError {
    return new PlatformError(message, {
      platform: 'servicenow',
      sourceId: this.sourceId,
      code: 'bad-request',
      retryable: false,
      hint,
    });
  }
}

type ReadResult = { record: PulledRecord; keyset: Keyset } | UnreadableRecord;

/** A link field as `readLink` found it. */
interface LinkState {
  /** Stored value (a sys_id), '' when empty. */
  value: string;
  /** What the instance shows for it (a number), when it said. */
  label: string | undefined;
  version: string | undefined;
  updatedBy: string | undefined;
}

/** A link field as the batched version read found it (the same fields `readLink` reads). */
function linkIn(current: CurrentRecord, field: string): LinkState {
  return { value: fieldValue(current.raw[field]) ?? '', label: displayValue(current.raw[field]), version: current.version, updatedBy: current.updatedBy };
}

/** The assignment an assign replaces, by the names a person sees (what `deskbridge revert` puts back). */
function previousAssignment(raw: Record<string, unknown>): PreviousValues {
  return { group: shownValue(raw[ASSIGNMENT_FIELDS.group]), assignee: shownValue(raw[ASSIGNMENT_FIELDS.assignee]) };
}

function fieldValue(raw: unknown): string | undefined {
  const parsed = FieldValue.safeParse(raw ?? '');
  return parsed.success ? parsed.data : undefined;
}

/** What a person sees in a field (the display value, else the stored one); null when empty. */
function shownValue(raw: unknown): string | null {
  const shown = displayValue(raw) ?? fieldValue(raw);
  return shown === undefined || shown === '' ? null : shown;
}

function displayValue(raw: unknown): string | undefined {
  if (typeof raw === 'object' && raw !== null && 'display_value' in raw) {
    const display = raw.display_value;
    return typeof display === 'string' ? display : undefined;
  }
  return undefined;
}

/** Reads a record's envelope; anything without a usable sys_id/sys_updated_on is quarantined. */
function readRecord(raw: unknown): ReadResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { raw, error: 'record is not a JSON object' };
  }
  const parsed = RecordEnvelope.safeParse(raw);
  if (!parsed.success) {
    const error = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'record'}: ${issue.message}`).join('; ');
    return { raw, error };
  }
  const envelope = parsed.data;
  return {
    record: {
      nativeId: envelope.sys_id,
      // Without sys_mod_count (an ACL can hide it) the timestamp still tells versions apart.
      version: envelope.sys_mod_count ?? envelope.sys_updated_on.glide,
      updatedAt: envelope.sys_updated_on.iso,
      updatedBy: envelope.sys_updated_by,
      raw: raw as Record<string, unknown>,
    },
    keyset: { updatedOn: envelope.sys_updated_on.glide, sysId: envelope.sys_id },
  };
}

/** Resolved, Closed (cancelled included) or inactive: nobody works on it any more. */
function problemIsDone(problem: ProblemRow): boolean {
  return (problem.state !== undefined && PROBLEM_DONE_STATES.has(problem.state)) || problem.active === 'false';
}

function isAfter(a: Keyset, b: Keyset): boolean {
  return a.updatedOn > b.updatedOn || (a.updatedOn === b.updatedOn && a.sysId > b.sysId);
}
