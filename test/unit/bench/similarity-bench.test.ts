import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { dataDir } from '../../../src/sandbox/data-dir.js';
import { asCloseAsOriginal, contentOf, loadHadoop, lookBackRange, nearCopy, plantedOriginals, prng, reportedFirst, type DeskTicket, type Pool } from '../../../bench/similarity-data.js';
import { createFts5, Fts5Index, fts5OrQuery, rowidWindow } from '../../../bench/similarity-fts5.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';

function doc(i: number, title: string, description: string, createdAt = `2024-01-0${i}T00:00:00.000Z`): SimilarityDoc {
  return { key: `t:${i}`, sourceId: 't', nativeId: String(i), number: String(i), version: '1', createdAt, title, description, fields: {} };
}

describe('similarity bench: Hadoop pairs', () => {
  const hasData = existsSync(join(dataDir(), 'duplicate-bug-reports-hadoop'));
  it.skipIf(!hasData)('counts each labelled pair once, whichever way round the file lists it, earlier report first', () => {
    const { rows, pairs } = loadHadoop(dataDir());
    expect(rows).toBe(125);
    expect(pairs).toHaveLength(65);
    const keys = pairs.map(([a, b]) => [a.key, b.key].sort().join(' '));
    expect(new Set(keys).size).toBe(65);
    for (const [earlier, later] of pairs) expect(reportedFirst(earlier, later)).toBe(true);
  });

  it('orders two reports of the same instant by issue number', () => {
    const a = doc(1, 'a', '', '2024-01-01T00:00:00.000Z');
    const b = { ...doc(2, 'b', '', '2024-01-01T00:00:00.000Z'), number: '10' };
    expect(reportedFirst(a, b)).toBe(true);
    expect(reportedFirst(b, a)).toBe(false);
  });
});

describe('similarity bench: planted near-copies', () => {
  it('spreads the originals over the look-back window, its oldest ticket included', () => {
    const picked = plantedOriginals(10_000, 100);
    const { first, last } = lookBackRange(10_000);
    expect(picked).toHaveLength(100);
    expect(picked[0]).toBe(first);
    expect(Math.min(...picked)).toBe(first);
    expect(Math.max(...picked)).toBeLessThanOrEqual(last);
    expect(Math.max(...picked)).toBeGreaterThan(last - 100);
    expect(new Set(picked).size).toBe(100);
  });

  it('rewrites the original: fewer body words, a changed title, fresh noise with a reporter', () => {
    const pool: Pool = { titles: [], bodies: [], words: ['zebra'] };
    const body = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const original: DeskTicket = { doc: doc(1, 'printer on floor two jams', `${body}\nAsset tag LT001234`), body, createdMs: 0, parts: { title: 0, body: 0, body2: -1 } };
    const { doc: copy, content } = nearCopy(pool, original, prng(1), 'q', 1000);
    const words = copy.description.split('\n')[0]?.split(' ') ?? [];
    expect(words.length).toBeGreaterThan(60);
    expect(words.length).toBeLessThan(95);
    expect(copy.title).not.toBe(original.doc.title);
    expect(copy.description).toContain('Reported by');
    expect(copy.description).not.toContain('LT001234');
    expect(content).toEqual({ title: copy.title, body: copy.description.split('\n')[0] ?? '' });
  });

  it('credits a look-alike only when its title and its body are each at least as close to the copy as the original', () => {
    const pool: Pool = {
      titles: ['vpn drops every hour', 'printer jams', 'access to development project'],
      bodies: ['the vpn client disconnects at home', 'paper stuck in tray two', 'see https://audit.example.com/x/1f2e3d4c5b6a for the full log of the vpn client'],
      words: [],
    };
    const original = contentOf(pool, { title: 0, body: 0, body2: 2 });
    expect(original).toEqual({ title: 'vpn drops every hour', body: 'the vpn client disconnects at home\nsee https://audit.example.com/x/1f2e3d4c5b6a for the full log of the vpn client' });
    // The copy lost the appended log line: a ticket with the first body alone is closer on the body, but not on the title.
    const query = { title: 'vpn drops hour', body: 'the vpn client disconnects' };
    expect(asCloseAsOriginal(query, contentOf(pool, { title: 2, body: 0, body2: -1 }), original)).toBe(false);
    expect(asCloseAsOriginal(query, contentOf(pool, { title: 0, body: 1, body2: -1 }), original)).toBe(false);
    // Same title, and a body at least as close: as right an answer (a twin is one).
    expect(asCloseAsOriginal(query, contentOf(pool, { title: 0, body: 0, body2: -1 }), original)).toBe(true);
    expect(asCloseAsOriginal(query, contentOf(pool, { title: 0, body: 0, body2: 2 }), original)).toBe(true);
    // A query that kept nothing of its original credits nothing.
    expect(asCloseAsOriginal({ title: 'okapi', body: 'voyager' }, contentOf(pool, { title: 1, body: 1, body2: -1 }), original)).toBe(false);
  });
});

describe('similarity bench: FTS5 baseline', () => {
  it('queries the OR of the distinct words, quoted', () => {
    expect(fts5OrQuery('Disk full: disk /var FULL')).toBe('"disk" OR "full" OR "var"');
  });

  it('finds the rowid range of a creation-time window by binary search', () => {
    const created = [10, 20, 20, 30, 40];
    expect(rowidWindow(created, 20, 40)).toEqual({ from: 2, to: 4 });
    expect(rowidWindow(created, -Infinity, 10)).toEqual({ from: 1, to: 0 });
  });

  it('ranks the row sharing the most telling words first, inside the rowid window only', () => {
    const db = new Database(':memory:');
    createFts5(db);
    const fts = new Fts5Index(db);
    const docs = [doc(1, 'vpn drops every hour', 'the vpn client disconnects'), doc(2, 'printer jams', 'paper stuck'), doc(3, 'vpn drops every hour', 'again')];
    fts.insertMany(docs.map((d, i) => ({ rowid: i + 1, doc: d })));
    const query = doc(4, 'vpn keeps dropping', 'client disconnects every hour');
    expect(fts.query(query, 1, 3, 5)[0]).toBe(1);
    expect(fts.query(query, 2, 3, 5)).toEqual([3]);
    db.close();
  });
});
