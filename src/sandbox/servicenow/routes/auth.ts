import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, safeEqual } from '../http.js';
import type { ServiceNowSite } from '../site.js';

/** Who is calling and how often: Basic / Bearer authentication and the Table API rate limit. */

/** The user_name (Basic) or token user (Bearer) of the request; 401 otherwise. */
export function authenticate(site: ServiceNowSite, req: IncomingMessage): string {
  const header = req.headers.authorization ?? '';
  const [scheme, credentials = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const userName = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const user = site.users.find((u) => u.userName === userName);
    if (colon > 0 && user && safeEqual(user.password, password)) return user.userName;
  } else if (scheme?.toLowerCase() === 'bearer') {
    const user = site.tokens.bearerUser(credentials);
    if (user !== undefined) return user;
  }
  throw new HttpError(401, 'User Not Authenticated', 'Required to provide Auth information', {
    'WWW-Authenticate': 'Basic realm="Service-now"',
  });
}

/** Counts the request in the fixed window; 429 with Retry-After once the window is full. */
export function checkRateLimit(site: ServiceNowSite, res: ServerResponse): void {
  const limit = site.options.rateLimit;
  if (!limit) return;
  const window = site.rateWindow;
  const t = site.now().getTime();
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
