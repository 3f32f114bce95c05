import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type FaultVendor, FaultInjector } from '../faults.js';
import { type Route, findRoute } from '../route-table.js';
import { listen, sandboxHandle } from '../server-handle.js';
import { HttpError, invalidCredentials, methodNotAllowed, notFound, sendJson } from './http.js';
import { type LimitedOperation, RateLimiter, resolveRateLimit } from './rate-limit.js';
import { handleControl } from './routes/control.js';
import { createNote, listConversations } from './routes/conversations.js';
import { listAgents, listGroups, listRequesters, listTicketFormFields, listWorkspaces, showAgent, showGroup, showRequester, showWorkspace } from './routes/directory.js';
import { createProblem, listProblems, showProblem, updateProblem } from './routes/problems.js';
import { filterTickets } from './routes/filter.js';
import { createTicket } from './routes/ticket-create.js';
import { listTickets, showTicket, updateTicket } from './routes/tickets.js';
import type { Call, FreshserviceRequestLogEntry, FreshserviceSandbox, FreshserviceSandboxOptions, FreshserviceSite } from './site.js';
import { FreshserviceStore } from './store.js';

export type { FreshserviceRequestLogEntry, FreshserviceSandbox, FreshserviceSandboxOptions } from './site.js';

/**
 * The API key `deskbridge sandbox` serves Freshservice with (the Basic user name; any password,
 * e.g. "X"). It belongs to the integration agent seedFixtures creates.
 */
export const CLI_SANDBOX_API_KEY = 'fs-sandbox-api-key';
export const CLI_SANDBOX_ACCOUNT = { apiKey: CLI_SANDBOX_API_KEY, password: 'X' } as const;

/** A route plus what it costs: its sub-limited operation and credits per embed (1 on a show, 2 on a list). */
interface ApiRoute extends Route<Call> {
  operation?: LimitedOperation;
  embedCost?: number;
  /** A list `bad-record` faults can break. */
  list?: boolean;
}

const id = '(\\d+|[^/]+)';
const ROUTES: readonly ApiRoute[] = [
  { method: 'GET', path: '/api/v2/tickets', handle: listTickets, operation: 'list_tickets', embedCost: 2, list: true },
  { method: 'POST', path: '/api/v2/tickets', handle: createTicket, operation: 'create_ticket' },
  { method: 'GET', path: '/api/v2/tickets/filter', handle: filterTickets, list: true },
  { method: 'GET', path: new RegExp(`^/api/v2/tickets/${id}$`), handle: (c, [i = '']) => showTicket(c, i), operation: 'view_ticket', embedCost: 1 },
  { method: 'PUT', path: new RegExp(`^/api/v2/tickets/${id}$`), handle: (c, [i = '']) => updateTicket(c, i), operation: 'update_ticket' },
  { method: 'POST', path: new RegExp(`^/api/v2/tickets/${id}/notes$`), handle: (c, [i = '']) => createNote(c, i) },
  { method: 'GET', path: new RegExp(`^/api/v2/tickets/${id}/conversations$`), handle: (c, [i = '']) => listConversations(c, i) },
  { method: 'GET', path: '/api/v2/problems', handle: listProblems, list: true },
  { method: 'POST', path: '/api/v2/problems', handle: createProblem },
  { method: 'GET', path: new RegExp(`^/api/v2/problems/${id}$`), handle: (c, [i = '']) => showProblem(c, i) },
  { method: 'PUT', path: new RegExp(`^/api/v2/problems/${id}$`), handle: (c, [i = '']) => updateProblem(c, i) },
  { method: 'GET', path: '/api/v2/agents', handle: listAgents, operation: 'list_agents' },
  { method: 'GET', path: new RegExp(`^/api/v2/agents/${id}$`), handle: (c, [i = '']) => showAgent(c, i) },
  { method: 'GET', path: '/api/v2/requesters', handle: listRequesters, operation: 'list_requesters' },
  { method: 'GET', path: new RegExp(`^/api/v2/requesters/${id}$`), handle: (c, [i = '']) => showRequester(c, i) },
  { method: 'GET', path: '/api/v2/groups', handle: listGroups },
  { method: 'GET', path: new RegExp(`^/api/v2/groups/${id}$`), handle: (c, [i = '']) => showGroup(c, i) },
  { method: 'GET', path: '/api/v2/workspaces', handle: listWorkspaces },
  { method: 'GET', path: new RegExp(`^/api/v2/workspaces/${id}$`), handle: (c, [i = '']) => showWorkspace(c, i) },
  { method: 'GET', path: '/api/v2/ticket_form_fields', handle: listTicketFormFields },
];

/** The route answering `path` with any method, for 405 versus 404. */
function routeFor(method: string, path: string): { route: ApiRoute; groups: string[] } | { allowed: string[] } | null {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const match = typeof route.path === 'string' ? (route.path === path ? [] : null) : route.path.exec(path)?.slice(1);
    if (!match) continue;
    if (route.method === method) return { route, groups: match };
    allowed.push(String(route.method));
  }
  return allowed.length > 0 ? { allowed } : null;
}

/** The agent whose API key is the Basic user name; 401 otherwise (username/password is not supported). */
function authenticate(store: FreshserviceStore, req: IncomingMessage) {
  const header = req.headers.authorization ?? '';
  const [scheme, credentials = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic') throw invalidCredentials();
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon < 0 ? decoded : decoded.slice(0, colon);
  const agent = key === '' ? undefined : store.agentByApiKey(key);
  if (!agent || !agent.active) throw invalidCredentials();
  return agent;
}

/** Credits of an embed request: one per item in `include`. */
function embedCount(url: URL): number {
  const include = url.searchParams.get('include');
  return include === null ? 0 : include.split(',').filter((s) => s.trim() !== '').length;
}

/**
 * Starts a simulated Freshservice account over real HTTP: API v2 tickets, notes, problems,
 * agents, requesters, groups, workspaces and ticket form fields, API-key auth, per-minute rate
 * limits with sub-limits and embed credits, fault injection and a `/__sandbox/` control API.
 * Written from Freshworks' documentation; see readme.md for what is and is not simulated.
 */
export async function startFreshserviceSandbox(options: FreshserviceSandboxOptions = {}): Promise<FreshserviceSandbox> {
  const now = options.now ?? options.store?.now ?? (() => new Date());
  const store = options.store ?? new FreshserviceStore({ now });
  for (const [apiKey, email] of Object.entries(options.apiKeys ?? {})) giveApiKey(store, apiKey, email);
  const limiter = new RateLimiter(resolveRateLimit(options.rateLimit === undefined ? 'pro' : options.rateLimit), now);
  const requestLog: FreshserviceRequestLogEntry[] = [];
  const faults = new FaultInjector(faultVendor(limiter), now, options.faults);
  const site: FreshserviceSite = { store, now, limiter, faults, requestLog, baseUrl: '' };

  async function handle(req: IncomingMessage, res: ServerResponse, entry: FreshserviceRequestLogEntry): Promise<void> {
    const url = new URL(req.url ?? '/', site.baseUrl);
    if (url.pathname.startsWith('/__sandbox/')) return handleControl(site, req, res, url);
    if (!url.pathname.startsWith('/api/')) throw notFound();
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const found = routeFor(method, path);
    const route = found && 'route' in found ? found.route : undefined;
    // Every call counts, failed ones too; embeds cost extra credits.
    const credits = 1 + (route?.embedCost ?? 0) * embedCount(url);
    entry.credits = credits;
    res.setHeader('X-Freshservice-Api-Version', 'latest=v2; requested=v2');
    const headers = limiter.charge(route?.operation ?? null, credits);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const agent = authenticate(store, req);
    entry.agentId = agent.id;
    if (!found) throw notFound();
    if (!route) throw methodNotAllowed('allowed' in found ? found.allowed : []);
    const call: Call = { site, req, res, url, method, entry, agent, headers: {} };
    const handler = findRoute([route], method, path);
    if (!handler) throw notFound();
    await handler(call);
  }

  const server: Server = createServer((req, res) => {
    // The server's own clock, the one that stamps `updated_at`: Freshservice's `Date` and its
    // records' times come from one clock, which a client's "changed since" cut relies on.
    res.setHeader('Date', now().toUTCString());
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: FreshserviceRequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0 };
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
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
        return sendJson(res, 500, { code: 'internal_error', message: `Internal sandbox error: ${error instanceof Error ? error.message : String(error)}` });
      });
    };
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    const found = url.pathname.startsWith('/api/') ? routeFor(method, path) : null;
    const decision = url.pathname.startsWith('/api/')
      ? faults.decide({
          method,
          path: url.pathname,
          read: method === 'GET' || method === 'HEAD',
          list: found !== null && 'route' in found && found.route.list === true,
          // What a connector's init() calls to learn whose key it holds.
          auth: path === '/api/v2/agents/me',
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
    baseUrl: site.baseUrl,
    store,
    resetRateLimit: () => limiter.reset(),
    ...sandboxHandle(server, faults, requestLog),
  };
}

/** Gives `apiKey` to the agent with `email`, creating that agent if there is none. */
function giveApiKey(store: FreshserviceStore, apiKey: string, email: string): void {
  const agent = store.agentByEmail(email);
  if (agent) {
    agent.apiKey = apiKey;
    return;
  }
  const [local = email] = email.split('@');
  store.addAgent({ first_name: local, last_name: '', email, apiKey });
}

/** Freshservice's error body, rate-limit headers and list shape for injected faults. */
function faultVendor(limiter: RateLimiter): FaultVendor {
  const messages: Record<number, [string, string]> = {
    429: ['rate_limit_exceeded', 'You have exceeded the limit of requests per minute.'],
    500: ['internal_error', 'We are facing some technical difficulties. Please try again later.'],
    502: ['bad_gateway', 'Bad gateway.'],
    503: ['service_unavailable', 'The service is temporarily unavailable.'],
    504: ['gateway_timeout', 'The request timed out.'],
  };
  return {
    maintenanceTitle: 'Freshservice',
    errorBody(status) {
      const [code, message] = messages[status] ?? ['internal_error', 'Unexpected server error.'];
      return { code, message };
    },
    rateLimitHeaders() {
      return limiter.exhaustedHeaders();
    },
    breakRecord(body, pick) {
      const record = body as Record<string, unknown> | null;
      const list = [record?.['tickets'], record?.['problems']].find(Array.isArray) as unknown[] | undefined;
      if (!list || list.length === 0) return null;
      const key = Array.isArray(record?.['tickets']) ? 'tickets' : 'problems';
      const index = Math.min(list.length - 1, Math.floor(pick[0] * list.length));
      const item = list[index] as Record<string, unknown>;
      if (pick[1] >= 0.5 && 'updated_at' in item) {
        item['updated_at'] = 'not a date';
        return `${key}[${index}]: updated_at set to "not a date"`;
      }
      delete item['id'];
      return `${key}[${index}]: id removed`;
    },
  };
}
