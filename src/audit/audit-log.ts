import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { EMPTY_HEAD, entryHash, type ChainHead } from './chain.js';
import { parseLine } from './entry.js';
import { AuditLogError } from './errors.js';
import { listLogFiles, logFileName, readLines, type LogFile } from './files.js';
import { AUDIT_HMAC_ENV, type AuditKey } from './hmac.js';
import { AuditBreak, AuditEnvelope, PAYLOAD_BY_LOG, isBreak, type AuditLogName, type PayloadByLog } from './schema.js';

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
  /** Signs every entry's hash (the `mac` field); see hmac.ts. */
  hmacKey?: AuditKey;
}

/** What is wrong with a log's files as far as the writer can tell without reading them whole. */
export interface TailProblem {
  kind: 'changed' | 'malformed' | 'missing-file' | 'mac';
  /** Full path. */
  file: string;
  /** 1-based; 0 for a file as a whole. */
  line: number;
  message: string;
}

export interface TailInspection {
  /** Last entry on disk (seq 0 when the log is empty). */
  head: ChainHead;
  /** Where that entry is. */
  file: string | undefined;
  line: number;
  problem?: TailProblem;
}

/** An entry after a given seq, as `entriesAfter` reads it back. */
export interface TailEntry {
  seq: number;
  at: string;
  id: string;
  prev: string;
  hash: string;
  hashOk: boolean;
  file: string;
  line: number;
}

export interface AppendResult {
  /** Entries written by this call. */
  appended: number;
  /** Ids not written because they were already in the log (or twice in the batch). */
  skipped: string[];
  /** The log's head after the call: store it, and pass it to verify as `expectedHead`. */
  head: ChainHead;
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
  head: ChainHead;
  recentIds: string[];
  idSet: Set<string>;
  /** Names of the log's files when this state was read: a deleted or added file means a re-read. */
  listing: string;
  /** mtime of `file` as last written or read: an edit that keeps the size still means a re-read. */
  mtimeMs: number;
  /** The last entry as read from disk (undefined after this instance appended, or when empty). */
  tail: { line: number; hashOk: boolean; mac: string | undefined } | undefined;
  /** Line of the head in `file` (0 when unknown or empty). */
  headLine: number;
  /** Cached result of `inspect()` for this state. */
  inspection: TailInspection | undefined;
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
  private readonly hmacKey: AuditKey | undefined;
  private state: TailState | undefined;

  constructor(
    readonly dir: string,
    readonly log: L,
    options: AuditLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.dedupWindow = options.dedupWindow ?? DEFAULT_DEDUP_WINDOW;
    this.hmacKey = options.hmacKey;
    if (!(this.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
    if (!(this.dedupWindow > 0)) throw new RangeError('dedupWindow must be positive');
  }

  /** The head as recovered from disk (seq 0 when the log is empty). */
  get head(): ChainHead {
    return { ...this.current().head };
  }

  /**
   * Appends events in order, skipping ids already in the log's tail, and fsyncs before returning.
   * Synchronous on purpose: when it returns the entries are durable and the caller may mark them
   * appended in its queue; if the process dies first, the same ids are skipped on the next call.
   */
  append(events: readonly AuditEvent<PayloadByLog[L]>[], options: { expectedHead?: ChainHead } = {}): AppendResult {
    const prepared = events.map((event, index) => this.validate(event, index));
    const state = this.current();
    const expected = options.expectedHead;
    if (expected && (expected.seq !== state.head.seq || expected.hash !== state.head.hash)) {
      // Never chain onto a tail nobody vouched for: that would make a cut or a forgery look intact.
      throw new AuditLogError('head-mismatch', `the ${this.log} log ends at seq ${state.head.seq}, not at the expected head seq ${expected.seq}; nothing was appended`);
    }
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
      const line = this.line({ seq, at: event.at, id: event.id, prev: head.hash, hash, data: event.data });
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
    state.tail = undefined;
    const lastWrite = writes.at(-1);
    if (lastWrite) state.headLine = (lastWrite.isNew ? 0 : state.headLine) + lastWrite.chunks.length;
    // What was checked before this append is still true after it: no need to re-read the files.
    state.inspection = state.inspection?.problem ? undefined : { head: { ...head }, file: file?.path, line: state.headLine };
    state.listing = listingOf(listLogFiles(this.dir, this.log));
    state.mtimeMs = file ? statSync(file.path).mtimeMs : 0;
    rememberIds(state, written, this.dedupWindow);
    return { appended: written.length, skipped, head: { ...head }, files: writes.map((w) => w.file.path) };
  }

  /**
   * Starts a new segment with a break record (`deskbridge audit acknowledge`): a new file (the
   * next part of the newest day, or a new day), whose first entry chains onto `linkTo` — the head
   * the state file recorded — rather than onto whatever is left on disk. Returns the new head.
   */
  startSegment(event: { id: string; at: string; data: AuditBreak }, linkTo: ChainHead): AppendResult {
    const data = AuditBreak.parse(JSON.parse(JSON.stringify(event.data)));
    if (!AuditEnvelope.shape.at.safeParse(event.at).success) throw new AuditLogError('invalid-event', 'at must be ISO 8601 UTC');
    const files = listLogFiles(this.dir, this.log);
    const newest = files.at(-1);
    const today = new Date(event.at).toISOString().slice(0, 10);
    const day = newest && newest.day > today ? newest.day : today;
    const file = this.fileFor(day, newest && newest.day === day ? newest.part + 1 : 0);
    const seq = linkTo.seq + 1;
    const hash = entryHash(linkTo.hash, { seq, at: event.at, id: event.id, data });
    try {
      writeDurably(this.dir, file.path, this.line({ seq, at: event.at, id: event.id, prev: linkTo.hash, hash, data }), true);
    } catch (error) {
      throw new AuditLogError('write-failed', `could not start a new segment of the ${this.log} audit log in ${file.path}: ${String(error)}`);
    }
    this.state = undefined;
    return { appended: 1, skipped: [], head: { seq, hash }, files: [file.path] };
  }

  /**
   * What the writer can see is wrong without reading the whole log: the last entry unreadable, or
   * its content not matching its hash (or mac), or a file missing between two others of the
   * current segment (each file's first entry must chain onto the previous file's last). Cached
   * until the files change on disk. Throws only when the directory cannot be read.
   */
  inspect(): TailInspection {
    let state: TailState;
    try {
      state = this.current();
    } catch (error) {
      if (!(error instanceof AuditLogError) || error.code !== 'corrupt-tail') throw error;
      return {
        head: EMPTY_HEAD,
        file: error.location?.file,
        line: error.location?.line ?? 0,
        problem: { kind: 'malformed', file: error.location?.file ?? this.dir, line: error.location?.line ?? 0, message: error.message },
      };
    }
    state.inspection ??= this.inspectState(state);
    return state.inspection;
  }

  private inspectState(state: TailState): TailInspection {
    const base = { head: { ...state.head }, file: state.file?.path, line: state.headLine };
    const tail = state.tail;
    const where = `${state.file?.name ?? ''}:${state.headLine}`;
    if (tail && state.file && !tail.hashOk) {
      return { ...base, problem: { kind: 'changed', file: state.file.path, line: tail.line, message: `${where}: the last entry (seq ${state.head.seq}) was changed after it was written: its content no longer matches its hash` } };
    }
    if (tail && state.file && this.hmacKey && tail.mac !== undefined && !this.hmacKey.verify(state.head.hash, tail.mac)) {
      return { ...base, problem: { kind: 'mac', file: state.file.path, line: tail.line, message: `${where}: the HMAC of the last entry (seq ${state.head.seq}) does not match: it was rewritten by someone without the key, or ${AUDIT_HMAC_ENV} is not the key the log was written with` } };
    }
    const problem = continuityProblem(listLogFiles(this.dir, this.log), this.log);
    return problem ? { ...base, problem } : base;
  }

  /**
   * Entries with seq > `seq`, in order, read from the newest files back; undefined when there are
   * more than `limit` of them or the entry `seq` itself is not found (the log is shorter or forked).
   */
  entriesAfter(seq: number, limit: number): TailEntry[] | undefined {
    const files = listLogFiles(this.dir, this.log);
    let found: TailEntry[] = [];
    for (let index = files.length - 1; index >= 0; index -= 1) {
      const file = files[index];
      if (!file) break;
      const inFile: TailEntry[] = [];
      let reachedSeq = false;
      for (const raw of readLines(file.path)) {
        if (!raw.terminated) break;
        const parsed = parseLine(raw.text, this.log);
        if (!parsed.ok) return undefined;
        const e = parsed.entry;
        if (e.seq === seq) reachedSeq = true;
        if (e.seq > seq) inFile.push({ seq: e.seq, at: e.at, id: e.id, prev: e.prev, hash: e.hash, hashOk: parsed.hashOk, file: file.path, line: raw.line });
      }
      found = inFile.concat(found);
      if (found.length > limit) return undefined;
      if (reachedSeq || seq === 0) {
        if (seq === 0 && index > 0) continue;
        return found;
      }
    }
    return seq === 0 ? found : undefined;
  }

  private line(entry: { seq: number; at: string; id: string; prev: string; hash: string; data: unknown }): Buffer {
    const mac = this.hmacKey?.sign(entry.hash);
    const { seq, at, id, prev, hash, data } = entry;
    return Buffer.from(`${JSON.stringify({ seq, at, id, prev, hash, ...(mac !== undefined ? { mac } : {}), data })}\n`, 'utf8');
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
    if (state && newest?.path === state.file?.path && state.listing === listingOf(files)) {
      const stat = newest === undefined ? undefined : statSync(newest.path);
      if (stat === undefined || (stat.size === state.size && stat.mtimeMs === state.mtimeMs)) return state;
    }
    this.state = loadTail(files, this.log, this.dedupWindow, true);
    return this.state;
  }
}

/** Head of a log as found on disk; seq 0 when it has no entries. An unfinished last line is ignored. */
export function readHead(dir: string, log: AuditLogName): ChainHead {
  return loadTail(listLogFiles(dir, log), log, 1, false).head;
}

function loadTail(files: LogFile[], log: AuditLogName, window: number, repair: boolean): TailState {
  const newest = files.at(-1);
  const state: TailState = {
    file: newest,
    size: 0,
    head: EMPTY_HEAD,
    recentIds: [],
    idSet: new Set(),
    listing: listingOf(files),
    mtimeMs: 0,
    tail: undefined,
    headLine: 0,
    inspection: undefined,
  };
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
    if (index === files.length - 1) state.mtimeMs = statSync(file.path).mtimeMs;
    if (!headFound && scan.head) {
      state.head = scan.head;
      state.tail = scan.tail;
      state.headLine = scan.tail?.line ?? 0;
      headFound = true;
    }
    ids = scan.ids.concat(ids).slice(-window);
    // Ids before an acknowledged break belong to another segment: re-queued events are written again.
    if (scan.startsSegment && headFound) break;
  }
  state.recentIds = ids;
  state.idSet = new Set(ids);
  return state;
}

interface FileScan {
  ids: string[];
  head: ChainHead | undefined;
  /** Byte length up to the end of the last complete line. */
  completeBytes: number;
  /** Offset of an unterminated last line (an interrupted write), if any. */
  tornAt: number | undefined;
  /** The last entry's line, whether its hash matches its content, and its mac. */
  tail: { line: number; hashOk: boolean; mac: string | undefined } | undefined;
  /** The file's first entry is a break record (`audit acknowledge`). */
  startsSegment: boolean;
}

function scanFile(file: LogFile, log: AuditLogName, needHead: boolean): FileScan {
  const ids: string[] = [];
  let last: { text: string; line: number } | undefined;
  let completeBytes = 0;
  let tornAt: number | undefined;
  let startsSegment = false;
  for (const raw of readLines(file.path)) {
    if (!raw.terminated) {
      tornAt = raw.offset;
      break;
    }
    if (raw.line === 1) startsSegment = raw.text.includes('"audit-break"') && isBreakLine(raw.text, log);
    completeBytes = raw.offset + Buffer.byteLength(raw.text, 'utf8') + 1;
    last = { text: raw.text, line: raw.line };
    // Only the id is needed for de-duplication; full validation is verify's job.
    const id = idOf(raw.text);
    if (id !== undefined) ids.push(id);
  }
  if (!needHead || !last) return { ids, head: undefined, completeBytes, tornAt, tail: undefined, startsSegment };
  const parsed = parseLine(last.text, log);
  if (!parsed.ok) {
    throw new AuditLogError(
      'corrupt-tail',
      `the last entry of the ${log} audit log cannot be read (${parsed.reason}); run "deskbridge audit verify" and move the damaged file aside`,
      { file: file.path, line: last.line },
    );
  }
  return {
    ids,
    head: { seq: parsed.entry.seq, hash: parsed.entry.hash },
    completeBytes,
    tornAt,
    tail: { line: last.line, hashOk: parsed.hashOk, mac: parsed.entry.mac },
    startsSegment,
  };
}

function isBreakLine(text: string, log: AuditLogName): boolean {
  const parsed = parseLine(text, log);
  return parsed.ok && isBreak(parsed.entry.data);
}

function listingOf(files: readonly LogFile[]): string {
  return files.map((f) => f.name).join('/');
}

/**
 * Within the current segment (since the last break record), every file's first entry must chain
 * onto the previous file's last entry; otherwise a file between them was deleted (or cut). Reads
 * only the first and last line of each file.
 */
function continuityProblem(files: readonly LogFile[], log: AuditLogName): TailProblem | undefined {
  for (let index = files.length - 1; index > 0; index -= 1) {
    const file = files[index];
    const before = files[index - 1];
    if (!file || !before) break;
    const first = firstLine(file.path);
    const firstEntry = first === undefined ? undefined : parseLine(first, log);
    if (firstEntry?.ok && isBreak(firstEntry.entry.data)) return undefined;
    const last = lastLine(before.path);
    const lastEntry = last === undefined ? undefined : parseLine(last, log);
    if (!firstEntry?.ok || !lastEntry?.ok) continue; // an unreadable line is verify's to report, not a gap
    const a = lastEntry.entry;
    const b = firstEntry.entry;
    if (b.seq !== a.seq + 1 || b.prev !== a.hash) {
      return {
        kind: 'missing-file',
        file: file.path,
        line: 1,
        message: `${file.name}:1 starts at seq ${b.seq} but ${basename(before.path)} ends at seq ${a.seq}${b.seq > a.seq + 1 ? ` (entries ${a.seq + 1}–${b.seq - 1} are missing)` : ''}: a file between them was deleted, or one of them was cut or replaced`,
      };
    }
  }
  return undefined;
}

function firstLine(path: string): string | undefined {
  for (const raw of readLines(path, 64 * 1024)) return raw.terminated ? raw.text : undefined;
  return undefined;
}

/** The last complete line, read backwards in chunks, so a long file costs one small read. */
function lastLine(path: string): string | undefined {
  const size = statSync(path).size;
  if (size === 0) return undefined;
  const fd = openSync(path, 'r');
  try {
    const chunk = 64 * 1024;
    let end = size;
    let tail = Buffer.alloc(0);
    let start = size;
    for (;;) {
      start = Math.max(0, start - chunk);
      const buffer = Buffer.alloc(end - start);
      readSync(fd, buffer, 0, buffer.length, start);
      tail = Buffer.concat([buffer, tail]);
      end = start;
      // Ignore the final "\n"; the line starts after the one before it.
      const body = tail[tail.length - 1] === 0x0a ? tail.subarray(0, tail.length - 1) : tail;
      const nl = body.lastIndexOf(0x0a);
      if (nl !== -1) return body.subarray(nl + 1).toString('utf8');
      if (start === 0) return body.toString('utf8');
    }
  } finally {
    closeSync(fd);
  }
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
