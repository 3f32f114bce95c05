import { createHash } from 'node:crypto';
import type { WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import { ticketVersion } from '../record.js';
import type { ZendeskRest } from '../rest.js';
import { TicketList, TicketResponse, TicketState, type TicketState as State } from '../schema.js';

/** `external_id` of the problem ticket of a pattern: `deskbridge-problem-` + 24 hex of SHA-256(key). */
export function problemExternalId(correlationKey: string): string {
  return `deskbridge-problem-${createHash('sha256').update(correlationKey, 'utf8').digest('hex').slice(0, 24)}`;
}

/** `external_id` of a follow-up task: the ticket id and the key, so one key on two tickets names two tasks. */
export function taskExternalId(ticketId: string, correlationKey: string): string {
  return `deskbridge-task-${createHash('sha256').update(`${ticketId}\n${correlationKey}`, 'utf8').digest('hex').slice(0, 24)}`;
}

/**
 * Tickets deskbridge creates (problems, tasks), found again by `external_id`. The ticket list
 * filtered by external_id reads the database directly, unlike search, which is eventually
 * consistent and would miss a ticket created a moment ago — and so create it twice.
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#list-tickets
 */
export class CreatedTickets {
  private readonly rest: ZendeskRest;
  private readonly own: OwnVersions;
  /** external_id → ticket id, for what this process created or found. */
  private readonly ids = new Map<string, number>();

  constructor(rest: ZendeskRest, own: OwnVersions) {
    this.rest = rest;
    this.own = own;
  }

  knownId(externalId: string): number | undefined {
    return this.ids.get(externalId);
  }

  async find(externalId: string, signal: AbortSignal | undefined): Promise<State | undefined> {
    const response = await this.rest.request({ method: 'GET', url: '/api/v2/tickets.json', params: { external_id: externalId }, operation: 'lookup', signal });
    const list = this.rest.parse(TicketList, response.data, 'ticket list');
    for (const raw of list.tickets) {
      const ticket = TicketState.safeParse(raw);
      if (ticket.success && ticket.data.status !== 'deleted' && ticket.data.external_id === externalId) {
        this.ids.set(externalId, ticket.data.id);
        return ticket.data;
      }
    }
    return undefined;
  }

  /** Creates the ticket unless one with this external_id exists. A POST is never re-sent blind: the retry looks first. */
  async ensure(externalId: string, ticket: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const existing = await this.find(externalId, signal);
    if (existing !== undefined) return { outcome: 'unchanged', ref: String(existing.id) };
    const response = await this.rest.request({
      method: 'POST',
      url: '/api/v2/tickets.json',
      data: { ticket: { ...ticket, external_id: externalId } },
      operation: 'create',
      signal,
    });
    const created = this.rest.parse(TicketResponse, response.data, 'created ticket');
    const state = this.rest.parse(TicketState, created.ticket, 'created ticket');
    this.ids.set(externalId, state.id);
    const version = ticketVersion(created.ticket as Record<string, unknown>);
    this.own.note(String(state.id), version);
    return { outcome: 'created', ref: String(state.id), ownVersion: version };
  }
}
