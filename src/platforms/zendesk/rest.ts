import { createHttpClient, type HttpClient, type HttpLogger, type HttpRequest } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import { sleep as realSleep, type Sleep } from '../../http/retry.js';
import type { ConnectorDeps } from '../deps.js';
import { transportStatusOf } from '../transport-status.js';
import type { TransportStatus } from '../types.js';
import { createZendeskAuth } from './auth.js';
import { describeZendeskFailure, type ZendeskOperation } from './failures.js';
import { vendorMessage } from './schema.js';
import type { ZendeskSource } from './source.js';

export type ZendeskRequest = HttpRequest & { operation: ZendeskOperation };

/** The one HTTP client of a source, response parsing and the errors that say what to do next. */
export class ZendeskRest {
  readonly source: ZendeskSource;
  readonly sourceId: string;
  readonly logger: HttpLogger | undefined;
  readonly now: () => number;
  readonly sleep: Sleep;
  private readonly http: HttpClient;
  /** Epoch ms until which the account's budget is spent, by the last answer's rate-limit headers. */
  private spentUntil = 0;

  constructor(source: ZendeskSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.logger = deps.logger;
    this.now = deps.retryOverrides?.now ?? deps.now ?? Date.now;
    this.sleep = deps.retryOverrides?.sleep ?? realSleep;
    const auth = createZendeskAuth(source.auth);
    this.http = createHttpClient({
      platform: 'zendesk',
      platformLabel: 'Zendesk',
      sourceId: source.id,
      baseUrl: source.baseUrl,
      rateLimit: source.rateLimit,
      budget: source.budget,
      retry: source.retry,
      retryOverrides: { ...deps.retryOverrides, now: this.now },
      auth,
      logger: deps.logger,
      hostQueues: deps.hostQueues,
      writeGate: deps.writeGate,
      describeFailure: describeZendeskFailure(auth.mode),
      vendorMessage,
    });
  }

  /**
   * Sends through the shared client (pacing, auth, retries, Retry-After), after waiting out a
   * budget the last answer said was spent: Zendesk's `ratelimit-remaining` / `X-Rate-Limit-Remaining`
   * at 0 means the next request would be a 429, so it waits `ratelimit-reset` seconds instead.
   * https://developer.zendesk.com/api-reference/introduction/rate-limits/
   */
  async request(request: ZendeskRequest): ReturnType<HttpClient['request']> {
    const wait = this.spentUntil - this.now();
    if (wait > 0) await this.sleep(wait, request.signal);
    const response = await this.http.request(request);
    const remaining = response.header('ratelimit-remaining') ?? response.header('x-rate-limit-remaining');
    if (remaining !== undefined && Number(remaining) <= 0) {
      const reset = Number(response.header('ratelimit-reset') ?? '');
      // Without a reset time a spent budget refills within the minute; a second is a cautious guess.
      const seconds = Number.isFinite(reset) && reset > 0 ? Math.min(reset, this.source.retry.maxRetryAfterSeconds) : 1;
      this.spentUntil = this.now() + seconds * 1000;
      this.logger?.debug('Zendesk rate-limit budget spent; holding requests', { source: this.sourceId, seconds });
    }
    return response;
  }

  requestCount(): number {
    return this.http.requestCount();
  }

  transportStatus(): TransportStatus {
    return transportStatusOf([this.http], this.source.budget);
  }

  parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw this.badResponse(`Zendesk returned an unreadable ${what} for source ${this.sourceId}`);
    return parsed.data;
  }

  badResponse(message: string): PlatformError {
    return new PlatformError(message, {
      platform: 'zendesk',
      sourceId: this.sourceId,
      code: 'bad-response',
      retryable: true,
      hint: 'If the body was HTML, baseUrl may point at a help center page or a proxy rather than https://<subdomain>.zendesk.com',
    });
  }

  /** A write that cannot succeed as asked; not retried (the outbox records it as dead). */
  badRequest(message: string, hint: string): PlatformError {
    return new PlatformError(message, { platform: 'zendesk', sourceId: this.sourceId, code: 'bad-request', retryable: false, hint });
  }
}
