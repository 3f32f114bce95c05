import type { HistoryStore } from '../model/history.js';
import type { TicketState } from '../model/ticket-state.js';

/**
 * What the engine reads to plan one batch: a read-only view of what the state knows, taken
 * before the batch and never written by the engine (its changes come back in the plan).
 */
export interface EngineSnapshot {
  /** What is remembered of the batch's tickets, by ticket key (absent: never seen). */
  readonly tickets: ReadonlyMap<string, TicketState>;
  /** Open tickets per person on the batch's source. */
  readonly openLoads: ReadonlyMap<string, number>;
  /** The same for every other source (a person's capacity spans platforms); empty when nothing needs it. */
  readonly otherLoads: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Round-robin positions of the source's rules. */
  readonly roundRobin: ReadonlyMap<string, number>;
  /** Earlier tickets: similarity index, duplicate links, marks, pattern events and problems. */
  readonly history: HistoryStore;
}

/**
 * Where a snapshot is read from: the daemon's state store, or {@link MemoryState} (rule tests,
 * explain, backtest, unit tests). Both keep what a committed {@link BatchPlan} stores.
 */
export interface StateView {
  getTickets(keys: readonly string[]): Promise<Map<string, TicketState>>;
  openLoads(sourceId: string): Promise<Map<string, number>>;
  /** Open tickets per person, per source (every source). */
  openLoadsBySource(): Promise<Map<string, Map<string, number>>>;
  roundRobinPositions(sourceId: string): Promise<Map<string, number>>;
  readonly history: HistoryStore;
}

/**
 * Reads what planning a batch of these tickets needs. `otherLoads`: read the other sources'
 * loads too (only team-aware routing counts them; the query is skipped otherwise).
 */
export async function takeSnapshot(view: StateView, sourceId: string, keys: readonly string[], options: { otherLoads: boolean }): Promise<EngineSnapshot> {
  const [tickets, openLoads, roundRobin] = await Promise.all([view.getTickets(keys), view.openLoads(sourceId), view.roundRobinPositions(sourceId)]);
  return { tickets, openLoads, roundRobin, otherLoads: options.otherLoads ? await otherSourcesLoads(view, sourceId) : new Map(), history: view.history };
}

/** Open tickets per person on the sources other than `sourceId`. */
export async function otherSourcesLoads(view: StateView, sourceId: string): Promise<Map<string, Map<string, number>>> {
  const all = await view.openLoadsBySource();
  all.delete(sourceId);
  return all;
}
