import { isMap, isNode, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import { type Rule, RulesFile } from '../engine/kinds.js';
import type { RuleTest } from '../model/rule-test.js';
import { ConfigError, displayPath, hasErrors, sortDiagnostics } from '../diagnostics/diagnostics.js';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { checkJsonata, findPlaceholders, jsonataHint } from './jsonata-lint.js';
import type { JsonataProblem } from './jsonata-lint.js';
import { checkNames } from './name-lint.js';
import { ruleExpressionScope } from './expression-scopes.js';
import { isTeamFile } from '../team/index.js';
import { expandPaths, readTextFile } from '../diagnostics/read-file.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import { diagnosticAtNode, diagnosticAtOffset, formatPath, mapValue, nodeStart, parseYamlSource, positionAt, seqItems, stringScalar } from '../diagnostics/yaml-source.js';
import type { StringScalar, YamlSource } from '../diagnostics/yaml-source.js';
import { issuesToDiagnostics } from '../diagnostics/zod-issues.js';

export { loadMappings } from './load-mappings.js';

/** Keys whose string value is a JSONata expression, in any rule kind. */
export const JSONATA_KEYS: ReadonlySet<string> = new Set(['when', 'assert', 'condition', 'expression', 'groupBy', 'skills', 'priority']);

/** Keys whose string value is text with `{{ jsonata }}` placeholders, in any rule kind. */
export const TEMPLATE_KEYS: ReadonlySet<string> = new Set(['template', 'title', 'body', 'message', 'description']);

/** Keys holding data rather than rule configuration (embedded tests' tickets); not linted. */
const DATA_KEYS: ReadonlySet<string> = new Set(['tests']);

export interface LoadedRulesFile {
  file: string;
  /** Rules of this file; empty when the file has errors. */
  rules: Rule[];
  /** True when the file produced no error diagnostics. */
  ok: boolean;
  /** The file's `tests:` block; present only when the file is valid and has one. */
  tests?: LoadedRuleTests;
}

/** Embedded tests of one rules file, with the parsed YAML so findings about them can be positioned. */
export interface LoadedRuleTests {
  cases: LoadedRuleTest[];
  source: YamlSource;
}

export interface LoadedRuleTest {
  test: RuleTest;
  /** Position in the `tests:` list; its YAML path is `['tests', index]`. */
  index: number;
  /** 1-based line and column where the test's entry starts, for `file:line` in reports. */
  line: number;
  column: number;
}

export interface LoadRulesOptions {
  /** Known source ids; when given, `scope.sources` entries are checked against them. */
  sourceIds?: readonly string[];
}

export interface LoadRulesResult {
  files: LoadedRulesFile[];
  /** Rules of all error-free files, in file order then document order. */
  rules: Rule[];
  diagnostics: Diagnostic[];
}

/**
 * Loads rules files (or directories of `*.yaml`/`*.yml`), validates each against the schema and
 * lints what the schema cannot see: JSONata syntax, ids unique across files, source references,
 * per-kind cross-field requirements. Never throws on bad input; every problem is a diagnostic.
 */
export function loadRules(paths: readonly string[], options: LoadRulesOptions = {}): LoadRulesResult {
  const expanded = expandPaths(paths, ['.yaml', '.yml']);
  const diagnostics = [...expanded.diagnostics];
  const files: LoadedRulesFile[] = [];
  const ids = new Map<string, Diagnostic>();
  // The team file lives beside the rules but is not one (see src/team).
  for (const file of expanded.files.filter((f) => !isTeamFile(f))) {
    const fileDiagnostics = loadRulesFile(file, ids, options);
    diagnostics.push(...fileDiagnostics.diagnostics);
    files.push(fileDiagnostics.loaded);
  }
  return {
    files,
    rules: files.flatMap((f) => f.rules),
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/** `loadRules`, throwing a `ConfigError` with every diagnostic when any is an error. */
export function loadRulesOrThrow(paths: readonly string[], options: LoadRulesOptions = {}): LoadRulesResult {
  const result = loadRules(paths, options);
  if (hasErrors(result.diagnostics)) throw new ConfigError(result.diagnostics, 'Invalid rules');
  return result;
}

function loadRulesFile(file: string, ids: Map<string, Diagnostic>, options: LoadRulesOptions): { loaded: LoadedRulesFile; diagnostics: Diagnostic[] } {
  const read = readTextFile(file);
  if ('diagnostic' in read) return { loaded: { file, rules: [], ok: false }, diagnostics: [read.diagnostic] };
  const { source, diagnostics } = parseYamlSource(file, read.text);
  // A tree recovered from broken YAML produces confusing follow-up errors; fix the syntax first.
  if (hasErrors(diagnostics)) return { loaded: { file, rules: [], ok: false }, diagnostics };

  const data: unknown = source.doc.toJS() ?? {};
  const parsed = RulesFile.safeParse(data);
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, { source, schema: RulesFile, data }));
  }
  for (const [index, ruleNode] of seqItems(mapValue(source.doc.contents, 'rules')).entries()) {
    diagnostics.push(...lintRule(source, ruleNode, index, ids, options));
  }

  const ok = parsed.success && !hasErrors(diagnostics);
  const loaded: LoadedRulesFile = { file, rules: ok ? parsed.data.rules : [], ok };
  if (ok && parsed.data.tests !== undefined) loaded.tests = { cases: positionTests(source, parsed.data.tests), source };
  return { loaded, diagnostics };
}

/** Pairs each parsed test with where its list entry starts (the schema keeps list order). */
function positionTests(source: YamlSource, tests: readonly RuleTest[]): LoadedRuleTest[] {
  const nodes = seqItems(mapValue(source.doc.contents, 'tests'));
  return tests.map((test, index) => {
    const node = nodes[index];
    const { line, column } = positionAt(source, nodeStart(isNode(node) ? node : undefined));
    return { test, index, line, column };
  });
}

function lintRule(source: YamlSource, ruleNode: unknown, index: number, ids: Map<string, Diagnostic>, options: LoadRulesOptions): Diagnostic[] {
  if (!isMap(ruleNode)) return [];
  const diagnostics: Diagnostic[] = [];
  const rulePath = ['rules', index];

  const idNode = stringScalar(mapValue(ruleNode, 'id'));
  if (idNode !== undefined) {
    const here = diagnosticAtNode(source, idNode, 'error', 'duplicate-id', '');
    const first = ids.get(idNode.value);
    if (first === undefined) {
      ids.set(idNode.value, here);
    } else {
      const where = `${displayPath(first.file)}:${first.line}:${first.column}`;
      diagnostics.push({
        ...here,
        message: `Rule id "${idNode.value}" is already defined at ${where}`,
        hint: 'rule ids must be unique across all rules files; they key audit records and idempotency',
      });
    }
  }

  const sources = mapValue(mapValue(ruleNode, 'scope'), 'sources');
  if (options.sourceIds !== undefined) {
    for (const item of seqItems(sources)) {
      const ref = stringScalar(item);
      if (ref === undefined || options.sourceIds.includes(ref.value)) continue;
      const valid = options.sourceIds.length > 0 ? options.sourceIds.join(', ') : '(no sources configured)';
      diagnostics.push(diagnosticAtNode(source, ref, 'error', 'unknown-source', `Unknown source "${ref.value}" in scope.sources. Must be one of: ${valid}`));
    }
  }

  const kind = stringScalar(mapValue(ruleNode, 'kind'))?.value;
  const to = kind === 'escalate' ? stringScalar(mapValue(ruleNode, 'to')) : undefined;
  if (to !== undefined && options.sourceIds !== undefined && !options.sourceIds.includes(to.value)) {
    const valid = options.sourceIds.length > 0 ? options.sourceIds.join(', ') : '(no sources configured)';
    diagnostics.push({
      ...diagnosticAtNode(source, to, 'error', 'unknown-source', `Unknown source "${to.value}" in to. Must be one of: ${valid}`),
      hint: 'an escalate rule opens its copy on another source of this config; add that source under sources: first',
    });
  }
  diagnostics.push(...lintExpressions(source, ruleNode, rulePath, kind));

  const kindLint = kind === undefined ? undefined : KIND_LINTS[kind];
  if (kindLint !== undefined) diagnostics.push(...kindLint(source, ruleNode));
  return diagnostics;
}

/**
 * Walks a rule's node tree and compiles every JSONata string and template placeholder; those that
 * compile are checked for names nothing provides (see name-lint.ts). `path` starts `rules[i]`.
 */
function lintExpressions(source: YamlSource, node: unknown, path: (string | number)[], kind: string | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) diagnostics.push(...lintExpressions(source, item, [...path, i], kind));
    return diagnostics;
  }
  if (!isMap(node)) return diagnostics;
  for (const pair of node.items) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    if (DATA_KEYS.has(key)) continue;
    const fieldPath = [...path, key];
    const value = stringScalar(pair.value);
    if (value !== undefined && JSONATA_KEYS.has(key)) {
      diagnostics.push(...lintExpression(source, value, fieldPath, kind));
    } else if (JSONATA_KEYS.has(key) && isSeq(pair.value)) {
      // A list of expressions (pattern rules' groupBy).
      for (const [i, item] of pair.value.items.entries()) {
        const scalar = stringScalar(item);
        if (scalar !== undefined) diagnostics.push(...lintExpression(source, scalar, [...fieldPath, i], kind));
      }
    } else if (value !== undefined && TEMPLATE_KEYS.has(key)) {
      diagnostics.push(...lintTemplate(source, value, fieldPath, kind));
    } else {
      diagnostics.push(...lintExpressions(source, pair.value, fieldPath, kind));
    }
  }
  return diagnostics;
}

function lintExpression(source: YamlSource, scalar: StringScalar, path: (string | number)[], kind: string | undefined): Diagnostic[] {
  const problem = checkJsonata(scalar.value);
  if (problem !== undefined) return [jsonataDiagnostic(source, scalar, 0, problem, path)];
  return nameDiagnostics(source, scalar, 0, scalar.value, path, kind);
}

function lintTemplate(source: YamlSource, scalar: StringScalar, path: (string | number)[], kind: string | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const scan = findPlaceholders(scalar.value);
  for (const placeholder of scan.placeholders) {
    const problem = checkJsonata(placeholder.expression);
    if (problem !== undefined) {
      diagnostics.push(jsonataDiagnostic(source, scalar, placeholder.exprStart, problem, path, 'placeholder in '));
    } else {
      diagnostics.push(...nameDiagnostics(source, scalar, placeholder.exprStart, placeholder.expression, path, kind));
    }
  }
  if (scan.unclosedAt !== undefined) {
    const offsets = scalarValueOffsets(source.text, scalar, scalar.value);
    diagnostics.push(
      diagnosticAtOffset(source, offsetInScalar(offsets, scan.unclosedAt), 'warning', 'bad-jsonata', `Unclosed "{{" placeholder in ${formatPath(path)}`, {
        hint: 'close it with "}}"; as written it is output literally',
      }),
    );
  }
  return diagnostics;
}

/** Unknown functions, variables and ticket fields in an expression that compiles (`base`: its start in the scalar's value). */
function nameDiagnostics(source: YamlSource, scalar: StringScalar, base: number, expression: string, path: (string | number)[], kind: string | undefined): Diagnostic[] {
  const scope = ruleExpressionScope(kind, path.slice(2));
  if (scope === undefined) return [];
  const problems = checkNames(expression, scope, formatPath(path));
  if (problems.length === 0) return [];
  const offsets = scalarValueOffsets(source.text, scalar, scalar.value);
  return problems.map((problem) => diagnosticAtOffset(source, offsetInScalar(offsets, base + problem.index), problem.severity, problem.code, problem.message, { hint: problem.hint }));
}

function jsonataDiagnostic(source: YamlSource, scalar: StringScalar, base: number, problem: JsonataProblem, path: (string | number)[], what = ''): Diagnostic {
  const offsets = scalarValueOffsets(source.text, scalar, scalar.value);
  return diagnosticAtOffset(source, offsetInScalar(offsets, base + problem.index), 'error', 'bad-jsonata', `Invalid JSONata ${what}${formatPath(path)}: ${problem.message} (${problem.code})`, {
    hint: jsonataHint(problem.code),
  });
}

// ---- per-kind cross-field checks ------------------------------------------------------------------

type KindLint = (source: YamlSource, rule: Node) => Diagnostic[];

/**
 * Checks the schema cannot express per field. Keyed by rule kind so new kinds add an entry rather
 * than a branch in the generic linter.
 */
const KIND_LINTS: Readonly<Record<string, KindLint>> = {
  routing: lintRouting,
  // A repeated id would share marks (the second step never fires) and merge in reports.
  sla: (source, rule) => lintUniqueIds(source, mapValue(rule, 'escalations'), 'escalation step'),
  qa: (source, rule) => lintUniqueIds(source, mapValue(rule, 'checks'), 'check'),
};

function lintUniqueIds(source: YamlSource, list: Node | undefined, what: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const item of seqItems(list)) {
    const id = stringScalar(mapValue(item, 'id'));
    if (id === undefined) continue;
    if (seen.has(id.value)) {
      diagnostics.push(
        diagnosticAtNode(source, id, 'error', 'duplicate-id', `The ${what} id "${id.value}" is used twice in this rule`, {
          hint: `give each ${what} its own id: it keys what deskbridge remembers and reports`,
        }),
      );
    }
    seen.add(id.value);
  }
  return diagnostics;
}

const STRATEGIES_NEEDING_MEMBERS: ReadonlySet<string> = new Set(['round-robin', 'least-loaded']);

function lintRouting(source: YamlSource, rule: Node): Diagnostic[] {
  const assign = mapValue(rule, 'assign');
  const strategy = stringScalar(mapValue(assign, 'strategy'));
  if (strategy === undefined || !STRATEGIES_NEEDING_MEMBERS.has(strategy.value)) return [];
  if (mapValue(assign, 'members') !== undefined) return [];
  if (stringScalar(mapValue(assign, 'team'))?.value === 'true' || (mapValue(assign, 'team') as { value?: unknown } | undefined)?.value === true) return [];
  return [
    diagnosticAtNode(source, strategy, 'error', 'missing-field', `Strategy "${strategy.value}" needs assign.members to pick from`, {
      hint: 'add "members: [alice, bob]" under assign, "team: true" to pick from the team file, or use strategy "fixed" with "assignee"',
    }),
  ];
}
