import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY_HEAD, entryHash, type Head } from './chain.js';
import { parseLine } from './entry.js';
import { AuditLogError } from './errors.js';
import { listLogFiles, logFileName, readLines, type LogFile } from './files.js';
import { AuditEnvelope, PAYLOAD_BY_LOG, type AuditLogName, type PayloadByLog } from './schema.js';

/** What the caller hands over: `seq`, `prev` and `hash` are assigned by the log. */
export interface AuditEvent<T = PayloadByLog[AuditLogName]> {
  /** Unique event id; re-appending an id still in the log's tail is a no-op (crash recovery). */
  id: string;
  /** ISO 8601 UTC (`…Z`); picks the day file. */
  at: string;
  data: T;
}

export interface AuditLogOptions {
  /** Start a new file (`.1`, `.2`, …) rather than let one grow past this. Default 50 MB. */
  maxBytes?: number;
  /**
   * How many of the log's last entries are checked for ids already written. Must be at least the
   * largest batch the caller ever appends. Default 10,000.
   */
  dedupWindow?: number;
}

export interface AppendResult {
  /** Entries written by this call. */
  appended: number;
  /** Ids not written because they were already in the log (or twice in the batch). */
  skipped: string[];
  /** The log's head after the call: store it, and pass it to verify as `expectedHead`. */
  head: Head;
  /** Files written to (full paths), in order. */
  files: string[];
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_DEDUP_WINDOW = 10_000;

interface TailState {
  /** Newest file, or undefined when the log has none yet. */
  file: LogFile | undefined;
  /** Size of `file` as last written or read; a different size on disk means someone else wrote. */
  size: number;
  head: Head;
  recentIds: string[];
  idSet: Set<string>;
}

/**
 * Append-only, hash-chained JSONL log (one of `qa` / `actions`) in one directory.
 *
 * Single writer: two processes appending to the same log would fork the chain. Within a process,
 * several instances are safe because each re-reads the tail when the newest file changed on disk.
 */
export class AuditLog<L extends AuditLogName = AuditLogName> {
  readonly maxBytes: number;
  readonly dedupWindow: number;
  private state: TailState | undefined;

  constructor(
    readonly dir: string,
    readonly log: L,
    options: AuditLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.dedupWindow = options.dedupWindow ?? DEFAULT_DEDUP_WINDOW;
    if (!(this.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    if (!(this.dedupWindow > 0)) throw new RangeError('dedupWindow must be positive');
  }

  /** The head as recovered from disk (seq 0 when the log is empty). */
  get head(): Head {
    return { ...this.current().head };
  }

  /**
   * Appends events in order, skipping ids already in the log's tail, and fsyncs before returning.
   * Synchronous on purpose: when it returns the entries are durable and the caller may mark them
   * appended in its queue; if the process dies first, the same ids are skipped on the next call.
   */
  append(events: readonly AuditEvent<PayloadByLog[L]>[]): AppendResult {
    const prepared = events.map((event, index) => this.validate(event, index));
    const state = this.current();
    const skipped: string[] = [];
    const writes: { file: LogFile; isNew: boolean; chunks: Buffer[] }[] = [];
    let head = state.head;
    let file = state.file;
    let size = state.size;
    const batchIds = new Set<string>();
    const written: string[] = [];

    for (const event of prepared) {
      if (state.idSet.has(event.id) || batchIds.has(event.id)) {
        skipped.push(event.id);
        continue;
      }
      batchIds.add(event.id);
      const seq = head.seq + 1;
      const hash = entryHash(head.hash, { seq, at: event.at, id: event.id, data: event.data });
      const line = Buffer.from(
        `${JSON.stringify({ seq, at: event.at, id: event.id, prev: head.hash, hash, data: event.data })}\n`,
        'utf8',
      );
      // Files follow write order, so a day never goes backwards even if `at` does (clock skew).
      const day = file && file.day > event.day ? file.day : event.day;
      let isNew = false;
      if (!file || day !== file.day) {
        file = this.fileFor(day, 0);
        size = 0;
        isNew = true;
      } else if (size > 0 && size + line.length > this.maxBytes) {
        file = this.fileFor(day, file.part + 1);
        size = 0;
        isNew = true;
      }
      const last = writes.at(-1);
      if (last && last.file.path === file.path) last.chunks.push(line);
      else writes.push({ file, isNew, chunks: [line] });
      size += line.length;
      head = { seq, hash };
      written.push(event.id);
    }

    try {
      for (const write of writes) writeDurably(this.dir, write.file.path, Buffer.concat(write.chunks), write.isNew);
    } catch (error) {
      // Part of the batch may be on disk: forget the tail so the next call re-reads it.
      this.state = undefined;
      throw new AuditLogError('write-failed', `could not append to the ${this.log} audit log: ${String(error)}`);
    }

    state.file = file;
    state.size = size;
    state.head = head;
    rememberIds(state, written, this.dedupWindow);
    return { appended: written.length, skipped, head: { ...head }, files: writes.map((w) => w.file.path) };
  }

  private validate(event: AuditEvent<PayloadByLog[L]>, index: number): { id: string; at: string; day: string; data: unknown } {
    const where = `event ${index} (${typeof event.id === 'string' ? event.id : 'no id'})`;
    if (typeof event.id !== 'string' || event.id.length === 0) {
      throw new AuditLogError('invalid-event', `${where}: id must be a non-empty string`);
    }
    if (!AuditEnvelope.shape.at.safeParse(event.at).success) {
      throw new AuditLogError('invalid-event', `${where}: at must be ISO 8601 UTC like 2026-11-23T15:00:00.000Z`);
    }
    // Round-trip so the hash is computed over exactly what JSON.stringify puts in the file.
    const data: unknown = JSON.parse(JSON.stringify(event.data));
    const parsed = PAYLOAD_BY_LOG[this.log].safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AuditLogError(
        'invalid-event',
        `${where}: data is not a valid ${this.log} payload (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`,
      );
    }
    return { id: event.id, at: event.at, day: new Date(event.at).toISOString().slice(0, 10), data };
  }

  private fileFor(day: string, part: number): LogFile {
    const name = logFileName(this.log, day, part);
    return { name, path: join(this.dir, name), day, part };
  }

  /** Tail state, re-read from disk when the newest file is not what this instance last wrote. */
  private current(): TailState {
    const files = listLogFiles(this.dir, this.log);
    const newest = files.at(-1);
    const state = this.state;
    if (state && newest?.path === state.file?.path && (newest === undefined || statSync(newest.path).size === state.size)) {
      return state;
    }
    this.state = loadTail(files, this.log, this.dedupWindow, true);
    return this.state;
  }
}

/** Head of a log as found on disk; seq 0 when it has no entries. An unfinished last line is ignored. */
export function readHead(dir: string, log: AuditLogName): Head {
  return loadTail(listLogFiles(dir, log), log, 1, false).head;
}

function loadTail(files: LogFile[], log: AuditLogName, window: number, repair: boolean): TailState {
  const newest = files.at(-1);
  const state: TailState = { file: newest, size: 0, head: EMPTY_HEAD, recentIds: [], idSet: new Set() };
  let ids: string[] = [];
  let headFound = false;
  for (let index = files.length - 1; index >= 0 && (!headFound || ids.length < window); index -= 1) {
    const file = files[index];
    if (!file) break;
    const scan = scanFile(file, log, !headFound);
    if (index === files.length - 1) {
      state.size = scan.completeBytes;
      if (scan.tornAt !== undefined && repair) truncateTornTail(file.path, scan.tornAt);
      else if (scan.tornAt !== undefined) state.size = statSync(file.path).size;
    }
    if (!headFound && scan.head) {
      state.head = scan.head;
      headFound = true;
    }
    ids = scan.ids.concat(ids).slice(-window);
  }
  state.recentIds = ids;
  state.idSet = new Set(ids);
  return state;
}

interface FileScan {
  ids: string[];
  head: Head | undefined;
  /** Byte length up to the end of the last complete line. */
  completeBytes: number;
  /** Offset of an unterminated last line (an interrupted write), if any. */
  tornAt: number | undefined;
}

function scanFile(file: LogFile, log: AuditLogName, needHead: boolean): FileScan {
  const ids: string[] = [];
  let last: { text: string; line: number } | undefined;
  let completeBytes = 0;
  let tornAt: number | undefined;
  for (const raw of readLines(file.path)) {
    if (!raw.terminated) {
      tornAt = raw.offset;
      break;
    }
    completeBytes = raw.offset + Buffer.byteLength(raw.text, 'utf8') + 1;
    last = { text: raw.text, line: raw.line };
    // Only the id is needed for de-duplication; full validation is verify's job.
    const id = idOf(raw.text);
    if (id !== undefined) ids.push(id);
  }
  if (!needHead || !last) return { ids, head: undefined, completeBytes, tornAt };
  const parsed = parseLine(last.text, log);
  if (!parsed.ok) {
    throw new AuditLogError(
      'corrupt-tail',
      `the last entry of the ${log} audit log cannot be read (${parsed.reason}); run "deskbridge audit verify" and move the damaged file aside`,
      { file: file.path, line: last.line },
    );
  }
  return { ids, head: { seq: parsed.entry.seq, hash: parsed.entry.hash }, completeBytes, tornAt };
}

function idOf(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') return value.id;
  } catch {
    // A garbled line has no id to remember; verify reports it.
  }
  return undefined;
}

/**
 * A last line without `\n` can only come from a write the process died in, before `append`
 * returned, so the caller never counted those entries as written: cutting it off restores the
 * last acknowledged state, and the caller's retry writes them again.
 */
function truncateTornTail(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeDurably(dir: string, path: string, bytes: Buffer, isNew: boolean): void {
  if (isNew) mkdirSync(dir, { recursive: true });
  const fd = openSync(path, 'a');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (isNew) fsyncDirectory(dir);
}

/** A new file's directory entry must be durable too, or a crash could lose the whole file. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    // Windows cannot open or fsync directories; NTFS journals the entry itself.
    if (process.platform !== 'win32') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function rememberIds(state: TailState, ids: readonly string[], window: number): void {
  for (const id of ids) {
    state.recentIds.push(id);
    state.idSet.add(id);
  }
  // Trim in bulk so a long-running daemon does not pay an O(window) shift per entry.
  if (state.recentIds.length > window * 2) {
    state.recentIds = state.recentIds.slice(-window);
    state.idSet = new Set(state.recentIds);
  }
}
