import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex } from '../../../src/similarity/sqlite-index.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';

function fresh(): { db: Database.Database; index: SqliteCandidateIndex } {
  const db = new Database(':memory:');
  db.exec(SIMILARITY_SCHEMA_SQL);
  return { db, index: new SqliteCandidateIndex(db) };
}

const ticket = (key: string, createdAt: string, title: string): SimilarityDoc => ({ key, sourceId: 's1', nativeId: key, number: key, version: '1', createdAt, title, description: '', fields: {} });
const found = (index: SqliteCandidateIndex, title: string, at: string): string[] => index.query({ doc: ticket('new', at, title), createdBefore: at, limit: 5 }).map((c) => c.key);

describe('SqliteCandidateIndex at the edges of its row-id clock', () => {
  it('finds a ticket of a minute shared by more than 1,024 tickets (a date-only import), from a query half a minute later', () => {
    const { index } = fresh();
    const same = Array.from({ length: 2100 }, (_, i) => ticket(`f${i}`, '2024-05-01T00:00:00Z', `filler ticket number ${i}`));
    index.upsertMany([...same, ticket('target', '2024-05-01T00:00:00Z', 'printer zebrafoo jams on tray seven')]);
    expect(found(index, 'zebrafoo printer jams tray seven', '2024-05-01T00:00:30Z')).toEqual(['target']);
  });

  it('keeps an overflowing minute next to its own time even when a ticket far in the future exists', () => {
    const { index } = fresh();
    index.upsert(ticket('typo', '2031-01-01T00:00:00Z', 'unrelated words entirely'));
    index.upsertMany(Array.from({ length: 1024 }, (_, i) => ticket(`f${i}`, '2024-05-01T10:00:30Z', `filler ticket number ${i}`)));
    index.upsert(ticket('target', '2024-05-01T10:00:40Z', 'printer zebrafoo jams on tray seven'));
    expect(found(index, 'zebrafoo printer jams tray seven', '2024-05-02T10:00:00Z')).toEqual(['target']);
  });
});

describe('SqliteCandidateIndex candidate generation', () => {
  it('still finds an old exact copy whose words are all common when the query adds one rare word', () => {
    const { index } = fresh();
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike'];
    const docs = [ticket('copy', '2024-01-01T00:00:00Z', 'VPN disconnects every hour on laptop')];
    let t = Date.parse('2024-01-01T00:00:00Z');
    for (let i = 0; i < 1500; i++) {
      t += 3_600_000;
      const common = i % 12 === 0 ? 'vpn disconnects laptop' : i % 15 === 0 ? 'every hour' : '';
      docs.push(ticket(`d${i}`, new Date(t).toISOString(), `${common} ${words[i % 13]}${i} ${words[(i * 7) % 13]}`));
    }
    docs.push(ticket('rare', new Date(t).toISOString(), 'kumquat printer'));
    index.upsertMany(docs);
    expect(found(index, 'VPN disconnects every hour on laptop kumquat', '2024-12-01T00:00:00Z')[0]).toBe('copy');
  });
});

describe('SqliteCandidateIndex after a rollback it did not see', () => {
  it('does not read a rolled-back term into the ids SQLite hands out again', () => {
    const { db, index } = fresh();
    index.upsert(ticket('a', '2024-01-01T00:00:00Z', 'alpha bravo'));
    expect(() =>
      db.transaction(() => {
        index.upsert(ticket('b', '2024-01-02T00:00:00Z', 'kumquat zanzibar'));
        throw new Error('a later write of the same transaction failed');
      })(),
    ).toThrow('later write');
    index.upsert(ticket('c', '2024-01-03T00:00:00Z', 'walrus yodel'));
    expect(found(index, 'kumquat zanzibar', '2024-02-01T00:00:00Z')).toEqual([]);
    expect(found(index, 'walrus yodel', '2024-02-01T00:00:00Z')).toEqual(['c']);
    expect(index.size()).toBe(2);
  });
});
