import { ticketVersion } from './record.js';
import { TicketEnvelope } from './schema.js';

/** Helpers the Freshservice mappings call; the registry adds them to every mapping's functions. */
export const freshserviceMappingFunctions = {
  /**
   * The version the connector gives a ticket (`<updated_at>#<digest of its fields>`, record.ts), so
   * the canonical ticket's version is the one the ledger, own-write recognition and the superseded
   * check use; two edits in one second make two versions. Undefined for what is not a ticket.
   */
  freshserviceVersion: (ticket: unknown): string | undefined => {
    const parsed = TicketEnvelope.safeParse(ticket);
    return parsed.success ? ticketVersion(parsed.data) : undefined;
  },
} as const;
