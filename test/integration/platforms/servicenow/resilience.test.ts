import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/http/errors.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, PASSWORD, collect, fixture, harness, source } from './setup.js';

const http = useHttpMock();

const SYS_USER = '/api/now/table/sys_user';
const USER_QUERY = { sysparm_query: 'user_name=svc.deskbridge', sysparm_fields: 'sys_id,user_name', sysparm_limit: '1' };

async function failure(promise: Promise<unknown>): Promise<PlatformError> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('ServiceNow connector under failures', () => {
  it('honours Retry-After on 429, logs it, then succeeds', async () => {
    const { connector, sleeps, logs } = harness();
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).reply(429, fixture('error-429'), { 'Retry-After': '1' }).get(SYS_USER).query(USER_QUERY).reply(200, fixture('sys-user-found'));

    const result = await connector.init();

    expect(result).toEqual({ integrationUser: 'svc.deskbridge' });
    // Once for the retry itself, at most once more for the host-wide pause it set.
    expect(sleeps[0]).toBe(1000);
    expect(connector.requestCount()).toBe(2);
    expect(logs.filter((log) => log.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'Platform rate limited',
        meta: expect.objectContaining({ source: 'snow-prod', status: 429, retryAfterSeconds: 1 }),
      },
    ]);
  });

  it('makes other requests to the same host wait while a Retry-After pause is in force', async () => {
    let clock = Date.parse('2024-05-14T09:00:00Z');
    const { connector, sleeps } = harness(source(), { retryOverrides: { now: () => clock } });
    http
      .mock(BASE_URL)
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(429, fixture('error-429'), { 'Retry-After': '30' })
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(200, fixture('sys-user-found'))
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(200, fixture('sys-user-found'));

    await connector.init();
    clock += 10_000;
    await connector.init();

    // The second call was never rate limited itself, yet waited out the rest of the pause.
    expect(sleeps.at(-1)).toBe(20_000);
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    const { connector, sleeps } = harness();
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).reply(500, fixture('error-500')).get(SYS_USER).query(USER_QUERY).reply(200, fixture('sys-user-found'));

    await connector.init();

    // Full jitter with random() = 0.5 on the first retry: 0.5 × min(30 000, 500 × 2⁰).
    expect(sleeps).toEqual([250]);
    expect(connector.requestCount()).toBe(2);
  });

  it('retries after a timeout, then succeeds', async () => {
    const { connector } = harness(source(), { retryOverrides: { timeoutMs: 100 } });
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).delay(2_000).reply(200, fixture('sys-user-found')).get(SYS_USER).query(USER_QUERY).reply(200, fixture('sys-user-found'));

    await connector.init();

    expect(connector.requestCount()).toBe(2);
  });

  it('gives up after maxRetries and reports the last failure as retryable', async () => {
    const { connector, sleeps } = harness(source(), { retryOverrides: { maxRetries: 2 } });
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).times(3).reply(503, fixture('error-500'));

    const error = await failure(connector.init());

    expect(error.details).toMatchObject({ code: 'server', status: 503, retryable: true });
    expect(sleeps).toHaveLength(2);
    expect(connector.requestCount()).toBe(3);
  });

  it('fails at once when Retry-After exceeds maxRetryAfterSeconds', async () => {
    const { connector, sleeps } = harness();
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).reply(429, fixture('error-429'), { 'Retry-After': '3600' });

    const error = await failure(connector.init());

    expect(error.details).toMatchObject({ code: 'rate-limited', retryable: true, retryAfterSeconds: 3600 });
    expect(sleeps).toEqual([]);
  });

  it('turns a 401 into an auth error that says what to fix and never shows the password', async () => {
    const { connector, logs } = harness();
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).reply(401, fixture('error-401'));

    const error = await failure(connector.init());

    expect(error.details).toMatchObject({ code: 'auth', status: 401, retryable: false, platform: 'servicenow', sourceId: 'snow-prod' });
    expect(error.message).toBe(
      'ServiceNow rejected the credentials for source snow-prod: check the username/password ' + '(auth.username, auth.password) and that the user is active and not locked out',
    );
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- the error's own enumerable properties are exactly what a log serialiser would print
    const everything = JSON.stringify({ message: error.message, details: error.details, stack: error.stack, logs, own: { ...error } });
    const basic = Buffer.from(`svc.deskbridge:${PASSWORD}`).toString('base64');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(basic);
    expect(connector.requestCount()).toBe(1);
  });

  it('sends Basic credentials in the Authorization header', async () => {
    const { connector } = harness();
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).basicAuth({ user: 'svc.deskbridge', pass: PASSWORD }).reply(200, fixture('sys-user-found'));

    await connector.init();
  });

  it('reports the integration user as the instance spells it, so its own updates are recognised', async () => {
    const { connector } = harness(source({ integrationUser: 'SVC.Deskbridge' }));
    http
      .mock(BASE_URL)
      .get(SYS_USER)
      .query({ ...USER_QUERY, sysparm_query: 'user_name=SVC.Deskbridge' })
      .reply(200, { result: [{ sys_id: '5137153cc611227c000bbd1bd8cd2007', user_name: 'svc.deskbridge' }] });

    await expect(connector.init()).resolves.toEqual({ integrationUser: 'svc.deskbridge' });
  });

  it('refuses a user lookup answered with another user (a widened query)', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(200, { result: [{ sys_id: '5137153cc611227c000bbd1bd8cd2007', user_name: 'abel.tuter' }] });

    const error = await failure(connector.init());
    expect(error.details).toMatchObject({ code: 'bad-response', retryable: false });
    expect(error.message).toContain('sys_user lookup by user_name=svc.deskbridge');
  });

  it('names the missing role on a 403', async () => {
    const { connector } = harness(source({ pageSize: 3 }));
    http.mock(BASE_URL).get('/api/now/table/incident').query(true).reply(403, fixture('error-403-acl'));

    const error = await failure(collect(connector.pull({ from: null, fields: [] })));

    expect(error.details).toMatchObject({ code: 'forbidden', status: 403, retryable: false });
    // The instance's own reason first, then what it most likely means.
    expect(error.message).toBe(
      'ServiceNow refused GET /api/now/table/incident for source snow-prod (403). ServiceNow said: "User Not Authorized — ACL Exception Update Failed due to security constraints". ' +
        'The integration user probably lacks the itil role (read on incident), or an ACL granting read on incident',
    );
  });

  it("quotes a data policy's reason on a 403 instead of guessing at a missing role", async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(403, { error: { message: 'Operation Failed', detail: 'Data Policy Exception: \n\tThe following fields are mandatory: Resolution notes\n' }, status: 'failure' });

    const error = await failure(connector.init());

    expect(error.message).toBe(
      'ServiceNow refused GET /api/now/table/sys_user for source snow-prod (403). ServiceNow said: "Operation Failed — Data Policy Exception: The following fields are mandatory: Resolution notes"',
    );
    expect(error.message).not.toContain('probably lacks');
    expect(error.details.hint).toMatch(/^A data policy on sys_user refused the read/);
  });

  it('does not retry other 4xx', async () => {
    const { connector, sleeps } = harness();
    http
      .mock(BASE_URL)
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(400, { error: { message: 'Invalid query', detail: null }, status: 'failure' });

    const error = await failure(connector.init());

    expect(error.details).toMatchObject({ code: 'bad-request', status: 400, retryable: false });
    expect(error.message).toContain('Invalid query');
    expect(sleeps).toEqual([]);
    expect(connector.requestCount()).toBe(1);
  });

  it('retries a connection reset', async () => {
    const { connector } = harness();
    http
      .mock(BASE_URL)
      .get(SYS_USER)
      .query(USER_QUERY)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .get(SYS_USER)
      .query(USER_QUERY)
      .reply(200, fixture('sys-user-found'));

    await connector.init();

    expect(connector.requestCount()).toBe(2);
  });

  it('stops waiting when the caller aborts', async () => {
    const { connector } = harness(source(), { retryOverrides: { sleep: undefined } });
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).reply(429, fixture('error-429'), { 'Retry-After': '60' });
    const controller = new AbortController();

    const pending = connector.init(controller.signal);
    setTimeout(() => controller.abort(new Error('shutting down')), 50);

    await expect(pending).rejects.toThrow('shutting down');
  });

  it('warns, but still starts, when the integration user is not found', async () => {
    const { connector, logs } = harness();
    http.mock(BASE_URL).get(SYS_USER).query(USER_QUERY).reply(200, fixture('empty-result'));

    await connector.init();

    expect(logs.find((log) => log.level === 'warn')?.message).toBe('Integration user not found');
  });
});
