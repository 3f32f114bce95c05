import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import type { ConsoleConfig } from '../config/schema.js';
import { LOOPBACK_HOSTS } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import { html, type SafeHtml } from '../util/html.js';
import { ConsoleCredentials, SESSION_COOKIE, SignInThrottle, safeNext, type Principal } from './auth.js';
import { consolePage, queryText, type PageContext } from './layout.js';
import { registerOverview } from './pages/overview.js';
import { registerOutbox } from './pages/outbox.js';
import { registerQuarantine } from './pages/quarantine.js';
import { registerTicket } from './pages/ticket.js';
import { registerRules } from './pages/rules.js';
import { registerReports } from './pages/reports.js';
import type { ConsoleView } from './view.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** What the page modules get: the daemon's view, a way to build a page's context, and the log. */
export interface ConsoleRoutes {
  app: FastifyInstance;
  view: ConsoleView;
  logger: Logger;
  context: (request: FastifyRequest, reply: FastifyReply) => PageContext;
  /** preHandler for routes that change state: signed in (header or session) and, for a browser session, a valid CSRF token. */
  changesState: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
}

/** Headers every response carries: no scripts, no framing, no caching of pages that show tickets, no ticket URLs sent to other sites. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` with our own forms,
  // which the cross-site check below could not tell from a sandboxed attacker's page.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * The web console as a fastify app (not listening yet): server-rendered pages over the daemon's
 * view, sign-in, and the few authenticated actions. `inject` drives it in unit tests.
 */
export async function buildConsole(options: { config: ConsoleConfig; view: ConsoleView; logger: Logger; nowMs?: () => number }): Promise<FastifyInstance> {
  const { config, view, logger } = options;
  const credentials = new ConsoleCredentials(config.auth, options.nowMs);
  const throttle = new SignInThrottle(options.nowMs);
  const loopbackOnly = LOOPBACK_HOSTS.has(config.host) && !config.behindProxy;
  const readNeedsSignIn = (config.readAccess ?? (loopbackOnly ? 'open' : 'signed-in')) === 'signed-in';
  const app = Fastify({
    // Fastify's own request log would print URLs and headers; the daemon's logger says what matters.
    logger: false,
    // Behind a reverse proxy the client's address, scheme and host come from its X-Forwarded-* headers.
    trustProxy: config.behindProxy,
    bodyLimit: 64 * 1024,
    // A URL fastify cannot even route still gets the console's headers, and no JSON about its internals.
    frameworkErrors: (_error, _request, reply: FastifyReply) => {
      void reply.headers(SECURITY_HEADERS).code(400).type('text/plain').send('deskbridge console: that address is not a console page\n');
    },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  // Tokens are bound to the signed-in session, so a token lifted from one browser is useless in another.
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'deskbridge_csrf',
    cookieOpts: { httpOnly: true, sameSite: 'strict', path: '/', signed: false },
    csrfOpts: { hmacKey: randomBytes(32).toString('hex'), userInfo: true },
    getUserInfo: (request) => (request.principal?.via === 'session' ? request.principal.sessionId : ''),
    getToken: (request) => {
      const body = request.body;
      return typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)._csrf === 'string' ? ((body as Record<string, unknown>)._csrf as string) : undefined;
    },
  });
  app.decorateRequest('principal', undefined);

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
    // On this machine only, a page must be asked for by a local name: a web page whose domain an
    // attacker re-points at 127.0.0.1 (DNS rebinding) cannot read the console through the browser.
    if (loopbackOnly && !LOCAL_NAMES.has(hostnameOf(request.headers.host))) {
      return reply.code(421).type('text/plain').send('deskbridge console: ask for it as 127.0.0.1, localhost or [::1] (or set console.behindProxy for a reverse proxy)\n');
    }
    const wait = request.headers.authorization !== undefined || (request.method === 'POST' && request.url.startsWith('/login')) ? throttle.retryAfterSeconds(request.ip) : 0;
    if (wait > 0) {
      return reply.code(429).header('Retry-After', String(wait)).type('text/plain').send(`deskbridge console: too many wrong sign-ins from ${request.ip}; try again in ${wait} s\n`);
    }
    const header = credentials.checkHeader(request.headers.authorization);
    if (header === 'rejected') {
      throttle.fail(request.ip);
      logger.warn('Console request with wrong credentials refused', { path: request.routeOptions.url ?? request.url.split('?')[0], ip: request.ip });
      return reply.code(401).type('text/plain').send('deskbridge console: the Authorization header was not accepted (Bearer <token> or Basic <user:password> from console.auth)\n');
    }
    if (header) {
      request.principal = { via: 'header', name: header.name };
      return;
    }
    const sessionId = request.cookies[SESSION_COOKIE];
    const session = credentials.session(sessionId);
    if (session && sessionId) request.principal = { via: 'session', name: session.name, sessionId };
    const path = request.url.split('?')[0] ?? '/';
    if (readNeedsSignIn && !request.principal && path !== '/login') {
      if (request.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      return reply.code(401).type('text/plain').send('deskbridge console: sign in first\n');
    }
    return undefined;
  });

  // A form posted from another site is refused whatever else it carries (browsers send Origin on every POST).
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST') return undefined;
    const origin = request.headers.origin;
    // No Origin: not a browser (curl, a script), which proves itself with a header; CSRF tokens still guard sessions.
    if (origin === undefined) return undefined;
    let sameSite: boolean;
    try {
      // Both through URL, so `http://h:80` and a Host of `h:80` compare equal.
      sameSite = new URL(origin).host === new URL(`http://${request.host}`).host;
    } catch {
      sameSite = false;
    }
    return sameSite ? undefined : refuse(reply);
  });

  const context = (request: FastifyRequest, reply: FastifyReply): PageContext => ({
    signedInAs: request.principal?.name,
    csrf: request.principal?.via === 'session' ? reply.generateCsrf({ userInfo: request.principal.sessionId }) : undefined,
    authConfigured: credentials.configured,
    path: request.url,
    now: view.now(),
  });

  /** Answers with a console page (navigation and all) and this status. */
  const page = (request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: SafeHtml): FastifyReply =>
    reply
      .code(status)
      .type('text/html')
      .send(consolePage(context(request, reply), title, body));

  // An async hook that answers must return the reply, or fastify runs the route after it.
  const changesState = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!credentials.configured) {
      return page(
        request,
        reply,
        403,
        'Not allowed',
        html`<p class="notice bad">
          This console has no credentials (console.auth in deskbridge.yaml), so it changes nothing. Use the command line (deskbridge outbox retry, deskbridge quarantine retry), or set console.auth.
        </p>`,
      );
    }
    if (!request.principal) {
      return page(request, reply, 401, 'Sign in first', html`<p class="notice bad">Retrying needs a sign-in. <a href="/login">Sign in</a>, then try again.</p>`);
    }
    // Credentials in a header come from scripts: a browser never sends a Bearer token on its own,
    // and a Basic one it cached comes with another site's Origin, refused above.
    if (request.principal.via === 'header') return undefined;
    // The plugin either calls back (token valid) or answers with its error at once (never both).
    let valid = false;
    app.csrfProtection(request, reply, () => {
      valid = true;
    });
    return valid ? undefined : reply;
  };

  app.setErrorHandler(async (error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return page(
        request,
        reply,
        403,
        'Form expired',
        html`<p class="notice bad">That form was not sent from this console's current page (its CSRF token is missing or stale). Go back, reload the page and try again.</p>`,
      );
    }
    if (status >= 500) logger.error('Console page failed', { path: request.routeOptions.url, error: view.redact(error.message) });
    return page(request, reply, status, status >= 500 ? 'Something went wrong' : 'Not possible', html`<p class="notice bad">${view.redact(error.message)}</p>`);
  });

  app.setNotFoundHandler(async (request, reply) => page(request, reply, 404, 'Not found', html`<p>No page at ${request.url.split('?')[0] ?? ''}. <a href="/">Overview</a></p>`));

  app.get('/login', async (request, reply) => {
    const failed = queryText(request.query, 'failed') === '1';
    const next = safeNext(queryText(request.query, 'next'));
    const ctx = context(request, reply);
    if (!credentials.configured)
      return reply
        .type('text/html')
        .send(consolePage(ctx, 'Sign in', html`<p class="notice">This console has no credentials configured (console.auth), so there is nothing to sign in to: pages are read-only.</p>`));
    const fields = [
      credentials.acceptsToken ? html`<label for="token">Console token</label><input type="password" id="token" name="token" autocomplete="off" />` : '',
      credentials.acceptsPassword
        ? html`<label for="username">User name</label><input type="text" id="username" name="username" autocomplete="username" /><label for="password">Password</label
            ><input type="password" id="password" name="password" autocomplete="current-password" />`
        : '',
    ];
    return reply.type('text/html').send(
      consolePage(
        ctx,
        'Sign in',
        html`${failed ? html`<p class="notice bad">Those credentials were not accepted.</p>` : ''}
          <form method="post" action="/login">
            <input type="hidden" name="next" value="${next}" />${fields}
            <p><button class="primary" type="submit">Sign in</button></p>
          </form>
          <p class="muted">The credentials are the ones in console.auth of deskbridge.yaml (usually from DESKBRIDGE_CONSOLE_TOKEN).</p>`,
      ),
    );
  });

  app.post('/login', async (request, reply) => {
    const body = formBody(request.body);
    const name = credentials.checkSignIn({ token: body.token, username: body.username, password: body.password });
    const next = safeNext(body.next);
    if (name === undefined) {
      throttle.fail(request.ip);
      logger.warn('Console sign-in refused', { ip: request.ip });
      return reply.redirect(`/login?failed=1&next=${encodeURIComponent(next)}`, 303);
    }
    const id = credentials.startSession(name);
    logger.info('Console sign-in', { as: name, ip: request.ip });
    void reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/', secure: request.protocol === 'https' });
    return reply.redirect(next, 303);
  });

  const routes: ConsoleRoutes = { app, view, logger, context, changesState };

  app.post('/logout', { preHandler: changesState }, async (request, reply) => {
    if (request.principal?.via === 'session') credentials.endSession(request.principal.sessionId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/', 303);
  });

  registerOverview(routes);
  registerOutbox(routes);
  registerQuarantine(routes);
  registerTicket(routes);
  registerRules(routes);
  registerReports(routes);
  return app;
}

/** Names that reach this machine only (the Host header's name, without its port). */
const LOCAL_NAMES: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

function hostnameOf(host: string | undefined): string {
  if (host === undefined) return '';
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return '';
  }
}

function refuse(reply: FastifyReply): FastifyReply {
  return reply.code(403).type('text/plain').send('deskbridge console: a form from another site is not accepted\n');
}

/** A posted form's text fields (url-encoded bodies parse to strings; anything else is ignored). */
export function formBody(body: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') out[name] = value;
  return out;
}

/** Starts the console on its port; returns its address and how to stop it. */
export async function startConsole(options: { config: ConsoleConfig; view: ConsoleView; logger: Logger }): Promise<{ url: string; close(): Promise<void> }> {
  const app = await buildConsole(options);
  await app.listen({ port: options.config.port, host: options.config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.config.port;
  const host = options.config.host.includes(':') ? `[${options.config.host}]` : options.config.host;
  return { url: `http://${host}:${port}`, close: () => app.close() };
}
