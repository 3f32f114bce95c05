import type pg from 'pg';
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
import { assignClusterAsync } from '../../similarity/cluster.js';
import { PostgresCandidateIndex, type PostgresIndexOptions } from '../../similarity/postgres-index.js';
import type { PgWrite } from './audit-queue.js';
import { sqlOf, type Sql } from './pool.js';

/**
 * Where dedup history meets the similarity index (src/similarity/postgres-index.ts). SQLite keeps a
 * duplicate's root on its indexed doc (sim_docs.root_key), set by SqliteHistoryStore.apply and
 * cleared by SqliteHistoryStore.releasePlan; the PostgreSQL index does the same
 * (similarity_docs.root_key) through these two calls, inside the caller's transaction.
 */
export interface PostgresIndexHooks {
  /** A duplicate link committed: the indexed doc `key`, if it is indexed, gets `rootKey` as its root. */
  setRoot(sql: Sql, key: string, rootKey: string): Promise<void>;
  /** A duplicate link released with its plan: the indexed doc `key` (if indexed) has no root any more. */
  clearRoot(sql: Sql, key: string): Promise<void>;
}

/** The hooks on the similarity index's tables: an UPDATE of similarity_docs, a ticket not indexed is left alone. */
export const similarityIndexHooks: PostgresIndexHooks = {
  async setRoot(sql, key, rootKey) {
    await indexOn(sql).setRoot(key, rootKey);
  },
  async clearRoot(sql, key) {
    await sql.run('UPDATE similarity_docs SET root_key = NULL WHERE key = $1', [key]);
  },
};

/** The similarity index on one connection (the pool, or a transaction's client). */
function indexOn(sql: Sql, options?: PostgresIndexOptions): PostgresCandidateIndex {
  return new PostgresCandidateIndex({ query: async (text, params) => ({ rows: await sql.rows(text, params) }) }, options);
}

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
  details: Record<string, string>;
}

interface ProblemRow {
  correlation_key: string;
  rule_id: string;
  source_id: string;
  group_key: string;
  group_values: string[];
  generation: number;
  status: 'open' | 'closed';
  opened_at: string;
  trigger: string;
}

interface ResolvedRow {
  key: string;
  resolved_at: string;
  code: string | null;
  notes: string | null;
}

const EVENT_COLUMNS = 'rule_id, ticket_key, source_id, group_key, native_id, number, version, created_at, title, details';
const PROBLEM_COLUMNS = 'correlation_key, rule_id, source_id, group_key, group_values, generation, status, opened_at, trigger';

/**
 * The PostgreSQL side of {@link HistoryStore}: duplicate families, rule marks, pattern history and
 * resolutions, with SqliteHistoryStore's semantics and orderings (keys and ISO times are
 * `COLLATE "C"`, so they order as in SQLite). Reads go to the pool; every change is fenced by the
 * store's lease, either through `write` or inside the batch transaction that calls {@link apply}.
 *
 * The similarity index (index, candidates, indexed, indexedCount, cluster) is a
 * {@link PostgresCandidateIndex} on the same database: `index` writes the indexed doc, its title
 * (indexed_titles) and, through {@link keepResolution}, its resolution in one fenced transaction;
 * `cluster` keeps the cluster key on the indexed doc (as SqliteHistoryStore.cluster does with
 * sim_docs.cluster_key); a duplicate's root is kept on it by {@link apply} and cleared by
 * {@link releasePlan} (see {@link PostgresIndexHooks}).
 */
export class PostgresHistoryStore implements HistoryStore {
  private readonly sql: Sql;
  /** The similarity index, read on the pool (writes go through {@link write} on the transaction's client). */
  private readonly index_: PostgresCandidateIndex;

  constructor(
    pool: pg.Pool,
    private readonly clock: () => Date,
    /** Runs a change in one transaction fenced by the store's lease. */
    private readonly write: PgWrite,
    private readonly indexHooks: PostgresIndexHooks = similarityIndexHooks,
    /** Bounds of the similarity index's queries (default: postgres-index.ts's). */
    private readonly indexOptions: PostgresIndexOptions = {},
  ) {
    this.sql = sqlOf(pool);
    this.index_ = indexOn(this.sql, indexOptions);
  }

  /** Indexes the ticket with its title and resolution, in one transaction fenced by the store's lease (source state). */
  async index(input: IndexDoc): Promise<void> {
    const { resolved, ...doc } = input;
    await this.write(
      async (sql) => {
        await indexOn(sql, this.indexOptions).upsert(doc);
        await this.keepTitle(sql, doc.key, doc.title);
        await this.keepResolution(sql, doc.key, resolved);
      },
      { sources: [doc.sourceId] },
    );
  }

  async candidates(query: CandidateQuery): Promise<DuplicateCandidate[]> {
    const found = await this.index_.query(query);
    const keys = found.map((c) => c.key);
    const titles = await this.titles(keys);
    const resolved = await this.resolutions(keys);
    return found.map((c) => ({
      ...indexedTicket(c, titles.get(c.key) ?? '', resolved.get(c.key)),
      score: c.score,
      textScore: c.textScore,
      sharedTerms: c.sharedTerms,
      matchedFields: c.matchedFields,
    }));
  }

  async indexed(key: string): Promise<IndexedTicket | undefined> {
    const doc = await this.index_.get(key);
    if (!doc) return undefined;
    return indexedTicket(doc, (await this.titles([key])).get(key) ?? '', (await this.resolutions([key])).get(key));
  }

  async indexedCount(): Promise<number> {
    return this.index_.size();
  }

  /**
   * The ticket's text cluster (SqliteHistoryStore.cluster): kept once assigned; else the ticket joins
   * its best earlier candidate's cluster if it scores at least `threshold`, or leads its own — the
   * query, the upsert and the cluster key in one fenced transaction.
   */
  async cluster(doc: SimilarityDoc & { title: string }, options: { threshold: number; createdAfter: string }): Promise<{ key: string; number: string }> {
    let leader = (await this.index_.get(doc.key))?.clusterKey;
    if (leader === undefined) {
      leader = await this.write(
        async (sql) => {
          await this.keepTitle(sql, doc.key, doc.title);
          return (await assignClusterAsync(indexOn(sql, this.indexOptions), doc, { threshold: options.threshold, createdAfter: options.createdAfter, sourceIds: [doc.sourceId] })).clusterKey;
        },
        { sources: [doc.sourceId] },
      );
    }
    return { key: leader, number: (await this.index_.get(leader))?.number ?? doc.number };
  }

  /** Keeps a ticket's indexed title (cut to 300 characters, as in SQLite). Inside the caller's transaction. */
  private async keepTitle(sql: Sql, key: string, title: string): Promise<void> {
    await sql.run('INSERT INTO indexed_titles (key, title) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET title = excluded.title', [key, title.slice(0, 300)]);
  }

  /** The indexed titles of these tickets (those without one are absent). */
  private async titles(keys: readonly string[], sql: Sql = this.sql): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await sql.rows<{ key: string; title: string }>('SELECT key, title FROM indexed_titles WHERE key = ANY($1::text[])', [[...keys]]);
    return new Map(rows.map((row) => [row.key, row.title]));
  }

  /**
   * Keeps (or, when absent, removes) a ticket's resolution: what SqliteHistoryStore.index does
   * besides indexing. Inside the caller's transaction; for the similarity index's `index`.
   */
  async keepResolution(sql: Sql, key: string, resolved: ResolvedRecord | undefined): Promise<void> {
    // A reopened ticket's old fix is no fix: only what the latest version says is kept.
    if (resolved) {
      await sql.run(
        `INSERT INTO resolved_tickets (key, resolved_at, code, notes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET resolved_at = excluded.resolved_at, code = excluded.code, notes = excluded.notes`,
        [key, resolved.resolvedAt, resolved.code ?? null, resolved.notes ?? null],
      );
    } else {
      await sql.run('DELETE FROM resolved_tickets WHERE key = $1', [key]);
    }
  }

  /** The resolutions kept for these tickets (those without one are absent): for `candidates` and `indexed`. */
  async resolutions(keys: readonly string[], sql: Sql = this.sql): Promise<Map<string, ResolvedRecord>> {
    if (keys.length === 0) return new Map();
    const rows = await sql.rows<ResolvedRow>('SELECT key, resolved_at, code, notes FROM resolved_tickets WHERE key = ANY($1::text[])', [[...keys]]);
    return new Map(rows.map((row) => [row.key, { resolvedAt: row.resolved_at, ...(row.code !== null ? { code: row.code } : {}), ...(row.notes !== null ? { notes: row.notes } : {}) }]));
  }

  async committedTickets(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.sql.rows<{ key: string }>('SELECT key FROM tickets WHERE key = ANY($1::text[])', [[...keys]]);
    const known = new Set(rows.map((r) => r.key));
    return new Set(keys.filter((key) => known.has(key)));
  }

  async duplicateRoot(key: string): Promise<string | undefined> {
    return (await this.sql.one<{ root_key: string }>('SELECT root_key FROM duplicate_links WHERE ticket_key = $1', [key]))?.root_key;
  }

  async hasDuplicates(key: string): Promise<boolean> {
    return (await this.sql.one('SELECT 1 AS one FROM duplicate_links WHERE root_key = $1 LIMIT 1', [key])) !== undefined;
  }

  async hasMark(ruleId: string, key: string, mark: string): Promise<boolean> {
    return (await this.sql.one('SELECT 1 AS one FROM rule_marks WHERE rule_id = $1 AND subject_key = $2 AND mark = $3', [ruleId, key, mark])) !== undefined;
  }

  /** The first mark in the order given that some rule set; of several rules, the least rule id (SQLite's index order). */
  async markedBy(key: string, marks: readonly string[]): Promise<string | undefined> {
    for (const mark of marks) {
      const row = await this.sql.one<{ rule_id: string }>('SELECT rule_id FROM rule_marks WHERE subject_key = $1 AND mark = $2 ORDER BY rule_id LIMIT 1', [key, mark]);
      if (row) return row.rule_id;
    }
    return undefined;
  }

  /**
   * A plan whose writes were superseded (someone changed the ticket) or died: what its dedup rules
   * recorded did not happen, so the next version of the ticket is judged afresh (see
   * SqliteHistoryStore.releasePlan). Inside the caller's transaction.
   */
  async releasePlan(sql: Sql, plan: string): Promise<void> {
    const links = await sql.rows<{ ticket_key: string }>('SELECT ticket_key FROM duplicate_links WHERE plan = $1 ORDER BY ticket_key', [plan]);
    for (const { ticket_key } of links) await this.indexHooks.clearRoot(sql, ticket_key);
    await sql.run('DELETE FROM duplicate_links WHERE plan = $1', [plan]);
    // A verdict stays given (it is in the QA log); what a plan was to write is released.
    // lower(): SQLite's `NOT LIKE 'qa@%'` ignores ASCII case.
    await sql.run(`DELETE FROM rule_marks WHERE plan = $1 AND NOT starts_with(lower(mark), 'qa@')`, [plan]);
  }

  async patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined> {
    const row = await this.sql.one<EventRow>(`SELECT ${EVENT_COLUMNS} FROM pattern_events WHERE rule_id = $1 AND ticket_key = $2`, [ruleId, ticketKey]);
    return row ? toEvent(row) : undefined;
  }

  async patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]> {
    const rows = await this.sql.rows<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM pattern_events WHERE rule_id = $1 AND group_key = $2 AND created_at >= $3 AND created_at < $4 ORDER BY created_at, ticket_key`,
      [ruleId, groupKey, from, to],
    );
    return rows.map(toEvent);
  }

  async countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number> {
    const row = await this.sql.one<{ n: number }>('SELECT count(*)::int AS n FROM pattern_events WHERE rule_id = $1 AND group_key = $2 AND created_at >= $3 AND created_at < $4', [
      ruleId,
      groupKey,
      from,
      to,
    ]);
    return row?.n ?? 0;
  }

  async firstPatternEventAt(ruleId: string): Promise<string | undefined> {
    return (await this.sql.one<{ at: string | null }>('SELECT min(created_at) AS at FROM pattern_events WHERE rule_id = $1', [ruleId]))?.at ?? undefined;
  }

  async latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined> {
    const row = await this.sql.one<ProblemRow>(`SELECT ${PROBLEM_COLUMNS} FROM pattern_problems WHERE rule_id = $1 AND group_key = $2 ORDER BY generation DESC, seq DESC LIMIT 1`, [ruleId, groupKey]);
    return row ? toProblem(row) : undefined;
  }

  async members(correlationKey: string): Promise<PatternEvent[]> {
    const rows = await this.sql.rows<EventRow>(
      `SELECT ${EVENT_COLUMNS.split(', ')
        .map((c) => `e.${c}`)
        .join(', ')} FROM pattern_members m JOIN pattern_events e ON e.rule_id = m.rule_id AND e.ticket_key = m.ticket_key
        WHERE m.correlation_key = $1 ORDER BY e.created_at, e.ticket_key`,
      [correlationKey],
    );
    return rows.map(toEvent);
  }

  /** Open problems of the source, oldest first; problems opened at one instant in the order they were recorded. */
  async openProblems(sourceId: string): Promise<PatternProblem[]> {
    const rows = await this.sql.rows<ProblemRow>(`SELECT ${PROBLEM_COLUMNS} FROM pattern_problems WHERE source_id = $1 AND status = 'open' ORDER BY opened_at, seq`, [sourceId]);
    return rows.map(toProblem);
  }

  async setProblemStatus(correlationKey: string, status: PatternProblem['status']): Promise<void> {
    await this.write((sql) => sql.run('UPDATE pattern_problems SET status = $1 WHERE correlation_key = $2', [status, correlationKey]));
  }

  /** A problem that could not be created is not open: the group may open a new one. Inside the caller's transaction. */
  async closeProblem(sql: Sql, correlationKey: string): Promise<void> {
    await sql.run(`UPDATE pattern_problems SET status = 'closed' WHERE correlation_key = $1`, [correlationKey]);
  }

  /**
   * A batch's history changes (SqliteHistoryStore.apply), inside the batch's transaction: one
   * statement per table (unnest of one array per column), not one per row — each is a round trip
   * while the batch holds its source's lease. ORDER BY n: of two copies of a row the first is kept,
   * and serial seqs follow the batch's order, as the per-row loop left them.
   */
  async apply(sql: Sql, changes: HistoryChanges): Promise<void> {
    const now = this.clock().toISOString();
    const { marks, duplicates, patternEvents, members } = changes;
    if (marks.length > 0) {
      await sql.run(
        `INSERT INTO rule_marks (rule_id, subject_key, mark, plan, created_at)
         SELECT rule_id, subject_key, mark, plan, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u (rule_id, subject_key, mark, plan, n)
         ORDER BY n ON CONFLICT DO NOTHING`,
        [marks.map((m) => m.ruleId), marks.map((m) => m.key), marks.map((m) => m.mark), marks.map((m) => m.plan ?? null), now],
      );
    }
    if (duplicates.length > 0) {
      await sql.run(
        `INSERT INTO duplicate_links (ticket_key, root_key, rule_id, plan, linked_at)
         SELECT ticket_key, root_key, rule_id, plan, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u (ticket_key, root_key, rule_id, plan, n)
         ORDER BY n ON CONFLICT DO NOTHING`,
        [duplicates.map((d) => d.key), duplicates.map((d) => d.rootKey), duplicates.map((d) => d.ruleId), duplicates.map((d) => d.plan ?? null), now],
      );
      // As SqliteHistoryStore.apply: the root is kept on the indexed doc (if indexed), for every copy in order (the last one stays),
      // through the hook, which may be another index's; duplicates are few.
      for (const d of duplicates) await this.indexHooks.setRoot(sql, d.key, d.rootKey);
    }
    if (patternEvents.length > 0) {
      const e = patternEvents;
      await sql.run(
        `INSERT INTO pattern_events (${EVENT_COLUMNS})
         SELECT ${EVENT_COLUMNS.replace('details', 'details::json')}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS u (${EVENT_COLUMNS}, n)
         ORDER BY n ON CONFLICT DO NOTHING`,
        [
          e.map((x) => x.ruleId),
          e.map((x) => x.ticketKey),
          e.map((x) => x.sourceId),
          e.map((x) => x.groupKey),
          e.map((x) => x.nativeId),
          e.map((x) => x.number),
          e.map((x) => x.version),
          e.map((x) => x.createdAt),
          e.map((x) => x.title),
          e.map((x) => JSON.stringify(x.details)),
        ],
      );
    }
    // One row per correlation key (ON CONFLICT DO UPDATE may not touch a row twice in one statement): the first copy,
    // at its place, with the last copy's status — the loop inserted the first and set the status of each later one.
    const problems: PatternProblem[] = [];
    const at = new Map<string, number>();
    for (const p of changes.problems) {
      const i = at.get(p.correlationKey);
      const first = i !== undefined ? problems[i] : undefined;
      if (i !== undefined && first) problems[i] = { ...first, status: p.status };
      else {
        at.set(p.correlationKey, problems.length);
        problems.push(p);
      }
    }
    if (problems.length > 0) {
      const p = problems;
      await sql.run(
        `INSERT INTO pattern_problems (${PROBLEM_COLUMNS})
         SELECT ${PROBLEM_COLUMNS.replace('group_values', 'group_values::json')}
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS u (${PROBLEM_COLUMNS}, n)
         ORDER BY n ON CONFLICT (correlation_key) DO UPDATE SET status = excluded.status`,
        [
          p.map((x) => x.correlationKey),
          p.map((x) => x.ruleId),
          p.map((x) => x.sourceId),
          p.map((x) => x.groupKey),
          p.map((x) => JSON.stringify(x.groupValues)),
          p.map((x) => x.generation),
          p.map((x) => x.status),
          p.map((x) => x.openedAt),
          p.map((x) => x.trigger),
        ],
      );
    }
    if (members.length > 0) {
      await sql.run(
        `INSERT INTO pattern_members (correlation_key, rule_id, ticket_key)
         SELECT correlation_key, rule_id, ticket_key FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u (correlation_key, rule_id, ticket_key, n)
         ORDER BY n ON CONFLICT DO NOTHING`,
        [members.map((m) => m.correlationKey), members.map((m) => m.ruleId), members.map((m) => m.ticketKey)],
      );
    }
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
    details: row.details,
  };
}

function toProblem(row: ProblemRow): PatternProblem {
  return {
    correlationKey: row.correlation_key,
    ruleId: row.rule_id,
    sourceId: row.source_id,
    groupKey: row.group_key,
    groupValues: row.group_values,
    generation: row.generation,
    status: row.status,
    openedAt: row.opened_at,
    trigger: row.trigger,
  };
}
