/**
 * Data of the similarity bench: the Hadoop duplicate pairs (de-duplicated), the Endava help-desk
 * tickets, and the synthetic desks of the scale bench with their planted near-copies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvRecords } from '../src/sandbox/jira/csv.js';
import type { SimilarityDoc } from '../src/similarity/types.js';

const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };

/** Jira CSV dates look like "30/Sep/21 17:20". */
function jiraDate(text: string): string {
  const m = /^(\d{1,2})\/([A-Z][a-z]{2})\/(\d{2}) (\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`Unparseable Jira date "${text}"`);
  const [, d, mon, y, h, min] = m;
  return `20${y}-${MONTHS[mon ?? ''] ?? '01'}-${(d ?? '').padStart(2, '0')}T${(h ?? '').padStart(2, '0')}:${min}:00.000Z`;
}

export interface HadoopSet {
  docs: SimilarityDoc[];
  /** Rows of the labelled-pairs file with both reports present (some list the same pair twice, once each way). */
  rows: number;
  /** Unique unordered pairs, each as [earlier, later] (creation time, then issue id). */
  pairs: [SimilarityDoc, SimilarityDoc][];
}

/** The earlier report of two: creation time, then the lower issue number (as the dedup rule orders them). */
export function reportedFirst(a: SimilarityDoc, b: SimilarityDoc): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.number.localeCompare(b.number, 'en', { numeric: true }) < 0);
}

export function loadHadoop(dataDir: string): HadoopSet {
  const dir = join(dataDir, 'duplicate-bug-reports-hadoop');
  const records = parseCsvRecords(readFileSync(join(dir, 'hadoop_bugs.csv'), 'utf8'));
  const docs = records.map((r): SimilarityDoc => ({
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
  const byKey = new Map(docs.map((d) => [d.key, d]));
  let rows = 0;
  const unique = new Map<string, [SimilarityDoc, SimilarityDoc]>();
  for (const r of parseCsvRecords(readFileSync(join(dir, 'hadoop_bugs-combined.csv'), 'utf8'))) {
    const a = byKey.get(`jira:hadoop:${r['Issue id']}`);
    const b = byKey.get(`jira:hadoop:${r['Duplicate id']}`);
    if (!a || !b || a === b) continue;
    rows++;
    const pair: [SimilarityDoc, SimilarityDoc] = reportedFirst(a, b) ? [a, b] : [b, a];
    unique.set(`${pair[0].key}\u0000${pair[1].key}`, pair);
  }
  return { docs, rows, pairs: [...unique.values()] };
}

export function loadHelpdesk(dataDir: string): { title: string; body: string; category: string }[] {
  const rows = parseCsvRecords(readFileSync(join(dataDir, 'helpdesk-tickets-text', 'all_tickets.csv'), 'utf8'));
  return rows.map((r) => ({ title: r['title'] ?? '', body: r['body'] ?? '', category: r['category'] ?? '' }));
}

export function byCreated(a: SimilarityDoc, b: SimilarityDoc): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

/**
 * The distinct words of a text as FTS5's unicode61 tokeniser splits it (runs of letters and
 * digits, lower-cased). Used for FTS5 queries and for the bench's own "identical title" check,
 * so neither depends on deskbridge's tokeniser.
 */
export function plainWords(text: string): string[] {
  return [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
}

// ---------------------------------------------------------------------------------------------
// Synthetic desks

/** Small deterministic PRNG (mulberry32) so every run indexes the same synthetic tickets. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Pool {
  titles: string[];
  bodies: string[];
  /** Distinct words of the titles and bodies: replacements in near-copies. */
  words: string[];
}

export function syntheticPool(dataDir: string): Pool {
  const hadoop = loadHadoop(dataDir).docs;
  const helpdesk = loadHelpdesk(dataDir);
  const titles = [...hadoop.map((d) => d.title), ...helpdesk.map((t) => t.title)].filter((t) => t.trim() !== '');
  // Hadoop descriptions can be whole logs; the first 1,500 characters are what a ticket body usually is.
  const bodies = [...hadoop.map((d) => d.description.slice(0, 1500)), ...helpdesk.map((t) => t.body)].filter((t) => t.trim() !== '');
  const words = new Set<string>();
  for (const t of [...titles, ...bodies]) for (const w of t.split(/\s+/)) if (/^[\p{L}]{3,}$/u.test(w)) words.add(w.toLowerCase());
  return { titles, bodies, words: [...words].sort() };
}

export const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
export const END_MS = Date.parse('2025-01-01T00:00:00Z');
/** The look-back of the scale queries: a year, as the shipped `likely-duplicates` rule. */
export const LOOK_BACK_MS = 365 * 24 * 3600 * 1000;
const SITES = ['lon', 'par', 'ber', 'nyc', 'sfo', 'sin', 'syd', 'buc', 'ams', 'mad', 'tor', 'dub'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'shi', 'dra', 'ben', 'kor', 'lin', 'mar', 'pet', 'son', 'ver', 'zel', 'qui'];

/**
 * The desk's own vocabulary, which grows with its size: asset tags, references to earlier
 * tickets, people and application names (made-up words), beside ids the tokeniser masks (hosts,
 * IPs, error codes) so they cost text but add no terms. `reporter` forces a "Reported by" line.
 */
function deskNoise(rand: () => number, i: number, tickets: number, reporter = false): string {
  const int = (n: number): number => Math.floor(rand() * n);
  const word = (parts: number): string => Array.from({ length: parts }, () => SYLLABLES[int(SYLLABLES.length)] ?? '').join('');
  const lines: string[] = [];
  if (rand() < 0.5) lines.push(`Asset tag LT${String(10_000 + int(Math.max(1000, tickets / 5))).padStart(6, '0')}`);
  if (rand() < 0.25 && i > 0) lines.push(`Related to INC${String(int(i)).padStart(7, '0')}`);
  if (rand() < 0.3 || reporter) lines.push(`Reported by ${word(2)} ${word(3)}`);
  if (rand() < 0.2) lines.push(`Application ${word(2 + int(2))} on ${SITES[int(SITES.length)]}-srv${int(900)}.corp.local (10.${int(255)}.${int(255)}.${int(255)})`);
  if (rand() < 0.15) lines.push(`Error 0x8007${int(65536).toString(16).padStart(4, '0')} at ${new Date(END_MS - int(SPAN_MS)).toISOString()}`);
  return lines.join('\n');
}

/** Which pool texts a synthetic ticket was built from: its content is rebuilt from these (see contentOf). */
export interface DeskParts {
  title: number;
  body: number;
  /** The body whose first 300 characters were appended, or -1. */
  body2: number;
}

/** A synthetic ticket and its text without the desk noise. */
export interface DeskTicket {
  doc: SimilarityDoc;
  /** The real body (one, sometimes with part of a second) before the desk noise was appended. */
  body: string;
  createdMs: number;
  parts: DeskParts;
}

function joinBody(pool: Pool, body: number, body2: number): string {
  const first = pool.bodies[body] ?? '';
  return body2 < 0 ? first : `${first}\n${(pool.bodies[body2] ?? '').slice(0, 300)}`;
}

/** A ticket's title and body without the desk noise. */
export interface Content {
  title: string;
  body: string;
}

/** A ticket's content from its parts. */
export function contentOf(pool: Pool, parts: DeskParts): Content {
  return { title: pool.titles[parts.title] ?? '', body: joinBody(pool, parts.body, parts.body2) };
}

/**
 * Ticket `i` of a desk of `tickets` created over the 2 years before END_MS, in creation order (as
 * the daemon indexes them). Title and body are real ones recombined, plus desk noise.
 */
function syntheticTicket(pool: Pool, rand: () => number, i: number, tickets: number): DeskTicket {
  const pick = (n: number): number => Math.floor(rand() * n);
  // A body is one real body, sometimes followed by part of another: recombination gives
  // millions of distinct tickets with real vocabulary and real term frequencies.
  const bodyNo = pick(pool.bodies.length);
  const body2No = rand() < 0.3 ? pick(pool.bodies.length) : -1;
  const body = joinBody(pool, bodyNo, body2No);
  const noise = deskNoise(rand, i, tickets);
  const createdMs = END_MS - SPAN_MS + Math.floor(((i + rand()) / tickets) * SPAN_MS);
  const parts: DeskParts = { title: pick(pool.titles.length), body: bodyNo, body2: body2No };
  const doc: SimilarityDoc = {
    key: `bench:${i}`,
    sourceId: 'bench',
    nativeId: String(i),
    number: `INC${String(i).padStart(7, '0')}`,
    version: '1',
    createdAt: new Date(createdMs).toISOString(),
    title: pool.titles[parts.title] ?? '',
    description: noise ? `${body}\n${noise}` : body,
    fields: { requester: `user${Math.floor(rand() * 5000)}`, category: `cat${Math.floor(rand() * 20)}` },
  };
  return { doc, body, createdMs, parts };
}

/** Streams the same desk of `tickets` (seeded) in batches, in creation order: ticket i is row i + 1. */
export function* deskBatches(pool: Pool, tickets: number, batch: number): Generator<DeskTicket[]> {
  const rand = prng(42);
  for (let i = 0; i < tickets; i += batch) {
    const out: DeskTicket[] = [];
    for (let j = i; j < Math.min(tickets, i + batch); j++) out.push(syntheticTicket(pool, rand, j, tickets));
    yield out;
  }
}

/**
 * Tickets of a desk inside the 1-year look-back window of a query at END_MS: ticket i is created
 * in [i, i + 1) × SPAN / tickets after the start, so the window is exactly i ≥ tickets / 2.
 */
export function lookBackRange(tickets: number): { first: number; last: number } {
  return { first: Math.ceil(tickets / 2), last: tickets - 1 };
}

/**
 * Which tickets get a planted near-copy: `count` indexes spread uniformly over the look-back window
 * (stratified: one uniform draw in each of `count` equal slices), the oldest ticket of the window
 * always among them (the hardest case for a newest-first index).
 */
export function plantedOriginals(tickets: number, count: number): number[] {
  const { first, last } = lookBackRange(tickets);
  const width = last - first + 1;
  const rand = prng(99);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(k === 0 ? first : first + Math.min(width - 1, Math.floor((k + rand()) * (width / count))));
  return out;
}

/** A planted query: the near-copy, and its content (title and body without its desk noise). */
export interface PlantedQuery {
  doc: SimilarityDoc;
  content: Content;
}

/**
 * "The same issue reported again by someone else": the original's title with a word dropped or
 * two words swapped, its body with ~20% of the words dropped, 3 replaced by other desk words and
 * 2 adjacent pairs swapped, and fresh desk noise (asset tag, reporter…), not the original's.
 */
export function nearCopy(pool: Pool, original: DeskTicket, rand: () => number, key: string, tickets: number): PlantedQuery {
  const int = (n: number): number => Math.floor(rand() * n);
  const title = original.doc.title.split(/\s+/).filter((w) => w !== '');
  if (title.length > 2 && rand() < 0.5) title.splice(int(title.length), 1);
  else if (title.length >= 2) {
    const j = int(title.length - 1);
    [title[j], title[j + 1]] = [title[j + 1] ?? '', title[j] ?? ''];
  }
  const body = original.body.split(/\s+/).filter((w) => w !== '' && rand() >= 0.2);
  for (let r = 0; r < 3 && body.length > 0; r++) body[int(body.length)] = pool.words[int(pool.words.length)] ?? '';
  for (let r = 0; r < 2 && body.length > 1; r++) {
    const j = int(body.length - 1);
    [body[j], body[j + 1]] = [body[j + 1] ?? '', body[j] ?? ''];
  }
  const noise = deskNoise(rand, tickets, tickets, true);
  const doc: SimilarityDoc = {
    key,
    sourceId: 'bench',
    nativeId: key,
    number: key,
    version: '1',
    createdAt: new Date(END_MS).toISOString(),
    title: title.join(' '),
    description: `${body.join(' ')}\n${noise}`,
    fields: { requester: `user${int(5000)}`, category: `cat${int(20)}` },
  };
  return { doc, content: { title: doc.title, body: body.join(' ') } };
}

/** A fresh ticket at END_MS (no planted original): a recombined ticket like the desk's. */
export function freshQuery(pool: Pool, rand: () => number, i: number, tickets: number): SimilarityDoc {
  const t = syntheticTicket(pool, rand, tickets + i, tickets);
  return { ...t.doc, key: `bench:q${i}`, nativeId: `q${i}`, number: `Q${i}`, createdAt: new Date(END_MS).toISOString() };
}

/** How close two texts are by their plain words (Jaccard: shared distinct words / all distinct words). */
export function closeness(a: string, b: string): number {
  const x = new Set(plainWords(a));
  const y = plainWords(b);
  let shared = 0;
  for (const w of y) if (x.has(w)) shared++;
  const union = x.size + y.length - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * Whether a returned ticket is as right an answer to a planted query as its original: its title
 * AND its body each at least as close to the query's (plain-word Jaccard, desk noise left out,
 * independent of any engine's tokeniser and weights). Recombination gives a 1M desk ~125 tickets
 * per title and per body; when the copy has lost what set its original apart (a generic title, a
 * short body mostly rewritten), such a ticket is as close on both counts. Field by field, so a
 * ticket sharing only the body — or only the title — never passes, and a query whose text kept
 * nothing of its original credits nothing.
 */
export function asCloseAsOriginal(query: Content, candidate: Content, original: Content): boolean {
  const title = closeness(query.title, original.title);
  const body = closeness(query.body, original.body);
  if (title + body === 0) return false;
  return closeness(query.title, candidate.title) >= title && closeness(query.body, candidate.body) >= body;
}
