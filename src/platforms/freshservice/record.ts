import { fieldDigest } from '../field-digest.js';
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
 * by": the version is `updated_at` (seconds) with a digest of the ticket's fields, and own writes are told by the version each write
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
  return { record: { nativeId: String(ticket.id), version: ticketVersion(ticket), updatedAt, updatedBy: undefined, raw: record }, updatedMs };
}

/**
 * The ticket fields every answer carries alike — List All Tickets, View a Ticket and Update a
 * Ticket (https://api.freshservice.com/#list_all_tickets, #view_a_ticket, #update_ticket_priority)
 * — and an edit can change. Not `description` or `tags` (the list omits them): a field one answer
 * lacks would give one ticket state two versions, and a write would take the difference for
 * someone else's edit.
 */
const VERSIONED = [
  'subject',
  'status',
  'priority',
  'urgency',
  'impact',
  'type',
  'category',
  'sub_category',
  'item_category',
  'group_id',
  'responder_id',
  'requester_id',
  'department_id',
  'workspace_id',
  'spam',
  'deleted',
  'custom_fields',
] as const;

/** The content part of a ticket's version: a digest of its {@link VERSIONED} fields (absent counts as null). */
export function ticketDigest(ticket: Record<string, unknown>): string {
  return fieldDigest(VERSIONED.map((name) => ticket[name] ?? null));
}

/** `<stamp in ISO UTC>#<content digest>`: the one version format pull, version reads and every write's `ownVersion` share. */
export function versionOf(stamp: string, digest: string): string {
  return `${new Date(Date.parse(stamp)).toISOString()}#${digest}`;
}

/**
 * The version of a ticket: `updated_at` (one-second resolution, https://api.freshservice.com/#schema)
 * and a digest of what an edit changes, so a person's edit in the same second as our write still
 * makes a version other than the one our write reported as its own.
 */
export function ticketVersion(ticket: TicketEnvelope): string {
  return versionOf(ticket.updated_at, ticketDigest(ticket));
}

/** The stamp part of a version (ISO UTC). */
export function stampOf(version: string): string {
  const hash = version.indexOf('#');
  return hash < 0 ? version : version.slice(0, hash);
}

/** The digest part of a version (undefined for one without). */
export function digestOf(version: string): string | undefined {
  const hash = version.indexOf('#');
  return hash < 0 ? undefined : version.slice(hash + 1);
}
