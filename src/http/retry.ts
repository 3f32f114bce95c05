import type { RetryPolicy } from './settings.js';

/** Waits `ms` milliseconds; rejects with the signal's reason as soon as it is aborted. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Test and tuning hooks layered over a source's configured `RetryPolicy`. Tests pass
 * `{ maxRetries: 0 }` to disable retries, or a recording `sleep` to keep retries instant.
 */
export interface RetryOverrides extends Partial<RetryPolicy> {
  sleep?: Sleep | undefined;
  /** Source of randomness for jitter, in [0, 1). */
  random?: (() => number) | undefined;
  /** Clock for HTTP-date Retry-After values and host pauses (epoch milliseconds). */
  now?: (() => number) | undefined;
}

/** Everything the retry loop needs, with no optional parts left. */
export interface ResolvedRetry extends RetryPolicy {
  sleep: Sleep;
  random: () => number;
  now: () => number;
}

/** Statuses worth another attempt: throttling and server-side failures. Other 4xx never are. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Statuses whose Retry-After header we obey (RFC 9110 §10.2.3 names 503 and 3xx; 429 per RFC 6585). */
export function honoursRetryAfter(status: number): boolean {
  return status === 429 || status === 503;
}

export function resolveRetry(policy: RetryPolicy, overrides: RetryOverrides = {}): ResolvedRetry {
  return {
    maxRetries: overrides.maxRetries ?? policy.maxRetries,
    baseDelayMs: overrides.baseDelayMs ?? policy.baseDelayMs,
    maxDelayMs: overrides.maxDelayMs ?? policy.maxDelayMs,
    maxRetryAfterSeconds: overrides.maxRetryAfterSeconds ?? policy.maxRetryAfterSeconds,
    timeoutMs: overrides.timeoutMs ?? policy.timeoutMs,
    sleep: overrides.sleep ?? sleep,
    random: overrides.random ?? Math.random,
    now: overrides.now ?? Date.now,
  };
}

/**
 * Parses a Retry-After header into whole seconds from `nowMs`: either delay-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past means "now" (0). Anything
 * unparseable is undefined, so the caller falls back to exponential backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed === '') {
    return undefined;
  }
  if (/^\d+$/.test(trimmed)) {
    return Number.parseInt(trimmed, 10);
  }
  // Only the date form may contain letters; reject things like "-5" or "1.5" rather than guess.
  if (!/[a-z]/i.test(trimmed)) {
    return undefined;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) {
    return undefined;
  }
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}

/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniform pick in [0, min(maxDelay, base · 2^retryIndex)). Full jitter spreads a burst of
 * clients that failed together, which plain exponential delays would keep in lockstep.
 *
 * @param retryIndex 0 for the first retry, 1 for the second, …
 */
export function backoffDelayMs(retryIndex: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  // 2 ** 1024 is Infinity; clamp the exponent so huge retry counts stay finite.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retryIndex, 52));
  return Math.floor(random() * ceiling);
}

/** What a failed attempt looked like, as far as retrying is concerned. */
export interface FailureInfo {
  retryable: boolean;
  /** Seconds from a Retry-After header the platform sent with a 429/503. */
  retryAfterSeconds?: number | undefined;
}

export type RetryDecision = { retry: true; delayMs: number; reason: 'retry-after' | 'backoff' } | { retry: false; reason: 'not-retryable' | 'exhausted' | 'retry-after-too-long' };

/**
 * Decides whether the attempt after `retriesSoFar` retries may go ahead, and after how long.
 * A Retry-After beyond `maxRetryAfterSeconds` fails at once: stalling a source for an hour is
 * worse than letting the outbox reschedule the write.
 */
export function decideRetry(
  failure: FailureInfo,
  retriesSoFar: number,
  policy: Pick<RetryPolicy, 'maxRetries' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterSeconds'>,
  random: () => number = Math.random,
): RetryDecision {
  if (!failure.retryable) {
    return { retry: false, reason: 'not-retryable' };
  }
  if (failure.retryAfterSeconds !== undefined && failure.retryAfterSeconds > policy.maxRetryAfterSeconds) {
    return { retry: false, reason: 'retry-after-too-long' };
  }
  if (retriesSoFar >= policy.maxRetries) {
    return { retry: false, reason: 'exhausted' };
  }
  if (failure.retryAfterSeconds !== undefined) {
    return { retry: true, delayMs: failure.retryAfterSeconds * 1000, reason: 'retry-after' };
  }
  return { retry: true, delayMs: backoffDelayMs(retriesSoFar, policy, random), reason: 'backoff' };
}

export interface RetryEvent {
  error: unknown;
  failure: FailureInfo;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  reason: 'retry-after' | 'backoff';
}

export interface WithRetryOptions {
  retry: ResolvedRetry;
  /** Turns a thrown error into retry facts; errors it calls non-retryable are rethrown at once. */
  classify: (error: unknown) => FailureInfo;
  onRetry?: ((event: RetryEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `operation` until it succeeds, a failure is not retryable, or the policy is spent; the
 * last error is rethrown unchanged. Waiting between attempts is abortable through `signal`.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: WithRetryOptions): Promise<T> {
  const { retry, classify, onRetry, signal } = options;
  for (let retriesSoFar = 0; ; retriesSoFar += 1) {
    signal?.throwIfAborted();
    try {
      return await operation(retriesSoFar);
    } catch (error) {
      if (signal?.aborted) {
        throw signal.reason;
      }
      const failure = classify(error);
      const decision = decideRetry(failure, retriesSoFar, retry, retry.random);
      if (!decision.retry) {
        throw error;
      }
      onRetry?.({ error, failure, retry: retriesSoFar + 1, delayMs: decision.delayMs, reason: decision.reason });
      await retry.sleep(decision.delayMs, signal);
    }
  }
}

/** setTimeout as a promise that an AbortSignal can cut short (rejecting with the signal's reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejects with the abort reason, as node's timers/promises does
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
