import type { JiraSource } from './source.js';
import { createHttpClient, type HttpClient, type HttpLogger } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import type { ConnectorDeps } from '../deps.js';
import { transportStatusOf } from '../transport-status.js';
import type { TransportStatus } from '../types.js';
import { createJiraAuth } from './auth.js';
import { describeJiraFailure, type JiraOperation } from './failures.js';
import type { JiraFlavour } from './flavours/flavour.js';
import { JqlError } from './jql.js';
import { CreatedIssue, vendorMessage } from './schema.js';

export type JiraRequest = Parameters<HttpClient['request']>[0] & { operation: JiraOperation };

/**
 * The plumbing every part of the connector shares: one HTTP client for the source, response
 * parsing and the errors that tell the user what to do next.
 */
export class JiraRest {
  readonly source: JiraSource;
  readonly sourceId: string;
  readonly flavour: JiraFlavour;
  /** "Jira Cloud" / "Jira Data Center", as messages name the platform. */
  readonly label: string;
  readonly logger: HttpLogger | undefined;
  readonly now: () => number;
  private readonly http: HttpClient;

  constructor(source: JiraSource, flavour: JiraFlavour, deps: ConnectorDeps) {
    this.source = source;
    this.sourceId = source.id;
    this.flavour = flavour;
    this.label = flavour.label;
    this.logger = deps.logger;
    this.now = deps.retryOverrides?.now ?? deps.now ?? Date.now;
    const auth = createJiraAuth(source.auth);
    this.http = createHttpClient({
      platform: 'jira',
      platformLabel: this.label,
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
      describeFailure: describeJiraFailure(source.flavour, auth.mode, source.problems?.projectKey),
      vendorMessage,
    });
  }

  /** `/rest/api/3` (Cloud) or `/rest/api/2` (Data Center). */
  get api(): string {
    return this.flavour.api;
  }

  request(request: JiraRequest): ReturnType<HttpClient['request']> {
    return this.http.request(request);
  }

  requestCount(): number {
    return this.http.requestCount();
  }

  /**
   * `POST /issue` with the fields as written (description and environment made rich text the
   * flavour's way) → the new issue's id and key. Never re-sent after an unclear failure: the
   * callers' outbox retries the whole step, which looks for the issue by its label first.
   */
  async createIssue(fields: Record<string, unknown>, operation: JiraOperation, what: string, signal: AbortSignal | undefined): Promise<CreatedIssue> {
    const response = await this.request({ method: 'POST', url: `${this.api}/issue`, data: { fields: this.flavour.richTextFields(fields) }, operation, signal });
    return this.parse(CreatedIssue, response.data, what);
  }

  transportStatus(): TransportStatus {
    return transportStatusOf([this.http], this.source.budget);
  }

  /** The group field the mappings read and `assign` writes; components when none is configured. */
  groupFieldId(): string {
    return this.source.groupField ?? 'components';
  }

  mappingFile(): string {
    return `mappings/jira-${this.source.flavour}.outbound.jsonata`;
  }

  /** Runs a JQL-building step, turning a rejected value into a non-retryable PlatformError. */
  guard<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      if (error instanceof JqlError) {
        throw this.badRequest(`Refused to query ${this.label} for source ${this.sourceId}: ${error.message}`, 'Values in JQL may not contain control characters');
      }
      throw error;
    }
  }

  parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T {
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw this.badResponse(`${this.label} returned an unreadable ${what} for source ${this.sourceId}`);
    }
    return parsed.data;
  }

  badResponse(message: string): PlatformError {
    return new PlatformError(message, {
      platform: 'jira',
      sourceId: this.sourceId,
      code: 'bad-response',
      retryable: true,
      hint: 'If the body was HTML, baseUrl may point at a login page, a proxy or a maintenance page rather than the Jira REST API',
    });
  }

  badRequest(message: string, hint: string): PlatformError {
    return new PlatformError(message, { platform: 'jira', sourceId: this.sourceId, code: 'bad-request', retryable: false, hint });
  }
}
