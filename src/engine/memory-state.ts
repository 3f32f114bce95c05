import { isOpen } from '../model/ticket.js';
import type { TicketState } from '../model/ticket-state.js';
import type { HistoryChanges } from '../model/history.js';
import { MemoryHistoryStore } from './memory-history.js';
import type { StateView } from './snapshot.js';

/** What a state starts from for one source: rotation positions and open tickets held elsewhere. */
export interface MemoryStateSeed {
  sourceId: string;
  /** Rule id → round-robin position. */
  positions?: ReadonlyMap<string, number>;
  /**
   * Person → open tickets that are not rows of this state (a rule test's `openTickets`): they
   * count in the person's load for good, the rows' own tickets come and go on top.
   */
  openLoads?: ReadonlyMap<string, number>;
}

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
  /**
   * Open tickets per person, by source, kept as rows are committed: a backtest commits a batch
   * per version of tens of thousands of tickets, and recounting every row per snapshot would
   * make it quadratic.
   */
  private readonly loads = new Map<string, Map<string, number>>();

  constructor(options: { history?: MemoryHistoryStore; seed?: MemoryStateSeed } = {}) {
    this.history = options.history ?? new MemoryHistoryStore();
    if (options.seed) this.seed(options.seed);
  }

  /** Sets rotation positions (over what batches left) and adds open tickets held outside the state's rows. */
  seed(seed: MemoryStateSeed): void {
    const positions = this.positions.get(seed.sourceId) ?? new Map<string, number>();
    for (const [ruleId, position] of seed.positions ?? []) positions.set(ruleId, position);
    this.positions.set(seed.sourceId, positions);
    for (const [person, count] of seed.openLoads ?? []) this.addLoad(seed.sourceId, person, count);
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
    return new Map(this.loads.get(sourceId) ?? []);
  }

  async openLoadsBySource(): Promise<Map<string, Map<string, number>>> {
    return new Map([...this.loads].map(([sourceId, loads]) => [sourceId, new Map(loads)]));
  }

  async roundRobinPositions(sourceId: string): Promise<Map<string, number>> {
    return new Map(this.positions.get(sourceId) ?? []);
  }

  /** Stores what a plan changes, as a batch commit does. */
  commit(sourceId: string, plan: { tickets?: readonly TicketState[]; roundRobin?: ReadonlyMap<string, number>; history?: HistoryChanges }): void {
    for (const row of plan.tickets ?? []) {
      const before = this.tickets.get(row.key);
      if (before) this.countLoad(before, -1);
      this.tickets.set(row.key, { ...row });
      this.countLoad(row, 1);
    }
    this.history.commitTickets((plan.tickets ?? []).map((t) => t.key));
    const positions = this.positions.get(sourceId) ?? new Map<string, number>();
    for (const [ruleId, position] of plan.roundRobin ?? []) positions.set(ruleId, position);
    this.positions.set(sourceId, positions);
    if (plan.history) this.history.apply(plan.history);
  }

  /** A row counts for its person while it is open, as the store's open-loads query counts it. */
  private countLoad(row: TicketState, delta: number): void {
    if (isOpen(row.status) && row.assignee !== undefined) this.addLoad(row.sourceId, row.assignee, delta);
  }

  private addLoad(sourceId: string, person: string, delta: number): void {
    const loads = this.loads.get(sourceId) ?? new Map<string, number>();
    const count = (loads.get(person) ?? 0) + delta;
    // A person with no open ticket is not listed, as the store's query leaves them out.
    if (count === 0) loads.delete(person);
    else loads.set(person, count);
    if (loads.size === 0) this.loads.delete(sourceId);
    else this.loads.set(sourceId, loads);
  }
}
