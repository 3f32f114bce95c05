import { isOpen } from '../model/ticket.js';
import type { TicketState } from '../model/ticket-state.js';
import type { HistoryChanges } from '../model/history.js';
import { MemoryHistoryStore } from './memory-history.js';
import type { StateView } from './snapshot.js';

/**
 * What the daemon's state store keeps, in memory: ticket rows (and the open loads counted from
 * them), round-robin positions and history. Snapshots are taken from it like from the store
 * ({@link takeSnapshot}), and a plan's changes are committed to it. Rule tests, explain on a
 * file, backtest and engine unit tests decide with it.
 */
export class MemoryState implements StateView {
  readonly history: MemoryHistoryStore;
  private readonly tickets = new Map<string, TicketState>();
  /** Round-robin positions by source, then rule. */
  private readonly positions = new Map<string, Map<string, number>>();

  constructor(options: { history?: MemoryHistoryStore; roundRobin?: { sourceId: string; positions: ReadonlyMap<string, number> } } = {}) {
    this.history = options.history ?? new MemoryHistoryStore();
    if (options.roundRobin) this.positions.set(options.roundRobin.sourceId, new Map(options.roundRobin.positions));
  }

  async getTickets(keys: readonly string[]): Promise<Map<string, TicketState>> {
    const found = new Map<string, TicketState>();
    for (const key of keys) {
      const row = this.tickets.get(key);
      if (row) found.set(key, { ...row });
    }
    return found;
  }

  async openLoads(sourceId: string): Promise<Map<string, number>> {
    return (await this.openLoadsBySource()).get(sourceId) ?? new Map();
  }

  async openLoadsBySource(): Promise<Map<string, Map<string, number>>> {
    const all = new Map<string, Map<string, number>>();
    for (const row of this.tickets.values()) {
      if (!isOpen(row.status) || row.assignee === undefined) continue;
      const loads = all.get(row.sourceId) ?? new Map<string, number>();
      loads.set(row.assignee, (loads.get(row.assignee) ?? 0) + 1);
      all.set(row.sourceId, loads);
    }
    return all;
  }

  async roundRobinPositions(sourceId: string): Promise<Map<string, number>> {
    return new Map(this.positions.get(sourceId) ?? []);
  }

  /** Stores what a plan changes, as a batch commit does. */
  commit(sourceId: string, plan: { tickets?: readonly TicketState[]; roundRobin?: ReadonlyMap<string, number>; history?: HistoryChanges }): void {
    for (const row of plan.tickets ?? []) this.tickets.set(row.key, { ...row });
    this.history.commitTickets((plan.tickets ?? []).map((t) => t.key));
    const positions = this.positions.get(sourceId) ?? new Map<string, number>();
    for (const [ruleId, position] of plan.roundRobin ?? []) positions.set(ruleId, position);
    this.positions.set(sourceId, positions);
    if (plan.history) this.history.apply(plan.history);
  }
}
