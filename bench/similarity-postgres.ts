/**
 * The PostgreSQL similarity index at 10k tickets (not part of bench/all.ts): upserts/s, queries/s and
 * the recall of the bounded read against the exhaustive one, on the synthetic desk of the scale bench
 * (real Hadoop and help-desk texts recombined, 300 queries at its end with a 1-year look-back, every
 * third a planted near-copy), in a throwaway database on DESKBRIDGE_TEST_PG_URL.
 *
 *   DESKBRIDGE_TEST_PG_URL=postgres://… DESKBRIDGE_DATA_DIR=/path/to/data npx tsx bench/similarity-postgres.ts [--tickets 10000] [--memory]
 *
 * `--memory` also checks the exhaustive results against MemoryCandidateIndex.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { MemoryCandidateIndex } from '../src/similarity/memory-index.js';
import { POSTGRES_SIMILARITY_SCHEMA_SQL, PostgresCandidateIndex, poolTransaction, type PostgresIndexOptions } from '../src/similarity/postgres-index.js';
import type { Candidate, CandidateQuery, SimilarityDoc } from '../src/similarity/types.js';
import { deskBatches, END_MS, freshQuery, LOOK_BACK_MS, nearCopy, plantedOriginals, prng, syntheticPool, type DeskTicket } from './similarity-data.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TICKETS = arg('tickets', 10_000);
const QUERIES = 300;
const TOP = 10;
const withMemory = args.includes('--memory');
const ADMIN_URL = process.env.DESKBRIDGE_TEST_PG_URL;
const DATA_DIR = process.env.DESKBRIDGE_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data');
if (!ADMIN_URL) throw new Error('Set DESKBRIDGE_TEST_PG_URL to a server where the user may create databases');

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

async function main(): Promise<void> {
  const name = `deskbridge_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL ?? '');
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  try {
    await pool.query(POSTGRES_SIMILARITY_SCHEMA_SQL);
    const dataPool = syntheticPool(DATA_DIR);
    const originalIdx = plantedOriginals(TICKETS, Math.ceil(QUERIES / 3));
    const wanted = new Set(originalIdx);
    const originals = new Map<number, DeskTicket>();
    const transaction = poolTransaction(pool);
    const writer = new PostgresCandidateIndex(pool, { transaction });
    const memory = withMemory ? new MemoryCandidateIndex(undefined, { postings: true }) : undefined;
    let upsertMs = 0;
    let row = 0;
    for (const batch of deskBatches(dataPool, TICKETS, 1000)) {
      const t0 = performance.now();
      for (const t of batch) await writer.upsert(t.doc);
      upsertMs += performance.now() - t0;
      for (const t of batch) {
        if (wanted.has(row)) originals.set(row, t);
        memory?.upsert(t.doc);
        row++;
      }
    }
    console.log(`upserts: ${TICKETS} tickets one at a time, each its own transaction: ${Math.round(TICKETS / (upsertMs / 1000))}/s (${(upsertMs / TICKETS).toFixed(2)} ms each)`);

    // Re-upserting 1,000 existing tickets (new versions, same text plus a line), 4 at a time on the pool.
    const again: SimilarityDoc[] = [];
    for (const batch of deskBatches(dataPool, 1000, 1000)) for (const t of batch) again.push({ ...t.doc, version: '2', description: `${t.doc.description}\nUser called again.` });
    const t1 = performance.now();
    for (let i = 0; i < again.length; i += 4) await Promise.all(again.slice(i, i + 4).map((d) => writer.upsert(d)));
    const againMs = performance.now() - t1;
    for (const d of again) memory?.upsert(d);
    console.log(`re-upserts (new versions of existing keys, 4 concurrent): ${Math.round(again.length / (againMs / 1000))}/s`);
    // The same 1,000 again (version 3) in ONE transaction on one client, as a store's batch commit would run them.
    const client = await pool.connect();
    const t2 = performance.now();
    await client.query('BEGIN');
    const inBatch = new PostgresCandidateIndex(client);
    for (const d of again) await inBatch.upsert({ ...d, version: '3' });
    await client.query('COMMIT');
    const batchMs = performance.now() - t2;
    client.release();
    for (const d of again) memory?.upsert({ ...d, version: '3' });
    console.log(`re-upserts in one transaction of 1,000: ${Math.round(again.length / (batchMs / 1000))}/s`);
    const t3 = performance.now();
    await writer.refreshHints();
    console.log(`refreshHints (every stored self-score recomputed; upsert runs it when the index doubles): ${Math.round(performance.now() - t3)} ms`);
    const sizes = (
      await pool.query(
        `SELECT pg_size_pretty(pg_total_relation_size('similarity_postings')) AS postings, pg_size_pretty(pg_total_relation_size('similarity_docs')) AS docs,
              pg_size_pretty(pg_total_relation_size('similarity_terms')) AS terms, (SELECT count(*) FROM similarity_postings) AS n, (SELECT count(*) FROM similarity_terms) AS t`,
      )
    ).rows[0] as Record<string, string>;
    console.log(`size: postings ${sizes.postings} (${sizes.n} rows), docs ${sizes.docs}, terms ${sizes.terms} (${sizes.t} terms)`);

    const rand = prng(7);
    const queries: { doc: SimilarityDoc; original: number | undefined }[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const original = q % 3 === 0 ? originals.get(originalIdx[q / 3] ?? -1) : undefined;
      if (original) queries.push({ doc: nearCopy(dataPool, original, rand, `bench:q${q}`, TICKETS).doc, original: originalIdx[q / 3] });
      else queries.push({ doc: freshQuery(dataPool, rand, q, TICKETS), original: undefined });
    }
    const after = new Date(END_MS - LOOK_BACK_MS).toISOString();
    const cq = (doc: SimilarityDoc): CandidateQuery => ({ doc, createdBefore: doc.createdAt, createdAfter: after, fieldWeights: { category: 0.1 }, limit: TOP });

    const run = async (label: string, options: PostgresIndexOptions): Promise<Candidate[][]> => {
      const index = new PostgresCandidateIndex(pool, options);
      for (const { doc } of queries.slice(0, 20)) await index.query(cq(doc));
      const times: number[] = [];
      const out: Candidate[][] = [];
      for (const { doc } of queries) {
        const t0 = performance.now();
        out.push(await index.query(cq(doc)));
        times.push(performance.now() - t0);
      }
      const total = times.reduce((a, b) => a + b, 0);
      const planted = queries.filter((q, i) => q.original !== undefined && out[i]?.some((c) => c.key === `bench:${q.original}`)).length;
      console.log(
        `${label}: ${Math.round(QUERIES / (total / 1000))} queries/s, p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms; planted originals in top ${TOP}: ${planted}/${queries.filter((q) => q.original !== undefined).length}`,
      );
      return out;
    };
    const exhaustive = await run('exhaustive (every posting, every ticket re-scored)', { maxPostingsPerQuery: Infinity, rescoreLimit: Infinity });
    if (memory) {
      let same = 0;
      queries.forEach(({ doc }, i) => {
        const m = memory.query(cq(doc));
        const e = exhaustive[i] ?? [];
        if (m.length === e.length && m.every((c, j) => c.key === e[j]?.key && Math.abs(c.score - (e[j]?.score ?? NaN)) <= 1e-9)) same++;
      });
      console.log(`exhaustive vs MemoryCandidateIndex: ${same}/${QUERIES} queries with the same top ${TOP} (keys, scores to 1e-9)`);
    }
    for (const [maxPostingsPerQuery, rescoreLimit] of [
      [30_000, 200],
      [30_000, 100],
      [30_000, 50],
      [10_000, 200],
      [5_000, 100],
      [2_000, 100],
    ] as const) {
      const bounded = await run(`maxPostingsPerQuery ${maxPostingsPerQuery}, rescoreLimit ${rescoreLimit}`, { maxPostingsPerQuery, rescoreLimit });
      let hits = 0;
      let wanted = 0;
      let equal = 0;
      let top1 = 0;
      bounded.forEach((b, i) => {
        const e = exhaustive[i] ?? [];
        const keys = new Set(b.map((c) => c.key));
        wanted += e.length;
        hits += e.filter((c) => keys.has(c.key)).length;
        if (e.length === b.length && e.every((c, j) => c.key === b[j]?.key && c.score === b[j]?.score)) equal++;
        if (e.length === 0 || e[0]?.key === b[0]?.key) top1++;
      });
      console.log(`  recall@${TOP} vs exhaustive ${(hits / wanted).toFixed(4)} (${hits}/${wanted}); same top-1 ${top1}/${QUERIES}; whole top ${TOP} identical ${equal}/${QUERIES}`);
    }
  } finally {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

await main();
