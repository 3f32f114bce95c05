import { afterEach, describe, expect, it } from 'vitest';
import type { FaultConfig } from '../../../src/sandbox/faults.js';
import { CLI_SANDBOX_ACCOUNT, type ZendeskSandbox, ZendeskStore, seedFixtures, startZendeskSandbox } from '../../../src/sandbox/zendesk/index.js';
import { rawRequest } from './raw-request.js';

const AUTH = `Basic ${Buffer.from(`${CLI_SANDBOX_ACCOUNT.email}/token:${CLI_SANDBOX_ACCOUNT.apiToken}`).toString('base64')}`;
const EXPORT = `/api/v2/incremental/tickets/cursor.json?start_time=${Math.floor(Date.now() / 1000) - 86_400}`;

let sandboxes: ZendeskSandbox[] = [];

async function start(faults?: FaultConfig): Promise<ZendeskSandbox> {
  const store = new ZendeskStore();
  seedFixtures(store);
  const sandbox = await startZendeskSandbox({ store, ...(faults ? { faults } : {}) });
  sandboxes.push(sandbox);
  return sandbox;
}

afterEach(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  sandboxes = [];
});

async function call(sandbox: ZendeskSandbox, path: string, init: { method?: string; body?: unknown; auth?: boolean } = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.auth !== false) headers['Authorization'] = AUTH;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sandbox.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('Zendesk sandbox: injected faults', () => {
  it.each([500, 502, 503, 504] as const)('server-error %i answers with a Zendesk error body', async (status) => {
    const sandbox = await start({ rate: 1, kinds: ['server-error'], serverErrorStatuses: [status], retryAfterSeconds: 3 });
    const response = await call(sandbox, '/api/v2/tickets/1.json');
    expect(response.status).toBe(status);
    expect(JSON.parse(response.text)).toEqual({ error: expect.any(String), description: expect.any(String) });
    expect(response.headers.get('retry-after')).toBe(status === 503 ? '3' : null);
  });

  it('rate-limit answers 429 with Retry-After and the X-Rate-Limit / ratelimit-* headers', async () => {
    const sandbox = await start({ rate: 1, kinds: ['rate-limit'], retryAfterSeconds: 2 });
    const response = await call(sandbox, EXPORT);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(response.headers.get('ratelimit-remaining')).toBe('0');
    expect(JSON.parse(response.text)).toMatchObject({ error: 'APIRateLimitExceeded' });
  });

  it('reset makes the client see ECONNRESET', async () => {
    const sandbox = await start({ rate: 1, kinds: ['reset'] });
    const outcome = await rawRequest(`${sandbox.url}/api/v2/tickets/1.json`, { headers: { Authorization: AUTH } });
    expect(outcome).toMatchObject({ kind: 'error', code: 'ECONNRESET' });
  });

  it('bad-record breaks exactly one ticket of an export page: no id, or updated_at "not a date"', async () => {
    const sandbox = await start({ rate: 1, kinds: ['bad-record'], seed: 3 });
    const response = await call(sandbox, EXPORT);
    const tickets = (JSON.parse(response.text) as { tickets: Record<string, unknown>[] }).tickets;
    const broken = tickets.filter((t) => !('id' in t) || t['updated_at'] === 'not a date');
    expect(broken).toHaveLength(1);
    expect(sandbox.faultLog).toHaveLength(1);
  });

  it('a PUT faulted after apply changes the ticket although the client gets a server error', async () => {
    const sandbox = await start({ rate: 1, kinds: ['server-error'], serverErrorStatuses: [500], afterApplyShare: 1, operations: 'write' });
    const response = await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { priority: 'low' } } });
    expect(response.status).toBe(500);
    expect(sandbox.store.ticket(1)?.priority).toBe('low');
  });

  it('users/me is exempt unless includeAuth', async () => {
    const sandbox = await start({ rate: 1, kinds: ['server-error'] });
    expect((await call(sandbox, '/api/v2/users/me.json')).status).toBe(200);
    sandbox.setFaults({ rate: 1, kinds: ['server-error'], includeAuth: true });
    expect((await call(sandbox, '/api/v2/users/me.json')).status).toBeGreaterThanOrEqual(500);
  });

  it('the control API toggles faults at runtime, serves the fault and request logs, and never faults itself', async () => {
    const sandbox = await start();
    const control = async (method: string, path: string, body?: unknown) => call(sandbox, `/__sandbox${path}`, { method, auth: false, ...(body === undefined ? {} : { body }) });
    expect((await control('PUT', '/faults', { spec: 'rate=1,kinds=server-error,serverErrorStatuses=502' })).status).toBe(200);
    expect((await call(sandbox, '/api/v2/groups.json')).status).toBe(502);
    expect((await control('GET', '/health')).status).toBe(200);
    const log = JSON.parse((await control('GET', '/faults/log')).text) as { entries: unknown[] };
    expect(log.entries).toHaveLength(1);
    await control('DELETE', '/faults');
    expect((await call(sandbox, '/api/v2/groups.json')).status).toBe(200);
    expect((await control('PUT', '/faults', { rate: 1, kinds: { reset: -1 } })).status).toBe(400);
    const requests = JSON.parse((await control('GET', '/requests')).text) as { requests: { path: string; status: number; fault?: string }[] };
    expect(requests.requests.find((r) => r.path === '/api/v2/groups.json')).toMatchObject({ status: 502, fault: 'server-error' });
  });

  it('the control API changes tickets as a person and deletes them', async () => {
    const sandbox = await start();
    const put = await call(sandbox, '/__sandbox/tickets/1?user=ana.costa@example.com', { method: 'PUT', auth: false, body: { priority: 'urgent' } });
    expect(put.status).toBe(200);
    expect(sandbox.store.lastAudit(1)?.author_id).toBe(sandbox.store.userByEmail('ana.costa@example.com')?.id);
    expect((await call(sandbox, '/__sandbox/tickets/1', { method: 'DELETE', auth: false })).status).toBe(200);
    expect((await call(sandbox, '/api/v2/tickets/1.json')).status).toBe(404);
  });
});
