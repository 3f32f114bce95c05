import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/http/errors.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, CLIENT_SECRET, PASSWORD, fixture, harness, source } from './setup.js';

const http = useHttpMock();

const SYS_USER = '/api/now/table/sys_user';
const USER_QUERY = { sysparm_query: 'user_name=svc.deskbridge', sysparm_fields: 'sys_id,user_name', sysparm_limit: '1' };
const CLIENT_ID = '3f1dc8b1e2a24110a4e6d2c1b0f9e8d7';

function passwordGrantSource() {
  return source({
    auth: { type: 'oauth', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, username: 'svc.deskbridge', password: PASSWORD },
    // Unpaced, so requests are really in flight together.
    rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
  });
}

function form(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

describe('ServiceNow OAuth', () => {
  it('fetches a token with the password grant and sends it as a Bearer token', async () => {
    const { connector } = harness(passwordGrantSource(), { now: () => Date.parse('2024-05-14T09:00:00Z') });
    http
      .mock(BASE_URL)
      .post('/oauth_token.do', {
        grant_type: 'password',
        username: 'svc.deskbridge',
        password: PASSWORD,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      })
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(200, fixture('sys-user-found'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(200, fixture('sys-user-found'));

    expect(await connector.init()).toEqual({ integrationUser: 'svc.deskbridge' });
    await connector.init();

    // One token request, reused; token requests count as requests.
    expect(connector.requestCount()).toBe(3);
  });

  it('refreshes with the refresh token refreshSkewSeconds before expiry', async () => {
    let clock = Date.parse('2024-05-14T09:00:00Z');
    const { connector } = harness(passwordGrantSource(), { now: () => clock });
    const scope = http
      .mock(BASE_URL)
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'password')
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .times(2)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(200, fixture('sys-user-found'));

    await connector.init();
    // expires_in 1799 s, default skew 60 s: still valid at +1738 s, renewed from +1739 s.
    clock += 1_738_000;
    await connector.init();
    scope
      .post('/oauth_token.do', {
        grant_type: 'refresh_token',
        refresh_token: 'R3fr3sh-9tL0q',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      })
      .reply(200, fixture('oauth-token-refreshed'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-second')
      .reply(200, fixture('sys-user-found'));
    clock += 1_000;
    await connector.init();

    expect(connector.requestCount()).toBe(5);
  });

  it('falls back to the original grant when the refresh token is refused', async () => {
    let clock = Date.parse('2024-05-14T09:00:00Z');
    const { connector } = harness(passwordGrantSource(), { now: () => clock });
    http
      .mock(BASE_URL)
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'password')
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(200, fixture('sys-user-found'))
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'refresh_token')
      .reply(401, fixture('oauth-error-401'))
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'password')
      .reply(200, fixture('oauth-token-refreshed'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-second')
      .reply(200, fixture('sys-user-found'));

    await connector.init();
    clock += 3_600_000;
    await connector.init();
  });

  it('fetches a new token once when the API answers 401, then retries the request', async () => {
    const { connector } = harness(passwordGrantSource(), { now: () => Date.parse('2024-05-14T09:00:00Z') });
    http
      .mock(BASE_URL)
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'password')
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(401, fixture('error-401'))
      // The refresh token is tried first, as for an expired token.
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'refresh_token')
      .reply(200, fixture('oauth-token-refreshed'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-second')
      .reply(200, fixture('sys-user-found'));

    await connector.init();

    expect(connector.requestCount()).toBe(4);
  });

  it('gives up after one re-fetch when the new token is rejected too', async () => {
    const { connector } = harness(passwordGrantSource(), { now: () => Date.parse('2024-05-14T09:00:00Z') });
    http
      .mock(BASE_URL)
      .post('/oauth_token.do')
      .reply(200, fixture('oauth-token-password'))
      .post('/oauth_token.do')
      .reply(200, fixture('oauth-token-refreshed'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .times(2)
      .reply(401, fixture('error-401'));

    await expect(connector.init()).rejects.toMatchObject({ details: { code: 'auth', retryable: false } });
    expect(connector.requestCount()).toBe(4);
  });

  it('shares one refresh among 4 requests in flight that hit the expired token, and re-sends every one', async () => {
    const { connector } = harness(passwordGrantSource(), { now: () => Date.parse('2024-05-14T09:00:00Z') });
    http
      .mock(BASE_URL)
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'password')
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(200, fixture('sys-user-found'))
      // The instance expired the token: all four requests in flight are refused with it.
      .get(SYS_USER)
      .query(USER_QUERY)
      .times(4)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(401, fixture('error-401'))
      // A slow token endpoint: every 401 arrives while the one refresh is still under way.
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'refresh_token')
      .delay(40)
      .reply(200, fixture('oauth-token-refreshed'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .times(4)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-second')
      .reply(200, fixture('sys-user-found'));
    await connector.init();

    const results = await Promise.all([connector.init(), connector.init(), connector.init(), connector.init()]);

    expect(results).toEqual(Array.from({ length: 4 }, () => ({ integrationUser: 'svc.deskbridge' })));
    const grants = http
      .requests()
      .filter((request) => request.url.pathname === '/oauth_token.do')
      .map((request) => form(request.body).grant_type);
    expect(grants).toEqual(['password', 'refresh_token']);
    expect(connector.requestCount()).toBe(2 + 4 + 1 + 4);
  });

  it('re-sends a request whose token was replaced after it was sent, even when the replacement came from another request', async () => {
    const { connector } = harness(passwordGrantSource(), { now: () => Date.parse('2024-05-14T09:00:00Z') });
    http
      .mock(BASE_URL)
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'password')
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(200, fixture('sys-user-found'))
      // The first 401 comes back at once and its refresh completes before the slow second 401.
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .reply(401, fixture('error-401'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-first')
      .delay(60)
      .reply(401, fixture('error-401'))
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'refresh_token')
      .reply(200, fixture('oauth-token-refreshed'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .times(2)
      .matchHeader('authorization', 'Bearer aQbW1k7Xl0Pn_tkn-second')
      .reply(200, fixture('sys-user-found'));
    await connector.init();

    await expect(Promise.all([connector.init(), connector.init()])).resolves.toHaveLength(2);
    expect(http.requests().filter((request) => request.url.pathname === '/oauth_token.do')).toHaveLength(2);
  });

  it('uses the client credentials grant when no username is configured', async () => {
    const { connector } = harness(source({ auth: { type: 'oauth', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, integrationUser: 'svc.deskbridge' }));
    http
      .mock(BASE_URL)
      .post('/oauth_token.do', { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET })
      .reply(200, { access_token: 'cc-token', token_type: 'Bearer', expires_in: 1799, scope: '' })
      .get(SYS_USER)
      .query(USER_QUERY)
      .matchHeader('authorization', 'Bearer cc-token')
      .reply(200, fixture('sys-user-found'));

    expect(await connector.init()).toEqual({ integrationUser: 'svc.deskbridge' });
  });

  it('explains a refused token request without echoing secrets', async () => {
    const { connector } = harness(source({ auth: { type: 'oauth', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } }));
    http.mock(BASE_URL).post('/oauth_token.do').reply(401, fixture('oauth-error-401'));

    const error: unknown = await connector.init().catch((rejected: unknown) => rejected);

    expect(error).toBeInstanceOf(PlatformError);
    const platformError = error as PlatformError;
    expect(platformError.details.code).toBe('auth');
    expect(platformError.message).toContain('glide.oauth.inbound.client.credential.grant_type.enabled');
    expect(JSON.stringify({ m: platformError.message, d: platformError.details, s: platformError.stack })).not.toContain(CLIENT_SECRET);
    expect(http.requests().map((request) => form(request.body).grant_type)).toEqual(['client_credentials']);
  });

  it('defaults the integration user to the OAuth client id for client credentials', async () => {
    const { connector } = harness(source({ auth: { type: 'oauth', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } }));
    http
      .mock(BASE_URL)
      .post('/oauth_token.do')
      .reply(200, fixture('oauth-token-password'))
      .get(SYS_USER)
      .query({ ...USER_QUERY, sysparm_query: `user_name=${CLIENT_ID}` })
      .reply(200, fixture('empty-result'));

    expect(await connector.init()).toEqual({ integrationUser: CLIENT_ID });
  });
});
