import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { averageLengths } from '../../../src/similarity/memory-index.js';
import { analyse, termWeights } from '../../../src/similarity/scoring.js';
import { SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex, type SqliteIndexOptions } from '../../../src/similarity/sqlite-index.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';
import { migrations } from '../../../src/state/sqlite/migrations.js';
import { doc } from './helpers.js';

function index(options: Partial<SqliteIndexOptions> = {}): { db: Database.Database; index: SqliteCandidateIndex } {
  const db = new Database(':memory:');
  db.exec(SIMILARITY_SCHEMA_SQL);
  return { db, index: new SqliteCandidateIndex(db, options) };
}

const minute = (m: number): string => new Date(Date.UTC(2024, 0, 1) + m * 60_000).toISOString();
const NO_RECENCY = { weight: 0, halfLifeDays: 90 };

// Words with no digits (the tokeniser masks numbers), distinct per i.
const word = (i: number): string => `zq${'abcdefghij'.charAt(i % 10)}${'klmnoprstu'.charAt(Math.floor(i / 10) % 10)}${'vwxyhgfedc'.charAt(Math.floor(i / 100) % 10)}x`;

describe('SqliteCandidateIndex recall', () => {
  it('finds an old near-copy at rank 1 among thousands of newer tickets sharing its terms (no newest-first cap)', () => {
    // Five moderately common terms, each in 1,200 newer tickets (more than a newest-first cap of
    // 1,000 postings per term would reach), and the old ticket holding all five and nothing rarer.
    const { index: idx } = index({ maxDocFrequency: 0.25 });
    const shared = ['scanner', 'firmware', 'duplex', 'stapler', 'tray'];
    const docs: SimilarityDoc[] = [doc('old', minute(0), 'scanner firmware duplex stapler tray')];
    for (let i = 0; i < 6000; i++) docs.push(doc(`new${i}`, minute(10 + i), `${shared[i % 5] ?? ''} ${word(i)}`, `${word(i + 1000)} ${word(i + 2000)}`));
    idx.upsertMany(docs);

    const hits = idx.query({ doc: doc('q', minute(7000), 'duplex scanner stapler tray firmware', 'again'), createdBefore: minute(7000), limit: 5, recency: NO_RECENCY });

    expect(hits[0]?.key).toBe('old');
  });

  it('leaves no stale candidate when a ticket is replaced by a new version', () => {
    const { db, index: idx } = index();
    idx.upsert(doc('a', minute(1), 'Laptop battery swollen'));
    idx.upsert(doc('b', minute(2), 'Laptop screen cracked'));
    idx.upsert({ ...doc('a', minute(1), 'Badge reader offline'), version: '2' });

    const battery = idx.query({ doc: doc('q', minute(9), 'battery swollen'), createdBefore: minute(9), limit: 5 });
    const badge = idx.query({ doc: doc('q', minute(9), 'badge reader'), createdBefore: minute(9), limit: 5 });

    expect(battery).toEqual([]);
    expect(badge.map((c) => [c.key, c.version])).toEqual([['a', '2']]);
    expect((db.prepare('SELECT count(*) AS n FROM sim_docs').get() as { n: number }).n).toBe(2);
  });

  it('keeps the window exact to the millisecond, tickets of the same millisecond included', () => {
    const { index: idx } = index();
    const at = (ms: number): string => new Date(Date.UTC(2024, 0, 1) + ms).toISOString();
    idx.upsertMany([doc('x0', at(999), 'disk full'), doc('x1', at(1000), 'disk full'), doc('x2', at(1000), 'disk full'), doc('x3', at(1001), 'disk full'), doc('x4', at(2000), 'disk full')]);

    const keys = idx
      .query({ doc: doc('q', at(5000), 'disk full'), createdAfter: at(1000), createdBefore: at(2000), limit: 10 })
      .map((c) => c.key)
      .sort();

    expect(keys).toEqual(['x1', 'x2', 'x3']);
  });

  it('searches exactly the sources asked for', () => {
    const { index: idx } = index();
    idx.upsert(doc('s1', minute(1), 'printer offline', '', {}, 'snow'));
    idx.upsert(doc('j1', minute(2), 'printer offline', '', {}, 'jira'));
    idx.upsert(doc('z1', minute(3), 'printer offline', '', {}, 'zendesk'));
    const q = doc('q', minute(9), 'printer offline', '', {}, 'snow');
    const keys = (sourceIds?: string[]): string[] =>
      idx
        .query({ doc: q, createdBefore: minute(9), limit: 10, ...(sourceIds ? { sourceIds } : {}) })
        .map((c) => c.key)
        .sort();

    expect(keys()).toEqual(['s1']);
    expect(keys(['jira', 'zendesk'])).toEqual(['j1', 'z1']);
    expect(keys(['nowhere'])).toEqual([]);
  });
});

describe('SqliteCandidateIndex mask', () => {
  it('does not count terms of a masked kind on either side, self-scores included', () => {
    const { index: idx } = index();
    idx.upsert(doc('with-url', minute(1), 'Portal login fails', 'https://portal.example.com/login'));
    idx.upsert(doc('plain', minute(2), 'Portal login fails'));
    const q = { doc: doc('q', minute(9), 'Portal login fails', 'at https://portal.example.com/x'), createdBefore: minute(9), limit: 5, recency: NO_RECENCY };

    const unmasked = idx.query(q);
    const masked = idx.query({ ...q, mask: ['urls', 'domains'] });

    expect(unmasked[0]?.key).toBe('with-url');
    expect(unmasked[0]?.sharedTerms).toContain('__url__');
    // Masked, both tickets are the query's title and nothing else: the same perfect score.
    expect(masked.map((c) => c.textScore)).toEqual([expect.closeTo(1, 6), expect.closeTo(1, 6)]);
    expect(masked.flatMap((c) => c.sharedTerms)).not.toContain('__url__');
  });

  it('finds nothing through masked terms alone', () => {
    const { index: idx } = index();
    idx.upsert(doc('a', minute(1), 'Alpha', 'https://x.example.com/a'));

    expect(idx.query({ doc: doc('q', minute(9), 'Omega', 'https://x.example.com/a'), createdBefore: minute(9), limit: 5, mask: ['urls', 'domains'] })).toEqual([]);
  });
});

describe('SqliteCandidateIndex on a state file of the previous layout', () => {
  /** Writes tickets as the index before migration 11 did: sim_docs rows with uint32 ids + float32 weights. */
  function legacyWrite(db: Database.Database, docs: readonly SimilarityDoc[]): void {
    const termId = (term: string): number => {
      const row = db.prepare('SELECT id FROM sim_terms WHERE term = ?').get(term) as { id: number } | undefined;
      if (row) return row.id;
      return Number(db.prepare('INSERT INTO sim_terms (term, df) VALUES (?, 0)').run(term).lastInsertRowid);
    };
    db.prepare('INSERT OR IGNORE INTO sim_stats (id, docs, title_len_sum, body_len_sum) VALUES (1, 0, 0, 0)').run();
    for (const d of docs) {
      const stats = db.prepare('SELECT docs, title_len_sum, body_len_sum FROM sim_stats').get() as { docs: number; title_len_sum: number; body_len_sum: number };
      const analysed = analyse(d);
      const vec = [...termWeights(analysed, averageLengths(stats.docs, stats.title_len_sum, stats.body_len_sum))].map(([t, w]) => [termId(t), w] as const);
      for (const [id] of vec) db.prepare('UPDATE sim_terms SET df = df + 1 WHERE id = ?').run(id);
      const buf = Buffer.alloc(vec.length * 8);
      vec.forEach(([id, w], i) => {
        buf.writeUInt32LE(id, i * 4);
        buf.writeFloatLE(w, vec.length * 4 + i * 4);
      });
      let source = db.prepare('SELECT id FROM sim_sources WHERE source_id = ?').get(d.sourceId) as { id: number } | undefined;
      source ??= { id: Number(db.prepare('INSERT INTO sim_sources (source_id) VALUES (?)').run(d.sourceId).lastInsertRowid) };
      db.prepare(
        `INSERT INTO sim_docs (key, source_no, native_id, number, version, created_at, created_ms, fields, title_len, body_len, vec, posted, root_key, cluster_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        d.key,
        source.id,
        d.nativeId,
        d.number,
        d.version,
        d.createdAt,
        Date.parse(d.createdAt),
        JSON.stringify(d.fields),
        analysed.title.length,
        analysed.body.length,
        buf,
        Buffer.alloc(0),
        null,
        d.key === 'b' ? 'a' : null,
      );
      db.prepare('UPDATE sim_stats SET docs = docs + 1, title_len_sum = title_len_sum + ?, body_len_sum = body_len_sum + ?').run(analysed.title.length, analysed.body.length);
    }
  }

  const docs = [
    doc('a', minute(1), 'Email not syncing on phone'),
    doc('b', minute(2), 'Email sync broken on mobile', 'since the update', { requester: 'bob' }),
    doc('c', minute(3), 'Monitor flickers', 'see https://wiki.example.com/monitors'),
    doc('d', minute(4), 'VPN drops', '', {}, 'jira'),
  ];

  it('re-writes the old rows from their stored vectors when it opens after migration 11, ranking and scoring as a fresh index', () => {
    const db = new Database(':memory:');
    for (const m of migrations.slice(0, 10)) db.exec(m);
    legacyWrite(db, docs);
    db.exec(migrations[10] ?? '');

    const converted = new SqliteCandidateIndex(db);
    const fresh = index().index;
    fresh.upsertMany(docs);

    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name IN ('sim_docs_v1', 'sim_postings')`).all()).toEqual([]);
    expect(converted.size()).toBe(4);
    expect(converted.get('b')?.clusterKey).toBe('a');
    for (const [text, source] of [
      ['Email sync on phone', 'snow'],
      ['monitor https://wiki.example.com/x', 'snow'],
      ['vpn', 'jira'],
    ] as const) {
      const q = { doc: doc('q', minute(9), text, '', {}, source), createdBefore: minute(9), limit: 5 };
      expect(converted.query(q).map(({ clusterKey: _, ...c }) => c)).toEqual(fresh.query(q).map(({ clusterKey: _, ...c }) => c));
    }
    // Term kinds are filled in, so masks work on converted tickets.
    const masked = converted.query({ doc: doc('q', minute(9), 'https://wiki.example.com/x'), createdBefore: minute(9), limit: 5, mask: ['urls', 'domains'] });
    expect(masked).toEqual([]);
    // Later writes go on as usual.
    converted.upsert(doc('e', minute(5), 'Email not syncing on tablet'));
    expect(converted.query({ doc: doc('q', minute(9), 'email tablet'), createdBefore: minute(9), limit: 1 })[0]?.key).toBe('e');
  });
});
