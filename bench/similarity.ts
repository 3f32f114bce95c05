/**
 * Similarity benchmarks (GitHub issue #8) — figures, not pass/fail. `npx tsx bench/similarity.ts [--max 100000] [--skip-scale]`.
 *
 * 1. Duplicates: the 125 labelled duplicate pairs of Apache Hadoop Jira reports (GitBugs,
 *    CC BY 4.0). Each pair's later report queries the index with createdBefore = its own creation
 *    time, so every earlier report is a candidate: recall@1/5/10 and MRR of the earlier partner.
 *    Then every report queries (so false links from non-duplicates count) and a threshold sweep
 *    gives the precision and recall of linking the top candidate.
 * 2. Clusters: leader clustering of the Endava help-desk tickets (MIT) in file order, NMI against
 *    the `category` label.
 * 3. Scale: the SQLite candidate index at 10k / 100k / 1M synthetic tickets (real titles and
 *    bodies recombined, created over 2 years) against the all-pairs in-memory baseline with the
 *    same scoring: inserts/s, queries/s, RSS and file size.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCsvRecords } from '../src/sandbox/jira/csv.js';
import { assignCluster } from '../src/similarity/cluster.js';
import { MemoryCandidateIndex } from '../src/similarity/memory-index.js';
import { tokenise } from '../src/similarity/normalise.js';
import { DEFAULT_SCORING, type ScoringParams } from '../src/similarity/scoring.js';
import { DEFAULT_SQLITE_INDEX_OPTIONS, SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex, type SqliteIndexOptions } from '../src/similarity/sqlite-index.js';
import type { CandidateIndex, SimilarityDoc } from '../src/similarity/types.js';

const DEFAULT_DATA_DIR = resolve(import.meta.dirname, '../../shared/data');

export interface SimilarityBenchOptions {
  dataDir?: string;
  /** Largest scale step (10k, 100k, 1M). */
  max?: number;
  skipScale?: boolean;
  skipQuality?: boolean;
  scoring?: ScoringParams;
  index?: Partial<SqliteIndexOptions>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface DuplicateFigures {
  pairs: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  mrr: number;
  /** Same figures from the exact all-pairs scorer: what the index's pruning costs. */
  exact: { recallAt1: number; recallAt5: number; recallAt10: number; mrr: number };
  /** `sameTitle`: wrong links whose two titles are identical after normalisation (likely unlabelled duplicates). */
  sweep: { threshold: number; links: number; correct: number; sameTitle: number; precision: number; recall: number }[];
  /** Lowest threshold with precision >= 0.9 (undefined if none). */
  linkThreshold: { threshold: number; links: number; correct: number; sameTitle: number; precision: number; recall: number } | undefined;
}

export interface ClusterFigures {
  tickets: number;
  categories: number;
  byThreshold: { threshold: number; clusters: number; nmi: number; homogeneity: number }[];
}

export interface ScaleRow {
  tickets: number;
  insertPerSec: number;
  queryPerSec: number;
  queryP95Ms: number;
  rssMb: number;
  fileMb: number;
  baselineInsertPerSec: number | undefined;
  baselineQueryPerSec: number | undefined;
  /** Index queries/s over baseline queries/s. */
  speedup: number | undefined;
  /** Share of the baseline's top-5 the index also returns in its top 5. */
  top5Agreement: number | undefined;
}

export interface SimilarityBenchFigures {
  duplicates?: DuplicateFigures;
  clusters?: ClusterFigures;
  scale?: ScaleRow[];
}

// ---------------------------------------------------------------------------------------------
// Data

const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };

/** Jira CSV dates look like "30/Sep/21 17:20". */
function jiraDate(text: string): string {
  const m = /^(\d{1,2})\/([A-Z][a-z]{2})\/(\d{2}) (\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`Unparseable Jira date "${text}"`);
  const [, d, mon, y, h, min] = m;
  return `20${y}-${MONTHS[mon ?? ''] ?? '01'}-${(d ?? '').padStart(2, '0')}T${(h ?? '').padStart(2, '0')}:${min}:00.000Z`;
}

export function loadHadoop(dataDir: string): { docs: SimilarityDoc[]; pairs: [string, string][] } {
  const dir = join(dataDir, 'duplicate-bug-reports-hadoop');
  const rows = parseCsvRecords(readFileSync(join(dir, 'hadoop_bugs.csv'), 'utf8'));
  const docs = rows.map(
    (r): SimilarityDoc => ({
      key: `jira:hadoop:${r['Issue id']}`,
      sourceId: 'hadoop',
      nativeId: r['Issue id'] ?? '',
      number: r['Issue id'] ?? '',
      version: '1',
      createdAt: jiraDate(r['Created'] ?? ''),
      title: r['Summary'] ?? '',
      description: r['Description'] ?? '',
      fields: { priority: r['Priority'], affects: r['Affects Version/s'] },
    }),
  );
  const keys = new Set(docs.map((d) => d.key));
  const pairs = parseCsvRecords(readFileSync(join(dir, 'hadoop_bugs-combined.csv'), 'utf8'))
    .map((r): [string, string] => [`jira:hadoop:${r['Issue id']}`, `jira:hadoop:${r['Duplicate id']}`])
    .filter(([a, b]) => keys.has(a) && keys.has(b));
  return { docs, pairs };
}

export function loadHelpdesk(dataDir: string): { title: string; body: string; category: string }[] {
  const rows = parseCsvRecords(readFileSync(join(dataDir, 'helpdesk-tickets-text', 'all_tickets.csv'), 'utf8'));
  return rows.map((r) => ({ title: r['title'] ?? '', body: r['body'] ?? '', category: r['category'] ?? '' }));
}

function freshDb(path = ':memory:'): Database.Database {
  const db = new Database(path);
  if (path !== ':memory:') {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('cache_size = -262144');
  db.exec(SIMILARITY_SCHEMA_SQL);
  return db;
}

function byCreated(a: SimilarityDoc, b: SimilarityDoc): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// 1. Duplicates

function rankFigures(index: CandidateIndex, byKey: Map<string, SimilarityDoc>, pairs: [string, string][]): { recallAt1: number; recallAt5: number; recallAt10: number; mrr: number } {
  let at1 = 0;
  let at5 = 0;
  let at10 = 0;
  let rr = 0;
  for (const [a, b] of pairs) {
    const da = byKey.get(a);
    const db = byKey.get(b);
    if (!da || !db) continue;
    const [earlier, later] = da.createdAt < db.createdAt ? [da, db] : [db, da];
    const results = index.query({ doc: later, createdBefore: later.createdAt, limit: 100 });
    const rank = results.findIndex((c) => c.key === earlier.key) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    if (rank >= 1 && rank <= 10) at10++;
    if (rank >= 1) rr += 1 / rank;
  }
  const n = pairs.length;
  return { recallAt1: at1 / n, recallAt5: at5 / n, recallAt10: at10 / n, mrr: rr / n };
}

export function benchDuplicates(dataDir: string, scoring: ScoringParams, indexOptions: Partial<SqliteIndexOptions>): DuplicateFigures {
  const { docs, pairs } = loadHadoop(dataDir);
  const sorted = [...docs].sort(byCreated);
  const byKey = new Map(docs.map((d) => [d.key, d]));
  const db = freshDb();
  const index = new SqliteCandidateIndex(db, { ...indexOptions, scoring });
  const exact = new MemoryCandidateIndex(scoring);
  db.transaction(() => {
    for (const d of sorted) index.upsert(d);
  })();
  for (const d of sorted) exact.upsert(d);

  const ranks = rankFigures(index, byKey, pairs);
  const exactRanks = rankFigures(exact, byKey, pairs);

  const partner = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    partner.set(a, (partner.get(a) ?? new Set()).add(b));
    partner.set(b, (partner.get(b) ?? new Set()).add(a));
  }
  const tops: { score: number; correct: boolean; sameTitle: boolean }[] = [];
  const titleOf = (key: string): string => tokenise(byKey.get(key)?.title ?? '').join(' ');
  for (const d of sorted) {
    const [top] = index.query({ doc: d, createdBefore: d.createdAt, limit: 1 });
    if (top) tops.push({ score: top.score, correct: partner.get(d.key)?.has(top.key) ?? false, sameTitle: titleOf(d.key) === titleOf(top.key) });
  }
  const sweep = [];
  for (let t = 0.2; t <= 0.951; t += 0.05) {
    const linked = tops.filter((x) => x.score >= t);
    const correct = linked.filter((x) => x.correct).length;
    const sameTitle = linked.filter((x) => !x.correct && x.sameTitle).length;
    sweep.push({ threshold: Math.round(t * 100) / 100, links: linked.length, correct, sameTitle, precision: linked.length ? correct / linked.length : 1, recall: correct / pairs.length });
  }
  const linkThreshold = sweep.find((s) => s.precision >= 0.9 && s.links > 0);
  db.close();
  return { pairs: pairs.length, ...ranks, exact: exactRanks, sweep, linkThreshold };
}

// ---------------------------------------------------------------------------------------------
// 2. Clusters

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

export function benchClusters(dataDir: string, scoring: ScoringParams, indexOptions: Partial<SqliteIndexOptions>, thresholds: readonly number[]): ClusterFigures {
  const tickets = loadHelpdesk(dataDir);
  const start = Date.parse('2023-01-01T00:00:00Z');
  const byThreshold = [];
  for (const threshold of thresholds) {
    const db = freshDb();
    const index = new SqliteCandidateIndex(db, { ...indexOptions, scoring });
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

// ---------------------------------------------------------------------------------------------
// 3. Scale

/** Small deterministic PRNG (mulberry32) so every run indexes the same synthetic tickets. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pool {
  titles: string[];
  bodies: string[];
}

function syntheticPool(dataDir: string): Pool {
  const hadoop = loadHadoop(dataDir).docs;
  const helpdesk = loadHelpdesk(dataDir);
  return {
    titles: [...hadoop.map((d) => d.title), ...helpdesk.map((t) => t.title)].filter((t) => t.trim() !== ''),
    // Hadoop descriptions can be whole logs; the first 1,500 characters are what a ticket body usually is.
    bodies: [...hadoop.map((d) => d.description.slice(0, 1500)), ...helpdesk.map((t) => t.body)].filter((t) => t.trim() !== ''),
  };
}

const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
const END_MS = Date.parse('2025-01-01T00:00:00Z');

function syntheticDoc(pool: Pool, rand: () => number, i: number): SimilarityDoc {
  const pick = (xs: string[]): string => xs[Math.floor(rand() * xs.length)] ?? '';
  // A body is one real body, sometimes followed by part of another: recombination gives
  // millions of distinct tickets with real vocabulary and real term frequencies.
  let body = pick(pool.bodies);
  if (rand() < 0.3) body += `\n${pick(pool.bodies).slice(0, 300)}`;
  return {
    key: `bench:${i}`,
    sourceId: 'bench',
    nativeId: String(i),
    number: `INC${String(i).padStart(7, '0')}`,
    version: '1',
    createdAt: new Date(END_MS - Math.floor(rand() * SPAN_MS)).toISOString(),
    title: pick(pool.titles),
    description: body,
    fields: { requester: `user${Math.floor(rand() * 5000)}`, category: `cat${Math.floor(rand() * 20)}` },
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

export function benchScale(dataDir: string, max: number, scoring: ScoringParams, indexOptions: Partial<SqliteIndexOptions>, log: (line: string) => void): ScaleRow[] {
  const pool = syntheticPool(dataDir);
  const steps = [10_000, 100_000, 1_000_000].filter((s) => s <= max);
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-sim-'));
  const path = join(dir, 'sim.db');
  const db = freshDb(path);
  const index = new SqliteCandidateIndex(db, { ...indexOptions, scoring });
  const baseline = new MemoryCandidateIndex(scoring);
  const rand = prng(42);
  const queryRand = prng(7);
  const rows: ScaleRow[] = [];
  let inserted = 0;
  let peakRss = process.memoryUsage().rss;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  let baselineInsertMs = 0;
  let indexInsertMs = 0;
  try {
    for (const step of steps) {
      const useBaseline = step <= 100_000;
      const batch = 2000;
      while (inserted < step) {
        const docs: SimilarityDoc[] = [];
        for (let i = 0; i < batch && inserted + i < step; i++) docs.push(syntheticDoc(pool, rand, inserted + i));
        let t0 = performance.now();
        db.transaction(() => {
          for (const d of docs) index.upsert(d);
        })();
        indexInsertMs += performance.now() - t0;
        if (useBaseline) {
          t0 = performance.now();
          for (const d of docs) baseline.upsert(d);
          baselineInsertMs += performance.now() - t0;
        }
        inserted += docs.length;
        sampleRss();
        if (inserted % 100_000 === 0) log(`  indexed ${inserted.toLocaleString('en')} (${Math.round(inserted / (indexInsertMs / 1000))}/s)`);
      }
      if (!useBaseline) baseline.clear();
      // Queries: new tickets created at the end of the span, one-year look-back.
      const queries = Array.from({ length: 300 }, (_, i) => ({ ...syntheticDoc(pool, queryRand, 10_000_000 + i), createdAt: new Date(END_MS).toISOString() }));
      const q = (doc: SimilarityDoc) => ({ doc, createdBefore: doc.createdAt, createdAfter: new Date(END_MS - SPAN_MS / 2).toISOString(), limit: 5 });
      const times: number[] = [];
      const tq = performance.now();
      const indexTops: string[][] = [];
      for (const doc of queries) {
        const t0 = performance.now();
        indexTops.push(index.query(q(doc)).map((c) => c.key));
        times.push(performance.now() - t0);
      }
      const queryPerSec = queries.length / ((performance.now() - tq) / 1000);
      sampleRss();
      let baselineQueryPerSec: number | undefined;
      let agreement: number | undefined;
      if (useBaseline) {
        const sample = queries.slice(0, step <= 10_000 ? 100 : 30);
        const tb = performance.now();
        let hit = 0;
        let total = 0;
        sample.forEach((doc, i) => {
          const exact = baseline.query(q(doc)).map((c) => c.key);
          const got = new Set(indexTops[i]);
          total += exact.length;
          hit += exact.filter((k) => got.has(k)).length;
        });
        baselineQueryPerSec = sample.length / ((performance.now() - tb) / 1000);
        agreement = total ? hit / total : 1;
        sampleRss();
      }
      db.pragma('wal_checkpoint(TRUNCATE)');
      const fileBytes = [path, `${path}-wal`].filter(existsSync).reduce((s, p) => s + statSync(p).size, 0);
      const row: ScaleRow = {
        tickets: step,
        insertPerSec: step / (indexInsertMs / 1000),
        queryPerSec,
        queryP95Ms: percentile(times, 0.95),
        rssMb: peakRss / 2 ** 20,
        fileMb: fileBytes / 2 ** 20,
        baselineInsertPerSec: useBaseline ? step / (baselineInsertMs / 1000) : undefined,
        baselineQueryPerSec,
        speedup: baselineQueryPerSec ? queryPerSec / baselineQueryPerSec : undefined,
        top5Agreement: agreement,
      };
      rows.push(row);
      log(`  ${step.toLocaleString('en')}: ${fmt(row.queryPerSec)} q/s (baseline ${row.baselineQueryPerSec ? fmt(row.baselineQueryPerSec) : '-'})`);
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

export function runSimilarityBench(options: SimilarityBenchOptions = {}): SimilarityBenchFigures {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const scoring = options.scoring ?? DEFAULT_SCORING;
  const indexOptions = options.index ?? {};
  const log = options.log ?? ((): void => {});
  const figures: SimilarityBenchFigures = {};
  if (!options.skipQuality) {
    log('duplicates (Hadoop)…');
    figures.duplicates = benchDuplicates(dataDir, scoring, indexOptions);
    log('clusters (help desk)…');
    figures.clusters = benchClusters(dataDir, scoring, indexOptions, [0.3, 0.5, 0.7]);
  }
  if (!options.skipScale) {
    log('scale…');
    figures.scale = benchScale(dataDir, options.max ?? 1_000_000, scoring, indexOptions, log);
  }
  return figures;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function pct(n: number): string {
  return n.toFixed(3);
}

export function printFigures(f: SimilarityBenchFigures): void {
  if (f.duplicates) {
    const d = f.duplicates;
    console.log(`\nDuplicate detection — Apache Hadoop Jira, ${d.pairs} labelled pairs (later report queries all earlier ones)`);
    console.log('                      recall@1  recall@5  recall@10  MRR');
    console.log(`  SQLite index        ${pct(d.recallAt1)}     ${pct(d.recallAt5)}     ${pct(d.recallAt10)}      ${pct(d.mrr)}`);
    console.log(`  exact (all pairs)   ${pct(d.exact.recallAt1)}     ${pct(d.exact.recallAt5)}     ${pct(d.exact.recallAt10)}      ${pct(d.exact.mrr)}`);
    console.log('  (floor: TF-IDF cosine recall@5 0.80, MRR 0.63; goal recall@5 >= 0.85, MRR >= 0.70)');
    console.log('\n  Link threshold sweep (every report queries; top candidate >= threshold is linked)');
    console.log('  threshold  links  correct  precision  recall  wrong-but-identical-title');
    for (const s of d.sweep)
      console.log(`  ${s.threshold.toFixed(2).padStart(9)}  ${String(s.links).padStart(5)}  ${String(s.correct).padStart(7)}  ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(6)}  ${String(s.sameTitle).padStart(5)}`);
    const l = d.linkThreshold;
    console.log(l ? `  chosen link threshold: ${l.threshold} (precision ${pct(l.precision)}, recall ${pct(l.recall)}, ${l.links} links)` : '  no threshold reaches precision 0.9');
  }
  if (f.clusters) {
    const c = f.clusters;
    console.log(`\nText clusters — Endava help-desk tickets (${c.tickets}, ${c.categories} categories), leader clustering in file order`);
    console.log('  threshold  clusters  NMI    homogeneity(category|cluster)');
    for (const r of c.byThreshold) console.log(`  ${r.threshold.toFixed(2).padStart(9)}  ${String(r.clusters).padStart(8)}  ${pct(r.nmi)}  ${pct(r.homogeneity)}`);
  }
  if (f.scale) {
    console.log('\nScale — SQLite candidate index vs all-pairs in memory (same scoring), 1-year look-back, top 5');
    console.log('  tickets     insert/s  query/s  p95 ms  peak RSS MB  file MB  | baseline insert/s  query/s  | speed-up  top-5 agreement');
    for (const r of f.scale) {
      console.log(
        `  ${fmt(r.tickets).padStart(9)}  ${fmt(r.insertPerSec).padStart(9)}  ${fmt(r.queryPerSec).padStart(7)}  ${fmt(r.queryP95Ms, 1).padStart(6)}  ${fmt(r.rssMb).padStart(11)}  ${fmt(r.fileMb).padStart(7)}  | ${
          r.baselineInsertPerSec ? fmt(r.baselineInsertPerSec).padStart(17) : '-'.padStart(17)
        }  ${r.baselineQueryPerSec ? fmt(r.baselineQueryPerSec, 1).padStart(7) : '-'.padStart(7)}  | ${r.speedup ? `${fmt(r.speedup, 1)}x`.padStart(8) : '-'.padStart(8)}  ${r.top5Agreement !== undefined ? pct(r.top5Agreement) : '-'}`,
      );
    }
  }
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const max = argValue('--max');
  const figures = runSimilarityBench({
    max: max ? Number(max) : undefined,
    skipScale: process.argv.includes('--skip-scale'),
    skipQuality: process.argv.includes('--skip-quality'),
    index: { ...DEFAULT_SQLITE_INDEX_OPTIONS },
    log: (line) => console.error(line),
  });
  printFigures(figures);
}
