import { createHash } from 'node:crypto';
import type { JiraSource } from './source.js';
import { createHttpClient, type HttpClient, type HttpLogger } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import type { Action } from '../../model/action.js';
import type { ConnectorDeps } from '../deps.js';
import type {
  Capabilities,
  Connector,
  InitResult,
  PullOptions,
  PullPage,
  ProblemState,
  PulledRecord,
  UnreadableRecord,
  WriteRequest,
  WriteResult,
} from '../types.js';
import { adfToText, textToAdf } from './adf.js';
import { createJiraAuth, type JiraAuth } from './auth.js';
import { describeJiraFailure, type JiraOperation } from './failures.js';
import { JqlError, configuredJql, incrementalJql, jqlString } from './jql.js';
import { type DcCursor, HeldMinute, nextDcCursor, reanchorMinute } from './pagination.js';
import { SAME_CHANGE_TOLERANCE_MS, type UserKey, commentEvents, historiesAfter, readIssue } from './record.js';
import {
  CommentPage,
  CreatedComment,
  CreatedIssue,
  FieldList,
  IssueIdList,
  IssueLinks,
  IssueStatus,
  JiraWrite,
  Myself,
  ProblemIssue,
  SearchJqlResponse,
  SearchResponse,
  ServiceDeskComment,
  TransitionList,
  UserSearchResponse,
  VersionCheck,
  vendorMessage,
} from './schema.js';
import { WIDEST_ZONE, floorToMinute, isKnownTimeZone, jiraTimeToMs, jqlDateTime, safeLowerBound } from './time.js';

/** Jira's default limit for text fields, comments included (jira.text.field.character.limit). */
export const JIRA_MAX_COMMENT_LENGTH = 32_767;

/** What a Jira source can do; depends on its configuration (Service Desk, problem project). */
export function jiraCapabilities(source: JiraSource): Capabilities {
  return {
    internalComments: source.serviceDesk,
    problemRecords: source.problems !== undefined,
    linkTypes: [...new Set([source.problemLinkType, source.duplicateLinkType])],
    resolveAsDuplicate: false,
    maxCommentLength: JIRA_MAX_COMMENT_LENGTH,
    commentFormat: source.flavour === 'cloud' ? 'adf' : 'wiki',
  };
}

export function createJiraConnector(source: JiraSource, deps: ConnectorDeps = {}): Connector {
  return new JiraConnector(source, deps);
}

/** Issue keys as users type them (`ITSM-42`); ids are numeric. Anything else never reaches a URL. */
const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]*-\d+$/;
const ISSUE_ID = /^\d+$/;
/** Atlassian team ids are UUIDs. */
const TEAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Field ids Jira accepts in `fields` (`summary`, `customfield_10001`). */
const FIELD_ID = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Top-level keys of an issue, not field ids: a mapping reading `key` must not ask for a field `key`. */
const ISSUE_ENVELOPE_KEYS = new Set([
  'id',
  'key',
  'self',
  'expand',
  'fields',
  'changelog',
  'renderedFields',
  'names',
  'schema',
  'transitions',
  'operations',
  'editmeta',
  'versionedRepresentations',
]);
/** Search consistency: ids written within this window are passed as `reconcileIssues` (Cloud allows 50). */
const RECONCILE_WINDOW_MS = 10 * 60_000;
const RECONCILE_MAX = 50;
const USER_CACHE_MS = 60 * 60_000;
/** Cloud comment property that makes a platform-API comment internal in a service project. */
const INTERNAL_COMMENT_PROPERTY = { key: 'sd.public.comment', value: { internal: true } } as const;
/** Rich-text fields that REST v3 wants as ADF; mappings give plain text. */
const ADF_FIELDS = ['description', 'environment'] as const;
/** Correlation labels per `problemStates` search (JQL and URL stay short; Cloud caps IN lists far higher). */
const PROBLEM_STATE_CHUNK = 50;
const PROBLEM_STATE_PAGE = 100;
/**
 * Issues of one `updated` minute held back while paging through it (see HeldMinute). Beyond this
 * the pull hands them out and pages on by offset, which deskbridge's own writes can shift.
 */
const MAX_HELD_ISSUES = 20_000;
/**
 * `create-task`: the issue type a follow-up task gets unless the mapping names one in
 * `fields.issuetype`, and the link type tying it to its ticket (Jira ships "Relates", outward and
 * inward both "relates to", so the direction does not matter). Constants rather than source
 * settings; a mapping can change the issue type, the link type needs a code change.
 */
export const TASK_ISSUE_TYPE = 'Task';
export const TASK_LINK_TYPE = 'Relates';

interface Session {
  /** accountId (Cloud) or username (DC) the connector writes as. */
  integrationUser: string;
  /** IANA zone JQL dates are read in (the authenticated user's). */
  timeZone: string;
}

interface CurrentIssue {
  updated: string;
  status: string | undefined;
  histories: readonly unknown[];
  /** The issue's `comment` field as Jira returned it (undefined when it did not). */
  comment: unknown;
}

class JiraConnector implements Connector {
  readonly platform = 'jira';
  readonly sourceId: string;
  readonly capabilities: Capabilities;
  private readonly source: JiraSource;
  private readonly http: HttpClient;
  private readonly auth: JiraAuth;
  private readonly logger: HttpLogger | undefined;
  private readonly now: () => number;
  private readonly cloud: boolean;
  private readonly label: string;
  /** `/rest/api/3` (Cloud: ADF, accountId) or `/rest/api/2` (Data Center: wiki markup, username). */
  private readonly api: string;
  private readonly userKey: UserKey;
  private readonly filter: string;
  private session: Promise<Session> | undefined;
  private readonly users = new Map<string, { id: string; at: number }>();
  private fields: Promise<FieldList> | undefined;
  /** Issue id → when we last wrote it; fed to `reconcileIssues` so our own writes are searchable at once. */
  private readonly recentWrites = new Map<string, number>();
  /** Issue id → when we last posted a comment on it (comments leave no changelog entry). */
  private readonly untrackedWrites = new Map<string, number>();
  /** Projects whose issues the Service Desk API does not know (not service projects): comment through the platform API. */
  private readonly plainProjects = new Set<string>();
  /** Lower-cased team name → team id: from the source's `teams` map, then learned from the group field of every issue read. */
  private readonly teamIds = new Map<string, string>();
  private readonly teamLookups = new Map<string, Promise<void>>();
  /** Task label → task created or found in this process, and whether its link to the ticket is known to exist. */
  private readonly tasks = new Map<string, { id: string; linked: boolean }>();
  /** Correlation label → problem id created or found in this process (search lags behind on Cloud). */
  private readonly problemIds = new Map<string, string>();
  /** Per-issue chain of writes, so two writes to one issue never interleave. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(source: JiraSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.capabilities = jiraCapabilities(source);
    this.logger = deps.logger;
    this.cloud = source.flavour === 'cloud';
    this.label = this.cloud ? 'Jira Cloud' : 'Jira Data Center';
    for (const [name, id] of Object.entries(source.teams ?? {})) this.teamIds.set(name.toLowerCase(), id);
    this.api = this.cloud ? '/rest/api/3' : '/rest/api/2';
    this.userKey = this.cloud ? 'accountId' : 'name';
    // Checked now, so a bad filter fails at start-up rather than on the first pull.
    this.filter = configuredJql(source.jql);
    this.now = deps.retryOverrides?.now ?? deps.now ?? Date.now;
    this.auth = createJiraAuth(source.auth);
    this.http = createHttpClient({
      platform: 'jira',
      platformLabel: this.label,
      sourceId: source.id,
      baseUrl: source.baseUrl,
      rateLimit: source.rateLimit,
      retry: source.retry,
      retryOverrides: { ...deps.retryOverrides, now: this.now },
      auth: this.auth,
      logger: deps.logger,
      hostQueues: deps.hostQueues,
      describeFailure: describeJiraFailure(source.flavour, this.auth.mode, source.problems?.projectKey),
      vendorMessage,
    });
  }

  /** Checks the credentials (GET /myself) and learns who we are and which time zone JQL dates are in. */
  async init(signal?: AbortSignal): Promise<InitResult> {
    const pending = this.loadSession(signal);
    this.session = pending;
    try {
      return { integrationUser: (await pending).integrationUser };
    } catch (error) {
      this.session = undefined;
      throw error;
    }
  }

  /**
   * Pages of issues updated at or after `from`, oldest first (`ORDER BY updated ASC, id ASC`).
   * Cloud searches POST /rest/api/3/search/jql (the old /search answers 410), Data Center
   * POST /rest/api/2/search; on both, each full page re-anchors the query on the last minute seen
   * rather than trusting `nextPageToken`/`startAt` across edits (see pagination.ts). The lower
   * bound is floored to the minute in the user's time zone; the sync loop's overlap and ledger
   * absorb the re-read. Issues this connector wrote recently are passed as `reconcileIssues`, so
   * Cloud's eventually consistent search shows our own changes at once.
   */
  async *pull(options: PullOptions): AsyncIterable<PullPage> {
    const { signal } = options;
    const session = await this.ensureSession(signal);
    const fields = this.fieldList(options.fields);
    let boundMs: number | null = null;
    if (options.from !== null) {
      const fromMs = Date.parse(options.from);
      if (Number.isNaN(fromMs)) {
        throw this.badRequest(`Pull lower bound "${options.from}" is not an ISO 8601 date-time`, 'This is a bug in the caller');
      }
      boundMs = safeLowerBound(fromMs, session.timeZone);
    }
    if (this.cloud) {
      yield* this.pullCloud(boundMs, fields, session, signal);
    } else {
      yield* this.pullDataCenter(boundMs, fields, session, signal);
    }
  }

  async get(ref: string, fields: readonly string[], signal?: AbortSignal): Promise<PulledRecord | null> {
    if (!ISSUE_ID.test(ref) && !ISSUE_KEY.test(ref)) {
      throw this.badRequest(`"${ref}" is neither a Jira issue id nor an issue key`, 'Use a numeric id (10042) or a key (ITSM-42)');
    }
    const session = await this.ensureSession(signal);
    const response = await this.request({
      method: 'GET',
      url: `${this.api}/issue/${ref}`,
      params: { fields: this.fieldList(fields).join(','), expand: 'changelog' },
      acceptStatuses: [404],
      operation: 'get',
      signal,
    });
    if (response.status === 404) {
      return null;
    }
    const read = readIssue(response.data, this.readContext(session));
    if ('error' in read) {
      throw this.badResponse(`${this.label} returned an unreadable issue for ${ref}: ${read.error}`);
    }
    this.learnTeam(read.record.raw[this.groupFieldId()]);
    return read.record;
  }

  async apply(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult> {
    const { action } = request;
    const nativeId = request.planned.target.nativeId;
    if (!ISSUE_ID.test(nativeId)) {
      throw this.badRequest(`Target ${nativeId} is not a Jira issue id`, 'The action was planned from a record without a numeric id');
    }
    const parsed = JiraWrite.safeParse(request.fields);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`).join('; ');
      throw this.badRequest(
        `The outbound mapping produced an unusable ${action.type} write: ${problems}`,
        `Fix ${this.mappingFile()}; the contract is described at its top`,
      );
    }
    const write = parsed.data;
    if (action.type === 'comment') {
      this.checkComment(nativeId, action, request, write);
    }
    if (action.type === 'link-duplicate') {
      this.originalRef(nativeId, action, request);
    }
    if (action.type === 'update-problem') {
      this.checkProblemUpdate(write);
    }
    if (action.type === 'create-task') {
      this.checkTaskWrite(write);
    }
    // Each step awaits the previous one; the lock also keeps two concurrent applies to one issue apart.
    return this.serialised(nativeId, async () => {
      const session = await this.ensureSession(signal);
      switch (action.type) {
        case 'assign':
          return this.assign(nativeId, request, write, session, signal);
        case 'set-field':
          return write.transition !== undefined
            ? this.transition(nativeId, request, write.transition, write.fields, session, signal)
            : this.updateFields(nativeId, request, write.fields ?? {}, session, signal);
        case 'comment':
          return this.ensureComment(nativeId, action, request, write, signal);
        case 'create-problem':
          return this.ensureProblem(action, write, signal);
        case 'link-problem':
          return this.linkProblem(nativeId, action, signal);
        case 'link-duplicate':
          return this.linkDuplicate(nativeId, action, request, signal);
        case 'update-problem':
          return this.updateProblem(action, write, signal);
        case 'create-task':
          return this.ensureTask(nativeId, action, request, write, signal);
      }
    });
  }

  /**
   * One JQL search per 50 correlation keys over the problem project,
   * `project = P AND labels in ("deskbridge-…", …) ORDER BY created ASC, id ASC`, paged. A problem
   * whose status is in the `done` category is `closed`. When several problems carry one label, the
   * oldest counts, as for `create-problem`'s lookup. No problem project configured → no problems.
   */
  async problemStates(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>> {
    const result = new Map<string, ProblemState>();
    const problems = this.source.problems;
    if (problems === undefined) {
      return result;
    }
    const byLabel = new Map<string, string>();
    for (const key of new Set(correlationKeys)) {
      byLabel.set(correlationLabel(key), key);
    }
    const labels = [...byLabel.keys()];
    for (let i = 0; i < labels.length; i += PROBLEM_STATE_CHUNK) {
      const chunk = labels.slice(i, i + PROBLEM_STATE_CHUNK);
      const jql = this.guard(
        () => `project = ${jqlString(problems.projectKey)} AND labels in (${chunk.map((label) => jqlString(label)).join(', ')}) ORDER BY created ASC, id ASC`,
      );
      for await (const issues of this.searchAll(jql, ['labels', 'status'], 'problem-states', signal)) {
        for (const raw of issues) {
          const parsed = ProblemIssue.safeParse(raw);
          if (!parsed.success) {
            continue;
          }
          const issue = parsed.data;
          for (const label of issue.fields.labels) {
            const key = byLabel.get(label);
            if (key === undefined || result.has(key)) {
              continue;
            }
            this.problemIds.set(label, issue.id);
            result.set(key, { state: issue.fields.status?.statusCategory?.key === 'done' ? 'closed' : 'open', nativeId: issue.id, number: issue.key });
          }
        }
      }
    }
    return result;
  }

  requestCount(): number {
    return this.http.requestCount();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- pull ----------------------------------------------------------------------------------

  /**
   * Cloud: `nextPageToken` encodes a position in the result, so it shifts like an offset when an
   * issue is edited mid-pass (our own writes between pages included). After each full page the
   * query is therefore re-anchored on the minute of the last issue seen, re-reading (and
   * dropping) that minute's issues already yielded; the token is followed only inside one minute
   * holding more than a page of issues.
   */
  private async *pullCloud(boundMs: number | null, fields: string[], session: Session, signal: AbortSignal | undefined): AsyncIterable<PullPage> {
    const reconcileIssues = this.reconcileIds();
    const seen = new Set<string>();
    const held = new HeldMinute<PulledRecord>();
    let bound = boundMs;
    let token: string | undefined;
    for (;;) {
      const response = await this.request({
        method: 'POST',
        url: '/rest/api/3/search/jql',
        data: {
          jql: this.searchJql(bound, session.timeZone),
          fields,
          maxResults: this.source.pageSize,
          // A comma-separated string here, unlike most `expand` parameters of the v3 API.
          expand: 'changelog',
          ...(token === undefined ? {} : { nextPageToken: token }),
          ...(reconcileIssues.length > 0 ? { reconcileIssues } : {}),
        },
        // A search changes nothing, so a timed-out page may simply be asked for again.
        idempotent: true,
        operation: 'pull',
        signal,
      });
      const page = this.parse(SearchJqlResponse, response.data, 'search page');
      const read = this.readPage(page.issues, seen, held, session);
      const next = page.nextPageToken ?? undefined;
      if (next === undefined || next === '' || page.isLast === true) {
        yield* this.release(held, read.unreadable, undefined);
        return;
      }
      yield* this.release(held, read.unreadable, lastMinuteOf(read.updatedMs));
      const minute = reanchorMinute(bound, read.updatedMs, (ms) => safeLowerBound(ms, session.timeZone));
      if (minute !== undefined) {
        bound = minute;
        token = undefined;
        continue;
      }
      if (next === token) {
        throw this.badResponse(`${this.label} returned the same nextPageToken twice for source ${this.sourceId}`);
      }
      token = next;
    }
  }

  private async *pullDataCenter(boundMs: number | null, fields: string[], session: Session, signal: AbortSignal | undefined): AsyncIterable<PullPage> {
    let cursor: DcCursor = { boundMs, startAt: 0 };
    const seen = new Set<string>();
    const held = new HeldMinute<PulledRecord>();
    for (;;) {
      const response = await this.request({
        method: 'POST',
        url: '/rest/api/2/search',
        data: {
          jql: this.searchJql(cursor.boundMs, session.timeZone),
          startAt: cursor.startAt,
          maxResults: this.source.pageSize,
          fields,
          expand: ['changelog'],
        },
        idempotent: true,
        operation: 'pull',
        signal,
      });
      const page = this.parse(SearchResponse, response.data, 'search page');
      const read = this.readPage(page.issues, seen, held, session);
      // The server may cap maxResults below what we asked for; a page is full at its own limit.
      const limit = Math.min(this.source.pageSize, page.maxResults ?? this.source.pageSize);
      const length = page.issues.length;
      if (length === 0 || length < limit || (page.total !== undefined && cursor.startAt + length >= page.total)) {
        yield* this.release(held, read.unreadable, undefined);
        return;
      }
      yield* this.release(held, read.unreadable, lastMinuteOf(read.updatedMs));
      const next = nextDcCursor(cursor, read.updatedMs, limit, (ms) => safeLowerBound(ms, session.timeZone), (minute) => held.readInMinute(minute));
      if (next === undefined) {
        throw new PlatformError(`${this.label} returned a full page of issues that does not advance the pull for source ${this.sourceId}`, {
          platform: 'jira',
          sourceId: this.sourceId,
          code: 'bad-response',
          retryable: false,
          hint: 'No issue on the page had a readable id/updated; check the field configuration hides neither',
        });
      }
      cursor = next;
    }
  }

  /**
   * Hands out the held issues of minutes before `beforeMinute` (all when undefined) in pages of
   * at most `pageSize`, with the page's unreadable issues. A minute holding more than
   * MAX_HELD_ISSUES issues is handed out too, with a warning: memory wins over exactness there.
   */
  private *release(held: HeldMinute<PulledRecord>, unreadable: UnreadableRecord[], beforeMinute: number | undefined): Iterable<PullPage> {
    let records = held.release(beforeMinute);
    if (beforeMinute !== undefined && held.size > MAX_HELD_ISSUES) {
      this.logger?.warn('More issues share one updated minute than the pull holds back; paging on by offset', {
        source: this.sourceId,
        issues: held.size,
        hint: "deskbridge's own writes between pages may shift the offsets; the next pass re-reads the overlap",
      });
      records = [...records, ...held.handOut()];
    }
    const size = Math.max(1, this.source.pageSize);
    // Always at least one page, even empty: the sync loop drains and checks for an abort between pages.
    for (let i = 0; i === 0 || i < records.length; i += size) {
      yield { records: records.slice(i, i + size), unreadable: i === 0 ? unreadable : [] };
    }
  }

  /**
   * Reads a page into `held`; an (id, updated) already read in this pass (re-read at a page
   * boundary) is only counted for its minute, not handed out twice.
   */
  private readPage(
    issues: readonly unknown[],
    seen: Set<string>,
    held: HeldMinute<PulledRecord>,
    session: Session,
  ): { unreadable: UnreadableRecord[]; updatedMs: (number | undefined)[] } {
    const unreadable: UnreadableRecord[] = [];
    const updatedMs: (number | undefined)[] = [];
    const context = this.readContext(session);
    for (const raw of issues) {
      const read = readIssue(raw, context);
      if ('error' in read) {
        unreadable.push(read);
        updatedMs.push(undefined);
        continue;
      }
      updatedMs.push(read.updatedMs);
      this.learnTeam(read.record.raw[this.groupFieldId()]);
      const seenKey = `${read.record.nativeId}@${read.record.version}`;
      if (seen.has(seenKey)) {
        held.noteRead(read.record.nativeId, read.updatedMs);
        continue;
      }
      seen.add(seenKey);
      held.add(read.record, read.record.nativeId, read.updatedMs);
    }
    return { unreadable, updatedMs };
  }

  private searchJql(boundMs: number | null, timeZone: string): string {
    return this.guard(() => incrementalJql(this.filter, boundMs === null ? undefined : jqlDateTime(boundMs, timeZone)));
  }

  /** Requested fields plus what the connector needs (`updated`, the group field), de-duplicated. */
  private fieldList(requested: readonly string[]): string[] {
    const names = new Set<string>();
    for (const field of requested) {
      if (!ISSUE_ENVELOPE_KEYS.has(field) && FIELD_ID.test(field)) {
        names.add(field);
      }
    }
    names.add('updated');
    // Who wrote the last comment tells our own comments from people's (they leave no changelog entry).
    names.add('comment');
    // The mappings read the group field through $source.groupField, which no field scan can see.
    names.add(this.groupFieldId());
    return [...names];
  }

  private reconcileIds(): number[] {
    const cutoff = this.now() - RECONCILE_WINDOW_MS;
    return [...this.recentWrites.entries()]
      .filter(([, at]) => at >= cutoff)
      .sort((a, b) => b[1] - a[1])
      .slice(0, RECONCILE_MAX)
      .map(([id]) => Number(id));
  }

  // ---- writes --------------------------------------------------------------------------------

  private async assign(nativeId: string, request: WriteRequest, write: JiraWrite, session: Session, signal: AbortSignal | undefined): Promise<WriteResult> {
    const fields: Record<string, unknown> = { ...write.fields };
    if (write.group !== undefined) {
      const fieldId = this.groupFieldId();
      // A mapping that shaped the group value itself (e.g. a Team id) wins.
      if (!(fieldId in fields)) {
        fields[fieldId] = await this.groupValue(write.group, signal);
      }
    }
    if (write.assignee !== undefined) {
      fields.assignee = write.assignee === null ? null : { [this.userKey]: await this.resolveUser(write.assignee, signal) };
    }
    return this.updateFields(nativeId, request, fields, session, signal);
  }

  /** Read-before-overwrite, then one PUT; setting the same values twice leaves the same issue. */
  private async updateFields(
    nativeId: string,
    request: WriteRequest,
    fields: Record<string, unknown>,
    session: Session,
    signal: AbortSignal | undefined,
  ): Promise<WriteResult> {
    if (Object.keys(fields).length === 0) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    const current = await this.readCurrent(nativeId, signal);
    if (this.changedByOthers(nativeId, current, request.planned.target.version, session)) {
      return { outcome: 'superseded', ref: nativeId };
    }
    await this.request({
      method: 'PUT',
      url: `${this.api}/issue/${nativeId}`,
      data: { fields: this.prepareFields(fields) },
      operation: 'update',
      signal,
    });
    this.noteWrite(nativeId);
    return { outcome: 'updated', ref: nativeId };
  }

  /** Status changes go through the workflow: the transition is found by its name or its target status. */
  private async transition(
    nativeId: string,
    request: WriteRequest,
    target: string,
    fields: Record<string, unknown> | undefined,
    session: Session,
    signal: AbortSignal | undefined,
  ): Promise<WriteResult> {
    const current = await this.readCurrent(nativeId, signal);
    const wanted = target.toLowerCase();
    if (current.status?.toLowerCase() === wanted) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    if (this.changedByOthers(nativeId, current, request.planned.target.version, session)) {
      return { outcome: 'superseded', ref: nativeId };
    }
    const response = await this.request({ method: 'GET', url: `${this.api}/issue/${nativeId}/transitions`, operation: 'transitions', signal });
    const { transitions } = this.parse(TransitionList, response.data, 'transition list');
    const byName = transitions.filter((t) => t.name.toLowerCase() === wanted);
    const chosen = (byName.length > 0 ? byName : transitions.filter((t) => t.to?.name.toLowerCase() === wanted))[0];
    if (chosen === undefined) {
      const available = transitions.map((t) => `"${t.name}" → ${t.to?.name ?? '?'}`).join(', ') || 'none';
      throw this.badRequest(
        `No transition named or leading to "${target}" from status "${current.status ?? '?'}" on issue ${nativeId} (available: ${available})`,
        'Use a transition or status name of the issue\'s workflow; the integration user also needs "Transition issues"',
      );
    }
    // Not re-sent after an unclear failure: the outbox retries the whole step, status check first.
    await this.request({
      method: 'POST',
      url: `${this.api}/issue/${nativeId}/transitions`,
      data: { transition: { id: chosen.id }, ...(fields === undefined ? {} : { fields: this.prepareFields(fields) }) },
      operation: 'transition',
      signal,
    });
    this.noteWrite(nativeId);
    return { outcome: 'updated', ref: nativeId };
  }

  /**
   * Comments append; a POST that succeeded just before a crash would be posted again on retry. The
   * marker inside the text lets a retry find the earlier comment first (newest 100 comments).
   */
  private async ensureComment(
    nativeId: string,
    action: Extract<Action, { type: 'comment' }>,
    request: WriteRequest,
    write: JiraWrite,
    signal: AbortSignal | undefined,
  ): Promise<WriteResult> {
    const text = this.checkComment(nativeId, action, request, write);
    const isPublic = action.visibility === 'public';
    if (!request.firstAttempt && (await this.hasComment(nativeId, request.marker, signal))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    let createdMs: number | undefined;
    const project = projectOf(request.planned.target.number);
    let viaServiceDesk = this.source.serviceDesk && (project === undefined || !this.plainProjects.has(project));
    if (viaServiceDesk) {
      const response = await this.request({
        method: 'POST',
        url: `/rest/servicedeskapi/request/${nativeId}/comment`,
        data: { body: text, public: isPublic },
        // A 404 here means "not a customer request": the issue is in a project that is not a service project.
        acceptStatuses: [404],
        operation: 'servicedesk-comment',
        signal,
      });
      if (response.status === 404) {
        viaServiceDesk = false;
        if (project !== undefined) {
          this.plainProjects.add(project);
        }
        this.logger?.debug('Issue is not a customer request; commenting through the platform API', { source: this.sourceId, issue: request.planned.target.number });
      } else {
        const created = this.parse(ServiceDeskComment, response.data, 'service desk comment');
        createdMs = created.created?.epochMillis ?? (created.created?.iso8601 === undefined ? undefined : jiraTimeToMs(created.created.iso8601));
      }
    }
    if (!viaServiceDesk) {
      const response = await this.request({
        method: 'POST',
        url: `${this.api}/issue/${nativeId}/comment`,
        data: {
          body: this.cloud ? textToAdf(text) : text,
          // In a service project a platform comment is public unless this property says otherwise.
          ...(isPublic ? {} : { properties: [INTERNAL_COMMENT_PROPERTY] }),
        },
        operation: 'comment',
        signal,
      });
      const created = this.parse(CreatedComment, response.data, 'comment');
      createdMs = created.created === undefined ? undefined : jiraTimeToMs(created.created);
    }
    this.untrackedWrites.set(nativeId, createdMs ?? this.now());
    this.noteWrite(nativeId);
    return { outcome: 'created', ref: nativeId };
  }

  /** Refuses, before any request, a comment a retry could not detect or that would reach the wrong audience. */
  private checkComment(nativeId: string, action: Extract<Action, { type: 'comment' }>, request: WriteRequest, write: JiraWrite): string {
    const text = write.comment;
    if (text === undefined || !text.includes(request.marker)) {
      throw this.badRequest(
        `The comment text for issue ${nativeId} does not contain the idempotency marker`,
        `${this.mappingFile()} must embed the marker in "comment" so retries can be detected`,
      );
    }
    // A mapping that turned an internal note public would show it to the customer.
    if (write.public !== undefined && write.public !== (action.visibility === 'public')) {
      throw this.badRequest(
        `A ${action.visibility} comment was mapped as ${write.public ? 'public' : 'internal'}`,
        `Fix the comment branch of ${this.mappingFile()}: "public" must follow the action's visibility`,
      );
    }
    return text;
  }

  private async hasComment(nativeId: string, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
    const response = await this.request({
      method: 'GET',
      url: `${this.api}/issue/${nativeId}/comment`,
      params: { orderBy: '-created', maxResults: 100 },
      operation: 'comment-lookup',
      signal,
    });
    const page = this.parse(CommentPage, response.data, 'comment list');
    return page.comments.some((comment) => adfToText(comment.body).includes(marker));
  }

  /**
   * Creation is made idempotent by a label carrying a hash of the correlation key
   * (`deskbridge-<hash>`): the problem project is searched for it first.
   */
  private async ensureProblem(action: Extract<Action, { type: 'create-problem' }>, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const problems = this.requireProblems();
    const label = correlationLabel(action.correlationKey);
    const existing = await this.findProblem(label, signal);
    if (existing !== undefined) {
      return { outcome: 'unchanged', ref: existing };
    }
    const fields = { ...write.fields };
    const labels = new Set(Array.isArray(fields.labels) ? fields.labels.filter((l): l is string => typeof l === 'string') : []);
    labels.add(label);
    const response = await this.request({
      method: 'POST',
      url: `${this.api}/issue`,
      data: {
        fields: this.prepareFields({
          ...fields,
          project: { key: problems.projectKey },
          issuetype: { name: problems.issueType },
          labels: [...labels],
        }),
      },
      operation: 'create-problem',
      signal,
    });
    const created = this.parse(CreatedIssue, response.data, 'created problem');
    this.problemIds.set(label, created.id);
    this.noteWrite(created.id);
    return { outcome: 'created', ref: created.id };
  }

  /** Links are checked on the incident first (either direction counts), then created. */
  private async linkProblem(nativeId: string, action: Extract<Action, { type: 'link-problem' }>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const problem = await this.resolveProblem(action, signal);
    const linkType = this.source.problemLinkType;
    const links = await this.linksOf(nativeId, linkType, signal);
    if (links.some((link) => linksTo(link, problem))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    // For "Problem/Incident" (outward "causes"), this reads "<problem> causes <incident>".
    await this.postLink(linkType, problem.id !== undefined ? { id: problem.id } : { key: problem.key ?? '' }, { id: nativeId }, 'link', nativeId, signal);
    return { outcome: 'created', ref: nativeId };
  }

  /**
   * Marks the target as a duplicate of the original: `POST /issueLink` with `duplicateLinkType`,
   * `inwardIssue` = the duplicate and `outwardIssue` = the original, which Jira shows as
   * "<duplicate> duplicates <original>" (and "<original> is duplicated by <duplicate>"). The
   * target's `issuelinks` are read first: a link of that type to the original in either direction
   * → `unchanged`; the target already marked as a duplicate of another issue (by a person or an
   * earlier run) → left as it is, `unchanged`, with a warning.
   */
  private async linkDuplicate(
    nativeId: string,
    action: Extract<Action, { type: 'link-duplicate' }>,
    request: WriteRequest,
    signal: AbortSignal | undefined,
  ): Promise<WriteResult> {
    const original = action.original;
    const ref = this.originalRef(nativeId, action, request);
    const linkType = this.source.duplicateLinkType;
    const links = await this.linksOf(nativeId, linkType, signal);
    if (links.some((link) => linksTo(link, ref) || linksTo(link, { id: original.nativeId, key: original.number }))) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    // On the duplicate's side, "this issue duplicates X" is listed with X as outwardIssue.
    const elsewhere = links.find((link) => link.outwardIssue !== undefined);
    if (elsewhere !== undefined) {
      this.logger?.warn('Duplicate already points elsewhere; left as it is', {
        source: this.sourceId,
        ticket: request.planned.target.number,
        linkType,
        current: elsewhere.outwardIssue?.key ?? elsewhere.outwardIssue?.id,
        planned: original.number,
      });
      return { outcome: 'unchanged', ref: nativeId };
    }
    // Not re-sent after an unclear failure: the outbox retries the whole step, lookup first.
    await this.postLink(linkType, { id: nativeId }, ref, 'duplicate-link', nativeId, signal);
    return { outcome: 'created', ref: nativeId };
  }

  /**
   * Finds the problem by its correlation label, reopens it first when asked and its status is in
   * the `done` category (Jira's classic workflow makes Closed issues read-only, so the edit has to
   * wait for the reopen), then `PUT`s summary and description. The transition is picked by name,
   * `problems.reopenTransition`. A retry finds the problem open and the same text: harmless.
   */
  private async updateProblem(action: Extract<Action, { type: 'update-problem' }>, write: JiraWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    this.checkProblemUpdate(write);
    const problems = this.requireProblems();
    const label = correlationLabel(action.correlationKey);
    const found = await this.findProblem(label, signal);
    if (found === undefined) {
      throw this.problemNotFound(action.correlationKey);
    }
    const fields: Record<string, unknown> = { ...write.fields };
    if (Array.isArray(fields.labels)) {
      // The correlation label is how the problem is found; a mapping may add labels, never drop it.
      fields.labels = [...new Set([...fields.labels.filter((l): l is string => typeof l === 'string'), label])];
    }
    let outcome: WriteResult['outcome'] = 'unchanged';
    if (action.reopen) {
      const response = await this.request({
        method: 'GET',
        url: `${this.api}/issue/${found}`,
        params: { fields: 'status' },
        acceptStatuses: [404],
        operation: 'problem-status',
        signal,
      });
      if (response.status === 404) {
        this.problemIds.delete(label);
        throw this.problemNotFound(action.correlationKey);
      }
      const status = this.parse(IssueStatus, response.data, 'problem status').fields.status;
      if (status?.statusCategory?.key === 'done') {
        await this.reopen(found, status.name, problems.reopenTransition, signal);
        outcome = 'updated';
      }
    }
    if (Object.keys(fields).length > 0) {
      await this.request({
        method: 'PUT',
        url: `${this.api}/issue/${found}`,
        data: { fields: this.prepareFields(fields) },
        operation: 'update-problem',
        signal,
      });
      outcome = 'updated';
    }
    if (outcome === 'updated') {
      this.noteWrite(found);
    }
    return { outcome, ref: found };
  }

  /**
   * Opens a follow-up Task in the ticket's project, linked to the ticket ("Relates"). Idempotent
   * through a label `deskbridge-task-<hash>` of the ticket id and the correlation key (so one key
   * used on two tickets gives two tasks): the project is searched for it first, the task's own
   * `issuelinks` coming with the search. Found and linked → `unchanged`; found without the link (a
   * crash between the two POSTs) → the link is added, still `unchanged`; otherwise `POST /issue`
   * then `POST /issueLink` → `created`. Tasks created in this process are remembered, because
   * Cloud's search may not show them yet.
   */
  private async ensureTask(
    nativeId: string,
    action: Extract<Action, { type: 'create-task' }>,
    request: WriteRequest,
    write: JiraWrite,
    signal: AbortSignal | undefined,
  ): Promise<WriteResult> {
    const target = request.planned.target;
    const project = projectOf(target.number);
    if (project === undefined) {
      throw this.badRequest(`Cannot tell the project of ${target.number} to open a task in`, 'The action was planned from a record without an issue key');
    }
    const label = taskLabel(nativeId, action.correlationKey);
    const known = this.tasks.get(label) ?? (await this.findTask(project, label, nativeId, target.number, signal));
    if (known !== undefined) {
      if (!known.linked) {
        await this.linkTask(known.id, nativeId, signal);
        this.tasks.set(label, { id: known.id, linked: true });
      }
      return { outcome: 'unchanged', ref: known.id };
    }
    const fields: Record<string, unknown> = { ...write.fields };
    if (write.group !== undefined) {
      const fieldId = this.groupFieldId();
      // A mapping that shaped the group value itself (e.g. a Team id) wins, as for assign.
      if (!(fieldId in fields)) {
        fields[fieldId] = await this.groupValue(write.group, signal);
      }
    }
    const labels = new Set(Array.isArray(fields.labels) ? fields.labels.filter((l): l is string => typeof l === 'string') : []);
    labels.add(label);
    // Not re-sent after an unclear failure: the outbox retries the whole step, label search first.
    const response = await this.request({
      method: 'POST',
      url: `${this.api}/issue`,
      data: {
        fields: this.prepareFields({
          issuetype: { name: TASK_ISSUE_TYPE },
          ...fields,
          project: { key: project },
          labels: [...labels],
        }),
      },
      operation: 'create-task',
      signal,
    });
    const created = this.parse(CreatedIssue, response.data, 'created task');
    this.tasks.set(label, { id: created.id, linked: false });
    this.noteWrite(created.id);
    await this.linkTask(created.id, nativeId, signal);
    this.tasks.set(label, { id: created.id, linked: true });
    return { outcome: 'created', ref: created.id };
  }

  private async findTask(
    project: string,
    label: string,
    ticketId: string,
    ticketKey: string,
    signal: AbortSignal | undefined,
  ): Promise<{ id: string; linked: boolean } | undefined> {
    const jql = this.guard(() => `project = ${jqlString(project)} AND labels = ${jqlString(label)} ORDER BY created ASC, id ASC`);
    const first = this.parse(SearchJqlResponse, await this.searchFirst(jql, ['issuelinks'], 'task-lookup', signal), 'task lookup').issues[0];
    if (first === undefined) {
      return undefined;
    }
    const task = this.parse(IssueLinks, first, 'task');
    const linked = task.fields.issuelinks.some((link) => link.type.name === TASK_LINK_TYPE && linksTo(link, { id: ticketId, key: ticketKey }));
    const found = { id: task.id, linked };
    this.tasks.set(label, found);
    return found;
  }

  /** "Relates" reads "relates to" both ways: the task is sent as inwardIssue, the ticket as outwardIssue. */
  private async linkTask(taskId: string, ticketId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.postLink(TASK_LINK_TYPE, { id: taskId }, { id: ticketId }, 'task-link', ticketId, signal);
  }

  /** The issue's links of one type (either direction), read before linking so a retry adds none twice. */
  private async linksOf(nativeId: string, linkType: string, signal: AbortSignal | undefined): Promise<IssueLink[]> {
    const response = await this.request({
      method: 'GET',
      url: `${this.api}/issue/${nativeId}`,
      params: { fields: 'issuelinks' },
      operation: 'link-lookup',
      signal,
    });
    return this.parse(IssueLinks, response.data, 'issue links').fields.issuelinks.filter((link) => link.type.name === linkType);
  }

  /** `POST /issueLink`: Jira shows it as "<inward> <outward description> <outward>". */
  private async postLink(
    linkType: string,
    inwardIssue: { id: string } | { key: string },
    outwardIssue: { id: string } | { key: string },
    operation: JiraOperation,
    changed: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.request({ method: 'POST', url: `${this.api}/issueLink`, data: { type: { name: linkType }, inwardIssue, outwardIssue }, operation, signal });
    this.noteWrite(changed);
  }

  private checkTaskWrite(write: JiraWrite): void {
    if (write.transition !== undefined || write.comment !== undefined || write.public !== undefined || write.assignee !== undefined) {
      throw this.badRequest(
        'The create-task branch of the outbound mapping may only produce "fields" and "group"',
        `Fix ${this.mappingFile()}: summary and description go under "fields"; project, label and the link are added by the connector`,
      );
    }
    if (write.fields?.project !== undefined) {
      throw this.badRequest(
        'The create-task branch of the outbound mapping set fields.project',
        'Leave project out: a task is opened in the project of the ticket it follows up',
      );
    }
  }

  /** The original as an issue reference; refuses, before any request, a bad id or the target itself. */
  private originalRef(nativeId: string, action: Extract<Action, { type: 'link-duplicate' }>, request: WriteRequest): { id: string } | { key: string } {
    const original = action.original;
    const ref: { id: string } | { key: string } | undefined = ISSUE_ID.test(original.nativeId)
      ? { id: original.nativeId }
      : ISSUE_KEY.test(original.nativeId)
        ? { key: original.nativeId }
        : undefined;
    if (ref === undefined) {
      throw this.badRequest(`Original "${original.nativeId}" of a link-duplicate action is neither a Jira issue id nor a key`, 'Fix the rule that planned it');
    }
    if (('id' in ref && ref.id === nativeId) || ('key' in ref && ref.key.toUpperCase() === request.planned.target.number.toUpperCase())) {
      throw this.badRequest(`Refused to mark ${request.planned.target.number} as a duplicate of itself`, 'Fix the rule that planned it');
    }
    return ref;
  }

  private checkProblemUpdate(write: JiraWrite): void {
    if (write.transition !== undefined || write.comment !== undefined || write.group !== undefined || write.assignee !== undefined) {
      throw this.badRequest(
        'The update-problem branch of the outbound mapping may only produce "fields"',
        `Fix ${this.mappingFile()}: summary and description go under "fields"; reopening follows the action's reopen flag`,
      );
    }
  }

  private async reopen(problemId: string, statusName: string, transitionName: string, signal: AbortSignal | undefined): Promise<void> {
    const response = await this.request({ method: 'GET', url: `${this.api}/issue/${problemId}/transitions`, operation: 'transitions', signal });
    const { transitions } = this.parse(TransitionList, response.data, 'transition list');
    const chosen = transitions.find((t) => t.name.toLowerCase() === transitionName.toLowerCase());
    if (chosen === undefined) {
      const available = transitions.map((t) => `"${t.name}" → ${t.to?.name ?? '?'}`).join(', ') || 'none';
      throw this.badRequest(
        `Problem ${problemId} is in the done status "${statusName}" and has no transition named "${transitionName}" (available: ${available})`,
        'Set problems.reopenTransition to the name of the problem workflow\'s reopen transition; the integration user also needs "Transition issues" in the problem project',
      );
    }
    // Not re-sent after an unclear failure: the outbox retries the whole step, status check first.
    await this.request({
      method: 'POST',
      url: `${this.api}/issue/${problemId}/transitions`,
      data: { transition: { id: chosen.id } },
      operation: 'transition',
      signal,
    });
  }

  /**
   * The first issue of a search (Cloud: /search/jql, asking the index to reconcile issues this
   * process just wrote; Data Center: /search), as the raw response body.
   */
  private async searchFirst(jql: string, fields: string[], operation: JiraOperation, signal: AbortSignal | undefined, options: { reconcile?: boolean } = {}): Promise<unknown> {
    const reconcileIssues = options.reconcile === false ? [] : this.reconcileIds();
    const response = this.cloud
      ? await this.request({
          method: 'POST',
          url: '/rest/api/3/search/jql',
          data: { jql, fields, maxResults: 1, ...(reconcileIssues.length > 0 ? { reconcileIssues } : {}) },
          idempotent: true,
          operation,
          signal,
        })
      : await this.request({ method: 'POST', url: '/rest/api/2/search', data: { jql, startAt: 0, maxResults: 1, fields }, idempotent: true, operation, signal });
    return response.data;
  }

  /** Every page of a search (Cloud: nextPageToken; Data Center: startAt), issues only. */
  private async *searchAll(jql: string, fields: string[], operation: JiraOperation, signal: AbortSignal | undefined): AsyncIterable<unknown[]> {
    if (this.cloud) {
      const reconcileIssues = this.reconcileIds();
      let token: string | undefined;
      for (;;) {
        const response = await this.request({
          method: 'POST',
          url: '/rest/api/3/search/jql',
          data: {
            jql,
            fields,
            maxResults: PROBLEM_STATE_PAGE,
            ...(token === undefined ? {} : { nextPageToken: token }),
            ...(reconcileIssues.length > 0 ? { reconcileIssues } : {}),
          },
          idempotent: true,
          operation,
          signal,
        });
        const page = this.parse(SearchJqlResponse, response.data, 'search page');
        yield page.issues;
        const next = page.nextPageToken ?? undefined;
        if (next === undefined || next === '' || page.isLast === true || next === token) {
          return;
        }
        token = next;
      }
    }
    let startAt = 0;
    for (;;) {
      const response = await this.request({
        method: 'POST',
        url: '/rest/api/2/search',
        data: { jql, startAt, maxResults: PROBLEM_STATE_PAGE, fields },
        idempotent: true,
        operation,
        signal,
      });
      const page = this.parse(SearchResponse, response.data, 'search page');
      yield page.issues;
      const limit = Math.min(PROBLEM_STATE_PAGE, page.maxResults ?? PROBLEM_STATE_PAGE);
      startAt += page.issues.length;
      if (page.issues.length === 0 || page.issues.length < limit || (page.total !== undefined && startAt >= page.total)) {
        return;
      }
    }
  }

  private problemNotFound(correlationKey: string): PlatformError {
    return new PlatformError(`No Jira problem carries the correlation key ${correlationKey} for source ${this.sourceId}`, {
      platform: 'jira',
      sourceId: this.sourceId,
      status: 404,
      code: 'not-found',
      // The create-problem entry for this key may simply not have run (or been indexed) yet.
      retryable: true,
      hint: 'The problem may not be created or searchable yet, or the integration user cannot browse the problem project',
    });
  }

  private async resolveProblem(action: Extract<Action, { type: 'link-problem' }>, signal: AbortSignal | undefined): Promise<{ id?: string; key?: string }> {
    if (action.problemRef !== undefined) {
      if (ISSUE_ID.test(action.problemRef)) {
        return { id: action.problemRef };
      }
      if (ISSUE_KEY.test(action.problemRef)) {
        return { key: action.problemRef };
      }
      throw this.badRequest(`Problem reference "${action.problemRef}" is neither a Jira issue id nor a key`, 'Fix the rule that planned it');
    }
    if (action.correlationKey === undefined) {
      throw this.badRequest('A link-problem action needs a problemRef or a correlationKey', 'Fix the rule that planned it');
    }
    this.requireProblems();
    const found = await this.findProblem(correlationLabel(action.correlationKey), signal);
    if (found === undefined) {
      throw this.problemNotFound(action.correlationKey);
    }
    return { id: found };
  }

  private async findProblem(label: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const cached = this.problemIds.get(label);
    if (cached !== undefined) {
      return cached;
    }
    const problems = this.requireProblems();
    const jql = this.guard(() => `project = ${jqlString(problems.projectKey)} AND labels = ${jqlString(label)} ORDER BY created ASC, id ASC`);
    const id = this.parse(IssueIdList, await this.searchFirst(jql, ['id'], 'problem-lookup', signal), 'problem lookup').issues[0]?.id;
    if (id !== undefined) {
      this.problemIds.set(label, id);
    }
    return id;
  }

  private requireProblems(): NonNullable<JiraSource['problems']> {
    if (this.source.problems === undefined) {
      throw this.badRequest(
        `Source ${this.sourceId} has no problem project configured`,
        'Set problems.projectKey (and problems.issueType if not "Problem") on the source to let rules create and link problems',
      );
    }
    return this.source.problems;
  }

  /**
   * Jira has no conditional update, so before overwriting we read `updated`, the changelog and the
   * comments. The decision is stale only when someone else changed the issue since the planned
   * version: a changelog history or a comment (written or edited) after it by anyone but the
   * integration user. Our own changes — an earlier attempt of this write that Jira applied but
   * answered with an error, an earlier step of the same plan, our comments — are not a reason to
   * drop the plan, whichever process made them. `updated` moving with no such trace (a worklog, an
   * edit that changed nothing, such as a repeated PUT) changes nothing a rule read. Only when Jira
   * does not list the comments (field hidden, list cut short) is an unexplained move treated as
   * someone else's, unless this process just posted a comment at that time.
   */
  private changedByOthers(nativeId: string, current: CurrentIssue, plannedVersion: string, session: Session): boolean {
    if (current.updated === plannedVersion) {
      return false;
    }
    const updatedMs = jiraTimeToMs(current.updated);
    const plannedMs = jiraTimeToMs(plannedVersion);
    if (updatedMs === undefined || plannedMs === undefined) {
      return true;
    }
    // The same instant printed with another offset (the user's time zone changed).
    if (updatedMs <= plannedMs) {
      return false;
    }
    const changes = historiesAfter(current.histories, plannedMs, this.userKey);
    if (changes.some((change) => change.author !== session.integrationUser)) {
      return true;
    }
    const comments = commentEvents(current.comment, this.userKey);
    if (comments !== undefined) {
      return comments.some((event) => event.createdMs > plannedMs && event.author !== session.integrationUser);
    }
    const lastOwnChange = Math.max(...changes.map((change) => change.createdMs), Number.NEGATIVE_INFINITY);
    const ownComment = this.untrackedWrites.get(nativeId);
    const explained =
      updatedMs - lastOwnChange <= SAME_CHANGE_TOLERANCE_MS ||
      (ownComment !== undefined && Math.abs(ownComment - updatedMs) <= SAME_CHANGE_TOLERANCE_MS);
    return !explained;
  }

  private async readCurrent(nativeId: string, signal: AbortSignal | undefined): Promise<CurrentIssue> {
    const response = await this.request({
      method: 'GET',
      url: `${this.api}/issue/${nativeId}`,
      params: { fields: 'updated,status,comment', expand: 'changelog' },
      operation: 'version-check',
      signal,
    });
    const issue = this.parse(VersionCheck, response.data, 'version check');
    return { updated: issue.fields.updated, status: issue.fields.status?.name, histories: issue.changelog?.histories ?? [], comment: issue.fields.comment };
  }

  /**
   * Display name (as rules name people) → accountId (Cloud) / username (DC). Exact matches among
   * active, assignable accounts win; a case-insensitive match is the fallback. Cached for an hour.
   */
  private async resolveUser(displayName: string, signal: AbortSignal | undefined): Promise<string> {
    const cached = this.users.get(displayName);
    if (cached !== undefined && this.now() - cached.at < USER_CACHE_MS) {
      return cached.id;
    }
    const response = await this.request({
      method: 'GET',
      url: `${this.api}/user/search`,
      params: this.cloud ? { query: displayName, maxResults: 50 } : { username: displayName, maxResults: 50 },
      operation: 'user-search',
      signal,
    });
    const users = this.parse(UserSearchResponse, response.data, 'user search').filter(
      // Customers and app accounts cannot be assignees on Cloud.
      (user) => user.active !== false && user[this.userKey] !== undefined && (!this.cloud || user.accountType === undefined || user.accountType === 'atlassian'),
    );
    const exact = users.filter((user) => user.displayName === displayName);
    const matches = exact.length > 0 ? exact : users.filter((user) => user.displayName?.toLowerCase() === displayName.toLowerCase());
    const [only, ...others] = matches;
    if (only === undefined) {
      throw this.badRequest(
        `No active ${this.label} user has the display name "${displayName}" (source ${this.sourceId})`,
        'Rules name people by their Jira display name; check the spelling in the rule, that the account is active, ' +
          'and that the integration user has the "Browse users and groups" permission',
      );
    }
    const id = only[this.userKey] ?? '';
    if (others.length > 0) {
      const ids = matches.map((user) => user[this.userKey]).join(', ');
      throw this.badRequest(
        `${matches.length} active ${this.label} users have the display name "${displayName}" (${this.userKey}: ${ids}); deskbridge cannot tell which one the rule means`,
        'Give these accounts distinct display names in Jira, or name a different person in the rule',
      );
    }
    this.users.set(displayName, { id, at: this.now() });
    return id;
  }

  /** The group name in the shape `groupField` takes; components when no group field is configured. */
  private async groupValue(name: string, signal: AbortSignal | undefined): Promise<unknown> {
    const fieldId = this.groupFieldId();
    if (fieldId === 'components') {
      return [{ name }];
    }
    const field = (await this.fieldTypes(signal)).find((candidate) => candidate.id === fieldId);
    if (field === undefined) {
      throw this.badRequest(`groupField ${fieldId} does not exist on ${this.label} (source ${this.sourceId})`, 'Check groupField against Jira admin > Issues > Custom fields');
    }
    const custom = field.schema?.custom ?? '';
    if (field.schema?.type === 'team' || /atlassian-team|rm-teams-custom-field-team/.test(custom)) {
      // "Team field in Jira REST API": written as the team's id, a plain string.
      return this.resolveTeam(name, fieldId, signal);
    }
    const kind = custom.slice(custom.lastIndexOf(':') + 1);
    switch (kind) {
      case 'select':
      case 'radiobuttons':
        return { value: name };
      case 'multiselect':
      case 'multicheckboxes':
        return [{ value: name }];
      case 'grouppicker':
        return { name };
      case 'multigrouppicker':
        return [{ name }];
      case 'textfield':
        return name;
      default:
        throw this.badRequest(
          `deskbridge cannot write a group name into ${fieldId} (${field.name ?? fieldId}, type ${custom || (field.schema?.type ?? 'unknown')})`,
          `Set fields.${fieldId} in the assign branch of ${this.mappingFile()} to the value that field takes (a Team field takes the team's id)`,
        );
    }
  }

  /**
   * Team name → team id. Jira has no platform endpoint that looks a team up by name, so ids are
   * learned from the group field of every issue read (search results and single issues); an
   * unknown name is searched for once (`cf[n] = "name"`, which Jira may refuse — then the rule
   * has to name the team by id). A value that already is a team id (UUID) is used as it is.
   */
  private async resolveTeam(name: string, fieldId: string, signal: AbortSignal | undefined): Promise<string> {
    if (TEAM_ID.test(name)) {
      return name;
    }
    const known = this.teamIds.get(name.toLowerCase());
    if (known !== undefined) {
      return known;
    }
    // Writes to several issues run in parallel; they share one lookup per name.
    const key = name.toLowerCase();
    let lookup = this.teamLookups.get(key);
    if (lookup === undefined) {
      lookup = this.lookUpTeam(name, fieldId, signal).finally(() => this.teamLookups.delete(key));
      this.teamLookups.set(key, lookup);
    }
    await lookup;
    const found = this.teamIds.get(name.toLowerCase());
    if (found === undefined) {
      throw this.badRequest(
        `No team named "${name}" is known for ${fieldId} on ${this.label} (source ${this.sourceId})`,
        'map the name to the team id under `teams:` in the source config (deskbridge also learns ids from issues that carry the team), or name the team by its id in the rule ' +
          '(the last part of the team\'s profile URL), or map the name to the id in the outbound mapping (fields.' + fieldId + ')',
      );
    }
    return found;
  }

  private async lookUpTeam(name: string, fieldId: string, signal: AbortSignal | undefined): Promise<void> {
    const clause = `cf[${fieldId.slice('customfield_'.length)}]`;
    const jql = this.guard(() => `${clause} = ${jqlString(name)} ORDER BY updated DESC`);
    try {
      const data = await this.searchFirst(jql, [fieldId], 'team-lookup', signal, { reconcile: false });
      for (const issue of this.parse(SearchJqlResponse, data, 'team lookup').issues) {
        this.learnTeam((issue as { fields?: Record<string, unknown> }).fields?.[fieldId]);
      }
    } catch (error) {
      // Jira may not accept a team name in JQL; that only means the name cannot be looked up.
      if (!(error instanceof PlatformError) || error.code !== 'bad-request') {
        throw error;
      }
    }
  }

  private learnTeam(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return;
    }
    const team = value as { id?: unknown; name?: unknown; title?: unknown };
    const name = typeof team.name === 'string' ? team.name : typeof team.title === 'string' ? team.title : undefined;
    if (typeof team.id === 'string' && TEAM_ID.test(team.id) && name !== undefined) {
      this.teamIds.set(name.toLowerCase(), team.id);
    }
  }

  private fieldTypes(signal: AbortSignal | undefined): Promise<FieldList> {
    this.fields ??= this.request({ method: 'GET', url: `${this.api}/field`, operation: 'field-list', signal })
      .then((response) => this.parse(FieldList, response.data, 'field list'))
      .catch((error: unknown) => {
        this.fields = undefined;
        throw error;
      });
    return this.fields;
  }

  /** REST v3 wants rich-text fields as ADF; mappings give plain text. */
  private prepareFields(fields: Record<string, unknown>): Record<string, unknown> {
    if (!this.cloud) {
      return fields;
    }
    const out = { ...fields };
    for (const name of ADF_FIELDS) {
      const value = out[name];
      if (typeof value === 'string') {
        out[name] = textToAdf(value);
      }
    }
    return out;
  }

  private groupFieldId(): string {
    return this.source.groupField ?? 'components';
  }

  private noteWrite(issueId: string): void {
    const now = this.now();
    this.recentWrites.delete(issueId);
    this.recentWrites.set(issueId, now);
    for (const [id, at] of this.recentWrites) {
      if (at >= now - RECONCILE_WINDOW_MS && this.recentWrites.size <= RECONCILE_MAX * 4) {
        break;
      }
      this.recentWrites.delete(id);
    }
    if (this.untrackedWrites.size > 1_000) {
      for (const [id, at] of this.untrackedWrites) {
        if (at < now - RECONCILE_WINDOW_MS) {
          this.untrackedWrites.delete(id);
        }
      }
    }
  }

  private async serialised<T>(key: string, run: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const current = previous.then(run, run);
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, settled);
    try {
      return await current;
    } finally {
      if (this.locks.get(key) === settled) {
        this.locks.delete(key);
      }
    }
  }

  // ---- session and plumbing ------------------------------------------------------------------

  private ensureSession(signal: AbortSignal | undefined): Promise<Session> {
    if (this.session === undefined) {
      const pending = this.loadSession(signal);
      this.session = pending;
      pending.catch(() => {
        if (this.session === pending) {
          this.session = undefined;
        }
      });
    }
    return this.session;
  }

  private async loadSession(signal: AbortSignal | undefined): Promise<Session> {
    const response = await this.request({ method: 'GET', url: `${this.api}/myself`, operation: 'myself', signal });
    const me = this.parse(Myself, response.data, 'myself');
    const authenticated = me[this.userKey];
    const integrationUser = this.source.integrationUser ?? authenticated;
    if (integrationUser === undefined) {
      throw this.badResponse(`${this.label} /myself did not say who the credentials act as (no ${this.userKey}) for source ${this.sourceId}`);
    }
    if (this.source.integrationUser !== undefined && authenticated !== undefined && authenticated !== this.source.integrationUser) {
      // Own-write detection compares changelog authors with integrationUser; ours will not match.
      this.logger?.warn('Integration user differs from the authenticated user', {
        source: this.sourceId,
        integrationUser: this.source.integrationUser,
        hint: `the credentials act as ${this.userKey} ${authenticated}; its changes will be processed as human edits`,
      });
    }
    let timeZone = me.timeZone ?? undefined;
    if (timeZone === undefined || !isKnownTimeZone(timeZone)) {
      this.logger?.warn('Jira user time zone unknown', {
        source: this.sourceId,
        timeZone,
        hint: 'JQL dates are read in the user\'s zone; bounds are widened by up to 26 hours to stay safe. Set the time zone in the user profile.',
      });
      timeZone = WIDEST_ZONE;
    }
    return { integrationUser, timeZone };
  }

  private readContext(session: Session): Parameters<typeof readIssue>[1] {
    return {
      userKey: this.userKey,
      integrationUser: session.integrationUser,
      ownUntrackedWriteAt: (issueId) => this.untrackedWrites.get(issueId),
    };
  }

  private request(request: Parameters<HttpClient['request']>[0] & { operation: JiraOperation }): ReturnType<HttpClient['request']> {
    return this.http.request(request);
  }

  private mappingFile(): string {
    return `mappings/jira-${this.source.flavour}.outbound.jsonata`;
  }

  /** Runs a JQL-building step, turning a rejected value into a non-retryable PlatformError. */
  private guard<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      if (error instanceof JqlError) {
        throw this.badRequest(`Refused to query ${this.label} for source ${this.sourceId}: ${error.message}`, 'Values in JQL may not contain control characters');
      }
      throw error;
    }
  }

  private parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw this.badResponse(`${this.label} returned an unreadable ${what} for source ${this.sourceId}`);
    }
    return parsed.data;
  }

  private badResponse(message: string): PlatformError {
    return new PlatformError(message, {
      platform: 'jira',
      sourceId: this.sourceId,
      code: 'bad-response',
      retryable: true,
      hint: 'If the body was HTML, baseUrl may point at a login page, a proxy or a maintenance page rather than the Jira REST API',
    });
  }

  private badRequest(message: string, hint: string): PlatformError {
    return new PlatformError(message, { platform: 'jira', sourceId: this.sourceId, code: 'bad-request', retryable: false, hint });
  }
}

/** Minute (epoch ms) of the last readable issue of a page. */
function lastMinuteOf(updatedMs: readonly (number | undefined)[]): number | undefined {
  for (let i = updatedMs.length - 1; i >= 0; i--) {
    const ms = updatedMs[i];
    if (ms !== undefined) return floorToMinute(ms);
  }
  return undefined;
}

/** `ITSM-42` → `ITSM`. */
function projectOf(issueKey: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9_]*)-\d+$/.exec(issueKey);
  return match?.[1]?.toUpperCase();
}

/**
 * The label that makes a follow-up task findable: `deskbridge-task-` + 24 hex of SHA-256 over the
 * ticket id and the correlation key, so the same key on two tickets names two tasks.
 */
export function taskLabel(ticketId: string, correlationKey: string): string {
  return `deskbridge-task-${createHash('sha256').update(`${ticketId}\n${correlationKey}`, 'utf8').digest('hex').slice(0, 24)}`;
}

/** The label that makes a problem findable by its pattern: `deskbridge-` + 24 hex of SHA-256(key). */
export function correlationLabel(correlationKey: string): string {
  return `deskbridge-${createHash('sha256').update(correlationKey, 'utf8').digest('hex').slice(0, 24)}`;
}

type IssueLink = ReturnType<(typeof IssueLinks)['parse']>['fields']['issuelinks'][number];

/** Whether a link's other end (inward or outward) is this issue, by id or key. */
function linksTo(link: IssueLink, issue: { id?: string | undefined; key?: string | undefined }): boolean {
  return [link.inwardIssue, link.outwardIssue].some(
    (other) => other !== undefined && ((issue.id !== undefined && other.id === issue.id) || (issue.key !== undefined && other.key === issue.key)),
  );
}
