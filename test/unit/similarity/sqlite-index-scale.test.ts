import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PartialScores } from '../../../src/similarity/partial-scores.js';
import { SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex, type SqliteIndexOptions } from '../../../src/similarity/sqlite-index.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';
import { doc } from './helpers.js';

function index(options: Partial<SqliteIndexOptions> = {}): { db: Database.Database; index: SqliteCandidateIndex } {
  const db = new Database(':memory:');
  db.exec(SIMILARITY_SCHEMA_SQL);
  return { db, index: new SqliteCandidateIndex(db, options) };
}

const day = (d: number): string => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString();
const count = (db: Database.Database, sql: string): number => (db.prepare(sql).get() as { n: number }).n;

describe('SqliteCandidateIndex candidate generation', () => {
  it('indexes every term of a ticket, so one shared rare term is enough to find it', () => {
    const { db, index: idx } = index();
    idx.upsert(doc('a', day(1), 'alpha bravo charlie delta echo foxtrot golf hotel'));

    expect(count(db, 'SELECT count(*) AS n FROM sim_terms')).toBe(8);
    const [hit] = idx.query({ doc: doc('q', day(2), 'alpha bravo charlie delta echo foxtrot golf hotel'), createdBefore: day(2), limit: 1, recency: { weight: 0, halfLifeDays: 90 } });
    expect(hit?.textScore).toBeCloseTo(1, 5);
    expect(idx.query({ doc: doc('q', day(2), 'hotel'), createdBefore: day(2), limit: 1 }).map((c) => c.key)).toEqual(['a']);
  });

  it('reads a term whole or not at all: a term over the remaining budget is skipped, the first is read anyway', () => {
    const { index: idx } = index({ maxPostingsPerQuery: 3 });
    for (let i = 0; i < 4; i++) idx.upsert(doc(`t${i}`, day(i), 'printer jammed'));
    idx.upsert(doc('u0', day(5), 'toner'));
    idx.upsert(doc('u1', day(6), 'toner'));

    // toner (df 2) is the most telling term and fits; printer (df 4) would overrun the 1 left.
    expect(
      idx
        .query({ doc: doc('q', day(10), 'printer toner'), createdBefore: day(10), limit: 10 })
        .map((c) => c.key)
        .sort(),
    ).toEqual(['u0', 'u1']);
    // A lone term over the budget is still read, whole.
    expect(idx.query({ doc: doc('q', day(10), 'printer jammed'), createdBefore: day(10), limit: 10 })).toHaveLength(4);
  });

  it("reads on with a further budget while unread terms could still change the top results: an old copy sharing only commoner words than the query's own noise is found", () => {
    const tickets = [doc('copy', day(1), 'vpn tunnel drops'), doc('tag', day(20), 'asset lt097709'), doc('name', day(21), 'reporter vopetson')];
    for (const [i, word] of ['alpha', 'beta', 'gamma'].entries())
      tickets.push(doc(`v${i}`, day(30 + i), `vpn ${word}`), doc(`t${i}`, day(40 + i), `tunnel ${word}`), doc(`d${i}`, day(50 + i), `drops ${word}`));
    const q = { doc: doc('q', day(60), 'vpn tunnel drops lt097709 vopetson'), createdBefore: day(60), limit: 3 };
    const once = index({ maxPostingsPerQuery: 4, extraReadRounds: 0 });
    once.index.upsertMany(tickets);
    const readOn = index({ maxPostingsPerQuery: 4, extraReadRounds: 1 });
    readOn.index.upsertMany(tickets);

    // The first budget goes to the rare noise (lt097709, vopetson: df 1 each); vpn, tunnel and
    // drops (df 4 each) no longer fit, so one budget never meets the copy.
    expect(once.index.query(q).map((c) => c.key)).not.toContain('copy');
    expect(readOn.index.query(q)[0]?.key).toBe('copy');
  });

  it('applies the look-back window exactly, newer and older tickets sharing the terms left out', () => {
    const { index: idx } = index();
    for (let i = 0; i < 20; i++) idx.upsert(doc(`t${i}`, day(i), 'vpn drops'));
    const all = idx.query({ doc: doc('q', day(30), 'vpn drops'), createdAfter: day(5), createdBefore: day(8), limit: 10 });

    expect(all.map((c) => c.key)).toEqual(['t7', 't6', 't5']);
  });

  it('still finds candidates when every query term is more common than maxDocFrequency', () => {
    const { index: idx } = index({ maxDocFrequency: 0.01 });
    const docs: SimilarityDoc[] = [];
    for (let i = 0; i < 1200; i++) docs.push(doc(`t${i}`, day(i / 10), i % 2 ? 'password reset' : 'password expired'));
    idx.upsertMany(docs);

    expect(idx.query({ doc: doc('q', day(200), 'password reset'), createdBefore: day(200), limit: 3 })).toHaveLength(3);
  });
});

describe('SqliteCandidateIndex.upsertMany', () => {
  const docs = [
    doc('a', day(1), 'Email not syncing on phone'),
    doc('b', day(2), 'Monitor flickers', 'since the docking station update'),
    doc('c', day(3), 'Email sync broken on mobile'),
    { ...doc('a', day(1), 'Outlook crashes on start'), version: '2' },
    doc('d', day(4), 'Outlook crashes when opening calendar'),
  ];

  it('gives the same index as one upsert per ticket, including a key repeated in the batch', () => {
    const one = index();
    for (const d of docs) one.index.upsert(d);
    const many = index();
    many.index.upsertMany(docs);

    const dump = (db: Database.Database): unknown[] => [
      db.prepare('SELECT id, term, df, kind FROM sim_terms ORDER BY id').all(),
      db.prepare('SELECT * FROM sim_stats').all(),
      db.prepare('SELECT id, key, version, vec FROM sim_docs ORDER BY key').all(),
    ];
    expect(dump(many.db)).toEqual(dump(one.db));
    const q = { doc: doc('q', day(9), 'Outlook crashes'), createdBefore: day(9), limit: 5 };
    expect(many.index.query(q)).toEqual(one.index.query(q));
    expect(many.index.get('a')?.version).toBe('2');
  });

  it('keeps document frequencies right after a reopen', () => {
    const { db, index: idx } = index();
    idx.upsertMany(docs);
    const reopened = new SqliteCandidateIndex(db);
    const q = { doc: doc('q', day(9), 'Email sync on phone'), createdBefore: day(9), limit: 5 };

    expect(reopened.query(q)).toEqual(idx.query(q));
  });

  it('leaves the index unchanged when a ticket of the batch is rejected', () => {
    const { db, index: idx } = index();
    idx.upsert(docs[0] as SimilarityDoc);
    const before = count(db, 'SELECT sum(df) AS n FROM sim_terms');

    expect(() => idx.upsertMany([docs[1] as SimilarityDoc, doc('bad', 'not a date', 'x')])).toThrow(/unparseable/);
    expect(idx.size()).toBe(1);
    expect(count(db, 'SELECT sum(df) AS n FROM sim_terms')).toBe(before);
    idx.upsert(docs[2] as SimilarityDoc);
    expect(
      idx
        .query({ doc: doc('q', day(9), 'Email sync'), createdBefore: day(9), limit: 5 })
        .map((c) => c.key)
        .sort(),
    ).toEqual(['a', 'c']);
  });
});

describe('PartialScores', () => {
  it('returns the ids of the largest sums, best first, ties in insertion order', () => {
    const acc = new PartialScores();
    for (const [id, w] of [
      [1, 0.25],
      [2, 0.9],
      [3, 0.1],
      [4, 0.5],
      [5, 0.7],
      [1, 0.25],
    ] as const)
      acc.add(id, w);

    expect(acc.size).toBe(5);
    expect(acc.get(1)).toBe(0.5);
    expect(acc.top(3)).toEqual([2, 5, 1]);
    expect(acc.top(10)).toEqual([2, 5, 1, 4, 3]);
  });

  it('sums the postings of row ids of any size, negative and beyond 2^32, while growing', () => {
    const acc = new PartialScores(4);
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i * 1024 * 9_000_001 + (i % 7)));
    for (const id of ids) acc.add(id, 1);
    for (const id of ids.slice(0, 2500)) acc.add(id, 2);

    expect(acc.size).toBe(5000);
    expect(acc.get(ids[0] ?? 0)).toBe(3);
    expect(acc.get(ids[4999] ?? 0)).toBe(1);
    expect(acc.get(12345)).toBeUndefined();
    expect(acc.top(2500).sort((a, b) => a - b)).toEqual(ids.slice(0, 2500).sort((a, b) => a - b));
  });
});
