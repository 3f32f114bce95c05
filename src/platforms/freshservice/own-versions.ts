/** Versions kept per ticket: a plan's few writes. */
const KEPT_PER_TICKET = 4;

/**
 * The version each ticket was left at by this connector's last write, in memory: a plan's second
 * write (a note after an assignment) must not read the first one's version as "someone changed
 * the ticket since it was planned". Across restarts the sync loop remembers own versions itself
 * (WriteResult.ownVersion); a crash after a write landed but before it was recorded is recognised
 * by the retry, which finds the ticket already holding what it sets (TicketWriter.landedBefore).
 */
export class OwnVersions {
  /** Per ticket, the versions our writes left, newest last (a note's is inferred, so the PUT's before it stays too). */
  private readonly versions = new Map<string, string[]>();

  remember(nativeId: string, version: string): void {
    const kept = (this.versions.get(nativeId) ?? []).filter((v) => v !== version);
    kept.push(version);
    this.versions.set(nativeId, kept.slice(-KEPT_PER_TICKET));
  }

  /** The version our newest write left the ticket at, in this process. */
  latest(nativeId: string): string | undefined {
    return this.versions.get(nativeId)?.at(-1);
  }

  /** Whether the ticket's current version is the planned one, or one our own write left since. */
  unchangedByOthers(nativeId: string, planned: string, current: string): boolean {
    return current === planned || (this.versions.get(nativeId)?.includes(current) ?? false);
  }
}
