import type { Auth } from './source.js';
import type { AuthHook, AuthRejection, HttpClient } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import { OAuthToken } from './schema.js';

export type ServiceNowAuthMode = 'basic' | 'oauth-password' | 'oauth-client-credentials';

export interface ServiceNowAuth extends AuthHook {
  readonly mode: ServiceNowAuthMode;
  /** The login these credentials act as, when the configuration names one. */
  readonly login: string | undefined;
}

export interface ServiceNowAuthDeps {
  sourceId: string;
  baseUrl: string;
  /** Token requests go through the source's own client (paced, retried, counted). */
  http: () => HttpClient;
  now: () => number;
}

export function authMode(auth: Auth): ServiceNowAuthMode {
  if (auth.type === 'basic') {
    return 'basic';
  }
  return auth.username !== undefined ? 'oauth-password' : 'oauth-client-credentials';
}

export function createServiceNowAuth(auth: Auth, deps: ServiceNowAuthDeps): ServiceNowAuth {
  if (auth.type === 'basic') {
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    return {
      mode: 'basic',
      login: auth.username,
      headers: () => Promise.resolve({ Authorization: header }),
    };
  }
  return new OAuthSession(auth, deps);
}

type OAuthConfig = Extract<Auth, { type: 'oauth' }>;

interface CachedToken {
  accessToken: string;
  /** Epoch ms after which we fetch a new one (expiry minus the refresh skew). */
  renewAt: number;
}

/**
 * OAuth 2.0 against `/oauth_token.do`. The access token is cached and renewed
 * `refreshSkewSeconds` before it expires, with the refresh token when the instance issued one
 * (password grant) and the original grant otherwise. Concurrent requests share one token fetch,
 * whether it was due by the clock or forced by a 401 (see `onRejected`).
 */
class OAuthSession implements ServiceNowAuth {
  readonly mode: ServiceNowAuthMode;
  readonly login: string | undefined;
  private readonly config: OAuthConfig;
  private readonly deps: ServiceNowAuthDeps;
  private readonly tokenUrl: string;
  private token: CachedToken | undefined;
  private refreshToken: string | undefined;
  private pending: Promise<CachedToken> | undefined;

  constructor(config: OAuthConfig, deps: ServiceNowAuthDeps) {
    this.config = config;
    this.deps = deps;
    this.mode = authMode(config);
    this.login = config.username;
    this.tokenUrl = config.tokenUrl ?? `${deps.baseUrl.replace(/\/+$/, '')}/oauth_token.do`;
  }

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    let token = this.token;
    if (token === undefined || this.deps.now() >= token.renewAt) {
      this.pending ??= this.fetchToken(signal).finally(() => {
        this.pending = undefined;
      });
      token = await this.pending;
    }
    return { Authorization: `Bearer ${token.accessToken}` };
  }

  /**
   * Single flight: of the requests in flight when the instance starts rejecting a token, only the
   * first one whose token is still the current one drops it (`refresh`); every other one finds
   * the token already dropped or replaced and is re-sent (`resend`), its `headers()` call waiting
   * for the same token request. Without this, the second request to see the 401 found no token
   * and gave up, stopping the source ("rejected the OAuth access token even after fetching a new one").
   */
  onRejected(rejected: Record<string, string>): AuthRejection {
    const current = this.token;
    if (current === undefined || this.pending !== undefined || rejected.Authorization !== `Bearer ${current.accessToken}`) {
      return 'resend';
    }
    this.token = undefined;
    return 'refresh';
  }

  private async fetchToken(signal?: AbortSignal): Promise<CachedToken> {
    if (this.refreshToken !== undefined) {
      try {
        return await this.grant({ grant_type: 'refresh_token', refresh_token: this.refreshToken }, signal);
      } catch (error) {
        // An expired or revoked refresh token: fall back to the original grant once.
        if (!(error instanceof PlatformError) || (error.code !== 'auth' && error.code !== 'bad-request')) {
          throw error;
        }
        this.refreshToken = undefined;
      }
    }
    const { username, password } = this.config;
    if (username !== undefined && password !== undefined) {
      return this.grant({ grant_type: 'password', username, password }, signal);
    }
    return this.grant({ grant_type: 'client_credentials' }, signal);
  }

  private async grant(params: Record<string, string>, signal?: AbortSignal): Promise<CachedToken> {
    const requestedAt = this.deps.now();
    const response = await this.deps.http().request({
      method: 'POST',
      url: this.tokenUrl,
      // The instance requires application/x-www-form-urlencoded here; JSON gets an unspecified error.
      form: { ...params, client_id: this.config.clientId, client_secret: this.config.clientSecret },
      authenticate: false,
      // Asking for a token twice is harmless.
      idempotent: true,
      operation: 'token',
      signal,
    });
    const parsed = OAuthToken.safeParse(response.data);
    if (!parsed.success) {
      throw new PlatformError(`ServiceNow returned an unreadable OAuth token response for source ${this.deps.sourceId}`, {
        platform: 'servicenow',
        sourceId: this.deps.sourceId,
        status: response.status,
        code: 'bad-response',
        retryable: true,
        hint: `Check auth.tokenUrl (${this.tokenUrl}) points at the instance's /oauth_token.do`,
      });
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    // Never let the skew eat the whole lifetime, or every request would fetch a token.
    const skewMs = Math.min(this.config.refreshSkewSeconds * 1000, lifetimeMs / 2);
    this.refreshToken = parsed.data.refresh_token ?? this.refreshToken;
    this.token = { accessToken: parsed.data.access_token, renewAt: requestedAt + lifetimeMs - skewMs };
    return this.token;
  }
}
