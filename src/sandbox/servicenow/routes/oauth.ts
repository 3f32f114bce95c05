import { randomBytes } from 'node:crypto';
import { readBody, safeEqual, sendJson } from '../http.js';
import type { Call, SandboxOAuthClient } from '../site.js';

interface Token {
  user: string;
  clientId: string;
  expiresAt: number;
}

const REFRESH_TOKEN_TTL_MS = 100 * 24 * 3600 * 1000; // instance default: 100 days

/** The instance's OAuth token store: access tokens (re-issued while valid) and refresh tokens. */
export class OAuthTokens {
  private readonly access = new Map<string, Token>();
  private readonly refresh = new Map<string, Token>();
  /** Latest access token per client+user: re-issued while valid, as the instance does. */
  private readonly current = new Map<string, string>();

  constructor(
    readonly clients: readonly SandboxOAuthClient[],
    private readonly ttlMs: number,
    private readonly now: () => Date,
  ) {}

  /** The user a valid (unexpired) access token acts as. */
  bearerUser(accessToken: string): string | undefined {
    const token = this.access.get(accessToken);
    return token && token.expiresAt > this.now().getTime() ? token.user : undefined;
  }

  /** The token response body; `refreshToken` keeps an existing refresh token instead of issuing one. */
  issue(user: string, clientId: string, withRefresh: boolean, refreshToken?: string): Record<string, unknown> {
    const t = this.now().getTime();
    const key = `${clientId}\u0000${user}`;
    let access = this.current.get(key);
    let token = access ? this.access.get(access) : undefined;
    if (!access || !token || token.expiresAt <= t) {
      access = randomBytes(48).toString('base64url');
      token = { user, clientId, expiresAt: t + this.ttlMs };
      this.access.set(access, token);
      this.current.set(key, access);
    }
    const body: Record<string, unknown> = {
      access_token: access,
      scope: 'useraccount',
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.floor((token.expiresAt - t) / 1000)),
    };
    if (withRefresh) {
      const refresh = refreshToken ?? randomBytes(48).toString('base64url');
      if (!refreshToken) this.refresh.set(refresh, { user, clientId, expiresAt: t + REFRESH_TOKEN_TTL_MS });
      body['refresh_token'] = refresh;
    }
    return body;
  }

  /** The user of a valid refresh token issued to `clientId`. */
  refreshUser(refreshToken: string, clientId: string): string | undefined {
    const stored = this.refresh.get(refreshToken);
    return stored && stored.clientId === clientId && stored.expiresAt > this.now().getTime() ? stored.user : undefined;
  }

  /** Ends every access token now (the control API's `/oauth/expire`). */
  expireAll(): void {
    const t = this.now().getTime();
    for (const token of this.access.values()) token.expiresAt = Math.min(token.expiresAt, t);
  }
}

/**
 * POST /oauth_token.do: the password, client_credentials and refresh_token grants. Resolves with
 * the user the token acts as, or undefined when the request was refused.
 */
export async function handleTokenRequest({ site, req, res }: Call): Promise<string | undefined> {
  const form = new URLSearchParams(await readBody(req));
  const client = site.tokens.clients.find((c) => c.clientId === form.get('client_id'));
  const denied = (): undefined => {
    // The instance answers every refused token request this way (status 401).
    sendJson(res, 401, { error_description: 'access_denied', error: 'server_error' });
    return undefined;
  };
  if (!client || !safeEqual(client.clientSecret, form.get('client_secret') ?? '')) return denied();
  const grant = form.get('grant_type');
  if (grant === 'password') {
    const user = site.users.find((u) => u.userName === form.get('username'));
    if (!user || !safeEqual(user.password, form.get('password') ?? '')) return denied();
    sendJson(res, 200, site.tokens.issue(user.userName, client.clientId, true));
    return user.userName;
  }
  if (grant === 'client_credentials') {
    sendJson(res, 200, site.tokens.issue(client.clientId, client.clientId, false));
    return client.clientId;
  }
  if (grant === 'refresh_token') {
    const refresh = form.get('refresh_token') ?? '';
    const user = site.tokens.refreshUser(refresh, client.clientId);
    if (user === undefined) return denied();
    sendJson(res, 200, site.tokens.issue(user, client.clientId, true, refresh));
    return user;
  }
  return denied();
}
