import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldError } from './store.js';

/**
 * Request and response helpers shared by the routes: Zendesk-shaped errors
 * (`{"error": "...", "description": "..."}`; 422 `RecordInvalid` with `details`, see
 * https://developer.zendesk.com/api-reference/introduction/requests/ and the Tickets API) and JSON bodies.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify(body));
  }
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export function notFound(): HttpError {
  return new HttpError(404, { error: 'RecordNotFound', description: 'Not found' });
}

export function badRequest(error: string, description: string): HttpError {
  return new HttpError(400, { error, description });
}

/** 422 RecordInvalid: `details` maps each field to `[{description, error?}]`. */
export function recordInvalid(errors: readonly FieldError[]): HttpError {
  const details: Record<string, { description: string; error?: string }[]> = {};
  for (const e of errors) {
    const entry: { description: string; error?: string } = { description: e.description };
    if (e.error !== undefined) entry.error = e.error;
    (details[e.field] ??= []).push(entry);
  }
  return new HttpError(422, { error: 'RecordInvalid', description: 'Record validation errors', details });
}

export function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
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
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { error: 'RequestTooLarge', description: 'Request body too large' });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body; anything else is Zendesk's 400 for unparseable JSON. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('Unprocessable Entity', 'Server could not parse JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('Unprocessable Entity', 'Server could not parse JSON');
  return parsed as Record<string, unknown>;
}

/** `2026-12-05T19:20:00Z`: Zendesk renders times in UTC to the second. */
export function zendeskTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
