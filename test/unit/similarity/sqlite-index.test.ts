import { describe, expect, it } from 'vitest';
import { assignCluster } from '../../../src/similarity/cluster.js';
import { MemoryCandidateIndex } from '../../../src/similarity/memory-index.js';
import { doc, sqliteIndex } from './helpers.js';

const NOW = '2024-06-01T00:00:00Z';

function seeded() {
  const { db, index } = sqliteIndex();
  index.upsert(doc('t-2022', '2022-12-01T00:00:00Z', 'Email not syncing on phone'));
  index.upsert(doc('t-jan', '2024-01-15T00:00:00Z', 'Email not syncing on phone', '', { requester: 'bob' }));
  index.upsert(doc('t-may', '2024-05-20T00:00:00Z', 'Email not syncing on mobile phone', '', { requester: 'alice' }));
  index.upsert(doc('t-later', '2024-07-01T00:00:00Z', 'Email not syncing on phone'));
  index.upsert(doc('other-src', '2024-03-01T00:00:00Z', 'Email not syncing on phone', '', {}, 'jira'));
  index.upsert(doc('unrelated', '2024-03-01T00:00:00Z', 'Monitor flickers'));
  return { db, index };
}

describe('SqliteCandidateIndex', () => {
  it('returns only tickets created strictly before createdBefore and after the look-back bound', () => {
    const { index } = seeded();

    const keys = index.query({ doc: doc('q', NOW, 'Email not syncing on phone'), createdBefore: NOW, createdAfter: '2023-06-01T00:00:00Z', limit: 10 }).map((c) => c.key);

    expect(keys.sort()).toEqual(['t-jan', 't-may']);
    expect(index.query({ doc: doc('q', NOW, 'Email not syncing on phone'), createdBefore: '2024-05-20T00:00:00Z', limit: 10 }).map((c) => c.key)).not.toContain('t-may');
  });

  it('never returns the query ticket itself', () => {
    const { index } = seeded();
    const self = doc('t-may', '2024-05-20T00:00:00Z', 'Email not syncing on mobile phone');

    const keys = index.query({ doc: self, createdBefore: NOW, limit: 10 }).map((c) => c.key);

    expect(keys).not.toContain('t-may');
    expect(keys).toContain('t-jan');
  });

  it('searches only the query source unless sources are given', () => {
    const { index } = seeded();
    const q = doc('q', NOW, 'Email not syncing on phone');

    expect(index.query({ doc: q, createdBefore: NOW, limit: 10 }).map((c) => c.key)).not.toContain('other-src');
    expect(index.query({ doc: q, createdBefore: NOW, sourceIds: ['jira'], limit: 10 }).map((c) => c.key)).toEqual(['other-src']);
  });

  it('keeps only candidates whose equalFields are present and equal', () => {
    const { index } = seeded();

    const keys = index.query({ doc: doc('q', NOW, 'Email not syncing', '', { requester: 'Bob' }), createdBefore: NOW, equalFields: ['requester'], limit: 10 }).map((c) => c.key);

    expect(keys).toEqual(['t-jan']);
  });

  it('replaces the postings of a ticket upserted again', () => {
    const { db, index } = seeded();
    const emailId = (db.prepare(`SELECT id FROM sim_terms WHERE term = 'email'`).get() as { id: number }).id;
    const withEmail = (): number => (db.prepare('SELECT count(*) AS n FROM sim_fts_1 WHERE sim_fts_1 MATCH ?').get(`"${emailId.toString(36)}"`) as { n: number }).n;
    const before = withEmail();

    index.upsert({ ...doc('t-jan', '2024-01-15T00:00:00Z', 'Keyboard missing keys'), version: '2' });

    expect(index.size()).toBe(6);
    // The old version's postings are gone: one ticket fewer holds "email".
    expect(withEmail()).toBe(before - 1);
    expect(index.get('t-jan')?.version).toBe('2');
    expect(index.query({ doc: doc('q', NOW, 'Email not syncing on phone'), createdBefore: NOW, limit: 10 }).map((c) => c.key)).not.toContain('t-jan');
    expect(index.query({ doc: doc('q', NOW, 'keyboard keys'), createdBefore: NOW, limit: 10 }).map((c) => c.key)).toEqual(['t-jan']);
  });

  it('writes a batch exactly as the same tickets upserted one by one (keys repeated in the batch, over 1,024 tickets in a minute)', () => {
    const words = ['printer', 'email', 'vpn', 'laptop', 'password', 'monitor', 'outlook', 'teams', 'badge', 'wifi', 'disk', 'screen'];
    const docs = [];
    for (let i = 0; i < 1500; i++) {
      // Keys repeat just before (same chunk) and far before (an earlier chunk); most tickets share one minute.
      const key = i % 7 === 3 ? `k${i - 2}` : i % 11 === 5 && i > 300 ? `k${i - 300}` : `k${i}`;
      const minute = i % 13 === 0 ? '2024-03-01T00:05:00Z' : '2024-03-01T00:00:30Z';
      docs.push(doc(key, minute, `${words[i % 12]} ${words[(i * 5) % 12]} ticket ${i % 97}`, `body ${words[(i * 7) % 12]} ${i}`, {}, i % 5 === 0 ? 'jira' : 'snow'));
    }
    const one = sqliteIndex();
    for (const d of docs) one.index.upsert(d);
    const many = sqliteIndex();
    many.index.upsertMany(docs.slice(0, 700));
    many.index.upsertMany(docs.slice(700));
    const dump = (db: typeof one.db) => ({
      docs: db.prepare('SELECT id, key, source_no, vec FROM sim_docs ORDER BY id').all(),
      terms: db.prepare('SELECT id, term, df FROM sim_terms ORDER BY id').all(),
      stats: db.prepare('SELECT * FROM sim_stats').all(),
    });

    expect(dump(many.db)).toEqual(dump(one.db));
    const q = { doc: doc('q', NOW, 'printer email ticket 5'), createdBefore: NOW, limit: 20 };
    expect(many.index.query(q)).toEqual(one.index.query(q));
  });

  it('writes the same rows and scores when a worker thread tokenises (upsertManyPipelined)', async () => {
    const words = ['printer', 'email', 'vpn', 'laptop', 'password', 'monitor', 'outlook', 'teams'];
    const docs = Array.from({ length: 2500 }, (_, i) =>
      doc(`k${i % 2300}`, `2024-03-0${1 + (i % 5)}T00:00:00Z`, `${words[i % 8]} ${words[(i * 3) % 8]} no ${i % 89}`, `body ${words[(i * 5) % 8]} INC00${i}`),
    );
    const plain = sqliteIndex();
    plain.index.upsertMany(docs);
    const piped = sqliteIndex();
    const pool = piped.index.createAnalysePool();
    try {
      piped.index.upsertManyPipelined(docs, pool);
    } finally {
      await pool.close();
    }
    const dump = (db: typeof plain.db) => [db.prepare('SELECT id, key, vec FROM sim_docs ORDER BY id').all(), db.prepare('SELECT id, term, df FROM sim_terms ORDER BY id').all()];

    expect(dump(piped.db)).toEqual(dump(plain.db));
    const q = { doc: doc('q', NOW, 'printer email no 5'), createdBefore: NOW, limit: 20 };
    expect(piped.index.query(q)).toEqual(plain.index.query(q));
  });

  it('reports the root set by setRoot on candidates and keeps it across upserts', () => {
    const { index } = seeded();
    index.setRoot('t-may', 't-jan');
    index.upsert({ ...doc('t-may', '2024-05-20T00:00:00Z', 'Email not syncing on mobile phone'), version: '2' });

    const may = index.query({ doc: doc('q', NOW, 'Email not syncing on mobile phone'), createdBefore: NOW, limit: 10 }).find((c) => c.key === 't-may');

    expect(may?.rootKey).toBe('t-jan');
    expect(index.get('t-jan')?.rootKey).toBeUndefined();
  });

  it('ranks and scores like the all-pairs baseline', () => {
    const { index } = seeded();
    const memory = new MemoryCandidateIndex();
    for (const d of [
      doc('t-2022', '2022-12-01T00:00:00Z', 'Email not syncing on phone'),
      doc('t-jan', '2024-01-15T00:00:00Z', 'Email not syncing on phone', '', { requester: 'bob' }),
      doc('t-may', '2024-05-20T00:00:00Z', 'Email not syncing on mobile phone', '', { requester: 'alice' }),
      doc('t-later', '2024-07-01T00:00:00Z', 'Email not syncing on phone'),
      doc('other-src', '2024-03-01T00:00:00Z', 'Email not syncing on phone', '', {}, 'jira'),
      doc('unrelated', '2024-03-01T00:00:00Z', 'Monitor flickers'),
    ])
      memory.upsert(d);
    const q = { doc: doc('q', NOW, 'Mobile email stopped syncing'), createdBefore: NOW, limit: 10 };

    const got = index.query(q);
    const want = memory.query(q);

    expect(got.map((c) => c.key)).toEqual(want.map((c) => c.key));
    got.forEach((c, i) => expect(c.score).toBeCloseTo(want[i]?.score ?? -1, 5));
  });
});

describe('assignCluster', () => {
  it('joins the cluster of the best earlier ticket above the threshold, else leads a new one', () => {
    const { index } = sqliteIndex();
    const at = (day: number): string => new Date(Date.UTC(2024, 0, day)).toISOString();

    const a = assignCluster(index, doc('a', at(1), 'Wifi drops in building B'), { threshold: 0.3 });
    const b = assignCluster(index, doc('b', at(2), 'Monitor flickers'), { threshold: 0.3 });
    const c = assignCluster(index, doc('c', at(3), 'Wifi drops in building B again'), { threshold: 0.3 });
    const d = assignCluster(index, doc('d', at(4), 'Wifi drops in building B again today'), { threshold: 0.3 });

    expect([a.clusterKey, b.clusterKey, c.clusterKey, d.clusterKey]).toEqual(['a', 'b', 'a', 'a']);
    expect(c.via?.key).toBe('a');
    expect(index.get('d')?.clusterKey).toBe('a');
  });
});
