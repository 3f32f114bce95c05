import { describe, expect, it } from 'vitest';
import type { CircuitState } from '../../../src/http/circuit-breaker.js';
import { createHttpClient, type HttpClient } from '../../../src/http/client.js';
import { PlatformError } from '../../../src/http/errors.js';
import { HostQueueRegistry } from '../../../src/http/queue.js';
import type { RetryOverrides } from '../../../src/http/retry.js';
import { platformDescriptor, platformIds } from '../../../src/platforms/registry.js';
import { createServiceNowConnector } from '../../../src/platforms/servicenow/index.js';
import { ServiceNowSource } from '../../../src/platforms/servicenow/source.js';
import { transportStatusOf } from '../../../src/platforms/transport-status.js';
import { useHttpMock } from '../../helpers/http-mock.js';

const http = useHttpMock();
const SNOW = 'https://acme.service-now.com';
const SYS_USER = '/api/now/table/sys_user';
const USER_QUERY = { sysparm_query: 'user_name=svc.deskbridge', sysparm_fields: 'sys_id,user_name', sysparm_limit: '1' };
const USER_FOUND = { result: [{ sys_id: '4be1d2f01b2d41109a5de1f2c3b4a600', user_name: 'svc.deskbridge' }] };
const START = Date.parse('2026-12-05T12:00:00Z');

/** Test clock and instant sleeps: the breaker reads the client's `now`, so the cool-down passes by advancing it. */
function clock() {
  const c = { now: START };
  const overrides: RetryOverrides = { now: () => c.now, sleep: () => Promise.resolve(), random: () => 0.5 };
  return { c, overrides };
}

function snowSource(overrides: Record<string, unknown> = {}): ServiceNowSource {
  return ServiceNowSource.parse({
    id: 'snow-prod',
    platform: 'servicenow',
    baseUrl: SNOW,
    auth: { type: 'basic', username: 'svc.deskbridge', password: 'pw' },
    // One failure per request (no retries), the circuit opens after 2 in a row, for 1 s at first.
    retry: { maxRetries: 0, breakerThreshold: 2, breakerCooldownSeconds: 1 },
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<PlatformError> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('transport status: the circuit breaker of a real HTTP client, as a console reads it', () => {
  it('a ServiceNow connector reports open after repeated 500s, half-open after the cool-down, closed after a good probe', async () => {
    const { c, overrides } = clock();
    const connector = createServiceNowConnector(snowSource(), { hostQueues: new HostQueueRegistry(), retryOverrides: overrides });
    expect(connector.transportStatus()).toEqual({ requests: 0, circuit: 'closed', circuitRetryAt: undefined, budgetPerMinute: undefined });

    http
      .mock(SNOW)
      .get(SYS_USER)
      .query(USER_QUERY)
      .times(2)
      .reply(500, { error: { message: 'Transaction cancelled' }, status: 'failure' });
    expect((await rejection(connector.init())).code).toBe('server');
    expect(connector.transportStatus()).toMatchObject({ requests: 1, circuit: 'closed', circuitRetryAt: undefined });
    expect((await rejection(connector.init())).code).toBe('server');

    expect(connector.transportStatus()).toEqual({ requests: 2, circuit: 'open', circuitRetryAt: '2026-12-05T12:00:01.000Z', budgetPerMinute: undefined });
    // While open, nothing is sent: the count stays, the refusal says so.
    c.now += 999;
    expect((await rejection(connector.init())).code).toBe('circuit-open');
    expect(connector.transportStatus()).toMatchObject({ requests: 2, circuit: 'open', circuitRetryAt: '2026-12-05T12:00:01.000Z' });

    c.now += 1;
    expect(connector.transportStatus()).toEqual({ requests: 2, circuit: 'half-open', circuitRetryAt: undefined, budgetPerMinute: undefined });

    http.mock(SNOW).get(SYS_USER).query(USER_QUERY).reply(200, USER_FOUND);
    await expect(connector.init()).resolves.toEqual({ integrationUser: 'svc.deskbridge' });
    expect(connector.transportStatus()).toEqual({ requests: 3, circuit: 'closed', circuitRetryAt: undefined, budgetPerMinute: undefined });
    expect(connector.requestCount()).toBe(3);
  });

  it('HttpClient: a failed probe re-opens the circuit for twice as long, and circuitRetryAt moves with it', async () => {
    const { c, overrides } = clock();
    const client = createHttpClient({
      platform: 'example',
      platformLabel: 'Example',
      sourceId: 'ex-1',
      baseUrl: 'https://api.example.test',
      rateLimit: { requestsPerMinute: 600, concurrency: 2 },
      retry: { maxRetries: 0, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterSeconds: 60, timeoutMs: 1000, breakerThreshold: 2, breakerCooldownSeconds: 1 },
      retryOverrides: overrides,
      hostQueues: new HostQueueRegistry(),
    });
    http.mock('https://api.example.test').get('/things').times(3).reply(503, 'down').get('/things').reply(404, {});

    await rejection(client.request({ method: 'GET', url: '/things' }));
    await rejection(client.request({ method: 'GET', url: '/things' }));
    expect(client.circuitState()).toBe('open');
    expect(client.circuitRetryAt()).toBe('2026-12-05T12:00:01.000Z');

    c.now += 1_000;
    expect(client.circuitState()).toBe('half-open');
    expect(client.circuitRetryAt()).toBeUndefined();
    await rejection(client.request({ method: 'GET', url: '/things' }));
    expect(client.circuitState()).toBe('open');
    expect(client.circuitRetryAt()).toBe('2026-12-05T12:00:03.000Z');

    c.now += 2_000;
    expect(client.circuitState()).toBe('half-open');
    expect((await rejection(client.request({ method: 'GET', url: '/things' }))).code).toBe('not-found');
    // A 404 says nothing about the platform's health: the probe neither closes nor re-opens the circuit.
    expect(client.circuitState()).toBe('half-open');
    expect(client.requestCount()).toBe(4);
  });
});

describe('transport status: the source budget', () => {
  it('reports the ServiceNow source budget per minute, and none without one', () => {
    const deps = { hostQueues: new HostQueueRegistry() };
    expect(createServiceNowConnector(snowSource({ budget: '120/min' }), deps).transportStatus().budgetPerMinute).toBe(120);
    expect(createServiceNowConnector(snowSource({ budget: '3000/h' }), deps).transportStatus().budgetPerMinute).toBe(50);
    const unbudgeted = createServiceNowConnector(snowSource(), deps).transportStatus();
    expect(unbudgeted.budgetPerMinute).toBeUndefined();
    expect(unbudgeted).toEqual({ requests: 0, circuit: 'closed', circuitRetryAt: undefined, budgetPerMinute: undefined });
  });

  const written: Record<string, Record<string, unknown>> = {
    servicenow: { baseUrl: SNOW, auth: { type: 'basic', username: 'svc.deskbridge', password: 'pw' } },
    jira: { flavour: 'cloud', baseUrl: 'https://acme.atlassian.net', jql: 'project = ITSM', auth: { type: 'basic', username: 'deskbridge@acme.example', password: 'token' } },
    zendesk: { baseUrl: 'https://acme.zendesk.com', auth: { type: 'token', email: 'deskbridge@acme.example', token: 'token' } },
    freshservice: { baseUrl: 'https://acme.freshservice.com', auth: { type: 'apiKey', apiKey: 'key' } },
  };

  it.each(platformIds())('%s: the connector reports its source budget, and a closed circuit before any request', (id) => {
    const platform = platformDescriptor(id);
    const fields = written[id];
    if (platform === undefined || fields === undefined) throw new Error(`no test source for platform ${id}`);
    const create = (budget?: string) =>
      platform.createConnector(platform.sourceSchema.parse({ id: `${id}-1`, platform: id, ...fields, ...(budget === undefined ? {} : { budget }) }), { hostQueues: new HostQueueRegistry() });

    expect(create('2/s').transportStatus()).toEqual({ requests: 0, circuit: 'closed', circuitRetryAt: undefined, budgetPerMinute: 120 });
    expect(create().transportStatus()).toEqual({ requests: 0, circuit: 'closed', circuitRetryAt: undefined, budgetPerMinute: undefined });
  });
});

describe('transportStatusOf: a connector with several HTTP clients', () => {
  function fake(requests: number, circuit: CircuitState, retryAt?: string): HttpClient {
    return {
      sourceId: 's',
      request: () => Promise.reject(new Error('not sent')),
      requestCount: () => requests,
      circuitState: () => circuit,
      circuitRetryAt: () => retryAt,
    };
  }

  it('sums the requests and reports the worst circuit: open over half-open over closed', () => {
    expect(transportStatusOf([fake(3, 'closed'), fake(4, 'half-open')], undefined)).toEqual({ requests: 7, circuit: 'half-open', circuitRetryAt: undefined, budgetPerMinute: undefined });
    expect(transportStatusOf([fake(1, 'half-open'), fake(2, 'open', '2026-12-05T12:00:30.000Z'), fake(3, 'closed')], '60/min')).toEqual({
      requests: 6,
      circuit: 'open',
      circuitRetryAt: '2026-12-05T12:00:30.000Z',
      budgetPerMinute: 60,
    });
  });

  it('with several open circuits, gives the earliest time one of them lets a probe through', () => {
    const status = transportStatusOf([fake(1, 'open', '2026-12-05T12:05:00.000Z'), fake(1, 'open', '2026-12-05T12:00:30.000Z')], undefined);
    expect(status).toMatchObject({ circuit: 'open', circuitRetryAt: '2026-12-05T12:00:30.000Z' });
  });
});
