import jsonata from 'jsonata';
import { evaluationsCancelled, guardrails, notifyEvaluationLimit, type EvaluationLimit } from './limits.js';
import { Re2RegExp } from './regex.js';
import { expressionNames, JSONATA_BUILTINS } from './expression-names.js';
import { closest } from '../diagnostics/zod-issues.js';
import { assertTreeSize, boundedPad, boundedString, builtinsReady, MAX_STRING_LENGTH, ValueTooLargeError } from './bounded-builtins.js';

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
  override readonly name: string = 'ExpressionError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

/**
 * An evaluation stopped by one of the limits in `limits.ts`: the rule fails for this ticket (or
 * the record is quarantined, for a mapping) and everything else goes on.
 */
export class EvaluationLimitError extends ExpressionError {
  override readonly name: string = 'EvaluationLimitError';
  constructor(
    readonly limit: EvaluationLimit,
    /** The bound that was exceeded (ms, depth or sequence length), when JSONata reports it. */
    readonly bound: number | undefined,
    code: string | undefined,
    what?: string,
  ) {
    super(limitMessage(limit, bound, what), code, undefined);
  }
}

function limitMessage(limit: EvaluationLimit, bound: number | undefined, what: string | undefined): string {
  switch (limit) {
    case 'time':
      return `evaluation stopped: it ran longer than the budget of ${bound ?? '?'} ms (limits.evaluationMs); look for endless recursion or a loop over a very large range`;
    case 'depth':
      return `evaluation stopped: it nested deeper than ${bound ?? '?'} levels (limits.depth); look for a function that calls itself without end`;
    case 'sequence':
      return `evaluation stopped: a sequence of ${bound ?? '?'} items is longer than allowed (limits.sequence); use a smaller range`;
    case 'size':
      return `evaluation stopped: it built ${what ?? 'a value too large to hold in memory (a string or array)'}; look for text or objects that double on every call`;
  }
}

/**
 * The daemon is stopping: the evaluation was abandoned, not failed. The engine re-throws it after
 * the ticket (see `throwIfCancelled`), so the page is not committed and is evaluated again after
 * the restart rather than recorded with rules that never ran.
 */
export class EvaluationCancelledError extends ExpressionError {
  override readonly name: string = 'EvaluationCancelledError';
  constructor() {
    super('evaluation cancelled: the daemon is stopping', undefined, undefined);
  }
}

export function throwIfCancelled(): void {
  if (evaluationsCancelled()) throw new EvaluationCancelledError();
}

/**
 * Every expression is compiled with these: the shared depth and sequence limits, and RE2 for regex
 * literals. Not JSONata's own `timeout`: it counts wall-clock time since the evaluation started,
 * and JSONata evaluations are chains of promises that interleave with everything else on the event
 * loop (other sources' pages, SQLite queries, other evaluations) — under load, or with several
 * sources, a mapping that needs a millisecond was stopped as "too long" and its write
 * dead-lettered. The time limit is kept by {@link chargeTime} instead, on the evaluation's own time.
 */
const options = {
  get stack(): number {
    return guardrails.stack;
  },
  get sequence(): number {
    return guardrails.sequence;
  },
  timeout: 0,
  RegexEngine: Re2RegExp as unknown as RegExpConstructor,
};

/** The binding under which each evaluation carries its own time account (see {@link chargeTime}). */
const TIME_ACCOUNT = '__deskbridgeTimeAccount';
interface TimeAccount {
  /** Milliseconds of the evaluation's own work so far. */
  spent: number;
  /** When the evaluation last entered a node (performance.now()). */
  last: number;
}
/**
 * A gap between two nodes of one evaluation longer than this is time it spent parked (another
 * evaluation or another source's work ran, or it yielded the loop), not work of its own: a runaway
 * loop enters a node every few microseconds.
 */
const PARKED_GAP_MS = 5;

/**
 * Charges the time since the evaluation's previous node to its account, and stops it (JSONata's own
 * timeout code, D1012) once its own time passes the limit.
 */
function chargeTime(environment: unknown): void {
  const account = (environment as { lookup(name: string): unknown }).lookup(TIME_ACCOUNT) as TimeAccount | undefined;
  if (account === undefined) return;
  const now = performance.now();
  account.spent += Math.min(now - account.last, PARKED_GAP_MS);
  account.last = now;
  if (guardrails.timeout > 0 && account.spent > guardrails.timeout) {
    throw Object.assign(new Error(`Evaluation timeout after ${guardrails.timeout} milliseconds`), { code: 'D1012', value: guardrails.timeout });
  }
}

const cache = new Map<string, CompiledExpression>();

export function compileExpression(source: string): CompiledExpression {
  const hit = cache.get(source);
  if (hit) return hit;
  let compiled: jsonata.Expression;
  let rootFields: Set<string>;
  try {
    compiled = jsonata(source, options);
    rootFields = collectRootFields(compiled.ast());
  } catch (error) {
    // A RangeError here is the parser's own recursion on absurd nesting: a syntax problem, not a limit of evaluation.
    throw error instanceof RangeError ? new ExpressionError('expression is nested too deeply to compile', 'S0000', 0) : toExpressionError(error);
  }
  compiled.registerFunction('string', boundedString, '<x-b?:s>');
  compiled.registerFunction('pad', boundedPad, '<s-ns?:s>');
  // Only expressions that can run long pay for the per-node hooks (about a fifth more CPU per node);
  // the others do work bounded by their size and their input's, so no clock is needed.
  const timed = mayLoop(compiled.ast());
  if (timed) {
    compiled.assign(EVALUATE_ENTRY as unknown as string, (_expr: unknown, _input: unknown, environment: unknown) => {
      chargeTime(environment);
      return yieldWhenBusy();
    });
    compiled.assign(EVALUATE_EXIT as unknown as string, refuseHugeStrings);
  }
  const expression: CompiledExpression = {
    source,
    rootFields,
    async evaluate(input, bindings) {
      try {
        if (!builtinsLoaded) await builtinsReady;
        throwIfCancelled();
        const account: TimeAccount = { spent: 0, last: performance.now() };
        return (await compiled.evaluate(input, timed ? { ...bindings, [TIME_ACCOUNT]: account } : bindings)) as unknown;
      } catch (error) {
        throw nameNonFunction(toExpressionError(error), compiled.ast(), source, bindings);
      }
    },
  };
  cache.set(source, expression);
  return expression;
}

/**
 * JSONata's "Attempted to invoke a non-function" (T1006) says neither which call nor where. The
 * calls that can fail so are those to a name neither JSONata, the bindings nor the expression
 * itself defines as a function: name them (usually there is one, a typo) so a test report or a
 * trace says `$lowercas is not a function`.
 */
function nameNonFunction(error: ExpressionError, ast: jsonata.ExprNode, source: string, bindings: Record<string, unknown> | undefined): ExpressionError {
  if (error.code !== 'T1006' || error.constructor !== ExpressionError) return error;
  const names = expressionNames(ast, source);
  const isFunction = (name: string): boolean => names.bound.has(name) || BUILTINS.has(name) || typeof bindings?.[name] === 'function';
  const suspects = names.calls.filter((call) => !isFunction(call.name));
  const distinct = [...new Set(suspects.map((call) => call.name))];
  const first = suspects[0];
  if (first === undefined) return error;
  const functions = [...JSONATA_BUILTINS, ...names.bound, ...Object.keys(bindings ?? {}).filter((name) => typeof bindings?.[name] === 'function')];
  const suggestion = distinct.length === 1 ? closest(first.name, functions) : undefined;
  const called = distinct.map((name) => `$${name}`).join(' or ');
  const mean = suggestion === undefined ? '' : `; did you mean $${suggestion}?`;
  return new ExpressionError(`${called} is not a function${mean} (${error.message})`, error.code, error.position ?? first.index);
}

const BUILTINS: ReadonlySet<string> = new Set(JSONATA_BUILTINS);

/** Called by JSONata before and after it evaluates each node of an expression. */
const EVALUATE_ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EVALUATE_EXIT = Symbol.for('jsonata.__evaluate_exit');

let builtinsLoaded = false;
void builtinsReady.then(() => {
  builtinsLoaded = true;
});

/**
 * Whether an expression can run for long on a small input: it defines a function (recursion, a
 * callback), builds a range, or evaluates text as an expression. Everything else does work
 * bounded by its own size and the input's (every shipped rule and mapping is of this kind).
 */
function mayLoop(ast: unknown): boolean {
  const visit = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(visit);
    if (typeof node !== 'object' || node === null) return false;
    const n = node as { type?: unknown; value?: unknown; procedure?: { type?: unknown; value?: unknown } };
    if (n.type === 'lambda' || (n.type === 'binary' && n.value === '..')) return true;
    if (n.type === 'function' && n.procedure?.type === 'variable' && n.procedure.value === 'eval') return true;
    return Object.entries(node).some(([key, value]) => key !== 'position' && typeof value === 'object' && visit(value));
  };
  return visit(ast);
}

/** Strings doubled in a loop stay cheap ropes until something reads them; stop them before that. */
function refuseHugeStrings(_expr: unknown, _input: unknown, _environment: unknown, result: unknown): undefined {
  if (typeof result === 'string' && result.length > MAX_STRING_LENGTH) {
    throw new ValueTooLargeError(`a string of ${result.length} characters (at most ${MAX_STRING_LENGTH})`);
  }
  return undefined;
}

/** Throws the size limit when a value is too large to serialise or validate (template output, mapping output). */
export function assertSerialisable(value: unknown): void {
  try {
    assertTreeSize(value);
  } catch (error) {
    throw toExpressionError(error);
  }
}

/** How long evaluation may keep the event loop to itself before it lets timers and sockets run. */
const SLICE_MS = 10;
let sliceStartedAt = 0;
let sliceOpen = false;
const closeSlice = (): void => {
  sliceOpen = false;
};

/**
 * JSONata evaluates as one chain of promises: while it runs no timer, socket or signal handler
 * does. So that `/healthz`, `/metrics` and SIGTERM are answered during a long (but legal)
 * evaluation, every node checks how long the event loop has been held, and after SLICE_MS it
 * waits one turn of the loop. A slice ends when the loop turns (the setImmediate below runs),
 * so the common case costs a clock read per node and one setImmediate per loop turn.
 */
function yieldWhenBusy(): Promise<void> | undefined {
  const now = Date.now();
  if (!sliceOpen) {
    sliceOpen = true;
    sliceStartedAt = now;
    setImmediate(closeSlice);
    return undefined;
  }
  if (now - sliceStartedAt < SLICE_MS) return undefined;
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      if (evaluationsCancelled()) reject(new EvaluationCancelledError());
      else resolve();
    }),
  );
}

export function toExpressionError(error: unknown): ExpressionError {
  if (error instanceof ExpressionError) return error;
  const limit = toLimitError(error);
  if (limit) {
    notifyEvaluationLimit(limit.limit);
    return limit;
  }
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: unknown; code?: unknown; position?: unknown };
    return new ExpressionError(
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- JSONata throws objects with a message; anything else is shown as it stringifies
      typeof e.message === 'string' ? e.message : String(error),
      typeof e.code === 'string' ? e.code : undefined,
      typeof e.position === 'number' ? e.position : undefined,
    );
  }
  return new ExpressionError(String(error), undefined, undefined);
}

/** JSONata's guardrail codes (also when wrapped by `$eval`, D3121), and V8's own size refusals. */
function toLimitError(error: unknown): EvaluationLimitError | undefined {
  if (error instanceof ValueTooLargeError) return new EvaluationLimitError('size', undefined, undefined, error.what);
  if (error instanceof RangeError) {
    return /call stack/i.test(error.message) ? new EvaluationLimitError('depth', guardrails.stack, undefined) : new EvaluationLimitError('size', undefined, undefined);
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; value?: unknown; error?: unknown };
  const bound = typeof e.value === 'number' ? e.value : undefined;
  switch (e.code) {
    case 'D1012':
      return new EvaluationLimitError('time', bound, e.code);
    case 'D1011':
      return new EvaluationLimitError('depth', bound, e.code);
    case 'D2014':
    case 'D2015':
      return new EvaluationLimitError('sequence', bound, e.code);
    case 'D3121':
      return toLimitError(e.error);
    default:
      return undefined;
  }
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
