import type { SimilarityDoc } from '../model/history.js';
import type { Ticket } from '../model/ticket.js';

/** Ticket fields the similarity index keeps for equality checks and field evidence. */
const INDEXED_FIELDS = ['requester', 'ci', 'category', 'subcategory', 'location', 'group', 'contactType', 'kind'] as const;

/** A ticket as the similarity index keeps it. */
export function similarityDoc(ticket: Ticket): SimilarityDoc & { title: string } {
  const fields: Record<string, string | undefined> = {};
  for (const field of INDEXED_FIELDS) fields[field] = ticket[field];
  fields.priority = String(ticket.priority);
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
  };
}
