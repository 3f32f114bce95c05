import jsonata from 'jsonata';
import { evaluationLimits } from '../mapping/limits.js';
import { regexProblem } from '../mapping/regex.js';

/** A JSONata syntax error, positioned inside the expression text. */
export interface JsonataProblem {
  /** JSONata error code, e.g. `S0201`. */
  code: string;
  message: string;
  /** 0-based index in the expression of the offending token's first character. */
  index: number;
}

/**
 * Compiles an expression only to find syntax errors; evaluation-time errors (T/D codes) cannot be
 * found without data. Returns undefined when it compiles.
 */
export function checkJsonata(expression: string): JsonataProblem | undefined {
  if (expression.trim() === '') return { code: 'S0207', message: 'Expression is empty', index: 0 };
  try {
    return evaluationRisk(expression, jsonata(expression).ast());
  } catch (err) {
    if (err instanceof RangeError) return { code: 'S0000', message: 'Expression is nested too deeply to compile', index: 0 };
    const { code, message, position, token } = err as Partial<jsonata.JsonataError> & { token?: unknown };
    return {
      code: typeof code === 'string' ? code : 'S0000',
      message: typeof message === 'string' ? message : String(err),
      index: tokenStart(expression, position, token),
    };
  }
}

/**
 * JSONata reports `position` as the offset just *after* the token it choked on (for "(end)" it is
 * the expression length). Walk back to where that token starts so the caret lands on it.
 */
function tokenStart(expression: string, position: unknown, token: unknown): number {
  if (typeof position !== 'number' || !Number.isFinite(position)) return 0;
  const end = Math.max(0, Math.min(position, expression.length));
  if (token === '(end)' || (end === expression.length && token === undefined)) {
    // Point just past the last meaningful character, not at trailing newlines of a block scalar.
    return expression.trimEnd().length;
  }
  const text = typeof token === 'string' || typeof token === 'number' ? String(token) : undefined;
  if (text !== undefined && text.length > 0 && expression.slice(end - text.length, end) === text) {
    return end - text.length;
  }
  // String literal tokens carry their unquoted value; find the opening quote instead.
  const last = expression[end - 1];
  if (last === '"' || last === "'") {
    const open = expression.lastIndexOf(last, end - 2);
    if (open !== -1) return open;
  }
  return Math.max(0, end - 1);
}

/**
 * What can be seen without data that would fail every evaluation, or hang one without the limits:
 * a function that calls itself on every path (no condition can end it), a literal range longer
 * than a sequence may be, a regular expression RE2 cannot run (backreferences, lookaround).
 */
function evaluationRisk(expression: string, ast: jsonata.ExprNode): JsonataProblem | undefined {
  let found: JsonataProblem | undefined;
  const report = (problem: JsonataProblem): void => {
    found ??= problem;
  };
  walk(ast, (node) => {
    if (node.type === 'regex' && node.value instanceof RegExp) {
      const problem = regexProblem(node.value);
      if (problem) report({ code: 'unsupported-regex', message: problem, index: regexStart(expression, node) });
    } else if (node.type === 'binary' && node.value === '..') {
      const { lhs, rhs } = node as { lhs?: Node; rhs?: Node };
      if (lhs?.type === 'number' && rhs?.type === 'number' && typeof lhs.value === 'number' && typeof rhs.value === 'number') {
        const size = rhs.value - lhs.value + 1;
        const limit = evaluationLimits().sequence;
        if (size > limit)
          report({ code: 'range-too-long', message: `The range [${lhs.value}..${rhs.value}] has ${size} items; a sequence may have at most ${limit} (limits.sequence)`, index: start(lhs) });
      }
    } else if (node.type === 'bind' && (node as { lhs?: Node }).lhs?.type === 'variable') {
      const { lhs, rhs } = node as { lhs: Node; rhs?: Node };
      if (rhs?.type === 'lambda' && typeof lhs.value === 'string') {
        const call = unconditionalSelfCall(lhs.value, (rhs as { body?: Node }).body);
        if (call) {
          report({
            code: 'endless-recursion',
            message: `$${lhs.value} calls itself on every path, so it never returns; guard the call with a condition (\`cond ? $${lhs.value}(…) : result\`)`,
            index: start(call),
          });
        }
      }
    }
  });
  return found;
}

type Node = { type?: string; value?: unknown; position?: number } & Record<string, unknown>;

function walk(node: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  visit(node as Node);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'position' && key !== 'value' && typeof value === 'object') walk(value, visit);
  }
}

/**
 * The first call to `$name` that runs whenever the body runs: not behind a condition, an
 * `and`/`or`/`??`/`?:` operand, a path step after the first (it runs once per item, so data ends
 * it), a filter or a function defined inside (which may never be called). Tail-call thunks are
 * followed: JSONata runs them at once.
 */
function unconditionalSelfCall(name: string, body: Node | undefined): Node | undefined {
  const visit = (node: unknown): Node | undefined => {
    if (Array.isArray(node)) {
      for (const child of node) {
        const hit = visit(child);
        if (hit) return hit;
      }
      return undefined;
    }
    if (typeof node !== 'object' || node === null) return undefined;
    const n = node as Node;
    switch (n.type) {
      case 'function':
      case 'partial': {
        const procedure = n['procedure'] as Node | undefined;
        if (n.type === 'function' && procedure?.type === 'variable' && procedure.value === name) return procedure;
        return visit(n['arguments']) ?? (procedure?.type === 'variable' ? undefined : visit(procedure));
      }
      case 'lambda':
        return n['thunk'] === true ? visit(n['body']) : undefined;
      case 'condition':
        return visit(n['condition']);
      case 'binary':
        return n.value === 'and' || n.value === 'or' || n.value === '??' || n.value === '?:' ? visit(n['lhs']) : (visit(n['lhs']) ?? visit(n['rhs']));
      case 'path':
        return Array.isArray(n['steps']) ? visitStep(n['steps'][0] as Node | undefined) : undefined;
      case 'block':
        return visit(n['expressions']);
      case 'bind':
        return visit(n['rhs']);
      case 'unary':
        return n.value === '-' ? visit(n['expression']) : (visit(n['expressions']) ?? visit(n['lhs']));
      case 'apply':
        return visit(n['lhs']) ?? visit(n['rhs']);
      default:
        return undefined;
    }
  };
  // Only the step itself, not its predicates or stages (they run per item).
  const visitStep = (step: Node | undefined): Node | undefined => (step ? visit({ ...step, predicate: undefined, stages: undefined }) : undefined);
  return visit(body);
}

/** JSONata positions point just past a token; these walk back to where it starts. */
function start(node: Node): number {
  const end = node.position ?? 0;
  if (node.type === 'variable' && typeof node.value === 'string') return Math.max(0, end - node.value.length - 1);
  if (node.type === 'number') return Math.max(0, end - String(node.value).length);
  return Math.max(0, end - 1);
}

function regexStart(expression: string, node: Node): number {
  const end = node.position ?? 0;
  const open = expression.lastIndexOf('/', Math.max(0, end - 2 - (node.value instanceof RegExp ? node.value.source.length : 0)));
  return open === -1 ? start(node) : open;
}

/** One `{{ expression }}` placeholder inside a template. */
export interface Placeholder {
  /** Index of the first character after `{{`. */
  exprStart: number;
  /** Index of the closing `}}`. */
  exprEnd: number;
  expression: string;
}

export interface PlaceholderScan {
  placeholders: Placeholder[];
  /** Index of a `{{` that is never closed. */
  unclosedAt?: number;
}

/**
 * Finds `{{ … }}` placeholders the same way `mapping/template.ts` renders them: each `{{` ends at the
 * next `}}`. (So an object constructor with `}}` inside a placeholder needs a space: `} }`.)
 */
export function findPlaceholders(template: string): PlaceholderScan {
  const placeholders: Placeholder[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open === -1) break;
    const exprStart = open + 2;
    const exprEnd = template.indexOf('}}', exprStart);
    if (exprEnd === -1) return { placeholders, unclosedAt: open };
    placeholders.push({ exprStart, exprEnd, expression: template.slice(exprStart, exprEnd) });
    i = exprEnd + 2;
  }
  return { placeholders };
}

/** What to try for the common JSONata syntax error codes. */
export function jsonataHint(code: string): string | undefined {
  switch (code) {
    case 'S0101':
      return 'a string is not closed; JSONata strings use matching "double" or \'single\' quotes';
    case 'S0201':
    case 'S0202':
      return 'an operator is missing or there is an extra token here; combine conditions with `and`/`or`';
    case 'S0203':
      return 'a closing bracket or parenthesis is missing';
    case 'S0207':
      return 'the expression ends where an operand is expected';
    case 'S0211':
      return 'an operand is missing before this operator; JSONata compares with `=`, not `==`';
    case 'endless-recursion':
      return 'without a condition that stops it, every ticket would fail this rule after the evaluation budget (limits.evaluationMs)';
    case 'range-too-long':
      return 'every evaluation that reaches it fails; use a smaller range';
    case 'unsupported-regex':
      return 'rewrite it without backreferences or lookaround, e.g. match more and test the groups with $contains or a second $match';
    default:
      return undefined;
  }
}
