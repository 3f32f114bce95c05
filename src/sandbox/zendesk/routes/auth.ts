import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, safeEqual } from '../http.js';
import type { RateLimit, Window, ZendeskSite } from '../site.js';
import type { ZendeskUser } from '../store.js';

/**
 * Who is calling and how often. API token: Basic `{email}/token:{api_token}`; OAuth: Bearer
 * (https://developer.zendesk.com/api-reference/introduction/security-and-auth/). Anything else is
 * 401 `{"error":"Couldn't authenticate you"}`. Rate limits per
 * https://developer.zendesk.com/api-reference/introduction/rate-limits/: `X-Rate-Limit`,
 * `X-Rate-Limit-Remaining` and, for the Ticketing APIs, `ratelimit-limit|remaining|reset`; 429 with
 * `Retry-After` in seconds.
 */

export const DEFAULT_ACCOUNT_LIMIT: RateLimit = { limit: 400, windowSeconds: 60 };
export const DEFAULT_EXPORT_PER_MINUTE = 10;
export const DEFAULT_TICKET_UPDATE_LIMIT: RateLimit = { limit: 30, windowSeconds: 600 };

export function unauthenticated(): HttpError {
  return new HttpError(401, { error: "Couldn't authenticate you" }, { 'WWW-Authenticate': 'Basic realm="Web Password"' });
}

/** The active user the credentials name, or undefined (no, malformed or wrong credentials). */
export function identify(site: ZendeskSite, req: IncomingMessage): ZendeskUser | undefined {
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
  const credentials = space > 0 ? header.slice(space + 1).trim() : '';
  let user: ZendeskUser | undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const login = colon > 0 ? decoded.slice(0, colon) : '';
    const secret = colon > 0 ? decoded.slice(colon + 1) : '';
    // Only API tokens: password access to the API is off in the sandbox (Zendesk is retiring it).
    if (login.endsWith('/token')) {
      const candidate = site.store.userByEmail(login.slice(0, -'/token'.length));
      if (candidate?.apiToken !== undefined && safeEqual(candidate.apiToken, secret)) user = candidate;
    }
  } else if (scheme === 'bearer') {
    const hit = site.options.oauthTokens?.find((t) => safeEqual(t.token, credentials));
    user = hit ? site.store.userByEmail(hit.user) : undefined;
  }
  return user && user.active && !user.suspended ? user : undefined;
}

/** The calling agent or admin; 401 for unrecognised credentials, 403 for an end user. */
export function authenticate(site: ZendeskSite, req: IncomingMessage): ZendeskUser {
  const user = identify(site, req);
  if (!user) throw unauthenticated();
  if (user.role === 'end-user') {
    throw new HttpError(403, { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' });
  }
  return user;
}

/** Counts one request in a fixed window; returns what is left, or the seconds to wait when over. */
function take(site: ZendeskSite, key: string, limit: RateLimit): { remaining: number; resetSeconds: number; retryAfter?: number } {
  const t = site.now().getTime();
  const windowMs = limit.windowSeconds * 1000;
  let window: Window | undefined = site.windows.get(key);
  if (!window || t >= window.start + windowMs || t < window.start) {
    window = { start: t, count: 0 };
    site.windows.set(key, window);
  }
  const resetSeconds = Math.max(1, Math.ceil((window.start + windowMs - t) / 1000));
  if (window.count >= limit.limit) return { remaining: 0, resetSeconds, retryAfter: resetSeconds };
  window.count++;
  return { remaining: limit.limit - window.count, resetSeconds };
}

/** The account-wide limit, on every API request; sets the monitoring headers. */
export function checkAccountLimit(site: ZendeskSite, res: ServerResponse): void {
  const limit = site.options.rateLimit === undefined ? DEFAULT_ACCOUNT_LIMIT : site.options.rateLimit;
  if (limit === null) return;
  const r = take(site, 'account', limit);
  res.setHeader('X-Rate-Limit', String(limit.limit));
  res.setHeader('X-Rate-Limit-Remaining', String(r.remaining));
  res.setHeader('ratelimit-limit', String(limit.limit));
  res.setHeader('ratelimit-remaining', String(r.remaining));
  res.setHeader('ratelimit-reset', String(r.resetSeconds));
  if (r.retryAfter !== undefined) throw tooManyRequests(r.retryAfter, 'Number of allowed API requests per minute exceeded');
}

/** The incremental export endpoints' own limit (10 per minute), on top of the account's. */
export function checkIncrementalLimit(site: ZendeskSite): void {
  const perMinute = site.options.exportRateLimit === undefined ? DEFAULT_EXPORT_PER_MINUTE : site.options.exportRateLimit;
  if (perMinute === null) return;
  const limit: RateLimit = { limit: perMinute, windowSeconds: 60 };
  const r = take(site, 'incremental', limit);
  if (r.retryAfter !== undefined) throw tooManyRequests(r.retryAfter, 'Number of allowed incremental export API requests per minute exceeded');
}

/** Update Ticket: 30 updates per 10 minutes per user per ticket. */
export function checkTicketUpdateLimit(site: ZendeskSite, ticketId: number, userId: number): void {
  const limit = site.options.ticketUpdateLimit === undefined ? DEFAULT_TICKET_UPDATE_LIMIT : site.options.ticketUpdateLimit;
  if (limit === null) return;
  const r = take(site, `ticket:${ticketId}:${userId}`, limit);
  if (r.retryAfter !== undefined) throw tooManyRequests(r.retryAfter, 'Rate limit for ticket updates exceeded, please wait before updating this ticket again');
}

export function tooManyRequests(retryAfter: number, description: string): HttpError {
  return new HttpError(429, { error: 'APIRateLimitExceeded', description }, { 'Retry-After': String(retryAfter) });
}
