/**
 * Stops calling a platform that keeps failing. After `failureThreshold` requests in a row have
 * failed (each after its own retries) the circuit opens: requests fail at once, without touching
 * the network, for `cooldownMs`. Then one request is let through (half-open); success closes
 * the circuit, failure opens it again for twice as long (capped). Without it, an outage turns
 * every queued write into a burst of retries against a platform that is already down.
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
  now: () => number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private cooldownMs: number;
  private probing = false;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.cooldownMs = options.cooldownMs;
  }

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.options.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a request may be tried again (0 when one may go now). */
  retryInMs(): number {
    if (this.openedAt === undefined) return 0;
    return Math.max(0, this.openedAt + this.cooldownMs - this.options.now());
  }

  /** When (epoch ms, by `now`) an open circuit lets its probe through; undefined unless open. */
  retryAt(): number | undefined {
    if (this.openedAt === undefined || this.state !== 'open') return undefined;
    return this.openedAt + this.cooldownMs;
  }

  /** Whether a request may be sent now; in half-open state only one probe at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.probing = false;
    this.cooldownMs = this.options.cooldownMs;
  }

  /** Returns true when this failure opened (or re-opened) the circuit. */
  onFailure(): boolean {
    if (this.probing) {
      this.probing = false;
      this.openedAt = this.options.now();
      this.cooldownMs = Math.min(this.options.maxCooldownMs, this.cooldownMs * 2);
      return true;
    }
    this.failures += 1;
    if (this.openedAt === undefined && this.failures >= this.options.failureThreshold) {
      this.openedAt = this.options.now();
      return true;
    }
    return false;
  }

  /** A request that ended without saying anything about the platform's health (e.g. a 4xx). */
  onNeutral(): void {
    this.probing = false;
  }
}
