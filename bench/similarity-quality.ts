/**
 * Quality parts of the similarity bench: duplicate detection on the labelled Hadoop pairs
 * (deskbridge's SQLite index, the exact all-pairs scorer, FTS5 bm25, and the shipped rule's
 * settings) and leader clustering of the Endava help-desk tickets.
 */
import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { loadRulesOrThrow } from '../src/config/load-rules.js';
import { durationMs } from '../src/model/rule.js';
import { assignCluster } from '../src/similarity/cluster.js';
import { MemoryCandidateIndex } from '../src/similarity/memory-index.js';
import { SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex, type SqliteIndexOptions } from '../src/similarity/sqlite-index.js';
import type { CandidateIndex, SimilarityDoc } from '../src/similarity/types.js';
import { byCreated, loadHadoop, loadHelpdesk, plainWords } from './similarity-data.js';
import { createFts5, Fts5Index, FTS5_WEIGHTS, rowidWindow } from './similarity-fts5.js';

export interface RankFigures {
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
}

export interface SweepRow {
  threshold: number;
  links: number;
  correct: number;
  /** Wrong links whose two titles have the same words (likely unlabelled duplicates). */
  sameTitle: number;
  /** correct / links (1 when nothing is linked). */
  precision: number;
  /** correct / unique pairs: each pair can be linked once, by its later report. */
  recall: number;
}

export interface RuleFigures {
  ruleId: string;
  lookBackDays: number;
  /** Candidates the rule asks the index for: max(10, limit × 3). */
  queryLimit: number;
  /** Candidates its note lists: `suggest.limit`. */
  listLimit: number;
  threshold: number;
  /** Pairs whose earlier report is older than the look-back (no query of the rule can find them). */
  outsideLookBack: number;
  /** Earlier report among the first `listLimit` of a query of `queryLimit` within the look-back, over unique pairs. */
  recallAtLimit: number;
  /** The same, and scoring at least the suggest threshold: what the rule's note would actually show. */
  recallShown: number;
}

export interface DuplicateFigures {
  /** Rows of the labelled file with both reports present. */
  rows: number;
  /** Unique unordered pairs: the denominator of every recall here. */
  pairs: number;
  /** Later reports that query (a report with two earlier partners queries once). */
  queries: number;
  /** limit 100, no look-back: deskbridge's SQLite index. */
  sqlite: RankFigures;
  /** The exact all-pairs scorer (same scoring, no pruning): what the index's pruning costs. */
  exact: RankFigures;
  /** FTS5 bm25 over title + description, by column weights (title, description). */
  fts5: { weights: readonly [number, number]; figures: RankFigures }[];
  rule: RuleFigures | { error: string };
  sweep: SweepRow[];
  /** Lowest threshold with precision >= 0.9 (undefined if none). */
  linkThreshold: SweepRow | undefined;
}

export interface ClusterFigures {
  tickets: number;
  categories: number;
  byThreshold: { threshold: number; clusters: number; nmi: number; homogeneity: number }[];
}

/** Rank (1-based, 0 = absent) of each pair's earlier report in the results of its later report. */
function pairRanks(pairs: readonly [SimilarityDoc, SimilarityDoc][], results: (later: SimilarityDoc) => readonly string[]): number[] {
  const byLater = new Map<string, string[]>();
  for (const [, later] of pairs) if (!byLater.has(later.key)) byLater.set(later.key, [...results(later)]);
  return pairs.map(([earlier, later]) => (byLater.get(later.key) ?? []).indexOf(earlier.key) + 1);
}

function rankFigures(ranks: readonly number[]): RankFigures {
  const n = ranks.length || 1;
  const within = (k: number): number => ranks.filter((r) => r >= 1 && r <= k).length / n;
  return { recallAt1: within(1), recallAt5: within(5), recallAt10: within(10), mrr: ranks.reduce((s, r) => s + (r ? 1 / r : 0), 0) / n };
}

/** The shipped duplicate rule, read through the project's rules loader (the same validation the daemon applies). */
function shippedRule(): { id: string; lookBackMs: number; limit: number; threshold: number } {
  const path = resolve(import.meta.dirname, '../rules/dedup.yaml');
  const rule = loadRulesOrThrow([path]).rules.find((r) => r.id === 'likely-duplicates');
  if (!rule || rule.kind !== 'dedup') throw new Error(`${path}: no dedup rule "likely-duplicates"; the bench measures the shipped rule's settings`);
  return { id: rule.id, lookBackMs: durationMs(rule.lookBack), limit: rule.suggest.limit, threshold: rule.suggest.threshold };
}

export function benchDuplicates(dataDir: string, indexOptions: Partial<SqliteIndexOptions>): DuplicateFigures {
  const { docs, rows, pairs } = loadHadoop(dataDir);
  const sorted = [...docs].sort(byCreated);
  const db = new Database(':memory:');
  db.exec(SIMILARITY_SCHEMA_SQL);
  const index = new SqliteCandidateIndex(db, indexOptions);
  index.upsertMany(sorted);
  const exact = new MemoryCandidateIndex();
  for (const d of sorted) exact.upsert(d);

  const top100 = (ix: CandidateIndex) => (later: SimilarityDoc) => ix.query({ doc: later, createdBefore: later.createdAt, limit: 100 }).map((c) => c.key);
  const sqliteFigures = rankFigures(pairRanks(pairs, top100(index)));
  const exactFigures = rankFigures(pairRanks(pairs, top100(exact)));

  // FTS5 on the same reports, rowids in creation order so "created before" is a rowid range.
  const createdMs = sorted.map((d) => Date.parse(d.createdAt));
  const fts5 = [FTS5_WEIGHTS, [1, 1] as const].map((weights) => {
    const fdb = new Database(':memory:');
    createFts5(fdb, { weights });
    const fts = new Fts5Index(fdb);
    fts.insertMany(sorted.map((doc, i) => ({ rowid: i + 1, doc })));
    const ranks = pairRanks(pairs, (later) => {
      const w = rowidWindow(createdMs, -Infinity, Date.parse(later.createdAt));
      return fts.query(later, w.from, w.to, 100).map((rowid) => sorted[rowid - 1]?.key ?? '');
    });
    fdb.close();
    return { weights, figures: rankFigures(ranks) };
  });

  // The shipped rule's settings: its look-back, a query of max(10, limit × 3), the first `limit` listed.
  let rule: RuleFigures | { error: string };
  try {
    const r = shippedRule();
    const queryLimit = Math.max(10, r.limit * 3);
    const listed = new Map<string, { key: string; score: number }[]>();
    for (const [, later] of pairs) {
      if (listed.has(later.key)) continue;
      const createdAfter = new Date(Date.parse(later.createdAt) - r.lookBackMs).toISOString();
      listed.set(
        later.key,
        index
          .query({ doc: later, createdAfter, createdBefore: later.createdAt, limit: queryLimit })
          .slice(0, r.limit)
          .map((c) => ({ key: c.key, score: c.score })),
      );
    }
    const found = pairs.map(([earlier, later]) => (listed.get(later.key) ?? []).find((c) => c.key === earlier.key));
    const n = pairs.length || 1;
    rule = {
      ruleId: r.id,
      lookBackDays: r.lookBackMs / 86_400_000,
      queryLimit,
      listLimit: r.limit,
      threshold: r.threshold,
      outsideLookBack: pairs.filter(([earlier, later]) => Date.parse(later.createdAt) - Date.parse(earlier.createdAt) > r.lookBackMs).length,
      recallAtLimit: found.filter((c) => c !== undefined).length / n,
      recallShown: found.filter((c) => c !== undefined && c.score >= r.threshold).length / n,
    };
  } catch (error) {
    rule = { error: error instanceof Error ? error.message : String(error) };
  }

  // Threshold sweep: every report queries (non-duplicates produce false links too).
  const partners = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    partners.set(a.key, (partners.get(a.key) ?? new Set()).add(b.key));
    partners.set(b.key, (partners.get(b.key) ?? new Set()).add(a.key));
  }
  const titleWords = new Map(docs.map((d) => [d.key, plainWords(d.title).sort().join(' ')]));
  const tops: { score: number; correct: boolean; sameTitle: boolean }[] = [];
  for (const d of sorted) {
    const [top] = index.query({ doc: d, createdBefore: d.createdAt, limit: 1 });
    if (top) tops.push({ score: top.score, correct: partners.get(d.key)?.has(top.key) ?? false, sameTitle: titleWords.get(d.key) === titleWords.get(top.key) });
  }
  const sweep: SweepRow[] = [];
  for (let t = 0.2; t <= 0.951; t += 0.05) {
    const linked = tops.filter((x) => x.score >= t);
    const correct = linked.filter((x) => x.correct).length;
    const sameTitle = linked.filter((x) => !x.correct && x.sameTitle).length;
    sweep.push({ threshold: Math.round(t * 100) / 100, links: linked.length, correct, sameTitle, precision: linked.length ? correct / linked.length : 1, recall: correct / (pairs.length || 1) });
  }
  db.close();
  return {
    rows,
    pairs: pairs.length,
    queries: new Set(pairs.map(([, later]) => later.key)).size,
    sqlite: sqliteFigures,
    exact: exactFigures,
    fts5,
    rule,
    sweep,
    linkThreshold: sweep.find((s) => s.precision >= 0.9 && s.links > 0),
  };
}

/** Normalised mutual information, arithmetic mean normalisation: 2 I(A;B) / (H(A) + H(B)). */
export function nmi(a: readonly string[], b: readonly string[]): { nmi: number; homogeneity: number } {
  const n = a.length;
  const ca = new Map<string, number>();
  const cb = new Map<string, number>();
  const joint = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    ca.set(x, (ca.get(x) ?? 0) + 1);
    cb.set(y, (cb.get(y) ?? 0) + 1);
    const k = `${x}\u0000${y}`;
    joint.set(k, (joint.get(k) ?? 0) + 1);
  }
  const h = (m: Map<string, number>): number => [...m.values()].reduce((s, c) => s - (c / n) * Math.log(c / n), 0);
  let mi = 0;
  for (const [k, c] of joint) {
    const [x, y] = k.split('\u0000');
    mi += (c / n) * Math.log((c * n) / ((ca.get(x ?? '') ?? 1) * (cb.get(y ?? '') ?? 1)));
  }
  const ha = h(ca);
  const hb = h(cb);
  return { nmi: ha + hb > 0 ? (2 * mi) / (ha + hb) : 1, homogeneity: hb > 0 ? mi / hb : 1 };
}

export function benchClusters(dataDir: string, indexOptions: Partial<SqliteIndexOptions>, thresholds: readonly number[]): ClusterFigures {
  const tickets = loadHelpdesk(dataDir);
  const start = Date.parse('2023-01-01T00:00:00Z');
  const byThreshold = [];
  for (const threshold of thresholds) {
    const db = new Database(':memory:');
    db.exec(SIMILARITY_SCHEMA_SQL);
    const index = new SqliteCandidateIndex(db, indexOptions);
    const clusters: string[] = [];
    db.transaction(() => {
      tickets.forEach((t, i) => {
        const doc: SimilarityDoc = {
          key: `helpdesk:${i}`,
          sourceId: 'helpdesk',
          nativeId: String(i),
          number: String(i),
          version: '1',
          createdAt: new Date(start + i * 60_000).toISOString(),
          title: t.title,
          description: t.body,
          fields: {},
        };
        clusters.push(assignCluster(index, doc, { threshold }).clusterKey);
      });
    })();
    const m = nmi(
      clusters,
      tickets.map((t) => t.category),
    );
    byThreshold.push({ threshold, clusters: new Set(clusters).size, ...m });
    db.close();
  }
  return { tickets: tickets.length, categories: new Set(tickets.map((t) => t.category)).size, byThreshold };
}
