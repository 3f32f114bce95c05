import { HttpError } from './http.js';

/**
 * Freshservice's per-minute API limits (https://api.freshservice.com/#rate-limit): an overall
 * limit per account by plan, and lower sub-limits for some operations (listing tickets the
 * lowest). Every call counts, failed ones included; embedding with `include=` costs extra
 * credits. Each response carries X-RateLimit-Total / -Remaining / -Used-CurrentRequest; past the
 * limit the answer is 429 with Retry-After (seconds).
 */

export type FreshservicePlan = 'starter' | 'growth' | 'pro' | 'enterprise';

/** The operations with their own sub-limit. */
export type LimitedOperation = 'list_tickets' | 'view_ticket' | 'create_ticket' | 'update_ticket' | 'list_agents' | 'list_requesters';

export interface RateLimitConfig {
  /** Calls per minute for the whole account. */
  total: number;
  /** Calls per minute for each sub-limited operation. */
  subLimits: Record<LimitedOperation, number>;
}

/** The documented figures per plan (calls per minute). */
export const PLAN_RATE_LIMITS: Readonly<Record<FreshservicePlan, RateLimitConfig>> = {
  starter: { total: 100, subLimits: { list_tickets: 40, view_ticket: 50, create_ticket: 50, update_ticket: 50, list_agents: 40, list_requesters: 40 } },
  growth: { total: 200, subLimits: { list_tickets: 70, view_ticket: 80, create_ticket: 80, update_ticket: 80, list_agents: 70, list_requesters: 70 } },
  pro: { total: 400, subLimits: { list_tickets: 120, view_ticket: 140, create_ticket: 140, update_ticket: 140, list_agents: 120, list_requesters: 120 } },
  enterprise: { total: 500, subLimits: { list_tickets: 140, view_ticket: 160, create_ticket: 160, update_ticket: 160, list_agents: 140, list_requesters: 140 } },
};

/**
 * The short form tests and the CLI use: an account limit per minute and, optionally, the
 * ticket-list sub-limit. The other sub-limits keep the Pro plan's proportions to its total.
 */
export interface SimpleRateLimit {
  perMinute: number;
  listTicketsPerMinute?: number;
}

export type RateLimitOption = FreshservicePlan | RateLimitConfig | SimpleRateLimit | null;

/** The figures a `rateLimit` option stands for (null: no limit). */
export function resolveRateLimit(option: RateLimitOption): RateLimitConfig | null {
  if (option === null) return null;
  if (typeof option === 'string') return PLAN_RATE_LIMITS[option];
  if ('total' in option) return option;
  const pro = PLAN_RATE_LIMITS.pro;
  const scale = option.perMinute / pro.total;
  const subLimits = Object.fromEntries(Object.entries(pro.subLimits).map(([operation, n]) => [operation, Math.max(1, Math.round(n * scale))])) as RateLimitConfig['subLimits'];
  if (option.listTicketsPerMinute !== undefined) subLimits.list_tickets = option.listTicketsPerMinute;
  return { total: option.perMinute, subLimits };
}

const WINDOW_MS = 60_000;

export class RateLimiter {
  private windowStart = 0;
  private used = 0;
  private readonly usedBy = new Map<LimitedOperation, number>();

  constructor(
    private readonly config: RateLimitConfig | null,
    private readonly now: () => Date,
  ) {}

  /** Starts a fresh minute (control API). */
  reset(): void {
    this.windowStart = 0;
    this.used = 0;
    this.usedBy.clear();
  }

  /**
   * Charges `credits` to the account (and to `operation`'s sub-limit), returning the headers to
   * send; throws a 429 when either budget would be exceeded. A refused call is not charged.
   */
  charge(operation: LimitedOperation | null, credits: number): Record<string, string> {
    if (!this.config) return {};
    const t = this.now().getTime();
    if (t >= this.windowStart + WINDOW_MS || t < this.windowStart) {
      this.windowStart = t;
      this.used = 0;
      this.usedBy.clear();
    }
    const total = this.config.total;
    const sub = operation ? this.config.subLimits[operation] : Infinity;
    const subUsed = operation ? (this.usedBy.get(operation) ?? 0) : 0;
    if (this.used + credits > total || subUsed + credits > sub) {
      const retryAfter = Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - t) / 1000));
      throw new HttpError(
        429,
        { code: 'rate_limit_exceeded', message: `You have exceeded the limit of requests per minute. Retry after ${retryAfter} seconds.` },
        { 'X-RateLimit-Total': String(total), 'X-RateLimit-Remaining': String(Math.max(0, total - this.used)), 'X-RateLimit-Used-CurrentRequest': '0', 'Retry-After': String(retryAfter) },
      );
    }
    this.used += credits;
    if (operation) this.usedBy.set(operation, subUsed + credits);
    return { 'X-RateLimit-Total': String(total), 'X-RateLimit-Remaining': String(total - this.used), 'X-RateLimit-Used-CurrentRequest': String(credits) };
  }

  /** For 429 fault injection: the headers a throttled answer carries. */
  exhaustedHeaders(): Record<string, string> {
    const total = this.config?.total ?? PLAN_RATE_LIMITS.pro.total;
    return { 'X-RateLimit-Total': String(total), 'X-RateLimit-Remaining': '0', 'X-RateLimit-Used-CurrentRequest': '0' };
  }
}
