import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditLogName } from './schema.js';

/** One file of a log, as named on disk: `<log>-YYYY-MM-DD.jsonl` (part 0) or `<log>-YYYY-MM-DD.<n>.jsonl`. */
export interface LogFile {
  name: string;
  path: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  /** 0 for the day's first file, then 1, 2, … as the day's files reach maxBytes. */
  part: number;
}

export function logFileName(log: AuditLogName, day: string, part: number): string {
  return part === 0 ? `${log}-${day}.jsonl` : `${log}-${day}.${part}.jsonl`;
}

const NAME = /^([a-z]+)-(\d{4}-\d{2}-\d{2})(?:\.([1-9]\d*))?\.jsonl$/;

/** The log's files in write order (day, then part). Other files in the directory are ignored. */
export function listLogFiles(dir: string, log: AuditLogName): LogFile[] {
  if (!existsSync(dir)) return [];
  const files: LogFile[] = [];
  for (const name of readdirSync(dir)) {
    const match = NAME.exec(name);
    if (!match || match[1] !== log || match[2] === undefined) continue;
    files.push({ name, path: join(dir, name), day: match[2], part: match[3] === undefined ? 0 : Number(match[3]) });
  }
  return files.sort((a, b) => (a.day === b.day ? a.part - b.part : a.day < b.day ? -1 : 1));
}

export interface RawLine {
  /** Decoded text without the trailing `\n`. */
  text: string;
  /** 1-based line number within the file. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** False for a last line with no `\n`: a torn write or a cut file. */
  terminated: boolean;
  /** False when the bytes are not valid UTF-8 (text is then lossy). */
  utf8: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads a file line by line in fixed-size chunks, so memory stays flat whatever the file size. */
export function* readLines(path: string, chunkSize = 1 << 20): Generator<RawLine> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(chunkSize);
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0;
    let line = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunkSize, null);
      if (read === 0) break;
      const buffer = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let nl = buffer.indexOf(0x0a, start); nl !== -1; nl = buffer.indexOf(0x0a, start)) {
        line += 1;
        yield toRawLine(buffer.subarray(start, nl), line, carryOffset + start, true);
        start = nl + 1;
      }
      // Copy: `chunk` is reused by the next read.
      carry = Buffer.from(buffer.subarray(start));
      carryOffset += start;
    }
    if (carry.length > 0) yield toRawLine(carry, line + 1, carryOffset, false);
  } finally {
    closeSync(fd);
  }
}

function toRawLine(bytes: Buffer, line: number, offset: number, terminated: boolean): RawLine {
  try {
    return { text: decoder.decode(bytes), line, offset, terminated, utf8: true };
  } catch {
    return { text: bytes.toString('utf8'), line, offset, terminated, utf8: false };
  }
}
