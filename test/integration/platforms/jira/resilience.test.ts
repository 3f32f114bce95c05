import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/http/errors.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { API_TOKEN, CLOUD_ME, CLOUD_URL, DC_URL, MARKER, PAT, collect, fixture, fixtureText, harness, source, write } from './setup.js';

const http = useHttpMock();

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

function expectNoSecret(error: PlatformError): void {
  const everything = `${error.message} ${JSON.stringify(error.details)} ${String(error.stack)}`;
  expect(everything).not.toContain(API_TOKEN);
  expect(everything).not.toContain(PAT);
  expect(everything).not.toContain(Buffer.from(`deskbridge@acme.example:${API_TOKEN}`).toString('base64'));
}

describe('Jira connector under failures', () => {
  it('honours Retry-After on 429, logs it, then succeeds', async () => {
    const { connector, sleeps, logs } = harness(source('cloud'));
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/myself')
      .reply(429, fixture('cloud', 'error-429'), { 'Retry-After': '1', 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'RateLimit-Reason': 'jira-quota-based' })
      .get('/rest/api/3/myself')
      .reply(200, fixture('cloud', 'myself'));

    const result = await connector.init();

    expect(result).toEqual({ integrationUser: CLOUD_ME });
    expect(sleeps[0]).toBe(1000);
    expect(logs.filter((log) => log.level === 'warn')).toEqual([
      { level: 'warn', message: 'Platform rate limited', meta: expect.objectContaining({ source: 'jsm-cloud', status: 429, retryAfterSeconds: 1 }) },
    ]);
  });

  it('holds the next search to the host while a Retry-After pause from another request is in force', async () => {
    let clock = Date.parse('2024-05-14T09:00:00Z');
    const { connector, sleeps } = harness(source('cloud'), { retryOverrides: { now: () => clock } });
    http
      .mock(CLOUD_URL)
      .get('/rest/api/3/myself')
      .reply(429, fixture('cloud', 'error-429'), { 'Retry-After': '30' })
      .get('/rest/api/3/myself')
      .reply(200, fixture('cloud', 'myself'))
      .post('/rest/api/3/search/jql')
      .reply(200, fixture('cloud', 'search-empty'));

    await connector.init();
    clock += 10_000;
    await collect(connector.pull({ from: null, fields: [] }));

    expect(sleeps.at(-1)).toBe(20_000);
  });

  it('stops on a 401 from Jira Cloud with a message about the e-mail and API token, and no secret', async () => {
    const { connector } = harness(source('cloud'));
    http.mock(CLOUD_URL).get('/rest/api/3/myself').reply(401, fixtureText('cloud', 'error-401.txt'), { 'Content-Type': 'text/plain' });

    const error = await failure(connector.init());

    expect(error.details).toMatchObject({ platform: 'jira', code: 'auth', status: 401, retryable: false });
    expect(error.message).toContain('auth.password an API token');
    expectNoSecret(error);
  });

  it('stops on a 401 from Data Center with a message about the personal access token, and no secret', async () => {
    const { connector } = harness(source('datacenter'));
    http.mock(DC_URL).get('/rest/api/2/myself').reply(401, fixture('datacenter', 'error-401'));

    const error = await failure(connector.init());

    expect(error.details).toMatchObject({ code: 'auth', retryable: false });
    expect(error.message).toContain('personal access token');
    expectNoSecret(error);
  });

  it('names the agent licence when the Service Desk API refuses a comment', async () => {
    const { connector } = harness(source('cloud'));
    http.mock(CLOUD_URL).get('/rest/api/3/myself').reply(200, fixture('cloud', 'myself')).post('/rest/servicedeskapi/request/10042/comment').reply(403, fixture('cloud', 'error-403-servicedesk'));
    const text = `Routed.\n\n(${MARKER})`;

    const error = await failure(connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: text }, { comment: text, public: false }, { firstAttempt: true })));

    expect(error.details).toMatchObject({ code: 'forbidden', status: 403 });
    expect(error.message).toContain('agent licence');
    expect(error.message).toContain('Jira said: The user does not have permission to add a comment to this customer request.');
  });

  it('does not re-send a comment after an unclear 502; the outbox retries the whole step', async () => {
    const { connector } = harness(source('cloud'));
    http.mock(CLOUD_URL).get('/rest/api/3/myself').reply(200, fixture('cloud', 'myself')).post('/rest/servicedeskapi/request/10042/comment').reply(502, 'Bad Gateway');
    const text = `Routed.\n\n(${MARKER})`;

    const error = await failure(connector.apply(write('cloud', { type: 'comment', visibility: 'internal', body: text }, { comment: text, public: false }, { firstAttempt: true })));

    expect(error.details).toMatchObject({ code: 'server', retryable: true });
    expect(connector.requestCount()).toBe(2);
  });
});
