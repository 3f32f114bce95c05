import { PlatformError } from '../../../http/errors.js';
import type { ZendeskRest } from '../rest.js';
import { TicketResponse, TicketState, type TicketState as State } from '../schema.js';
import { ticketVersion } from '../record.js';

/** What one ticket update came to. */
export type UpdateAnswer =
  | { kind: 'updated'; ticket: State; version: string; changes: ChangeEvent[] }
  /** 409 to a safe update: the ticket changed after `updated_stamp`. */
  | { kind: 'conflict' }
  /** 422 because the ticket is closed: Zendesk never lets a closed ticket change. */
  | { kind: 'closed'; message: string }
  /** 404: deleted (or merged away and deleted). */
  | { kind: 'gone' };

export interface ChangeEvent {
  field: string;
  value: unknown;
  previous: unknown;
}

export interface UpdateOptions {
  /** `updated_stamp` for a safe update; unset: a plain update (adding a note or a tag overwrites nothing). */
  stamp?: string | undefined;
  /** False when re-sending would repeat something (a comment): only provably unsent failures are retried. */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
}

/** A 422 whose reason is the ticket's closed status (Zendesk: "Status: closed prevents ticket update"). */
const CLOSED = /closed prevents|ticket is closed|closed tickets? (cannot|can't)/i;
/** A 422 because the assignee is not in the group. */
const NOT_MEMBER = /not a member of the group|assignee.*group/i;

/**
 * `PUT /api/v2/tickets/{id}` with `safe_update` + `updated_stamp` when a stamp is given, so a person's
 * newer edit is never overwritten (409 instead).
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#protecting-against-ticket-update-collisions
 */
export async function updateTicket(rest: ZendeskRest, nativeId: string, fields: Record<string, unknown>, options: UpdateOptions): Promise<UpdateAnswer> {
  const body = options.stamp === undefined ? fields : { ...fields, safe_update: true, updated_stamp: options.stamp };
  const response = await rest.request({
    method: 'PUT',
    url: `/api/v2/tickets/${nativeId}.json`,
    data: { ticket: body },
    acceptStatuses: [404, 409, 422],
    idempotent: options.idempotent,
    operation: 'update',
    signal: options.signal,
  });
  if (response.status === 404) return { kind: 'gone' };
  if (response.status === 409) return { kind: 'conflict' };
  if (response.status === 422) {
    const message = describe422(response.data);
    if (CLOSED.test(message)) return { kind: 'closed', message };
    throw new PlatformError(`Zendesk refused the update of ticket ${nativeId} for source ${rest.sourceId} (422): ${message}`, {
      platform: 'zendesk',
      sourceId: rest.sourceId,
      status: 422,
      code: 'bad-request',
      retryable: false,
      hint: NOT_MEMBER.test(message)
        ? 'Add the agent to the group (Admin Center > People > Team > Groups) or change the rule'
        : "Check the fields mappings/zendesk.outbound.jsonata writes, and the ticket form's required fields",
    });
  }
  const parsed = rest.parse(TicketResponse, response.data, 'ticket update answer');
  const ticket = rest.parse(TicketState, parsed.ticket, 'ticket');
  const changes = (parsed.audit?.events ?? [])
    .filter((event) => event.type === 'Change' && event.field_name !== undefined)
    .map((event) => ({ field: event.field_name ?? '', value: event.value, previous: event.previous_value }));
  return { kind: 'updated', ticket, version: ticketVersion(parsed.ticket as Record<string, unknown>), changes };
}

/** Reads one ticket (for a decision before a write); null when deleted. */
export async function readTicketState(rest: ZendeskRest, nativeId: string, signal: AbortSignal | undefined): Promise<State | null> {
  const response = await rest.request({ method: 'GET', url: `/api/v2/tickets/${nativeId}.json`, acceptStatuses: [404], operation: 'get', signal });
  if (response.status === 404) return null;
  const parsed = rest.parse(TicketResponse, response.data, 'ticket');
  return rest.parse(TicketState, parsed.ticket, 'ticket');
}

function describe422(body: unknown): string {
  const parts: string[] = [];
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    if (typeof record['description'] === 'string') parts.push(record['description']);
    const details = record['details'];
    if (typeof details === 'object' && details !== null) {
      for (const entries of Object.values(details as Record<string, unknown>)) {
        if (!Array.isArray(entries)) continue;
        for (const entry of entries) {
          const description = (entry as Record<string, unknown> | null)?.['description'];
          if (typeof description === 'string') parts.push(description);
        }
      }
    }
  }
  return parts.length > 0 ? parts.join('; ') : 'unprocessable entity';
}
