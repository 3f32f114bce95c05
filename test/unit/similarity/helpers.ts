import Database from 'better-sqlite3';
import { SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex } from '../../../src/similarity/sqlite-index.js';
import type { SimilarityDoc } from '../../../src/similarity/types.js';

export function doc(key: string, createdAt: string, title: string, description = '', fields: Record<string, string | undefined> = {}, sourceId = 'snow'): SimilarityDoc {
  return { key, sourceId, nativeId: key, number: key.toUpperCase(), version: '1', createdAt, title, description, fields };
}

export function sqliteIndex(): { db: Database.Database; index: SqliteCandidateIndex } {
  const db = new Database(':memory:');
  db.exec(SIMILARITY_SCHEMA_SQL);
  return { db, index: new SqliteCandidateIndex(db) };
}
