import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Request and response helpers shared by the routes: Freshservice-shaped errors and JSON bodies.
 * Error shape (https://api.freshservice.com/#error-response): 400s carry
 * `{"description":"Validation failed","errors":[{"field","message","code"}]}`; other errors carry
 * `{"code","message"}` with the documented machine codes (invalid_credentials, access_denied, …).
 * The message texts are the sandbox's own; clients should key on status, field and code.
 */

export interface FieldError {
  field?: string;
  message: string;
  code: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
  }
}

/** 400 with one or more field errors. */
export function validationFailed(errors: readonly FieldError[]): HttpError {
  return new HttpError(400, { description: 'Validation failed', errors: [...errors] });
}

export function fieldError(field: string, code: string, message: string): FieldError {
  return { field, message, code };
}

export function invalidCredentials(): HttpError {
  return new HttpError(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
}

export function accessDenied(): HttpError {
  return new HttpError(403, { code: 'access_denied', message: 'You are not authorized to perform this action.' });
}

export function notFound(): HttpError {
  return new HttpError(404, { code: 'not_found', message: 'The requested resource does not exist.' });
}

export function methodNotAllowed(allowed: readonly string[]): HttpError {
  return new HttpError(405, { code: 'method_not_allowed', message: `${allowed.join(', ')} method(s) allowed on this resource.` }, { Allow: allowed.join(', ') });
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
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
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { code: 'payload_too_large', message: 'Request body is too large.' });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The JSON object body of a write. Only application/json is accepted (415 otherwise, as
 * documented); a body that does not parse is a 400 with code invalid_json.
 */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '');
  const text = await readBody(req);
  if (!type.toLowerCase().includes('application/json')) {
    throw new HttpError(415, { code: 'invalid_content_type', message: 'Content-Type header should have application/json' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, { description: 'Validation failed', errors: [{ code: 'invalid_json', message: 'Request body has invalid json format' }] });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, { description: 'Validation failed', errors: [{ code: 'invalid_json', message: 'Request body has invalid json format' }] });
  }
  return parsed as Record<string, unknown>;
}
