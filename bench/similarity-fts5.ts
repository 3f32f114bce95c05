/**
 * The plain baseline of the similarity bench: SQLite FTS5 (compiled into better-sqlite3) with its
 * own tokeniser and ranking, nothing of deskbridge's. A standard FTS5 table over title and
 * description (content stored, unicode61); a query is the OR of the new ticket's distinct words,
 * each quoted, ranked by bm25 with the title column weighted.
 */
import type Database from 'better-sqlite3';
import { plainWords } from './similarity-data.js';
import type { SimilarityDoc } from '../src/similarity/types.js';

/** bm25 column weights (title, description): the title counts as 8 description words, as deskbridge's title boost. */
export const FTS5_WEIGHTS: readonly [number, number] = [8, 1];

/** `content=''` builds the contentless variant (index only, no copy of the text). */
export function createFts5(db: Database.Database, options: { contentless?: boolean; weights?: readonly [number, number] } = {}): void {
  const [title, body] = options.weights ?? FTS5_WEIGHTS;
  db.exec(`CREATE VIRTUAL TABLE fts USING fts5(title, description, tokenize = 'unicode61'${options.contentless ? ", content = ''" : ''})`);
  // The ranking `ORDER BY rank` uses: bm25 with these column weights.
  db.prepare("INSERT INTO fts (fts, rank) VALUES ('rank', ?)").run(`bm25(${title}, ${body})`);
}

export class Fts5Index {
  private readonly insertStmt;
  private readonly queryStmt;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare<[number, string, string]>('INSERT INTO fts (rowid, title, description) VALUES (?, ?, ?)');
    // Rows are inserted in creation order, so a creation-time window is a rowid range.
    this.queryStmt = db.prepare<[string, number, number, number], number>('SELECT rowid FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid <= ? ORDER BY rank LIMIT ?').pluck(true);
  }

  /** One transaction; `rowid` of each doc given by the caller (its position in creation order, from 1). */
  insertMany(rows: Iterable<{ rowid: number; doc: SimilarityDoc }>): void {
    this.db.transaction(() => {
      for (const { rowid, doc } of rows) this.insertStmt.run(rowid, doc.title, doc.description);
    })();
  }

  /** Rowids of the best `limit` rows in [fromRowid, toRowid], best first. */
  query(doc: SimilarityDoc, fromRowid: number, toRowid: number, limit: number): number[] {
    const match = fts5OrQuery(`${doc.title}\n${doc.description}`);
    if (match === '' || fromRowid > toRowid) return [];
    return this.queryStmt.all(match, fromRowid, toRowid, limit);
  }
}

/** `"w1" OR "w2" OR …` over the distinct words of the text. */
export function fts5OrQuery(text: string): string {
  return plainWords(text)
    .map((w) => `"${w.replaceAll('"', '""')}"`)
    .join(' OR ');
}

/** First index whose value is >= x in an ascending array (length if none). */
export function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rowids (1-based positions in creation order) of the rows created in [after, before): found by
 * binary search over the in-memory array of creation times.
 */
export function rowidWindow(createdMs: ArrayLike<number>, after: number, before: number): { from: number; to: number } {
  return { from: lowerBound(createdMs, after) + 1, to: lowerBound(createdMs, before) };
}

/** Page bytes of each table or index of the database (dbstat), largest first. */
export function tableBytes(db: Database.Database): Map<string, number> {
  const rows = db.prepare<[], { name: string; bytes: number }>('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all();
  return new Map(rows.map((r) => [r.name, r.bytes]));
}
