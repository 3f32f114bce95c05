import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { JiraRequestLogEntry } from './site.js';

/** Request and response helpers shared by the sandbox's routes: Jira-shaped errors, JSON bodies. */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
  }
}

export function jiraError(status: number, errorMessages: readonly string[], errors: Record<string, string> = {}, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, { errorMessages: [...errorMessages], errors }, headers);
}

export function serviceDeskError(status: number, message: string): HttpError {
  return new HttpError(status, { errorMessage: message, i18nErrorMessage: { i18nKey: 'sd.request.error', parameters: [] } });
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const REMOVED_SEARCH_MESSAGE =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';
export const NOT_FOUND_ISSUE = 'Issue does not exist or you do not have permission to see it.';
/** Issue search (Cloud /search/jql, Data Center /search): the list responses bad-record breaks. */
export const SEARCH_PATH = /^\/rest\/api\/(?:2|3|latest)\/search(?:\/jql)?\/?$/;
/** The auth check and version probe a connector's init() makes; exempt from faults unless includeAuth. */
export const HANDSHAKE_PATH = /^\/rest\/api\/(?:2|3|latest)\/(?:myself|serverInfo)\/?$/;
export const GDPR_MESSAGE = "'accountId' must be the only user identifying query parameter in GDPR strict mode.";

export function cannotSet(field: string): string {
  return `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
}

export function readVisibility(value: unknown): { type: 'role' | 'group'; value: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const type = v['type'];
  const name = v['value'] ?? v['identifier'];
  return (type === 'role' || type === 'group') && typeof name === 'string' ? { type, value: name } : undefined;
}

export function methodNotAllowed(): HttpError {
  return new HttpError(405, { errorMessages: ['Method Not Allowed'], errors: {} });
}

export function notFoundRoute(url: URL): HttpError {
  return jiraError(404, [`null for uri: ${url.pathname}`]);
}

export function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw jiraError(413, ['Request body too large']);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJsonObject(req: IncomingMessage, entry: JiraRequestLogEntry): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw jiraError(400, [`Unexpected character in JSON body: ${error instanceof Error ? error.message : 'invalid JSON'}`]);
  }
  entry.body = parsed;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw jiraError(400, ['Can not deserialize instance of the request body out of a non-object JSON value']);
  }
  return parsed as Record<string, unknown>;
}
