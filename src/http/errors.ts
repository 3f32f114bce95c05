/** Stable failure codes; callers branch on these, never on message text. */
export type PlatformErrorCode =
  | 'auth'
  | 'forbidden'
  | 'not-found'
  | 'bad-request'
  | 'rate-limited'
  | 'server'
  | 'timeout'
  | 'network'
  | 'bad-response'
  /** Not sent: the platform failed too often in a row and the circuit breaker is open. */
  | 'circuit-open';

/**
 * An error from a platform's API, classified so callers can decide: retry later (429, 5xx,
 * timeouts), stop the source and tell the admin (401/403), or give up on one write (4xx).
 *
 * It never carries the request configuration (headers, body), so logging it cannot leak
 * credentials: the HTTP client builds these from scratch instead of wrapping axios errors.
 */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  constructor(
    message: string,
    readonly details: {
      platform: string;
      sourceId: string;
      status?: number | undefined;
      code: PlatformErrorCode;
      retryable: boolean;
      /** What the admin should do about it, when we know. */
      hint?: string | undefined;
      /** Seconds the platform asked us to wait (Retry-After), so an outbox can schedule the retry. */
      retryAfterSeconds?: number | undefined;
    },
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.details.retryable;
  }

  get code(): PlatformErrorCode {
    return this.details.code;
  }

  get status(): number | undefined {
    return this.details.status;
  }
}

export function isPlatformError(error: unknown): error is PlatformError {
  return error instanceof PlatformError;
}
