import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from './diagnostics.js';

/** Reads a text file, turning "not there" and "not a file" into a diagnostic instead of a throw. */
export function readTextFile(file: string): { text: string } | { diagnostic: Diagnostic } {
  try {
    return { text: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    return { diagnostic: fileProblem(file, err) };
  }
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
export function expandPaths(
  paths: readonly string[],
  extensions: readonly string[],
): { files: string[]; diagnostics: Diagnostic[] } {
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
