import jsonata from 'jsonata';
import type { DiagnosticCode, DiagnosticSeverity } from '../diagnostics/diagnostics.js';
import { closest } from '../diagnostics/zod-issues.js';
import { expressionNames, JSONATA_BUILTINS } from '../mapping/expression-names.js';
import { isMappingHelper, type ExpressionScope, type InputFields } from './expression-scopes.js';

/**
 * Names an expression uses that nothing provides, found in its AST before any ticket reaches it:
 * - a function nobody defines (`$lowercas(…)`) is an error: JSONata stops with "Attempted to
 *   invoke a non-function" every time the call is reached;
 * - a variable nobody binds (`$grop`) and a ticket field the canonical ticket does not have
 *   (`categry`) are warnings: JSONata reads them as empty, so a condition silently never matches.
 */

export interface NameProblem {
  severity: DiagnosticSeverity;
  code: Extract<DiagnosticCode, 'unknown-function' | 'unknown-variable' | 'unknown-ticket-field'>;
  message: string;
  hint?: string;
  /** Where the name starts in the expression. */
  index: number;
}

const BUILTINS: ReadonlySet<string> = new Set(JSONATA_BUILTINS);

/** `where` names the expression in messages, e.g. `rules[0].when`. Syntax errors give no problems here (reported elsewhere). */
export function checkNames(expression: string, scope: ExpressionScope, where: string): NameProblem[] {
  let ast: jsonata.ExprNode;
  try {
    ast = jsonata(expression).ast();
  } catch {
    return [];
  }
  const names = expressionNames(ast, expression);
  const problems: NameProblem[] = [];
  const own = names.bound;
  const variables = [...scope.variables.keys()];
  const functions = [...JSONATA_BUILTINS, ...variables.filter((name) => scope.variables.get(name)?.kind === 'function'), ...own];

  for (const call of names.calls) {
    if (own.has(call.name) || BUILTINS.has(call.name)) continue;
    const bound = scope.variables.get(call.name);
    if (bound?.kind === 'function') continue;
    if (bound !== undefined) {
      problems.push({
        severity: 'error',
        code: 'unknown-function',
        message: `$${call.name} is not a function in ${where}: it is ${bound.what}`,
        hint: 'read it without parentheses',
        index: call.index,
      });
      continue;
    }
    const suggestion = closest(call.name, functions);
    problems.push({
      severity: 'error',
      code: 'unknown-function',
      message: `Unknown function $${call.name} in ${where}${suggestion === undefined ? '' : `; did you mean $${suggestion}?`}`,
      hint: isMappingHelper(call.name)
        ? `$${call.name} is a mapping helper: rules see the mapped ticket, so read its field instead`
        : `JSONata stops with "Attempted to invoke a non-function" wherever this call is reached, so ${scope.failure ?? 'the rule fails for that ticket'}`,
      index: call.index,
    });
  }

  for (const call of names.bareCalls) {
    const meant = functions.includes(call.name) ? call.name : closest(call.name, functions);
    problems.push({
      severity: 'error',
      code: 'unknown-function',
      message: `${call.name}(…) in ${where} calls a field, not a function${meant === undefined ? '' : `; did you mean $${meant}?`}`,
      hint: `functions are called with a leading $${meant === undefined ? '' : `: $${meant}(…)`}; a field holds no function, so this fails wherever it is reached`,
      index: call.index,
    });
  }

  for (const reference of names.references) {
    if (own.has(reference.name) || BUILTINS.has(reference.name) || scope.variables.has(reference.name)) continue;
    const suggestion = closest(reference.name, [...variables, ...own]);
    const known = variables.length > 0 ? `variables here: ${variables.map((name) => `$${name}`).join(', ')}` : 'no variables are bound here';
    problems.push({
      severity: 'warning',
      code: 'unknown-variable',
      message: `Unknown variable $${reference.name} in ${where}${suggestion === undefined ? '' : `; did you mean $${suggestion}?`}`,
      hint: `an unbound variable is empty, so this part never has a value (${known})`,
      index: reference.index,
    });
  }

  if (scope.fields !== undefined) {
    const input = scope.inputName ?? 'input';
    for (const path of names.inputPaths) {
      const problem = unknownField(path.names, scope.fields);
      if (problem === undefined) continue;
      const { depth, known } = problem;
      const name = path.names[depth] ?? '';
      const parent = path.names.slice(0, depth).join('.');
      const suggestion = closest(name, [...known.keys()]);
      const what = depth === 0 ? `${input} field "${name}"` : `field "${name}" of ${parent}`;
      problems.push({
        severity: 'warning',
        code: 'unknown-ticket-field',
        message: `Unknown ${what} in ${where}${suggestion === undefined ? '' : `; did you mean "${suggestion}"?`}`,
        hint:
          depth === 0
            ? `the ${input} has no such field, so it is always empty and a condition on it never matches; a native field is read as raw.${name}`
            : `${parent} has ${[...known.keys()].join(', ')}; a missing field is always empty`,
        index: path.indexes[depth] ?? 0,
      });
    }
  }
  return problems;
}

/** The first name of `names` its parent does not have, and the names the parent does have. */
function unknownField(names: readonly string[], fields: InputFields): { depth: number; known: InputFields } | undefined {
  let known: InputFields | undefined = fields;
  for (const [depth, name] of names.entries()) {
    if (known === undefined) return undefined;
    if (!known.has(name)) return { depth, known };
    known = known.get(name);
  }
  return undefined;
}
