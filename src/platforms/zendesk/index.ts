import { PerRecordLock } from '../per-record-lock.js';
import type { ConnectorDeps } from '../deps.js';
import type { Action } from '../../model/action.js';
import type { Capabilities, Connector, InitResult, PlatformDirectory, ProblemState, PulledRecord, PullOptions, PullPage, RecordComment, TransportStatus, WriteRequest, WriteResult } from '../types.js';
import { readComments } from './comments-read.js';
import { ZendeskDirectory } from './directory.js';
import { ExportPacer, exportTickets } from './export.js';
import { OwnVersions } from './own-versions.js';
import { ZendeskPeople } from './people.js';
import { readTicket, type TicketNames } from './record.js';
import { ZendeskRest } from './rest.js';
import { Me, TicketResponse, ZendeskWrite } from './schema.js';
import type { ZendeskSource } from './source.js';
import { CommentWriter } from './write/comments.js';
import { CreatedTickets } from './write/created.js';
import { DuplicateLinker } from './write/duplicates.js';
import { EscalationWriter } from './write/escalations.js';
import { FieldWriter } from './write/fields.js';
import { type GroupedWrite, GroupWriter, ZENDESK_GROUPABLE } from './write/group.js';
import { ProblemWriter } from './write/problems.js';
import { TaskWriter } from './write/tasks.js';
import { PlatformError } from '../../http/errors.js';

export { problemExternalId, taskExternalId } from './write/created.js';
export { escalationTag } from './write/escalations.js';

/** Zendesk's limit on a comment's size (64 KB). */
export const ZENDESK_MAX_COMMENT_LENGTH = 65_535;

const TICKET_ID = /^\d+$/;

/** What a Zendesk source can do: native problem tickets, internal notes, duplicates by tag/field/merge. */
export function zendeskCapabilities(source: ZendeskSource): Capabilities {
  return {
    internalComments: true,
    problemRecords: true,
    linkTypes: ['problem_id', `duplicate:${source.duplicates.link}`],
    resolveAsDuplicate: source.duplicates.link === 'merge',
    maxCommentLength: ZENDESK_MAX_COMMENT_LENGTH,
    commentFormat: 'text',
    // A copy is a new ticket found again by its external_id (write/escalations.ts).
    escalationTarget: true,
  };
}

export function createZendeskConnector(source: ZendeskSource, deps: ConnectorDeps = {}): Connector {
  return new ZendeskConnector(source, deps);
}

/**
 * Zendesk Support. Pull: the cursor-based incremental ticket export (export.ts). Writes: ticket
 * updates with collision protection (write/update.ts), one module per kind of write.
 */
export class ZendeskConnector implements Connector {
  readonly platform = 'zendesk';
  readonly sourceId: string;
  readonly capabilities: Capabilities;
  readonly directory: PlatformDirectory;
  /**
   * Attribute writes and a comment of one plan go as one update (write/group.ts). No
   * `readVersions`: every attribute write is a safe update stamped with the planned version, so
   * Zendesk itself refuses it (409) when someone changed the ticket since — no read before it.
   */
  readonly groupableActions: ReadonlySet<Action['type']> = ZENDESK_GROUPABLE;
  private readonly source: ZendeskSource;
  private readonly rest: ZendeskRest;
  private readonly people: ZendeskPeople;
  private readonly pacer: ExportPacer;
  private readonly own = new OwnVersions();
  /** Tickets the export listed as deleted: never written to. */
  private readonly deleted = new Set<string>();
  private readonly fields: FieldWriter;
  private readonly comments: CommentWriter;
  private readonly problems: ProblemWriter;
  private readonly duplicates: DuplicateLinker;
  private readonly tasks: TaskWriter;
  private readonly group: GroupWriter;
  private readonly escalations: EscalationWriter;
  private integrationUser: string | undefined;
  /** Per-ticket chain of writes, so two writes to one ticket never interleave. */
  private readonly writes = new PerRecordLock();

  constructor(source: ZendeskSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.capabilities = zendeskCapabilities(source);
    this.rest = new ZendeskRest(source, deps);
    this.people = new ZendeskPeople(this.rest);
    this.pacer = new ExportPacer(this.rest, source.exportRequestsPerMinute);
    this.directory = new ZendeskDirectory(this.rest, this.people);
    const created = new CreatedTickets(this.rest, this.own);
    this.fields = new FieldWriter(this.rest, this.people, this.own);
    this.comments = new CommentWriter(this.rest, this.own);
    this.problems = new ProblemWriter(this.rest, this.own, created, this.comments);
    this.duplicates = new DuplicateLinker(this.rest, this.own);
    this.tasks = new TaskWriter(this.rest, this.people, created);
    this.group = new GroupWriter(this.rest, this.fields, this.comments, this.own);
    this.escalations = new EscalationWriter(this.rest, created);
  }

  /** Checks the credentials (GET /api/v2/users/me) and learns the agent deskbridge writes as. */
  async init(signal?: AbortSignal): Promise<InitResult> {
    const response = await this.rest.request({ method: 'GET', url: '/api/v2/users/me.json', operation: 'me', signal });
    const me = this.rest.parse(Me, response.data, 'current user');
    // Zendesk answers an unauthenticated caller with the anonymous user (id null) rather than 401.
    if (me.user.id === null) {
      throw new PlatformError(`Zendesk did not recognise the credentials of source ${this.sourceId} (it answered as the anonymous user)`, {
        platform: 'zendesk',
        sourceId: this.sourceId,
        code: 'auth',
        retryable: false,
        hint: 'Check auth: an agent e-mail and API token (token access must be enabled), or an OAuth access token',
      });
    }
    if (me.user.role === 'end-user') {
      throw new PlatformError(`The Zendesk user of source ${this.sourceId} is an end user; deskbridge needs an agent or admin`, {
        platform: 'zendesk',
        sourceId: this.sourceId,
        code: 'forbidden',
        retryable: false,
        hint: 'Use an admin for the incremental export, or an agent role that can view and edit all tickets',
      });
    }
    this.integrationUser = String(me.user.id);
    return { integrationUser: this.integrationUser };
  }

  /** Tickets changed at or after `from`, oldest first, from the cursor-based incremental export (export.ts). */
  async *pull(options: PullOptions): AsyncIterable<PullPage> {
    if (options.from !== null && Number.isNaN(Date.parse(options.from))) {
      throw this.rest.badRequest(`Pull lower bound "${options.from}" is not an ISO 8601 date-time`, 'This is a bug in the caller');
    }
    const names = await this.names(options.signal);
    yield* exportTickets(this.rest, this.pacer, {
      from: options.from,
      pageSize: this.source.pageSize,
      deleted: this.deleted,
      signal: options.signal,
      names,
      integrationUser: this.integrationUser,
      ownVersion: (id, version) => this.own.has(id, version),
    });
  }

  async get(ref: string, _fields: readonly string[], signal?: AbortSignal): Promise<PulledRecord | null> {
    const id = ref.replace(/^#/, '');
    if (!TICKET_ID.test(id)) throw this.rest.badRequest(`"${ref}" is not a Zendesk ticket id`, 'Zendesk tickets are numbered: use the number, e.g. 4211');
    const response = await this.rest.request({ method: 'GET', url: `/api/v2/tickets/${id}.json`, acceptStatuses: [404], operation: 'get', signal });
    if (response.status === 404) return null;
    const ticket = this.rest.parse(TicketResponse, response.data, 'ticket').ticket;
    const read = readTicket(ticket, { names: await this.names(signal), integrationUser: this.integrationUser, ownVersion: (n, v) => this.own.has(n, v) });
    if ('error' in read) throw this.rest.badResponse(`Zendesk returned an unreadable ticket for ${ref}: ${read.error}`);
    return read;
  }

  async apply(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult> {
    const { action } = request;
    if (action.type === 'announce-escalation') {
      // The executor turns it into an internal comment before it reaches a connector.
      throw this.rest.badRequest('Zendesk takes an announce-escalation write only as a comment', 'This is a bug in the caller');
    }
    if (action.type === 'escalate') {
      // Before anything reads request.planned.target: it is the origin ticket on another source.
      return this.escalate(action, request, signal);
    }
    const nativeId = request.planned.target.nativeId;
    if (!TICKET_ID.test(nativeId)) throw this.rest.badRequest(`Target ${nativeId} is not a Zendesk ticket id`, 'The action was planned from a record without a numeric id');
    const write = this.parseWrite(action.type, request.fields);
    // Refused before any request: a write the mapping got wrong never half-happens.
    this.fields.check(write);
    if (action.type === 'comment') this.comments.check(nativeId, action.visibility, request, write);
    if (action.type === 'create-problem') this.problems.check(write, undefined);
    if (action.type === 'update-problem') this.problems.check(write, request);
    if (action.type === 'link-duplicate') this.duplicates.check(nativeId, action);
    // A deleted ticket is never written to (create/update-problem write to other tickets).
    if (this.deleted.has(nativeId) && action.type !== 'create-problem' && action.type !== 'update-problem') {
      return { outcome: 'skipped', ref: nativeId, reason: 'the ticket was deleted' };
    }
    return this.writes.run(nativeId, () => {
      switch (action.type) {
        case 'assign':
          return this.fields.assign(nativeId, request, write, signal);
        case 'set-field':
          return this.fields.update(nativeId, request, write, signal);
        case 'comment':
          return this.comments.ensure(nativeId, action, request, write, signal);
        case 'create-problem':
          return this.problems.create(action, write, signal);
        case 'link-problem':
          return this.problems.link(nativeId, action, signal);
        case 'update-problem':
          return this.problems.update(action, request, write, signal);
        case 'link-duplicate':
          return this.duplicates.link(nativeId, action, request, signal);
        case 'create-task':
          return this.tasks.ensure(nativeId, action, request, write, signal);
      }
    });
  }

  /**
   * `escalate`: the copy is a new ticket here, found again by its external_id (the correlation
   * key); writes for one key go one after another, so two attempts never both create it.
   */
  private escalate(action: Extract<Action, { type: 'escalate' }>, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const write = this.parseWrite(action.type, request.fields);
    this.escalations.check(write);
    return this.writes.run(`escalate:${action.correlationKey}`, () => this.escalations.ensure(action, write, signal));
  }

  /** The comments of tickets linked to a copy on another source, for escalation sync (comments-read.ts). */
  async readComments(nativeIds: readonly string[], since: string | undefined, signal?: AbortSignal): Promise<Map<string, RecordComment[]>> {
    // Who we are decides `own`; a connector that was never initialised learns it first.
    if (this.integrationUser === undefined && nativeIds.length > 0) await this.init(signal);
    return readComments(this.rest, this.integrationUser, nativeIds, since, signal);
  }

  /**
   * Several writes of one plan to one ticket as one safe update (write/group.ts); undefined, having
   * sent nothing, when any of them must go alone (see GroupWriter).
   */
  async applyGroup(requests: readonly WriteRequest[], signal?: AbortSignal): Promise<WriteResult[] | undefined> {
    const nativeId = requests[0]?.planned.target.nativeId;
    if (nativeId === undefined || !TICKET_ID.test(nativeId) || this.deleted.has(nativeId)) return undefined;
    const writes: GroupedWrite[] = [];
    for (const request of requests) {
      if (request.planned.target.nativeId !== nativeId) return undefined;
      const parsed = ZendeskWrite.safeParse(request.fields);
      // Alone, apply refuses it with what is wrong.
      if (!parsed.success) return undefined;
      writes.push({ request, write: parsed.data });
    }
    return this.writes.run(nativeId, () => this.group.apply(nativeId, writes, signal));
  }

  problemStates(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>> {
    return this.problems.states(correlationKeys, signal);
  }

  private parseWrite(type: Action['type'], fields: unknown): ZendeskWrite {
    const parsed = ZendeskWrite.safeParse(fields);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`).join('; ');
      throw this.rest.badRequest(`The outbound mapping produced an unusable ${type} write: ${problems}`, 'Fix mappings/zendesk.outbound.jsonata; the contract is described at its top');
    }
    return parsed.data;
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

  /** Group and agent names for pulled tickets; a listing that fails leaves ids unnamed rather than failing the pull. */
  private async names(signal: AbortSignal | undefined): Promise<TicketNames | undefined> {
    try {
      return await this.people.names(signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof PlatformError && (error.code === 'auth' || error.code === 'circuit-open')) throw error;
      this.rest.logger?.warn('Could not list Zendesk groups and agents; tickets are read without their names this pass', {
        source: this.sourceId,
        error: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
}
