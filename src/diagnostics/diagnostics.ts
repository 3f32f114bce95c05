import path from 'node:path';

/**
 * Stable codes for configuration problems. Tests, docs and editor integrations match on these,
 * so add new ones rather than renaming.
 */
export type DiagnosticCode =
  | 'yaml-syntax'
  | 'unknown-field'
  | 'missing-field'
  | 'bad-type'
  | 'bad-value'
  | 'bad-jsonata'
  | 'duplicate-id'
  | 'unknown-source'
  | 'env-missing'
  | 'file-not-found'
  | 'unknown-kind'
  | 'capability-missing'
  | 'escalation-target'
  | 'unknown-reference'
  | 'file-too-large'
  | 'bad-encoding'
  | 'yaml-limit'
  | 'bad-schedule'
  | 'bad-url'
  | 'insecure-url'
  | 'bad-field-name'
  | 'bad-mapping-output'
  | 'evaluation-limit'
  | 'unknown-function'
  | 'unknown-variable'
  | 'unknown-ticket-field'
  /** `validate --online`: a `raw.<field>`, group or person the source does not have, or a source it could not read. */
  | 'unknown-native-field'
  | 'unknown-group'
  | 'unknown-person'
  | 'online-check-failed';

export type DiagnosticSeverity = 'error' | 'warning';

/** One problem in a configuration, rules or mapping file, positioned for a human to jump to. */
export interface Diagnostic {
  /** Path as the caller gave it (or joined from a given directory); rendered relative to cwd. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units like editors do. */
  column: number;
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  message: string;
  /** What to do about it, when there is something more specific than the message. */
  hint?: string;
}

/** Renders `rules/routing.yaml:14:9 error bad-jsonata: message (hint: …)`. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint === undefined ? '' : ` (hint: ${clip(d.hint)})`;
  return `${displayPath(d.file)}:${d.line}:${d.column} ${d.severity} ${d.code}: ${clip(d.message)}${hint}`;
}

/**
 * Last line of defence against a message that quotes too much of a file (a parser's message
 * about a huge line): diagnostics say where and what, they do not reproduce input.
 */
const MAX_MESSAGE = 400;

function clip(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE)}…`;
}

/** Absolute paths under `cwd` are shown relative to it; everything else as given. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Orders diagnostics by file (first appearance wins, so the caller's file order is kept), then by
 * position. Stable, so equal positions keep the order they were found in.
 */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const fileOrder = new Map<string, number>();
  for (const d of diagnostics) {
    if (!fileOrder.has(d.file)) fileOrder.set(d.file, fileOrder.size);
  }
  return [...diagnostics].sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
}

/** Thrown by the `*OrThrow` loaders; carries every diagnostic found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], summary = 'Invalid configuration') {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    const counts = `${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}`;
    super([`${summary} (${counts}):`, ...diagnostics.map((d) => `  ${formatDiagnostic(d)}`)].join('\n'));
    this.diagnostics = diagnostics;
  }
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
