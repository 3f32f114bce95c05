import jsonata from 'jsonata';

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
    jsonata(expression);
    return undefined;
  } catch (err) {
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
  if (token === '(end)' || end === expression.length && token === undefined) {
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
    default:
      return undefined;
  }
}
