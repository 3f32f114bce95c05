import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from './diagnostics.js';

/**
 * Config, rules, team and mapping files larger than this are refused before parsing: parsing is
 * superlinear in memory (a 20 MB scalar took 30 s and 1.3 GB), and no real configuration comes
 * near it (the shipped rules are ~30 KB).
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Reads a UTF-8 text file, turning "not there", "not a file", "too large" and "not UTF-8 text"
 * into a diagnostic instead of a throw. The diagnostic never quotes the file's content.
 */
export function readTextFile(file: string): { text: string } | { diagnostic: Diagnostic } {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_CONFIG_FILE_BYTES) return { diagnostic: tooLarge(file, size) };
    bytes = fs.readFileSync(file);
  } catch (err) {
    return { diagnostic: fileProblem(file, err) };
  }
  // The file may have grown between stat and read.
  if (bytes.length > MAX_CONFIG_FILE_BYTES) return { diagnostic: tooLarge(file, bytes.length) };
  return decodeText(file, bytes);
}

function tooLarge(file: string, size: number): Diagnostic {
  return {
    file,
    line: 1,
    column: 1,
    severity: 'error',
    code: 'file-too-large',
    message: `File is ${formatBytes(size)}; configuration, rules and mapping files are limited to ${formatBytes(MAX_CONFIG_FILE_BYTES)}`,
    hint: 'split rules across several files in the rules folder; a file this large is usually not the one you meant',
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * UTF-8 (with or without a byte-order mark) is accepted. UTF-16 (what some Windows editors save
 * as "Unicode"), binary files and invalid UTF-8 are refused with a diagnostic that says how to
 * fix it, rather than parsed into one long garbage scalar that a later message would print.
 */
export function decodeText(file: string, bytes: Uint8Array): { text: string } | { diagnostic: Diagnostic } {
  const problem = (message: string, hint: string, offset = 0): { diagnostic: Diagnostic } => {
    const { line, column } = positionOfByte(bytes, offset);
    return { diagnostic: { file, line, column, severity: 'error', code: 'bad-encoding', message, hint } };
  };
  const saveAsUtf8 = 'open it in an editor and save it as UTF-8';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return problem('File is encoded as UTF-16, not UTF-8', saveAsUtf8);
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return problem('File contains NUL bytes: it is binary or UTF-16 without a byte-order mark, not UTF-8 text', saveAsUtf8, nul);
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start)) };
  } catch {
    return problem('File is not valid UTF-8 text', saveAsUtf8, firstInvalidUtf8(bytes, start));
  }
}

/** 1-based line and column of a byte offset (columns counted in bytes; good enough to find it). */
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array, start: number): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let i = start;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (length === 0) return i;
    try {
      decoder.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return start;
}

export function fileProblem(file: string, err: unknown, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message =
    code === 'ENOENT'
      ? 'File or directory not found'
      : code === 'EISDIR'
        ? 'Expected a file but found a directory'
        : code === 'EACCES'
          ? 'Permission denied'
          : `Cannot read: ${err instanceof Error ? err.message : String(err)}`;
  const diagnostic: Diagnostic = { file, line: 1, column: 1, severity, code: 'file-not-found', message };
  if (code === 'ENOENT') diagnostic.hint = `check the path (resolved to ${path.resolve(file)})`;
  return diagnostic;
}

/**
 * Expands files and directories into a sorted file list. Directories are read one level deep and
 * filtered by extension; files named explicitly are taken whatever their extension.
 */
export function expandPaths(paths: readonly string[], extensions: readonly string[]): { files: string[]; diagnostics: Diagnostic[] } {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const given of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(given);
    } catch (err) {
      diagnostics.push(fileProblem(given, err));
      continue;
    }
    if (!stat.isDirectory()) {
      add(given);
      continue;
    }
    const names = fs
      .readdirSync(given, { withFileTypes: true })
      .filter((entry) => entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)))
      .map((entry) => entry.name)
      .sort();
    for (const name of names) add(path.join(given, name));
  }
  return { files, diagnostics };
}
