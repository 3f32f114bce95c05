import { z } from 'zod';

/**
 * How a source's HTTP traffic is paced and retried: part of every platform's source config, read by
 * the HTTP client. Kept here, next to the code that obeys them, so `http/` needs nothing from `config/`.
 */
export const RateLimit = z.strictObject({
  requestsPerMinute: z.number().int().positive().default(600),
  concurrency: z.number().int().positive().default(4),
});
export type RateLimit = z.infer<typeof RateLimit>;

export const RetryPolicy = z.strictObject({
  maxRetries: z.number().int().min(0).default(5),
  baseDelayMs: z.number().int().min(0).default(500),
  maxDelayMs: z.number().int().min(0).default(30_000),
  /** A Retry-After longer than this fails the request instead of stalling the source. */
  maxRetryAfterSeconds: z.number().int().min(0).default(300),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Requests failing in a row (after their retries) before the source stops calling the platform for a while; default 5. */
  breakerThreshold: z.number().int().min(1).optional(),
  /** How long the circuit stays open first (default 30 s); doubles while the platform keeps failing (max 10 minutes). */
  breakerCooldownSeconds: z.number().int().min(1).optional(),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;
