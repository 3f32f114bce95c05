import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_SANDBOX_API_KEY, FreshserviceStore, type FreshserviceSandbox, seedFixtures, startFreshserviceSandbox } from '../../../src/sandbox/freshservice/index.js';
import { rawRequest } from './raw-request.js';

const auth = { Authorization: `Basic ${Buffer.from(`${CLI_SANDBOX_API_KEY}:X`).toString('base64')}` };

describe('Freshservice sandbox fault injection', () => {
  let sandbox: FreshserviceSandbox;

  beforeEach(async () => {
    const store = new FreshserviceStore();
    seedFixtures(store);
    sandbox = await startFreshserviceSandbox({ store, rateLimit: null });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it('injects Freshservice-shaped 5xx bodies', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['server-error'], serverErrorStatuses: [500], seed: 1 });
    const out = await rawRequest(`${sandbox.url}/api/v2/tickets`, { headers: auth });
    expect(out.kind).toBe('response');
    if (out.kind !== 'response') return;
    expect(out.status).toBe(500);
    expect(JSON.parse(out.body)).toEqual({ code: 'internal_error', message: expect.any(String) });
    expect(sandbox.faultLog[0]).toMatchObject({ kind: 'server-error', status: 500, path: '/api/v2/tickets' });
  });

  it('injects 429 with Retry-After and the rate-limit headers', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['rate-limit'], retryAfterSeconds: 7, seed: 2 });
    const out = await rawRequest(`${sandbox.url}/api/v2/tickets/1`, { headers: auth });
    if (out.kind !== 'response') throw new Error(out.kind);
    expect(out.status).toBe(429);
    expect(out.headers['retry-after']).toBe('7');
    expect(out.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('breaks one ticket of a list page with bad-record', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['bad-record'], seed: 3 });
    const out = await rawRequest(`${sandbox.url}/api/v2/tickets`, { headers: auth });
    if (out.kind !== 'response') throw new Error(out.kind);
    expect(out.status).toBe(200);
    const tickets = (JSON.parse(out.body) as { tickets: Record<string, unknown>[] }).tickets;
    expect(tickets.some((t) => !('id' in t) || t['updated_at'] === 'not a date')).toBe(true);
    expect(sandbox.faultLog[0]?.detail).toMatch(/^tickets\[\d+\]/);
  });

  it('answers malformed JSON (an HTML maintenance page) and truncated JSON', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['malformed-json'], seed: 4 });
    const html = await rawRequest(`${sandbox.url}/api/v2/groups`, { headers: auth });
    if (html.kind !== 'response') throw new Error(html.kind);
    expect(html.body).toContain('Freshservice is down for maintenance');
    sandbox.setFaults({ rate: 1, kinds: ['truncated-json'], seed: 5 });
    const cut = await rawRequest(`${sandbox.url}/api/v2/groups`, { headers: auth });
    if (cut.kind !== 'response') throw new Error(cut.kind);
    expect(() => JSON.parse(cut.body) as unknown).toThrow();
  });

  it('resets the connection, and a write faulted after it applied still changed the ticket', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['reset'], afterApplyShare: 1, seed: 6 });
    const out = await rawRequest(`${sandbox.url}/api/v2/tickets/1`, { method: 'PUT', headers: auth, body: { priority: 4 } });
    expect(out.kind).toBe('error');
    expect(sandbox.store.ticket(1)?.priority).toBe(4);
    expect(sandbox.faultLog[0]).toMatchObject({ kind: 'reset', phase: 'after' });
  });

  it('times out (never answers) until the client gives up', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['timeout'], seed: 7 });
    const out = await rawRequest(`${sandbox.url}/api/v2/tickets`, { headers: auth, timeoutMs: 300 });
    expect(out.kind).toBe('timeout');
  });

  it('leaves /api/v2/agents/me alone unless includeAuth, and is configured through /__sandbox/faults', async () => {
    const put = await rawRequest(`${sandbox.url}/__sandbox/faults`, { method: 'PUT', body: { spec: 'rate=1,kinds=server-error,seed=8' } });
    if (put.kind !== 'response') throw new Error(put.kind);
    expect(put.status).toBe(200);
    const me = await rawRequest(`${sandbox.url}/api/v2/agents/me`, { headers: auth });
    if (me.kind !== 'response') throw new Error(me.kind);
    expect(me.status).toBe(200);
    const bad = await rawRequest(`${sandbox.url}/__sandbox/faults`, { method: 'PUT', body: { rate: 2 } });
    if (bad.kind !== 'response') throw new Error(bad.kind);
    expect(bad.status).toBe(400);
    const off = await rawRequest(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
    if (off.kind !== 'response') throw new Error(off.kind);
    expect(JSON.parse(off.body)).toEqual({ faults: null });
  });
});
