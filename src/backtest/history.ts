import { readFile } from 'node:fs/promises';
import { CsvStreamParser } from './csv-stream.js';
import { freshserviceExport, freshserviceTicketToRecord, looksLikeFreshserviceTicket } from './freshservice-tickets.js';
import { detectJiraFlavour, jiraBaseUrl, jiraIssues, jiraIssueToRecord } from './jira-issues.js';
import { readTextChunks } from './read-input.js';
import { looksLikeZendeskTicket, zendeskBaseUrl, zendeskExport, zendeskTicketToRecord } from './zendesk-tickets.js';
import { CsvFieldCache, csvRowToRecord, fieldForColumn, jsonRecordToRecord, normaliseDateTime, storedTimeMs } from './servicenow-record.js';
import type { PlatformId } from '../platforms/registry.js';

export type InputFormat = 'servicenow-csv' | 'servicenow-json' | 'jira-json' | 'zendesk-json' | 'freshservice-json';

/** One version of one ticket, as the mapping reads it, in its turn. */
export interface ReplayVersion {
  /** The ticket's native id (sys_id, or number when the export has none; Jira issue id). */
  ref: string;
  record: Record<string, unknown>;
}

/** A record that could not become a version at all (no id, not an object). */
export interface UnreadableInput {
  ref: string;
  error: string;
}

/** An input file read and sorted for the replay. */
export interface History {
  format: InputFormat;
  /** Mapping file pair to use: `servicenow`, `jira-cloud`, `jira-datacenter`. */
  mapping: string;
  /** Platform id that starts every ticket key. */
  platform: PlatformId;
  /** What the mapping sees as `$source` (the runner adds `id`). */
  source: Record<string, unknown>;
  /** Rows / records read from the file. */
  records: number;
  tickets: number;
  /** Records of tickets beyond `limit`, not replayed. */
  skippedByLimit: number;
  /** Records that could not be read at all: how many, and the first few. */
  unreadable: { count: number; first: UnreadableInput[] };
  /** Number of versions to replay. */
  versionCount: number;
  /**
   * The versions in time order (ties in file order). Each is built when its turn comes, and a
   * CSV row is built from its compact form, so only the version being replayed exists as objects.
   */
  versions(): Iterable<ReplayVersion>;
}

export interface ReadHistoryOptions {
  format?: InputFormat | 'auto';
  /** Only the first N tickets of the file (in file order). */
  limit?: number;
  /** Jira field holding the group (`components` or `customfield_NNNNN`), as in the source config. */
  jiraGroupField?: string;
  /** Called while reading with the number of records read so far. */
  onRecords?: (count: number) => void;
}

/** The input is not something backtest can read; the message says what it expected. */
export class BacktestInputError extends Error {
  override readonly name = 'BacktestInputError';
}

const UNREADABLE_KEPT = 20;

export async function readHistory(path: string, options: ReadHistoryOptions = {}): Promise<History> {
  const format = options.format ?? 'auto';
  const lower = path.toLowerCase();
  if (format === 'servicenow-csv' || (format === 'auto' && (lower.endsWith('.csv') || lower.endsWith('.zip')))) {
    return readServiceNowCsv(path, options);
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new BacktestInputError(`${path} is not readable JSON (${error instanceof Error ? error.message : String(error)}); give a .csv/.zip ServiceNow export or a JSON export`);
  }
  const resolved = format === 'auto' ? detectJsonFormat(data) : format;
  if (resolved === undefined) {
    throw new BacktestInputError(
      `${path}: cannot tell the export's platform; expected {"records": [...]} or {"result": [...]} (ServiceNow), an array of issues / {"issues": [...]} (Jira) or of tickets / {"tickets": [...]} (Zendesk, Freshservice). Use --format to say which`,
    );
  }
  if (resolved === 'zendesk-json') return readZendeskJson(path, data, options);
  if (resolved === 'freshservice-json') return readFreshserviceJson(path, data, options);
  return resolved === 'jira-json' ? readJiraJson(path, data, options) : readServiceNowJson(path, data, options);
}

function detectJsonFormat(data: unknown): InputFormat | undefined {
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    if (Array.isArray((data as { records?: unknown }).records) || Array.isArray((data as { result?: unknown }).result)) return 'servicenow-json';
    if (Array.isArray((data as { issues?: unknown }).issues)) return 'jira-json';
    const tickets = (data as { tickets?: unknown }).tickets;
    if (Array.isArray(tickets)) {
      const head: unknown = tickets[0];
      return typeof head === 'object' && head !== null && looksLikeFreshserviceTicket(head) ? 'freshservice-json' : 'zendesk-json';
    }
    return undefined;
  }
  if (!Array.isArray(data)) return undefined;
  const first: unknown = data[0];
  if (typeof first !== 'object' || first === null) return undefined;
  if ('fields' in first || ('key' in first && 'id' in first)) return 'jira-json';
  // Before Zendesk: a Freshservice ticket also has id, subject and status (numbers there).
  if (looksLikeFreshserviceTicket(first)) return 'freshservice-json';
  if (looksLikeZendeskTicket(first)) return 'zendesk-json';
  if ('sys_id' in first || 'number' in first) return 'servicenow-json';
  return undefined;
}

/** Admits tickets in file order up to the limit; `false` for a record of a ticket beyond it. */
class TicketLimit {
  readonly seen = new Set<string>();
  skipped = 0;
  constructor(private readonly limit: number | undefined) {}
  admit(ref: string): boolean {
    if (this.seen.has(ref)) return true;
    if (this.limit !== undefined && this.seen.size >= this.limit) {
      this.skipped++;
      return false;
    }
    this.seen.add(ref);
    return true;
  }
}

/** A version held until the replay, for the JSON inputs (already in memory as objects). */
interface PendingVersion {
  ref: string;
  /** When the version was made (epoch ms); the replay goes in this order. */
  at: number;
  /** Position in the input, to keep ties in file order. */
  seq: number;
  record: Record<string, unknown>;
}

function inTimeOrder(pending: PendingVersion[]): () => Iterable<ReplayVersion> {
  pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return function* () {
    for (const { ref, record } of pending) yield { ref, record };
  };
}

/**
 * A CSV export with display values, or a zip holding one. A time-ordered replay of a log sorted
 * by incident needs every row before the first can go, so rows are kept compact until their
 * turn: each cell as an index into a table of distinct strings (the event log's 5 million cells
 * hold about 300,000), all in one typed array the garbage collector never walks.
 */
async function readServiceNowCsv(path: string, options: ReadHistoryOptions): Promise<History> {
  const parser = new CsvStreamParser();
  const strings = new StringTable();
  const limit = new TicketLimit(options.limit);
  const unreadable: UnreadableInput[] = [];
  let unreadableCount = 0;
  let fields: string[] | undefined;
  let width = 0;
  let refColumn = -1;
  let timeColumns: number[] = [];
  let modCountMissing = false;
  const ordinals = new Map<string, number>();
  let cells = new Uint32Array(0);
  let times = new Float64Array(0);
  let rows = 0;
  let records = 0;

  const take = (row: string[]): void => {
    if (fields === undefined) {
      fields = row.map(fieldForColumn);
      const sysId = fields.indexOf('sys_id');
      refColumn = sysId >= 0 ? sysId : fields.indexOf('number');
      if (refColumn < 0) throw new BacktestInputError(`${path}: the CSV has neither a number nor a sys_id column; columns: ${row.join(', ')}`);
      timeColumns = ['sys_updated_on', 'sys_created_on', 'opened_at'].map((f) => fields?.indexOf(f) ?? -1).filter((i) => i >= 0);
      modCountMissing = !fields.includes('sys_mod_count');
      // Without a change counter the ticket's version is its ordinal in the file (the mapping needs one).
      if (modCountMissing) fields.push('sys_mod_count');
      width = fields.length;
      return;
    }
    records++;
    const ref = row[refColumn] ?? '';
    if (ref === '' || ref === '?') {
      unreadableCount++;
      if (unreadable.length < UNREADABLE_KEPT) unreadable.push({ ref: `row ${records + 1}`, error: `no ${fields[refColumn]}` });
      return;
    }
    if (!limit.admit(ref)) return;
    if (modCountMissing) {
      const ordinal = ordinals.get(ref) ?? 0;
      ordinals.set(ref, ordinal + 1);
      row.length = width - 1;
      row.push(String(ordinal));
    }
    if ((rows + 1) * width > cells.length) {
      const grown = new Uint32Array(Math.max(1024 * width, cells.length * 2));
      grown.set(cells);
      cells = grown;
      const grownTimes = new Float64Array(grown.length / width);
      grownTimes.set(times);
      times = grownTimes;
    }
    const base = rows * width;
    for (let i = 0; i < width; i++) cells[base + i] = strings.index(row[i] ?? '');
    times[rows] = csvTime(row, timeColumns);
    rows++;
    if (records % 10_000 === 0) options.onRecords?.(records);
  };

  for await (const chunk of readTextChunks(path)) {
    for (const row of parser.push(chunk)) take(row);
  }
  for (const row of parser.end()) take(row);
  options.onRecords?.(records);
  if (fields === undefined) throw new BacktestInputError(`${path} is empty`);

  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const at = times;
  order.sort((a, b) => (at[a] ?? 0) - (at[b] ?? 0) || a - b);
  const columns = fields;
  const cache = new CsvFieldCache();
  const table = strings.values;
  const stride = width;
  // Give back the spare capacity of the last doubling.
  const data = cells.slice(0, rows * width);
  cells = new Uint32Array(0);
  return {
    format: 'servicenow-csv',
    mapping: 'servicenow',
    platform: 'servicenow',
    source: { table: 'incident', baseUrl: 'https://backtest.invalid' },
    records,
    tickets: limit.seen.size,
    skippedByLimit: limit.skipped,
    unreadable: { count: unreadableCount, first: unreadable },
    versionCount: rows,
    *versions() {
      const row: string[] = new Array<string>(stride);
      for (const index of order) {
        const base = index * stride;
        for (let i = 0; i < stride; i++) row[i] = table[data[base + i] ?? 0] ?? '';
        yield { ref: row[refColumn] ?? '', record: csvRowToRecord(columns, row, cache) };
      }
    },
  };
}

/** Distinct strings, each stored once and addressed by index. */
class StringTable {
  readonly values: string[] = [];
  private readonly indexes = new Map<string, number>();

  index(text: string): number {
    const known = this.indexes.get(text);
    if (known !== undefined) return known;
    const copy = detach(text);
    this.values.push(copy);
    this.indexes.set(copy, this.values.length - 1);
    return this.values.length - 1;
  }
}

/**
 * A copy of a string that shares no memory with the chunk it was cut from: V8 keeps a sliced
 * (or concatenated) string's parent alive, which would keep every chunk of the file in memory.
 */
function detach(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}

function csvTime(row: readonly string[], columns: readonly number[]): number {
  for (const column of columns) {
    const stored = normaliseDateTime((row[column] ?? '').trim());
    if (stored !== undefined) return Date.parse(`${stored.replace(' ', 'T')}Z`);
  }
  return Number.MAX_SAFE_INTEGER;
}

function readServiceNowJson(path: string, data: unknown, options: ReadHistoryOptions): History {
  const list = Array.isArray(data) ? data : ((data as { records?: unknown[]; result?: unknown[] }).records ?? (data as { result?: unknown[] }).result);
  if (!Array.isArray(list)) throw new BacktestInputError(`${path}: expected {"records": [...]} or {"result": [...]}`);
  const limit = new TicketLimit(options.limit);
  const pending: PendingVersion[] = [];
  const unreadable: UnreadableInput[] = [];
  const ordinals = new Map<string, number>();
  let seq = 0;
  for (const item of list) {
    seq++;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      unreadable.push({ ref: `record ${seq}`, error: 'not a JSON object' });
      continue;
    }
    const record = jsonRecordToRecord(item as Record<string, unknown>);
    const ref = record['sys_id']?.value || record['number']?.value || '';
    if (ref === '') {
      unreadable.push({ ref: `record ${seq}`, error: 'no sys_id or number' });
      continue;
    }
    if (!limit.admit(ref)) continue;
    if ((record['sys_id']?.value ?? '') === '') record['sys_id'] = { value: ref, display_value: ref };
    const ordinal = ordinals.get(ref) ?? 0;
    ordinals.set(ref, ordinal + 1);
    if ((record['sys_mod_count']?.value ?? '') === '') record['sys_mod_count'] = { value: String(ordinal), display_value: String(ordinal) };
    let at = storedTimeMs(record['sys_updated_on']);
    if (Number.isNaN(at)) at = storedTimeMs(record['sys_created_on']);
    if (Number.isNaN(at)) at = storedTimeMs(record['opened_at']);
    pending.push({ ref, at: Number.isNaN(at) ? Number.MAX_SAFE_INTEGER : at, seq, record });
  }
  options.onRecords?.(seq);
  return {
    format: 'servicenow-json',
    mapping: 'servicenow',
    platform: 'servicenow',
    source: { table: 'incident', baseUrl: 'https://backtest.invalid' },
    records: seq,
    tickets: limit.seen.size,
    skippedByLimit: limit.skipped,
    unreadable: { count: unreadable.length, first: unreadable.slice(0, UNREADABLE_KEPT) },
    versionCount: pending.length,
    versions: inTimeOrder(pending),
  };
}

function readJiraJson(path: string, data: unknown, options: ReadHistoryOptions): History {
  const issues = jiraIssues(data);
  if (issues === undefined) throw new BacktestInputError(`${path}: expected an array of issues or {"issues": [...]}`);
  const flavour = detectJiraFlavour(issues);
  const limit = new TicketLimit(options.limit);
  const pending: PendingVersion[] = [];
  const unreadable: UnreadableInput[] = [];
  let seq = 0;
  for (const issue of issues) {
    seq++;
    const read = jiraIssueToRecord(issue, flavour);
    if ('error' in read) {
      const key = typeof issue === 'object' && issue !== null ? (issue as { key?: unknown }).key : undefined;
      unreadable.push({ ref: typeof key === 'string' ? key : `issue ${seq}`, error: read.error });
      continue;
    }
    if (!limit.admit(read.nativeId)) continue;
    pending.push({ ref: read.nativeId, at: Date.parse(read.updatedAt), seq, record: read.raw });
  }
  options.onRecords?.(seq);
  return {
    format: 'jira-json',
    mapping: `jira-${flavour}`,
    platform: 'jira',
    source: { flavour, baseUrl: jiraBaseUrl(issues) ?? 'https://backtest.invalid', groupField: options.jiraGroupField ?? 'components' },
    records: seq,
    tickets: limit.seen.size,
    skippedByLimit: limit.skipped,
    unreadable: { count: unreadable.length, first: unreadable.slice(0, UNREADABLE_KEPT) },
    versionCount: pending.length,
    versions: inTimeOrder(pending),
  };
}

function readZendeskJson(path: string, data: unknown, options: ReadHistoryOptions): History {
  const exported = zendeskExport(data);
  if (exported === undefined) throw new BacktestInputError(`${path}: expected an array of tickets or {"tickets": [...]}`);
  const limit = new TicketLimit(options.limit);
  const pending: PendingVersion[] = [];
  const unreadable: UnreadableInput[] = [];
  let seq = 0;
  for (const ticket of exported.tickets) {
    seq++;
    const read = zendeskTicketToRecord(ticket, exported.names);
    if ('error' in read) {
      unreadable.push({ ref: `ticket ${seq}`, error: read.error });
      continue;
    }
    if (!limit.admit(read.nativeId)) continue;
    pending.push({ ref: read.nativeId, at: Date.parse(read.updatedAt), seq, record: read.raw });
  }
  options.onRecords?.(seq);
  return {
    format: 'zendesk-json',
    mapping: 'zendesk',
    platform: 'zendesk',
    source: { baseUrl: zendeskBaseUrl(exported.tickets) ?? 'https://backtest.invalid', duplicates: 'tag' },
    records: seq,
    tickets: limit.seen.size,
    skippedByLimit: limit.skipped,
    unreadable: { count: unreadable.length, first: unreadable.slice(0, UNREADABLE_KEPT) },
    versionCount: pending.length,
    versions: inTimeOrder(pending),
  };
}

function readFreshserviceJson(path: string, data: unknown, options: ReadHistoryOptions): History {
  const exported = freshserviceExport(data);
  if (exported === undefined) throw new BacktestInputError(`${path}: expected an array of Freshservice tickets or {"tickets": [...]}`);
  const limit = new TicketLimit(options.limit);
  const pending: PendingVersion[] = [];
  const unreadable: UnreadableInput[] = [];
  let seq = 0;
  for (const ticket of exported.tickets) {
    seq++;
    const read = freshserviceTicketToRecord(ticket, exported.names);
    if ('error' in read) {
      unreadable.push({ ref: `ticket ${seq}`, error: read.error });
      continue;
    }
    if (!limit.admit(read.nativeId)) continue;
    pending.push({ ref: read.nativeId, at: Date.parse(read.updatedAt), seq, record: read.raw });
  }
  options.onRecords?.(seq);
  return {
    format: 'freshservice-json',
    mapping: 'freshservice',
    platform: 'freshservice',
    source: { baseUrl: 'https://backtest.invalid' },
    records: seq,
    tickets: limit.seen.size,
    skippedByLimit: limit.skipped,
    unreadable: { count: unreadable.length, first: unreadable.slice(0, UNREADABLE_KEPT) },
    versionCount: pending.length,
    versions: inTimeOrder(pending),
  };
}
