import type Database from 'better-sqlite3';
import { averageLengths, compareCandidates } from './memory-index.js';
import { analyse, combineScore, DEFAULT_RECENCY, DEFAULT_SCORING, recencyFactor, fieldEquals, idf, matchFields, scoreText, selfScore, termWeights, type ScoringParams } from './scoring.js';
import type { Candidate, CandidateIndex, CandidateQuery, IndexedDoc, SimilarityDoc } from './types.js';

/**
 * Tables of the candidate index. Postings are clustered by (term, source, created) so a query
 * reads, per term, one short B-tree range of the newest tickets in its look-back window: the cost
 * of a query is bounded by (query terms × postings cap), not by the number of tickets indexed.
 * A document's full term vector is kept on its row (packed) for exact re-scoring and for
 * deleting its postings when a new version replaces it.
 */
export const SIMILARITY_SCHEMA_SQL = `
CREATE TABLE sim_sources (
  id INTEGER PRIMARY KEY,
  source_id TEXT NOT NULL UNIQUE
);
CREATE TABLE sim_terms (
  id INTEGER PRIMARY KEY,
  term TEXT NOT NULL UNIQUE,
  df INTEGER NOT NULL
);
CREATE TABLE sim_docs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  source_no INTEGER NOT NULL,
  native_id TEXT NOT NULL,
  number TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  fields TEXT NOT NULL,
  title_len INTEGER NOT NULL,
  body_len INTEGER NOT NULL,
  vec BLOB NOT NULL,
  posted BLOB NOT NULL,
  root_key TEXT,
  cluster_key TEXT
);
CREATE TABLE sim_postings (
  term_id INTEGER NOT NULL,
  source_no INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  doc_id INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  PRIMARY KEY (term_id, source_no, created_ms, doc_id)
) WITHOUT ROWID;
CREATE TABLE sim_stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  docs INTEGER NOT NULL,
  title_len_sum INTEGER NOT NULL,
  body_len_sum INTEGER NOT NULL
);
`;

export interface SqliteIndexOptions {
  readonly scoring: ScoringParams;
  /** Postings written per ticket: its highest-weighted terms (weight × idf at insert time). The full vector is still kept for scoring. */
  readonly maxPostingsPerDoc: number;
  /** Query terms used to find candidates: the query's highest-weighted ones. */
  readonly maxQueryTerms: number;
  /** Postings read per query term and source, newest first. */
  readonly postingsCap: number;
  /**
   * Postings read per query in all, over all terms and sources: terms are read most telling
   * first, each up to `postingsCap`, until this budget is spent. Bounds the cost of a query
   * whatever the index size and query length.
   */
  readonly maxPostingsPerQuery: number;
  /**
   * Terms in more than this share of tickets are skipped when finding candidates (once the index
   * holds 1,000+): their postings would only fill the budget with weak partial scores. If every
   * query term is that common, the rarest ones are read anyway.
   */
  readonly maxDocFrequency: number;
  /** Candidates re-scored exactly, at least; more when `limit` is large. */
  readonly rescoreMin: number;
  /** Term name → id lookups kept in memory (a cache; SQLite holds them all). */
  readonly termCacheSize: number;
}

export const DEFAULT_SQLITE_INDEX_OPTIONS: SqliteIndexOptions = {
  scoring: DEFAULT_SCORING,
  maxPostingsPerDoc: 32,
  maxQueryTerms: 32,
  postingsCap: 1000,
  maxPostingsPerQuery: 8000,
  maxDocFrequency: 0.05,
  rescoreMin: 100,
  termCacheSize: 200_000,
};

// Rows (or ids) per multi-row statement.
const BATCH = 32;

// Postings store weights as integers (thousandths): 2 bytes instead of an 8-byte REAL.
const WEIGHT_SCALE = 1000;

interface DocRow {
  id: number;
  key: string;
  source_no: number;
  native_id: string;
  number: string;
  version: string;
  created_at: string;
  created_ms: number;
  fields: string;
  title_len: number;
  body_len: number;
  vec: Buffer;
  posted: Buffer;
  root_key: string | null;
  cluster_key: string | null;
}

interface StatsRow {
  docs: number;
  title_len_sum: number;
  body_len_sum: number;
}

/**
 * Document frequencies by term id, in memory: 4 bytes per term of the vocabulary (never per
 * ticket), filled lazily from `sim_terms` (-1 = not loaded yet). Exact re-scoring needs the idf
 * of every term of every candidate, so this is what keeps a query from doing hundreds of lookups.
 */
class DfArray {
  private data = new Int32Array(1024).fill(-1);

  get(id: number): number {
    return id < this.data.length ? (this.data[id] ?? -1) : -1;
  }

  set(id: number, df: number): void {
    if (id >= this.data.length) {
      let size = this.data.length;
      while (size <= id) size *= 2;
      const grown = new Int32Array(size).fill(-1);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[id] = df;
  }

  bytes(): number {
    return this.data.byteLength;
  }

  clear(): void {
    this.data.fill(-1);
  }
}

/**
 * Candidate index over tables created by {@link SIMILARITY_SCHEMA_SQL}. Not thread-safe; one
 * writer (the daemon). Each `upsert` is its own transaction unless the caller wraps many in
 * `db.transaction` (much faster for bulk loads).
 *
 * Memory: a document-frequency array over the vocabulary (4 bytes a term) and a bounded cache of
 * term ids; nothing grows with the number of tickets. The caller owns the connection's PRAGMAs
 * (WAL + synchronous=NORMAL works; a larger `cache_size` speeds bulk loads, see README).
 */
export class SqliteCandidateIndex implements CandidateIndex {
  private readonly options: SqliteIndexOptions;
  private readonly stmts;
  private readonly termIds = new Map<string, number>();
  private readonly df = new DfArray();
  private readonly batchStmts = new Map<number, Database.Statement<unknown[]>>();
  private readonly sourceNos = new Map<string, number>();
  private readonly sourceIds = new Map<number, string>();
  private stats: StatsRow;
  private readonly upsertTx: (docs: Iterable<SimilarityDoc>) => void;
  /** Writes deferred to the end of an `upsertMany` batch (same transaction). */
  private pending: { postings: [number, number, number, number, number][]; df: Set<number>; keys: Set<string> } | undefined;

  constructor(
    private readonly db: Database.Database,
    options: Partial<SqliteIndexOptions> = {},
  ) {
    this.options = { ...DEFAULT_SQLITE_INDEX_OPTIONS, ...options };
    // Read first: a write here would wait on (and fail behind) another process's write lock, and a
    // daemon opening the state file to wait for a paused holder must not need that lock.
    if (!db.prepare('SELECT 1 FROM sim_stats WHERE id = 1').get()) db.prepare('INSERT OR IGNORE INTO sim_stats (id, docs, title_len_sum, body_len_sum) VALUES (1, 0, 0, 0)').run();
    this.stmts = {
      stats: db.prepare<[], StatsRow>('SELECT docs, title_len_sum, body_len_sum FROM sim_stats WHERE id = 1'),
      setStats: db.prepare('UPDATE sim_stats SET docs = ?, title_len_sum = ?, body_len_sum = ? WHERE id = 1'),
      source: db.prepare<[string], { id: number }>('SELECT id FROM sim_sources WHERE source_id = ?'),
      sourceById: db.prepare<[number], { source_id: string }>('SELECT source_id FROM sim_sources WHERE id = ?'),
      addSource: db.prepare('INSERT INTO sim_sources (source_id) VALUES (?)'),
      term: db.prepare<[string], { id: number; df: number }>('SELECT id, df FROM sim_terms WHERE term = ?'),
      dfById: db.prepare<[number], number>('SELECT df FROM sim_terms WHERE id = ?').pluck(true),
      addTerm: db.prepare('INSERT INTO sim_terms (term, df) VALUES (?, 0)'),
      setDf: db.prepare('UPDATE sim_terms SET df = ? WHERE id = ?'),
      docByKey: db.prepare<[string], DocRow>('SELECT * FROM sim_docs WHERE key = ?'),
      docById: db.prepare<[number], DocRow>('SELECT * FROM sim_docs WHERE id = ?'),
      deleteDoc: db.prepare('DELETE FROM sim_docs WHERE id = ?'),
      insertDoc: db.prepare(
        `INSERT INTO sim_docs (key, source_no, native_id, number, version, created_at, created_ms, fields, title_len, body_len, vec, posted, root_key, cluster_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deletePosting: db.prepare('DELETE FROM sim_postings WHERE term_id = ? AND source_no = ? AND created_ms = ? AND doc_id = ?'),
      postings: db
        .prepare<[number, number, number, number, number], [number, number]>(
          `SELECT doc_id, weight FROM sim_postings
           WHERE term_id = ? AND source_no = ? AND created_ms >= ? AND created_ms < ?
           ORDER BY created_ms DESC LIMIT ?`,
        )
        .raw(true),
      setRoot: db.prepare('UPDATE sim_docs SET root_key = ? WHERE key = ?'),
      setCluster: db.prepare('UPDATE sim_docs SET cluster_key = ? WHERE key = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sim_docs'),
    };
    this.stats = this.stmts.stats.get() ?? { docs: 0, title_len_sum: 0, body_len_sum: 0 };
    this.upsertTx = db.transaction((docs: Iterable<SimilarityDoc>) => {
      this.pending = { postings: [], df: new Set(), keys: new Set() };
      try {
        for (const doc of docs) {
          // A key seen twice in one batch: its first version's postings must be in the table before it is replaced.
          if (this.pending.keys.has(doc.key)) this.flushPending();
          this.pending.keys.add(doc.key);
          this.upsertInner(doc);
        }
        this.flushPending();
      } finally {
        this.pending = undefined;
      }
    });
  }

  upsert(doc: SimilarityDoc): void {
    this.upsertMany([doc]);
  }

  /**
   * Same as `upsert` for each ticket in order, in one transaction (nested in the caller's if
   * any), with the writes of the batch grouped: each term's document frequency written once,
   * postings inserted sorted by key. The way to load history in bulk.
   */
  upsertMany(docs: Iterable<SimilarityDoc>): void {
    try {
      this.upsertTx(docs);
    } catch (e) {
      // The transaction rolled back: forget in-memory counts that may no longer match SQLite.
      this.reloadState();
      throw e;
    }
  }

  private reloadState(): void {
    this.df.clear();
    this.termIds.clear();
    this.sourceNos.clear();
    this.sourceIds.clear();
    this.stats = this.stmts.stats.get() ?? { docs: 0, title_len_sum: 0, body_len_sum: 0 };
  }

  private flushPending(): void {
    const pending = this.pending;
    if (!pending) return;
    const ids = [...pending.df].sort((a, b) => a - b);
    for (const id of ids) this.stmts.setDf.run(this.df.get(id), id);
    const rows = pending.postings.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH);
      this.batchStatement(chunk.length).run(chunk.flat());
    }
    this.stmts.setStats.run(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
    pending.postings = [];
    pending.df.clear();
    pending.keys.clear();
  }

  private upsertInner(doc: SimilarityDoc): void {
    const createdMs = Date.parse(doc.createdAt);
    if (!Number.isFinite(createdMs)) throw new Error(`Similarity index: ticket ${doc.key} has an unparseable createdAt "${doc.createdAt}"`);
    const previous = this.stmts.docByKey.get(doc.key);
    if (previous) this.removeRow(previous);

    const analysed = analyse(doc, this.options.scoring);
    const avg = averageLengths(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
    const vec = termWeights(analysed, avg, this.options.scoring);
    const sourceNo = this.sourceNo(doc.sourceId, true);
    const n = this.stats.docs + 1;
    const entries: { id: number; weight: number; rank: number }[] = [];
    for (const [term, weight] of vec) {
      const id = this.termId(term, true);
      const df = this.dfOf(id) + 1; // as it will be once this ticket is counted (addDf below)
      entries.push({ id, weight, rank: weight * idf(df, n) });
    }
    this.addDf(
      entries.map((e) => e.id),
      1,
    );
    // Only the most telling terms get postings: a ticket is found through its rare words, and
    // capping keeps the postings table (the bulk of the file) proportional to tickets, not text.
    const posted = entries.length <= this.options.maxPostingsPerDoc ? entries : [...entries].sort((a, b) => b.rank - a.rank).slice(0, this.options.maxPostingsPerDoc);
    const info = this.stmts.insertDoc.run(
      doc.key,
      sourceNo,
      doc.nativeId,
      doc.number,
      doc.version,
      doc.createdAt,
      createdMs,
      JSON.stringify(doc.fields),
      analysed.title.length,
      analysed.body.length,
      packVector(entries),
      packIds(posted.map((e) => e.id)),
      previous?.root_key ?? null,
      previous?.cluster_key ?? null,
    );
    const docId = Number(info.lastInsertRowid);
    // Postings are inserted at the end of the batch, sorted by key (see flushPending).
    const pending = this.requirePending();
    for (const e of posted) pending.postings.push([e.id, sourceNo, createdMs, docId, Math.max(1, Math.round(e.weight * WEIGHT_SCALE))]);
    this.stats = {
      docs: this.stats.docs + 1,
      title_len_sum: this.stats.title_len_sum + analysed.title.length,
      body_len_sum: this.stats.body_len_sum + analysed.body.length,
    };
  }

  private requirePending(): NonNullable<SqliteCandidateIndex['pending']> {
    if (!this.pending) throw new Error('Similarity index: write outside upsertMany');
    return this.pending;
  }

  /** Adds `delta` to the document frequency of each term (ids distinct); written to `sim_terms` at the end of the batch. */
  private addDf(ids: readonly number[], delta: number): void {
    const pending = this.requirePending();
    for (const id of ids) {
      this.df.set(id, Math.max(0, this.dfOf(id) + delta));
      pending.df.add(id);
    }
  }

  /** Multi-row posting insert for `count` rows, prepared on first use. */
  private batchStatement(count: number): Database.Statement<unknown[]> {
    let stmt = this.batchStmts.get(count);
    if (!stmt) {
      stmt = this.db.prepare(`INSERT INTO sim_postings (term_id, source_no, created_ms, doc_id, weight) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?, ?)').join(', ')}`);
      this.batchStmts.set(count, stmt);
    }
    return stmt;
  }

  private removeRow(row: DocRow): void {
    this.addDf(
      unpackVector(row.vec).map(([termId]) => termId),
      -1,
    );
    for (const termId of unpackIds(row.posted)) this.stmts.deletePosting.run(termId, row.source_no, row.created_ms, row.id);
    this.stmts.deleteDoc.run(row.id);
    this.stats = {
      docs: this.stats.docs - 1,
      title_len_sum: this.stats.title_len_sum - row.title_len,
      body_len_sum: this.stats.body_len_sum - row.body_len,
    };
  }

  query(q: CandidateQuery): Candidate[] {
    const { scoring, maxQueryTerms, postingsCap, maxPostingsPerQuery, maxDocFrequency, rescoreMin } = this.options;
    const n = Math.max(this.stats.docs, 1);
    const avg = averageLengths(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
    const qvecByName = termWeights(analyse(q.doc, scoring), avg, scoring);

    // Query vector keyed by term id; terms the index has never seen get negative ids (df = 0).
    const qvec = new Map<number, number>();
    const names = new Map<number, string>();
    let unknown = 0;
    for (const [term, w] of qvecByName) {
      const id = this.termId(term, false) ?? --unknown;
      qvec.set(id, w);
      names.set(id, term);
    }
    const idfOf = (id: number): number => idf(id > 0 ? this.dfOf(id) : 0, n, scoring.idfPower);
    const self = selfScore(qvec, idfOf);

    const before = Date.parse(q.createdBefore);
    const after = q.createdAfter === undefined ? 0 : Date.parse(q.createdAfter);
    const sourceNos = (q.sourceIds ?? [q.doc.sourceId]).map((s) => this.sourceNo(s, false)).filter((s): s is number => s !== undefined);

    // 1. Candidate generation: accumulate partial scores from the postings of the query's most
    //    telling terms, each read newest-first and capped, within a budget for the whole query.
    const known = [...qvec].filter(([id]) => id > 0 && this.dfOf(id) > 0).map(([id, w]) => ({ id, df: this.dfOf(id), weight: w * idfOf(id) }));
    let probe = known.filter((t) => n < 1000 || t.df <= maxDocFrequency * n);
    if (probe.length === 0) probe = [...known].sort((a, b) => a.df - b.df).slice(0, 2);
    probe = probe.sort((a, b) => b.weight - a.weight).slice(0, maxQueryTerms);
    const acc = new Map<number, number>();
    let budget = maxPostingsPerQuery;
    for (const { id, weight } of probe) {
      for (const sourceNo of sourceNos) {
        if (budget <= 0) break;
        const rows = this.stmts.postings.all(id, sourceNo, after, before, Math.min(postingsCap, budget));
        budget -= rows.length;
        for (const [docId, w] of rows) acc.set(docId, (acc.get(docId) ?? 0) + weight * w);
      }
    }

    // 2. Exact re-scoring of the best partial scores with their full vectors; filters applied here.
    const pool = topEntries(acc, Math.max(rescoreMin, q.limit * 5));
    const weights = q.fieldWeights ?? {};
    const recency = q.recency ?? DEFAULT_RECENCY;
    const queryMs = Date.parse(q.doc.createdAt);
    const out: Candidate[] = [];
    for (const docId of pool) {
      const row = this.stmts.docById.get(docId);
      if (!row || row.key === q.doc.key) continue;
      if (row.created_ms < after || row.created_ms >= before) continue;
      const fields = JSON.parse(row.fields) as Record<string, string | undefined>;
      if (q.equalFields && !q.equalFields.every((f) => fieldEquals(q.doc.fields[f], fields[f]))) continue;
      const dvec = new Map(unpackVector(row.vec));
      const candidateSelf = scoring.normalisation === 'cosine' ? selfScore(dvec, idfOf) : undefined;
      const text = scoreText(qvec, dvec, idfOf, self, (id) => names.get(id) ?? String(id), candidateSelf);
      const matchedFields = matchFields(q.doc.fields, fields, Object.keys(weights));
      out.push({
        ...this.ticketOf(row),
        score:
          combineScore(
            text.score,
            matchedFields.map((f) => weights[f] ?? 0),
          ) * recencyFactor(queryMs - row.created_ms, recency),
        textScore: text.score,
        sharedTerms: text.sharedTerms,
        matchedFields,
      });
    }
    return out.sort(compareCandidates).slice(0, q.limit);
  }

  setRoot(key: string, rootKey: string): void {
    this.stmts.setRoot.run(rootKey, key);
  }

  setCluster(key: string, clusterKey: string): void {
    this.stmts.setCluster.run(clusterKey, key);
  }

  get(key: string): IndexedDoc | undefined {
    const row = this.stmts.docByKey.get(key);
    return row ? this.ticketOf(row) : undefined;
  }

  size(): number {
    return this.stmts.count.get()?.n ?? 0;
  }

  /** Bytes held in memory by the index's caches (df array and term-id cache, estimated). */
  memoryBytes(): number {
    return this.df.bytes() + this.termIds.size * 80;
  }

  private ticketOf(row: DocRow): IndexedDoc {
    return {
      key: row.key,
      sourceId: this.sourceId(row.source_no),
      nativeId: row.native_id,
      number: row.number,
      version: row.version,
      createdAt: row.created_at,
      rootKey: row.root_key ?? undefined,
      clusterKey: row.cluster_key ?? undefined,
    };
  }

  private termId(term: string, create: true): number;
  private termId(term: string, create: false): number | undefined;
  private termId(term: string, create: boolean): number | undefined {
    const cached = this.termIds.get(term);
    if (cached !== undefined) return cached;
    const row = this.stmts.term.get(term);
    let id: number;
    if (row) {
      id = row.id;
      this.df.set(id, row.df);
    } else {
      if (!create) return undefined;
      id = Number(this.stmts.addTerm.run(term).lastInsertRowid);
      this.df.set(id, 0);
    }
    // The cache only saves lookups (SQLite stays the truth); a bounded size keeps memory flat
    // on huge vocabularies.
    if (this.termIds.size >= this.options.termCacheSize) this.termIds.clear();
    this.termIds.set(term, id);
    return id;
  }

  private dfOf(id: number): number {
    let df = this.df.get(id);
    if (df < 0) {
      df = this.stmts.dfById.get(id) ?? 0;
      this.df.set(id, df);
    }
    return df;
  }

  private sourceNo(sourceId: string, create: true): number;
  private sourceNo(sourceId: string, create: false): number | undefined;
  private sourceNo(sourceId: string, create: boolean): number | undefined {
    const cached = this.sourceNos.get(sourceId);
    if (cached !== undefined) return cached;
    let id = this.stmts.source.get(sourceId)?.id;
    if (id === undefined) {
      if (!create) return undefined;
      id = Number(this.stmts.addSource.run(sourceId).lastInsertRowid);
    }
    this.sourceNos.set(sourceId, id);
    this.sourceIds.set(id, sourceId);
    return id;
  }

  private sourceId(sourceNo: number): string {
    const cached = this.sourceIds.get(sourceNo);
    if (cached !== undefined) return cached;
    const id = this.stmts.sourceById.get(sourceNo)?.source_id ?? `#${sourceNo}`;
    this.sourceIds.set(sourceNo, id);
    return id;
  }
}

/**
 * Keys of the `count` largest values (ties broken by insertion order), without sorting the whole
 * map: the threshold is the count-th largest value, found on a typed-array copy.
 */
export function topEntries(acc: ReadonlyMap<number, number>, count: number): number[] {
  if (acc.size <= count) return [...acc].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const values = new Float64Array(acc.size);
  let i = 0;
  for (const v of acc.values()) values[i++] = v;
  values.sort();
  const threshold = values[values.length - count] ?? 0;
  const above: [number, number][] = [];
  const ties: [number, number][] = [];
  for (const e of acc) {
    if (e[1] > threshold) above.push(e);
    else if (e[1] === threshold) ties.push(e);
  }
  return [...above.sort((a, b) => b[1] - a[1]), ...ties.slice(0, count - above.length)].map(([k]) => k);
}

/** Term ids (uint32) followed by weights (float32), little-endian. */
function packVector(entries: readonly { id: number; weight: number }[]): Buffer {
  const buf = Buffer.allocUnsafe(entries.length * 8);
  entries.forEach((e, i) => {
    buf.writeUInt32LE(e.id, i * 4);
    buf.writeFloatLE(e.weight, entries.length * 4 + i * 4);
  });
  return buf;
}

function unpackVector(buf: Buffer): [number, number][] {
  const count = buf.length / 8;
  const out = new Array<[number, number]>(count);
  for (let i = 0; i < count; i++) out[i] = [buf.readUInt32LE(i * 4), buf.readFloatLE(count * 4 + i * 4)];
  return out;
}

function packIds(ids: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(ids.length * 4);
  ids.forEach((id, i) => buf.writeUInt32LE(id, i * 4));
  return buf;
}

function unpackIds(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < buf.length; i += 4) out.push(buf.readUInt32LE(i));
  return out;
}
