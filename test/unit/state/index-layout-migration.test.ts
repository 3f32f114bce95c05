import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../src/state/sqlite/migrations.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A state file as the release before the FTS5 index left it: migrations 1–10, one ticket in the old layout (uint32 ids + float32 weights). */
function previousReleaseFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-index-migration-'));
  dirs.push(dir);
  const file = join(dir, 'state.db');
  const db = new Database(file);
  for (const [i, m] of migrations.slice(0, 10).entries()) {
    db.exec(m);
    db.pragma(`user_version = ${i + 1}`);
  }
  const terms = ['printer', 'jam', 'floor'];
  for (const t of terms) db.prepare('INSERT INTO sim_terms (term, df) VALUES (?, 1)').run(t);
  db.prepare('INSERT INTO sim_stats (id, docs, title_len_sum, body_len_sum) VALUES (1, 1, 2, 1)').run();
  db.prepare("INSERT INTO sim_sources (source_id) VALUES ('snow')").run();
  const vec = Buffer.alloc(terms.length * 8);
  terms.forEach((_, i) => {
    vec.writeUInt32LE(i + 1, i * 4);
    vec.writeFloatLE(1.5, terms.length * 4 + i * 4);
  });
  db.prepare(
    `INSERT INTO sim_docs (key, source_no, native_id, number, version, created_at, created_ms, fields, title_len, body_len, vec, posted, root_key, cluster_key)
     VALUES ('servicenow:snow:1', 1, '1', 'INC0000001', 'v1', '2026-11-01T10:00:00.000Z', ?, '{}', 2, 1, ?, ?, NULL, NULL)`,
  ).run(Date.parse('2026-11-01T10:00:00.000Z'), vec, Buffer.alloc(0));
  db.close();
  return file;
}

// SQLite only: the FTS5 index layout of a SQLite state file and its user_version migration (PostgreSQL has its own index: src/similarity/postgres-index.ts).
describe('opening a state file of the previous index layout', () => {
  it('migrates and re-writes the old index rows in one step, so the next process finds nothing left to convert', async () => {
    const file = previousReleaseFile();
    const store = openSqliteStore(file);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'sim_docs_v1'`).all()).toEqual([]);
      expect(db.prepare('SELECT key FROM sim_docs').all()).toEqual([{ key: 'servicenow:snow:1' }]);
    } finally {
      db.close();
    }
    await store.close();
  });
});
