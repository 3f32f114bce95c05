import { basename } from 'node:path';
import { EMPTY_HEAD, GENESIS_HASH, type Head } from './chain.js';
import { parseLine } from './entry.js';
import { listLogFiles, readLines, type LogFile } from './files.js';
import { AUDIT_LOG_NAMES, type AuditLogName } from './schema.js';

export type ProblemKind = 'changed' | 'removed' | 'inserted' | 'reordered' | 'truncated' | 'malformed' | 'missing-file';

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

export interface VerifyResult {
  ok: boolean;
  log: AuditLogName;
  dir: string;
  /** The log's files (full paths) in chain order. */
  files: string[];
  /** Entries verified (up to the problem, if any). */
  entries: number;
  /** Last verified entry (seq 0 when none). */
  head: Head;
  /** Entries after `expectedHead`: normal when the stored head lags the last append. */
  beyondHead?: number;
  problem?: VerifyProblem;
}

export interface VerifyOptions {
  /** Head recorded outside the log (state database); catches cut-off endings and full rewrites. */
  expectedHead?: Head;
  /** How far ahead to look when classifying a break. Default 10,000 entries. */
  lookahead?: number;
}

interface EntryItem {
  kind: 'entry';
  seq: number;
  prev: string;
  hash: string;
  hashOk: boolean;
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

/**
 * Checks one log end to end and reports the first problem. Streaming: memory is bounded by the
 * lookahead window, not the log size. The chain alone proves that no entry was altered, removed,
 * inserted or reordered *before the last one*; cutting entries off the end or rewriting the whole
 * log with recomputed hashes is only caught with `expectedHead`.
 */
export function verifyAuditLog(dir: string, log: AuditLogName, options: VerifyOptions = {}): VerifyResult {
  const files = listLogFiles(dir, log);
  const expected = options.expectedHead;
  const reader = new Lookahead(readItems(files, log));
  const base = { log, dir, files: files.map((f) => f.path) };
  let anchor = GENESIS_ANCHOR;
  let entries = 0;
  const fail = (problem: VerifyProblem): VerifyResult => ({
    ...base,
    ok: false,
    entries,
    head: headOf(anchor),
    problem,
  });

  try {
    for (let item = reader.next(); item; item = reader.next()) {
      if (item.kind === 'malformed') {
        return fail({
          kind: 'malformed',
          file: item.file,
          line: item.line,
          message: `${at(item)}: ${item.reason}`,
        });
      }
      if (!(item.hashOk && item.seq === anchor.seq + 1 && item.prev === anchor.hash)) {
        return fail(classify(item, anchor, reader, options));
      }
      anchor = { seq: item.seq, hash: item.hash, prev: item.prev, file: item.file, line: item.line };
      entries += 1;
      if (expected && item.seq === expected.seq && item.hash !== expected.hash) {
        return fail({
          kind: 'changed',
          file: item.file,
          line: item.line,
          seq: item.seq,
          message:
            `${at(item)}: entry seq ${item.seq} is not the one recorded as the head in the state database ` +
            `(hash ${short(item.hash)} here, ${short(expected.hash)} recorded): the log was rewritten up to ` +
            'this entry with recomputed hashes',
        });
      }
    }
  } finally {
    reader.close();
  }

  if (expected && anchor.seq < expected.seq) {
    const lastFile = files.at(-1);
    const missing = expected.seq - anchor.seq;
    return fail({
      kind: 'truncated',
      file: lastFile?.path ?? dir,
      line: anchor.file === lastFile?.path ? anchor.line : 0,
      message:
        (anchor.seq === 0
          ? `the ${log} log has no entries`
          : `the ${log} log ends at seq ${anchor.seq} (${where(anchor.file, anchor.line)})`) +
        ` but the state database recorded seq ${expected.seq}: the last ${missing} ${plural(missing, 'entry', 'entries')} ` +
        'were removed (entries cut from the end, or the last file deleted)',
    });
  }
  const result: VerifyResult = { ...base, ok: true, entries, head: headOf(anchor) };
  if (expected && anchor.seq > expected.seq) result.beyondHead = anchor.seq - expected.seq;
  return result;
}

export interface VerifyAllResult {
  ok: boolean;
  results: VerifyResult[];
}

/** Verifies every log (`qa`, `actions`) in `dir`, each against its stored head when given. */
export function verifyAll(dir: string, heads: Partial<Record<AuditLogName, Head>> = {}): VerifyAllResult {
  const results = AUDIT_LOG_NAMES.map((log) => {
    const expectedHead = heads[log];
    return verifyAuditLog(dir, log, expectedHead ? { expectedHead } : {});
  });
  return { ok: results.every((r) => r.ok), results };
}

/** One line for the CLI, e.g. `qa: OK, 120 entries in 2 files, head seq 120 (3fa4…)`. */
export function formatVerifyResult(result: VerifyResult): string {
  const head = `head seq ${result.head.seq}${result.head.seq > 0 ? ` (${short(result.head.hash)})` : ''}`;
  if (result.ok) {
    const beyond = result.beyondHead ? `; ${result.beyondHead} written after the recorded head` : '';
    return `${result.log}: OK, ${result.entries} ${plural(result.entries, 'entry', 'entries')} in ${result.files.length} ${plural(result.files.length, 'file', 'files')}, ${head}${beyond}`;
  }
  const problem = result.problem;
  return `${result.log}: FAILED (${problem?.kind ?? 'unknown'}) ${problem?.message ?? ''}`;
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

function* readItems(files: LogFile[], log: AuditLogName): Generator<Item> {
  for (const file of files) {
    let first = true;
    for (const raw of readLines(file.path)) {
      const parsed = raw.utf8 ? parseLine(raw.text, log) : { ok: false as const, reason: 'not valid UTF-8' };
      if (!parsed.ok) {
        const reason = raw.terminated ? parsed.reason : `incomplete last line (${parsed.reason}): the file was cut or a write was interrupted`;
        yield { kind: 'malformed', file: file.path, line: raw.line, reason };
        continue;
      }
      const { seq, prev, hash } = parsed.entry;
      yield { kind: 'entry', seq, prev, hash, hashOk: parsed.hashOk, file: file.path, line: raw.line, firstInFile: first };
      first = false;
    }
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

function headOf(anchor: Anchor): Head {
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
