import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from './diagnostics.js';

/** A parsed YAML file that remembers where every node came from. */
export interface YamlSource {
  /** Path as given by the caller; copied into every diagnostic. */
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

export type YamlPath = readonly PropertyKey[];

export interface Position {
  line: number;
  column: number;
}

/**
 * Parses with positions kept. YAML errors and warnings come back as `yaml-syntax` diagnostics; the
 * document is still returned because `yaml` recovers well enough for the schema to find more.
 */
export function parseYamlSource(file: string, text: string): { source: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const tooDeep = nestingBeyondLimit(text);
  // A document nested thousands deep overflows the parser's stack (after seconds); refuse it first.
  const doc = tooDeep === undefined ? parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }) : parseDocument('');
  if (tooDeep !== undefined) {
    lineCounter.addNewLine(0);
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineCounter.addNewLine(i + 1);
  }
  const source: YamlSource = { file, text, doc, lineCounter };
  const diagnostics: Diagnostic[] = [];
  if (tooDeep !== undefined) {
    diagnostics.push(
      diagnosticAtOffset(source, tooDeep, 'error', 'yaml-limit', `YAML is nested more than ${MAX_NESTING} levels deep; refusing to parse it`, {
        hint: 'configuration and rules are a few levels deep; this is not the file you meant, or it was generated wrongly',
      }),
    );
    return { source, diagnostics };
  }
  for (const [severity, problems] of [
    ['error', doc.errors.slice(0, MAX_YAML_PROBLEMS)],
    ['warning', doc.warnings.slice(0, MAX_YAML_PROBLEMS)],
  ] as const) {
    for (const problem of problems) {
      const opened = problem.code === 'MISSING_CHAR' ? openingQuoteBefore(doc, problem.pos[0]) : undefined;
      const message = opened === undefined ? cleanYamlMessage(problem.message) : 'Quoted string is never closed';
      const hint = opened === undefined ? yamlHint(problem.code) : 'add the closing quote at the end of the value';
      diagnostics.push(diagnosticAtOffset(source, opened ?? problem.pos[0], severity, 'yaml-syntax', message, { hint }));
    }
  }
  if (doc.errors.length === 0) {
    const bomb = aliasBomb(source);
    if (bomb !== undefined) diagnostics.push(bomb);
  }
  return { source, diagnostics };
}

/**
 * How many alias expansions converting the document may make. `yaml`'s own default (100) is
 * what protects against "billion laughs"; it throws a bare ReferenceError, so it is checked here
 * once, where it can become a diagnostic, and every loader that then calls `toJS()` on a
 * document without errors is safe.
 */
export const MAX_ALIAS_COUNT = 100;

function aliasBomb(source: YamlSource): Diagnostic | undefined {
  let firstAlias: Node | undefined;
  visit(source.doc, {
    Alias(_key, node) {
      firstAlias = node;
      return visit.BREAK;
    },
  });
  if (firstAlias === undefined || !isAlias(firstAlias)) return undefined;
  try {
    source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return undefined;
  } catch (error) {
    const message =
      error instanceof ReferenceError && /alias count/i.test(error.message)
        ? 'YAML aliases expand to too much data (a "billion laughs" document); refusing to expand it'
        : `YAML aliases cannot be resolved: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
    return diagnosticAtNode(source, firstAlias, 'error', 'yaml-limit', message, {
      hint: 'write the values out instead of nesting aliases (*name) of aliases',
    });
  }
}

/** YAML errors listed per file: after the first few, the rest are usually consequences. */
const MAX_YAML_PROBLEMS = 20;

/** Deepest flow (`[`/`{`) nesting or block indentation (in columns) accepted before parsing. */
export const MAX_NESTING = 64;
const MAX_INDENT_COLUMNS = 256;

/**
 * Offset where the text first nests deeper than the limits, or undefined. A cheap scan, not a
 * parser: quoted strings and comments are skipped so brackets inside them do not count.
 */
function nestingBeyondLimit(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (lineStart) {
      if (ch === ' ') {
        indent++;
        if (indent > MAX_INDENT_COLUMNS) return i;
        continue;
      }
      lineStart = false;
    }
    if (ch === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (quote !== undefined) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
    } else if ((ch === '"' || ch === "'") && depth > 0) {
      quote = ch;
    } else if (ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_NESTING) return i;
    } else if ((ch === ']' || ch === '}') && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/**
 * `yaml` reports an unterminated quoted string where the file ends, which can be far away; the
 * opening quote is where the user needs to look.
 */
function openingQuoteBefore(doc: Document.Parsed, offset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const start = node.range?.[0];
      const end = node.range?.[1];
      if (start === undefined || end === undefined) return;
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && start < offset && end >= offset) {
        found = start;
      }
    },
  });
  return found;
}

/** `yaml` appends " at line 3, column 5:" plus a source excerpt; we print our own position. */
function cleanYamlMessage(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove or rename one of the keys';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'check the indentation of this line and the one above';
    case 'MISSING_CHAR':
      return 'a closing quote, bracket or ":" is missing';
    default:
      return undefined;
  }
}

export function positionAt(source: YamlSource, offset: number): Position {
  const { line, col } = source.lineCounter.linePos(Math.max(0, Math.min(offset, source.text.length)));
  return { line, column: col };
}

export function diagnosticAtOffset(source: YamlSource, offset: number, severity: DiagnosticSeverity, code: DiagnosticCode, message: string, extra: { hint?: string | undefined } = {}): Diagnostic {
  const { line, column } = positionAt(source, offset);
  const diagnostic: Diagnostic = { file: source.file, line, column, severity, code, message };
  if (extra.hint !== undefined) diagnostic.hint = extra.hint;
  return diagnostic;
}

export function diagnosticAtNode(
  source: YamlSource,
  node: Node | Pair | null | undefined,
  severity: DiagnosticSeverity,
  code: DiagnosticCode,
  message: string,
  extra: { hint?: string | undefined } = {},
): Diagnostic {
  return diagnosticAtOffset(source, nodeStart(node), severity, code, message, extra);
}

/** Start offset of a node; a pair starts at its key. Unknown nodes sit at the top of the file. */
export function nodeStart(node: Node | Pair | null | undefined): number {
  if (isPair(node)) return nodeStart(isNode(node.key) ? node.key : isNode(node.value) ? node.value : undefined);
  return node?.range?.[0] ?? 0;
}

/** The node at `path`, or undefined when some step of it does not exist. */
export function nodeAt(source: YamlSource, path: YamlPath): Node | undefined {
  if (path.length === 0) return isNode(source.doc.contents) ? source.doc.contents : undefined;
  const node: unknown = source.doc.getIn(path as PropertyKey[], true);
  return isNode(node) ? node : undefined;
}

/** The deepest existing node along `path`; used to place "missing field" at the parent map. */
export function nearestNode(source: YamlSource, path: YamlPath): { node: Node | undefined; depth: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = nodeAt(source, path.slice(0, depth));
    if (node !== undefined) return { node, depth };
  }
  return { node: undefined, depth: 0 };
}

/** The key scalar of `key` inside the map at `mapPath`, for pointing at unknown keys. */
export function keyNodeAt(source: YamlSource, mapPath: YamlPath, key: string): Node | undefined {
  const map = nodeAt(source, mapPath);
  if (!isMap(map)) return undefined;
  const pair = findPair(map, key);
  return pair !== undefined && isNode(pair.key) ? pair.key : undefined;
}

export function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => (isScalar(item.key) ? String(item.key.value) : item.key) === key);
}

/** The value node of `key` in a map node, if the map has that key. */
export function mapValue(map: unknown, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  const value = findPair(map, key)?.value;
  return isNode(value) ? value : undefined;
}

export type StringScalar = Scalar<string>;

export function stringScalar(node: unknown): StringScalar | undefined {
  return isScalar(node) && typeof node.value === 'string' ? (node as StringScalar) : undefined;
}

export function seqItems(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [];
}

/** Renders a path the way users write it: `sources[0].auth.password`. */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? String(step) : `.${String(step)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** True when the document's top level is a map that has `key`. */
export function hasTopLevelKey(source: YamlSource, key: string): boolean {
  const contents = source.doc.contents;
  return isMap(contents) && findPair(contents, key) !== undefined;
}
