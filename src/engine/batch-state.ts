import type { Ticket } from '../model/ticket.js';
import type { HistoryStore } from '../model/history.js';
import type { EngineState } from './types.js';
import { HistoryOverlay } from './history-overlay.js';

/**
 * The engine's view of state during one batch: starts from what the store holds and
 * accumulates this batch's changes, which the sync loop commits with the outbox entries.
 */
export class BatchState implements EngineState {
  readonly roundRobinChanges = new Map<string, number>();
  /** Tickets this batch assigned, with the group/person they will have once the write lands. */
  readonly plannedAssignments = new Map<string, { group: string; assignee: string | undefined }>();

  readonly history: HistoryOverlay;

  private readonly sourceId: string | undefined;
  private readonly otherLoads: ReadonlyMap<string, ReadonlyMap<string, number>>;

  /**
   * `loads`: open tickets per person on this batch's source (kept current as the batch assigns);
   * `otherLoads`: the same for the other sources, read-only, so a person's capacity counts every
   * platform they take tickets on.
   */
  constructor(
    private readonly roundRobin: Map<string, number>,
    private readonly loads: Map<string, number>,
    history: HistoryStore,
    options: { committedOnly?: boolean; pulled?: ReadonlySet<string>; sourceId?: string; otherLoads?: ReadonlyMap<string, ReadonlyMap<string, number>> } = {},
  ) {
    this.history = new HistoryOverlay(history, options);
    this.sourceId = options.sourceId;
    this.otherLoads = options.otherLoads ?? new Map();
  }

  /** The sources whose loads this state knows: its own first. */
  loadSources(ownSourceId: string): string[] {
    return [ownSourceId, ...[...this.otherLoads.keys()].filter((id) => id !== ownSourceId)];
  }

  nextRoundRobin(ruleId: string, memberCount: number): number {
    const position = this.roundRobin.get(ruleId) ?? 0;
    const next = (position + 1) % Math.max(1, memberCount);
    this.roundRobin.set(ruleId, next);
    this.roundRobinChanges.set(ruleId, next);
    return position % Math.max(1, memberCount);
  }

  roundRobinPosition(ruleId: string): number {
    return this.roundRobin.get(ruleId) ?? 0;
  }

  setRoundRobinPosition(ruleId: string, position: number): void {
    this.roundRobin.set(ruleId, position);
    this.roundRobinChanges.set(ruleId, position);
  }

  plannedGroup(ticketKey: string): string | undefined {
    return this.plannedAssignments.get(ticketKey)?.group;
  }

  openLoad(sourceId: string, assignee: string): number {
    if (this.sourceId !== undefined && sourceId !== this.sourceId) return this.otherLoads.get(sourceId)?.get(assignee) ?? 0;
    return this.loads.get(assignee) ?? 0;
  }

  noteAssignment(ticket: Ticket, group: string, assignee: string | undefined): void {
    const previous = this.plannedAssignments.get(ticket.key)?.assignee ?? ticket.assignee;
    if (previous) this.loads.set(previous, Math.max(0, (this.loads.get(previous) ?? 0) - 1));
    if (assignee) this.loads.set(assignee, (this.loads.get(assignee) ?? 0) + 1);
    this.plannedAssignments.set(ticket.key, { group, assignee });
  }

  /** Keeps loads right for tickets that arrive already assigned (or change hands outside deskbridge). */
  observe(previousAssignee: string | undefined, wasOpen: boolean, ticket: Ticket, nowOpen: boolean): void {
    if (wasOpen && previousAssignee) this.loads.set(previousAssignee, Math.max(0, (this.loads.get(previousAssignee) ?? 0) - 1));
    if (nowOpen && ticket.assignee) this.loads.set(ticket.assignee, (this.loads.get(ticket.assignee) ?? 0) + 1);
  }
}
