import { describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClientOptions } from '../../../src/http/client.js';
import { PlatformError } from '../../../src/http/errors.js';
import { HostQueueRegistry } from '../../../src/http/queue.js';
import { useHttpMock } from '../../helpers/http-mock.js';

const http = useHttpMock();
const BASE = 'https://api.example.test';
const SECRET = 'Bearer very-secret-token';

function client(overrides: Partial<HttpClientOptions> = {}) {
  const slept: number[] = [];
  const instance = createHttpClient({
    platform: 'example',
    platformLabel: 'Example',
    sourceId: 'ex-1',
    baseUrl: BASE,
    rateLimit: { requestsPerMinute: 600, concurrency: 2 },
    retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterSeconds: 60, timeoutMs: 1000 },
    retryOverrides: {
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    },
    hostQueues: new HostQueueRegistry(),
    auth: { headers: () => Promise.resolve({ Authorization: SECRET }) },
    ...overrides,
  });
  return { instance, slept };
}

describe('createHttpClient', () => {
  it('sends auth headers and parses JSON', async () => {
    const { instance } = client();
    http.mock(BASE).get('/things').query({ a: '1' }).matchHeader('authorization', SECRET).reply(200, { ok: true });

    const response = await instance.request({ method: 'GET', url: '/things', params: { a: 1 } });

    expect(response.status).toBe(200);
    expect(response.data).toEqual({ ok: true });
    expect(instance.requestCount()).toBe(1);
  });

  it('re-sends after a 401 while the auth hook says the token was replaced, but never more than 3 times', async () => {
    const verdicts: string[] = [];
    const { instance } = client({
      auth: {
        headers: () => Promise.resolve({ Authorization: SECRET }),
        onRejected: () => {
          verdicts.push('resend');
          return 'resend';
        },
      },
    });
    http.mock(BASE).get('/things').times(4).reply(401, { error: 'expired' });

    await expect(instance.request({ method: 'GET', url: '/things' })).rejects.toMatchObject({ details: { code: 'auth' } });
    expect(instance.requestCount()).toBe(4);
    expect(verdicts).toHaveLength(3);
  });

  it('gives up when the token a request itself caused to be fetched is rejected too', async () => {
    let token = 0;
    const { instance } = client({
      auth: {
        headers: () => Promise.resolve({ Authorization: `Bearer t${token}` }),
        onRejected: () => {
          token += 1;
          return 'refresh';
        },
      },
    });
    http.mock(BASE).get('/things').times(2).reply(401, { error: 'invalid' });

    await expect(instance.request({ method: 'GET', url: '/things' })).rejects.toMatchObject({ details: { code: 'auth' } });
    expect(instance.requestCount()).toBe(2);
  });

  it('honours an HTTP-date Retry-After on 503', async () => {
    const now = Date.parse('2024-05-14T09:00:00Z');
    const { instance, slept } = client({
      retryOverrides: {
        now: () => now,
        sleep: (ms) => {
          slept.push(ms);
          return Promise.resolve();
        },
      },
    });
    http.mock(BASE).get('/things').reply(503, 'maintenance', { 'Retry-After': 'Tue, 14 May 2024 09:00:05 GMT' }).get('/things').reply(200, {});

    await instance.request({ method: 'GET', url: '/things' });

    expect(slept[0]).toBe(5000);
  });

  it('keeps headers and bodies out of errors', async () => {
    const { instance } = client({ retryOverrides: { maxRetries: 0 } });
    http.mock(BASE).post('/things').reply(422, { message: 'nope' });

    const error: unknown = await instance.request({ method: 'POST', url: '/things', data: { password: 'hunter2' } }).catch((rejected: unknown) => rejected);

    expect(error).toBeInstanceOf(PlatformError);
    const serialised = JSON.stringify({ ...(error as object), message: (error as Error).message, stack: (error as Error).stack });
    expect(serialised).not.toContain('very-secret-token');
    expect(serialised).not.toContain('hunter2');
    expect((error as PlatformError).details).toMatchObject({ code: 'bad-request', status: 422, retryable: false });
  });

  it('does not follow redirects with credentials', async () => {
    const { instance } = client();
    http.mock(BASE).get('/things').reply(302, '', { Location: 'https://login.example.test/sso' });

    await expect(instance.request({ method: 'GET', url: '/things' })).rejects.toMatchObject({
      details: { code: 'bad-response', hint: expect.stringContaining('https://login.example.test') },
    });
  });

  it('returns accepted error statuses instead of throwing', async () => {
    const { instance } = client();
    http.mock(BASE).get('/missing').reply(404, {});

    const response = await instance.request({ method: 'GET', url: '/missing', acceptStatuses: [404] });

    expect(response.status).toBe(404);
  });

  it('counts retries as requests', async () => {
    const { instance, slept } = client();
    http.mock(BASE).get('/flaky').times(2).reply(502, 'bad gateway').get('/flaky').reply(200, {});

    await instance.request({ method: 'GET', url: '/flaky' });

    expect(instance.requestCount()).toBe(3);
    expect(slept).toEqual([50, 100]);
  });
});
