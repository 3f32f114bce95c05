/**
 * Scale part of the similarity bench. Each (desk size, engine) runs in its own child process, so
 * its peak RSS is its own (the OS's maxRSS of that process) and a crash, OOM or time-out of one
 * leaves the others standing. Engines: deskbridge's SQLite index, FTS5 (standard table), FTS5
 * contentless (file size only) and the all-pairs in-memory scorer (10k / 100k).
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryCandidateIndex } from '../src/similarity/memory-index.js';
import { SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex, type SqliteIndexOptions } from '../src/similarity/sqlite-index.js';
import type { SimilarityDoc } from '../src/similarity/types.js';
import { asCloseAsOriginal, contentOf, deskBatches, END_MS, freshQuery, LOOK_BACK_MS, nearCopy, plantedOriginals, prng, syntheticPool, type Content, type DeskTicket } from './similarity-data.js';
import { createFts5, Fts5Index, rowidWindow, tableBytes } from './similarity-fts5.js';

export type Engine = 'deskbridge' | 'fts5' | 'fts5-contentless' | 'all-pairs';

export interface ChildJob {
  engine: Engine;
  tickets: number;
  dataDir: string;
  index: Partial<SqliteIndexOptions>;
  /** Queries to run (the first n of the 300 in `order`; the all-pairs scorer is slow). */
  queries: number;
  /**
   * `planted-first`: the 100 planted queries, then the 200 fresh ones, so an engine stopped by the
   * query budget still has a planted-recall figure over many queries; `interleaved`: every third
   * is planted (a sample of the first n mixes both).
   */
  order: 'planted-first' | 'interleaved';
  /** Stop querying once this much query time is spent (the figures then cover the queries run). */
  queryBudgetSeconds: number;
}

/** Timed queries: 300 new tickets at the end of the span, every third a planted near-copy. */
export const QUERY_COUNT = 300;
const WARM_UP = 20;
/** Candidates asked for: the shipped rule lists 5. */
const TOP = 5;
const BATCH = 20_000;
/** Options of the index that reads everything (see EngineRun.pruning). */
const EXHAUSTIVE: Partial<SqliteIndexOptions> = { maxPostingsPerQuery: Number.MAX_SAFE_INTEGER, maxDocFrequency: 1, maxQueryTerms: 1000, rescoreMin: 3000 };
/** Time the exhaustive queries may take (about a second each at 1M tickets). */
const EXHAUSTIVE_BUDGET_SECONDS = 300;

export interface EngineRun {
  engine: Engine;
  tickets: number;
  insertPerSec: number;
  /** Queries run (fewer than asked when the query budget ran out). */
  queries: number;
  queryPerSec: number | undefined;
  queryP50Ms: number | undefined;
  queryP95Ms: number | undefined;
  /** maxRSS of the child process (its whole life: data pool, index, queries). */
  peakRssMb: number;
  /** RSS of the child once the data pool was loaded, before building: what is not the engine's. */
  baseRssMb: number;
  /** Database file after a WAL checkpoint (TRUNCATE); undefined for the in-memory scorer. */
  fileMb: number | undefined;
  /** Largest tables/indexes of the file (dbstat), MB. */
  tablesMb: Record<string, number> | undefined;
  /** Distinct terms (deskbridge: rows of sim_terms). */
  terms: number | undefined;
  /**
   * Planted queries run; how many found the original, or a ticket whose title and body are each at
   * least as close to the query's (see `asCloseAsOriginal`), at rank 1 / within the top 5; and the original itself only.
   */
  planted: { queries: number; at1: number; at5: number; originalAt1: number; originalAt5: number; lookAlikeHits: number };
  /**
   * deskbridge only: the planted queries again through an index that reads every query term's
   * whole doclist (no budget, no common-term cut) and re-scores the 3,000 best: of the originals
   * that read ranks in its top 5, how many the budgeted index's top 5 also has — what the
   * pruning loses, apart from what the scorer ranks.
   */
  pruning?: { queries: number; exhaustiveAt5: number; keptAt5: number; seconds: number };
  /** Top-5 ticket indexes of each query run, by query number (0..299; every third is planted). */
  tops: [number, number[]][];
  seconds: number;
}

/** A full garbage collection, so the base RSS does not include the pool's garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

function fileDb(path: string): Database.Database {
  const db = new Database(path);
  // As the daemon opens its state file, plus a bigger page cache and fewer WAL checkpoints
  // for the bulk load (what a backfill would set). The same for every engine.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  db.pragma('wal_autocheckpoint = 16000');
  return db;
}

function fileBytes(path: string): number {
  return [path, `${path}-wal`].filter(existsSync).reduce((s, p) => s + statSync(p).size, 0);
}

const MB = 2 ** 20;

/** What one engine does with the desk: insert batches (timed by the caller), answer a query, report its file. */
interface EngineImpl {
  insert(batch: DeskTicket[], firstRow: number): void;
  query(doc: SimilarityDoc): number[];
  /** The same query with no pruning budget (deskbridge only). */
  exhaustiveQuery?(doc: SimilarityDoc): number[];
  finish(): { fileMb?: number; tablesMb?: Record<string, number>; terms?: number };
  close(): void;
}

function engineImpl(job: ChildJob, dir: string, createdMs: Float64Array): EngineImpl {
  const after = END_MS - LOOK_BACK_MS;
  const path = join(dir, `${job.engine}-${job.tickets}.db`);
  // dbstat reads every page (minutes at 1M): only where the split by table is printed.
  const checkpointed = (db: Database.Database, byTable: boolean): { fileMb: number; tablesMb?: Record<string, number> } => {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const fileMb = fileBytes(path) / MB;
    return byTable ? { fileMb, tablesMb: Object.fromEntries([...tableBytes(db)].slice(0, 6).map(([name, bytes]) => [name, bytes / MB])) } : { fileMb };
  };
  if (job.engine === 'deskbridge') {
    const db = fileDb(path);
    db.exec(SIMILARITY_SCHEMA_SQL);
    const index = new SqliteCandidateIndex(db, job.index);
    const exhaustive = new SqliteCandidateIndex(db, { ...job.index, ...EXHAUSTIVE });
    const pool = index.createAnalysePool();
    return {
      // A backfill: batches of 20,000 (one transaction each, grouped writes); includes tokenising, on a worker thread a piece ahead.
      insert: (batch) =>
        index.upsertManyPipelined(
          batch.map((t) => t.doc),
          pool,
        ),
      query: (doc) => index.query({ doc, createdBefore: doc.createdAt, createdAfter: new Date(after).toISOString(), limit: TOP }).map((c) => Number(c.key.slice('bench:'.length))),
      exhaustiveQuery: (doc) => exhaustive.query({ doc, createdBefore: doc.createdAt, createdAfter: new Date(after).toISOString(), limit: TOP }).map((c) => Number(c.key.slice('bench:'.length))),
      finish: () => ({ ...checkpointed(db, true), terms: (db.prepare('SELECT count(*) AS n FROM sim_terms').get() as { n: number }).n }),
      close: () => {
        void pool.close();
        db.close();
      },
    };
  }
  if (job.engine === 'fts5' || job.engine === 'fts5-contentless') {
    const db = fileDb(path);
    createFts5(db, { contentless: job.engine === 'fts5-contentless' });
    const fts = new Fts5Index(db);
    return {
      insert: (batch, firstRow) => fts.insertMany(batch.map((t, i) => ({ rowid: firstRow + i, doc: t.doc }))),
      query: (doc) => {
        const w = rowidWindow(createdMs, after, Date.parse(doc.createdAt));
        return fts.query(doc, w.from, w.to, TOP).map((rowid) => rowid - 1);
      },
      finish: () => checkpointed(db, job.engine === 'fts5'),
      close: () => db.close(),
    };
  }
  const memory = new MemoryCandidateIndex();
  return {
    insert: (batch) => {
      for (const t of batch) memory.upsert(t.doc);
    },
    query: (doc) => memory.query({ doc, createdBefore: doc.createdAt, createdAfter: new Date(after).toISOString(), limit: TOP }).map((c) => Number(c.key.slice('bench:'.length))),
    finish: () => ({}),
    close: () => memory.clear(),
  };
}

/** Runs one engine on one desk size (inside the child process). */
export function runEngine(job: ChildJob, log: (line: string) => void): EngineRun {
  const t0Run = performance.now();
  const pool = syntheticPool(job.dataDir);
  collectGarbage();
  const baseRss = process.memoryUsage().rss;
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-sim-'));
  try {
    const createdMs = new Float64Array(job.tickets);
    // Each row's pool texts (12 bytes a ticket), to rebuild a returned ticket's content.
    const titleOf = new Int32Array(job.tickets);
    const bodyOf = new Int32Array(job.tickets);
    const body2Of = new Int32Array(job.tickets);
    const originalIdx = plantedOriginals(job.tickets, Math.ceil(QUERY_COUNT / 3));
    const wanted = new Set(originalIdx);
    const originals = new Map<number, DeskTicket>();
    const impl = engineImpl(job, dir, createdMs);
    let insertMs = 0;
    let inserted = 0;
    for (const batch of deskBatches(pool, job.tickets, BATCH)) {
      const t0 = performance.now();
      impl.insert(batch, inserted + 1);
      insertMs += performance.now() - t0;
      batch.forEach((t, j) => {
        const row = inserted + j;
        createdMs[row] = t.createdMs;
        titleOf[row] = t.parts.title;
        bodyOf[row] = t.parts.body;
        body2Of[row] = t.parts.body2;
        if (wanted.has(row)) originals.set(row, t);
      });
      inserted += batch.length;
      if (inserted % 200_000 === 0) log(`    ${job.engine} ${job.tickets.toLocaleString('en')}: ${inserted.toLocaleString('en')} inserted (${Math.round(inserted / (insertMs / 1000))}/s)`);
    }
    const contentOfRow = (row: number): Content => contentOf(pool, { title: titleOf[row] ?? 0, body: bodyOf[row] ?? 0, body2: body2Of[row] ?? -1 });
    const file = impl.finish();

    // 300 queries: every third a near-copy of the next planted original, the rest fresh tickets.
    const rand = prng(7);
    const queries: { q: number; doc: SimilarityDoc; original: number | undefined; content: Content | undefined }[] = [];
    for (let q = 0; q < QUERY_COUNT + WARM_UP; q++) {
      const original = q < QUERY_COUNT && q % 3 === 0 ? originals.get(originalIdx[q / 3] ?? -1) : undefined;
      if (original) queries.push({ q, ...nearCopy(pool, original, rand, `bench:q${q}`, job.tickets), original: originalIdx[q / 3] });
      else queries.push({ q, doc: freshQuery(pool, rand, q, job.tickets), original: undefined, content: undefined });
    }
    // Warm-up, untimed: 20 queries, or fewer once a tenth of the query budget is spent (FTS5 at 1M takes seconds a query).
    const warmUpStart = performance.now();
    for (const { doc } of job.queries > 0 ? queries.slice(QUERY_COUNT) : []) {
      if (performance.now() - warmUpStart > job.queryBudgetSeconds * 100) break;
      impl.query(doc);
    }
    const timed = queries.slice(0, QUERY_COUNT);
    const ordered = job.order === 'planted-first' ? [...timed.filter((x) => x.original !== undefined), ...timed.filter((x) => x.original === undefined)] : timed;
    const times: number[] = [];
    const tops: [number, number[]][] = [];
    const planted = { queries: 0, at1: 0, at5: 0, originalAt1: 0, originalAt5: 0, lookAlikeHits: 0 };
    let spent = 0;
    for (const { q, doc, original, content } of ordered.slice(0, job.queries)) {
      if (spent > job.queryBudgetSeconds * 1000) break;
      const t0 = performance.now();
      const top = impl.query(doc);
      const ms = performance.now() - t0;
      spent += ms;
      times.push(ms);
      tops.push([q, top]);
      if (original === undefined || content === undefined) continue;
      planted.queries++;
      const originalContent = contentOfRow(original);
      const rank = top.findIndex((i) => i === original || asCloseAsOriginal(content, contentOfRow(i), originalContent)) + 1;
      const originalRank = top.indexOf(original) + 1;
      if (rank === 1) planted.at1++;
      if (rank >= 1 && rank <= 5) planted.at5++;
      if (originalRank === 1) planted.originalAt1++;
      if (originalRank >= 1 && originalRank <= 5) planted.originalAt5++;
      if (rank >= 1 && top[rank - 1] !== original) planted.lookAlikeHits++;
    }
    // Peak RSS of indexing and querying, before the exhaustive pass (which no daemon makes) can raise it.
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    let pruning: EngineRun['pruning'];
    if (impl.exhaustiveQuery && planted.queries > 0) {
      const started = performance.now();
      pruning = { queries: 0, exhaustiveAt5: 0, keptAt5: 0, seconds: 0 };
      const topOf = new Map(tops);
      for (const { q, doc, original } of ordered.slice(0, job.queries)) {
        if (original === undefined || !topOf.has(q)) continue;
        if (performance.now() - started > EXHAUSTIVE_BUDGET_SECONDS * 1000) break;
        pruning.queries++;
        if (!impl.exhaustiveQuery(doc).includes(original)) continue;
        pruning.exhaustiveAt5++;
        if (topOf.get(q)?.includes(original)) pruning.keptAt5++;
      }
      pruning.seconds = (performance.now() - started) / 1000;
    }
    impl.close();
    return {
      pruning,
      engine: job.engine,
      tickets: job.tickets,
      insertPerSec: inserted / (insertMs / 1000),
      queries: times.length,
      queryPerSec: times.length ? times.length / (spent / 1000) : undefined,
      queryP50Ms: times.length ? percentile(times, 0.5) : undefined,
      queryP95Ms: times.length ? percentile(times, 0.95) : undefined,
      peakRssMb,
      baseRssMb: baseRss / MB,
      fileMb: file.fileMb,
      tablesMb: file.tablesMb,
      terms: file.terms,
      planted,
      tops,
      seconds: (performance.now() - t0Run) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type EngineOutcome = { ok: true; run: EngineRun } | { ok: false; engine: Engine; tickets: number; error: string; timedOut: boolean };

/**
 * Runs `runEngine` in a child process (this same script with `--child <job>`): progress on the
 * parent's stderr, the result as JSON on stdout's last line.
 */
export function runEngineInChild(script: string, job: ChildJob, timeoutSeconds: number): EngineOutcome {
  const child = spawnSync(process.execPath, [...process.execArgv, script, '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * MB,
  });
  const fail = (error: string, timedOut = false): EngineOutcome => ({ ok: false, engine: job.engine, tickets: job.tickets, error, timedOut });
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return fail(`timed out after ${timeoutSeconds} s`, true);
  if (child.error) return fail(child.error.message);
  if (child.status !== 0) return fail(`exited with ${child.status ?? child.signal}`);
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return { ok: true, run: JSON.parse(last) as EngineRun };
  } catch {
    return fail(`no result on stdout (${last.slice(0, 200)})`);
  }
}
