import type jsonata from 'jsonata';

/**
 * The names an expression uses, read from its parsed AST (`jsonata(text).ast()`): which `$name`s it
 * calls or reads, which it binds itself, and which input fields it reads at the top level. Used to
 * find typos before a ticket ever reaches the expression (`validate`), and to say which function
 * JSONata's "Attempted to invoke a non-function" was about.
 */

/** Every function JSONata 2.x binds itself (`$now` and `$millis` are bound per evaluation). */
export const JSONATA_BUILTINS: readonly string[] = [
  'sum',
  'count',
  'max',
  'min',
  'average',
  'string',
  'substring',
  'substringBefore',
  'substringAfter',
  'lowercase',
  'uppercase',
  'length',
  'trim',
  'pad',
  'match',
  'contains',
  'replace',
  'split',
  'join',
  'formatNumber',
  'formatBase',
  'formatInteger',
  'parseInteger',
  'number',
  'floor',
  'ceil',
  'round',
  'abs',
  'sqrt',
  'power',
  'random',
  'boolean',
  'not',
  'map',
  'zip',
  'filter',
  'single',
  'reduce',
  'sift',
  'keys',
  'lookup',
  'append',
  'exists',
  'spread',
  'merge',
  'reverse',
  'each',
  'error',
  'assert',
  'type',
  'sort',
  'shuffle',
  'distinct',
  'base64encode',
  'base64decode',
  'encodeUrlComponent',
  'encodeUrl',
  'decodeUrlComponent',
  'decodeUrl',
  'eval',
  'toMillis',
  'fromMillis',
  'clone',
  'now',
  'millis',
];

/** A `$name` (without the `$`) and where it starts in the expression text. */
export interface NameUse {
  name: string;
  index: number;
}

/** An input path read where the input is the expression's own (`category`, `source.platform`). */
export interface InputPath {
  /** The leading field names: `resolution.code` → `['resolution', 'code']`. */
  names: string[];
  /** Where each name starts in the expression text. */
  indexes: number[];
}

export interface ExpressionNames {
  /** `$name(…)`, `$name(?, …)` and `x ~> $name`: a function is invoked by that name. */
  calls: NameUse[];
  /** `name(…)` without the `$`: a field called as a function (JSONata's T1005 when `$name` exists). */
  bareCalls: NameUse[];
  /** `$name` read as a value (also a function passed by name); `$` and `$$` are not included. */
  references: NameUse[];
  /** Names the expression binds itself: `$x := …`, lambda parameters, `@$x`, `#$i`. */
  bound: Set<string>;
  /**
   * Paths read from the expression's input: the first steps of a path evaluated at the top level
   * (not inside a predicate, a later path step or a function body, where the input is something else).
   */
  inputPaths: InputPath[];
}

type Node = { type?: string; value?: unknown; position?: number } & Record<string, unknown>;

/** Child keys whose expressions are evaluated against items, not against the parent's input. */
const ITEM_CONTEXT_KEYS: ReadonlySet<string> = new Set(['stages', 'predicate', 'group', 'pattern', 'update', 'delete']);

/** Keys that are not sub-expressions (or are walked separately). */
const SKIPPED_KEYS: ReadonlySet<string> = new Set(['position', 'value', 'signature', 'slot', 'tuple', 'focus', 'index', 'ancestor']);

export function expressionNames(ast: jsonata.ExprNode, text: string): ExpressionNames {
  const names: ExpressionNames = { calls: [], bareCalls: [], references: [], bound: new Set(), inputPaths: [] };
  const variableStart = (node: Node, name: string): number => Math.max(0, (node.position ?? 0) - name.length - 1);
  // Names end at `position`; a `quoted name` also has its two backticks.
  const nameStart = (node: Node, name: string): number => {
    const end = node.position ?? 0;
    return Math.max(0, end - name.length - (text[end - 1] === '`' ? 2 : 0));
  };

  const visit = (node: unknown, atInput: boolean): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child, atInput);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as Node;
    for (const key of ['focus', 'index'] as const) {
      if (typeof n[key] === 'string') names.bound.add(n[key]);
    }
    switch (n.type) {
      case 'variable':
        if (typeof n.value === 'string' && n.value !== '' && n.value !== '$') names.references.push({ name: n.value, index: variableStart(n, n.value) });
        break;
      case 'function':
      case 'partial': {
        const procedure = n['procedure'] as Node | undefined;
        const steps = procedure?.type === 'path' && Array.isArray(procedure['steps']) ? (procedure['steps'] as Node[]) : [];
        const bare = steps.length === 1 && steps[0]?.type === 'name' && typeof steps[0].value === 'string' ? steps[0] : undefined;
        if (procedure?.type === 'variable' && typeof procedure.value === 'string') names.calls.push({ name: procedure.value, index: variableStart(procedure, procedure.value) });
        // Only where the input is a record: JSON holds no functions (a constructed object may).
        else if (atInput && bare !== undefined && typeof bare.value === 'string') names.bareCalls.push({ name: bare.value, index: nameStart(bare, bare.value) });
        else visit(procedure, atInput);
        visit(n['arguments'], atInput);
        break;
      }
      case 'apply': {
        visit(n['lhs'], atInput);
        const rhs = n['rhs'] as Node | undefined;
        if (rhs?.type === 'variable' && typeof rhs.value === 'string') names.calls.push({ name: rhs.value, index: variableStart(rhs, rhs.value) });
        else visit(rhs, atInput);
        break;
      }
      case 'bind': {
        const lhs = n['lhs'] as Node | undefined;
        if (lhs?.type === 'variable' && typeof lhs.value === 'string') names.bound.add(lhs.value);
        visit(n['rhs'], atInput);
        break;
      }
      case 'lambda':
        for (const parameter of (n['arguments'] as Node[] | undefined) ?? []) {
          if (typeof parameter.value === 'string') names.bound.add(parameter.value);
        }
        // A function body runs on whatever it is called with; its input is not the expression's.
        visit(n['body'], false);
        break;
      case 'path':
        visitPath(n, atInput);
        break;
      case 'transform':
        visitChildren(n, false);
        break;
      default:
        visitChildren(n, atInput);
    }
  };

  const visitChildren = (n: Node, atInput: boolean): void => {
    for (const [key, value] of Object.entries(n)) {
      if (SKIPPED_KEYS.has(key) || typeof value !== 'object') continue;
      visit(value, atInput && !ITEM_CONTEXT_KEYS.has(key));
    }
  };

  const visitPath = (path: Node, atInput: boolean): void => {
    const steps = Array.isArray(path['steps']) ? (path['steps'] as Node[]) : [];
    const first = steps[0];
    // `$.x` at the top level and `$$.x` anywhere read the input too.
    const rooted = first?.type === 'variable' && (first.value === '$' || (first.value === '' && atInput));
    if (atInput || rooted) {
      const found: InputPath = { names: [], indexes: [] };
      for (const step of rooted ? steps.slice(1) : steps) {
        if (step.type !== 'name' || typeof step.value !== 'string') break;
        found.names.push(step.value);
        found.indexes.push(nameStart(step, step.value));
        // After a filter the names are the selected items' fields; stop there to stay exact.
        if (step['stages'] !== undefined || step['predicate'] !== undefined) break;
      }
      if (found.names.length > 0) names.inputPaths.push(found);
    }
    steps.forEach((step, i) => visit(step, atInput && i === 0));
    visitChildren({ ...path, steps: undefined }, false);
  };

  visit(ast, true);
  return names;
}
