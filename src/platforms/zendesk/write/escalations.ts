import { createHash } from 'node:crypto';
import type { Action } from '../../../model/action.js';
import type { WriteResult } from '../../types.js';
import type { ZendeskRest } from '../rest.js';
import type { ZendeskWrite } from '../schema.js';
import type { CreatedTickets } from './created.js';

type EscalateAction = Extract<Action, { type: 'escalate' }>;

/** Zendesk's ticket priorities, 1 (critical) … 5 (planning) as the outbound mapping would otherwise choose. */
const PRIORITIES = new Set(['urgent', 'high', 'normal', 'low']);

/**
 * The tag that marks a copy deskbridge opened: `deskbridge-esc-` + 24 hex of SHA-256 over the
 * correlation key, as Jira's label. The inbound mapping copies every tag to `labels`, so a copy
 * reads with a label starting `deskbridge-esc-` and the escalate rule kind never escalates it
 * again. Lower-case letters, digits and hyphens only: Zendesk lower-cases tags and splits them at
 * spaces, so nothing here is changed on the way in.
 */
export function escalationTag(correlationKey: string): string {
  return `deskbridge-esc-${createHash('sha256').update(correlationKey, 'utf8').digest('hex').slice(0, 24)}`;
}

/**
 * `escalate` to a Zendesk source: a copy of a ticket of another source, opened here as a new
 * ticket. `request.planned.target` is the origin ticket on the other source, so nothing here reads
 * or writes it. The copy's `external_id` is the action's correlationKey, by which a retry finds it
 * instead of opening a second one (CreatedTickets: the ticket list filtered by `external_id` reads
 * the database, unlike search, which is eventually consistent —
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#list-tickets, "external_id").
 */
export class EscalationWriter {
  private readonly rest: ZendeskRest;
  private readonly created: CreatedTickets;

  constructor(rest: ZendeskRest, created: CreatedTickets) {
    this.rest = rest;
    this.created = created;
  }

  /** Refused before any request: the mapping shapes the ticket, not its identity, its author or what else is written. */
  check(write: ZendeskWrite): void {
    const { rest } = this;
    if (write.group !== undefined || write.assignee !== undefined) {
      throw rest.badRequest('The escalate branch of the outbound mapping may only produce "ticket" and "comment"', `Fix ${MAPPING}: assignment is left to Zendesk's triggers`);
    }
    if (write.comment?.public === true) {
      throw rest.badRequest('The escalate branch of the outbound mapping made the description a public comment', `Set comment.public to false in the escalate branch of ${MAPPING}`);
    }
    const ticket = write.ticket ?? {};
    for (const key of ['external_id', 'comment', 'requester_id', 'submitter_id', 'safe_update', 'updated_stamp']) {
      if (ticket[key] !== undefined) {
        throw rest.badRequest(`The escalate branch of the outbound mapping set ticket.${key}`, `Leave ${key} out of the escalate branch of ${MAPPING}; the connector sets what it needs`);
      }
    }
    if (ticket['tags'] !== undefined && !(Array.isArray(ticket['tags']) && ticket['tags'].every((tag) => typeof tag === 'string'))) {
      throw rest.badRequest('The escalate branch of the outbound mapping set ticket.tags to something other than a list of strings', `Fix ${MAPPING}`);
    }
    const priority = ticket['priority'];
    if (priority !== undefined && priority !== null && !(typeof priority === 'string' && PRIORITIES.has(priority))) {
      throw rest.badRequest(`The escalate branch of the outbound mapping set ticket.priority to ${JSON.stringify(priority)}`, 'Zendesk priorities are urgent, high, normal and low');
    }
  }

  /**
   * `GET /api/v2/tickets.json?external_id=<key>`: found → `unchanged`; else one
   * `POST /api/v2/tickets.json` → `created`. A POST is never re-sent blind: the outbox retries the
   * whole step and the lookup finds a ticket a timed-out POST made after all.
   *
   * The description is the ticket's first comment, sent as an internal note (`public: false`):
   * the Tickets API takes the first comment from `comment` and that comment becomes the
   * description, and `comment.public` decides whether it is public ("The initial value set on
   * ticket creation persists…"; https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#create-ticket
   * and …/ticket_comments/). The copy is work for agents, so nobody is e-mailed. No requester_id:
   * "By default, the requester of a ticket is the submitter", and the submitter is the API caller,
   * the integration agent (…/tickets/#requesters-and-submitters).
   */
  async ensure(action: EscalateAction, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const mapped = write.ticket ?? {};
    const tags = Array.isArray(mapped['tags']) ? mapped['tags'].filter((tag): tag is string => typeof tag === 'string') : [];
    const ticket: Record<string, unknown> = {
      subject: action.title.replace(/[\r\n]+/g, ' '),
      ...mapped,
      comment: { body: write.comment?.body ?? action.description, public: false },
      tags: [...new Set([...tags, this.rest.source.createdTag, escalationTag(action.correlationKey)])],
    };
    const result = await this.created.ensure(action.correlationKey, ticket, signal);
    const base = this.rest.source.baseUrl.replace(/\/+$/, '');
    // The inbound mapping numbers a Zendesk ticket by its id, so the copy's number is its id. No
    // ownVersion: the outbox files it under the write's target, which is the origin on another
    // source; the copy's version is noted in this connector's own memory (CreatedTickets) instead.
    return { outcome: result.outcome, ref: result.ref, created: { number: result.ref, url: `${base}/agent/tickets/${result.ref}` } };
  }
}

const MAPPING = 'mappings/zendesk.outbound.jsonata';
