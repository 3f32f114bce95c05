import { PerRecordLock } from '../per-record-lock.js';
import type { FreshserviceSource } from './source.js';
import type { ConnectorDeps } from '../deps.js';
import type { Action } from '../../model/action.js';
import type {
  Capabilities,
  Connector,
  CurrentRecord,
  InitResult,
  PlatformDirectory,
  ProblemState,
  PulledRecord,
  PullOptions,
  PullPage,
  RecordComment,
  TransportStatus,
  WriteRequest,
  WriteResult,
} from '../types.js';
import { readComments } from './comments-read.js';
import { FreshserviceDirectory } from './directory.js';
import { KnownTickets } from './known-tickets.js';
import { FreshserviceNames } from './names.js';
import { OwnVersions } from './own-versions.js';
import { pullTickets } from './pull.js';
import { readTicket } from './record.js';
import { API, FreshserviceRest } from './rest.js';
import { FreshserviceWrite } from './schema.js';
import { FreshserviceSession } from './session.js';
import { EscalationWriter } from './write/escalations.js';
import { NoteWriter } from './write/notes.js';
import { ProblemWriter } from './write/problems.js';
import { TaskWriter } from './write/tasks.js';
import { TICKET_GROUPABLE, TicketWriter } from './write/tickets.js';
import { readVersions } from './versions.js';

/** Notes hold far more, but long notes are unreadable in the ticket's conversation. */
export const FRESHSERVICE_MAX_NOTE_LENGTH = 10_000;

export function freshserviceCapabilities(source: FreshserviceSource): Capabilities {
  return {
    internalComments: true,
    problemRecords: true,
    linkTypes: source.duplicateField !== undefined ? ['problem', 'duplicate'] : ['problem'],
    resolveAsDuplicate: false,
    maxCommentLength: FRESHSERVICE_MAX_NOTE_LENGTH,
    commentFormat: 'html',
    // A copy is an Incident tagged deskbridge-esc-<hash>, found again by Filter Tickets (write/escalations.ts).
    escalationTarget: true,
  };
}

export function createFreshserviceConnector(source: FreshserviceSource, deps: ConnectorDeps = {}): Connector {
  return new FreshserviceConnector(source, deps);
}

const TICKET_ID = /^\d+$/;

/** Freshservice (API v2): the pull in pull.ts, each kind of write in write/. */
export class FreshserviceConnector implements Connector {
  readonly platform = 'freshservice';
  readonly sourceId: string;
  readonly capabilities: Capabilities;
  readonly directory: PlatformDirectory;
  /** Assign and set-field of one plan go as one PUT; a note is a record of its own (`POST …/notes`), never combined. */
  readonly groupableActions: ReadonlySet<Action['type']> = TICKET_GROUPABLE;
  private readonly source: FreshserviceSource;
  private readonly rest: FreshserviceRest;
  private readonly session: FreshserviceSession;
  private readonly names: FreshserviceNames;
  private readonly tickets: TicketWriter;
  private readonly notes: NoteWriter;
  private readonly problems: ProblemWriter;
  private readonly tasks: TaskWriter;
  private readonly escalations: EscalationWriter;
  /** Per-ticket chain of writes, so two writes to one ticket never interleave (the version check needs that). */
  private readonly writes = new PerRecordLock();
  /** What the pull and the version reads saw of each ticket, for {@link readVersions}. */
  private readonly known = new KnownTickets();

  constructor(source: FreshserviceSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.capabilities = freshserviceCapabilities(source);
    this.rest = new FreshserviceRest(source, deps);
    this.session = new FreshserviceSession(this.rest);
    this.names = new FreshserviceNames(this.rest);
    const own = new OwnVersions();
    this.tickets = new TicketWriter(this.rest, this.names, own);
    this.notes = new NoteWriter(this.rest, own);
    this.problems = new ProblemWriter(this.rest);
    this.tasks = new TaskWriter(this.rest, this.names);
    this.escalations = new EscalationWriter(this.rest);
    this.directory = new FreshserviceDirectory(this.rest, this.names);
  }

  /** Checks the API key and learns which agent it belongs to. */
  async init(signal?: AbortSignal): Promise<InitResult> {
    return { integrationUser: (await this.session.init(signal)).integrationUser };
  }

  pull(options: PullOptions): AsyncIterable<PullPage> {
    return pullTickets(this.rest, this.names, options.from, options.signal, this.known);
  }

  async get(ref: string, _fields: readonly string[], signal?: AbortSignal): Promise<PulledRecord | null> {
    const id = ref.replace(/^(INC|SR)-/i, '');
    if (!TICKET_ID.test(id)) throw this.rest.badRequest(`"${ref}" is not a Freshservice ticket id`, 'Use the numeric id (42) or INC-42');
    const response = await this.rest.request({ method: 'GET', url: `${API}/tickets/${id}`, acceptStatuses: [404], operation: 'get', signal });
    if (response.status === 404) return null;
    const ticket = (response.data as { ticket?: unknown } | null)?.ticket;
    await this.names.ensure(signal);
    const read = readTicket(ticket, this.names);
    if ('error' in read) throw this.rest.badResponse(`Freshservice returned an unreadable ticket for ${ref}: ${read.error}`);
    return read.record;
  }

  async apply(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult> {
    const { action } = request;
    if (action.type === 'announce-escalation') {
      // The executor turns it into a comment on the origin; it never reaches a connector as such.
      throw this.rest.badRequest(`Freshservice cannot take a ${action.type} write`, 'The executor sends it as a comment; this is a bug in the caller');
    }
    if (action.type === 'escalate') {
      // The target is the origin ticket on another source: its ids are not this account's, so it is neither checked nor locked by it.
      const write = this.mapped(action.type, request.fields);
      this.escalations.check(write);
      return this.writes.run(`escalate:${action.correlationKey}`, () => this.escalations.ensure(action, write, () => this.session.ensure(signal), signal));
    }
    const nativeId = request.planned.target.nativeId;
    if (!TICKET_ID.test(nativeId)) throw this.rest.badRequest(`Target ${nativeId} is not a Freshservice ticket id`, 'The action was planned from a record without a numeric id');
    const write = this.mapped(action.type, request.fields);
    // Refused before any request: a write the mapping got wrong never half-happens.
    if (action.type === 'comment') this.notes.check(nativeId, action, request, write);
    if (action.type === 'link-duplicate' && this.source.duplicateField === undefined) {
      throw this.rest.badRequest(
        `Source ${this.sourceId} has no duplicateField: Freshservice has no native duplicate link`,
        'Set duplicateField to a custom ticket field (cf_…) that holds the original ticket id, or let dedup only suggest in a note',
      );
    }
    return this.writes.run(nativeId, async () => {
      switch (action.type) {
        case 'assign':
          return this.tickets.assign(nativeId, request, write, signal);
        case 'set-field':
          return this.tickets.setFields(nativeId, request, write, signal);
        case 'comment':
          return this.notes.ensure(nativeId, action, request, write, signal);
        case 'create-problem':
          return this.problems.create(action, write, () => this.session.ensure(signal), signal);
        case 'link-problem':
          return this.tickets.linkProblem(nativeId, action, await this.problems.resolve(action, signal), request, signal);
        case 'link-duplicate':
          return this.tickets.linkDuplicate(nativeId, this.source.duplicateField ?? '', action.original.nativeId, request, signal);
        case 'update-problem':
          return this.problems.update(action, write, signal);
        case 'create-task':
          return this.tasks.create(nativeId, action, write, signal);
      }
    });
  }

  private mapped(type: Action['type'], fields: unknown): FreshserviceWrite {
    const parsed = FreshserviceWrite.safeParse(fields);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'output'}: ${issue.message}`).join('; ');
      throw this.rest.badRequest(`The outbound mapping produced an unusable ${type} write: ${problems}`, `Fix ${this.rest.mappingFile()}; the contract is described at its top`);
    }
    return parsed.data;
  }

  /**
   * Assign and set-field writes of one plan as one PUT (TicketWriter.combined); undefined, having
   * sent nothing, when they must go one by one.
   */
  async applyGroup(requests: readonly WriteRequest[], signal?: AbortSignal): Promise<WriteResult[] | undefined> {
    const nativeId = requests[0]?.planned.target.nativeId;
    if (nativeId === undefined || !TICKET_ID.test(nativeId)) return undefined;
    const writes: { request: WriteRequest; write: FreshserviceWrite }[] = [];
    for (const request of requests) {
      const parsed = FreshserviceWrite.safeParse(request.fields);
      // Alone, apply refuses it with what is wrong.
      if (request.planned.target.nativeId !== nativeId || !parsed.success) return undefined;
      writes.push({ request, write: parsed.data });
    }
    return this.writes.run(nativeId, () => this.tickets.combined(nativeId, writes, signal));
  }

  /** The tickets' current versions from one `updated_since` list per workspace instead of a GET each (versions.ts). */
  readVersions(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, CurrentRecord>> {
    return readVersions(this.rest, this.known, nativeIds, signal);
  }

  problemStates(correlationKeys: readonly string[], signal?: AbortSignal): Promise<Map<string, ProblemState>> {
    return this.problems.states(correlationKeys, signal);
  }

  /** Conversations of linked tickets for escalation sync: one request per ticket per 100 (see comments-read.ts). */
  readComments(nativeIds: readonly string[], since: string | undefined, signal?: AbortSignal): Promise<Map<string, RecordComment[]>> {
    return readComments(this.rest, () => this.session.ensure(signal), this.names, nativeIds, since, signal);
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
}
