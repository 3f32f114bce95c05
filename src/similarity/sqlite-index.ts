import type Database from 'better-sqlite3';
import { averageLengths, compareCandidates } from './memory-index.js';
import { analyse, combineScore, DEFAULT_RECENCY, DEFAULT_SCORING, recencyFactor, fieldEquals, idf, matchFields, scoreText, selfScore, termWeights, type ScoringParams } from './scoring.js';
import type { Candidate, CandidateIndex, CandidateQuery, IndexedTicket, SimilarityDoc } from './types.js';

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
  /** Terms in more than this share of tickets are skipped when finding candidates (once the index holds 1,000+). */
  readonly maxDocFrequency: number;
  /** Candidates re-scored exactly, at least; more when `limit` is large. */
  readonly rescoreMin: number;
}

export const DEFAULT_SQLITE_INDEX_OPTIONS: SqliteIndexOptions = {
  scoring: DEFAULT_SCORING,
  maxPostingsPerDoc: 48,
  maxQueryTerms: 32,
  postingsCap: 2000,
  maxDocFrequency: 0.2,
  rescoreMin: 100,
};

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

interface TermEntry {
  id: number;
  term: string;
  df: number;
}

interface StatsRow {
  docs: number;
  title_len_sum: number;
  body_len_sum: number;
}

/**
 * Candidate index over tables created by {@link SIMILARITY_SCHEMA_SQL}. Not thread-safe; one
 * writer (the daemon). Each `upsert` is its own transaction unless the caller wraps many in
 * `db.transaction` (much faster for bulk loads).
 */
export class SqliteCandidateIndex implements CandidateIndex {
  private readonly options: SqliteIndexOptions;
  private readonly stmts;
  private readonly termsByName = new Map<string, TermEntry>();
  private readonly termsById = new Map<number, TermEntry>();
  private readonly sourceNos = new Map<string, number>();
  private readonly sourceIds = new Map<number, string>();
  private stats: StatsRow;
  private readonly upsertTx: (doc: SimilarityDoc) => void;

  constructor(
    private readonly db: Database.Database,
    options: Partial<SqliteIndexOptions> = {},
  ) {
    this.options = { ...DEFAULT_SQLITE_INDEX_OPTIONS, ...options };
    db.prepare('INSERT OR IGNORE INTO sim_stats (id, docs, title_len_sum, body_len_sum) VALUES (1, 0, 0, 0)').run();
    this.stmts = {
      stats: db.prepare<[], StatsRow>('SELECT docs, title_len_sum, body_len_sum FROM sim_stats WHERE id = 1'),
      setStats: db.prepare('UPDATE sim_stats SET docs = ?, title_len_sum = ?, body_len_sum = ? WHERE id = 1'),
      source: db.prepare<[string], { id: number }>('SELECT id FROM sim_sources WHERE source_id = ?'),
      sourceById: db.prepare<[number], { source_id: string }>('SELECT source_id FROM sim_sources WHERE id = ?'),
      addSource: db.prepare('INSERT INTO sim_sources (source_id) VALUES (?)'),
      term: db.prepare<[string], { id: number; df: number }>('SELECT id, df FROM sim_terms WHERE term = ?'),
      termById: db.prepare<[number], { term: string; df: number }>('SELECT term, df FROM sim_terms WHERE id = ?'),
      addTerm: db.prepare('INSERT INTO sim_terms (term, df) VALUES (?, 0)'),
      incDf: db.prepare('UPDATE sim_terms SET df = df + ? WHERE id = ?'),
      docByKey: db.prepare<[string], DocRow>('SELECT * FROM sim_docs WHERE key = ?'),
      docById: db.prepare<[number], DocRow>('SELECT * FROM sim_docs WHERE id = ?'),
      deleteDoc: db.prepare('DELETE FROM sim_docs WHERE id = ?'),
      insertDoc: db.prepare(
        `INSERT INTO sim_docs (key, source_no, native_id, number, version, created_at, created_ms, fields, title_len, body_len, vec, posted, root_key, cluster_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertPosting: db.prepare('INSERT INTO sim_postings (term_id, source_no, created_ms, doc_id, weight) VALUES (?, ?, ?, ?, ?)'),
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
    this.upsertTx = db.transaction((doc: SimilarityDoc) => this.upsertInner(doc));
  }

  upsert(doc: SimilarityDoc): void {
    this.upsertTx(doc);
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
      const t = this.termFor(term, true);
      this.stmts.incDf.run(1, t.id);
      t.df += 1;
      entries.push({ id: t.id, weight, rank: weight * idf(t.df, n) });
    }
    // Only the most telling terms get postings: a ticket is found through its rare words, and
    // capping keeps the postings table (the bulk of the file) proportional to tickets, not text.
    const posted = [...entries].sort((a, b) => b.rank - a.rank).slice(0, this.options.maxPostingsPerDoc);
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
    for (const e of posted) this.stmts.insertPosting.run(e.id, sourceNo, createdMs, docId, Math.max(1, Math.round(e.weight * WEIGHT_SCALE)));
    this.stats = {
      docs: this.stats.docs + 1,
      title_len_sum: this.stats.title_len_sum + analysed.title.length,
      body_len_sum: this.stats.body_len_sum + analysed.body.length,
    };
    this.stmts.setStats.run(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
  }

  private removeRow(row: DocRow): void {
    for (const [termId] of unpackVector(row.vec)) {
      this.stmts.incDf.run(-1, termId);
      const cached = this.termsById.get(termId);
      if (cached) cached.df -= 1;
    }
    for (const termId of unpackIds(row.posted)) this.stmts.deletePosting.run(termId, row.source_no, row.created_ms, row.id);
    this.stmts.deleteDoc.run(row.id);
    this.stats = {
      docs: this.stats.docs - 1,
      title_len_sum: this.stats.title_len_sum - row.title_len,
      body_len_sum: this.stats.body_len_sum - row.body_len,
    };
  }

  query(q: CandidateQuery): Candidate[] {
    const { scoring, maxQueryTerms, postingsCap, maxDocFrequency, rescoreMin } = this.options;
    const n = Math.max(this.stats.docs, 1);
    const avg = averageLengths(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
    const qvecByName = termWeights(analyse(q.doc, scoring), avg, scoring);

    // Query vector keyed by term id; terms the index has never seen get negative ids (df = 0).
    const qvec = new Map<number, number>();
    const dfOf = new Map<number, number>();
    const names = new Map<number, string>();
    let unknown = 0;
    for (const [term, w] of qvecByName) {
      const t = this.termFor(term, false);
      const id = t ? t.id : --unknown;
      qvec.set(id, w);
      dfOf.set(id, t ? t.df : 0);
      names.set(id, term);
    }
    const idfOf = (id: number): number => idf(dfOf.get(id) ?? this.termById(id)?.df ?? 0, n, scoring.idfPower);
    const self = selfScore(qvec, idfOf);

    const before = Date.parse(q.createdBefore);
    const after = q.createdAfter === undefined ? 0 : Date.parse(q.createdAfter);
    const sourceNos = (q.sourceIds ?? [q.doc.sourceId]).map((s) => this.sourceNo(s, false)).filter((s): s is number => s !== undefined);

    // 1. Candidate generation: accumulate partial scores from the postings of the query's most
    //    telling terms, each read newest-first and capped.
    const probe = [...qvec]
      .filter(([id]) => id > 0 && (n < 1000 || (dfOf.get(id) ?? 0) <= maxDocFrequency * n))
      .map(([id, w]) => ({ id, weight: w * idfOf(id) }))
      .sort((a, b) => b.weight - a.weight)
      .slice(0, maxQueryTerms);
    const acc = new Map<number, number>();
    for (const { id, weight } of probe) {
      for (const sourceNo of sourceNos) {
        for (const [docId, w] of this.stmts.postings.all(id, sourceNo, after, before, postingsCap)) {
          acc.set(docId, (acc.get(docId) ?? 0) + weight * w);
        }
      }
    }

    // 2. Exact re-scoring of the best partial scores with their full vectors; filters applied here.
    const rescore = Math.max(rescoreMin, q.limit * 5);
    const pool = [...acc].sort((a, b) => b[1] - a[1]).slice(0, rescore);
    const weights = q.fieldWeights ?? {};
    const recency = q.recency ?? DEFAULT_RECENCY;
    const queryMs = Date.parse(q.doc.createdAt);
    const out: Candidate[] = [];
    for (const [docId] of pool) {
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
        score: combineScore(text.score, matchedFields.map((f) => weights[f] ?? 0)) * recencyFactor(queryMs - row.created_ms, recency),
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

  get(key: string): IndexedTicket | undefined {
    const row = this.stmts.docByKey.get(key);
    return row ? this.ticketOf(row) : undefined;
  }

  size(): number {
    return this.stmts.count.get()?.n ?? 0;
  }

  private ticketOf(row: DocRow): IndexedTicket {
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

  private termFor(term: string, create: true): TermEntry;
  private termFor(term: string, create: false): TermEntry | undefined;
  private termFor(term: string, create: boolean): TermEntry | undefined {
    const cached = this.termsByName.get(term);
    if (cached) return cached;
    let row = this.stmts.term.get(term);
    if (!row) {
      if (!create) return undefined;
      row = { id: Number(this.stmts.addTerm.run(term).lastInsertRowid), df: 0 };
    }
    return this.cacheTerm({ id: row.id, term, df: row.df });
  }

  private termById(id: number): TermEntry | undefined {
    const cached = this.termsById.get(id);
    if (cached) return cached;
    const row = this.stmts.termById.get(id);
    return row ? this.cacheTerm({ id, term: row.term, df: row.df }) : undefined;
  }

  private cacheTerm(entry: TermEntry): TermEntry {
    // The cache only saves lookups (SQLite stays the truth); a bounded size keeps memory flat
    // on huge vocabularies.
    if (this.termsByName.size >= 500_000) {
      this.termsByName.clear();
      this.termsById.clear();
    }
    this.termsByName.set(entry.term, entry);
    this.termsById.set(entry.id, entry);
    return entry;
  }

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
  const out: [number, number][] = new Array(count);
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
