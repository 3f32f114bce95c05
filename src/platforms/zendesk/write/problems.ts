import type { Action } from '../../../model/action.js';
import { PlatformError } from '../../../http/errors.js';
import type { ProblemState, WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import type { ZendeskRest } from '../rest.js';
import { TicketList, TicketState, type ZendeskWrite } from '../schema.js';
import type { CommentWriter } from './comments.js';
import { problemExternalId, type CreatedTickets } from './created.js';
import { applied, notApplied } from './outcomes.js';
import { readTicketState, updateTicket } from './update.js';

type LinkProblem = Extract<Action, { type: 'link-problem' }>;
type UpdateProblem = Extract<Action, { type: 'update-problem' }>;
type CreateProblem = Extract<Action, { type: 'create-problem' }>;

/** Statuses in which nobody works on a problem any more. */
const DONE = new Set(['solved', 'closed', 'deleted']);

/**
 * Native problem tickets (`type: problem`) and incidents linked with `problem_id`; solving a
 * problem solves its incidents (Zendesk's own behaviour).
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format (type, problem_id)
 */
export class ProblemWriter {
  private readonly rest: ZendeskRest;
  private readonly own: OwnVersions;
  private readonly created: CreatedTickets;
  private readonly comments: CommentWriter;

  constructor(rest: ZendeskRest, own: OwnVersions, created: CreatedTickets, comments: CommentWriter) {
    this.rest = rest;
    this.own = own;
    this.created = created;
    this.comments = comments;
  }

  /** Refuses, before any request, a problem write whose description would be public. */
  check(write: ZendeskWrite, request: WriteRequest | undefined): void {
    if (write.comment?.public === true) {
      throw this.rest.badRequest('A problem description was mapped as a public comment', 'Problem tickets carry internal evidence: set comment.public to false in mappings/zendesk.outbound.jsonata');
    }
    if (request !== undefined && write.comment !== undefined && !write.comment.body.includes(request.marker)) {
      throw this.rest.badRequest('The update-problem comment does not contain the idempotency marker', 'mappings/zendesk.outbound.jsonata must embed the marker in comment.body');
    }
  }

  create(action: CreateProblem, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const ticket: Record<string, unknown> = {
      subject: action.title,
      ...write.ticket,
      type: 'problem',
      comment: { body: write.comment?.body ?? (action.description === '' ? action.title : action.description), public: false },
      tags: [...new Set([...(Array.isArray(write.ticket?.['tags']) ? (write.ticket['tags'] as unknown[]).map(String) : []), this.rest.source.createdTag])],
    };
    return this.created.ensure(problemExternalId(action.correlationKey), ticket, signal);
  }

  /** Sets `problem_id` (and `type: incident`, which problem_id requires) unless a person linked another problem. */
  async link(nativeId: string, action: LinkProblem, signal: AbortSignal | undefined): Promise<WriteResult> {
    const problemId = await this.problemId(action.problemRef, action.correlationKey, signal);
    const current = await readTicketState(this.rest, nativeId, signal);
    if (current === null) return { outcome: 'skipped', ref: nativeId, reason: 'the ticket was deleted' };
    if (current.problem_id === problemId) return { outcome: 'unchanged', ref: nativeId };
    if (current.problem_id !== undefined && current.problem_id !== null && action.overwrite !== true) {
      return { outcome: 'skipped', ref: nativeId, reason: `already linked to problem ${current.problem_id} (the rule's problem.overwrite is off)` };
    }
    if (current.status === 'closed') return { outcome: 'skipped', ref: nativeId, reason: 'Zendesk does not change closed tickets' };
    // Only an incident can point at a problem, and turning a problem into an incident would orphan its own incidents.
    if (current.type === 'problem') return { outcome: 'skipped', ref: nativeId, reason: 'the ticket is itself a problem ticket' };
    const answer = await updateTicket(this.rest, nativeId, { type: 'incident', problem_id: problemId }, { stamp: current.updated_at, idempotent: true, signal });
    return notApplied(answer, nativeId) ?? (answer.kind === 'updated' ? applied(answer, nativeId, this.own) : { outcome: 'superseded', ref: nativeId });
  }

  /** New subject and an internal note with the new evidence; a solved problem is reopened when asked. */
  async update(action: UpdateProblem, request: WriteRequest, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const externalId = problemExternalId(action.correlationKey);
    const problem = await this.created.find(externalId, signal);
    if (problem === undefined) throw this.missing(action.correlationKey);
    const ref = String(problem.id);
    if (problem.status === 'closed') return { outcome: 'skipped', ref, reason: 'the problem ticket is closed; Zendesk does not reopen closed tickets' };
    const extra: Record<string, unknown> = { ...write.ticket };
    if (problem.subject === action.title) delete extra['subject'];
    else extra['subject'] ??= action.title;
    if (action.reopen && problem.status === 'solved') extra['status'] = 'open';
    const comment = write.comment ?? { body: `${action.description}\n\n(${request.marker})`, public: false };
    return this.comments.post(ref, comment, request, signal, extra);
  }

  /** Open or closed per correlation key: known ids in one show_many, the rest by external_id. */
  async states(correlationKeys: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, ProblemState>> {
    const out = new Map<string, ProblemState>();
    const byId = new Map<number, string>();
    const unknown: string[] = [];
    for (const key of correlationKeys) {
      const id = this.created.knownId(problemExternalId(key));
      if (id === undefined) unknown.push(key);
      else byId.set(id, key);
    }
    if (byId.size > 0) {
      const response = await this.rest.request({ method: 'GET', url: '/api/v2/tickets/show_many.json', params: { ids: [...byId.keys()].join(',') }, operation: 'lookup', signal });
      for (const raw of this.rest.parse(TicketList, response.data, 'ticket list').tickets) {
        const ticket = TicketState.safeParse(raw);
        if (!ticket.success) continue;
        const key = byId.get(ticket.data.id);
        if (key !== undefined) out.set(key, stateOf(ticket.data.id, ticket.data.status));
      }
      // Ids show_many no longer returns were deleted: looked up again by external id.
      for (const key of byId.values()) {
        if (!out.has(key)) unknown.push(key);
      }
    }
    for (const key of unknown) {
      const found = await this.created.find(problemExternalId(key), signal);
      if (found !== undefined) out.set(key, stateOf(found.id, found.status));
    }
    return out;
  }

  private async problemId(problemRef: string | undefined, correlationKey: string | undefined, signal: AbortSignal | undefined): Promise<number> {
    if (problemRef !== undefined && /^\d+$/.test(problemRef)) return Number(problemRef);
    const key = correlationKey ?? problemRef;
    if (key === undefined) throw this.rest.badRequest('A link-problem action names no problem', 'This is a bug in the rule engine');
    const externalId = problemExternalId(key);
    const id = this.created.knownId(externalId) ?? (await this.created.find(externalId, signal))?.id;
    if (id === undefined) throw this.missing(key);
    return id;
  }

  /** Retryable: the problem's creation may still be on its way through the outbox. */
  private missing(correlationKey: string): PlatformError {
    return new PlatformError(`No Zendesk problem ticket exists yet for pattern ${correlationKey} (source ${this.rest.sourceId})`, {
      platform: 'zendesk',
      sourceId: this.rest.sourceId,
      code: 'not-found',
      retryable: true,
      hint: 'The create-problem write for this pattern has not landed yet; deskbridge tries again',
    });
  }
}

function stateOf(id: number, status: string): ProblemState {
  return { state: DONE.has(status) ? 'closed' : 'open', nativeId: String(id), number: String(id) };
}
