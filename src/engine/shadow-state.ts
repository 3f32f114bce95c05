import type { CandidateSearch, DuplicateCandidate, IndexedTicket, PatternEvent, PatternProblem } from '../model/history.js';
import type { EngineState, HistoryState } from './types.js';
import type { Ticket } from '../model/ticket.js';
import type { BatchState } from './batch-state.js';

/**
 * Problems pattern rules would have opened on history during one pass: kept so the report
 * counts one problem per burst (later history incidents of the burst join it), never committed.
 */
export class ShadowProblems {
  private readonly problems = new Map<string, PatternProblem>();
  private readonly memberLists = new Map<string, PatternEvent[]>();

  latest(ruleId: string, groupKey: string): PatternProblem | undefined {
    let latest: PatternProblem | undefined;
    for (const p of this.problems.values()) if (p.ruleId === ruleId && p.groupKey === groupKey && (!latest || p.generation > latest.generation)) latest = p;
    return latest;
  }

  save(problem: PatternProblem): void {
    this.problems.set(problem.correlationKey, problem);
  }

  addMember(correlationKey: string, event: PatternEvent): void {
    this.memberLists.set(correlationKey, [...(this.memberLists.get(correlationKey) ?? []), event]);
  }

  members(correlationKey: string): PatternEvent[] {
    return this.memberLists.get(correlationKey) ?? [];
  }
}

/**
 * The engine's view for a *history* ticket (a version older than the source's start point): it
 * reads everything the real batch state knows, and lets through only what teaches a baseline —
 * the similarity index and pattern events. Marks, duplicate links, problems, round-robin turns
 * and assignments stay here and are thrown away, so what the rules decide is only reported.
 */
export class ShadowState implements EngineState {
  readonly history: ShadowHistory;
  private readonly roundRobin = new Map<string, number>();

  constructor(
    private readonly real: BatchState,
    problems: ShadowProblems,
  ) {
    this.history = new ShadowHistory(real.history, problems);
  }

  nextRoundRobin(ruleId: string, memberCount: number): number {
    const position = this.roundRobinPosition(ruleId);
    this.roundRobin.set(ruleId, (position + 1) % Math.max(1, memberCount));
    return position % Math.max(1, memberCount);
  }

  roundRobinPosition(ruleId: string): number {
    return this.roundRobin.get(ruleId) ?? this.real.roundRobinPosition(ruleId);
  }

  setRoundRobinPosition(ruleId: string, position: number): void {
    this.roundRobin.set(ruleId, position);
  }

  openLoad(sourceId: string, assignee: string): number {
    return this.real.openLoad(sourceId, assignee);
  }

  noteAssignment(): void {
    // Not assigned: the ticket keeps the group and person it has.
  }

  plannedGroup(ticketKey: string): string | undefined {
    return this.real.plannedGroup(ticketKey);
  }

  loadSources(ownSourceId: string): string[] {
    return this.real.loadSources(ownSourceId);
  }
}

/**
 * The real batch state (history, marks, loads) for evaluations whose assignments are never
 * written (a history ticket's SLA steps): `noteAssignment` does nothing, so neither the ticket's
 * row nor the loads later tickets are routed by take an assignment that was never made.
 */
export function withoutAssignments(real: BatchState): EngineState {
  return {
    history: real.history,
    nextRoundRobin: (ruleId, memberCount) => real.nextRoundRobin(ruleId, memberCount),
    roundRobinPosition: (ruleId) => real.roundRobinPosition(ruleId),
    setRoundRobinPosition: (ruleId, position) => real.setRoundRobinPosition(ruleId, position),
    openLoad: (sourceId, assignee) => real.openLoad(sourceId, assignee),
    noteAssignment: () => undefined,
    plannedGroup: (ticketKey) => real.plannedGroup(ticketKey),
    loadSources: (ownSourceId) => real.loadSources(ownSourceId),
  };
}

class ShadowHistory implements HistoryState {
  private readonly marks = new Set<string>();
  private readonly roots = new Map<string, string>();
  private readonly rootsWithDuplicates = new Set<string>();

  constructor(
    private readonly real: HistoryState,
    private readonly problems: ShadowProblems,
  ) {}

  // The baselines: the index and the pattern counts are real.
  index(ticket: Ticket): Promise<void> {
    return this.real.index(ticket);
  }
  candidates(search: CandidateSearch): Promise<DuplicateCandidate[]> {
    return this.real.candidates(search);
  }
  indexed(key: string): Promise<IndexedTicket | undefined> {
    return this.real.indexed(key);
  }
  clusterOf(ticket: Ticket, options: { threshold: number; createdAfter: string }): Promise<string> {
    return this.real.clusterOf(ticket, options);
  }
  patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined> {
    return this.real.patternEvent(ruleId, ticketKey);
  }
  recordPatternEvent(event: PatternEvent): void {
    this.real.recordPatternEvent(event);
  }
  patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]> {
    return this.real.patternEvents(ruleId, groupKey, from, to);
  }
  countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number> {
    return this.real.countPatternEvents(ruleId, groupKey, from, to);
  }
  firstPatternEventAt(ruleId: string): Promise<string | undefined> {
    return this.real.firstPatternEventAt(ruleId);
  }

  // What a write would have made true: seen by this ticket's evaluation only.
  async rootOf(key: string): Promise<string | undefined> {
    return this.roots.get(key) ?? (await this.real.rootOf(key));
  }
  async hasDuplicates(key: string): Promise<boolean> {
    return this.rootsWithDuplicates.has(key) || (await this.real.hasDuplicates(key));
  }
  recordDuplicate(key: string, rootKey: string): void {
    this.roots.set(key, rootKey);
    this.rootsWithDuplicates.add(rootKey);
  }
  async hasMark(ruleId: string, key: string, mark: string): Promise<boolean> {
    return this.marks.has(JSON.stringify([ruleId, key, mark])) || (await this.real.hasMark(ruleId, key, mark));
  }
  setMark(ruleId: string, key: string, mark: string): void {
    this.marks.add(JSON.stringify([ruleId, key, mark]));
  }
  markedBy(key: string, marks: readonly string[]): Promise<string | undefined> {
    return this.real.markedBy(key, marks);
  }

  // Problems that would have been opened live in the pass's shadow, never on the platform.
  async latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined> {
    return this.problems.latest(ruleId, groupKey) ?? (await this.real.latestProblem(ruleId, groupKey));
  }
  saveProblem(problem: PatternProblem): void {
    this.problems.save(problem);
  }
  addMember(correlationKey: string, event: PatternEvent): void {
    this.problems.addMember(correlationKey, event);
  }
  async members(correlationKey: string): Promise<PatternEvent[]> {
    return [...(await this.real.members(correlationKey)), ...this.problems.members(correlationKey)];
  }
  touchProblem(): void {
    // No problem is updated for history.
  }
  touchedProblems(): { problem: PatternProblem; lastMember: PatternEvent; reopen: boolean }[] {
    return [];
  }
}
