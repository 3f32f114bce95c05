import { averageLengths, compareCandidates } from './memory-index.js';
import { analyse, combineScore, DEFAULT_RECENCY, DEFAULT_SCORING, idf, maskSet, matchFields, recencyFactor, scoreText, selfScore, termWeights, withoutMasked, type ScoringParams } from './scoring.js';
import { termKind, type MaskableTermKind } from './term-kind.js';
import type { Candidate, CandidateQuery, IndexedDoc, SimilarityDoc } from './types.js';

/**
 * The similarity index on PostgreSQL: the same inverted tables as the idea of the SQLite index
 * (documents with their stored term vector, postings term → document with its weight, document
 * frequencies), scored in TypeScript with the very functions of {@link MemoryCandidateIndex}
 * (analyse, termWeights, idf, scoreText, matchFields, combineScore, recencyFactor), so that a query
 * returns the memory index's candidates with the same scores.
 *
 * Tables (see {@link POSTGRES_SIMILARITY_SCHEMA_SQL}):
 * - `similarity_meta`: one row — ticket count and the sums of title and body lengths (the average
 *   lengths BM25F normalises by), locked FOR UPDATE by every upsert, which serialises upserts (and so
 *   keeps document frequencies and the sums consistent between daemons);
 * - `similarity_terms`: term → id, document frequency, maskable kind (term-kind.ts);
 * - `similarity_docs`: a ticket's identity, creation time, fields (as given and normalised for
 *   `equalFields`), its term vector (`term_ids int[]`, `weights float8[]`, in the order termWeights
 *   made it, so sums run in the memory index's order), field lengths, duplicate root and cluster;
 * - `similarity_postings`: (term, source, created_ms, doc) → weight, its primary key the index a query
 *   reads: one range per term, inside the source and look-back window.
 *
 * A query reads the postings of its most telling terms (query weight × idf, highest first) while
 * their document frequencies fit `maxPostingsPerQuery` (the first is always read; a term that would
 * overrun is skipped, a later smaller one may still fit), sums the partial scores in SQL, ranks
 * them as the final score would (the ticket's stored self-score — `self_hint`, recomputed each
 * time the index doubles — for the length normalisation, matched field weights, recency prior) and
 * re-scores exactly, in TypeScript, the `rescoreLimit` best with their full stored vectors and the
 * current document frequencies: 2 round trips. With both bounds `Infinity` every ticket sharing a
 * term is scored: the memory index's result exactly (bit for bit in the tests).
 * Measured (bench/similarity-postgres.ts, 10k desk tickets, 300 queries, loaded 2-core machine):
 * defaults 20 queries/s (p50 47 ms) with the exhaustive top 10 in 300/300 queries; exhaustive 2/s.
 *
 * Methods are async. `upsert` is a locked read then one statement: give the index a client inside
 * a transaction (the store's), or a `transaction` option that runs one on a pool.
 */
export interface PgQueryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface PostgresIndexOptions {
  scoring?: ScoringParams;
  /** Most postings (by document frequency) a query reads; default 30,000. `Infinity`: all of the query's terms. */
  maxPostingsPerQuery?: number;
  /**
   * How many tickets are re-scored exactly, the best by partial score (read terms only, normalised by
   * the ticket's stored self-score, raised by matched field weights, times the recency prior);
   * default 200. `Infinity`: every ticket read.
   */
  rescoreLimit?: number;
  /** Runs an upsert's statements in one transaction (e.g. on a pool); default: on the client as given (the caller's transaction). */
  transaction?: <T>(fn: (db: PgQueryable) => Promise<T>) => Promise<T>;
}

/** DDL of the index (a store migration runs it). */
export const POSTGRES_SIMILARITY_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS similarity_meta (
  id smallint PRIMARY KEY CHECK (id = 1),
  doc_count integer NOT NULL,
  title_len_sum bigint NOT NULL,
  body_len_sum bigint NOT NULL,
  hint_count integer NOT NULL DEFAULT 0
);
INSERT INTO similarity_meta (id, doc_count, title_len_sum, body_len_sum) VALUES (1, 0, 0, 0) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS similarity_terms (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  term text NOT NULL UNIQUE,
  df integer NOT NULL,
  kind text
);
CREATE TABLE IF NOT EXISTS similarity_docs (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key text NOT NULL UNIQUE,
  source_id text NOT NULL,
  native_id text NOT NULL,
  number text NOT NULL,
  version text NOT NULL,
  created_at text NOT NULL,
  created_ms bigint NOT NULL,
  fields jsonb NOT NULL,
  fields_norm jsonb NOT NULL,
  term_ids integer[] NOT NULL,
  weights double precision[] NOT NULL,
  title_len integer NOT NULL,
  body_len integer NOT NULL,
  self_hint double precision NOT NULL,
  root_key text,
  cluster_key text
);
CREATE TABLE IF NOT EXISTS similarity_postings (
  term_id integer NOT NULL,
  source_id text NOT NULL,
  created_ms bigint NOT NULL,
  doc_id integer NOT NULL,
  weight double precision NOT NULL,
  PRIMARY KEY (term_id, source_id, created_ms, doc_id)
);
`;

export const schemaSql = POSTGRES_SIMILARITY_SCHEMA_SQL;

const DEFAULT_MAX_POSTINGS = 30_000;
const DEFAULT_RESCORE_LIMIT = 200;
/** Below this many tickets stored self-scores are not refreshed (a query there re-scores about everything anyway). */
const HINT_REFRESH_MIN = 64;

type Row = Record<string, unknown>;

function rowOf(value: unknown): Row {
  if (typeof value !== 'object' || value === null) throw new Error('similarity index: unexpected row');
  return value as Row;
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  throw new Error(`similarity index: expected a number, got ${typeof value}`);
}

function optNum(value: unknown): number | undefined {
  return value === null || value === undefined ? undefined : num(value);
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new Error(`similarity index: expected a string, got ${typeof value}`);
}

function optStr(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : str(value);
}

function numArray(value: unknown): number[] {
  if (!Array.isArray(value)) throw new Error('similarity index: expected an array');
  return value.map(num);
}

function optStrArray(value: unknown): (string | undefined)[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new Error('similarity index: expected an array');
  return value.map(optStr);
}

function fieldsOf(value: unknown): Record<string, string | undefined> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const out: Record<string, string | undefined> = {};
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** A field as `fieldEquals` compares it; undefined when it can never be equal (absent or blank). Exported for `state migrate`, which fills `fields_norm` from a SQLite index's rows. */
export function normField(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const x = value.trim().toLowerCase();
  return x === '' ? undefined : x;
}

function indexedDoc(r: Row): IndexedDoc {
  return {
    key: str(r.key),
    sourceId: str(r.source_id),
    nativeId: str(r.native_id),
    number: str(r.number),
    version: str(r.version),
    createdAt: str(r.created_at),
    rootKey: optStr(r.root_key),
    clusterKey: optStr(r.cluster_key),
  };
}

/** Distinct terms of an analysed document in first-occurrence order (title, then body): termWeights's order. */
function termsInOrder(a: { title: string[]; body: string[] }): string[] {
  return [...new Set([...a.title, ...a.body])];
}

export class PostgresCandidateIndex {
  private readonly params: ScoringParams;
  private readonly maxPostings: number;
  private readonly rescoreLimit: number;
  private readonly transaction: <T>(fn: (db: PgQueryable) => Promise<T>) => Promise<T>;

  constructor(
    private readonly db: PgQueryable,
    options: PostgresIndexOptions = {},
  ) {
    this.params = options.scoring ?? DEFAULT_SCORING;
    this.maxPostings = options.maxPostingsPerQuery ?? DEFAULT_MAX_POSTINGS;
    this.rescoreLimit = options.rescoreLimit ?? DEFAULT_RESCORE_LIMIT;
    this.transaction = options.transaction ?? ((fn) => fn(this.db));
  }

  /** Adds the ticket, or replaces the indexed version of the same key (duplicate root and cluster kept). */
  async upsert(doc: SimilarityDoc): Promise<void> {
    const analysed = analyse(doc, this.params);
    const distinct = termsInOrder(analysed);
    await this.transaction(async (db) => {
      // 1: lock the meta row (serialising upserts), the previous version, the document frequencies of the new terms.
      const head = (
        await db.query(
          `SELECT m.doc_count, m.title_len_sum, m.body_len_sum, m.hint_count, d.id, d.source_id, d.created_ms, d.term_ids, d.title_len, d.body_len, t.id AS term_id, t.term, t.df
             FROM similarity_meta m LEFT JOIN similarity_docs d ON d.key = $1 LEFT JOIN similarity_terms t ON t.term = ANY($2::text[])
            WHERE m.id = 1 FOR UPDATE OF m`,
          [doc.key, distinct],
        )
      ).rows.map(rowOf);
      const first = head[0];
      if (!first) throw new Error('similarity index: similarity_meta has no row (was the schema created?)');
      const oldId = optNum(first.id);
      const oldIds = oldId === undefined ? [] : numArray(first.term_ids);
      const oldTitle = oldId === undefined ? 0 : num(first.title_len);
      const oldBody = oldId === undefined ? 0 : num(first.body_len);
      // As the memory index: the previous version's lengths leave the sums while the count still
      // holds it (the memory index removes, then weighs, then replaces in its map).
      const count = num(first.doc_count);
      const vec = termWeights(analysed, averageLengths(count, num(first.title_len_sum) - oldTitle, num(first.body_len_sum) - oldBody), this.params);
      const old = new Set(oldIds);
      const dfNow = new Map<string, number>();
      for (const r of head) if (r.term !== null && r.term !== undefined) dfNow.set(str(r.term), num(r.df) + 1 - (old.has(num(r.term_id)) ? 1 : 0));
      // The ticket's self-score with the idf of now: a bounded query ranks its partial scores by it
      // (it drifts as the corpus grows; final scores use the document frequencies of the query's time).
      const countAfter = count + (oldId === undefined ? 1 : 0);
      const selfHint = selfScore(vec, (t) => idf(dfNow.get(t) ?? 1, countAfter, this.params.idfPower));
      const terms = [...vec.keys()];
      const fieldsNorm: Record<string, string> = {};
      for (const [k, v] of Object.entries(doc.fields)) {
        const x = normField(v);
        if (x !== undefined) fieldsNorm[k] = x;
      }
      const createdMs = Date.parse(doc.createdAt);
      // 2: one statement: terms added (df 1) or counted (+1 new, −1 gone), meta, the document row, its postings.
      await db.query(
        `WITH newt AS (SELECT u.t, u.k, u.w, u.ord FROM unnest($10::text[], $11::text[], $12::float8[]) WITH ORDINALITY AS u(t, k, w, ord)),
         old AS (SELECT DISTINCT o.id FROM unnest($15::int[]) AS o(id)),
         ins AS (
           INSERT INTO similarity_terms (term, df, kind)
           SELECT n.t, 1, n.k FROM newt n WHERE NOT EXISTS (SELECT 1 FROM similarity_terms s WHERE s.term = n.t) ORDER BY n.t
           ON CONFLICT (term) DO NOTHING RETURNING id, term),
         have AS (SELECT s.id, n.t FROM newt n JOIN similarity_terms s ON s.term = n.t),
         ids AS (SELECT id, term AS t FROM ins UNION ALL SELECT id, t FROM have),
         delta AS (SELECT coalesce(h.id, o.id) AS id, (h.id IS NOT NULL)::int - (o.id IS NOT NULL)::int AS delta FROM have h FULL JOIN old o ON o.id = h.id),
         upd AS (UPDATE similarity_terms s SET df = s.df + x.delta FROM delta x WHERE s.id = x.id AND x.delta <> 0),
         m AS (UPDATE similarity_meta SET doc_count = doc_count + $19, title_len_sum = title_len_sum + $20, body_len_sum = body_len_sum + $21 WHERE id = 1),
         d AS (
           INSERT INTO similarity_docs (key, source_id, native_id, number, version, created_at, created_ms, fields, fields_norm, term_ids, weights, title_len, body_len, self_hint)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb,
                   coalesce((SELECT array_agg(i.id ORDER BY n.ord) FROM newt n JOIN ids i ON i.t = n.t), '{}'), $12::float8[], $13, $14, $22)
           ON CONFLICT (key) DO UPDATE SET source_id = EXCLUDED.source_id, native_id = EXCLUDED.native_id, number = EXCLUDED.number, version = EXCLUDED.version,
             created_at = EXCLUDED.created_at, created_ms = EXCLUDED.created_ms, fields = EXCLUDED.fields, fields_norm = EXCLUDED.fields_norm,
             term_ids = EXCLUDED.term_ids, weights = EXCLUDED.weights, title_len = EXCLUDED.title_len, body_len = EXCLUDED.body_len, self_hint = EXCLUDED.self_hint
           RETURNING id),
         del AS (
           DELETE FROM similarity_postings p USING old o
            WHERE p.term_id = o.id AND p.source_id = $17 AND p.created_ms = $18 AND p.doc_id = $16
              AND ($17 <> $2 OR $18 <> $7 OR NOT EXISTS (SELECT 1 FROM have h WHERE h.id = o.id)))
         INSERT INTO similarity_postings (term_id, source_id, created_ms, doc_id, weight)
         SELECT i.id, $2, $7, d.id, n.w FROM d, newt n JOIN ids i ON i.t = n.t
         ON CONFLICT (term_id, source_id, created_ms, doc_id) DO UPDATE SET weight = EXCLUDED.weight`,
        [
          doc.key,
          doc.sourceId,
          doc.nativeId,
          doc.number,
          doc.version,
          doc.createdAt,
          createdMs,
          JSON.stringify(doc.fields),
          JSON.stringify(fieldsNorm),
          terms,
          terms.map((t) => termKind(t) ?? null),
          terms.map((t) => vec.get(t) ?? 0),
          analysed.title.length,
          analysed.body.length,
          oldIds,
          oldId ?? null,
          oldId === undefined ? null : str(first.source_id),
          oldId === undefined ? null : num(first.created_ms),
          oldId === undefined ? 1 : 0,
          analysed.title.length - oldTitle,
          analysed.body.length - oldBody,
          selfHint,
        ],
      );
      // Stored self-scores drift as the corpus grows (early tickets were weighed against a small one):
      // all are recomputed with the document frequencies of now each time the index doubles.
      if (countAfter >= HINT_REFRESH_MIN && countAfter >= 2 * num(first.hint_count)) await this.refreshHints(db);
    });
  }

  /**
   * Recomputes every ticket's stored self-score (which only ranks the partial scores of a bounded
   * query) with the document frequencies of now; upsert runs it each time the index doubles in size.
   */
  async refreshHints(db: PgQueryable = this.db): Promise<void> {
    await db.query(
      `WITH h AS (
         SELECT d.id, sum(power(ln(1 + (m.doc_count - t.df + 0.5) / (t.df + 0.5)), $1::float8) * u.w * u.w) AS hint
           FROM similarity_meta m CROSS JOIN similarity_docs d CROSS JOIN LATERAL unnest(d.term_ids, d.weights) AS u(id, w) JOIN similarity_terms t ON t.id = u.id
          WHERE m.id = 1 GROUP BY d.id),
       m AS (UPDATE similarity_meta SET hint_count = doc_count WHERE id = 1)
       UPDATE similarity_docs d SET self_hint = h.hint FROM h WHERE d.id = h.id`,
      [this.params.idfPower],
    );
  }

  /** Best first; the memory index's candidates and scores (exactly, when the bounds are not reached). */
  async query(q: CandidateQuery): Promise<Candidate[]> {
    const weights = q.fieldWeights ?? {};
    // equalFields: a candidate's field must equal the query's (fieldEquals); a blank or absent query field matches nothing.
    let equal: Record<string, string> | undefined;
    if (q.equalFields && q.equalFields.length > 0) {
      equal = {};
      for (const f of q.equalFields) {
        const x = normField(q.doc.fields[f]);
        if (x === undefined) return [];
        equal[f] = x;
      }
    }
    const mask = maskSet(q.mask);
    const analysed = analyse(q.doc, this.params);
    const queryTerms = termsInOrder(analysed).filter((t) => !isMasked(t, mask));
    const headRows = (
      await this.db.query(
        `SELECT m.doc_count, m.title_len_sum, m.body_len_sum, (SELECT id FROM similarity_docs WHERE key = $2) AS self_id, t.id, t.term, t.df
           FROM similarity_meta m LEFT JOIN similarity_terms t ON t.term = ANY($1::text[]) WHERE m.id = 1`,
        [queryTerms, q.doc.key],
      )
    ).rows.map(rowOf);
    const head = headRows[0];
    if (!head) throw new Error('similarity index: similarity_meta has no row (was the schema created?)');
    const n = num(head.doc_count);
    const selfId = optNum(head.self_id);
    const dfOf = new Map<string, number>();
    const idOf = new Map<string, number>();
    for (const r of headRows) {
      if (r.term === null || r.term === undefined) continue;
      dfOf.set(str(r.term), num(r.df));
      idOf.set(str(r.term), num(r.id));
    }
    const avg = averageLengths(n, num(head.title_len_sum), num(head.body_len_sum));
    const qvecByTerm = withoutMasked(termWeights(analysed, avg, this.params), mask, termKind);
    // Keyed by term id, in the same order (terms the index lacks get ids of their own below 0).
    const qvec = new Map<number, number>();
    const nameOf = new Map<number, string>();
    const idfById = new Map<number, number>();
    let unknown = 0;
    for (const [term, w] of qvecByTerm) {
      const id = idOf.get(term) ?? --unknown;
      qvec.set(id, w);
      nameOf.set(id, term);
      idfById.set(id, idf(dfOf.get(term) ?? 0, n, this.params.idfPower));
    }
    const idfOf = (id: number): number => idfById.get(id) ?? idf(0, n, this.params.idfPower);
    const self = selfScore(qvec, idfOf);

    // Terms to read: known ones, most telling first, while their postings fit the budget.
    const known = [...qvec.entries()].filter(([id]) => id > 0).sort((a, b) => b[1] * idfOf(b[0]) - a[1] * idfOf(a[0]) || a[0] - b[0]);
    const read: number[] = [];
    const coef: number[] = [];
    let budget = this.maxPostings;
    for (const [id, wq] of known) {
      const df = dfOf.get(nameOf.get(id) ?? '') ?? 0;
      if (read.length > 0 && df > budget) continue;
      read.push(id);
      coef.push(idfOf(id) * wq);
      budget -= df;
    }
    if (read.length === 0) return [];

    const sources = [...new Set(q.sourceIds ?? [q.doc.sourceId])];
    const after = q.createdAfter === undefined ? Number.MIN_SAFE_INTEGER : Date.parse(q.createdAfter);
    const before = Date.parse(q.createdBefore);
    const recency = q.recency ?? DEFAULT_RECENCY;
    const queryMs = Date.parse(q.doc.createdAt);
    const bounded = Number.isFinite(this.rescoreLimit);
    const params: unknown[] = [read, coef, sources, after, before, selfId ?? null];
    const p = (value: unknown): string => `$${params.push(value)}`;
    // Bounded: the partial scores (read terms only) ranked as the final score would rank them: the
    // text score with the ticket's stored self-score (see refreshHints) for the normalisation,
    // raised by the matched field weights (combineScore), times the recency prior. The best
    // `rescoreLimit` are re-scored.
    let top = 'SELECT doc_id FROM partial';
    if (bounded) {
      const qSelf = p(self);
      const slope = p(this.params.pivotSlope);
      const weight = p(recency.weight > 0 ? recency.weight : 0);
      const half = p(recency.weight > 0 ? Math.max(recency.halfLifeDays, 1e-9) : 1);
      const at = p(queryMs);
      const text = `least(1, pa.partial / sqrt(greatest(${qSelf}::float8 * CASE WHEN h.self_hint > ${qSelf}::float8 THEN (1 - ${slope}::float8) * ${qSelf}::float8 + ${slope}::float8 * h.self_hint ELSE h.self_hint END, 1e-300)))`;
      const gaps = Object.entries(weights).flatMap(([f, w]) => {
        const v = normField(q.doc.fields[f]);
        const clamped = Math.min(1, Math.max(0, w));
        return v === undefined || clamped === 0 ? [] : [`CASE WHEN h.fields_norm ->> ${p(f)}::text = ${p(v)}::text THEN ${p(1 - clamped)}::float8 ELSE 1 END`];
      });
      const combined = gaps.length === 0 ? text : `(1 - (1 - ${text}) * ${gaps.join(' * ')})`;
      top = `SELECT pa.doc_id FROM partial pa JOIN similarity_docs h ON h.id = pa.doc_id
         ORDER BY ${combined} * (1 - ${weight}::float8 + ${weight}::float8 * power(2::float8, greatest(-1000, -greatest(0, ${at}::float8 - h.created_ms) / 86400000.0 / ${half}::float8))) DESC, pa.doc_id
         LIMIT ${p(this.rescoreLimit)}::bigint`;
    }
    const equalJoin = equal ? `JOIN similarity_docs e ON e.id = p.doc_id AND e.fields_norm @> ${p(JSON.stringify(equal))}::jsonb` : '';
    const rows = (
      await this.db.query(
        `WITH c AS (SELECT * FROM unnest($1::int[], $2::float8[]) AS c(term_id, coef)),
         partial AS (
           SELECT p.doc_id, sum(c.coef * p.weight) AS partial
             FROM c JOIN similarity_postings p ON p.term_id = c.term_id AND p.source_id = ANY($3::text[]) AND p.created_ms >= $4 AND p.created_ms < $5
             ${equalJoin}
            WHERE p.doc_id IS DISTINCT FROM $6::int
            GROUP BY p.doc_id),
         top AS (${top})
         SELECT d.key, d.source_id, d.native_id, d.number, d.version, d.created_at, d.created_ms, d.fields, d.term_ids, d.weights, d.root_key, d.cluster_key, x.dfs, x.kinds
           FROM top JOIN similarity_docs d ON d.id = top.doc_id
           CROSS JOIN LATERAL (
             SELECT array_agg(t.df ORDER BY u.ord) AS dfs, ${mask ? 'array_agg(t.kind ORDER BY u.ord)' : 'NULL::text[]'} AS kinds
               FROM unnest(d.term_ids) WITH ORDINALITY AS u(id, ord) JOIN similarity_terms t ON t.id = u.id) x`,
        params,
      )
    ).rows.map(rowOf);

    const out: Candidate[] = [];
    for (const r of rows) {
      const termIds = numArray(r.term_ids);
      const ws = numArray(r.weights);
      const dfs = numArray(r.dfs);
      const kinds = optStrArray(r.kinds);
      const dvecAll = new Map<number, number>();
      const kindOf = new Map<number, MaskableTermKind>();
      termIds.forEach((id, i) => {
        dvecAll.set(id, ws[i] ?? 0);
        if (!idfById.has(id)) idfById.set(id, idf(dfs[i] ?? 0, n, this.params.idfPower));
        const kind = kinds[i];
        if (kind !== undefined) kindOf.set(id, kind as MaskableTermKind);
      });
      const dvec = withoutMasked(dvecAll, mask, (id) => kindOf.get(id));
      const candidateSelf = selfScore(dvec, idfOf);
      const text = scoreText(qvec, dvec, idfOf, self, (id) => nameOf.get(id) ?? '', candidateSelf, this.params.pivotSlope);
      if (text.raw <= 0) continue;
      const fields = fieldsOf(r.fields);
      const matchedFields = matchFields(q.doc.fields, fields, Object.keys(weights));
      out.push({
        ...indexedDoc(r),
        score:
          combineScore(
            text.score,
            matchedFields.map((f) => weights[f] ?? 0),
          ) * recencyFactor(queryMs - num(r.created_ms), recency),
        textScore: text.score,
        sharedTerms: text.sharedTerms,
        matchedFields,
      });
    }
    return out.sort(compareCandidates).slice(0, q.limit);
  }

  /** Remembers "key is a duplicate of rootKey" (a ticket not indexed is ignored, as in the memory index). */
  async setRoot(key: string, rootKey: string): Promise<void> {
    await this.db.query('UPDATE similarity_docs SET root_key = $2 WHERE key = $1', [key, rootKey]);
  }

  /** Remembers the text cluster of a ticket. */
  async setCluster(key: string, clusterKey: string): Promise<void> {
    await this.db.query('UPDATE similarity_docs SET cluster_key = $2 WHERE key = $1', [key, clusterKey]);
  }

  async get(key: string): Promise<IndexedDoc | undefined> {
    const r = (await this.db.query('SELECT key, source_id, native_id, number, version, created_at, root_key, cluster_key FROM similarity_docs WHERE key = $1', [key])).rows[0];
    return r === undefined ? undefined : indexedDoc(rowOf(r));
  }

  async size(): Promise<number> {
    const r = (await this.db.query('SELECT doc_count FROM similarity_meta WHERE id = 1')).rows[0];
    return r === undefined ? 0 : num(rowOf(r).doc_count);
  }
}

function isMasked(term: string, mask: ReadonlySet<MaskableTermKind> | undefined): boolean {
  if (mask === undefined) return false;
  const kind = termKind(term);
  return kind !== undefined && mask.has(kind);
}

/**
 * A `transaction` option for a `pg.Pool`-like pool: each upsert on one connection between BEGIN and
 * COMMIT (ROLLBACK on error).
 */
export function poolTransaction(pool: { connect(): Promise<PgQueryable & { release(destroy?: boolean): void }> }): <T>(fn: (db: PgQueryable) => Promise<T>) => Promise<T> {
  return async <T>(fn: (db: PgQueryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  };
}
