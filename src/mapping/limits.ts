import { AsyncLocalStorage } from 'node:async_hooks';
/**
 * The bounds every JSONata evaluation runs under (rule conditions, templates, mappings, groupBy,
 * skills, QA checks): a rule that loops forever, recurses without end or builds a huge sequence
 * fails for that ticket instead of hanging the daemon.
 *
 * Defaults are far above what real rules use: the shipped ServiceNow mapping, the deepest shipped
 * expression, evaluates 224 nodes at a depth of 79 in well under a millisecond; the shipped rules'
 * own tests pass under them (test/hostile/evaluation.test.ts).
 */
export interface EvaluationLimits {
  /** Wall-clock budget of one evaluation (one expression, one template placeholder), in ms. */
  evaluationMs: number;
  /** Maximum nesting of evaluation (expression depth plus function calls not in tail position). */
  depth: number;
  /** Maximum length of one sequence (`[1..n]`, a path over a large array). */
  sequence: number;
}

export const DEFAULT_EVALUATION_LIMITS: Readonly<EvaluationLimits> = Object.freeze({ evaluationMs: 1000, depth: 500, sequence: 1_000_000 });

/** Which bound an evaluation hit. `size`: the JavaScript engine refused a value (a string or array too large). */
export type EvaluationLimit = 'time' | 'depth' | 'sequence' | 'size';

/**
 * The options object shared by every compiled expression: JSONata reads `timeout`, `stack` and
 * `sequence` from it at each evaluation, so changing the limits applies to expressions already
 * compiled (and cached) without recompiling them.
 */
export const guardrails = {
  timeout: DEFAULT_EVALUATION_LIMITS.evaluationMs,
  stack: DEFAULT_EVALUATION_LIMITS.depth,
  sequence: DEFAULT_EVALUATION_LIMITS.sequence,
};

/** Sets the limits for every evaluation in this process (the daemon does it from the config's `limits:`). */
export function setEvaluationLimits(limits: Partial<EvaluationLimits> = {}): EvaluationLimits {
  const next = { ...DEFAULT_EVALUATION_LIMITS, ...definedOnly(limits) };
  guardrails.timeout = next.evaluationMs;
  guardrails.stack = next.depth;
  guardrails.sequence = next.sequence;
  return next;
}

export function evaluationLimits(): EvaluationLimits {
  return { evaluationMs: guardrails.timeout, depth: guardrails.stack, sequence: guardrails.sequence };
}

function definedOnly(limits: Partial<EvaluationLimits>): Partial<EvaluationLimits> {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => typeof v === 'number' && Number.isFinite(v) && v > 0));
}

type LimitListener = (limit: EvaluationLimit) => void;
const listeners = new Set<LimitListener>();

/** Called each time an evaluation is stopped by a limit (the daemon counts them in a metric). Returns an unsubscribe. */
export function onEvaluationLimit(listener: LimitListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notifyEvaluationLimit(limit: EvaluationLimit): void {
  for (const listener of listeners) {
    try {
      listener(limit);
    } catch {
      // A metrics hook must never turn a failed rule into a failed pass.
    }
  }
}

/**
 * The daemon's stop signal, carried through every evaluation a pass starts (AsyncLocalStorage
 * follows promise chains and setImmediate). On SIGTERM an evaluation in progress stops at its
 * next slice (see `yieldWhenBusy`) and later ones do not start, so shutdown is not held up by a
 * rule that would run for its whole budget on every remaining ticket of a page.
 */
const cancellation = new AsyncLocalStorage<AbortSignal>();

export function runCancellable<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return cancellation.run(signal, fn);
}

export function evaluationsCancelled(): boolean {
  return cancellation.getStore()?.aborted === true;
}
