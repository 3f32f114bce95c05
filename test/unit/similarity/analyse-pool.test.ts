import { describe, expect, it } from 'vitest';
import { AnalysePool, TermDecoder, TermEncoder } from '../../../src/similarity/analyse-pool.js';
import { DEFAULT_SCORING } from '../../../src/similarity/scoring.js';
import { SqliteCandidateIndex, unpackVector } from '../../../src/similarity/sqlite-index.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';
import { doc, sqliteIndex } from './helpers.js';

/** Per ticket: [title length, body length, [term, title count, body count]...] with local ids read back as terms. */
function decode(data: Int32Array, terms: readonly string[]): [number, number, [string, number, number][]][] {
  const out: [number, number, [string, number, number][]][] = [];
  for (let p = 0; p < data.length;) {
    const n = data[p + 2] ?? 0;
    const triples: [string, number, number][] = [];
    for (let j = 0; j < n; j++) {
      const at = p + 3 + 3 * j;
      triples.push([terms[data[at] ?? -1] ?? '?', data[at + 1] ?? 0, data[at + 2] ?? 0]);
    }
    out.push([data[p] ?? 0, data[p + 1] ?? 0, triples]);
    p += 3 + 3 * n;
  }
  return out;
}

describe('TermEncoder / TermDecoder (the tokenising worker protocol)', () => {
  it('sends each term string once, then its local id; counts per field in order of first occurrence', () => {
    const encoder = new TermEncoder(1000);
    const decoder = new TermDecoder();

    const first = encoder.encode([{ title: ['vpn', 'drops', 'vpn'], body: ['drops', 'wifi'] }]);
    expect(first.terms).toEqual(['vpn', 'drops', 'wifi']);
    expect(decode(decoder.accept(first), decoder.terms)).toEqual([
      [
        3,
        2,
        [
          ['vpn', 2, 0],
          ['drops', 1, 1],
          ['wifi', 0, 1],
        ],
      ],
    ]);

    const second = encoder.encode([
      { title: ['wifi'], body: ['printer', 'vpn'] },
      { title: [], body: [] },
    ]);
    // Only the new term crosses again; known ones come as their ids.
    expect(second.reset).toBe(false);
    expect(second.terms).toEqual(['printer']);
    expect(decode(decoder.accept(second), decoder.terms)).toEqual([
      [
        1,
        2,
        [
          ['wifi', 1, 0],
          ['printer', 0, 1],
          ['vpn', 0, 1],
        ],
      ],
      [0, 0, []],
    ]);
    expect(decoder.terms).toEqual(['vpn', 'drops', 'wifi', 'printer']);
    expect(decoder.generation).toBe(0);
  });

  it('restarts its dictionary at a chunk boundary once full, and the decoder starts a new generation', () => {
    const encoder = new TermEncoder(3);
    const decoder = new TermDecoder();
    decoder.accept(encoder.encode([{ title: ['a', 'b', 'c', 'd'], body: [] }]));
    expect(decoder.terms).toEqual(['a', 'b', 'c', 'd']);

    const next = encoder.encode([{ title: ['d', 'e'], body: ['a'] }]);

    expect(next.reset).toBe(true);
    expect(next.terms).toEqual(['d', 'e', 'a']);
    expect(decode(decoder.accept(next), decoder.terms)).toEqual([
      [
        2,
        1,
        [
          ['d', 1, 0],
          ['e', 1, 0],
          ['a', 0, 1],
        ],
      ],
    ]);
    expect(decoder.generation).toBe(1);
  });
});

describe('SqliteCandidateIndex.upsertManyPipelined', () => {
  const words = ['printer', 'email', 'vpn', 'laptop', 'password', 'monitor', 'outlook', 'teams', 'badge', 'wifi'];
  const ticket = (key: string, i: number, version = '1'): SimilarityDoc => ({
    ...doc(key, `2024-03-0${1 + (i % 7)}T0${i % 10}:00:00Z`, `${words[i % 10]} ${words[(i * 3) % 10]} word${i % 211}`, `body ${words[(i * 7) % 10]} INC00${i} tag${i % 1301} ${words[i % 10]}`),
    version,
  });
  const dump = (db: ReturnType<typeof sqliteIndex>['db']) => ({
    docs: db.prepare('SELECT * FROM sim_docs ORDER BY id').all(),
    terms: db.prepare('SELECT id, term, df, kind FROM sim_terms ORDER BY id').all(),
    stats: db.prepare('SELECT * FROM sim_stats').all(),
  });
  /** The same story on a plain index and on a pipelined one: batches, replaced tickets, a caller's rollback. */
  const story = (upsert: (index: SqliteCandidateIndex, docs: SimilarityDoc[]) => void, { db, index }: ReturnType<typeof sqliteIndex>): void => {
    upsert(
      index,
      Array.from({ length: 1500 }, (_, i) => ticket(`k${i}`, i)),
    );
    // Rolled back by the caller after the index wrote: its new terms' ids are handed out again.
    expect(() =>
      db.transaction(() => {
        upsert(
          index,
          Array.from({ length: 800 }, (_, i) => ticket(`r${i}`, 5000 + i)),
        );
        throw new Error('rollback');
      })(),
    ).toThrow('rollback');
    // Replaced tickets (their old terms' df taken back), new tickets with other new terms.
    upsert(index, [...Array.from({ length: 600 }, (_, i) => ticket(`k${i * 2}`, 9000 + i, '2')), ...Array.from({ length: 900 }, (_, i) => ticket(`n${i}`, 5400 + i))]);
  };

  it('writes the same rows, terms and document frequencies as upsertMany through replacements, dictionary restarts and a rollback', async () => {
    const plain = sqliteIndex();
    story((index, docs) => index.upsertMany(docs), plain);
    for (const maxTerms of [500_000, 300]) {
      const piped = sqliteIndex();
      const pool = new AnalysePool(DEFAULT_SCORING, maxTerms);
      try {
        story((index, docs) => index.upsertManyPipelined(docs, pool), piped);
      } finally {
        await pool.close();
      }
      expect(dump(piped.db)).toEqual(dump(plain.db));
    }
    const q = { doc: doc('q', '2024-06-01T00:00:00Z', 'printer vpn word5'), createdBefore: '2024-06-01T00:00:00Z', limit: 20 };
    expect(plain.index.query(q).length).toBeGreaterThan(0);
  });

  it('keeps document frequencies exact when a fresh index replaces tickets whose terms it has not looked up yet', async () => {
    const { db, index } = sqliteIndex();
    index.upsertMany(Array.from({ length: 1500 }, (_, i) => ticket(`k${i}`, i)));
    const wrongDfs = (): { id: number; df: number }[] => {
      const counts = new Map<number, number>();
      for (const vec of db.prepare('SELECT vec FROM sim_docs').pluck().all() as Buffer[]) for (const [id] of unpackVector(vec)) counts.set(id, (counts.get(id) ?? 0) + 1);
      return (db.prepare('SELECT id, df FROM sim_terms').all() as { id: number; df: number }[]).filter((t) => t.df !== (counts.get(t.id) ?? 0));
    };
    // New instances (a daemon restart): empty caches. A replaced ticket's old terms are
    // decremented by id before any of them is looked up by name (which must not reset that df).
    new SqliteCandidateIndex(db).upsertMany(Array.from({ length: 100 }, (_, i) => ticket(`k${i}`, i + 7, '2')));
    expect(wrongDfs()).toEqual([]);
    const piped = new SqliteCandidateIndex(db);
    const pool = piped.createAnalysePool();
    try {
      // Over a piece (1,000 tickets): terms decremented in the first are named first in the second.
      piped.upsertManyPipelined(
        Array.from({ length: 1400 }, (_, i) => ticket(`k${i}`, i + 600, '3')),
        pool,
      );
    } finally {
      await pool.close();
    }
    expect(wrongDfs()).toEqual([]);
  });
});
