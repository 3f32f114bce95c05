import type Database from 'better-sqlite3';
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
} from '../../model/history.js';
import { assignCluster } from '../../similarity/cluster.js';
import { SqliteCandidateIndex } from '../../similarity/sqlite-index.js';
import type { WriteTransaction } from './lease.js';

interface EventRow {
  rule_id: string;
  ticket_key: string;
  source_id: string;
  group_key: string;
  native_id: string;
  number: string;
  version: string;
  created_at: string;
  title: string;
  details: string;
}

interface ResolvedRow {
  resolved_at: string;
  code: string | null;
  notes: string | null;
}

interface ProblemRow {
  correlation_key: string;
  rule_id: string;
  source_id: string;
  group_key: string;
  group_values: string;
  generation: number;
  status: 'open' | 'closed';
  opened_at: string;
  trigger: string;
}

/** The SQLite side of {@link HistoryStore}: similarity index, duplicate families, pattern history. */
export class SqliteHistoryStore implements HistoryStore {
  private readonly index_: SqliteCandidateIndex;
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => Date,
    /** Runs a change to source state in a write transaction (fenced by the store's lease). */
    private readonly write: WriteTransaction = (fn) => db.transaction(fn).immediate(),
  ) {
    this.index_ = new SqliteCandidateIndex(db);
    this.stmts = {
      ticketKnown: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM tickets WHERE key = ?'),
      setTitle: db.prepare('INSERT INTO indexed_titles (key, title) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET title = excluded.title'),
      title: db.prepare<[string], { title: string }>('SELECT title FROM indexed_titles WHERE key = ?'),
      setResolved: db.prepare(
        'INSERT INTO resolved_tickets (key, resolved_at, code, notes) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET resolved_at = excluded.resolved_at, code = excluded.code, notes = excluded.notes',
      ),
      clearResolved: db.prepare('DELETE FROM resolved_tickets WHERE key = ?'),
      resolved: db.prepare<[string], ResolvedRow>('SELECT resolved_at, code, notes FROM resolved_tickets WHERE key = ?'),
      root: db.prepare<[string], { root_key: string }>('SELECT root_key FROM duplicate_links WHERE ticket_key = ?'),
      hasDuplicates: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM duplicate_links WHERE root_key = ? LIMIT 1'),
      addDuplicate: db.prepare('INSERT OR IGNORE INTO duplicate_links (ticket_key, root_key, rule_id, plan, linked_at) VALUES (?, ?, ?, ?, ?)'),
      hasMark: db.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM rule_marks WHERE rule_id = ? AND subject_key = ? AND mark = ?'),
      markedBy: db.prepare<[string, string], { rule_id: string }>('SELECT rule_id FROM rule_marks WHERE subject_key = ? AND mark = ? LIMIT 1'),
      addMark: db.prepare('INSERT OR IGNORE INTO rule_marks (rule_id, subject_key, mark, plan, created_at) VALUES (?, ?, ?, ?, ?)'),
      // A verdict stays given (it is in the QA log); what a plan was to write is released.
      releaseMarks: db.prepare(`DELETE FROM rule_marks WHERE plan = ? AND mark NOT LIKE 'qa@%'`),
      releasedLinks: db.prepare<[string], { ticket_key: string }>('SELECT ticket_key FROM duplicate_links WHERE plan = ?'),
      releaseLinks: db.prepare('DELETE FROM duplicate_links WHERE plan = ?'),
      clearRoot: db.prepare('UPDATE sim_docs SET root_key = NULL WHERE key = ?'),
      event: db.prepare<[string, string], EventRow>('SELECT * FROM pattern_events WHERE rule_id = ? AND ticket_key = ?'),
      events: db.prepare<[string, string, string, string], EventRow>(
        'SELECT * FROM pattern_events WHERE rule_id = ? AND group_key = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, ticket_key',
      ),
      countEvents: db.prepare<[string, string, string, string], { n: number }>('SELECT count(*) AS n FROM pattern_events WHERE rule_id = ? AND group_key = ? AND created_at >= ? AND created_at < ?'),
      firstEvent: db.prepare<[string], { at: string | null }>('SELECT min(created_at) AS at FROM pattern_events WHERE rule_id = ?'),
      addEvent: db.prepare(
        `INSERT OR IGNORE INTO pattern_events (rule_id, ticket_key, source_id, group_key, native_id, number, version, created_at, title, details)
         VALUES (@ruleId, @ticketKey, @sourceId, @groupKey, @nativeId, @number, @version, @createdAt, @title, @details)`,
      ),
      latestProblem: db.prepare<[string, string], ProblemRow>('SELECT * FROM pattern_problems WHERE rule_id = ? AND group_key = ? ORDER BY generation DESC LIMIT 1'),
      openProblems: db.prepare<[string], ProblemRow>(`SELECT * FROM pattern_problems WHERE source_id = ? AND status = 'open' ORDER BY opened_at`),
      saveProblem: db.prepare(
        `INSERT INTO pattern_problems (correlation_key, rule_id, source_id, group_key, group_values, generation, status, opened_at, trigger)
         VALUES (@correlationKey, @ruleId, @sourceId, @groupKey, @groupValues, @generation, @status, @openedAt, @trigger)
         ON CONFLICT(correlation_key) DO UPDATE SET status = excluded.status`,
      ),
      setStatus: db.prepare('UPDATE pattern_problems SET status = ? WHERE correlation_key = ?'),
      addMember: db.prepare('INSERT OR IGNORE INTO pattern_members (correlation_key, rule_id, ticket_key) VALUES (?, ?, ?)'),
      members: db.prepare<[string], EventRow>(
        `SELECT e.* FROM pattern_members m JOIN pattern_events e ON e.rule_id = m.rule_id AND e.ticket_key = m.ticket_key
          WHERE m.correlation_key = ? ORDER BY e.created_at, e.ticket_key`,
      ),
    };
  }

  async index(input: IndexDoc): Promise<void> {
    const { resolved, ...doc } = input;
    this.db.transaction(() => {
      this.index_.upsert(doc);
      this.stmts.setTitle.run(doc.key, doc.title.slice(0, 300));
      // A reopened ticket's old fix is no fix: only what the latest version says is kept.
      if (resolved) this.stmts.setResolved.run(doc.key, resolved.resolvedAt, resolved.code ?? null, resolved.notes ?? null);
      else this.stmts.clearResolved.run(doc.key);
    })();
  }

  async candidates(query: CandidateQuery): Promise<DuplicateCandidate[]> {
    return this.index_.query(query).map((c) => ({
      ...indexedTicket(c, this.stmts.title.get(c.key)?.title ?? '', this.resolvedOf(c.key)),
      score: c.score,
      textScore: c.textScore,
      sharedTerms: c.sharedTerms,
      matchedFields: c.matchedFields,
    }));
  }

  async indexed(key: string): Promise<IndexedTicket | undefined> {
    const doc = this.index_.get(key);
    if (!doc) return undefined;
    return indexedTicket(doc, this.stmts.title.get(key)?.title ?? '', this.resolvedOf(key));
  }

  private resolvedOf(key: string): ResolvedRecord | undefined {
    const row = this.stmts.resolved.get(key);
    if (!row) return undefined;
    return { resolvedAt: row.resolved_at, ...(row.code !== null ? { code: row.code } : {}), ...(row.notes !== null ? { notes: row.notes } : {}) };
  }

  async cluster(doc: SimilarityDoc & { title: string }, options: { threshold: number; createdAfter: string }): Promise<{ key: string; number: string }> {
    const existing = this.index_.get(doc.key)?.clusterKey;
    let leader = existing;
    if (leader === undefined) {
      leader = this.db.transaction(() => {
        this.stmts.setTitle.run(doc.key, doc.title.slice(0, 300));
        return assignCluster(this.index_, doc, { threshold: options.threshold, createdAfter: options.createdAfter, sourceIds: [doc.sourceId] }).clusterKey;
      })();
    }
    return { key: leader, number: this.index_.get(leader)?.number ?? doc.number };
  }

  async indexedCount(): Promise<number> {
    return this.index_.size();
  }

  async committedTickets(keys: readonly string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.stmts.ticketKnown.get(key) !== undefined));
  }

  async duplicateRoot(key: string): Promise<string | undefined> {
    return this.stmts.root.get(key)?.root_key;
  }

  async hasDuplicates(key: string): Promise<boolean> {
    return this.stmts.hasDuplicates.get(key) !== undefined;
  }

  async hasMark(ruleId: string, key: string, mark: string): Promise<boolean> {
    return this.stmts.hasMark.get(ruleId, key, mark) !== undefined;
  }

  async markedBy(key: string, marks: readonly string[]): Promise<string | undefined> {
    for (const mark of marks) {
      const row = this.stmts.markedBy.get(key, mark);
      if (row) return row.rule_id;
    }
    return undefined;
  }

  /**
   * A plan whose writes were superseded (someone changed the ticket) or died: what its dedup
   * rules recorded did not happen, so the next version of the ticket is judged afresh. Inside
   * the caller's transaction.
   */
  releasePlan(plan: string): void {
    for (const { ticket_key } of this.stmts.releasedLinks.all(plan)) this.stmts.clearRoot.run(ticket_key);
    this.stmts.releaseLinks.run(plan);
    this.stmts.releaseMarks.run(plan);
  }

  async patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined> {
    const row = this.stmts.event.get(ruleId, ticketKey);
    return row ? toEvent(row) : undefined;
  }

  async patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]> {
    return this.stmts.events.all(ruleId, groupKey, from, to).map(toEvent);
  }

  async countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number> {
    return this.stmts.countEvents.get(ruleId, groupKey, from, to)?.n ?? 0;
  }

  async firstPatternEventAt(ruleId: string): Promise<string | undefined> {
    return this.stmts.firstEvent.get(ruleId)?.at ?? undefined;
  }

  async latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined> {
    const row = this.stmts.latestProblem.get(ruleId, groupKey);
    return row ? toProblem(row) : undefined;
  }

  async members(correlationKey: string): Promise<PatternEvent[]> {
    return this.stmts.members.all(correlationKey).map(toEvent);
  }

  async openProblems(sourceId: string): Promise<PatternProblem[]> {
    return this.stmts.openProblems.all(sourceId).map(toProblem);
  }

  async setProblemStatus(correlationKey: string, status: PatternProblem['status']): Promise<void> {
    this.write(() => this.stmts.setStatus.run(status, correlationKey));
  }

  /** Inside the caller's transaction. */
  closeProblem(correlationKey: string): void {
    this.stmts.setStatus.run('closed', correlationKey);
  }

  /** Called inside the batch transaction. */
  apply(changes: HistoryChanges): void {
    const now = this.clock().toISOString();
    for (const m of changes.marks) this.stmts.addMark.run(m.ruleId, m.key, m.mark, m.plan ?? null, now);
    for (const d of changes.duplicates) {
      this.stmts.addDuplicate.run(d.key, d.rootKey, d.ruleId, d.plan ?? null, now);
      if (this.index_.get(d.key)) this.index_.setRoot(d.key, d.rootKey);
    }
    for (const e of changes.patternEvents) this.stmts.addEvent.run({ ...e, details: JSON.stringify(e.details) });
    for (const p of changes.problems) this.stmts.saveProblem.run({ ...p, groupValues: JSON.stringify(p.groupValues) });
    for (const m of changes.members) this.stmts.addMember.run(m.correlationKey, m.ruleId, m.ticketKey);
  }
}

function toEvent(row: EventRow): PatternEvent {
  return {
    ruleId: row.rule_id,
    ticketKey: row.ticket_key,
    sourceId: row.source_id,
    groupKey: row.group_key,
    nativeId: row.native_id,
    number: row.number,
    version: row.version,
    createdAt: row.created_at,
    title: row.title,
    details: JSON.parse(row.details) as Record<string, string>,
  };
}

function toProblem(row: ProblemRow): PatternProblem {
  return {
    correlationKey: row.correlation_key,
    ruleId: row.rule_id,
    sourceId: row.source_id,
    groupKey: row.group_key,
    groupValues: JSON.parse(row.group_values) as string[],
    generation: row.generation,
    status: row.status,
    openedAt: row.opened_at,
    trigger: row.trigger,
  };
}
