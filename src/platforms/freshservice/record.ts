import type { PulledRecord, UnreadableRecord } from '../types.js';
import { TicketEnvelope } from './schema.js';

/** Names of a ticket's group and agent, when the connector knows them (see names.ts). */
export interface NameLookup {
  group(id: number): string | undefined;
  agent(id: number): string | undefined;
}

export interface ReadTicket {
  record: PulledRecord;
  updatedMs: number;
}

/**
 * One ticket of a list or view as a record. Freshservice has no change counter and no "updated
 * by": the version is `updated_at` (seconds), and own writes are told by the version each write
 * left (WriteResult.ownVersion), so `updatedBy` stays unset. The group's and agent's names are
 * added as `group_name` / `responder_name` (Freshservice returns only ids), so rules and mappings
 * can name them as people do.
 */
export function readTicket(raw: unknown, names?: NameLookup): ReadTicket | UnreadableRecord {
  const parsed = TicketEnvelope.safeParse(raw);
  if (!parsed.success) {
    return { raw, error: `not a Freshservice ticket: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'ticket'}: ${issue.message}`).join('; ')}` };
  }
  const ticket = parsed.data;
  const updatedMs = Date.parse(ticket.updated_at);
  const updatedAt = new Date(updatedMs).toISOString();
  const record: Record<string, unknown> = { ...ticket };
  if (names !== undefined) {
    const group = ticket.group_id != null ? names.group(ticket.group_id) : undefined;
    const responder = ticket.responder_id != null ? names.agent(ticket.responder_id) : undefined;
    if (group !== undefined) record.group_name = group;
    if (responder !== undefined) record.responder_name = responder;
  }
  return { record: { nativeId: String(ticket.id), version: ticketVersion(ticket.updated_at), updatedAt, updatedBy: undefined, raw: record }, updatedMs };
}

/** The version of a ticket as pull, get and every write's `ownVersion` report it: `updated_at` in ISO UTC. */
export function ticketVersion(updatedAt: string): string {
  return new Date(Date.parse(updatedAt)).toISOString();
}
