import { Ticket } from '../model/ticket.js';

/**
 * The ticket as kept while an SLA step is due, for the sweep to judge it again without reading
 * it from the platform: the canonical fields plus only the native fields the rules read
 * (`raw.<field>`), enough to judge conditions and fill templates as a pull would, without keeping
 * whole records (comments!).
 */
export function ticketSnapshot(ticket: Ticket, rawFields: ReadonlySet<string>): string {
  return JSON.stringify({ ...ticket, raw: pickRaw(ticket.raw, rawFields) });
}

/** The ticket a snapshot holds, or undefined when there is none or it no longer reads as a ticket. */
export function readTicketSnapshot(snapshot: string | undefined): Ticket | undefined {
  const parsed = snapshot ? Ticket.safeParse(JSON.parse(snapshot)) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

function pickRaw(raw: unknown, fields: ReadonlySet<string>): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || fields.size === 0) return {};
  const record = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) if (field in record) out[field] = record[field];
  return out;
}
