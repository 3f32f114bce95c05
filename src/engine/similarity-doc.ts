import { RESOLUTION_NOTES_MAX, type IndexDoc, type ResolvedRecord } from '../model/history.js';
import type { Ticket } from '../model/ticket.js';

/** Ticket fields the similarity index keeps for equality checks and field evidence. */
const INDEXED_FIELDS = ['requester', 'ci', 'category', 'subcategory', 'location', 'group', 'contactType', 'kind'] as const;

/** A ticket as the similarity index keeps it, with how it was resolved when it is. */
export function similarityDoc(ticket: Ticket): IndexDoc {
  const fields: Record<string, string | undefined> = {};
  for (const field of INDEXED_FIELDS) fields[field] = ticket[field];
  fields.priority = String(ticket.priority);
  const resolved = resolvedRecord(ticket);
  return {
    key: ticket.key,
    sourceId: ticket.source.instance,
    nativeId: ticket.source.nativeId,
    number: ticket.source.number,
    version: ticket.version,
    createdAt: ticket.createdAt,
    title: ticket.title,
    description: ticket.description,
    fields,
    ...(resolved ? { resolved } : {}),
  };
}

/**
 * How a resolved or closed ticket was fixed, if its platform recorded a code or notes (cancelled
 * tickets fixed nothing). Zendesk and Freshservice map no resolution, so their tickets have none.
 * Without a resolution time the update that found it resolved stands in: no earlier than the
 * real one, so "resolved before the new ticket was reported" stays true when it says so.
 */
export function resolvedRecord(ticket: Ticket): ResolvedRecord | undefined {
  if (ticket.status !== 'resolved' && ticket.status !== 'closed') return undefined;
  const code = ticket.resolution?.code?.trim();
  const notes = ticket.resolution?.notes?.trim().slice(0, RESOLUTION_NOTES_MAX);
  if (!code && !notes) return undefined;
  return { resolvedAt: ticket.resolvedAt ?? ticket.updatedAt, ...(code ? { code } : {}), ...(notes ? { notes } : {}) };
}
