import jsonata from 'jsonata';

/** A compiled JSONata expression. Compiling is the expensive part, so each source text compiles once. */
export interface CompiledExpression {
  readonly source: string;
  /** Bindings are passed per call, never stored on the shared expression, so concurrent evaluations stay independent. */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
  /** Root field names the expression reads (first step of every path), for `sysparm_fields`-style projections. */
  readonly rootFields: ReadonlySet<string>;
}

/** JSONata's own error, kept whole so callers can position it (`position` is a character offset). */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

const cache = new Map<string, CompiledExpression>();

export function compileExpression(source: string): CompiledExpression {
  const hit = cache.get(source);
  if (hit) return hit;
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(source);
  } catch (error) {
    throw toExpressionError(error);
  }
  const expression: CompiledExpression = {
    source,
    rootFields: collectRootFields(compiled.ast()),
    async evaluate(input, bindings) {
      try {
        return await compiled.evaluate(input, bindings);
      } catch (error) {
        throw toExpressionError(error);
      }
    },
  };
  cache.set(source, expression);
  return expression;
}

export function toExpressionError(error: unknown): ExpressionError {
  if (error instanceof ExpressionError) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: unknown; code?: unknown; position?: unknown };
    return new ExpressionError(
      typeof e.message === 'string' ? e.message : String(error),
      typeof e.code === 'string' ? e.code : undefined,
      typeof e.position === 'number' ? e.position : undefined,
    );
  }
  return new ExpressionError(String(error), undefined, undefined);
}

/**
 * Walks the AST and collects the first name of every path (`sys_id.value` → `sys_id`, a bare
 * `number` → `number`). Nested contexts can add a few names that are not root fields; asking a
 * platform for a field that does not exist is harmless, missing one is not.
 */
function collectRootFields(ast: jsonata.ExprNode): Set<string> {
  const fields = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as { type?: unknown; steps?: unknown };
    if (n.type === 'path' && Array.isArray(n.steps)) {
      const first = n.steps[0] as { type?: unknown; value?: unknown } | undefined;
      if (first?.type === 'name' && typeof first.value === 'string') fields.add(first.value);
      // Later steps are names relative to the first (`$source.baseUrl`, `sys_id.value`), not
      // root fields; only what hangs off a step (predicates, nested expressions) is visited.
      for (const step of n.steps) visitChildren(step);
      return;
    }
    visitChildren(node);
  };
  const visitChildren = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key !== 'position' && typeof value === 'object') visit(value);
    }
  };
  visit(ast);
  return fields;
}

/** JSONata truthiness as rules mean it: a non-empty, non-false, non-zero result. */
export function isTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.some(isTruthy);
  return true;
}
