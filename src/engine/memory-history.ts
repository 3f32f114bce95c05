import {
  indexedTicket,
  type CandidateQuery,
  type DuplicateCandidate,
  type HistoryChanges,
  type HistoryStore,
  type IndexDoc,
  type IndexedTicket,
  type PatternEvent,
  type PatternProblem,
  type ResolvedRecord,
  type SimilarityDoc,
} from '../model/history.js';
import { assignCluster } from '../similarity/cluster.js';
import { MemoryCandidateIndex } from '../similarity/memory-index.js';

/**
 * {@link HistoryStore} in memory, with the same similarity scoring as the SQLite store
 * ({@link MemoryCandidateIndex}): for rule tests, explain on a file and engine unit tests, which
 * then need no database. What a batch decided becomes history with {@link apply}.
 */
export class MemoryHistoryStore implements HistoryStore {
  // Scores only tickets sharing a term with the query: a backtest queries once per version.
  private readonly index_ = new MemoryCandidateIndex(undefined, { postings: true });
  private readonly titles = new Map<string, string>();
  /** Resolved/closed tickets' resolutions, as the last indexing saw them (see `IndexedTicket.resolved`). */
  private readonly resolutions = new Map<string, ResolvedRecord>();
  private readonly committed = new Set<string>();
  /** In insertion order, like the table's rows: `markedBy` returns the first. */
  private readonly marks = new Map<string, { ruleId: string; key: string; mark: string }>();
  private readonly roots = new Map<string, string>();
  private readonly events = new Map<string, PatternEvent>();
  private readonly problems = new Map<string, PatternProblem>();
  private readonly memberKeys = new Map<string, Map<string, string>>();

  async index(input: IndexDoc): Promise<void> {
    const { resolved, ...doc } = input;
    this.index_.upsert(doc);
    this.titles.set(doc.key, doc.title.slice(0, 300));
    if (resolved) this.resolutions.set(doc.key, { ...resolved });
    else this.resolutions.delete(doc.key);
  }

  async candidates(query: CandidateQuery): Promise<DuplicateCandidate[]> {
    return this.index_.query(query).map((c) => ({
      ...indexedTicket(c, this.titles.get(c.key) ?? '', this.resolvedOf(c.key)),
      score: c.score,
      textScore: c.textScore,
      sharedTerms: c.sharedTerms,
      matchedFields: c.matchedFields,
    }));
  }

  async indexed(key: string): Promise<IndexedTicket | undefined> {
    const doc = this.index_.get(key);
    if (!doc) return undefined;
    return indexedTicket(doc, this.titles.get(key) ?? '', this.resolvedOf(key));
  }

  private resolvedOf(key: string): ResolvedRecord | undefined {
    const resolved = this.resolutions.get(key);
    return resolved ? { ...resolved } : undefined;
  }

  async indexedCount(): Promise<number> {
    return this.index_.size();
  }

  async cluster(doc: SimilarityDoc & { title: string }, options: { threshold: number; createdAfter: string }): Promise<{ key: string; number: string }> {
    let leader = this.index_.get(doc.key)?.clusterKey;
    if (leader === undefined) {
      this.titles.set(doc.key, doc.title.slice(0, 300));
      leader = assignCluster(this.index_, doc, { threshold: options.threshold, createdAfter: options.createdAfter, sourceIds: [doc.sourceId] }).clusterKey;
    }
    return { key: leader, number: this.index_.get(leader)?.number ?? doc.number };
  }

  /** Records that a batch with these tickets was committed (their rows exist). */
  commitTickets(keys: Iterable<string>): void {
    for (const key of keys) this.committed.add(key);
  }

  async committedTickets(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.committed.has(key)));
  }

  async duplicateRoot(key: string): Promise<string | undefined> {
    return this.roots.get(key);
  }

  async hasDuplicates(key: string): Promise<boolean> {
    for (const root of this.roots.values()) if (root === key) return true;
    return false;
  }

  async hasMark(ruleId: string, key: string, mark: string): Promise<boolean> {
    return this.marks.has(JSON.stringify([ruleId, key, mark]));
  }

  async markedBy(key: string, marks: readonly string[]): Promise<string | undefined> {
    for (const mark of marks) {
      for (const m of this.marks.values()) if (m.key === key && m.mark === mark) return m.ruleId;
    }
    return undefined;
  }

  async patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined> {
    return this.events.get(JSON.stringify([ruleId, ticketKey]));
  }

  async patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]> {
    return [...this.events.values()].filter((e) => e.ruleId === ruleId && e.groupKey === groupKey && e.createdAt >= from && e.createdAt < to).sort(byCreation);
  }

  async countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number> {
    return (await this.patternEvents(ruleId, groupKey, from, to)).length;
  }

  async firstPatternEventAt(ruleId: string): Promise<string | undefined> {
    let first: string | undefined;
    for (const e of this.events.values()) if (e.ruleId === ruleId && (first === undefined || e.createdAt < first)) first = e.createdAt;
    return first;
  }

  async latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined> {
    let latest: PatternProblem | undefined;
    for (const p of this.problems.values()) if (p.ruleId === ruleId && p.groupKey === groupKey && (!latest || p.generation > latest.generation)) latest = p;
    return latest ? { ...latest } : undefined;
  }

  async members(correlationKey: string): Promise<PatternEvent[]> {
    const members: PatternEvent[] = [];
    for (const [ticketKey, ruleId] of this.memberKeys.get(correlationKey) ?? []) {
      const event = this.events.get(JSON.stringify([ruleId, ticketKey]));
      if (event) members.push(event);
    }
    return members.sort(byCreation);
  }

  async openProblems(sourceId: string): Promise<PatternProblem[]> {
    return [...this.problems.values()].filter((p) => p.sourceId === sourceId && p.status === 'open').sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  }

  async setProblemStatus(correlationKey: string, status: PatternProblem['status']): Promise<void> {
    const problem = this.problems.get(correlationKey);
    if (problem) this.problems.set(correlationKey, { ...problem, status });
  }

  /** Makes what a batch decided part of history, as a committed batch does (first write of a key wins, like the tables). */
  apply(changes: HistoryChanges): void {
    for (const m of changes.marks) {
      const id = JSON.stringify([m.ruleId, m.key, m.mark]);
      if (!this.marks.has(id)) this.marks.set(id, { ruleId: m.ruleId, key: m.key, mark: m.mark });
    }
    for (const d of changes.duplicates) {
      if (!this.roots.has(d.key)) this.roots.set(d.key, d.rootKey);
      if (this.index_.get(d.key)) this.index_.setRoot(d.key, d.rootKey);
    }
    for (const e of changes.patternEvents) {
      const id = JSON.stringify([e.ruleId, e.ticketKey]);
      if (!this.events.has(id)) this.events.set(id, { ...e, details: { ...e.details } });
    }
    for (const p of changes.problems) {
      const stored = this.problems.get(p.correlationKey);
      // An existing problem only changes status.
      this.problems.set(p.correlationKey, stored ? { ...stored, status: p.status } : { ...p, groupValues: [...p.groupValues] });
    }
    for (const m of changes.members) {
      const members = this.memberKeys.get(m.correlationKey) ?? new Map<string, string>();
      if (!members.has(m.ticketKey)) members.set(m.ticketKey, m.ruleId);
      this.memberKeys.set(m.correlationKey, members);
    }
  }
}

function byCreation(a: PatternEvent, b: PatternEvent): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.ticketKey < b.ticketKey ? -1 : a.ticketKey > b.ticketKey ? 1 : 0;
}
