import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type FaultVendor, FaultInjector } from '../faults.js';
import { type Route, findRoute } from '../route-table.js';
import { listen, sandboxHandle } from '../server-handle.js';
import { HttpError, sendJson } from './http.js';
import { renderUser } from './render.js';
import { DEFAULT_ACCOUNT_LIMIT, authenticate, checkAccountLimit, identify } from './routes/auth.js';
import { handleControl } from './routes/control.js';
import { exportRoutes } from './routes/export.js';
import { anonymousUser, peopleRoutes } from './routes/people.js';
import { ticketRoutes } from './routes/tickets.js';
import type { Call, ZendeskRequestLogEntry, ZendeskSandbox, ZendeskSandboxOptions, ZendeskSite } from './site.js';
import { ZendeskStore, type ZendeskUserInput } from './store.js';

export type { RateLimit, ZendeskOAuthToken, ZendeskRequestLogEntry, ZendeskSandbox, ZendeskSandboxOptions } from './site.js';

/** The account `deskbridge sandbox --platform zendesk` serves: an admin with an API token. */
export const CLI_SANDBOX_ACCOUNT: Required<Pick<ZendeskUserInput, 'name' | 'email' | 'role' | 'apiToken'>> = {
  name: 'deskbridge',
  email: 'deskbridge@sandbox.example',
  role: 'admin',
  apiToken: 'sandbox-api-token',
};

const ROUTES: readonly Route<Call>[] = [...peopleRoutes, ...exportRoutes, ...ticketRoutes];
const ME = /^\/api\/v2\/users\/me(?:\.json)?$/;
const EXPORT = /^\/api\/v2\/incremental\//;
/** Single-record paths; the other GETs answer lists that `bad-record` can break. */
const SINGLE = /\/(\d+|me|show_many)(?:\.json)?$/;

function invalidEndpoint(): HttpError {
  return new HttpError(404, { error: 'InvalidEndpoint', description: 'Not found' });
}

/**
 * Starts a simulated Zendesk Support account over real HTTP: the Ticketing API subset a connector
 * uses (users/me, cursor incremental export, tickets, comments, audits, merge, groups, users,
 * memberships, ticket fields), API-token and OAuth auth, rate limits, and a `/__sandbox/` control
 * API. Written from Zendesk's documentation; see readme.md for what is and is not simulated.
 */
export async function startZendeskSandbox(options: ZendeskSandboxOptions = {}): Promise<ZendeskSandbox> {
  const now = options.now ?? options.store?.now ?? (() => new Date());
  const store = options.store ?? new ZendeskStore({ now });
  // Without explicit users the CLI account is there, so a seeded store can be called at once.
  for (const user of options.users ?? [CLI_SANDBOX_ACCOUNT]) {
    const existing = store.userByEmail(user.email);
    if (existing) {
      if (user.apiToken !== undefined) existing.apiToken = user.apiToken;
      if (user.role !== undefined) existing.role = user.role;
    } else store.addUser(user);
  }
  const requestLog: ZendeskRequestLogEntry[] = [];
  const faults = new FaultInjector(faultVendor(options), now, options.faults);
  const site: ZendeskSite = { options, store, now, subdomain: options.subdomain ?? 'deskbridge', requestLog, faults, windows: new Map(), baseUrl: '' };

  async function handle(req: IncomingMessage, res: ServerResponse, entry: ZendeskRequestLogEntry): Promise<void> {
    const url = new URL(req.url ?? '/', site.baseUrl);
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/__sandbox/')) return handleControl(site, req, res, url, entry);
    if (!url.pathname.startsWith('/api/v2/')) throw invalidEndpoint();
    if (method === 'GET' && ME.test(url.pathname)) {
      // Zendesk answers users/me without (or with unrecognised) credentials with the anonymous
      // user rather than 401 — a client must check `id` (documented under Show Self).
      const user = identify(site, req);
      checkAccountLimit(site, res);
      if (user) entry.user = user.email;
      return sendJson(res, 200, { user: user ? renderUser(site.baseUrl, user) : anonymousUser() });
    }
    const user = authenticate(site, req);
    entry.user = user.email;
    checkAccountLimit(site, res);
    const route = findRoute(ROUTES, method, url.pathname);
    if (!route) throw invalidEndpoint();
    await route({ site, req, res, url, method, user, entry });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const entry: ZendeskRequestLogEntry = { method, path: url.pathname, query: url.search, status: 0 };
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
      handle(req, res, entry).catch((error: unknown) => {
        if (error instanceof HttpError) {
          for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
          return sendJson(res, error.status, error.body);
        }
        return sendJson(res, 500, { error: 'InternalError', description: `Internal sandbox error: ${error instanceof Error ? error.message : String(error)}` });
      });
    };
    // Only the API faults; the control API never does, users/me only with includeAuth.
    const decision = url.pathname.startsWith('/api/')
      ? faults.decide({ method, path: url.pathname, read: method === 'GET', list: method === 'GET' && (EXPORT.test(url.pathname) || !SINGLE.test(url.pathname)), auth: ME.test(url.pathname) })
      : null;
    if (!decision) return serve();
    void faults.inject(decision, req, res, serve, (kind) => {
      entry.fault = kind;
    });
  });

  site.baseUrl = await listen(server, options.port, options.host);
  return {
    url: site.baseUrl,
    baseUrl: site.baseUrl,
    subdomain: site.subdomain,
    store,
    ...sandboxHandle(server, faults, requestLog),
    resetRateLimits: () => site.windows.clear(),
  };
}

const LIST_KEYS = ['tickets', 'users', 'groups', 'group_memberships', 'ticket_fields', 'comments', 'audits'];

/** Zendesk's error body, rate-limit headers and record shape for injected faults. */
function faultVendor(options: ZendeskSandboxOptions): FaultVendor {
  const errors: Record<number, { error: string; description: string }> = {
    429: { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' },
    500: { error: 'InternalServerError', description: 'Something went wrong on our end' },
    502: { error: 'BadGateway', description: 'Bad gateway' },
    503: { error: 'ServiceUnavailable', description: 'Zendesk is temporarily unavailable' },
    504: { error: 'GatewayTimeout', description: 'Gateway timeout' },
  };
  return {
    maintenanceTitle: 'Zendesk',
    errorBody(status) {
      return errors[status] ?? errors[500];
    },
    rateLimitHeaders(retryAfterSeconds) {
      const limit = String((options.rateLimit ?? DEFAULT_ACCOUNT_LIMIT).limit);
      return { 'X-Rate-Limit': limit, 'X-Rate-Limit-Remaining': '0', 'ratelimit-limit': limit, 'ratelimit-remaining': '0', 'ratelimit-reset': String(retryAfterSeconds) };
    },
    breakRecord(body, pick) {
      if (typeof body !== 'object' || body === null) return null;
      const key = LIST_KEYS.find((k) => Array.isArray((body as Record<string, unknown>)[k]));
      const list = key === undefined ? undefined : ((body as Record<string, unknown>)[key] as Record<string, unknown>[]);
      if (!key || !list || list.length === 0) return null;
      const index = Math.min(list.length - 1, Math.floor(pick[0] * list.length));
      const record = list[index];
      if (!record) return null;
      if (pick[1] >= 0.5 && 'updated_at' in record) {
        record['updated_at'] = 'not a date';
        return `${key}[${index}]: updated_at set to "not a date"`;
      }
      delete record['id'];
      return `${key}[${index}]: id removed`;
    },
  };
}
