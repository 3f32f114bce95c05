import type { CandidateSearch, DuplicateCandidate, HistoryChanges, HistoryStore, IndexedTicket, PatternEvent, PatternProblem, SimilarityDoc } from '../model/history.js';
import type { Ticket } from '../model/ticket.js';
import { similarityDoc } from './similarity-doc.js';
import type { HistoryState } from './types.js';

/**
 * The engine's view of history during one batch: reads go to the store and see this batch's own
 * changes on top; the changes are committed by the sync loop in the batch's transaction.
 */
export class HistoryOverlay implements HistoryState {
  readonly changes: HistoryChanges = { marks: [], duplicates: [], patternEvents: [], problems: [], members: [] };
  private readonly marks = new Set<string>();
  private readonly roots = new Map<string, string>();
  private readonly rootsWithDuplicates = new Set<string>();
  private readonly events = new Map<string, PatternEvent>();
  private readonly problems = new Map<string, PatternProblem>();
  private readonly memberKeys = new Map<string, PatternEvent[]>();
  private readonly touched = new Map<string, { problem: PatternProblem; lastMember: PatternEvent; reopen: boolean }>();

  /** The plan (ticket version being evaluated) that marks and links are recorded for. */
  private plan: string | undefined;

  /** Tickets this batch put in the index: they count as seen even though not committed yet. */
  private readonly indexedHere = new Set<string>();

  /**
   * `committedOnly`: candidates must be tickets a committed batch has seen, or tickets pulled in
   * this pass (`pulled`: the pass indexes everything it pulled before judging any of it, so an
   * original updated after its duplicate is still found). The index is written outside the batch
   * transaction, so a pass that crashed before committing left its tickets in it; without this,
   * the redo would see tickets it has not pulled yet.
   */
  constructor(
    private readonly store: HistoryStore,
    private readonly options: { committedOnly?: boolean; pulled?: ReadonlySet<string> } = {},
  ) {}

  /** Marks and links recorded from now on belong to this plan (see PlannedAction.plan). */
  beginPlan(plan: string | undefined): void {
    this.plan = plan;
  }

  async index(ticket: Ticket): Promise<void> {
    this.indexedHere.add(ticket.key);
    await this.store.index(similarityDoc(ticket));
  }

  private doc(ticket: Ticket): SimilarityDoc & { title: string } {
    return similarityDoc(ticket);
  }

  async candidates(search: CandidateSearch): Promise<DuplicateCandidate[]> {
    const found = await this.search(search);
    if (!this.options.committedOnly) return found;
    const here = (key: string): boolean => this.indexedHere.has(key) || (this.options.pulled?.has(key) ?? false);
    const committed = await this.store.committedTickets(found.map((c) => c.key).filter((key) => !here(key)));
    return found.filter((c) => here(c.key) || committed.has(c.key));
  }

  private search(search: CandidateSearch): Promise<DuplicateCandidate[]> {
    return this.store.candidates({
      doc: this.doc(search.ticket),
      createdAfter: search.createdAfter,
      createdBefore: search.createdBefore,
      sourceIds: search.sourceIds,
      equalFields: search.equalFields,
      fieldWeights: search.fieldWeights,
      mask: search.mask,
      limit: search.limit,
    });
  }

  async clusterOf(ticket: Ticket, options: { threshold: number; createdAfter: string }): Promise<string> {
    this.indexedHere.add(ticket.key);
    return (await this.store.cluster(this.doc(ticket), options)).number;
  }

  indexed(key: string): Promise<IndexedTicket | undefined> {
    return this.store.indexed(key);
  }

  async rootOf(key: string): Promise<string | undefined> {
    return this.roots.get(key) ?? (await this.store.duplicateRoot(key));
  }

  async hasDuplicates(key: string): Promise<boolean> {
    return this.rootsWithDuplicates.has(key) || (await this.store.hasDuplicates(key));
  }

  recordDuplicate(key: string, rootKey: string, ruleId: string): void {
    this.roots.set(key, rootKey);
    this.rootsWithDuplicates.add(rootKey);
    this.changes.duplicates.push({ key, rootKey, ruleId, plan: this.plan });
  }

  async hasMark(ruleId: string, key: string, mark: string): Promise<boolean> {
    return this.marks.has(JSON.stringify([ruleId, key, mark])) || (await this.store.hasMark(ruleId, key, mark));
  }

  setMark(ruleId: string, key: string, mark: string, plan?: string): void {
    this.marks.add(JSON.stringify([ruleId, key, mark]));
    this.changes.marks.push({ ruleId, key, mark, plan: plan ?? this.plan });
  }

  async markedBy(key: string, marks: readonly string[]): Promise<string | undefined> {
    for (const m of this.changes.marks) if (m.key === key && marks.includes(m.mark)) return m.ruleId;
    return this.store.markedBy(key, marks);
  }

  async patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined> {
    return this.events.get(JSON.stringify([ruleId, ticketKey])) ?? (await this.store.patternEvent(ruleId, ticketKey));
  }

  recordPatternEvent(event: PatternEvent): void {
    this.events.set(JSON.stringify([event.ruleId, event.ticketKey]), event);
    this.changes.patternEvents.push(event);
  }

  async patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]> {
    const stored = await this.store.patternEvents(ruleId, groupKey, from, to);
    const seen = new Set(stored.map((e) => e.ticketKey));
    const pending = this.changes.patternEvents.filter((e) => inWindow(e, ruleId, groupKey, from, to) && !seen.has(e.ticketKey));
    return [...stored, ...pending].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.ticketKey.localeCompare(b.ticketKey));
  }

  async countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number> {
    const pending = this.changes.patternEvents.filter((e) => inWindow(e, ruleId, groupKey, from, to)).length;
    return (await this.store.countPatternEvents(ruleId, groupKey, from, to)) + pending;
  }

  async firstPatternEventAt(ruleId: string): Promise<string | undefined> {
    const stored = await this.store.firstPatternEventAt(ruleId);
    let first = stored;
    for (const e of this.changes.patternEvents) if (e.ruleId === ruleId && (first === undefined || e.createdAt < first)) first = e.createdAt;
    return first;
  }

  async latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined> {
    const stored = await this.store.latestProblem(ruleId, groupKey);
    let latest = stored ? (this.problems.get(stored.correlationKey) ?? stored) : undefined;
    for (const p of this.problems.values()) {
      if (p.ruleId === ruleId && p.groupKey === groupKey && (latest === undefined || p.generation > latest.generation)) latest = p;
    }
    return latest;
  }

  saveProblem(problem: PatternProblem): void {
    this.problems.set(problem.correlationKey, problem);
    this.changes.problems.push(problem);
  }

  addMember(correlationKey: string, event: PatternEvent): void {
    const list = this.memberKeys.get(correlationKey) ?? [];
    list.push(event);
    this.memberKeys.set(correlationKey, list);
    this.changes.members.push({ correlationKey, ticketKey: event.ticketKey, ruleId: event.ruleId });
  }

  async members(correlationKey: string): Promise<PatternEvent[]> {
    const stored = await this.store.members(correlationKey);
    const seen = new Set(stored.map((e) => e.ticketKey));
    const pending = (this.memberKeys.get(correlationKey) ?? []).filter((e) => !seen.has(e.ticketKey));
    return [...stored, ...pending];
  }

  touchProblem(problem: PatternProblem, member: PatternEvent, reopen: boolean): void {
    const earlier = this.touched.get(problem.correlationKey);
    this.touched.set(problem.correlationKey, { problem: this.problems.get(problem.correlationKey) ?? problem, lastMember: member, reopen: reopen || (earlier?.reopen ?? false) });
  }

  touchedProblems(): { problem: PatternProblem; lastMember: PatternEvent; reopen: boolean }[] {
    return [...this.touched.values()];
  }

  isEmpty(): boolean {
    const c = this.changes;
    return c.marks.length + c.duplicates.length + c.patternEvents.length + c.problems.length + c.members.length === 0;
  }
}

function inWindow(e: PatternEvent, ruleId: string, groupKey: string, from: string, to: string): boolean {
  return e.ruleId === ruleId && e.groupKey === groupKey && e.createdAt >= from && e.createdAt < to;
}
