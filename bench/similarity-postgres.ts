/**
 * The PostgreSQL similarity index against the SQLite one (issue #18), on the same synthetic desk in
 * the same run: the scale bench's desk (real Hadoop and help-desk texts recombined, in creation order)
 * and its 300 queries at the end of the span with a 1-year look-back, top 10, every third a planted
 * near-copy of a ticket in the window. Figures, not pass/fail: PostgreSQL's are printed as ratios of
 * SQLite's; the part fails (exit 1) only when something is broken — an exception, or a bounded read
 * whose recall or scores show a bug (floors far below what it measures) — never because the machine
 * is slow. Skipped (exit 0) without DESKBRIDGE_TEST_PG_URL.
 *
 *   DESKBRIDGE_TEST_PG_URL=postgres://… DESKBRIDGE_DATA_DIR=/path/to/data npx tsx bench/similarity-postgres.ts [--tickets 10000] [--exhaustive] [--grid]
 *
 * - PostgreSQL: PostgresCandidateIndex, default bounds, in a throwaway database (dropped after) on
 *   DESKBRIDGE_TEST_PG_URL; each upsert its own transaction on the pool (poolTransaction).
 * - SQLite: SqliteCandidateIndex, default options, on a temporary state file created by
 *   openSqliteStore (its migrations, WAL, synchronous=NORMAL; reopened with the same pragmas); each
 *   upsert its own transaction, as `history.index` runs it for every pulled ticket.
 * - Exact: MemoryCandidateIndex (postings), the reference both bounded reads are measured against: it
 *   scores every ticket sharing a term with the query, which is what PostgreSQL's exhaustive read
 *   returns bit for bit (tests; `--exhaustive` checks it here, ~2 queries/s).
 * - inserts: the desk one ticket at a time (what the daemon does: `indexPulled` → `history.index`),
 *   then 1,000 new versions of existing tickets in ONE transaction (PostgreSQL: BEGIN, 1,000 upserts on
 *   one client, COMMIT; SQLite: `upsertMany`).
 * - queries/s, p50/p95: 300 queries after 20 untimed warm-ups; recall@10 = share of the exact top 10
 *   an engine returns. PostgreSQL's results are also set against SQLite's top 10, but that is not a
 *   recall: SQLite's read is bounded too (terms in more than 5% of tickets skipped; with no bounds it
 *   returns the exact top 10), so its top 10 holds tickets of lower rank in place of those it did not
 *   read. Scores of a ticket both return agree to 1e-5 at 10k, 2e-4 at 1k (SQLite keeps float32 weights,
 *   and weighs a replaced version slightly differently from the memory index: 5e-6 at 1k without them).
 * - `--grid`: PostgreSQL's bounds swept (maxPostingsPerQuery × rescoreLimit), each against the exact top 10.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MemoryCandidateIndex } from '../src/similarity/memory-index.js';
import { POSTGRES_SIMILARITY_SCHEMA_SQL, PostgresCandidateIndex, poolTransaction, type PostgresIndexOptions } from '../src/similarity/postgres-index.js';
import { SqliteCandidateIndex } from '../src/similarity/sqlite-index.js';
import type { Candidate, CandidateQuery, SimilarityDoc } from '../src/similarity/types.js';
import { openSqliteStore } from '../src/state/sqlite/store.js';
import { deskBatches, END_MS, freshQuery, LOOK_BACK_MS, nearCopy, plantedOriginals, prng, syntheticPool, type DeskTicket } from './similarity-data.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TICKETS = arg('tickets', 10_000);
const QUERIES = 300;
const WARM_UP = 20;
const TOP = 10;
const AGAIN = 1_000;
const ADMIN_URL = process.env.DESKBRIDGE_TEST_PG_URL;
const DATA_DIR = process.env.DESKBRIDGE_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data');
/**
 * Below these something is broken, not slow (the part fails): at 2k and 10k tickets PostgreSQL's default
 * read returned the exact top 10 in 300/300 queries with the exact scores, SQLite's 0.70–0.73 of the
 * exact top 10 (it skips terms in more than 5% of tickets), and both found 98–99 of the 100 planted originals.
 */
const FLOOR = { pgRecall: 0.8, sqliteRecall: 0.4, planted: 0.5, scoreDiff: 1e-9 };
/** Budgets, as ratios of SQLite's figures on the same desk in the same run (about half of what was measured): a miss is printed, never a failure. */
const BUDGET = { inserts: 0.05, queries: 0.05 };

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const fmtRate = (n: number): string => (n < 100 ? fmt(n, 1) : fmt(n));
const times = (a: number, b: number): string => {
  const r = a / b;
  return `${r < 0.1 ? r.toPrecision(2) : fmt(r, 2)}×`;
};
/** "queries/s PG 20 = 0.10× SQLite 194". */
const versus = (what: string, pgValue: number, sqliteValue: number, unit = ''): string =>
  `${what} PG ${fmtRate(pgValue)}${unit} = ${times(pgValue, sqliteValue)} SQLite ${fmtRate(sqliteValue)}${unit}`;

interface QueryRun {
  results: Candidate[][];
  perSec: number;
  p50: number;
  p95: number;
}

async function timeQueries(queries: readonly SimilarityDoc[], query: (doc: SimilarityDoc) => Promise<Candidate[]> | Candidate[]): Promise<QueryRun> {
  for (const doc of queries.slice(0, WARM_UP)) await query(doc);
  const ms: number[] = [];
  const results: Candidate[][] = [];
  for (const doc of queries) {
    const t0 = performance.now();
    results.push(await query(doc));
    ms.push(performance.now() - t0);
  }
  const total = ms.reduce((a, b) => a + b, 0);
  return { results, perSec: queries.length / (total / 1000), p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
}

interface Agreement {
  /** Share of the reference's top-k keys the run also returned. */
  recall: number;
  hits: number;
  wanted: number;
  sameTop1: number;
  identical: number;
  /** Largest score difference on a key both returned. */
  maxScoreDiff: number;
}

function agreement(run: readonly Candidate[][], reference: readonly Candidate[][]): Agreement {
  let hits = 0;
  let wanted = 0;
  let sameTop1 = 0;
  let identical = 0;
  let maxScoreDiff = 0;
  run.forEach((got, i) => {
    const want = reference[i] ?? [];
    const byKey = new Map(got.map((c) => [c.key, c]));
    wanted += want.length;
    for (const c of want) {
      const other = byKey.get(c.key);
      if (!other) continue;
      hits++;
      maxScoreDiff = Math.max(maxScoreDiff, Math.abs(other.score - c.score));
    }
    if (want.length === 0 || want[0]?.key === got[0]?.key) sameTop1++;
    if (want.length === got.length && want.every((c, j) => c.key === got[j]?.key)) identical++;
  });
  return { recall: wanted === 0 ? 1 : hits / wanted, hits, wanted, sameTop1, identical, maxScoreDiff };
}

const describe = (a: Agreement, n: number): string =>
  `recall@${TOP} ${a.recall.toFixed(4)} (${fmt(a.hits)}/${fmt(a.wanted)}), same top 1 in ${a.sameTop1}/${n}, whole top ${TOP} identical in ${a.identical}/${n}, largest score difference on a shared candidate ${a.maxScoreDiff.toExponential(1)}`;

async function main(adminUrl: string): Promise<void> {
  const problems: string[] = [];
  const broken = (what: string): void => {
    problems.push(what);
  };
  const started = performance.now();
  const dataPool = syntheticPool(DATA_DIR);
  const desk: DeskTicket[] = [];
  for (const batch of deskBatches(dataPool, TICKETS, 1000)) desk.push(...batch);
  // New versions of the desk's first 1,000 tickets: the same ticket, a line added (created time kept).
  const again = desk.slice(0, AGAIN).map((t): SimilarityDoc => ({ ...t.doc, version: '2', description: `${t.doc.description}\nUser called again.` }));
  const originalIdx = plantedOriginals(TICKETS, Math.ceil(QUERIES / 3));
  const rand = prng(7);
  const queries: { doc: SimilarityDoc; original: number | undefined }[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const row = q % 3 === 0 ? originalIdx[q / 3] : undefined;
    const original = row === undefined ? undefined : desk[row];
    if (original) queries.push({ doc: nearCopy(dataPool, original, rand, `bench:q${q}`, TICKETS).doc, original: row });
    else queries.push({ doc: freshQuery(dataPool, rand, q, TICKETS), original: undefined });
  }
  const queryDocs = queries.map((q) => q.doc);
  const after = new Date(END_MS - LOOK_BACK_MS).toISOString();
  const cq = (doc: SimilarityDoc): CandidateQuery => ({ doc, createdBefore: doc.createdAt, createdAfter: after, fieldWeights: { category: 0.1 }, limit: TOP });
  const plantedQueries = queries.filter((q) => q.original !== undefined).length;
  const planted = (results: readonly Candidate[][]): number => queries.filter((q, i) => q.original !== undefined && results[i]?.some((c) => c.key === `bench:${q.original}`)).length;
  console.log(`\nSimilarity index, PostgreSQL vs SQLite: ${fmt(TICKETS)} synthetic desk tickets, ${QUERIES} queries (${plantedQueries} planted near-copies), top ${TOP}, 1-year look-back`);

  // --- SQLite: a state file as the store creates it, the index on it as the history store uses it.
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-simbench-'));
  const path = join(dir, 'state.db');
  const sqlite = { insertPerSec: 0, batchPerSec: 0, fileBytes: 0, run: undefined as QueryRun | undefined };
  try {
    await openSqliteStore(path).close();
    const db = new Database(path, { timeout: 10_000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const index = new SqliteCandidateIndex(db);
      const t0 = performance.now();
      for (const t of desk) index.upsert(t.doc);
      sqlite.insertPerSec = TICKETS / ((performance.now() - t0) / 1000);
      const t1 = performance.now();
      index.upsertMany(again);
      sqlite.batchPerSec = again.length / ((performance.now() - t1) / 1000);
      sqlite.run = await timeQueries(queryDocs, (doc) => index.query(cq(doc)));
      db.pragma('wal_checkpoint(TRUNCATE)');
      sqlite.fileBytes = [path, `${path}-wal`].filter(existsSync).reduce((s, p) => s + statSync(p).size, 0);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // --- The exact reference.
  const memory = new MemoryCandidateIndex(undefined, { postings: true });
  for (const t of desk) memory.upsert(t.doc);
  for (const d of again) memory.upsert(d);
  const exact = await timeQueries(queryDocs, (doc) => memory.query(cq(doc)));

  // --- PostgreSQL, in a throwaway database.
  const name = `deskbridge_bench_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  try {
    await pool.query(POSTGRES_SIMILARITY_SCHEMA_SQL);
    const writer = new PostgresCandidateIndex(pool, { transaction: poolTransaction(pool) });
    const t0 = performance.now();
    for (const t of desk) await writer.upsert(t.doc);
    const pgInsertPerSec = TICKETS / ((performance.now() - t0) / 1000);
    const client = await pool.connect();
    let pgBatchPerSec = 0;
    try {
      const t1 = performance.now();
      await client.query('BEGIN');
      const inBatch = new PostgresCandidateIndex(client);
      for (const d of again) await inBatch.upsert(d);
      await client.query('COMMIT');
      pgBatchPerSec = again.length / ((performance.now() - t1) / 1000);
    } finally {
      client.release();
    }
    const defaults = new PostgresCandidateIndex(pool);
    const pgRun = await timeQueries(queryDocs, (doc) => defaults.query(cq(doc)));
    const sizes = (
      await pool.query(
        `SELECT pg_total_relation_size('similarity_postings') + pg_total_relation_size('similarity_docs') + pg_total_relation_size('similarity_terms') + pg_total_relation_size('similarity_meta') AS bytes,
                pg_size_pretty(pg_total_relation_size('similarity_postings')) AS postings, pg_size_pretty(pg_total_relation_size('similarity_docs')) AS docs,
                pg_size_pretty(pg_total_relation_size('similarity_terms')) AS terms, (SELECT count(*) FROM similarity_postings) AS n`,
      )
    ).rows[0] as Record<string, string>;
    const t3 = performance.now();
    await writer.refreshHints();
    const refreshMs = performance.now() - t3;
    const sq = sqlite.run;
    if (!sq) throw new Error('the SQLite part did not run');

    const MB = 2 ** 20;
    const pgExact = agreement(pgRun.results, exact.results);
    const sqExact = agreement(sq.results, exact.results);
    const pgSq = agreement(pgRun.results, sq.results);
    const pgPlanted = planted(pgRun.results);
    const sqPlanted = planted(sq.results);
    console.log(`  inserts, one ticket a transaction (as the daemon indexes what it pulls): ${versus('inserts/s', pgInsertPerSec, sqlite.insertPerSec)}`);
    console.log(`  ${fmt(AGAIN)} new versions of indexed tickets in one transaction: ${versus('upserts/s', pgBatchPerSec, sqlite.batchPerSec)}`);
    console.log(`  default bounded reads: ${versus('queries/s', pgRun.perSec, sq.perSec)}; ${versus('p50', pgRun.p50, sq.p50, ' ms')}; ${versus('p95', pgRun.p95, sq.p95, ' ms')}`);
    console.log(
      `  size: ${versus('MB', Number(sizes.bytes) / MB, sqlite.fileBytes / MB)} (PG: the four tables with their indexes, postings ${sizes.postings} in ${fmt(Number(sizes.n))} rows, docs ${sizes.docs}, terms ${sizes.terms}; SQLite: the state file after a checkpoint)`,
    );
    console.log(`  exact reference (MemoryCandidateIndex, every ticket sharing a term scored): ${fmtRate(exact.perSec)} queries/s`);
    console.log(`  PG default vs exact:     ${describe(pgExact, QUERIES)}`);
    console.log(`  SQLite default vs exact: ${describe(sqExact, QUERIES)}`);
    console.log(
      `  PG default vs SQLite's top ${TOP}: it returns ${pgSq.recall.toFixed(4)} of them (${fmt(pgSq.hits)}/${fmt(pgSq.wanted)}) — not a recall: SQLite's read is bounded too (terms in > 5% of tickets skipped), so the exact top ${TOP} is the reference`,
    );
    console.log(`  planted originals in the top ${TOP}: PG ${pgPlanted}/${plantedQueries}, SQLite ${sqPlanted}/${plantedQueries}, exact ${planted(exact.results)}/${plantedQueries}`);
    console.log(`  refreshHints (every stored self-score recomputed; upsert runs it when the index doubles): ${fmt(refreshMs)} ms`);
    const mark = (ok: boolean): string => (ok ? '✓' : '✗ (a figure, not a failure)');
    console.log(
      `  budgets: inserts/s ≥ ${BUDGET.inserts}× SQLite ${mark(pgInsertPerSec >= BUDGET.inserts * sqlite.insertPerSec)}, queries/s ≥ ${BUDGET.queries}× SQLite ${mark(pgRun.perSec >= BUDGET.queries * sq.perSec)}, recall@${TOP} vs exact ≥ SQLite's ${mark(pgExact.recall >= sqExact.recall)}`,
    );
    if (pgExact.recall < FLOOR.pgRecall) broken(`PG default recall@${TOP} vs exact ${pgExact.recall.toFixed(3)} < ${FLOOR.pgRecall}`);
    if (sqExact.recall < FLOOR.sqliteRecall) broken(`SQLite default recall@${TOP} vs exact ${sqExact.recall.toFixed(3)} < ${FLOOR.sqliteRecall}`);
    if (pgExact.maxScoreDiff > FLOOR.scoreDiff) broken(`PG scores differ from the exact ones by ${pgExact.maxScoreDiff} (> ${FLOOR.scoreDiff}): re-scoring is not exact`);
    if (pgPlanted < FLOOR.planted * plantedQueries) broken(`PG found ${pgPlanted}/${plantedQueries} planted originals`);
    if (sqPlanted < FLOOR.planted * plantedQueries) broken(`SQLite found ${sqPlanted}/${plantedQueries} planted originals`);

    if (args.includes('--exhaustive')) {
      const full = new PostgresCandidateIndex(pool, { maxPostingsPerQuery: Infinity, rescoreLimit: Infinity });
      const run = await timeQueries(queryDocs, (doc) => full.query(cq(doc)));
      const a = agreement(run.results, exact.results);
      console.log(`  PG exhaustive (every posting, every ticket re-scored): ${fmtRate(run.perSec)} queries/s; vs exact: ${describe(a, QUERIES)}`);
      if (a.identical < QUERIES || a.maxScoreDiff > FLOOR.scoreDiff) broken(`PG exhaustive differs from MemoryCandidateIndex in ${QUERIES - a.identical} queries`);
    }
    if (args.includes('--grid')) {
      for (const [maxPostingsPerQuery, rescoreLimit] of [
        [30_000, 100],
        [30_000, 50],
        [10_000, 200],
        [5_000, 100],
        [2_000, 100],
      ] as const) {
        const options: PostgresIndexOptions = { maxPostingsPerQuery, rescoreLimit };
        const bounded = new PostgresCandidateIndex(pool, options);
        const run = await timeQueries(queryDocs, (doc) => bounded.query(cq(doc)));
        console.log(
          `  PG maxPostingsPerQuery ${fmt(maxPostingsPerQuery)}, rescoreLimit ${rescoreLimit}: ${fmtRate(run.perSec)} queries/s; vs exact: ${describe(agreement(run.results, exact.results), QUERIES)}`,
        );
      }
    }
  } finally {
    await pool.end();
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  console.log(`  (${fmt((performance.now() - started) / 1000)} s)`);
  if (problems.length > 0) {
    for (const p of problems) console.error(`  BROKEN: ${p}`);
    process.exitCode = 1;
  }
}

if (ADMIN_URL) {
  try {
    await main(ADMIN_URL);
  } catch (error) {
    console.error(`similarity-postgres: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
} else console.log('\nSimilarity index, PostgreSQL vs SQLite: skipped (set DESKBRIDGE_TEST_PG_URL to a server where the user may create databases)');
