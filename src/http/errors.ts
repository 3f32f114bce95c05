/**
 * An error from a platform's API, classified so callers can decide: retry later (429, 5xx,
 * timeouts), stop the source and tell the admin (401/403), or give up on one write (4xx).
 */
export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  constructor(
    message: string,
    readonly details: {
      platform: string;
      sourceId: string;
      status?: number | undefined;
      code: 'auth' | 'forbidden' | 'not-found' | 'bad-request' | 'rate-limited' | 'server' | 'timeout' | 'network' | 'bad-response';
      retryable: boolean;
      /** What the admin should do about it, when we know. */
      hint?: string | undefined;
    },
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.details.retryable;
  }
}
