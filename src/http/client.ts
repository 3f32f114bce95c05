import type { AxiosInstance, AxiosResponse, AxiosStatic } from 'axios';
import type { RateLimit, RetryPolicy } from './settings.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { PlatformError, type PlatformErrorCode } from './errors.js';
import { type HostQueue, type HostQueueRegistry, sharedHostQueues } from './queue.js';
import { parseBudget, SourceBudget } from './budget.js';
import { gatedTransport } from './write-gate.js';
import { type FailureInfo, type ResolvedRetry, type RetryEvent, type RetryOverrides, honoursRetryAfter, isRetryableStatus, parseRetryAfter, resolveRetry, withRetry } from './retry.js';

/** The slice of a logger the HTTP layer uses; messages are static, facts go in `meta`. */
export interface HttpLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/**
 * Supplies authentication headers per request, so Basic and OAuth (or a Bearer PAT) plug in the
 * same way. Headers are fetched outside the host queue, so a token request can go through the
 * same client without deadlocking on a concurrency of 1.
 */
export interface AuthHook {
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * Called with the headers a request was rejected with (401), to say whether re-sending can help:
   * - `resend`: those headers were replaced after the request was sent (another request already
   *   refreshed the token, or a refresh is under way) — not a credential failure; re-send with
   *   the current headers, which wait for that refresh.
   * - `refresh`: the rejected token is the current one; it has been dropped and the next
   *   `headers()` call fetches a new one, shared by every request waiting for it.
   * - `final`: new headers cannot help (Basic credentials, or no hook at all).
   */
  onRejected?(rejected: Record<string, string>): AuthRejection;
}

export type AuthRejection = 'resend' | 'refresh' | 'final';

/**
 * Re-sends of one request after a 401. Each request may cause at most one refresh of its own; the
 * other re-sends follow refreshes other requests made, and the cap only stops a pathological loop.
 */
const MAX_AUTH_RESENDS = 3;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Path relative to the client's base URL, or an absolute URL (e.g. an OAuth token endpoint). */
  url: string;
  params?: Record<string, string | number | boolean> | undefined;
  /** JSON body. */
  data?: unknown;
  /** Form-encoded body instead of JSON (OAuth token endpoints require it). */
  form?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** false for requests that must not carry the auth hook's headers, such as token requests. */
  authenticate?: boolean | undefined;
  /** Short label for logs and error messages, e.g. `token`, `pull`, `auth-check`. */
  operation?: string | undefined;
  /** Non-2xx statuses to hand back instead of throwing, e.g. 404 when "absent" is an answer. */
  acceptStatuses?: readonly number[] | undefined;
  /**
   * Whether sending the request twice is harmless; defaults to true except for POST. When false,
   * only failures proving the request was not processed (429, connection refused) are
   * retried here. Ambiguous ones (timeouts, resets, other 5xx) are thrown — still marked
   * retryable — so the caller can check whether the write landed before writing again.
   */
  idempotent?: boolean | undefined;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON, or the raw text when the body was not JSON (validate it with zod). */
  data: unknown;
  header(name: string): string | undefined;
}

/** What went wrong, without any request headers or body, for a connector to word the message. */
export interface FailureContext {
  sourceId: string;
  code: PlatformErrorCode;
  status?: number | undefined;
  method: HttpMethod;
  /** URL path without the query string. */
  path: string;
  operation?: string | undefined;
  /** The platform's own error text, when its error body could be read. */
  vendorMessage?: string | undefined;
  retryAfterSeconds?: number | undefined;
}

export interface FailureDescription {
  message: string;
  hint?: string | undefined;
}

export interface HttpClientOptions {
  /** Registry id, e.g. `servicenow`; goes into PlatformError.details.platform. */
  platform: string;
  /** Human name for messages, e.g. `ServiceNow`. */
  platformLabel: string;
  sourceId: string;
  baseUrl: string;
  rateLimit: RateLimit;
  /** The source's own share of the platform's budget (`budget: 60/min`), paced in front of the host's queue. */
  budget?: string | undefined;
  retry: RetryPolicy;
  retryOverrides?: RetryOverrides | undefined;
  auth?: AuthHook | undefined;
  logger?: HttpLogger | undefined;
  hostQueues?: HostQueueRegistry | undefined;
  /** Platform-specific wording (which role is missing, which setting to check); undefined = generic. */
  describeFailure?: ((failure: FailureContext) => FailureDescription | undefined) | undefined;
  /** Extracts the platform's error text from an error body. */
  vendorMessage?: ((body: unknown) => string | undefined) | undefined;
  /**
   * Called right before a request that is not a GET is sent (after pacing and queueing,
   * which can take long), on every attempt; it throws to stop the request unsent. A daemon sharing
   * sources refuses there when it cannot be sure it still holds the source's lease (it may have
   * been paused past its TTL), so a write is not sent from a daemon another may have replaced.
   */
  writeGate?: (() => void) | undefined;
}

export interface HttpClient {
  readonly sourceId: string;
  /** Sends with pacing, auth and retries; throws PlatformError (or the signal's reason). */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** HTTP requests actually sent, counting retries, re-sends after 401 and token requests. */
  requestCount(): number;
  /** The circuit breaker's state now: `open` refuses requests without sending them, `half-open` lets one probe through. */
  circuitState(): CircuitState;
  /** When (ISO, by the client's clock) an open circuit lets its next probe through; undefined unless the state is `open`. */
  circuitRetryAt(): string | undefined;
}

const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ERR_SOCKET_CONNECTION_TIMEOUT']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ECONNABORTED', 'UND_ERR_CONNECT_TIMEOUT']);

export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new AxiosHttpClient(options);
}

/**
 * axios is loaded with the first request, not with this module: the config schema reaches the
 * connectors, so every CLI start (`validate`, `status`, `outbox list`) would otherwise pay for it.
 */
let axiosLoaded: Promise<AxiosStatic> | undefined;
let axiosModule: AxiosStatic | undefined;
function loadAxios(): Promise<AxiosStatic> {
  axiosLoaded ??= import('axios').then((loaded) => (axiosModule = loaded.default));
  return axiosLoaded;
}

class AxiosHttpClient implements HttpClient {
  readonly sourceId: string;
  private readonly options: HttpClientOptions;
  private readonly retry: ResolvedRetry;
  private axios: AxiosInstance | undefined;
  private readonly queue: HostQueue;
  private readonly budget: SourceBudget | undefined;
  private sent = 0;
  private readonly breaker: CircuitBreaker;
  /** Failures that prove the platform did not act on the request, so even a POST may be re-sent. */
  private readonly unprocessed = new WeakSet<object>();

  constructor(options: HttpClientOptions) {
    this.options = options;
    this.sourceId = options.sourceId;
    this.retry = resolveRetry(options.retry, options.retryOverrides);
    this.queue = (options.hostQueues ?? sharedHostQueues).forUrl(options.baseUrl, options.rateLimit);
    this.budget = options.budget === undefined ? undefined : new SourceBudget(parseBudget(options.budget));
    this.breaker = new CircuitBreaker({
      failureThreshold: options.retry.breakerThreshold ?? 5,
      cooldownMs: (options.retry.breakerCooldownSeconds ?? 30) * 1000,
      maxCooldownMs: 10 * 60_000,
      now: () => this.retry.now(),
    });
  }

  /** The axios instance, created at the first request (see loadAxios). */
  private async instance(): Promise<AxiosInstance> {
    if (this.axios) return this.axios;
    const axios = await loadAxios();
    this.axios ??= axios.create({
      baseURL: this.options.baseUrl.replace(/\/+$/, ''),
      timeout: this.retry.timeoutMs,
      // Every status comes back as a response; we classify it ourselves so no axios error
      // (which carries the request config, Authorization header included) ever escapes.
      validateStatus: () => true,
      // A redirect would be followed with our credentials to wherever it points; fail instead.
      maxRedirects: 0,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
      headers: { Accept: 'application/json' },
    });
    return this.axios;
  }

  requestCount(): number {
    return this.sent;
  }

  circuitState(): CircuitState {
    return this.breaker.state;
  }

  circuitRetryAt(): string | undefined {
    const at = this.breaker.retryAt();
    return at === undefined ? undefined : new Date(at).toISOString();
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    // Token requests stay outside the breaker: the half-open probe needs a token to be sent at
    // all, and holding the token request back behind that probe would keep the circuit open.
    if (request.authenticate === false) return this.requestWithRetries(request);
    if (!this.breaker.allow()) {
      throw new PlatformError(
        `${this.options.platformLabel} failed ${this.options.retry.breakerThreshold ?? 5} requests in a row for source ${this.sourceId}; not calling it for another ${Math.ceil(this.breaker.retryInMs() / 1000)} s`,
        {
          platform: this.options.platform,
          sourceId: this.sourceId,
          code: 'circuit-open',
          retryable: true,
          retryAfterSeconds: Math.ceil(this.breaker.retryInMs() / 1000),
          hint: 'the platform looks down or overloaded; deskbridge tries again by itself',
        },
      );
    }
    try {
      const response = await this.requestWithRetries(request);
      this.breaker.onSuccess();
      return response;
    } catch (error) {
      // Only failures that say the platform is unwell count; a 4xx about one record does not.
      const code = error instanceof PlatformError ? error.code : undefined;
      if (code === 'server' || code === 'timeout' || code === 'network' || code === 'bad-response') {
        if (this.breaker.onFailure()) {
          this.options.logger?.warn('Circuit opened: platform failing repeatedly', { source: this.sourceId, retryInMs: this.breaker.retryInMs() });
        }
      } else {
        this.breaker.onNeutral();
      }
      throw error;
    }
  }

  private requestWithRetries(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.idempotent ?? request.method !== 'POST';
    return withRetry(() => this.attempt(request), {
      retry: this.retry,
      classify: (error) => {
        const failure = classifyForRetry(error);
        const provablyUnsent = typeof error === 'object' && error !== null && this.unprocessed.has(error);
        return idempotent || provablyUnsent ? failure : { retryable: false };
      },
      onRetry: (event) => this.reportRetry(request, event),
      signal: request.signal,
    });
  }

  private async attempt(request: HttpRequest): Promise<HttpResponse> {
    let sent = await this.send(request);
    let response = sent.response;
    // A 401 is a credential failure only when the token this request itself caused to be fetched
    // is rejected too; one rejected after somebody else's refresh is simply re-sent.
    let refreshed = false;
    for (let resends = 0; response.status === 401 && request.authenticate !== false && resends < MAX_AUTH_RESENDS; resends++) {
      const verdict = this.options.auth?.onRejected?.(sent.authHeaders) ?? 'final';
      if (verdict === 'final' || (verdict === 'refresh' && refreshed)) break;
      if (verdict === 'refresh') refreshed = true;
      sent = await this.send(request);
      response = sent.response;
    }
    if (response.status >= 200 && response.status < 300 && isUnparsedBody(response.data)) {
      // A 200 whose body is cut off or is an HTML page (a proxy, a maintenance page, a waking
      // instance) says nothing about the request; retried like a 5xx, so one bad page does not
      // fail a whole pass. Writes are only re-sent when idempotent (see `request`).
      throw new PlatformError(`${this.options.platformLabel} answered ${request.method} ${pathOf(request.url)} with a body that is not JSON (source ${this.sourceId})`, {
        platform: this.options.platform,
        sourceId: this.sourceId,
        status: response.status,
        code: 'bad-response',
        retryable: true,
      });
    }
    if ((response.status >= 200 && response.status < 300) || request.acceptStatuses?.includes(response.status)) {
      return response;
    }
    throw this.errorFromResponse(request, response);
  }

  private async send(request: HttpRequest): Promise<{ response: HttpResponse; authHeaders: Record<string, string> }> {
    const { signal } = request;
    const authHeaders = request.authenticate === false || !this.options.auth ? {} : await this.options.auth.headers(signal);
    await this.budget?.take(signal);
    const response = await this.queue.run(
      async () => {
        const axios = await this.instance();
        const writeGate = request.method === 'GET' ? undefined : this.options.writeGate;
        writeGate?.();
        // Asked again where the bytes are about to leave (see gatedTransport).
        const gated = writeGate ? gatedTransport(writeGate) : undefined;
        this.sent += 1;
        const started = this.retry.now();
        // axios' own timeout only watches for an idle socket; this one bounds the whole exchange,
        // so a response that trickles in forever still ends.
        const deadline = AbortSignal.timeout(this.retry.timeoutMs);
        let response: AxiosResponse<unknown>;
        try {
          response = await axios.request<unknown>({
            method: request.method,
            url: request.url,
            params: request.params,
            data: request.form ? new URLSearchParams(request.form) : request.data,
            headers: authHeaders,
            signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
            ...(gated ? { transport: gated.transport } : {}),
          });
        } catch (error) {
          const refused = gated?.refused();
          if (refused !== undefined) throw refused;
          throw this.errorFromTransport(request, error, deadline.aborted);
        }
        this.options.logger?.debug('Platform request', {
          source: this.sourceId,
          method: request.method,
          path: pathOf(request.url),
          status: response.status,
          durationMs: this.retry.now() - started,
        });
        const headers = response.headers;
        return {
          status: response.status,
          data: response.data,
          header: (name: string) => headerValue(headers, name),
        };
      },
      { signal, sleep: this.retry.sleep, now: this.retry.now },
    );
    return { response, authHeaders };
  }

  private errorFromResponse(request: HttpRequest, response: HttpResponse): PlatformError {
    const status = response.status;
    const code = codeForStatus(status);
    let retryAfterSeconds: number | undefined;
    if (honoursRetryAfter(status)) {
      retryAfterSeconds = parseRetryAfter(response.header('retry-after'), this.retry.now()) ?? parseRateLimitReset(response.header('x-ratelimit-reset'), this.retry.now());
      // Hold the whole host, not just this request (see HostQueue). A wait beyond the cap is
      // not honoured here: the request fails and the caller reschedules it.
      if (retryAfterSeconds !== undefined && retryAfterSeconds <= this.retry.maxRetryAfterSeconds) {
        this.queue.pauseFor(retryAfterSeconds * 1000, this.retry.now());
      }
    }
    const failure: FailureContext = {
      sourceId: this.sourceId,
      code,
      status,
      method: request.method,
      path: pathOf(request.url),
      operation: request.operation,
      vendorMessage: this.options.vendorMessage?.(response.data),
      retryAfterSeconds,
    };
    const described = this.options.describeFailure?.(failure) ?? this.describeGeneric(failure, response);
    const error = new PlatformError(described.message, {
      platform: this.options.platform,
      sourceId: this.sourceId,
      status,
      code,
      retryable: isRetryableStatus(status),
      hint: described.hint,
      retryAfterSeconds,
    });
    // Only a 429 proves the platform did nothing: a 503 may come from a gateway after the
    // instance applied the write (the crash soak caught a note posted twice that way).
    if (status === 429) {
      this.unprocessed.add(error);
    }
    return error;
  }

  private errorFromTransport(request: HttpRequest, error: unknown, pastDeadline: boolean): unknown {
    if (request.signal?.aborted) {
      return request.signal.reason;
    }
    const axiosError = axiosModule?.isAxiosError(error) ? error : undefined;
    if (!axiosError && !pastDeadline) {
      return error;
    }
    const errno = axiosError?.code ?? 'unknown';
    const timedOut = pastDeadline || TIMEOUT_CODES.has(errno);
    const code: PlatformErrorCode = timedOut ? 'timeout' : 'network';
    const failure: FailureContext = {
      sourceId: this.sourceId,
      code,
      method: request.method,
      path: pathOf(request.url),
      operation: request.operation,
    };
    const label = this.options.platformLabel;
    const generic: FailureDescription = timedOut
      ? {
          message: `${label} did not answer ${request.method} ${failure.path} within ${this.retry.timeoutMs} ms for source ${this.sourceId}`,
          hint: 'The instance may be overloaded; raise retry.timeoutMs or lower pageSize if this persists',
        }
      : {
          message: `Could not reach ${label} for source ${this.sourceId} (${errno})`,
          hint: errno === 'ENOTFOUND' ? `Check baseUrl (${this.options.baseUrl}): the host name does not resolve` : 'Check baseUrl, proxy settings and that the instance is up',
        };
    const described = this.options.describeFailure?.(failure) ?? generic;
    // A name that does not resolve or a certificate that does not verify will not fix itself.
    const retryable = timedOut || RETRYABLE_NETWORK_CODES.has(errno);
    const platformError = new PlatformError(described.message, {
      platform: this.options.platform,
      sourceId: this.sourceId,
      code,
      retryable,
      hint: described.hint,
    });
    if (errno === 'ECONNREFUSED' || errno === 'EAI_AGAIN') {
      this.unprocessed.add(platformError);
    }
    return platformError;
  }

  private describeGeneric(failure: FailureContext, response: HttpResponse): FailureDescription {
    const label = this.options.platformLabel;
    const what = `${failure.method} ${failure.path}`;
    const vendor = failure.vendorMessage ? `: ${failure.vendorMessage}` : '';
    switch (failure.code) {
      case 'auth':
        return {
          message: `${label} rejected the credentials for source ${this.sourceId}`,
          hint: 'Check the configured credentials and that the account is active',
        };
      case 'forbidden':
        return { message: `${label} refused ${what} for source ${this.sourceId} (403)${vendor}` };
      case 'rate-limited':
        return {
          message: `${label} rate limited source ${this.sourceId} (429)${retryAfterText(failure.retryAfterSeconds, this.retry.maxRetryAfterSeconds)}`,
        };
      case 'bad-response': {
        const location = response.header('location');
        return {
          message: `${label} answered ${what} with an unexpected status ${String(failure.status)} for source ${this.sourceId}`,
          hint: location ? `The instance redirects to ${pathlessOrigin(location)}; use the final https URL as baseUrl` : undefined,
        };
      }
      default:
        return { message: `${label} returned ${String(failure.status)} for ${what} (source ${this.sourceId})${vendor}` };
    }
  }

  private reportRetry(request: HttpRequest, event: RetryEvent): void {
    const { logger } = this.options;
    if (!logger) {
      return;
    }
    const error = event.error;
    const status = error instanceof PlatformError ? error.details.status : undefined;
    if (status !== undefined && honoursRetryAfter(status) && (status === 429 || event.failure.retryAfterSeconds !== undefined)) {
      logger.warn('Platform rate limited', {
        source: this.sourceId,
        status,
        retryAfterSeconds: event.failure.retryAfterSeconds,
        retry: event.retry,
        delayMs: event.delayMs,
      });
      return;
    }
    logger.debug('Retrying platform request', {
      source: this.sourceId,
      method: request.method,
      path: pathOf(request.url),
      status,
      code: error instanceof PlatformError ? error.details.code : undefined,
      retry: event.retry,
      delayMs: event.delayMs,
    });
  }
}

function classifyForRetry(error: unknown): FailureInfo {
  if (error instanceof PlatformError) {
    return { retryable: error.details.retryable, retryAfterSeconds: error.details.retryAfterSeconds };
  }
  return { retryable: false };
}

function codeForStatus(status: number): PlatformErrorCode {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server';
  if (status >= 400) return 'bad-request';
  return 'bad-response';
}

function retryAfterText(seconds: number | undefined, max: number): string {
  if (seconds === undefined) {
    return '';
  }
  return seconds > max ? `; Retry-After ${seconds} s exceeds retry.maxRetryAfterSeconds (${max} s), giving up for now` : `; Retry-After ${seconds} s`;
}

function pathOf(url: string): string {
  const withoutQuery = url.split('?')[0] ?? url;
  if (/^https?:\/\//i.test(withoutQuery)) {
    return new URL(withoutQuery).pathname;
  }
  return withoutQuery;
}

function pathlessOrigin(location: string): string {
  try {
    return new URL(location).origin;
  } catch {
    return 'another address';
  }
}

function headerValue(headers: AxiosResponse['headers'], name: string): string | undefined {
  const value: unknown = (headers as Record<string, unknown>)[name.toLowerCase()];
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && typeof value[0] === 'string') {
    return value[0];
  }
  if (typeof value === 'number') {
    return String(value);
  }
  return undefined;
}

/** Every API deskbridge calls answers JSON (or nothing, e.g. 204): a non-empty string is a broken body. */
function isUnparsedBody(data: unknown): boolean {
  return typeof data === 'string' && data.trim() !== '';
}

/**
 * `X-RateLimit-Reset` when a 429 carries no Retry-After: an epoch in seconds (most APIs), or an
 * ISO time such as Jira Cloud's `2026-11-23T10:15Z`. Seconds from now, or undefined.
 */
export function parseRateLimitReset(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const at = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
