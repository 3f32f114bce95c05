/**
 * Splits a condition at its top-level `and` / `or` so `explain` can say which part decided it.
 * Only splits outside parentheses, brackets, braces, strings and regexes; anything more
 * intricate stays one clause, which is still correct, just less detailed.
 */
export interface ConditionClauses {
  operator: 'and' | 'or' | undefined;
  clauses: string[];
}

export function splitTopLevel(expression: string): ConditionClauses {
  const parts: string[] = [];
  let operator: 'and' | 'or' | undefined;
  let depth = 0;
  let quote: string | undefined;
  let regex = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i] ?? '';
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (regex) {
      if (c === '\\') i++;
      else if (c === '/') regex = false;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '/' && depth > 0 && /[,(]\s*$/.test(expression.slice(0, i))) regex = true;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0) {
      const match = /^\s(and|or)\s/.exec(expression.slice(i));
      if (match) {
        const op = match[1] as 'and' | 'or';
        // Mixed and/or at the top level depends on precedence: keep it whole.
        if (operator && operator !== op) return { operator: undefined, clauses: [expression.trim()] };
        operator = op;
        parts.push(expression.slice(start, i).trim());
        i += match[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.length > 1 ? { operator, clauses: parts } : { operator: undefined, clauses: [expression.trim()] };
}
