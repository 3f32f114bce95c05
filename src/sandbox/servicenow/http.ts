import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EncodedQueryError } from './encoded-query.js';
import type { SandboxRecord, ServiceNowStore } from './store.js';

/** Request and response helpers shared by the sandbox's routes: ServiceNow-shaped errors, JSON bodies. */

/** An error answered in ServiceNow's envelope: `{"error":{"message","detail"},"status":"failure"}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: string | null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** A Table API path: `/api/now[/v1|/v2]/table/{table}[/{sys_id}]`. */
export const TABLE_PATH = /^\/api\/now\/(?:v[12]\/)?table\/([A-Za-z0-9_]+)(?:\/([^/]+))?\/?$/;

export function notFound(): HttpError {
  return new HttpError(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
}

export function methodNotSupported(method: string): HttpError {
  return new HttpError(405, 'Method not Supported', `${method} is not supported for this resource`);
}

export function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Records of `table` matching an encoded query; a malformed query is the caller's 400. */
export function queryRecords(store: ServiceNowStore, table: string, query: string): readonly Readonly<SandboxRecord>[] {
  try {
    return store.query(table, query);
  } catch (error) {
    if (error instanceof EncodedQueryError) throw new HttpError(400, 'Invalid query', error.message);
    throw error;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** ServiceNow's error envelope: `{"error":{"message","detail"},"status":"failure"}`. */
export function sendError(res: ServerResponse, status: number, message: string, detail: string | null): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { message, detail }, status: 'failure' });
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'Request body too large', null);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body; an array uses its first element (the Table API ignores the rest). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'Exception while reading request', error instanceof Error ? error.message : 'Invalid JSON');
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  if (typeof parsed !== 'object' || parsed === null) {
    throw new HttpError(400, 'Exception while reading request', 'The payload is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}
