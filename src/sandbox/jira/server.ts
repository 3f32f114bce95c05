import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type FaultVendor, FaultInjector } from '../faults.js';
import { listen, sandboxHandle } from '../server-handle.js';
import { HANDSHAKE_PATH, HttpError, SEARCH_PATH, notFoundRoute, sendJson } from './http.js';
import { createAuth } from './routes/auth.js';
import { createControlApi } from './routes/control.js';
import { createPlatformApi } from './routes/platform-api.js';
import { createRequestBody } from './routes/request-body.js';
import { createSearch } from './routes/search.js';
import { createServiceDeskApi } from './routes/service-desk.js';
import type { JiraRequestLogEntry, JiraSandbox, JiraSandboxOptions, JiraSite, RequestState } from './site.js';
import { JiraStore } from './store.js';

export type { JiraRequestLogEntry, JiraSandbox, JiraSandboxOptions, JiraSandboxToken } from './site.js';

/**
 * Starts a simulated Jira site (Cloud or Data Center) over real HTTP: the platform REST API
 * subset an ITSM connector uses, Jira Service Management comments, Basic / Bearer auth, rate
 * limiting, a lagging search index, and a small `/__sandbox/` control API. Written from
 * Atlassian's documentation; see readme.md for what is and is not simulated.
 */
export async function startJiraSandbox(options: JiraSandboxOptions): Promise<JiraSandbox> {
  const flavour = options.flavour;
  const now = options.now ?? options.store?.now ?? (() => new Date());
  const store = options.store ?? new JiraStore({ flavour, now });
  if (store.flavour !== flavour) throw new Error(`Store flavour ${store.flavour} does not match sandbox flavour ${flavour}`);
  for (const user of options.users ?? []) store.upsertUser(user);
  const requestLog: JiraRequestLogEntry[] = [];
  const faults = new FaultInjector(faultVendor(options, now), now, options.faults);
  const site: JiraSite = {
    flavour,
    options,
    store,
    now,
    lagMs: options.searchLagMs ?? 0,
    requestLog,
    rateWindow: { start: 0, count: 0 },
    faults,
    lastCutoff: 0,
    baseUrl: '',
  };
  const { authenticate, checkRateLimit, renderContext } = createAuth(site);
  const requestBody = createRequestBody(site);
  const search = createSearch(site);
  const { handleRestApi } = createPlatformApi(site, requestBody, search);
  const { handleServiceDesk } = createServiceDeskApi(site, search);
  const { handleControl } = createControlApi(site, requestBody);

  async function handle(req: IncomingMessage, res: ServerResponse, entry: JiraRequestLogEntry): Promise<void> {
    const url = new URL(req.url ?? '/', site.baseUrl);
    if (url.pathname.startsWith('/__sandbox/')) return handleControl(req, res, url, entry);
    const restMatch = /^\/rest\/api\/(2|3|latest)(\/.*)?$/.exec(url.pathname);
    const serviceDesk = url.pathname.startsWith('/rest/servicedeskapi/');
    if (!restMatch && !serviceDesk) throw notFoundRoute(url);
    const user = authenticate(req);
    entry.user = store.userRef(user);
    res.setHeader(flavour === 'cloud' ? 'X-AACCOUNTID' : 'X-AUSERNAME', store.userRef(user));
    checkRateLimit(res);
    const version = restMatch?.[1] === '3' ? '3' : '2';
    // Data Center has no REST v3.
    if (version === '3' && flavour === 'datacenter') throw notFoundRoute(url);
    const state: RequestState = { user, apiVersion: version, render: renderContext(user, version) };
    if (serviceDesk) return handleServiceDesk(req, res, url, state, entry);
    return handleRestApi(req, res, url, state, restMatch?.[2] ?? '/', entry);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: JiraRequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0 };
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
        return sendJson(res, 500, { errorMessages: [`Internal sandbox error: ${error instanceof Error ? error.message : String(error)}`], errors: {} });
      });
    };
    const method = req.method ?? 'GET';
    // Only the REST APIs fault; the control API never does, the auth handshake only with includeAuth.
    const search = SEARCH_PATH.test(url.pathname);
    const decision = url.pathname.startsWith('/rest/')
      ? faults.decide({
          method,
          path: url.pathname,
          read: method === 'GET' || method === 'HEAD' || search,
          list: search,
          auth: HANDSHAKE_PATH.test(url.pathname),
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
    flavour,
    store,
    ...sandboxHandle(server, faults, requestLog),
  };
}

/** Jira's error body, rate-limit headers and issue shape for injected faults. */
function faultVendor(options: JiraSandboxOptions, now: () => Date): FaultVendor {
  const messages: Record<number, string> = {
    429: 'Rate limit exceeded.',
    500: 'Internal server error',
    502: 'Bad gateway',
    503: 'Service unavailable',
    504: 'Gateway timeout',
  };
  return {
    maintenanceTitle: options.flavour === 'cloud' ? 'Jira' : 'Jira Data Center',
    errorBody(status) {
      return { errorMessages: [messages[status] ?? 'Internal server error'], errors: {} };
    },
    rateLimitHeaders(retryAfterSeconds) {
      const limit = options.rateLimit;
      const headers: Record<string, string> = { 'X-RateLimit-Limit': String(limit?.limit ?? 100), 'X-RateLimit-Remaining': '0' };
      if (options.flavour === 'cloud') {
        headers['X-RateLimit-Reset'] = new Date(now().getTime() + retryAfterSeconds * 1000).toISOString().slice(0, 16) + 'Z';
        headers['RateLimit-Reason'] = 'jira-burst-based';
      } else {
        headers['X-RateLimit-Interval-Seconds'] = String(limit?.windowSeconds ?? 60);
        headers['X-RateLimit-FillRate'] = String(limit?.limit ?? 100);
      }
      return headers;
    },
    breakRecord(body, pick) {
      const issues = (body as { issues?: unknown } | null)?.issues;
      if (!Array.isArray(issues) || issues.length === 0) return null;
      const index = Math.min(issues.length - 1, Math.floor(pick[0] * issues.length));
      const issue = issues[index] as Record<string, unknown>;
      const fields = issue['fields'];
      // A bad `updated` only where the response has one (a key-only search has no fields).
      if (pick[1] >= 0.5 && typeof fields === 'object' && fields !== null && 'updated' in fields) {
        (fields as Record<string, unknown>)['updated'] = 'not a date';
        return `issues[${index}]: fields.updated set to "not a date"`;
      }
      delete issue['id'];
      return `issues[${index}]: id removed`;
    },
  };
}
