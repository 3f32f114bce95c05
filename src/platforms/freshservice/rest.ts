import type { FreshserviceSource } from './source.js';
import { createHttpClient, type HttpClient, type HttpLogger, type HttpRequest, type HttpResponse } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import { sleep as realSleep, type Sleep } from '../../http/retry.js';
import type { ConnectorDeps } from '../deps.js';
import { transportStatusOf } from '../transport-status.js';
import type { TransportStatus } from '../types.js';
import { describeFreshserviceFailure } from './failures.js';
import { vendorMessage } from './schema.js';

export const API = '/api/v2';

/**
 * The plumbing every part of the connector shares: one HTTP client for the source (pacing,
 * retries with Retry-After, redaction), response parsing and errors that say what to do next.
 */
export class FreshserviceRest {
  readonly source: FreshserviceSource;
  readonly sourceId: string;
  readonly logger: HttpLogger | undefined;
  readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly http: HttpClient;
  /** Epoch ms until which the account's per-minute budget is spent, by the last answer's `X-RateLimit-Remaining`. */
  private spentUntil = 0;

  constructor(source: FreshserviceSource, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.logger = deps.logger;
    this.now = deps.retryOverrides?.now ?? deps.now ?? Date.now;
    this.sleep = deps.retryOverrides?.sleep ?? realSleep;
    // API key as the Basic user name; the password part is ignored (https://api.freshservice.com/#authentication).
    const header = `Basic ${Buffer.from(`${source.auth.apiKey}:X`, 'utf8').toString('base64')}`;
    this.http = createHttpClient({
      platform: 'freshservice',
      platformLabel: 'Freshservice',
      sourceId: source.id,
      baseUrl: source.baseUrl,
      rateLimit: source.rateLimit,
      budget: source.budget,
      retry: source.retry,
      retryOverrides: { ...deps.retryOverrides, now: this.now },
      auth: { headers: () => Promise.resolve({ Authorization: header }) },
      logger: deps.logger,
      hostQueues: deps.hostQueues,
      writeGate: deps.writeGate,
      describeFailure: describeFreshserviceFailure,
      vendorMessage,
    });
  }

  /**
   * Sends through the shared client (pacing, retries, Retry-After), after waiting out a budget the
   * last answer said was spent. Freshservice counts every call, a refused one too, so a request
   * sent at `X-RateLimit-Remaining: 0` would only buy a 429. The headers give no reset time
   * (https://api.freshservice.com/#ratelimit): the budget is per minute, so requests wait for the
   * next minute of the server's clock (its `Date`), at most a minute; a 429 there still gets its Retry-After.
   */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const wait = this.spentUntil - this.now();
    if (wait > 0) await this.sleep(wait, request.signal);
    const response = await this.http.request(request);
    const remaining = Number(response.header('x-ratelimit-remaining') ?? 'NaN');
    if (Number.isFinite(remaining) && remaining <= 0) {
      const served = Date.parse(response.header('date') ?? '');
      const untilNextMinute = Number.isNaN(served) ? 60_000 : 60_000 - (served % 60_000);
      this.spentUntil = this.now() + untilNextMinute;
      this.logger?.debug('Freshservice rate-limit budget spent; holding requests until the next minute', { source: this.sourceId, seconds: Math.ceil(untilNextMinute / 1000) });
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
    if (!parsed.success) throw this.badResponse(`Freshservice returned an unreadable ${what} for source ${this.sourceId}`);
    return parsed.data;
  }

  badResponse(message: string): PlatformError {
    return new PlatformError(message, {
      platform: 'freshservice',
      sourceId: this.sourceId,
      code: 'bad-response',
      retryable: true,
      hint: 'If the body was HTML, baseUrl may point at a login page or a custom domain rather than https://<domain>.freshservice.com',
    });
  }

  badRequest(message: string, hint: string): PlatformError {
    return new PlatformError(message, { platform: 'freshservice', sourceId: this.sourceId, code: 'bad-request', retryable: false, hint });
  }

  notFound(message: string, hint: string, retryable: boolean): PlatformError {
    return new PlatformError(message, { platform: 'freshservice', sourceId: this.sourceId, code: 'not-found', status: 404, retryable, hint });
  }

  mappingFile(): string {
    return 'mappings/freshservice.outbound.jsonata';
  }
}

/**
 * The query of the `rel="next"` link of a list response (`<https://acme.freshservice.com/api/v2/tickets?page=2&…>; rel="next"`),
 * or undefined on the last page. Only the query is taken: requests stay on the configured host.
 */
export function nextPageParams(link: string | undefined): Record<string, string> | undefined {
  if (link === undefined) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part.trim());
    if (match?.[1] === undefined) continue;
    let url: URL;
    try {
      url = new URL(match[1], 'https://link.invalid');
    } catch {
      return undefined;
    }
    return Object.fromEntries(url.searchParams.entries());
  }
  return undefined;
}

/** Pages of a list endpoint by its `Link` header, at most `maxPages`; yields each page's parsed body. */
export async function* listPages(
  rest: FreshserviceRest,
  path: string,
  params: Record<string, string | number>,
  operation: string,
  signal: AbortSignal | undefined,
  maxPages = 1000,
): AsyncIterable<HttpResponse> {
  let query: Record<string, string | number> | undefined = params;
  for (let page = 0; query !== undefined && page < maxPages; page++) {
    const response = await rest.request({ method: 'GET', url: path, params: query, operation, signal });
    yield response;
    const next = nextPageParams(response.header('link'));
    query = next;
  }
}
