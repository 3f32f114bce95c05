import { HistoryOverlay } from '../engine/history-overlay.js';
import type { EngineState } from '../engine/types.js';
import type { Ticket } from '../model/ticket.js';
import { openSqliteStore, type SqliteStateStore } from '../state/sqlite/store.js';

/**
 * The engine's state over a whole backtest: round-robin positions and open tickets per person,
 * carried from one version to the next like the daemon's store carries them between passes.
 * Loads are counted from each ticket's *effective* person — the one the simulation gave it, or
 * the one history shows — while the ticket is open.
 */
export class ReplayState implements EngineState {
  private readonly roundRobin = new Map<string, number>();
  private readonly loads = new Map<string, number>();
  private readonly holders = new Map<string, { assignee: string | undefined; open: boolean }>();
  /** Dedup and pattern history lives in a private in-memory SQLite store, as in the daemon. */
  private readonly store: SqliteStateStore = openSqliteStore(':memory:');
  private overlay = new HistoryOverlay(this.store.history);

  get history(): HistoryOverlay {
    return this.overlay;
  }

  /** Makes what the last evaluation recorded part of history, like a committed batch. */
  commitHistory(): void {
    if (!this.overlay.isEmpty()) this.store.history.apply(this.overlay.changes);
    this.overlay = new HistoryOverlay(this.store.history);
  }

  nextRoundRobin(ruleId: string, memberCount: number): number {
    const position = this.roundRobin.get(ruleId) ?? 0;
    this.roundRobin.set(ruleId, (position + 1) % Math.max(1, memberCount));
    return position % Math.max(1, memberCount);
  }

  roundRobinPosition(ruleId: string): number {
    return this.roundRobin.get(ruleId) ?? 0;
  }

  setRoundRobinPosition(ruleId: string, position: number): void {
    this.roundRobin.set(ruleId, position);
  }

  openLoad(_sourceId: string, assignee: string): number {
    return this.loads.get(assignee) ?? 0;
  }

  noteAssignment(ticket: Ticket, _group: string, assignee: string | undefined): void {
    this.observe(ticket.key, assignee, this.holders.get(ticket.key)?.open ?? false);
  }

  /** Records who holds a ticket now and whether it is open, moving its load from the previous holder. */
  observe(ticketKey: string, assignee: string | undefined, open: boolean): void {
    const before = this.holders.get(ticketKey);
    if (before?.open && before.assignee !== undefined) this.loads.set(before.assignee, Math.max(0, (this.loads.get(before.assignee) ?? 0) - 1));
    if (open && assignee !== undefined) this.loads.set(assignee, (this.loads.get(assignee) ?? 0) + 1);
    this.holders.set(ticketKey, { assignee, open });
  }

  /** Open tickets per person right now (for tests and the report). */
  openLoads(): ReadonlyMap<string, number> {
    return this.loads;
  }
}
