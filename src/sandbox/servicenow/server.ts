import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type FaultConfig, FaultConfigError, type FaultCounts, FaultInjector, type FaultKind, type FaultLogEntry, type FaultVendor, type ResolvedFaultConfig, faultControl } from '../faults.js';
import { listen, sandboxHandle } from '../server-handle.js';
import { EncodedQueryError } from './encoded-query.js';
import { type DisplayMode, renderRecord } from './render.js';
import { ServiceNowStore, type SandboxRecord } from './store.js';

export interface SandboxUser {
  userName: string;
  password: string;
}

export interface SandboxOAuthClient {
  clientId: string;
  clientSecret: string;
}

/**
 * A data policy (sys_data_policy2) making `mandatory` required on `table` whenever `when` holds for
 * the record as the write would leave it: the Table API then refuses the write with 403 and
 * "Data Policy Exception", as an instance does for web-service writes.
 */
export interface SandboxDataPolicy {
  table: string;
  /** Field that must not be empty; its label in the message is the field name. */
  mandatory: string;
  /** The record as it would be after the write (stored values) and the fields the request sets. */
  when?: (record: Readonly<Record<string, string>>, changes: Readonly<Record<string, unknown>>) => boolean;
}

export interface ServiceNowSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Basic-auth accounts (also valid for the OAuth password grant). Default deskbridge/deskbridge. */
  users?: readonly SandboxUser[];
  /** OAuth clients for /oauth_token.do. None by default: every token request is refused. */
  oauthClients?: readonly SandboxOAuthClient[];
  /** Access-token lifetime; default 1800 s as on an instance. */
  tokenTtlSeconds?: number;
  /** More than `limit` Table API requests within a fixed window of `windowSeconds` → 429 + Retry-After. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Clock for records, tokens and rate-limit windows; default real time. */
  now?: () => Date;
  /** Shown in /__sandbox/health; default "dev-sandbox". */
  instanceName?: string;
  /**
   * A pre-seeded store to serve. Its own clock stamps records, so give it the same `now`.
   * Default: a fresh store on the sandbox clock.
   */
  store?: ServiceNowStore;
  /** Fault injection for reliability tests (see readme.md, "Fault injection"). Default: none. */
  faults?: FaultConfig | null;
  /** Data policies enforced on Table API writes (403 "Data Policy Exception"). Default: none. */
  dataPolicies?: readonly SandboxDataPolicy[];
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string, e.g. /api/now/table/incident */
  path: string;
  /** Raw query string including the leading `?`, or ''. */
  query: string;
  status: number;
  /** Authenticated user (user_name or OAuth client id), when there was one. */
  user?: string;
  /** The fault injected into this request, if any (status 0 when nothing was answered). */
  fault?: FaultKind;
}

export interface ServiceNowSandbox {
  /** http://host:port, no trailing slash. */
  url: string;
  instanceName: string;
  store: ServiceNowStore;
  /** Every request served, in order (Table API, OAuth and control API alike). */
  requestLog: RequestLogEntry[];
  resetRequestLog(): void;
  /** Every injected fault, in order (live array). */
  faultLog: FaultLogEntry[];
  /** Eligible requests and injected faults by kind and phase since the log was last cleared. */
  faultCounts(): FaultCounts;
  clearFaultLog(): void;
  /** Replaces the fault configuration (null turns faults off) and restarts its PRNG; throws FaultConfigError. */
  setFaults(config: FaultConfig | null): ResolvedFaultConfig | null;
  /** The active fault configuration with defaults (and the seed) filled in, or null. */
  getFaults(): ResolvedFaultConfig | null;
  close(): Promise<void>;
}

interface Token {
  user: string;
  clientId: string;
  expiresAt: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: string | null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const REFRESH_TOKEN_TTL_MS = 100 * 24 * 3600 * 1000; // instance default: 100 days
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const TABLE_PATH = /^\/api\/now\/(?:v[12]\/)?table\/([A-Za-z0-9_]+)(?:\/([^/]+))?\/?$/;

/**
 * Starts a simulated ServiceNow instance over real HTTP: the Table API, OAuth token endpoint,
 * Basic / Bearer auth, rate limiting, and a small `/__sandbox/` control API for tests and the demo.
 * Written from ServiceNow's documentation; see readme.md for what is and is not simulated.
 */
export async function startServiceNowSandbox(options: ServiceNowSandboxOptions = {}): Promise<ServiceNowSandbox> {
  const now = options.now ?? options.store?.now ?? (() => new Date());
  const store = options.store ?? new ServiceNowStore({ now });
  const users = options.users ?? [{ userName: 'deskbridge', password: 'deskbridge' }];
  const clients = options.oauthClients ?? [];
  const ttlMs = (options.tokenTtlSeconds ?? 1800) * 1000;
  const instanceName = options.instanceName ?? 'dev-sandbox';
  const requestLog: RequestLogEntry[] = [];
  const accessTokens = new Map<string, Token>();
  const refreshTokens = new Map<string, Token>();
  /** Latest access token per client+user: re-issued while valid, as the instance does. */
  const currentToken = new Map<string, string>();
  const window = { start: 0, count: 0 };
  const faults = new FaultInjector(faultVendor(options, now), now, options.faults);

  for (const user of users) {
    if (!store.resolveReference('sys_user', user.userName)) {
      store.insert('sys_user', { user_name: user.userName, name: user.userName, active: 'true' }, 'system');
    }
  }

  let baseUrl = '';

  function authenticate(req: IncomingMessage): string {
    const header = req.headers.authorization ?? '';
    const [scheme, credentials = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const userName = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      const user = users.find((u) => u.userName === userName);
      if (colon > 0 && user && safeEqual(user.password, password)) return user.userName;
    } else if (scheme?.toLowerCase() === 'bearer') {
      const token = accessTokens.get(credentials);
      if (token && token.expiresAt > now().getTime()) return token.user;
    }
    throw new HttpError(401, 'User Not Authenticated', 'Required to provide Auth information', {
      'WWW-Authenticate': 'Basic realm="Service-now"',
    });
  }

  function checkRateLimit(res: ServerResponse): void {
    const limit = options.rateLimit;
    if (!limit) return;
    const t = now().getTime();
    const windowMs = limit.windowSeconds * 1000;
    if (t >= window.start + windowMs) {
      window.start = t;
      window.count = 0;
    }
    const reset = String(Math.ceil((window.start + windowMs) / 1000));
    res.setHeader('X-RateLimit-Limit', String(limit.limit));
    res.setHeader('X-RateLimit-Reset', reset);
    if (window.count >= limit.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.start + windowMs - t) / 1000));
      throw new HttpError(429, 'Rate limit exceeded', `Rate limit of ${limit.limit} requests per ${limit.windowSeconds} seconds for Table API exceeded`, { 'Retry-After': String(retryAfter) });
    }
    window.count++;
  }

  function issueToken(user: string, clientId: string, withRefresh: boolean, refreshToken?: string): Record<string, unknown> {
    const t = now().getTime();
    const key = `${clientId}\u0000${user}`;
    let access = currentToken.get(key);
    let token = access ? accessTokens.get(access) : undefined;
    if (!access || !token || token.expiresAt <= t) {
      access = randomBytes(48).toString('base64url');
      token = { user, clientId, expiresAt: t + ttlMs };
      accessTokens.set(access, token);
      currentToken.set(key, access);
    }
    const body: Record<string, unknown> = {
      access_token: access,
      scope: 'useraccount',
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.floor((token.expiresAt - t) / 1000)),
    };
    if (withRefresh) {
      const refresh = refreshToken ?? randomBytes(48).toString('base64url');
      if (!refreshToken) refreshTokens.set(refresh, { user, clientId, expiresAt: t + REFRESH_TOKEN_TTL_MS });
      body['refresh_token'] = refresh;
    }
    return body;
  }

  async function handleOAuth(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const form = new URLSearchParams(await readBody(req));
    const client = clients.find((c) => c.clientId === form.get('client_id'));
    const denied = (): never => {
      // The instance answers every refused token request this way (status 401).
      sendJson(res, 401, { error_description: 'access_denied', error: 'server_error' });
      throw new Handled();
    };
    if (!client || !safeEqual(client.clientSecret, form.get('client_secret') ?? '')) return denied();
    const grant = form.get('grant_type');
    if (grant === 'password') {
      const user = users.find((u) => u.userName === form.get('username'));
      if (!user || !safeEqual(user.password, form.get('password') ?? '')) return denied();
      sendJson(res, 200, issueToken(user.userName, client.clientId, true));
      return user.userName;
    }
    if (grant === 'client_credentials') {
      sendJson(res, 200, issueToken(client.clientId, client.clientId, false));
      return client.clientId;
    }
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token') ?? '';
      const stored = refreshTokens.get(refresh);
      if (!stored || stored.clientId !== client.clientId || stored.expiresAt <= now().getTime()) return denied();
      sendJson(res, 200, issueToken(stored.user, client.clientId, true, refresh));
      return stored.user;
    }
    return denied();
  }

  /** Checks the record as the write would leave it (body values taken as given) against every data policy of the table. */
  function enforceDataPolicies(table: string, existing: Readonly<SandboxRecord>, body: Readonly<Record<string, unknown>>): void {
    const after: Record<string, string> = { ...existing };
    for (const [field, value] of Object.entries(body)) after[field] = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
    const missing = (options.dataPolicies ?? [])
      .filter((policy) => policy.table === table && (policy.when?.(after, body) ?? true) && (after[policy.mandatory] ?? '') === '')
      .map((policy) => policy.mandatory);
    if (missing.length > 0) {
      throw new HttpError(403, 'Operation Failed', `Data Policy Exception: \n\tThe following fields are mandatory: ${missing.join(', ')}\n`);
    }
  }

  function renderOptions(params: URLSearchParams): Parameters<typeof renderRecord>[3] {
    const display = (params.get('sysparm_display_value') ?? 'false').toLowerCase();
    const fieldsParam = params.get('sysparm_fields');
    return {
      displayValue: (display === 'true' || display === 'all' ? display : 'false') satisfies DisplayMode,
      excludeReferenceLink: params.get('sysparm_exclude_reference_link') === 'true',
      fields: fieldsParam
        ? fieldsParam
            .split(',')
            .map((f) => f.trim())
            .filter(Boolean)
        : undefined,
      baseUrl,
    };
  }

  function listRecords(table: string, url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    const limit = parseNonNegative(params.get('sysparm_limit'), 10000, 'limit');
    const offset = parseNonNegative(params.get('sysparm_offset'), 0, 'offset');
    if (limit === 0) throw new HttpError(400, 'limit is 0', 'sysparm_limit must be a positive number');
    let matches: readonly Readonly<SandboxRecord>[];
    try {
      matches = store.query(table, params.get('sysparm_query') ?? '');
    } catch (error) {
      if (error instanceof EncodedQueryError) throw new HttpError(400, 'Invalid query', error.message);
      throw error;
    }
    const page = matches.slice(offset, offset + limit);
    const render = renderOptions(params);
    const total = matches.length;
    if (params.get('sysparm_no_count') !== 'true') res.setHeader('X-Total-Count', String(total));
    if (params.get('sysparm_suppress_pagination_header') !== 'true') {
      res.setHeader('Link', linkHeader(`${baseUrl}${url.pathname}`, params, offset, limit, total));
    }
    sendJson(res, 200, { result: page.map((record) => renderRecord(store, table, record, render)) });
  }

  async function handleTable(req: IncomingMessage, res: ServerResponse, url: URL, user: string): Promise<void> {
    const match = TABLE_PATH.exec(url.pathname);
    if (!match) throw new HttpError(400, 'Requested URI does not represent any resource', null);
    const table = match[1] ?? '';
    const sysId = match[2];
    const method = req.method ?? 'GET';
    const params = url.searchParams;
    const writeOptions = { inputDisplayValue: params.get('sysparm_input_display_value') === 'true' };
    if (method === 'GET' && !sysId) return listRecords(table, url, res);
    if (method === 'POST' && !sysId) {
      const body = await readJsonObject(req);
      enforceDataPolicies(table, {}, body);
      const record = store.insert(table, body, user, writeOptions);
      res.setHeader('Location', `${baseUrl}/api/now/table/${table}/${record['sys_id']}`);
      return sendJson(res, 201, { result: renderRecord(store, table, record, renderOptions(params)) });
    }
    if (!sysId) throw new HttpError(405, 'Method not Supported', `${method} is not supported for this resource`);
    if (method === 'GET') {
      const record = store.get(table, sysId);
      if (!record) throw notFound();
      return sendJson(res, 200, { result: renderRecord(store, table, record, renderOptions(params)) });
    }
    if (method === 'PATCH' || method === 'PUT') {
      const existing = store.get(table, sysId);
      if (!existing) throw notFound();
      const body = await readJsonObject(req);
      enforceDataPolicies(table, existing, body);
      const record = store.update(table, sysId, body, user, writeOptions);
      if (!record) throw notFound();
      return sendJson(res, 200, { result: renderRecord(store, table, record, renderOptions(params)) });
    }
    if (method === 'DELETE') {
      if (!store.delete(table, sysId)) throw notFound();
      res.writeHead(204);
      res.end();
      return;
    }
    throw new HttpError(405, 'Method not Supported', `${method} is not supported for this resource`);
  }

  /** Test/demo control API: no auth, raw stored values, clearly not part of ServiceNow. */
  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/__sandbox'.length);
    const params = url.searchParams;
    if (method === 'GET' && path === '/health') {
      return sendJson(res, 200, { status: 'ok', instanceName, tables: store.tableNames().length });
    }
    if (method === 'GET' && path === '/tables') {
      return sendJson(res, 200, { result: store.tableNames().map((name) => ({ name, count: store.count(name) })) });
    }
    if (method === 'GET' && path === '/state') {
      const table = params.get('table') ?? 'incident';
      let rows: readonly Readonly<SandboxRecord>[];
      try {
        rows = store.query(table, params.get('query') ?? '');
      } catch (error) {
        if (error instanceof EncodedQueryError) throw new HttpError(400, 'Invalid query', error.message);
        throw error;
      }
      return sendJson(res, 200, { table, count: rows.length, result: rows });
    }
    const fault = await faultControl(faults, method, path, () => readJsonObject(req)).catch((error: unknown) => {
      if (error instanceof FaultConfigError) throw new HttpError(400, 'Invalid fault configuration', error.message);
      throw error;
    });
    if (fault) return sendJson(res, fault.status, fault.body);
    const journal = /^\/journal\/([0-9a-f]{32})$/.exec(path);
    if (method === 'GET' && journal) return sendJson(res, 200, { result: store.journal(journal[1] ?? '') });
    if (method === 'GET' && path === '/requests') return sendJson(res, 200, { result: requestLog });
    if (method === 'DELETE' && path === '/requests') {
      requestLog.length = 0;
      return sendJson(res, 200, { result: 'cleared' });
    }
    const records = /^\/records\/([A-Za-z0-9_]+)(?:\/([0-9a-f]{32}))?$/.exec(path);
    if (records && (method === 'POST' || method === 'PATCH')) {
      const table = records[1] ?? '';
      const writeOptions = { inputDisplayValue: params.get('input_display_value') === 'true' };
      const user = params.get('user') ?? 'admin';
      const body = await readJsonObject(req);
      const record = method === 'POST' ? store.insert(table, body, user, writeOptions) : store.update(table, records[2] ?? '', body, user, writeOptions);
      if (!record) throw notFound();
      return sendJson(res, method === 'POST' ? 201 : 200, { result: record });
    }
    if (method === 'POST' && path === '/oauth/expire') {
      const t = now().getTime();
      for (const token of accessTokens.values()) token.expiresAt = Math.min(token.expiresAt, t);
      return sendJson(res, 200, { result: 'expired' });
    }
    if (method === 'POST' && path === '/rate-limit/reset') {
      window.start = 0;
      window.count = 0;
      return sendJson(res, 200, { result: 'reset' });
    }
    throw new HttpError(404, 'Unknown sandbox control endpoint', `${method} ${url.pathname}`);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const url = new URL(req.url ?? '/', baseUrl);
    if (url.pathname.startsWith('/__sandbox/')) {
      await handleControl(req, res, url);
      return undefined;
    }
    if (url.pathname === '/oauth_token.do') {
      if (req.method !== 'POST') throw new HttpError(405, 'Method not Supported', 'Use POST');
      return handleOAuth(req, res);
    }
    if (url.pathname.startsWith('/api/')) {
      const user = authenticate(req);
      checkRateLimit(res);
      await handleTable(req, res, url, user);
      return user;
    }
    throw new HttpError(404, 'Not Found', `No resource at ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0 };
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      // 'close' without 'finish': a reset or an unanswered timeout.
      entry.status = res.writableFinished ? res.statusCode : 0;
      requestLog.push(entry);
    };
    res.on('finish', log);
    res.on('close', log);
    const serve = (): void => {
      handle(req, res).then(
        (user) => {
          if (user) entry.user = user;
        },
        (error: unknown) => {
          if (error instanceof Handled) return;
          if (error instanceof HttpError) {
            for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
            return sendError(res, error.status, error.message, error.detail);
          }
          return sendError(res, 500, 'Internal sandbox error', error instanceof Error ? error.message : String(error));
        },
      );
    };
    const method = req.method ?? 'GET';
    // Only the instance's APIs fault; the control API never does, OAuth only with includeAuth.
    const oauth = url.pathname === '/oauth_token.do';
    const table = TABLE_PATH.exec(url.pathname);
    const decision =
      url.pathname.startsWith('/api/') || oauth
        ? faults.decide({
            method,
            path: url.pathname,
            read: method === 'GET' || method === 'HEAD',
            list: method === 'GET' && table !== null && table[2] === undefined,
            auth: oauth,
          })
        : null;
    if (!decision) return serve();
    void faults.inject(decision, req, res, serve, (kind) => {
      entry.fault = kind;
    });
  });

  baseUrl = await listen(server, options.port, options.host);
  return {
    url: baseUrl,
    instanceName,
    store,
    ...sandboxHandle(server, faults, requestLog),
  };
}

/** ServiceNow's error envelope, rate-limit headers and record shape for injected faults. */
function faultVendor(options: ServiceNowSandboxOptions, now: () => Date): FaultVendor {
  const messages: Record<number, [string, string]> = {
    429: ['Rate limit exceeded', 'Rate limit for Table API exceeded'],
    500: ['Internal Server Error', 'The server encountered an unexpected condition that prevented it from fulfilling the request'],
    502: ['Bad Gateway', 'The instance did not answer the load balancer'],
    503: ['Service Unavailable', 'The instance is temporarily unavailable'],
    504: ['Gateway Timeout', 'The transaction was cancelled: maximum execution time exceeded'],
  };
  return {
    maintenanceTitle: 'ServiceNow instance',
    errorBody(status) {
      const [message, detail] = messages[status] ?? ['Internal Server Error', null];
      return { error: { message, detail }, status: 'failure' };
    },
    rateLimitHeaders(retryAfterSeconds) {
      return {
        'X-RateLimit-Limit': String(options.rateLimit?.limit ?? 1000),
        'X-RateLimit-Reset': String(Math.ceil(now().getTime() / 1000) + retryAfterSeconds),
      };
    },
    breakRecord(body, pick) {
      const result = (body as { result?: unknown } | null)?.result;
      if (!Array.isArray(result) || result.length === 0) return null;
      const index = Math.min(result.length - 1, Math.floor(pick[0] * result.length));
      const record = result[index] as Record<string, unknown>;
      // Each record must carry sys_id and sys_updated_on; drop one (the other if it was not selected).
      const order = pick[1] < 0.5 ? ['sys_id', 'sys_updated_on'] : ['sys_updated_on', 'sys_id'];
      const field = order.find((f) => f in record);
      if (field === undefined) {
        record['sys_id'] = null;
        return `result[${index}]: sys_id set to null`;
      }
      delete record[field];
      return `result[${index}]: ${field} removed`;
    },
  };
}

/** Marks a response already sent by the handler that threw it. */
class Handled extends Error {}

function notFound(): HttpError {
  return new HttpError(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
}

function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseNonNegative(raw: string | null, fallback: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new HttpError(400, `${name} is ${raw}`, `sysparm_${name} must be an integer`);
  if (value < 0) throw new HttpError(400, `${name} is ${raw}`, `Negative ${name} is not supported`);
  return value;
}

/**
 * The Link header as the instance sends it: `<url>;rel="first",<url>;rel="prev",…` with every
 * original parameter kept and sysparm_offset / sysparm_limit rewritten. `prev` only after the
 * first page and `next` only while records remain.
 */
function linkHeader(base: string, params: URLSearchParams, offset: number, limit: number, total: number): string {
  const at = (pageOffset: number): string => {
    const copy = new URLSearchParams(params);
    copy.set('sysparm_limit', String(limit));
    copy.set('sysparm_offset', String(pageOffset));
    return `<${base}?${copy.toString()}>`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  const links = [`${at(0)};rel="first"`];
  if (offset > 0) links.push(`${at(Math.max(0, offset - limit))};rel="prev"`);
  if (offset + limit < total) links.push(`${at(offset + limit)};rel="next"`);
  links.push(`${at(lastOffset)};rel="last"`);
  return links.join(',');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** ServiceNow's error envelope: `{"error":{"message","detail"},"status":"failure"}`. */
function sendError(res: ServerResponse, status: number, message: string, detail: string | null): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { message, detail }, status: 'failure' });
}

async function readBody(req: IncomingMessage): Promise<string> {
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
async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
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
