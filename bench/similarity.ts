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
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join, resolve } from 'node:path';
import { dataDir as sharedDataDir } from '../src/sandbox/data-dir.js';
import { parseCsvRecords } from '../src/sandbox/jira/csv.js';
import { assignCluster } from '../src/similarity/cluster.js';
import { MemoryCandidateIndex } from '../src/similarity/memory-index.js';
import { tokenise } from '../src/similarity/normalise.js';
import { DEFAULT_SCORING, type ScoringParams } from '../src/similarity/scoring.js';
import { DEFAULT_SQLITE_INDEX_OPTIONS, SIMILARITY_SCHEMA_SQL, SqliteCandidateIndex, type SqliteIndexOptions } from '../src/similarity/sqlite-index.js';
import type { CandidateIndex, SimilarityDoc } from '../src/similarity/types.js';

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
  /** Distinct terms in the index (the vocabulary grows with the desk: ids, asset tags, names). */
  terms: number;
  postings: number;
  insertPerSec: number;
  queryPerSec: number;
  queryP50Ms: number;
  queryP95Ms: number;
  /** Peak RSS of the process while this size's index was built and queried (SQLite cache included). */
  rssMb: number;
  /** Database file after a WAL checkpoint. */
  fileMb: number;
  baselineInsertPerSec: number | undefined;
  baselineQueryPerSec: number | undefined;
  /** Peak RSS while the all-pairs baseline of this size was built and queried. */
  baselineRssMb: number | undefined;
  /** Queries the baseline ran (a sample: it is slow). */
  baselineQueries: number | undefined;
  /** Index queries/s over baseline queries/s. */
  speedup: number | undefined;
  /** Share of the baseline's top-5 the index also returns in its top 5 (over the baseline's sample). */
  top5Agreement: number | undefined;
  /** Each figure over the same figure at the smallest size (how it grows). */
  growth: { insertPerSec: number; queryPerSec: number; queryP95Ms: number; rssMb: number; fileMb: number; baselineQueryPerSec: number | undefined };
  /** Wall time of this size (index, queries and baseline). */
  seconds: number;
}

export interface SimilarityBenchFigures {
  duplicates?: DuplicateFigures;
  clusters?: ClusterFigures;
  scale?: ScaleRow[];
  /** Wall time of each part. */
  seconds: { quality?: number; scale?: number; total: number };
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
  const docs = rows.map((r): SimilarityDoc => ({
    key: `jira:hadoop:${r['Issue id']}`,
    sourceId: 'hadoop',
    nativeId: r['Issue id'] ?? '',
    number: r['Issue id'] ?? '',
    version: '1',
    createdAt: jiraDate(r['Created'] ?? ''),
    title: r['Summary'] ?? '',
    description: r['Description'] ?? '',
    fields: { priority: r['Priority'], affects: r['Affects Version/s'] },
  }));
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

export function syntheticPool(dataDir: string): Pool {
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
const LOOK_BACK_MS = 365 * 24 * 3600 * 1000;
const SITES = ['lon', 'par', 'ber', 'nyc', 'sfo', 'sin', 'syd', 'buc', 'ams', 'mad', 'tor', 'dub'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'shi', 'dra', 'ben', 'kor', 'lin', 'mar', 'pet', 'son', 'ver', 'zel', 'qui'];

/**
 * The desk's own vocabulary, which grows with its size: asset tags, references to earlier
 * tickets, people and application names (made-up words), beside ids the tokeniser masks (hosts,
 * IPs, error codes) so they cost text but add no terms.
 */
function deskNoise(rand: () => number, i: number, tickets: number): string {
  const int = (n: number): number => Math.floor(rand() * n);
  const word = (parts: number): string => Array.from({ length: parts }, () => SYLLABLES[int(SYLLABLES.length)] ?? '').join('');
  const lines: string[] = [];
  if (rand() < 0.5) lines.push(`Asset tag LT${String(10_000 + int(Math.max(1000, tickets / 5))).padStart(6, '0')}`);
  if (rand() < 0.25 && i > 0) lines.push(`Related to INC${String(int(i)).padStart(7, '0')}`);
  if (rand() < 0.3) lines.push(`Reported by ${word(2)} ${word(3)}`);
  if (rand() < 0.2) lines.push(`Application ${word(2 + int(2))} on ${SITES[int(SITES.length)]}-srv${int(900)}.corp.local (10.${int(255)}.${int(255)}.${int(255)})`);
  if (rand() < 0.15) lines.push(`Error 0x8007${int(65536).toString(16).padStart(4, '0')} at ${new Date(END_MS - int(SPAN_MS)).toISOString()}`);
  return lines.join('\n');
}

/**
 * Ticket `i` of a desk of `tickets` created over the 2 years before END_MS, in creation order (as
 * the daemon indexes them). Title and body are real ones recombined, plus desk noise.
 */
function syntheticDoc(pool: Pool, rand: () => number, i: number, tickets: number): SimilarityDoc {
  const pick = (xs: string[]): string => xs[Math.floor(rand() * xs.length)] ?? '';
  // A body is one real body, sometimes followed by part of another: recombination gives
  // millions of distinct tickets with real vocabulary and real term frequencies.
  let body = pick(pool.bodies);
  if (rand() < 0.3) body += `\n${pick(pool.bodies).slice(0, 300)}`;
  const noise = deskNoise(rand, i, tickets);
  const createdMs = END_MS - SPAN_MS + Math.floor(((i + rand()) / tickets) * SPAN_MS);
  return {
    key: `bench:${i}`,
    sourceId: 'bench',
    nativeId: String(i),
    number: `INC${String(i).padStart(7, '0')}`,
    version: '1',
    createdAt: new Date(createdMs).toISOString(),
    title: pick(pool.titles),
    description: noise ? `${body}\n${noise}` : body,
    fields: { requester: `user${Math.floor(rand() * 5000)}`, category: `cat${Math.floor(rand() * 20)}` },
  };
}

/** New tickets at END_MS: a third are edited copies of an indexed ticket of the last year (a duplicate to find). */
export function syntheticQueries(pool: Pool, tickets: number, count: number): SimilarityDoc[] {
  const rand = prng(7);
  const out: SimilarityDoc[] = [];
  for (let i = 0; i < count; i++) {
    const fresh = syntheticDoc(pool, rand, tickets + i, tickets);
    out.push({ ...fresh, key: `bench:q${i}`, createdAt: new Date(END_MS).toISOString() });
  }
  return out;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

/** Streams the same desk of `tickets` (seeded) in batches, in creation order. */
export function* deskBatches(pool: Pool, tickets: number, batch: number): Generator<SimilarityDoc[]> {
  const rand = prng(42);
  for (let i = 0; i < tickets; i += batch) {
    const docs: SimilarityDoc[] = [];
    for (let j = i; j < Math.min(tickets, i + batch); j++) docs.push(syntheticDoc(pool, rand, j, tickets));
    yield docs;
  }
}

export function scaleDb(path: string): Database.Database {
  const db = new Database(path);
  // As the daemon opens its state file, plus a bigger page cache and fewer WAL checkpoints
  // for the bulk load (what a backfill would set).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  db.pragma('wal_autocheckpoint = 16000');
  db.exec(SIMILARITY_SCHEMA_SQL);
  return db;
}

/** A full garbage collection, so one size's peak RSS does not include the previous size's garbage. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

export function benchScale(dataDir: string, max: number, scoring: ScoringParams, indexOptions: Partial<SqliteIndexOptions>, log: (line: string) => void): ScaleRow[] {
  const pool = syntheticPool(dataDir);
  const steps = [10_000, 100_000, 1_000_000].filter((s) => s <= max);
  if (steps.length === 0) steps.push(max);
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-sim-'));
  const rows: ScaleRow[] = [];
  const queryCount = 300;
  try {
    for (const step of steps) {
      const t0Step = performance.now();
      // Each size is its own desk (2 years of tickets, indexed in creation order) in its own file.
      const path = join(dir, `sim-${step}.db`);
      const db = scaleDb(path);
      const index = new SqliteCandidateIndex(db, { ...indexOptions, scoring });
      collectGarbage();
      let peakRss = process.memoryUsage().rss;
      const sampleRss = (): void => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      };
      let insertMs = 0;
      let inserted = 0;
      // A backfill: batches of 20,000 through upsertMany (one transaction each, grouped writes).
      const insertAll = (docs: SimilarityDoc[]): void => index.upsertMany(docs);
      for (const docs of deskBatches(pool, step, 20_000)) {
        const t0 = performance.now();
        insertAll(docs);
        insertMs += performance.now() - t0;
        inserted += docs.length;
        sampleRss();
        if (inserted % 100_000 === 0)
          log(`  ${step.toLocaleString('en')}: indexed ${inserted.toLocaleString('en')} (${Math.round(inserted / (insertMs / 1000))}/s, RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB)`);
      }
      db.pragma('wal_checkpoint(TRUNCATE)');

      // Queries: new tickets at the end of the span, one-year look-back, top 5.
      const queries = syntheticQueries(pool, step, queryCount + 20);
      const q = (doc: SimilarityDoc) => ({ doc, createdBefore: doc.createdAt, createdAfter: new Date(END_MS - LOOK_BACK_MS).toISOString(), limit: 5 });
      for (const doc of queries.slice(queryCount)) index.query(q(doc)); // warm-up, untimed
      const times: number[] = [];
      const indexTops: string[][] = [];
      const tq = performance.now();
      for (const doc of queries.slice(0, queryCount)) {
        const t0 = performance.now();
        indexTops.push(index.query(q(doc)).map((c) => c.key));
        times.push(performance.now() - t0);
      }
      const queryPerSec = queryCount / ((performance.now() - tq) / 1000);
      sampleRss();
      const terms = (db.prepare('SELECT count(*) AS n FROM sim_terms').get() as { n: number }).n;
      const postings = (db.prepare('SELECT count(*) AS n FROM sim_postings').get() as { n: number }).n;
      db.pragma('wal_checkpoint(TRUNCATE)');
      const fileBytes = [path, `${path}-wal`].filter(existsSync).reduce((s, p) => s + statSync(p).size, 0);
      db.close();
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      log(`  ${step.toLocaleString('en')}: ${fmt(inserted / (insertMs / 1000))} inserts/s, ${fmt(queryPerSec)} queries/s, p95 ${fmt(percentile(times, 0.95), 1)} ms`);

      // The all-pairs baseline on the same desk, where it fits: inserts, then a sample of the same queries.
      let baseline: { insertPerSec: number; queryPerSec: number; rssMb: number; queries: number; agreement: number } | undefined;
      if (step <= 100_000) {
        const memory = new MemoryCandidateIndex(scoring);
        collectGarbage();
        let bPeak = process.memoryUsage().rss;
        let bInsertMs = 0;
        for (const docs of deskBatches(pool, step, 5000)) {
          const t0 = performance.now();
          for (const d of docs) memory.upsert(d);
          bInsertMs += performance.now() - t0;
          bPeak = Math.max(bPeak, process.memoryUsage().rss);
        }
        const sample = queries.slice(0, step <= 10_000 ? 100 : 10);
        let hit = 0;
        let total = 0;
        const tb = performance.now();
        sample.forEach((doc, i) => {
          const exact = memory.query(q(doc)).map((c) => c.key);
          const got = new Set(indexTops[i]);
          total += exact.length;
          hit += exact.filter((k) => got.has(k)).length;
        });
        const bQueryMs = performance.now() - tb;
        bPeak = Math.max(bPeak, process.memoryUsage().rss);
        baseline = { insertPerSec: step / (bInsertMs / 1000), queryPerSec: sample.length / (bQueryMs / 1000), rssMb: bPeak / 2 ** 20, queries: sample.length, agreement: total ? hit / total : 1 };
        memory.clear();
        collectGarbage();
        log(`  ${step.toLocaleString('en')}: baseline ${fmt(baseline.queryPerSec, 1)} queries/s, top-5 agreement ${baseline.agreement.toFixed(3)}`);
      }

      const first = rows[0];
      const row: ScaleRow = {
        tickets: step,
        terms,
        postings,
        insertPerSec: inserted / (insertMs / 1000),
        queryPerSec,
        queryP50Ms: percentile(times, 0.5),
        queryP95Ms: percentile(times, 0.95),
        rssMb: peakRss / 2 ** 20,
        fileMb: fileBytes / 2 ** 20,
        baselineInsertPerSec: baseline?.insertPerSec,
        baselineQueryPerSec: baseline?.queryPerSec,
        baselineRssMb: baseline?.rssMb,
        baselineQueries: baseline?.queries,
        speedup: baseline ? queryPerSec / baseline.queryPerSec : undefined,
        top5Agreement: baseline?.agreement,
        growth: { insertPerSec: 1, queryPerSec: 1, queryP95Ms: 1, rssMb: 1, fileMb: 1, baselineQueryPerSec: baseline ? 1 : undefined },
        seconds: 0,
      };
      if (first) {
        row.growth = {
          insertPerSec: row.insertPerSec / first.insertPerSec,
          queryPerSec: row.queryPerSec / first.queryPerSec,
          queryP95Ms: row.queryP95Ms / first.queryP95Ms,
          rssMb: row.rssMb / first.rssMb,
          fileMb: row.fileMb / first.fileMb,
          baselineQueryPerSec: row.baselineQueryPerSec !== undefined && first.baselineQueryPerSec !== undefined ? row.baselineQueryPerSec / first.baselineQueryPerSec : undefined,
        };
      }
      row.seconds = (performance.now() - t0Step) / 1000;
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

export function runSimilarityBench(options: SimilarityBenchOptions = {}): SimilarityBenchFigures {
  const dataDir = options.dataDir ?? sharedDataDir();
  const scoring = options.scoring ?? DEFAULT_SCORING;
  const indexOptions = options.index ?? {};
  const log = options.log ?? ((): void => {});
  const t0 = performance.now();
  const figures: SimilarityBenchFigures = { seconds: { total: 0 } };
  if (!options.skipQuality) {
    log('duplicates (Hadoop)…');
    figures.duplicates = benchDuplicates(dataDir, scoring, indexOptions);
    log('clusters (help desk)…');
    figures.clusters = benchClusters(dataDir, scoring, indexOptions, [0.3, 0.5, 0.7]);
    figures.seconds.quality = (performance.now() - t0) / 1000;
  }
  if (!options.skipScale) {
    log('scale…');
    const t1 = performance.now();
    figures.scale = benchScale(dataDir, options.max ?? 1_000_000, scoring, indexOptions, log);
    figures.seconds.scale = (performance.now() - t1) / 1000;
  }
  figures.seconds.total = (performance.now() - t0) / 1000;
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
      console.log(
        `  ${s.threshold.toFixed(2).padStart(9)}  ${String(s.links).padStart(5)}  ${String(s.correct).padStart(7)}  ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(6)}  ${String(s.sameTitle).padStart(5)}`,
      );
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
    console.log('\nScale — SQLite candidate index vs all-pairs in memory (same scoring); each size is a 2-year desk indexed in creation order, 1-year look-back, top 5');
    console.log('  tickets     terms  insert/s  query/s  p50 ms  p95 ms  peak RSS MB  file MB  | baseline insert/s  query/s  RSS MB  | speed-up  top-5 agreement');
    for (const r of f.scale) {
      console.log(
        `  ${fmt(r.tickets).padStart(9)}  ${fmt(r.terms).padStart(8)}  ${fmt(r.insertPerSec).padStart(8)}  ${fmt(r.queryPerSec).padStart(7)}  ${fmt(r.queryP50Ms, 1).padStart(6)}  ${fmt(r.queryP95Ms, 1).padStart(6)}  ${fmt(r.rssMb).padStart(11)}  ${fmt(r.fileMb).padStart(7)}  | ${
          r.baselineInsertPerSec ? fmt(r.baselineInsertPerSec).padStart(17) : '-'.padStart(17)
        }  ${r.baselineQueryPerSec ? fmt(r.baselineQueryPerSec, 1).padStart(7) : '-'.padStart(7)}  ${r.baselineRssMb ? fmt(r.baselineRssMb).padStart(6) : '-'.padStart(6)}  | ${r.speedup ? `${fmt(r.speedup, 0)}x`.padStart(8) : '-'.padStart(8)}  ${r.top5Agreement !== undefined ? `${pct(r.top5Agreement)} (${r.baselineQueries} queries)` : '-'}`,
      );
    }
    const base = f.scale[0];
    if (base && f.scale.length > 1) {
      console.log(`\n  Growth over the ${fmt(base.tickets)}-ticket figures (tickets ×, then each figure ×)`);
      console.log('  tickets   tickets×  insert/s×  query/s×  p95×   RSS×   file×  | baseline query/s×');
      for (const r of f.scale) {
        const g = r.growth;
        console.log(
          `  ${fmt(r.tickets).padStart(9)}  ${fmt(r.tickets / base.tickets).padStart(7)}  ${fmt(g.insertPerSec, 2).padStart(8)}  ${fmt(g.queryPerSec, 2).padStart(8)}  ${fmt(g.queryP95Ms, 2).padStart(5)}  ${fmt(g.rssMb, 2).padStart(5)}  ${fmt(g.fileMb, 2).padStart(6)}  | ${g.baselineQueryPerSec !== undefined ? fmt(g.baselineQueryPerSec, 3) : '-'}`,
        );
      }
    }
  }
  const sec = f.seconds;
  console.log(`\n  bench time: ${sec.quality !== undefined ? `quality ${fmt(sec.quality)} s, ` : ''}${sec.scale !== undefined ? `scale ${fmt(sec.scale)} s, ` : ''}total ${fmt(sec.total)} s`);
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
