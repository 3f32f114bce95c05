import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type FaultVendor, FaultInjector } from '../faults.js';
import { listen, sandboxHandle } from '../server-handle.js';
import { HttpError, TABLE_PATH, sendError } from './http.js';
import { authenticate, checkRateLimit } from './routes/auth.js';
import { handleControl } from './routes/control.js';
import { OAuthTokens, handleTokenRequest } from './routes/oauth.js';
import { handleTable } from './routes/table.js';
import type { Call, RequestLogEntry, SandboxUser, ServiceNowSandbox, ServiceNowSandboxOptions, ServiceNowSite } from './site.js';
import { ServiceNowStore } from './store.js';

export type { RequestLogEntry, SandboxDataPolicy, SandboxOAuthClient, SandboxUser, ServiceNowSandbox, ServiceNowSandboxOptions } from './site.js';

/**
 * Starts a simulated ServiceNow instance over real HTTP: the Table API, OAuth token endpoint,
 * Basic / Bearer auth, rate limiting, and a small `/__sandbox/` control API for tests and the demo.
 * Written from ServiceNow's documentation; see readme.md for what is and is not simulated.
 */
/**
 * The account `deskbridge sandbox` serves. Its password is not a word that appears in log lines:
 * logs redact every interpolated secret, and a password "deskbridge" would blank the name
 * everywhere.
 */
export const CLI_SANDBOX_ACCOUNT: SandboxUser = { userName: 'deskbridge', password: 'sandbox-pw' };

export async function startServiceNowSandbox(options: ServiceNowSandboxOptions = {}): Promise<ServiceNowSandbox> {
  const now = options.now ?? options.store?.now ?? (() => new Date());
  const store = options.store ?? new ServiceNowStore({ now });
  const users = options.users ?? [{ userName: 'deskbridge', password: 'deskbridge' }];
  for (const user of users) {
    if (!store.resolveReference('sys_user', user.userName)) {
      store.insert('sys_user', { user_name: user.userName, name: user.userName, active: 'true' }, 'system');
    }
  }
  const requestLog: RequestLogEntry[] = [];
  const faults = new FaultInjector(faultVendor(options, now), now, options.faults);
  const site: ServiceNowSite = {
    options,
    store,
    now,
    users,
    instanceName: options.instanceName ?? 'dev-sandbox',
    requestLog,
    tokens: new OAuthTokens(options.oauthClients ?? [], (options.tokenTtlSeconds ?? 1800) * 1000, now),
    rateWindow: { start: 0, count: 0 },
    faults,
    baseUrl: '',
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: RequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0, at: Date.now() };
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic) entry.basicUser = Buffer.from(basic, 'base64').toString('utf8').split(':')[0];
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
      handle(site, req, res).then(
        (user) => {
          if (user) entry.user = user;
        },
        (error: unknown) => {
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

  site.baseUrl = await listen(server, options.port, options.host);
  return {
    url: site.baseUrl,
    instanceName: site.instanceName,
    store,
    ...sandboxHandle(server, faults, requestLog),
  };
}

/** Routes a request to the control API, the token endpoint or (authenticated, rate-limited) the Table API; resolves with the user served. */
async function handle(site: ServiceNowSite, req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  const url = new URL(req.url ?? '/', site.baseUrl);
  const call: Call = { site, req, res, url, method: req.method ?? 'GET' };
  if (url.pathname.startsWith('/__sandbox/')) {
    await handleControl(call);
    return undefined;
  }
  if (url.pathname === '/oauth_token.do') {
    if (call.method !== 'POST') throw new HttpError(405, 'Method not Supported', 'Use POST');
    return handleTokenRequest(call);
  }
  if (url.pathname.startsWith('/api/')) {
    const user = authenticate(site, req);
    checkRateLimit(site, res);
    await handleTable({ ...call, user });
    return user;
  }
  throw new HttpError(404, 'Not Found', `No resource at ${url.pathname}`);
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
