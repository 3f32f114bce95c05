import type Database from 'better-sqlite3';
import { AnalysePool, ENCODED_HEADER, type TermDecoder } from './analyse-pool.js';
import { PartialScores } from './partial-scores.js';
import { averageLengths, compareCandidates } from './memory-index.js';
import {
  analyse,
  combineScore,
  DEFAULT_RECENCY,
  DEFAULT_SCORING,
  recencyFactor,
  scaleScore,
  fieldEquals,
  idf,
  matchFields,
  scoreText,
  selfScore,
  termWeights,
  type FieldLengths,
  type ScoringParams,
} from './scoring.js';
import { MASKABLE_TERM_KINDS, termKind, type MaskableTermKind } from './term-kind.js';
import type { Candidate, CandidateIndex, CandidateQuery, IndexedDoc, SimilarityDoc } from './types.js';

/**
 * Tables of the candidate index. A ticket's row id encodes its creation time (see `rowIdBase`), so
 * a look-back window is a row-id range. Postings live in one contentless FTS5 table per source
 * (`sim_fts_<source no>`, created on first use, `detail=none`: a doclist is just row ids), whose
 * text is the ticket's term ids: SQLite's own inverted index, written and merged in C. The
 * ticket's full term vector is kept on its row (packed) for exact re-scoring and for the document
 * frequencies to take back when a new version replaces it.
 */
export const SIMILARITY_SCHEMA_SQL = `
CREATE TABLE sim_sources (
  id INTEGER PRIMARY KEY,
  source_id TEXT NOT NULL UNIQUE
);
CREATE TABLE sim_terms (
  id INTEGER PRIMARY KEY,
  term TEXT NOT NULL UNIQUE,
  df INTEGER NOT NULL,
  kind INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sim_docs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  source_no INTEGER NOT NULL,
  native_id TEXT NOT NULL,
  number TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  fields TEXT NOT NULL,
  title_len INTEGER NOT NULL,
  body_len INTEGER NOT NULL,
  vec BLOB NOT NULL,
  root_key TEXT,
  cluster_key TEXT
);
CREATE TABLE sim_stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  docs INTEGER NOT NULL,
  title_len_sum INTEGER NOT NULL,
  body_len_sum INTEGER NOT NULL
);
`;

export interface SqliteIndexOptions {
  readonly scoring: ScoringParams;
  /** Query terms used to find candidates, at most: the query's highest-weighted ones. */
  readonly maxQueryTerms: number;
  /**
   * Postings a query reads in one budget (sum of the document frequencies of the terms read):
   * terms are taken most telling first and each one's doclist is read WHOLE inside the look-back
   * window, or not at all; a term that would overrun the budget is skipped for the next one (if
   * none fits, the rarest is read anyway). So a ticket that shares a read term is always scored,
   * however old it is in the window. See `extraReadRounds` for further budgets.
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
  /**
   * Further budgets of postings a query may read when the terms left unread could still change
   * its top `limit` (see the query's step 3); 0 reads one budget only.
   */
  readonly extraReadRounds: number;
  /** Term name → id lookups kept in memory (a cache; SQLite holds them all). */
  readonly termCacheSize: number;
}

export const DEFAULT_SQLITE_INDEX_OPTIONS: SqliteIndexOptions = {
  scoring: DEFAULT_SCORING,
  maxQueryTerms: 32,
  // 30k + one more budget when needed, rather than 40k always: at 1M tickets the same speed and
  // 2 more of 100 planted old near-copies kept (bench/similarity.ts, pruning line).
  maxPostingsPerQuery: 30_000,
  maxDocFrequency: 0.05,
  rescoreMin: 100,
  extraReadRounds: 1,
  termCacheSize: 500_000,
};

/**
 * Row ids: (minutes since 2000-01-01) × 1024 + a sequence for tickets created in the same minute,
 * so a window [after, before) lies within the ids [base(after), base(minute after before)); the
 * exact bounds are checked on created_at when scoring. Minutes, not milliseconds: FTS5 stores a
 * doclist as row-id gaps (varints), and a coarse clock keeps them to 1–3 bytes a posting (a
 * millisecond clock cost 2 more). Beyond 1,024 tickets in one minute, ids spill into the next
 * minute's (still unique and ordered). Below 2^53 for ±16 million years.
 */
const EPOCH_MS = Date.UTC(2000, 0, 1);
const MINUTE_MS = 60_000;
const SEQ = 1024;
const MAX_OFFSET_MIN = 2 ** 42;

function rowIdBase(ms: number): number {
  const minutes = Math.floor((ms - EPOCH_MS) / MINUTE_MS);
  return Math.min(MAX_OFFSET_MIN, Math.max(-MAX_OFFSET_MIN, minutes)) * SEQ;
}

/** Term kinds as stored in `sim_terms.kind`: 0 = plain word, else 1 + index in MASKABLE_TERM_KINDS. */
function kindCode(term: string): number {
  const kind = termKind(term);
  return kind === undefined ? 0 : MASKABLE_TERM_KINDS.indexOf(kind) + 1;
}

function maskCodes(mask: readonly MaskableTermKind[] | undefined): Set<number> | undefined {
  if (!mask || mask.length === 0) return undefined;
  return new Set(mask.map((k) => MASKABLE_TERM_KINDS.indexOf(k) + 1));
}

/** A row of `sim_docs`, as the SQLite index and `state migrate` read it. */
export interface DocRow {
  id: number;
  key: string;
  source_no: number;
  native_id: string;
  number: string;
  version: string;
  created_at: string;
  fields: string;
  title_len: number;
  body_len: number;
  vec: Buffer;
  root_key: string | null;
  cluster_key: string | null;
}

interface StatsRow {
  docs: number;
  title_len_sum: number;
  body_len_sum: number;
}

/**
 * Document frequency, kind and idf by term id, in memory: 17 bytes per term of the vocabulary (never
 * per ticket), filled lazily from `sim_terms` (df -1 = not loaded yet). Exact re-scoring needs the
 * idf (and, under a mask, the kind) of every term of every candidate, so this is what keeps a
 * query from doing hundreds of lookups.
 */
class TermArray {
  private dfs = new Int32Array(1024).fill(-1);
  private kinds = new Uint8Array(1024);
  /** idf by term id, valid while `idfDocs` holds the index size it was computed for (-1: none). */
  private idfs = new Float64Array(1024);
  private idfDocs = new Int32Array(1024).fill(-1);

  df(id: number): number {
    return id < this.dfs.length ? (this.dfs[id] ?? -1) : -1;
  }

  kind(id: number): number {
    return id < this.kinds.length ? (this.kinds[id] ?? 0) : 0;
  }

  set(id: number, df: number, kind?: number): void {
    if (id >= this.dfs.length) {
      let size = this.dfs.length;
      while (size <= id) size *= 2;
      const dfs = new Int32Array(size).fill(-1);
      dfs.set(this.dfs);
      this.dfs = dfs;
      const kinds = new Uint8Array(size);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const idfs = new Float64Array(size);
      idfs.set(this.idfs);
      this.idfs = idfs;
      const idfDocs = new Int32Array(size).fill(-1);
      idfDocs.set(this.idfDocs);
      this.idfDocs = idfDocs;
    }
    this.dfs[id] = df;
    this.idfDocs[id] = -1;
    if (kind !== undefined) this.kinds[id] = kind;
  }

  /** The idf computed for this term at an index of `docs` tickets, if its df has not moved since. */
  cachedIdf(id: number, docs: number): number | undefined {
    return id < this.idfDocs.length && this.idfDocs[id] === docs ? this.idfs[id] : undefined;
  }

  /** Keeps an idf (the term's df must be loaded: `set` was called for it). */
  keepIdf(id: number, docs: number, value: number): void {
    if (id >= this.idfs.length) return;
    this.idfs[id] = value;
    this.idfDocs[id] = docs;
  }

  bytes(): number {
    return this.dfs.byteLength + this.kinds.byteLength + this.idfs.byteLength + this.idfDocs.byteLength;
  }

  clear(): void {
    this.dfs.fill(-1);
    this.idfDocs.fill(-1);
  }
}

/**
 * Candidate index over tables created by {@link SIMILARITY_SCHEMA_SQL}. Not thread-safe; one
 * writer (the daemon). Each `upsert` is its own transaction unless the caller wraps many in
 * `db.transaction` (much faster for bulk loads).
 *
 * Memory: document frequency, kind and idf arrays over the vocabulary (17 bytes a term) and a bounded cache of
 * term ids; nothing grows with the number of tickets. The caller owns the connection's PRAGMAs
 * (WAL + synchronous=NORMAL works; a larger `cache_size` speeds bulk loads, see README).
 */
export class SqliteCandidateIndex implements CandidateIndex {
  private readonly options: SqliteIndexOptions;
  private readonly stmts;
  /** Term name → id, two generations: a full cache becomes the old one, so hot terms survive a turnover. */
  private termIds = new Map<string, number>();
  private oldTermIds = new Map<string, number>();
  private readonly terms = new TermArray();
  private readonly ftsStmts = new Map<number, { insert: Database.Statement<[number, string]>; remove: Database.Statement<[number]>; match: Database.Statement<[string, number, number], number> }>();
  private readonly sourceNos = new Map<string, number>();
  private readonly sourceIds = new Map<number, string>();
  private stats: StatsRow;
  private readonly upsertTx: (docs: Iterable<SimilarityDoc>, pool?: AnalysePool) => void;
  /** Per pool: index term id by the worker's local term id (dropped with the other caches: a rollback can free ids). */
  private localTermIds = new WeakMap<AnalysePool, LocalTermIds>();
  /** State of the `upsertMany` batch being written (undefined outside one). */
  private batch: WriteBatch | undefined;

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
      term: db.prepare<[string], { id: number; df: number; kind: number }>('SELECT id, df, kind FROM sim_terms WHERE term = ?'),
      termById: db.prepare<[number], { df: number; kind: number }>('SELECT df, kind FROM sim_terms WHERE id = ?'),
      addTerm: db.prepare('INSERT INTO sim_terms (term, df, kind) VALUES (?, 0, ?)'),
      setDf: db.prepare('UPDATE sim_terms SET df = ? WHERE id = ?'),
      docByKey: db.prepare<[string], DocRow>('SELECT * FROM sim_docs WHERE key = ?'),
      docById: db.prepare<[number], DocRow>('SELECT * FROM sim_docs WHERE id = ?'),
      lastIdFrom: db.prepare<[number, number], number | null>('SELECT max(id) FROM sim_docs WHERE id >= ? AND id < ?').pluck(true),
      deleteDoc: db.prepare('DELETE FROM sim_docs WHERE id = ?'),
      insertDoc: db.prepare(
        `INSERT INTO sim_docs (id, key, source_no, native_id, number, version, created_at, fields, title_len, body_len, vec, root_key, cluster_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      setRoot: db.prepare('UPDATE sim_docs SET root_key = ? WHERE key = ?'),
      setCluster: db.prepare('UPDATE sim_docs SET cluster_key = ? WHERE key = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sim_docs'),
    };
    this.stats = this.stmts.stats.get() ?? { docs: 0, title_len_sum: 0, body_len_sum: 0 };
    this.upsertTx = db.transaction((docs: Iterable<SimilarityDoc>, pool?: AnalysePool) => {
      this.batch = new WriteBatch();
      try {
        // Chunks of distinct keys: one SELECT finds the previous versions of a whole chunk; a key
        // seen again starts a new chunk, so it finds the version written just before (flushed).
        let chunk: SimilarityDoc[] = [];
        let tokens: (Encoded | undefined)[] = [];
        const keys = new Set<string>();
        const add = (doc: SimilarityDoc, analysed: Encoded | undefined): void => {
          if (chunk.length === KEYS_PER_LOOKUP || keys.has(doc.key)) {
            this.upsertChunk(chunk, tokens);
            chunk = [];
            tokens = [];
            keys.clear();
          }
          chunk.push(doc);
          tokens.push(analysed);
          keys.add(doc.key);
        };
        if (pool) {
          // The worker tokenises the next piece while this thread writes the current one.
          const all = [...docs];
          if (all.length > 0) pool.request(all.slice(0, PIPELINE_PIECE));
          for (let at = 0; at < all.length; at += PIPELINE_PIECE) {
            const data = pool.receive();
            if (at + PIPELINE_PIECE < all.length) pool.request(all.slice(at + PIPELINE_PIECE, at + 2 * PIPELINE_PIECE));
            // Local ids become index ids for the whole piece at once, tickets in order: the same
            // order of first use as ticket by ticket, so new terms get the same ids.
            this.resolveLocalIds(data, pool.decoder, this.localTermIdsOf(pool));
            const count = Math.min(PIPELINE_PIECE, all.length - at);
            for (let i = 0, p = 0; i < count; i++, p += ENCODED_HEADER + 3 * (data[p + 2] as number)) add(all[at + i] as SimilarityDoc, { data, at: p });
          }
        } else for (const doc of docs) add(doc, undefined);
        this.upsertChunk(chunk, tokens);
        this.flushPending();
      } finally {
        this.batch = undefined;
        pool?.drain();
      }
    });
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sim_docs_v1'`).get()) this.convertLegacy();
  }

  upsert(doc: SimilarityDoc): void {
    this.upsertMany([doc]);
  }

  /**
   * Same as `upsert` for each ticket in order, in one transaction (nested in the caller's if
   * any), with each term's document frequency written once. The way to load history in bulk.
   */
  upsertMany(docs: Iterable<SimilarityDoc>): void {
    this.ensureFresh();
    try {
      this.upsertTx(docs);
    } catch (e) {
      // The transaction rolled back: forget in-memory counts that may no longer match SQLite.
      this.reloadState();
      throw e;
    }
  }

  /**
   * `upsertMany` with the tokenising done by `pool`'s worker thread, a piece ahead of the writes
   * (same rows and scores: the weights are still computed here, in order). For backfills on a
   * machine with a spare core; the pool comes from {@link createAnalysePool}.
   */
  upsertManyPipelined(docs: Iterable<SimilarityDoc>, pool: AnalysePool): void {
    this.ensureFresh();
    try {
      this.upsertTx(docs, pool);
    } catch (e) {
      this.reloadState();
      throw e;
    }
  }

  /** A tokenising worker for {@link upsertManyPipelined}, with this index's scoring parameters. Close it when done. */
  createAnalysePool(): AnalysePool {
    return new AnalysePool(this.options.scoring, this.options.termCacheSize);
  }

  /**
   * The in-memory counts and term ids must match SQLite's. A rollback outside this class (a
   * caller's transaction around an upsert that fails later) or another connection's write leaves
   * them behind: the stats row (one primary-key read) tells, and the caches are dropped — else a
   * term id SQLite hands out again would be read as the rolled-back term.
   */
  private ensureFresh(): void {
    const row = this.stmts.stats.get();
    if (row && row.docs === this.stats.docs && row.title_len_sum === this.stats.title_len_sum && row.body_len_sum === this.stats.body_len_sum) return;
    this.reloadState();
  }

  private reloadState(): void {
    this.terms.clear();
    this.localTermIds = new WeakMap();
    this.termIds.clear();
    this.oldTermIds.clear();
    this.sourceNos.clear();
    this.sourceIds.clear();
    this.ftsStmts.clear();
    this.stats = this.stmts.stats.get() ?? { docs: 0, title_len_sum: 0, body_len_sum: 0 };
  }

  private flushPending(): void {
    const batch = this.batch;
    if (!batch) return;
    const ids = batch.dfIds.sort((a, b) => a - b);
    for (const id of ids) this.stmts.setDf.run(this.terms.df(id), id);
    this.stmts.setStats.run(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
  }

  /** Upserts tickets of distinct keys in order, their previous versions read in one statement. */
  private upsertChunk(chunk: readonly SimilarityDoc[], tokens: readonly (Encoded | undefined)[]): void {
    if (chunk.length === 0) return;
    // Padded to the statement's size with the first key again (IN ignores repeats).
    const keys = chunk.map((d) => d.key);
    for (let i = keys.length; i < KEYS_PER_LOOKUP; i++) keys.push(keys[0] ?? '');
    const previous = new Map<string, DocRow>();
    for (const row of this.docsByKeys().all(...keys)) previous.set(row.key, row);
    chunk.forEach((doc, i) => this.upsertInner(doc, previous.get(doc.key), tokens[i]));
  }

  private docsByKeysStmt: Database.Statement<string[], DocRow> | undefined;

  private docsByKeys(): Database.Statement<string[], DocRow> {
    this.docsByKeysStmt ??= this.db.prepare<string[], DocRow>(`SELECT * FROM sim_docs WHERE key IN (${Array<string>(KEYS_PER_LOOKUP).fill('?').join(', ')})`);
    return this.docsByKeysStmt;
  }

  private upsertInner(doc: SimilarityDoc, previous: DocRow | undefined, encoded: Encoded | undefined): void {
    const createdMs = Date.parse(doc.createdAt);
    if (!Number.isFinite(createdMs)) throw new Error(`Similarity index: ticket ${doc.key} has an unparseable createdAt "${doc.createdAt}"`);
    if (previous) this.removeRow(previous);

    const avg = averageLengths(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
    let titleLen: number;
    let bodyLen: number;
    let entries: [number, number][];
    if (encoded) {
      titleLen = encoded.data[encoded.at] as number;
      bodyLen = encoded.data[encoded.at + 1] as number;
      entries = encodedEntries(encoded, avg, this.options.scoring);
    } else {
      const analysed = analyse(doc, this.options.scoring);
      titleLen = analysed.title.length;
      bodyLen = analysed.body.length;
      entries = this.entriesOf(termWeights(analysed, avg, this.options.scoring));
    }
    this.insertRow(
      {
        key: doc.key,
        source_no: this.sourceNo(doc.sourceId, true),
        native_id: doc.nativeId,
        number: doc.number,
        version: doc.version,
        created_at: doc.createdAt,
        fields: JSON.stringify(doc.fields),
        title_len: titleLen,
        body_len: bodyLen,
        root_key: previous?.root_key ?? null,
        cluster_key: previous?.cluster_key ?? null,
      },
      createdMs,
      entries,
    );
  }

  /** The pool's local id → index id table, a new one after a reload or a restart of the worker's dictionary. */
  private localTermIdsOf(pool: AnalysePool): LocalTermIds {
    let table = this.localTermIds.get(pool);
    if (!table || table.generation !== pool.decoder.generation) {
      table = new LocalTermIds(pool.decoder.generation);
      this.localTermIds.set(pool, table);
    }
    return table;
  }

  /** Rewrites a chunk's local term ids into index ids in place; a local id met for the first time goes through `termId` (sim_terms stays the one truth). */
  private resolveLocalIds(data: Int32Array, decoder: TermDecoder, table: LocalTermIds): void {
    let ids = table.ensure(decoder.terms.length);
    for (let p = 0; p < data.length;) {
      const end = p + ENCODED_HEADER + 3 * (data[p + 2] as number);
      for (p += ENCODED_HEADER; p < end; p += 3) {
        const local = data[p] as number;
        let id = ids[local] as number;
        if (id === 0) {
          id = this.termId(decoder.terms[local] as string, true);
          ids = table.ensure(decoder.terms.length);
          ids[local] = id;
        }
        data[p] = id;
      }
    }
  }

  /** A term vector keyed by term id (terms new to the index are added). */
  private entriesOf(vec: ReadonlyMap<string, number>): [number, number][] {
    const entries: [number, number][] = [];
    for (const [term, weight] of vec) entries.push([this.termId(term, true), weight]);
    return entries;
  }

  /** The ticket's sim_docs row and its FTS5 postings under row id `id` (entries sorted by term id). */
  private writeRow(id: number, row: Omit<DocRow, 'id' | 'vec'>, entries: readonly [number, number][]): void {
    this.stmts.insertDoc.run(
      id,
      row.key,
      row.source_no,
      row.native_id,
      row.number,
      row.version,
      row.created_at,
      row.fields,
      row.title_len,
      row.body_len,
      packVector(entries),
      row.root_key,
      row.cluster_key,
    );
    this.fts(row.source_no, true).insert.run(id, ftsText(entries));
  }

  /** Writes the ticket's row and postings under a fresh time-ordered id and counts its terms. */
  private insertRow(row: Omit<DocRow, 'id' | 'vec'>, createdMs: number, entries: [number, number][]): void {
    entries.sort((a, b) => a[0] - b[0]);
    this.addDf(entries, 1);
    const id = this.nextRowId(createdMs);
    if (!this.batch) throw new Error('Similarity index: write outside upsertMany');
    // One row a statement: a multi-row INSERT opens a statement savepoint, and FTS5 writes its
    // pending postings out as a new segment at every savepoint — a tiny segment each 64 tickets,
    // and the merging after (measured: ~10 µs a ticket more than single-row statements).
    this.writeRow(id, row, entries);
    this.stats = {
      docs: this.stats.docs + 1,
      title_len_sum: this.stats.title_len_sum + row.title_len,
      body_len_sum: this.stats.body_len_sum + row.body_len,
    };
  }

  /**
   * The next free id of the ticket's minute (see rowIdBase). In a batch, each minute's next id is
   * kept in memory after its first lookup (a SELECT a ticket saved); the memory is dropped when a
   * replaced ticket frees an id, and SQLite (which holds every row written) is read again.
   */
  private nextRowId(createdMs: number): number {
    const batch = this.batch;
    if (!batch) return this.nextRowIdSql(createdMs);
    // The ticket's own minute, or — when more than SEQ tickets share it (a bulk import with one
    // time stamp) — the first later minute with room, never further: a query's window starts at
    // the minute of its look-back and reads on from there. Each minute's next id is kept for the
    // batch; a minute is read from SQLite when the batch first meets it.
    for (let base = rowIdBase(createdMs); ; base += SEQ) {
      let next = batch.nextIds.get(base);
      if (next === undefined) {
        const last = this.stmts.lastIdFrom.get(base, base + SEQ);
        next = last === null || last === undefined ? base : last + 1;
      }
      if (next < base + SEQ) {
        batch.nextIds.set(base, next + 1);
        return next;
      }
      batch.nextIds.set(base, next);
    }
  }

  private nextRowIdSql(createdMs: number): number {
    for (let base = rowIdBase(createdMs); ; base += SEQ) {
      const last = this.stmts.lastIdFrom.get(base, base + SEQ);
      if (last === null || last === undefined) return base;
      if (last + 1 < base + SEQ) return last + 1;
    }
  }

  /** Adds `delta` to the document frequency of each term of a vector (ids distinct); written to `sim_terms` at the end of the batch. */
  private addDf(entries: readonly (readonly [number, number])[], delta: number): void {
    const batch = this.batch;
    if (!batch) throw new Error('Similarity index: write outside upsertMany');
    for (const [id] of entries) {
      this.terms.set(id, Math.max(0, this.dfOf(id) + delta));
      batch.markDf(id);
    }
  }

  private removeRow(row: DocRow): void {
    // As if each ticket were written alone: the freed id may be taken again, so the batch's
    // next-id memory is dropped (its rows are in SQLite, where the next lookups read).
    this.batch?.nextIds.clear();
    this.addDf(unpackVector(row.vec), -1);
    this.fts(row.source_no, true).remove.run(row.id);
    this.stmts.deleteDoc.run(row.id);
    this.stats = {
      docs: this.stats.docs - 1,
      title_len_sum: this.stats.title_len_sum - row.title_len,
      body_len_sum: this.stats.body_len_sum - row.body_len,
    };
  }

  /** The source's FTS5 table and its statements, the table created on first write (undefined: none yet and `create` false). */
  private fts(sourceNo: number, create: true): NonNullable<ReturnType<SqliteCandidateIndex['ftsStmtsOf']>>;
  private fts(sourceNo: number, create: false): ReturnType<SqliteCandidateIndex['ftsStmtsOf']>;
  private fts(sourceNo: number, create: boolean): ReturnType<SqliteCandidateIndex['ftsStmtsOf']> {
    const cached = this.ftsStmts.get(sourceNo);
    if (cached) return cached;
    const table = `sim_fts_${sourceNo}`;
    if (!this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table)) {
      if (!create) return undefined;
      // Terms are base-36 term ids (the `ascii` tokenizer keeps them whole). contentless: the text
      // is not stored; contentless_delete: a replaced version's row can still be deleted;
      // detail=none: doclists hold row ids only (candidate generation needs no positions).
      this.db.exec(`CREATE VIRTUAL TABLE ${table} USING fts5(terms, content='', contentless_delete=1, detail=none, tokenize='ascii')`);
    }
    return this.ftsStmtsOf(sourceNo, table);
  }

  private ftsStmtsOf(
    sourceNo: number,
    table: string,
  ): { insert: Database.Statement<[number, string]>; remove: Database.Statement<[number]>; match: Database.Statement<[string, number, number], number> } | undefined {
    const stmts = {
      insert: this.db.prepare<[number, string]>(`INSERT INTO ${table} (rowid, terms) VALUES (?, ?)`),
      remove: this.db.prepare<[number]>(`DELETE FROM ${table} WHERE rowid = ?`),
      match: this.db.prepare<[string, number, number], number>(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? AND rowid >= ? AND rowid < ?`).pluck(true),
    };
    this.ftsStmts.set(sourceNo, stmts);
    return stmts;
  }

  query(q: CandidateQuery): Candidate[] {
    this.ensureFresh();
    const { scoring, maxQueryTerms, maxPostingsPerQuery, maxDocFrequency, rescoreMin, extraReadRounds } = this.options;
    const n = Math.max(this.stats.docs, 1);
    const avg = averageLengths(this.stats.docs, this.stats.title_len_sum, this.stats.body_len_sum);
    const qvecByName = termWeights(analyse(q.doc, scoring), avg, scoring);
    const masked = maskCodes(q.mask);

    // Query vector keyed by term id; terms the index has never seen get negative ids (df = 0).
    // Terms of a masked kind are no evidence: dropped here and from every candidate's vector.
    const qvec = new Map<number, number>();
    const names = new Map<number, string>();
    let unknown = 0;
    for (const [term, w] of qvecByName) {
      if (masked?.has(kindCode(term))) continue;
      const id = this.termId(term, false) ?? --unknown;
      qvec.set(id, w);
      names.set(id, term);
    }
    // Every term of every re-scored candidate needs its idf: computed once per term and index size.
    const idfOf = (id: number): number => {
      if (id <= 0) return idf(0, n, scoring.idfPower);
      const cached = this.terms.cachedIdf(id, n);
      if (cached !== undefined) return cached;
      const value = idf(this.dfOf(id), n, scoring.idfPower);
      this.terms.keepIdf(id, n, value);
      return value;
    };
    const self = selfScore(qvec, idfOf);

    const before = Date.parse(q.createdBefore);
    const after = q.createdAfter === undefined ? -Infinity : Date.parse(q.createdAfter);
    const lo = Number.isFinite(after) ? rowIdBase(after) : Number.MIN_SAFE_INTEGER;
    // No upper row-id bound: a ticket of a full minute has an id in a later minute's range (see
    // nextRowId), however many share its minute; the exact bound is checked on created_at below.
    // Tickets newer than the query are few where it matters (the daemon asks about new tickets).
    const hi = Number.MAX_SAFE_INTEGER;
    const tables = (q.sourceIds ?? [q.doc.sourceId])
      .map((s) => this.sourceNo(s, false))
      .filter((s): s is number => s !== undefined)
      .map((s) => this.fts(s, false))
      .filter((t) => t !== undefined);

    // 1. Candidate generation: whole doclists (inside the window) of the query's most telling
    //    terms (wq · idf), as long as their document frequencies fit the budget; a term that
    //    would overrun it is skipped, whichever it is (a common title word must not spend the
    //    budget and leave a pool of tied tickets). No term is read in part, so no ticket sharing
    //    a read term is left out for being old. If nothing fits, the rarest terms are read anyway.
    const known = [...qvec].filter(([id]) => id > 0 && this.dfOf(id) > 0).map(([id, w]) => ({ id, df: this.dfOf(id), weight: w * idfOf(id) }));
    let probe = known.filter((t) => n < 1000 || t.df <= maxDocFrequency * n);
    if (probe.length === 0) probe = known;
    probe = probe.sort((a, b) => b.weight - a.weight).slice(0, maxQueryTerms);
    let budget = maxPostingsPerQuery;
    const chosen = probe.filter((t) => {
      if (t.df > budget) return false;
      budget -= t.df;
      return true;
    });
    if (chosen.length === 0) {
      // Every term is over the budget (a query of common words only): one doclist alone would
      // leave a pool of tied tickets, so the rarest are read up to three budgets' worth.
      let spent = 0;
      for (const t of [...probe].sort((a, b) => a.df - b.df)) {
        if (chosen.length > 0 && spent + t.df > 3 * maxPostingsPerQuery) break;
        chosen.push(t);
        spent += t.df;
      }
    }
    const acc = new PartialScores();
    const readIds = new Set<number>();
    const read = (terms: readonly { id: number; weight: number }[]): void => {
      for (const { id, weight } of terms) {
        readIds.add(id);
        const match = `"${ftsTerm(id)}"`;
        for (const t of tables) for (const docId of t.match.all(match, lo, hi)) acc.add(docId, weight);
      }
    };
    read(chosen);
    const poolSize = Math.max(rescoreMin, q.limit * 5);
    if (acc.size < poolSize) {
      // The rare terms reached few tickets (one rare word beside common ones — "… laptop
      // kumquat"): the other terms, common ones included, are read too while they fit the budget,
      // so a copy sharing only the common words is still scored.
      budget = Math.max(0, maxPostingsPerQuery - chosen.reduce((sum, t) => sum + t.df, 0));
      read(
        [...known]
          .sort((a, b) => b.weight - a.weight)
          .filter((t) => {
            if (readIds.has(t.id) || t.df > budget) return false;
            budget -= t.df;
            return true;
          }),
      );
    }

    // 2. Exact re-scoring of the best partial scores with their full vectors; filters applied here.
    const weights = q.fieldWeights ?? {};
    const recency = q.recency ?? DEFAULT_RECENCY;
    const queryMs = Date.parse(q.doc.createdAt);
    // Raw and self-scores for every pooled ticket in one pass over its stored vector (no Map per
    // ticket); the shared terms, which need a sort, only for the tickets returned.
    const scored: { candidate: Candidate; entries: [number, number][] }[] = [];
    const rescored = new Set<number>();
    const rescore = (pool: readonly number[]): void => {
      for (const docId of pool) {
        if (rescored.has(docId)) continue;
        rescored.add(docId);
        const row = this.stmts.docById.get(docId);
        if (!row || row.key === q.doc.key) continue;
        const createdMs = Date.parse(row.created_at);
        if (createdMs < after || createdMs >= before) continue;
        const fields = JSON.parse(row.fields) as Record<string, string | undefined>;
        if (q.equalFields && !q.equalFields.every((f) => fieldEquals(q.doc.fields[f], fields[f]))) continue;
        const unpacked = unpackVector(row.vec);
        const entries = masked ? unpacked.filter(([id]) => !masked.has(this.kindOf(id))) : unpacked;
        let raw = 0;
        let candidateSelf = 0;
        for (const [id, wd] of entries) {
          const idfValue = idfOf(id);
          candidateSelf += idfValue * wd * wd;
          const wq = qvec.get(id);
          if (wq !== undefined) raw += idfValue * wq * wd;
        }
        const textScore = scaleScore(raw, self, candidateSelf, scoring.pivotSlope);
        const matchedFields = matchFields(q.doc.fields, fields, Object.keys(weights));
        const candidate: Candidate = {
          ...this.ticketOf(row),
          score:
            combineScore(
              textScore,
              matchedFields.map((f) => weights[f] ?? 0),
            ) * recencyFactor(queryMs - createdMs, recency),
          textScore,
          sharedTerms: [],
          matchedFields,
        };
        scored.push({ candidate, entries });
      }
    };
    rescore(acc.top(poolSize));

    // 3. Reading on, a budget at a time, while the terms not yet read carry enough of the query
    //    to matter: a ticket sharing only those could score up to sqrt(their share of the
    //    query's self-score) (Cauchy–Schwarz), and one that shares a read term but missed the pool
    //    gains from them too. A query whose most telling terms are its own noise (a name, an asset
    //    tag) spends its first budget on them; its real words are then read here, so an old
    //    near-copy that shares only common-ish words is still found.
    const eligible = known.filter((t) => n < 1000 || t.df <= maxDocFrequency * n);
    for (let round = 0; round < extraReadRounds; round++) {
      const unread = eligible.filter((t) => !readIds.has(t.id));
      if (unread.length === 0) break;
      let unreadSelf = 0;
      for (const t of unread) unreadSelf += idfOf(t.id) * (qvec.get(t.id) ?? 0) ** 2;
      const reachable = Math.sqrt(unreadSelf / Math.max(self, Number.MIN_VALUE));
      if (reachable < kthTextScore(scored, q.limit)) break;
      let more = maxPostingsPerQuery;
      const next = unread
        .sort((a, b) => b.weight - a.weight)
        .filter((t) => {
          if (t.df > more) return false;
          more -= t.df;
          return true;
        });
      if (next.length === 0) break;
      read(next);
      rescore(acc.top(poolSize));
    }
    return scored
      .sort((a, b) => compareCandidates(a.candidate, b.candidate))
      .slice(0, q.limit)
      .map(({ candidate, entries }) => ({ ...candidate, sharedTerms: scoreText(qvec, new Map(entries), idfOf, self, (id) => names.get(id) ?? String(id), undefined, 0).sharedTerms }));
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

  /** Bytes held in memory by the index's caches (term array and term-id cache, estimated). */
  memoryBytes(): number {
    return this.terms.bytes() + (this.termIds.size + this.oldTermIds.size) * 80;
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

  /**
   * A state file from before this layout (migration 11 renamed its `sim_docs` to `sim_docs_v1`
   * and dropped the capped postings): term kinds filled in, then every ticket re-written from its
   * stored vector (ids, weights) in creation order — no text needed. One transaction.
   */
  private convertLegacy(): void {
    this.db.transaction(() => {
      const setKind = this.db.prepare('UPDATE sim_terms SET kind = ? WHERE id = ?');
      for (const t of this.db.prepare<[], { id: number; term: string }>('SELECT id, term FROM sim_terms').all()) {
        const code = kindCode(t.term);
        if (code !== 0) setKind.run(code, t.id);
      }
      this.terms.clear();
      const page = this.db.prepare<[number, number, number], DocRow & { created_ms: number }>(
        'SELECT * FROM sim_docs_v1 WHERE created_ms > ? OR (created_ms = ? AND id > ?) ORDER BY created_ms, id LIMIT 1000',
      );
      // df and the stats already count these tickets: rows are re-written, not counted again.
      let cursor: [number, number] = [Number.MIN_SAFE_INTEGER, 0];
      for (;;) {
        const rows = page.all(cursor[0], cursor[0], cursor[1]);
        if (rows.length === 0) break;
        for (const row of rows) {
          const id = this.nextRowId(row.created_ms);
          const entries = unpackLegacyVector(row.vec).sort((a, b) => a[0] - b[0]);
          this.writeRow(id, row, entries);
          cursor = [row.created_ms, row.id];
        }
      }
      this.db.exec('DROP TABLE sim_docs_v1');
    })();
  }

  private termId(term: string, create: true): number;
  private termId(term: string, create: false): number | undefined;
  private termId(term: string, create: boolean): number | undefined {
    const cached = this.termIds.get(term);
    if (cached !== undefined) return cached;
    const old = this.oldTermIds.get(term);
    const row = old === undefined ? this.stmts.term.get(term) : undefined;
    let id: number;
    if (old !== undefined) id = old;
    else if (row) {
      id = row.id;
      // A df already in memory is the newer one: in a batch it may count changes SQLite gets only
      // at the end (a replaced ticket's terms are decremented by id, without this lookup).
      if (this.terms.df(id) < 0) this.terms.set(id, row.df, row.kind);
    } else {
      if (!create) return undefined;
      const kind = kindCode(term);
      id = Number(this.stmts.addTerm.run(term, kind).lastInsertRowid);
      this.terms.set(id, 0, kind);
    }
    // The cache only saves lookups (SQLite stays the truth); a bounded size keeps memory flat
    // on huge vocabularies (the synthetic desk's noise words run to hundreds of thousands).
    if (this.termIds.size >= this.options.termCacheSize / 2) {
      this.oldTermIds = this.termIds;
      this.termIds = new Map();
    }
    this.termIds.set(term, id);
    return id;
  }

  private dfOf(id: number): number {
    let df = this.terms.df(id);
    if (df < 0) {
      const row = this.stmts.termById.get(id);
      df = row?.df ?? 0;
      this.terms.set(id, df, row?.kind ?? 0);
    }
    return df;
  }

  private kindOf(id: number): number {
    this.dfOf(id); // loads the kind with the df
    return this.terms.kind(id);
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

/** Tickets whose previous versions one SELECT reads. */
const KEYS_PER_LOOKUP = 128;
/** Tickets the tokenising worker is sent at a time (upsertManyPipelined). */
const PIPELINE_PIECE = 1000;

/** A ticket tokenised by the pool's worker: its encoding (see `EncodedChunk`), local ids already replaced by index ids. */
interface Encoded {
  readonly data: Int32Array;
  readonly at: number;
}

/** Index term id by worker-local id (0: not resolved yet; SQLite hands out ids from 1), for one generation of a pool's dictionary. */
class LocalTermIds {
  private ids = new Int32Array(1024);

  constructor(readonly generation: number) {}

  ensure(size: number): Int32Array {
    if (size > this.ids.length) {
      let length = this.ids.length;
      while (length < size) length *= 2;
      const ids = new Int32Array(length);
      ids.set(this.ids);
      this.ids = ids;
    }
    return this.ids;
  }
}

/**
 * The weighted vector of an encoded ticket, as `termWeights` computes it from its tokens: the
 * same additions in the same order (a term's title norm once per title occurrence, then its body
 * norm), so the weights — and the packed vectors — are bit for bit those of `upsertMany`.
 */
function encodedEntries({ data, at }: Encoded, avg: FieldLengths, params: ScoringParams): [number, number][] {
  const n = data[at + 2] as number;
  const titleNorm = params.titleBoost / (1 - params.bTitle + (params.bTitle * (data[at] as number)) / Math.max(avg.title, 1));
  const bodyNorm = params.bodyBoost / (1 - params.bBody + (params.bBody * (data[at + 1] as number)) / Math.max(avg.body, 1));
  const k1 = params.k1;
  const entries = new Array<[number, number]>(n);
  for (let j = 0, p = at + ENCODED_HEADER; j < n; j++, p += 3) {
    let x = 0;
    for (let c = data[p + 1] as number; c > 0; c--) x += titleNorm;
    for (let c = data[p + 2] as number; c > 0; c--) x += bodyNorm;
    entries[j] = [data[p] as number, (x * (k1 + 1)) / (x + k1)];
  }
  return entries;
}

/** What an `upsertMany` batch holds until it ends: next ids per minute, changed document frequencies. */
class WriteBatch {
  /** Per minute base: the next id to try (base + SEQ or more: the minute is full). */
  readonly nextIds = new Map<number, number>();
  /** Term ids whose document frequency changed, each once (flags by id). */
  readonly dfIds: number[] = [];
  private dfFlags = new Uint8Array(1024);

  markDf(id: number): void {
    if (id >= this.dfFlags.length) {
      let size = this.dfFlags.length;
      while (size <= id) size *= 2;
      const flags = new Uint8Array(size);
      flags.set(this.dfFlags);
      this.dfFlags = flags;
    }
    if (this.dfFlags[id] === 0) {
      this.dfFlags[id] = 1;
      this.dfIds.push(id);
    }
  }
}

/**
 * A term vector sorted by id: the ids as unsigned LEB128 varints of their gaps (1–3 bytes a term
 * instead of 4), then the weights as uint16 little-endian, quantised over 0..WEIGHT_MAX (BM25's
 * saturated weight is below k1 + 1; a step of 1/65,535 of it moves a score by ~1e-5). Prefixed by
 * the term count (varint).
 */
export function packVector(entries: readonly [number, number][]): Buffer {
  const buf = Buffer.allocUnsafe(5 + entries.length * 7);
  let at = writeVarint(buf, 0, entries.length);
  let prev = 0;
  for (const [id] of entries) {
    at = writeVarint(buf, at, id - prev);
    prev = id;
  }
  for (const [, weight] of entries) at = buf.writeUInt16LE(Math.max(1, Math.min(65_535, Math.round((weight / WEIGHT_MAX) * 65_535))), at);
  return buf.subarray(0, at);
}

export function unpackVector(buf: Buffer): [number, number][] {
  const [count, start] = readVarint(buf, 0);
  let at = start;
  const out = new Array<[number, number]>(count);
  let id = 0;
  for (let i = 0; i < count; i++) {
    let gap: number;
    [gap, at] = readVarint(buf, at);
    id += gap;
    out[i] = [id, 0];
  }
  for (let i = 0; i < count; i++, at += 2) (out[i] as [number, number])[1] = (buf.readUInt16LE(at) / 65_535) * WEIGHT_MAX;
  return out;
}

/** Upper bound of a stored weight: k1 + 1 for any k1 up to 3 (the default is 1.2); larger ones are clamped. */
const WEIGHT_MAX = 4;

function writeVarint(buf: Buffer, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    const byte = buf[i++] ?? 0;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i];
    scale *= 128;
  }
}

/** The vector layout before migration 11: term ids (uint32) followed by weights (float32), little-endian. */
function unpackLegacyVector(buf: Buffer): [number, number][] {
  const count = buf.length / 8;
  const out = new Array<[number, number]>(count);
  for (let i = 0; i < count; i++) out[i] = [buf.readUInt32LE(i * 4), buf.readFloatLE(count * 4 + i * 4)];
  return out;
}

/** A term as the FTS5 tables hold it: its id in base 36 (the `ascii` tokenizer keeps it whole). Writers and queries both use this. */
/** The `limit`-th best text score so far (0 while fewer were scored). */
function kthTextScore(scored: readonly { candidate: Candidate }[], limit: number): number {
  if (scored.length < limit) return 0;
  return scored.map((s) => s.candidate.textScore).sort((a, b) => b - a)[limit - 1] ?? 0;
}

function ftsTerm(id: number): string {
  return id.toString(36);
}

/** A ticket's FTS5 text: its term ids (sorted vector entries), space-separated. */
function ftsText(entries: readonly (readonly [number, number])[]): string {
  let text = '';
  for (let i = 0; i < entries.length; i++) text += (i === 0 ? '' : ' ') + ftsTerm((entries[i] as readonly [number, number])[0]);
  return text;
}
