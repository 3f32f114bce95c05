import { type IncomingMessage, type ServerResponse } from 'node:http';
import { jiraError, safeEqual } from '../http.js';
import { type RenderContext } from '../render.js';
import type { JiraSandboxToken, JiraSite } from '../site.js';
import { type JiraUser } from '../store.js';

/** Who is calling and how often: Basic / Bearer authentication and the rate limit, per flavour. */
export function createAuth(site: JiraSite) {
  const { store, flavour, options, now } = site;
  const window = site.rateWindow;

  function tokenUser(tokens: readonly JiraSandboxToken[] | undefined, given: string): JiraUser | undefined {
    const hit = tokens?.find((t) => safeEqual(t.token, given));
    return hit ? store.findUser(hit.user) : undefined;
  }

  function authenticate(req: IncomingMessage): JiraUser {
    const header = req.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    const credentials = space > 0 ? header.slice(space + 1).trim() : '';
    if (scheme === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const login = decoded.slice(0, colon).toLowerCase();
      const secret = decoded.slice(colon + 1);
      // Cloud: email + API token. Data Center: username + password.
      const user = store.users().find((u) => (flavour === 'cloud' ? u.email.toLowerCase() === login : u.name.toLowerCase() === login));
      const expected = user ? (flavour === 'cloud' ? user.apiToken : user.password) : undefined;
      if (colon > 0 && user?.active && expected !== undefined && safeEqual(expected, secret)) return user;
    } else if (scheme === 'bearer') {
      const user = tokenUser(flavour === 'cloud' ? options.bearerTokens : options.personalAccessTokens, credentials);
      if (user?.active) return user;
    }
    const headers: Record<string, string> = { 'WWW-Authenticate': 'Basic realm="protected-area"' };
    if (flavour === 'datacenter') headers['X-Seraph-LoginReason'] = 'AUTHENTICATED_FAILED';
    throw jiraError(401, ['You are not authenticated. Authentication required to perform this operation.'], {}, headers);
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
    const remaining = Math.max(0, limit.limit - window.count - 1);
    res.setHeader('X-RateLimit-Limit', String(limit.limit));
    res.setHeader('X-RateLimit-Remaining', String(window.count >= limit.limit ? 0 : remaining));
    if (flavour === 'datacenter') {
      // Data Center's token-bucket headers; a fixed window refills `limit` tokens per interval.
      res.setHeader('X-RateLimit-Interval-Seconds', String(limit.windowSeconds));
      res.setHeader('X-RateLimit-FillRate', String(limit.limit));
    }
    if (window.count >= limit.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.start + windowMs - t) / 1000));
      const headers: Record<string, string> = { 'Retry-After': String(retryAfter) };
      if (flavour === 'cloud') {
        // "the timestamp (in ISO 8601 format) when the rate limit will reset … yyyy-MM-ddTHH:mmZ"
        headers['X-RateLimit-Reset'] = new Date(t + retryAfter * 1000).toISOString().slice(0, 16) + 'Z';
        headers['RateLimit-Reason'] = 'jira-burst-based';
      }
      throw jiraError(429, ['Rate limit exceeded.'], {}, headers);
    }
    window.count++;
  }

  function renderContext(user: JiraUser, apiVersion: '2' | '3'): RenderContext {
    return { store, baseUrl: site.baseUrl, apiVersion, flavour, timeZone: options.renderTimeZone === 'user' ? user.timeZone : 'UTC' };
  }

  return { tokenUser, authenticate, checkRateLimit, renderContext };
}
