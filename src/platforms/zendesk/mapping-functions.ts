import { ticketVersion } from './record.js';

/** Helpers the Zendesk mappings call; the registry adds them to every mapping's functions. */
export const zendeskMappingFunctions = {
  /**
   * The version the connector gives a ticket (`<updated_at>|<digest of what an edit changes>`), so
   * the canonical ticket's version is the one the ledger, own-write recognition and collision
   * protection use; two edits in one second make two versions.
   */
  zendeskVersion: (ticket: unknown): string | undefined => (typeof ticket === 'object' && ticket !== null && !Array.isArray(ticket) ? ticketVersion(ticket as Record<string, unknown>) : undefined),
} as const;
