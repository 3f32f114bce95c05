import { PerRecordLock } from '../per-record-lock.js';
import type { JiraSource } from './source.js';
import type { ConnectorDeps } from '../deps.js';
import type { Action } from '../../model/action.js';
import type { Capabilities, Connector, CurrentRecord, InitResult, PlatformDirectory, PullOptions, PullPage, ProblemState, PulledRecord, TransportStatus, WriteRequest, WriteResult } from '../types.js';
import { jiraFlavour } from './flavours/flavour.js';
import { readComments } from './comments-read.js';
import type { RecordComment } from '../types.js';
import { JiraDirectory } from './directory.js';
import { JiraGroups } from './groups.js';
import { configuredJql } from './jql.js';
import { OwnWrites } from './own-writes.js';
import { JiraFieldList } from './field-list.js';
import { PullPass, fieldList } from './pull.js';
import { readIssue, type ReadContext } from './record.js';
import { ISSUE_ID, ISSUE_KEY, escalationLabel } from './refs.js';
import { JiraRest } from './rest.js';
import { JiraWrite } from './schema.js';
import { JiraSearch } from './search.js';
import { JiraSession, type Session } from './session.js';
import { safeLowerBound } from './time.js';
import { JiraUsers } from './users.js';
import { CommentWriter } from './write/comments.js';
import { EscalationWriter } from './write/escalations.js';
import { readVersions } from './versions.js';
import { FieldWriter } from './write/fields.js';
import { GROUPABLE_ACTIONS, GroupWriter } from './write/group.js';
import { IssueLinker } from './write/links.js';
import { ProblemWriter } from './write/problems.js';
import { TaskWriter } from './write/tasks.js';

export { correlationLabel, escalationLabel, taskLabel } from './refs.js';
export { ESCALATION_ISSUE_TYPE, originGlobalId } from './write/escalations.js';
export { TASK_ISSUE_TYPE, TASK_LINK_TYPE } from './write/tasks.js';

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
    escalationTarget: true,
  };
}

export function createJiraConnector(source: JiraSource, deps: ConnectorDeps = {}): Connector {
  return new JiraConnector(source, deps);
}

/**
 * Jira Service Management, Cloud or Data Center. The connector checks requests and routes them;
 * what the two flavours do differently lives in their flavour (flavours/), the pull in pull.ts
 * and each kind of write in write/.
 */
export class JiraConnector implements Connector {
  readonly platform = 'jira';
  readonly sourceId: string;
  readonly capabilities: Capabilities;
  private readonly source: JiraSource;
  private readonly rest: JiraRest;
  private readonly filter: string;
  private readonly session: JiraSession;
  private readonly ownWrites: OwnWrites;
  private readonly groups: JiraGroups;
  private readonly fieldWriter: FieldWriter;
  private readonly commentWriter: CommentWriter;
  private readonly links: IssueLinker;
  private readonly problems: ProblemWriter;
  private readonly tasks: TaskWriter;
  private readonly escalations: EscalationWriter;
  private readonly group: GroupWriter;
  readonly directory: PlatformDirectory;
  /** An assignment, field changes and notes of one plan go as one edit (see GroupWriter). */
  readonly groupableActions: ReadonlySet<Action['type']> = GROUPABLE_ACTIONS;
  /** Per-issue chain of writes, so two writes to one issue never interleave. */
  private readonly writes = new PerRecordLock();

  constructor(source: JiraSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.capabilities = jiraCapabilities(source);
    // Checked now, so a bad filter fails at start-up rather than on the first pull.
    this.filter = configuredJql(source.jql);
    this.rest = new JiraRest(source, jiraFlavour(source), deps);
    this.session = new JiraSession(this.rest);
    this.ownWrites = new OwnWrites(this.rest.now);
    const search = new JiraSearch(this.rest, this.ownWrites);
    const siteFields = new JiraFieldList(this.rest);
    this.groups = new JiraGroups(this.rest, search, siteFields);
    const users = new JiraUsers(this.rest);
    this.fieldWriter = new FieldWriter(this.rest, this.ownWrites, this.groups, users);
    this.directory = new JiraDirectory(this.rest, users, siteFields);
    this.commentWriter = new CommentWriter(this.rest, this.ownWrites);
    this.links = new IssueLinker(this.rest, this.ownWrites);
    this.problems = new ProblemWriter(this.rest, this.ownWrites, search, this.links);
    this.tasks = new TaskWriter(this.rest, this.ownWrites, search, this.links, this.groups);
    this.escalations = new EscalationWriter(this.rest, this.ownWrites, search);
    this.group = new GroupWriter(this.rest, this.ownWrites, this.fieldWriter, this.commentWriter);
  }

  /** Checks the credentials (GET /myself) and learns who we are and which time zone JQL dates are in. */
  async init(signal?: AbortSignal): Promise<InitResult> {
    return { integrationUser: (await this.session.init(signal)).integrationUser };
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
    const session = await this.session.ensure(signal);
    const fields = fieldList(options.fields, this.rest.groupFieldId());
    let boundMs: number | null = null;
    if (options.from !== null) {
      const fromMs = Date.parse(options.from);
      if (Number.isNaN(fromMs)) {
        throw this.rest.badRequest(`Pull lower bound "${options.from}" is not an ISO 8601 date-time`, 'This is a bug in the caller');
      }
      boundMs = safeLowerBound(fromMs, session.timeZone);
    }
    const pass = new PullPass({
      boundMs,
      fields,
      pageSize: this.source.pageSize,
      timeZone: session.timeZone,
      filter: this.filter,
      readIssue: (raw) => this.readIssue(raw, session),
      guard: (build) => this.rest.guard(build),
      logger: this.rest.logger,
      sourceId: this.sourceId,
    });
    yield* this.rest.flavour.pullPages(this.rest, pass, signal, this.ownWrites.reconcileIds());
  }

  async get(ref: string, fields: readonly string[], signal?: AbortSignal): Promise<PulledRecord | null> {
    if (!ISSUE_ID.test(ref) && !ISSUE_KEY.test(ref)) {
      throw this.rest.badRequest(`"${ref}" is neither a Jira issue id nor an issue key`, 'Use a numeric id (10042) or a key (ITSM-42)');
    }
    const session = await this.session.ensure(signal);
    const response = await this.rest.request({
      method: 'GET',
      url: `${this.rest.api}/issue/${ref}`,
      params: { fields: fieldList(fields, this.rest.groupFieldId()).join(','), expand: 'changelog' },
      acceptStatuses: [404],
      operation: 'get',
      signal,
    });
    if (response.status === 404) {
      return null;
    }
    const read = this.readIssue(response.data, session);
    if ('error' in read) {
      throw this.rest.badResponse(`${this.rest.label} returned an unreadable issue for ${ref}: ${read.error}`);
    }
    return read.record;
  }

  async apply(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult> {
    const { action } = request;
    if (action.type === 'announce-escalation') {
      // The executor turns it into a comment on the origin; it never reaches a connector as such.
      throw this.rest.badRequest(`Jira cannot take a ${action.type} write`, 'The executor sends it as a comment; this is a bug in the caller');
    }
    if (action.type === 'escalate') {
      // The target is the origin ticket on another source: its ids are not this site's, so it is neither checked nor locked.
      const write = this.mapped(action.type, request.fields);
      this.escalations.check(action, write);
      return this.writes.run(escalationLabel(action.correlationKey), async () => {
        await this.session.ensure(signal);
        return this.escalations.ensure(action, write, signal);
      });
    }
    const nativeId = request.planned.target.nativeId;
    if (!ISSUE_ID.test(nativeId)) {
      throw this.rest.badRequest(`Target ${nativeId} is not a Jira issue id`, 'The action was planned from a record without a numeric id');
    }
    const write = this.mapped(action.type, request.fields);
    // Refused before any request: a write the mapping got wrong never half-happens.
    if (action.type === 'comment') {
      this.commentWriter.check(nativeId, action, request, write);
    }
    if (action.type === 'link-duplicate') {
      this.links.originalRef(nativeId, action, request);
    }
    if (action.type === 'update-problem') {
      this.problems.checkUpdate(write);
    }
    if (action.type === 'create-task') {
      this.tasks.check(write);
    }
    // Each step awaits the previous one; the lock also keeps two concurrent applies to one issue apart.
    return this.writes.run(nativeId, async () => {
      const session = await this.session.ensure(signal);
      switch (action.type) {
        case 'assign':
          return this.fieldWriter.assign(nativeId, request, write, session, signal);
        case 'set-field':
          return write.transition !== undefined
            ? this.fieldWriter.transition(nativeId, request, write.transition, write.fields, session, signal)
            : this.fieldWriter.update(nativeId, request, write.fields ?? {}, session, signal);
        case 'comment':
          return this.commentWriter.ensure(nativeId, action, request, write, signal);
        case 'create-problem':
          return this.problems.create(action, write, signal);
        case 'link-problem':
          return this.problems.link(nativeId, action, signal, request.current);
        case 'link-duplicate':
          return this.links.linkDuplicate(nativeId, action, request, signal);
        case 'update-problem':
          return this.problems.update(action, write, signal);
        case 'create-task':
          return this.tasks.ensure(nativeId, action, request, write, signal);
      }
    });
  }

  /** The outbound mapping's result, checked against its contract (JiraWrite). */
  private mapped(type: Action['type'], fields: unknown): JiraWrite {
    const parsed = JiraWrite.safeParse(fields);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`).join('; ');
      throw this.rest.badRequest(`The outbound mapping produced an unusable ${type} write: ${problems}`, `Fix ${this.rest.mappingFile()}; the contract is described at its top`);
    }
    return parsed.data;
  }

  /**
   * Writes of one plan to one issue as one `PUT /issue/{id}` (fields + `update.comment`), or
   * undefined having sent nothing when they cannot go as one (see GroupWriter).
   */
  async applyGroup(requests: readonly WriteRequest[], signal?: AbortSignal): Promise<WriteResult[] | undefined> {
    const nativeId = requests[0]?.planned.target.nativeId;
    if (nativeId === undefined || !ISSUE_ID.test(nativeId) || requests.some((request) => request.planned.target.nativeId !== nativeId)) return undefined;
    return this.writes.run(nativeId, async () => {
      const edit = await this.group.plan(nativeId, requests, signal);
      if (edit === undefined) return undefined;
      const session = await this.session.ensure(signal);
      return this.group.send(nativeId, requests, edit, session, signal);
    });
  }

  /** `updated`, changelog, comments, assignee and group field of many issues: one search per 50 ids (see versions.ts). */
  async readVersions(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, CurrentRecord>> {
    const ids = nativeIds.filter((id) => ISSUE_ID.test(id));
    if (ids.length === 0) return new Map();
    const session = await this.session.ensure(signal);
    return readVersions(this.rest, ids, this.readContext(session), signal);
  }

  /** Open or closed, per correlation key, of the problems in the problem project (see ProblemWriter.states). */
  problemStates(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>> {
    return this.problems.states(correlationKeys, signal);
  }

  /** Comments of linked issues for escalation sync: one request per issue per 100 comments (see comments-read.ts). */
  readComments(nativeIds: readonly string[], since: string | undefined, signal?: AbortSignal): Promise<Map<string, RecordComment[]>> {
    return readComments(this.rest, this.session, nativeIds, since, signal);
  }

  requestCount(): number {
    return this.rest.requestCount();
  }

  transportStatus(): TransportStatus {
    return this.rest.transportStatus();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private readContext(session: Session): ReadContext {
    return {
      userKey: this.rest.flavour.userKey,
      integrationUser: session.integrationUser,
      ownUntrackedWriteAt: (issueId) => this.ownWrites.commentedAt(issueId),
    };
  }

  /** Reads one issue as a record, learning the team id its group field may carry. */
  private readIssue(raw: unknown, session: Session): ReturnType<typeof readIssue> {
    const read = readIssue(raw, this.readContext(session));
    if (!('error' in read)) {
      this.groups.learn(read.record.raw[this.rest.groupFieldId()]);
    }
    return read;
  }
}
