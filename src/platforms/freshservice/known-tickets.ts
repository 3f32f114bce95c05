import { stampOf } from './record.js';

/** Tickets remembered at most; beyond it the longest-known are forgotten (their writes read the ticket themselves). */
const MAX_KNOWN = 100_000;

/** What the connector last read of a ticket, and from when on that reading is known to hold. */
export interface KnownTicket {
  version: string;
  raw: Record<string, unknown>;
  /**
   * Epoch ms: any change to the ticket after it was read carries an `updated_at` at or after this
   * (the cut of the list that read it: its first page's server time less slack). So a later
   * `updated_since` list from at most this time that does not name the ticket proves it unchanged.
   */
  asOfMs: number;
}

/**
 * The tickets the pull and the batched version reads have seen, each with the time from which
 * its reading holds. This lets `readVersions` ask Freshservice only for what changed since it
 * last looked (`GET /api/v2/tickets?updated_since=…`), rather than read each ticket: a ticket the
 * list does not name is still at the version remembered here. In memory only: after a restart a
 * ticket is known again once a pull hands it out, and until then its write reads it itself.
 */
export class KnownTickets {
  private readonly tickets = new Map<string, KnownTicket>();

  /** A ticket as a list read it; an older reading never replaces a newer one (same cut and stamp: the later reading wins, content may differ within a second). */
  learn(nativeId: string, ticket: KnownTicket): void {
    const known = this.tickets.get(nativeId);
    if (known !== undefined && (known.asOfMs > ticket.asOfMs || (known.asOfMs === ticket.asOfMs && stampOf(known.version) > stampOf(ticket.version)))) return;
    this.tickets.delete(nativeId);
    this.tickets.set(nativeId, ticket);
    if (this.tickets.size > MAX_KNOWN) {
      const oldest = this.tickets.keys().next().value;
      if (oldest !== undefined) this.tickets.delete(oldest);
    }
  }

  /** A ticket whose reading no longer holds (a list named it in a shape that could not be read). */
  forget(nativeId: string): void {
    this.tickets.delete(nativeId);
  }

  get(nativeId: string): KnownTicket | undefined {
    return this.tickets.get(nativeId);
  }

  /** The earliest time from which the known ones of these tickets hold; undefined when none is known. */
  since(nativeIds: readonly string[]): number | undefined {
    let since: number | undefined;
    for (const id of nativeIds) {
      const known = this.tickets.get(id);
      if (known !== undefined && (since === undefined || known.asOfMs < since)) since = known.asOfMs;
    }
    return since;
  }

  /**
   * After a complete `updated_since=sinceMs` list, cut at `asOfMs`, whose tickets were `learn`ed:
   * every ticket known from `sinceMs` on that the list did not name is unchanged, so its reading
   * now holds from `asOfMs`.
   */
  confirm(sinceMs: number, asOfMs: number): void {
    for (const known of this.tickets.values()) if (known.asOfMs >= sinceMs && known.asOfMs < asOfMs) known.asOfMs = asOfMs;
  }
}
