import { basename, join } from 'node:path';
import { EMPTY_HEAD, GENESIS_HASH, entryHash, type ChainHead } from './chain.js';
import { parseLine } from './entry.js';
import { listLogFiles, readLines, type LogFile } from './files.js';
import type { AuditKey } from './hmac.js';
import { AUDIT_LOG_NAMES, PAYLOAD_BY_LOG, isBreak, type AuditBreak, type AuditLogName } from './schema.js';

export type ProblemKind =
  | 'changed'
  | 'removed'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'malformed'
  | 'missing-file'
  /** Entries after the head recorded in the state file that deskbridge did not queue: forged, or restored from a newer backup. */
  | 'beyond-head'
  /** The log has entries but the state file records no head for it (the `audit_heads` row was deleted). */
  | 'missing-head'
  /** An entry's HMAC is wrong or missing while the key is set. */
  | 'mac'
  /** A break record (`audit acknowledge`) that does not fit the segment before it. */
  | 'break-invalid';

export interface VerifyProblem {
  kind: ProblemKind;
  /** Full path of the file the problem is in (the directory when the log has no files). */
  file: string;
  /** 1-based line in `file`; 0 when the problem is about a file as a whole. */
  line: number;
  /** seq of the entry at that line, when it could be read. */
  seq?: number;
  /** Plain-words description with `file:line` positions. */
  message: string;
}

/** A stretch of the chain: the whole log, or the part since an acknowledged break. */
export interface SegmentReport {
  /** 1-based position of the segment. */
  index: number;
  /** First file of the segment (full path); undefined for an empty log. */
  startFile: string | undefined;
  /** Entries verified in this segment (up to its problem, if any). */
  entries: number;
  /** For segments after the first: the break record that opened it. */
  opened?: { at: string; by: string; reason: string; found: AuditBreak['found']; recordedHead: ChainHead | null };
  /** The problem this segment ends with, acknowledged by the break that opens the next one. */
  acknowledged?: VerifyProblem;
}

export interface VerifyResult {
  ok: boolean;
  log: AuditLogName;
  dir: string;
  /** The log's files (full paths) in chain order. */
  files: string[];
  /** Entries verified (up to the problem, if any), over all segments. */
  entries: number;
  /** Last verified entry (seq 0 when none). */
  head: ChainHead;
  /** Segments in order; more than one after `audit acknowledge`. */
  segments: SegmentReport[];
  /**
   * Entries after the recorded head that are exactly events still queued in the state file: a
   * crash between the append and recording the head. The daemon records them on its next flush.
   */
  queuedBeyondHead?: number;
  /** HMAC check: whether a key was given, and how many entries carried a valid / no mac. */
  hmac: { checked: boolean; signed: number; unsigned: number };
  problem?: VerifyProblem;
  /**
   * The problem is in a segment an earlier break already acknowledged, and differs from what that
   * break recorded: the log was changed after the acknowledgment. Acknowledging again cannot fix it.
   */
  problemBeforeBreak?: boolean;
}

/** An event still queued in the state file (appended perhaps, but not yet recorded as such). */
export interface QueuedEvent {
  id: string;
  at: string;
  data: unknown;
}

export interface VerifyOptions {
  /** Head recorded outside the log (state file); catches cut-off endings, forged additions and full rewrites. */
  expectedHead?: ChainHead;
  /**
   * A state file was consulted: a log with entries but no `expectedHead` then fails
   * (`missing-head`). Without it the log is checked on its own (no state file to compare with).
   */
  headRequired?: boolean;
  /** Events queued in the state file; entries past the head that are exactly these are not forged. */
  queued?: readonly QueuedEvent[];
  /** Checks each entry's HMAC; when absent, macs are ignored (and `hmac.checked` is false). */
  hmacKey?: AuditKey;
  /** How far ahead to look when classifying a break, and how many recent entries are kept to check the head. Default 10,000. */
  lookahead?: number;
}

interface EntryItem {
  kind: 'entry';
  seq: number;
  at: string;
  id: string;
  prev: string;
  hash: string;
  hashOk: boolean;
  /** undefined: no mac on the line. */
  mac: string | undefined;
  /** Whether the line is exactly a queued event (same id, at, data, and this hash). */
  queued: boolean;
  breakData: AuditBreak | undefined;
  file: string;
  line: number;
  firstInFile: boolean;
}

interface MalformedItem {
  kind: 'malformed';
  file: string;
  line: number;
  reason: string;
}

type Item = EntryItem | MalformedItem;

/** The last accepted entry, or the virtual entry 0 before the first. */
interface Anchor {
  seq: number;
  hash: string;
  prev: string | undefined;
  file: string | undefined;
  line: number;
}

const GENESIS_ANCHOR: Anchor = { seq: 0, hash: GENESIS_HASH, prev: undefined, file: undefined, line: 0 };

/** A recent accepted entry, kept to check the recorded head and what follows it. */
interface Recent {
  seq: number;
  hash: string;
  queued: boolean;
  file: string;
  line: number;
}

/**
 * Checks one log end to end. Streaming: memory is bounded by the lookahead window, not the log
 * size. The chain alone proves that no entry was altered, removed, inserted or reordered *before
 * the last one*; the recorded head (`expectedHead`) catches cut-off endings, forged additions and
 * rewrites with recomputed hashes; the HMAC key catches a rewrite of logs and heads together.
 *
 * A log may consist of segments: `audit acknowledge` starts a new one with a break record when the
 * log was found broken. Each segment is verified; the problem a segment ends with must be exactly
 * the one its break recorded (otherwise the log was changed again after the acknowledgment), and
 * is reported in `segments[].acknowledged`. The last segment must reach the recorded head.
 */
export function verifyAuditLog(dir: string, log: AuditLogName, options: VerifyOptions = {}): VerifyResult {
  const files = listLogFiles(dir, log);
  const window = options.lookahead ?? 10_000;
  const key = options.hmacKey;
  const reader = new Lookahead(readItems(files, log, options.queued ?? []));
  let recent = new Ring<Recent>(window);
  const segments: SegmentReport[] = [];
  const hmac = { checked: key !== undefined, signed: 0, unsigned: 0 };
  let segment: SegmentReport = { index: 1, startFile: files[0]?.path, entries: 0 };
  let segmentLastFile: string | undefined;
  let anchor = GENESIS_ANCHOR;
  let entries = 0;
  let problem: VerifyProblem | undefined;
  let lastSigned = false;
  const result = (extra: Partial<VerifyResult>): VerifyResult => ({
    ok: extra.problem === undefined,
    log,
    dir,
    files: files.map((f) => f.path),
    entries,
    head: headOf(anchor),
    segments: [...segments, segment],
    hmac,
    ...extra,
  });

  try {
    for (let item = reader.next(); item; item = reader.next()) {
      if (item.kind === 'entry' && item.firstInFile && item.breakData) {
        // A new segment: the one before must end with exactly the problem this break records.
        const opened = item.breakData;
        let found =
          problem ??
          endProblem({ log, dir, anchor, recent, segmentLastFile, expected: opened.recordedHead ?? undefined, headRequired: true, queued: false }) ??
          (key ? unsignedEnd(key, lastSigned, anchor, dir) : undefined);
        // An HMAC problem cannot be seen without the key: take the break's word for it, and say so.
        if (!found && !key && opened.found.kind === 'mac') {
          found = { kind: 'mac', file: join(dir, opened.found.file), line: opened.found.line, message: `${opened.found.message} (not re-checked: no HMAC key given)` };
        }
        if (!found) {
          return result({
            problemBeforeBreak: true,
            problem: { kind: 'break-invalid', file: item.file, line: item.line, seq: item.seq, message: `${at(item)}: a break was acknowledged here (${opened.found.kind} at ${opened.found.file}:${opened.found.line}), but the segment before it is intact: it was changed after the acknowledgment` },
          });
        }
        if (found.kind !== opened.found.kind || basename(found.file) !== opened.found.file || found.line !== opened.found.line) {
          return result({
            problemBeforeBreak: true,
            problem: { ...found, message: `${found.message} — not the problem acknowledged at ${at(item)} (${opened.found.kind} at ${opened.found.file}:${opened.found.line}): the log was changed again after the acknowledgment` },
          });
        }
        const linked = opened.linkedTo;
        if (!item.hashOk || item.seq !== linked.seq + 1 || item.prev !== linked.hash) {
          return result({
            problem: { kind: 'break-invalid', file: item.file, line: item.line, seq: item.seq, message: `${at(item)}: the break record does not chain onto the head it names (seq ${linked.seq}) or its content no longer matches its hash` },
          });
        }
        segments.push({ ...segment, acknowledged: found });
        // Seqs may repeat across segments (a break links to the recorded head): heads are per segment.
        recent = new Ring<Recent>(window);
        segment = {
          index: segment.index + 1,
          startFile: item.file,
          entries: 0,
          opened: { at: item.at, by: opened.by, reason: opened.reason, found: opened.found, recordedHead: opened.recordedHead },
        };
        problem = undefined;
      } else if (problem) {
        // The rest of a broken segment cannot be verified; look for the break that acknowledges it.
        continue;
      } else if (item.kind === 'malformed') {
        problem = { kind: 'malformed', file: item.file, line: item.line, message: `${at(item)}: ${item.reason}` };
        segmentLastFile = item.file;
        continue;
      } else if (!(item.hashOk && item.seq === anchor.seq + 1 && item.prev === anchor.hash)) {
        problem = classify(item, anchor, reader, options);
        segmentLastFile = item.file;
        continue;
      }
      if (key) {
        if (item.mac === undefined) {
          // Entries written before the key was set are unsigned; one after a signed entry was not written by deskbridge.
          if (lastSigned) {
            problem = { kind: 'mac', file: item.file, line: item.line, seq: item.seq, message: `${at(item)}: entry seq ${item.seq} has no HMAC although the entries before it are signed: it was not written by a deskbridge holding the key` };
            continue;
          }
          hmac.unsigned += 1;
        } else if (!key.verify(item.hash, item.mac)) {
          problem = { kind: 'mac', file: item.file, line: item.line, seq: item.seq, message: `${at(item)}: the HMAC of entry seq ${item.seq} does not match: the entry (and the chain up to it) was rewritten by someone without the key, or the key is not the one the log was written with` };
          continue;
        } else {
          hmac.signed += 1;
          lastSigned = true;
        }
      } else if (item.mac === undefined) hmac.unsigned += 1;
      else hmac.signed += 1;
      anchor = { seq: item.seq, hash: item.hash, prev: item.prev, file: item.file, line: item.line };
      recent.push({ seq: item.seq, hash: item.hash, queued: item.queued, file: item.file, line: item.line });
      segmentLastFile = item.file;
      entries += 1;
      segment.entries += 1;
    }
  } finally {
    reader.close();
  }

  const final =
    problem ??
    endProblem({ log, dir, anchor, recent, segmentLastFile: segmentLastFile ?? files.at(-1)?.path, expected: options.expectedHead, headRequired: options.headRequired ?? false, queued: true });
  if (final) return result({ problem: final });
  const unsigned = key ? unsignedEnd(key, lastSigned, anchor, dir) : undefined;
  if (unsigned) return result({ problem: unsigned });
  // Reaching here with entries past the head means they are all queued events (see endProblem).
  const beyond = options.expectedHead ? anchor.seq - options.expectedHead.seq : options.headRequired ? anchor.seq : 0;
  return result(beyond > 0 ? { queuedBeyondHead: beyond } : {});
}

/** With the key set, a log none of whose entries is signed was rewritten without signatures (or never signed). */
function unsignedEnd(_key: AuditKey, anySigned: boolean, anchor: Anchor, dir: string): VerifyProblem | undefined {
  if (anchor.seq === 0 || anySigned) return undefined;
  return {
    kind: 'mac',
    file: anchor.file ?? dir,
    line: anchor.line,
    seq: anchor.seq,
    message: `${where(anchor.file, anchor.line)}: no entry carries an HMAC although the key is set: the log was rewritten without signatures, or deskbridge has never written it with this key`,
  };
}

interface EndContext {
  log: AuditLogName;
  dir: string;
  anchor: Anchor;
  recent: Ring<Recent>;
  /** Last file the segment reached (where a cut end is reported). */
  segmentLastFile: string | undefined;
  expected: ChainHead | undefined;
  headRequired: boolean;
  /** Whether entries past the head may be excused as queued events (only at the log's end). */
  queued: boolean;
}

/** Whether a segment that verified up to `anchor` ends where the state file says it should. */
function endProblem(c: EndContext): VerifyProblem | undefined {
  const { anchor, expected, recent, log } = c;
  const lastFile = c.segmentLastFile;
  if (expected === undefined) {
    if (anchor.seq === 0 || !c.headRequired) return undefined;
    // Before its first head is recorded a log may hold only what a crashed flush appended.
    if (c.queued && recent.items().length === anchor.seq && recent.items().every((r) => r.queued)) return undefined;
    return {
      kind: 'missing-head',
      file: anchor.file ?? c.dir,
      line: anchor.line,
      seq: anchor.seq,
      message: `the ${log} log has ${anchor.seq} ${plural(anchor.seq, 'entry', 'entries')} (last at ${where(anchor.file, anchor.line)}) but the state file records no head for it: the audit_heads row was deleted or the state file replaced, so a cut-off or rewritten ending could not be detected`,
    };
  }
  if (anchor.seq < expected.seq) {
    const missing = expected.seq - anchor.seq;
    return {
      kind: 'truncated',
      file: lastFile ?? c.dir,
      line: anchor.file !== undefined && anchor.file === lastFile ? anchor.line : 0,
      message:
        (anchor.seq === 0 ? `the ${log} log has no entries` : `the ${log} log ends at seq ${anchor.seq} (${where(anchor.file, anchor.line)})`) +
        ` but the state database recorded seq ${expected.seq}: the last ${missing} ${plural(missing, 'entry', 'entries')} ` +
        'were removed (entries cut from the end, or the last file deleted)',
    };
  }
  const atHead = recent.items().find((r) => r.seq === expected.seq);
  if (atHead && atHead.hash !== expected.hash) {
    return {
      kind: 'changed',
      file: atHead.file,
      line: atHead.line,
      seq: atHead.seq,
      message:
        `${where(atHead.file, atHead.line)}: entry seq ${atHead.seq} is not the one recorded as the head in the state database ` +
        `(hash ${short(atHead.hash)} here, ${short(expected.hash)} recorded): the log was rewritten up to this entry with recomputed hashes`,
    };
  }
  if (anchor.seq === expected.seq) return undefined;
  const after = recent.items().filter((r) => r.seq > expected.seq);
  const first = after[0];
  if (c.queued && atHead && after.length === anchor.seq - expected.seq && after.every((r) => r.queued)) return undefined;
  const count = anchor.seq - expected.seq;
  return {
    kind: 'beyond-head',
    file: first?.file ?? anchor.file ?? c.dir,
    line: first?.line ?? 0,
    ...(first ? { seq: first.seq } : {}),
    message:
      `${first ? where(first.file, first.line) : where(anchor.file, anchor.line)}: ${count} ${plural(count, 'entry was', 'entries were')} written after the head recorded in the state file (seq ${expected.seq}) ` +
      'and deskbridge never queued them: they were added by something other than deskbridge (forged), or the log was restored from a backup newer than the state file',
  };
}

export interface VerifyAllResult {
  ok: boolean;
  results: VerifyResult[];
}

/** Verifies every log (`qa`, `actions`) in `dir`, each against its stored head when given. */
export function verifyAll(
  dir: string,
  heads: Partial<Record<AuditLogName, ChainHead>> = {},
  options: Omit<VerifyOptions, 'expectedHead' | 'queued'> & { queued?: Partial<Record<AuditLogName, readonly QueuedEvent[]>> } = {},
): VerifyAllResult {
  const results = AUDIT_LOG_NAMES.map((log) => {
    const expectedHead = heads[log];
    const queued = options.queued?.[log];
    const { queued: _all, ...rest } = options;
    return verifyAuditLog(dir, log, { ...rest, ...(expectedHead ? { expectedHead } : {}), ...(queued ? { queued } : {}) });
  });
  return { ok: results.every((r) => r.ok), results };
}

/**
 * Lines for the CLI, e.g. `qa: OK, 120 entries in 2 files, head seq 120 (3fa4…)`, then one line per
 * acknowledged break (a log with breaks is not "OK" without saying so).
 */
export function formatVerifyResult(result: VerifyResult): string {
  const head = `head seq ${result.head.seq}${result.head.seq > 0 ? ` (${short(result.head.hash)})` : ''}`;
  const breaks = result.segments
    .filter((s) => s.acknowledged)
    .map((s) => {
      const next = result.segments[s.index];
      const opened = next?.opened;
      const problem = s.acknowledged;
      return `  segment ${s.index} (${s.entries} ${plural(s.entries, 'entry', 'entries')}) ends with an ACKNOWLEDGED break: ${problem?.kind ?? ''}: ${problem?.message ?? ''}` +
        (opened ? `\n    acknowledged by ${opened.by} at ${opened.at}: ${opened.reason}; segment ${s.index + 1} starts at ${basename(next?.startFile ?? '')}:1` : '');
    });
  const hmac = result.hmac.checked ? `; HMAC valid on ${result.hmac.signed} ${plural(result.hmac.signed, 'entry', 'entries')}${result.hmac.unsigned > 0 ? ` (${result.hmac.unsigned} older unsigned)` : ''}` : '';
  if (result.ok) {
    const queued = result.queuedBeyondHead ? `; ${result.queuedBeyondHead} appended but not yet recorded as the head (still queued in the state file; the daemon records them on its next flush)` : '';
    const status = breaks.length > 0 ? `OK with ${breaks.length} acknowledged ${plural(breaks.length, 'break', 'breaks')}` : 'OK';
    return [
      `${result.log}: ${status}, ${result.entries} ${plural(result.entries, 'entry', 'entries')} in ${result.files.length} ${plural(result.files.length, 'file', 'files')}, ${head}${queued}${hmac}`,
      ...breaks,
    ].join('\n');
  }
  const problem = result.problem;
  return [`${result.log}: FAILED (${problem?.kind ?? 'unknown'}) ${problem?.message ?? ''}`, ...breaks].join('\n');
}

function classify(e: EntryItem, p: Anchor, reader: Lookahead<Item>, options: VerifyOptions): VerifyProblem {
  const window = options.lookahead ?? 10_000;
  const expected = options.expectedHead;
  const next = entryAt(reader, 0);
  const here = { file: e.file, line: e.line, seq: e.seq };
  const after = p.seq === 0 ? 'the start of the log' : `seq ${p.seq} (${where(p.file, p.line)})`;

  if (!e.hashOk) {
    if (next && fitsAfter(next, p)) {
      return { kind: 'inserted', ...here, message: `${at(e)}: an extra line was inserted after ${after}; its hash does not match its content and the next line continues the chain` };
    }
    return { kind: 'changed', ...here, message: `${at(e)}: entry seq ${e.seq} was changed after it was written: its content no longer matches its hash` };
  }
  const predecessor = scanAhead(reader, window, (x) => x.hashOk && x.hash === e.prev);
  if (predecessor) {
    return {
      kind: 'reordered',
      ...here,
      message: `${at(e)}: entries are out of order: seq ${e.seq} is here, but seq ${predecessor.seq}, which it follows in the chain, comes later at ${at(predecessor)}`,
    };
  }
  if (next && fitsAfter(next, p)) {
    return { kind: 'inserted', ...here, message: `${at(e)}: an extra entry (seq ${e.seq}) was inserted after ${after}; the next line continues the chain without it` };
  }
  if (p.seq > 0 && p.file !== undefined) {
    if (e.hash === p.hash) {
      return { kind: 'inserted', ...here, message: `${at(e)}: entry seq ${e.seq} is a duplicate of the line before it (${where(p.file, p.line)})` };
    }
    const eIsGenuine =
      e.seq === p.seq &&
      e.prev === p.prev &&
      (next ? fitsAfter(next, e) : expected?.seq === e.seq && expected.hash === e.hash);
    if (eIsGenuine) {
      return {
        kind: 'inserted',
        file: p.file,
        line: p.line,
        seq: p.seq,
        message: `${where(p.file, p.line)}: an extra entry claiming seq ${p.seq} was inserted; the genuine seq ${e.seq} follows at ${at(e)} and the chain continues from it`,
      };
    }
  }
  const resume = scanAhead(reader, window, (x) => fitsAfter(x, p));
  if (resume) {
    return { kind: 'inserted', ...here, message: `${at(e)}: extra entries were inserted after ${after}; the chain resumes at ${at(resume)}` };
  }
  if (e.seq > p.seq + 1) {
    if (e.prev === p.hash) {
      return { kind: 'changed', ...here, message: `${at(e)}: the seq number was changed (${e.seq} where ${p.seq + 1} belongs) and the hash recomputed` };
    }
    const range = e.seq - 1 === p.seq + 1 ? `entry seq ${p.seq + 1} is` : `entries seq ${p.seq + 1}–${e.seq - 1} are`;
    if (p.seq === 0) {
      return { kind: 'removed', ...here, message: `${at(e)}: the log starts at seq ${e.seq}: ${range} missing (the first entries or the first file were removed)` };
    }
    if (e.firstInFile && p.file !== e.file) {
      return {
        kind: 'missing-file',
        ...here,
        message: `${at(e)}: ${range} missing between ${basename(p.file ?? '')} (ends at seq ${p.seq}) and ${basename(e.file)} (starts at seq ${e.seq}): a whole file was deleted, or entries were cut at the end of one file or the start of the next`,
      };
    }
    return { kind: 'removed', ...here, message: `${at(e)}: ${range} missing: seq ${e.seq} follows ${after}` };
  }
  if (e.seq === p.seq + 1) {
    if (p.seq === 0 || p.file === undefined) {
      return { kind: 'changed', ...here, message: `${at(e)}: the first entry does not start the chain (prev is not 64 zeros): it was changed and its hash recomputed` };
    }
    return {
      kind: 'changed',
      file: p.file,
      line: p.line,
      seq: p.seq,
      message: `${where(p.file, p.line)}: entry seq ${p.seq} was changed and its hash recomputed: the next entry (${at(e)}) recorded a different hash for it`,
    };
  }
  return { kind: 'inserted', ...here, message: `${at(e)}: an extra entry claiming seq ${e.seq} was inserted after ${after}` };
}

function fitsAfter(x: EntryItem, p: { seq: number; hash: string }): boolean {
  return x.hashOk && x.seq === p.seq + 1 && x.prev === p.hash;
}

function entryAt(reader: Lookahead<Item>, k: number): EntryItem | undefined {
  const item = reader.peek(k);
  return item?.kind === 'entry' ? item : undefined;
}

function scanAhead(reader: Lookahead<Item>, window: number, test: (x: EntryItem) => boolean): EntryItem | undefined {
  for (let k = 0; k < window; k += 1) {
    const item = reader.peek(k);
    if (!item) return undefined;
    if (item.kind === 'entry' && test(item)) return item;
  }
  return undefined;
}

function* readItems(files: LogFile[], log: AuditLogName, queued: readonly QueuedEvent[]): Generator<Item> {
  const queuedById = new Map(queued.map((q) => [q.id, q]));
  for (const file of files) {
    let first = true;
    for (const raw of readLines(file.path)) {
      const parsed = raw.utf8 ? parseLine(raw.text, log) : { ok: false as const, reason: 'not valid UTF-8' };
      if (!parsed.ok) {
        const reason = raw.terminated ? parsed.reason : `incomplete last line (${parsed.reason}): the file was cut or a write was interrupted`;
        yield { kind: 'malformed', file: file.path, line: raw.line, reason };
        continue;
      }
      const { seq, at, id, prev, hash, mac, data } = parsed.entry;
      yield {
        kind: 'entry',
        seq,
        at,
        id,
        prev,
        hash,
        hashOk: parsed.hashOk,
        mac,
        queued: isQueued(queuedById.get(id), log, { seq, prev, hash }),
        breakData: isBreak(data) ? data : undefined,
        file: file.path,
        line: raw.line,
        firstInFile: first,
      };
      first = false;
    }
  }
}

/** Whether the line is exactly what appending this queued event after `prev` would have written. */
function isQueued(event: QueuedEvent | undefined, log: AuditLogName, line: { seq: number; prev: string; hash: string }): boolean {
  if (!event) return false;
  const data = PAYLOAD_BY_LOG[log].safeParse(JSON.parse(JSON.stringify(event.data)));
  return data.success && entryHash(line.prev, { seq: line.seq, at: event.at, id: event.id, data: data.data }) === line.hash;
}

/** The last `size` items pushed. */
class Ring<T> {
  private buffer: T[] = [];

  constructor(private readonly size: number) {}

  push(item: T): void {
    this.buffer.push(item);
    // Trim in bulk: an O(size) shift per entry would make verify quadratic.
    if (this.buffer.length > this.size * 2) this.buffer = this.buffer.slice(-this.size);
  }

  items(): T[] {
    if (this.buffer.length > this.size) this.buffer = this.buffer.slice(-this.size);
    return this.buffer;
  }
}

/** An iterator with a look-ahead buffer, so a break can be classified by what follows it. */
class Lookahead<T> {
  private readonly buffer: T[] = [];

  constructor(private readonly source: Iterator<T>) {}

  next(): T | undefined {
    if (this.buffer.length > 0) return this.buffer.shift();
    const result = this.source.next();
    return result.done ? undefined : result.value;
  }

  peek(k: number): T | undefined {
    while (this.buffer.length <= k) {
      const result = this.source.next();
      if (result.done) return undefined;
      this.buffer.push(result.value);
    }
    return this.buffer[k];
  }

  /** Closes the underlying generator (and with it any open file). */
  close(): void {
    this.source.return?.(undefined);
  }
}

function headOf(anchor: Anchor): ChainHead {
  return anchor.seq === 0 ? { ...EMPTY_HEAD } : { seq: anchor.seq, hash: anchor.hash };
}

function at(item: { file: string; line: number }): string {
  return where(item.file, item.line);
}

function where(file: string | undefined, line: number): string {
  return file === undefined ? '(start)' : `${basename(file)}:${line}`;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}
