import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHadoop } from '../../../bench/similarity-data.js';
import { MemoryCandidateIndex } from '../../../src/similarity/memory-index.js';
import { POSTGRES_SIMILARITY_SCHEMA_SQL, PostgresCandidateIndex, poolTransaction } from '../../../src/similarity/postgres-index.js';
import type { Candidate, CandidateQuery, SimilarityDoc } from '../../../src/similarity/types.js';
import { DATA_SETS, missingData } from '../../helpers/data.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../../helpers/postgres.js';

/**
 * The PostgreSQL similarity index against a real server, compared with the memory index (the
 * reference): same candidates, same scores. Each describe works in a database of its own, created
 * here and dropped after.
 */
const ADMIN_URL = testPostgresUrl('PostgreSQL similarity index tests');
const createDatabase = (): Promise<string> => createTestDatabase(ADMIN_URL ?? '');
const dropDatabase = (url: string): Promise<void> => dropTestDatabase(ADMIN_URL ?? '', url);

/** A fresh schema per test group: the tables dropped and created again. */
async function resetSchema(pool: pg.Pool): Promise<void> {
  await pool.query('DROP TABLE IF EXISTS similarity_meta, similarity_terms, similarity_docs, similarity_postings');
  await pool.query(POSTGRES_SIMILARITY_SCHEMA_SQL);
}

/** Top candidates equal: same keys in the same order, scores to 1e-9, same shared terms, fields and identity. */
function expectSame(actual: Candidate[], expected: Candidate[]): void {
  expect(actual.map((c) => c.key)).toEqual(expected.map((c) => c.key));
  actual.forEach((c, i) => {
    const e = expected[i];
    if (!e) throw new Error('unreachable');
    expect(Math.abs(c.score - e.score)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(c.textScore - e.textScore)).toBeLessThanOrEqual(1e-9);
    expect({ ...c, score: 0, textScore: 0 }).toEqual({ ...e, score: 0, textScore: 0 });
  });
}

function bitIdentical(a: Candidate[], b: Candidate[]): boolean {
  return a.length === b.length && a.every((c, i) => c.key === b[i]?.key && c.score === b[i]?.score && c.textScore === b[i]?.textScore);
}

/** Consistency of the stored counts: df = postings per term, meta = the documents' count and length sums. */
async function expectConsistent(pool: pg.Pool): Promise<void> {
  const bad = await pool.query(
    `SELECT t.term, t.df, (SELECT count(*) FROM similarity_postings p WHERE p.term_id = t.id)::int AS postings FROM similarity_terms t
      WHERE t.df <> (SELECT count(*) FROM similarity_postings p WHERE p.term_id = t.id) LIMIT 5`,
  );
  expect(bad.rows).toEqual([]);
  const meta = await pool.query(
    `SELECT m.doc_count, m.title_len_sum::int AS t, m.body_len_sum::int AS b, (SELECT count(*)::int FROM similarity_docs) AS docs,
            (SELECT coalesce(sum(title_len), 0)::int FROM similarity_docs) AS ts, (SELECT coalesce(sum(body_len), 0)::int FROM similarity_docs) AS bs,
            (SELECT count(*)::int FROM similarity_postings) AS postings, (SELECT coalesce(sum(cardinality(term_ids)), 0)::int FROM similarity_docs) AS vec_terms
       FROM similarity_meta m`,
  );
  const m = meta.rows[0] as Record<string, number>;
  expect(m.doc_count).toBe(m.docs);
  expect(m.t).toBe(m.ts);
  expect(m.b).toBe(m.bs);
  expect(m.postings).toBe(m.vec_terms);
}

const HADOOP_DIR = join(DATA_SETS.hadoopBugs, '..', '..');

describe.skipIf(!ADMIN_URL)('PostgresCandidateIndex', () => {
  let url = '';
  let pool: pg.Pool;

  beforeAll(async () => {
    url = await createDatabase();
    pool = new pg.Pool({ connectionString: url, max: 4 });
  });

  afterAll(async () => {
    await pool.end();
    await dropDatabase(url);
  });

  /** The exhaustive index (both bounds off) and one with the default bounds, on the same tables. */
  const indexes = (): { exact: PostgresCandidateIndex; bounded: PostgresCandidateIndex } => ({
    exact: new PostgresCandidateIndex(pool, { maxPostingsPerQuery: Infinity, rescoreLimit: Infinity, transaction: poolTransaction(pool) }),
    bounded: new PostgresCandidateIndex(pool, { transaction: poolTransaction(pool) }),
  });

  describe.skipIf(missingData('hadoopBugs'))('on Hadoop bug reports', () => {
    it('returns the memory index top-10 (keys, scores to 1e-9), re-upserted changed versions included', async () => {
      await resetSchema(pool);
      const { exact, bounded } = indexes();
      const memory = new MemoryCandidateIndex();
      // 160 reports spread over the set, in creation order, the second source holding every seventh
      // (400 gave the same equality when the index was written, in 40-70 s: too slow for npm test).
      const all = loadHadoop(HADOOP_DIR).docs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key));
      const step = Math.max(1, Math.floor(all.length / 160));
      const docs = all.filter((_, i) => i % step === 0).slice(0, 160);
      expect(docs.length).toBe(160);
      const placed = docs.map((d, i): SimilarityDoc => (i % 7 === 3 ? { ...d, sourceId: 'hadoop2' } : d));
      for (const d of placed) {
        memory.upsert(d);
        await exact.upsert(d);
      }
      // New versions: changed title and text (some shorter, some longer), a field changed, one moved to the other source and in time.
      const changed = placed
        .filter((_, i) => i % 9 === 0)
        .map((d, j): SimilarityDoc => {
          const description = j % 2 === 0 ? d.description.slice(0, Math.floor(d.description.length / 2)) : `${d.description}\nStill failing after restart of the namenode and datanode.`;
          const moved = j === 5 ? { sourceId: d.sourceId === 'hadoop' ? 'hadoop2' : 'hadoop', createdAt: new Date(Date.parse(d.createdAt) + 86_400_000).toISOString() } : {};
          return { ...d, ...moved, version: '2', title: `${d.title} (again)`, description, fields: { ...d.fields, priority: 'Blocker' } };
        });
      for (const d of changed) {
        memory.upsert(d);
        await exact.upsert(d);
      }
      const latest = new Map([...placed, ...changed].map((d) => [d.key, d]));
      expect(await exact.size()).toBe(memory.size());
      await expectConsistent(pool);

      let compared = 0;
      let identical = 0;
      let boundedEqual = 0;
      let found = 0;
      for (const d of latest.values()) {
        const q: CandidateQuery = { doc: d, createdBefore: '2100-01-01T00:00:00.000Z', sourceIds: ['hadoop', 'hadoop2'], fieldWeights: { priority: 0.1, affects: 0.2 }, limit: 10 };
        const expected = memory.query(q);
        const actual = await exact.query(q);
        expectSame(actual, expected);
        compared++;
        found += expected.length;
        if (bitIdentical(actual, expected)) identical++;
        const b = await bounded.query(q);
        if (b.length === expected.length && b.every((c, i) => c.key === expected[i]?.key && Math.abs(c.score - expected[i].score) <= 1e-9)) boundedEqual++;
      }
      console.log(
        `Hadoop ${latest.size} tickets (${changed.length} re-upserted): ${compared} queries, top-10 equal to the memory index in all (${identical} bit-identical); default bounds: ${boundedEqual}/${compared} equal`,
      );
      expect(found).toBeGreaterThan(compared * 5);
      expect(identical).toBe(compared);
      // The default bounds (postings budget, 200 re-scored) lose nothing at this size: the ranking of partial scores counts field matches and recency.
      expect(boundedEqual).toBeGreaterThanOrEqual(Math.floor(compared * 0.98));
    }, 120_000);

    it('honours source, window, exclusion, equalFields, mask and the recency prior as the memory index does', async () => {
      await resetSchema(pool);
      const { exact, bounded } = indexes();
      const memory = new MemoryCandidateIndex();
      const all = loadHadoop(HADOOP_DIR).docs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key));
      const docs = all.filter((_, i) => i % 20 === 0).slice(0, 300);
      const placed = docs.map((d, i): SimilarityDoc => ({
        ...d,
        sourceId: i % 3 === 0 ? 'b' : 'a',
        fields: { ...d.fields, requester: i % 4 === 0 ? ` User${i % 5} ` : `user${i % 5}`, blank: i % 2 === 0 ? '  ' : 'x' },
      }));
      for (const d of placed) {
        memory.upsert(d);
        await exact.upsert(d);
      }
      const times = placed.map((d) => d.createdAt).sort();
      const mid = times[Math.floor(times.length / 2)] ?? '';
      const late = times[Math.floor((times.length * 3) / 4)] ?? '';
      const variants: ((d: SimilarityDoc) => CandidateQuery)[] = [
        // Own source only (default), exclusion of the indexed query ticket itself.
        (d) => ({ doc: d, createdBefore: '2100-01-01T00:00:00.000Z', limit: 10 }),
        // The other source only.
        (d) => ({ doc: d, createdBefore: '2100-01-01T00:00:00.000Z', sourceIds: [d.sourceId === 'a' ? 'b' : 'a'], limit: 10 }),
        // A window: inclusive after, exclusive before (bounds on existing creation times).
        (d) => ({ doc: { ...d, key: `${d.key}:new` }, createdAfter: mid, createdBefore: late, sourceIds: ['a', 'b'], limit: 10 }),
        // equalFields (trimmed, case-insensitive; a blank query field matches nothing) with field weights.
        (d) => ({ doc: d, createdBefore: '2100-01-01T00:00:00.000Z', sourceIds: ['a', 'b'], equalFields: ['requester'], fieldWeights: { requester: 0.3, priority: 0.1 }, limit: 5 }),
        (d) => ({ doc: d, createdBefore: '2100-01-01T00:00:00.000Z', sourceIds: ['a', 'b'], equalFields: ['blank'], limit: 5 }),
        // Masks and no recency prior, then a strong one.
        (d) => ({
          doc: d,
          createdBefore: '2100-01-01T00:00:00.000Z',
          sourceIds: ['a', 'b'],
          mask: ['codeRefs', 'ids', 'issueRefs', 'urls', 'domains'],
          recency: { weight: 0, halfLifeDays: 90 },
          limit: 10,
        }),
        (d) => ({ doc: d, createdBefore: '2100-01-01T00:00:00.000Z', sourceIds: ['a', 'b'], recency: { weight: 0.8, halfLifeDays: 10 }, limit: 3 }),
      ];
      let nonEmpty = 0;
      for (const [v, make] of variants.entries()) {
        for (const d of placed.filter((_, i) => i % 6 === v % 6)) {
          const q = make(d);
          const expected = memory.query(q);
          if (expected.length > 0) nonEmpty++;
          const actual = await exact.query(q);
          expectSame(actual, expected);
          expectSame(await bounded.query(q), expected);
          expect(actual.some((c) => c.key === q.doc.key)).toBe(false);
          expect(actual.every((c) => (q.sourceIds ?? [q.doc.sourceId]).includes(c.sourceId))).toBe(true);
          if (q.createdAfter) expect(actual.every((c) => c.createdAt >= (q.createdAfter ?? '') && c.createdAt < q.createdBefore)).toBe(true);
        }
      }
      expect(nonEmpty).toBeGreaterThan(100);
    }, 120_000);
  });

  it('keeps duplicate roots and clusters across new versions; get and size', async () => {
    await resetSchema(pool);
    const { exact } = indexes();
    const d = (key: string, title: string, version = '1'): SimilarityDoc => ({
      key,
      sourceId: 's',
      nativeId: key,
      number: key.toUpperCase(),
      version,
      createdAt: '2024-01-01T00:00:00.000Z',
      title,
      description: 'vpn drops every few minutes',
      fields: {},
    });
    expect(await exact.size()).toBe(0);
    expect(await exact.get('a')).toBeUndefined();
    await exact.upsert(d('a', 'vpn drops'));
    await exact.upsert(d('b', 'vpn disconnects'));
    await exact.setRoot('b', 'a');
    await exact.setCluster('b', 'a');
    await exact.setRoot('missing', 'a');
    expect(await exact.get('b')).toEqual({ key: 'b', sourceId: 's', nativeId: 'b', number: 'B', version: '1', createdAt: '2024-01-01T00:00:00.000Z', rootKey: 'a', clusterKey: 'a' });
    await exact.upsert(d('b', 'vpn disconnects again', '2'));
    expect(await exact.get('b')).toMatchObject({ version: '2', rootKey: 'a', clusterKey: 'a' });
    expect(await exact.get('a')).toMatchObject({ rootKey: undefined, clusterKey: undefined });
    expect(await exact.size()).toBe(2);
    const [top] = await exact.query({ doc: d('c', 'vpn drops'), createdBefore: '2025-01-01T00:00:00.000Z', limit: 5 });
    expect(top).toMatchObject({ key: 'a', rootKey: undefined });
    expect((await exact.query({ doc: d('c', 'vpn drops'), createdBefore: '2025-01-01T00:00:00.000Z', limit: 5 }))[1]).toMatchObject({ key: 'b', rootKey: 'a', clusterKey: 'a' });
    await expectConsistent(pool);
  });

  it('keeps counts consistent under concurrent upserts of the same keys', async () => {
    await resetSchema(pool);
    const { exact } = indexes();
    const memory = new MemoryCandidateIndex();
    const words = ['printer', 'jam', 'vpn', 'drops', 'password', 'reset', 'outlook', 'crash', 'wifi', 'slow'];
    const docs = Array.from({ length: 60 }, (_, i): SimilarityDoc => ({
      key: `k${i % 20}`,
      sourceId: 's',
      nativeId: `k${i % 20}`,
      number: `K${i % 20}`,
      version: String(Math.floor(i / 20)),
      createdAt: new Date(Date.UTC(2024, 0, 1 + (i % 20))).toISOString(),
      title: `${words[i % 10]} ${words[(i * 3) % 10]}`,
      description: `${words[(i * 7) % 10]} ${words[(i + 4) % 10]} ${i}`,
      fields: {},
    }));
    // Three rounds (20 keys each), each round's upserts at once on the pool: the meta row lock serialises them.
    for (let round = 0; round < 3; round++) await Promise.all(docs.slice(round * 20, round * 20 + 20).map((x) => exact.upsert(x)));
    await expectConsistent(pool);
    expect(await exact.size()).toBe(20);
    // The order within a round is the server's, so the stored weights are not the memory index's: compare the candidate sets.
    for (const x of docs) {
      memory.upsert(x);
      await exact.upsert(x);
    }
    await expectConsistent(pool);
    const q: CandidateQuery = { doc: { ...docs[0], key: 'q' } as SimilarityDoc, createdBefore: '2025-01-01T00:00:00.000Z', limit: 50 };
    expect((await exact.query(q)).map((c) => c.key).sort()).toEqual(
      memory
        .query(q)
        .map((c) => c.key)
        .sort(),
    );
  });
});
