import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FaultConfig } from '../../../src/sandbox/faults.js';
import { seedFixtures } from '../../../src/sandbox/servicenow/fixtures.js';
import { type ServiceNowSandbox, startServiceNowSandbox } from '../../../src/sandbox/servicenow/server.js';
import { ServiceNowStore } from '../../../src/sandbox/servicenow/store.js';
import { rawRequest } from './raw-request.js';

const BASIC = `Basic ${Buffer.from('deskbridge:deskbridge').toString('base64')}`;
const AUTH = { Authorization: BASIC };
const LIST = '/api/now/table/incident?sysparm_limit=5';

async function get(sandbox: ServiceNowSandbox, path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${sandbox.url}${path}`, { headers: { ...AUTH, Accept: 'application/json' } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('ServiceNow sandbox: fault kinds', () => {
  let sandbox: ServiceNowSandbox;
  let store: ServiceNowStore;

  beforeEach(async () => {
    store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  function only(kinds: FaultConfig['kinds'], extra: Partial<FaultConfig> = {}): void {
    sandbox.setFaults({ rate: 1, kinds, seed: 1, ...extra });
  }

  it.each([500, 502, 504] as const)('server-error %i answers with the ServiceNow error envelope', async (status) => {
    only(['server-error'], { serverErrorStatuses: [status] });

    const response = await get(sandbox, LIST);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(JSON.parse(response.text)).toEqual({ error: { message: expect.any(String), detail: expect.any(String) }, status: 'failure' });
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('server-error 503 carries Retry-After unless retryAfterOn503 is false', async () => {
    only(['server-error'], { serverErrorStatuses: [503], retryAfterSeconds: 7 });
    const withHeader = await get(sandbox, LIST);
    only(['server-error'], { serverErrorStatuses: [503], retryAfterOn503: false });
    const without = await get(sandbox, LIST);

    expect(withHeader.status).toBe(503);
    expect(withHeader.headers.get('retry-after')).toBe('7');
    expect(JSON.parse(withHeader.text).error.message).toBe('Service Unavailable');
    expect(without.status).toBe(503);
    expect(without.headers.get('retry-after')).toBeNull();
  });

  it('rate-limit answers 429 with Retry-After, the rate-limit headers and the documented body', async () => {
    only(['rate-limit'], { retryAfterSeconds: 1 });

    const response = await get(sandbox, LIST);

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
    expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 5);
    expect(JSON.parse(response.text)).toEqual({ error: { message: 'Rate limit exceeded', detail: expect.any(String) }, status: 'failure' });
  });

  it('reset destroys the connection so the client sees ECONNRESET', async () => {
    only(['reset']);

    const outcome = await rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH });

    expect(outcome).toMatchObject({ kind: 'error', code: 'ECONNRESET' });
    expect(sandbox.faultLog).toEqual([expect.objectContaining({ kind: 'reset', phase: 'before', status: null })]);
  });

  it('timeout never answers within the client timeout', async () => {
    only(['timeout']);

    const outcome = await rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH, timeoutMs: 300 });

    expect(outcome.kind).toBe('timeout');
    expect(outcome.ms).toBeGreaterThanOrEqual(290);
    expect(sandbox.faultLog).toEqual([expect.objectContaining({ kind: 'timeout', status: null })]);
  });

  it('timeout with timeoutMs answers 504 only after the client timeout has fired', async () => {
    only(['timeout'], { timeoutMs: 400 });

    const impatient = await rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH, timeoutMs: 150 });
    const patient = await rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH, timeoutMs: 3000 });

    expect(impatient.kind).toBe('timeout');
    expect(patient).toMatchObject({ kind: 'response', status: 504 });
    expect(patient.ms).toBeGreaterThanOrEqual(390);
  });

  it('close() returns promptly while timeout requests hang', async () => {
    only(['timeout']);
    const hanging = [1, 2, 3].map(() => rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH, timeoutMs: 10_000 }));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await sandbox.close();
    const outcomes = await Promise.all(hanging);

    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcomes.every((o) => o.kind === 'error')).toBe(true);
  });

  it('close() returns promptly with a long timeoutMs answer pending', async () => {
    only(['timeout'], { timeoutMs: 60_000 });
    const pending = rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH, timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await sandbox.close();
    await pending;

    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('slow answers correctly after slowMs', async () => {
    only(['slow'], { slowMs: 250 });
    const started = Date.now();

    const response = await get(sandbox, LIST);

    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).result).toHaveLength(5);
    expect(response.headers.get('x-total-count')).toBe(String(store.count('incident')));
  });

  it('truncated-json answers 200 with JSON headers and a body cut in the middle', async () => {
    only(['truncated-json']);

    const response = await get(sandbox, LIST);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(response.text));
    expect(response.text.startsWith('{"result":[')).toBe(true);
    expect(isJson(response.text)).toBe(false);
  });

  it('malformed-json answers 200 with an HTML maintenance page', async () => {
    only(['malformed-json']);

    const response = await get(sandbox, LIST);

    expect(response.status).toBe(200);
    expect(response.text).toMatch(/^<!DOCTYPE html>/);
    expect(isJson(response.text)).toBe(false);
  });

  it('bad-record breaks exactly one record of a list page, whatever the seed', async () => {
    const brokenCounts: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      only(['bad-record'], { seed });
      const response = await get(sandbox, `${LIST}&sysparm_fields=sys_id,number,sys_updated_on`);
      const records = JSON.parse(response.text).result as Record<string, unknown>[];
      expect(records).toHaveLength(5);
      brokenCounts.push(records.filter((r) => typeof r['sys_id'] !== 'string' || typeof r['sys_updated_on'] !== 'string').length);
    }

    expect(brokenCounts).toEqual(Array(12).fill(1));
    const details = sandbox.faultLog.map((e) => e.detail ?? '');
    expect(details.some((d) => d.includes('sys_id removed'))).toBe(true);
    expect(details.some((d) => d.includes('sys_updated_on removed'))).toBe(true);
  });

  it('bad-record leaves single-record reads alone (they are not list pages)', async () => {
    only(['bad-record']);
    const sysId = store.list('incident')[0]?.['sys_id'];

    const response = await get(sandbox, `/api/now/table/incident/${sysId}`);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).result.sys_id).toBe(sysId);
    expect(sandbox.faultLog).toHaveLength(0);
  });
});

describe('ServiceNow sandbox: faults on writes, before or after apply', () => {
  let sandbox: ServiceNowSandbox;
  let store: ServiceNowStore;
  let sysId: string;

  beforeEach(async () => {
    store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store });
    sysId = store.list('incident')[0]?.['sys_id'] ?? '';
  });

  afterEach(async () => {
    await sandbox.close();
  });

  function patch(body: unknown): Promise<Response> {
    return fetch(`${sandbox.url}/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('a PATCH faulted after apply is stored although the client gets a server error', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['server-error'], afterApplyShare: 1, seed: 3 });
    const before = store.get('incident', sysId)?.['sys_mod_count'];

    const response = await patch({ short_description: 'written despite the 5xx' });

    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(((await response.json()) as { status: string }).status).toBe('failure');
    expect(store.get('incident', sysId)?.['short_description']).toBe('written despite the 5xx');
    expect(Number(store.get('incident', sysId)?.['sys_mod_count'])).toBe(Number(before) + 1);
    expect(sandbox.faultLog).toEqual([expect.objectContaining({ method: 'PATCH', kind: 'server-error', phase: 'after' })]);
  });

  it('a POST reset after apply creates the record although the client sees ECONNRESET', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['reset'], afterApplyShare: 1 });
    const count = store.count('incident');

    const outcome = await rawRequest(`${sandbox.url}/api/now/table/incident`, {
      method: 'POST',
      headers: AUTH,
      body: { short_description: 'created, answer lost' },
    });

    expect(outcome).toMatchObject({ kind: 'error', code: 'ECONNRESET' });
    expect(store.count('incident')).toBe(count + 1);
    expect(store.query('incident', 'short_description=created, answer lost')).toHaveLength(1);
    expect(sandbox.faultLog[0]).toMatchObject({ kind: 'reset', phase: 'after' });
  });

  it('a POST timed out after apply creates the record while the client gives up', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['timeout'], afterApplyShare: 1 });
    const count = store.count('incident');

    const outcome = await rawRequest(`${sandbox.url}/api/now/table/incident`, {
      method: 'POST',
      headers: AUTH,
      body: { short_description: 'created, never answered' },
      timeoutMs: 300,
    });

    expect(outcome.kind).toBe('timeout');
    expect(store.count('incident')).toBe(count + 1);
  });

  it('a truncated answer to a PATCH comes after the write was applied', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['truncated-json'], afterApplyShare: 0 });

    const response = await patch({ short_description: 'applied, answer cut' });

    expect(response.status).toBe(200);
    expect(isJson(await response.text())).toBe(false);
    expect(store.get('incident', sysId)?.['short_description']).toBe('applied, answer cut');
    expect(sandbox.faultLog[0]).toMatchObject({ kind: 'truncated-json', phase: 'after' });
  });

  it.each(['server-error', 'reset', 'timeout'] as const)('%s before apply leaves the store unchanged', async (kind) => {
    sandbox.setFaults({ rate: 1, kinds: [kind], afterApplyShare: 0 });
    const original = { ...store.get('incident', sysId) };
    const count = store.count('incident');

    const patched = await rawRequest(`${sandbox.url}/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      headers: AUTH,
      body: { short_description: 'must not be written' },
      timeoutMs: 300,
    });
    const posted = await rawRequest(`${sandbox.url}/api/now/table/incident`, {
      method: 'POST',
      headers: AUTH,
      body: { short_description: 'must not be created' },
      timeoutMs: 300,
    });

    expect(patched.kind === 'response' ? patched.status : patched.kind).not.toBe(200);
    expect(posted.kind === 'response' ? posted.status : posted.kind).not.toBe(201);
    expect(store.get('incident', sysId)).toEqual(original);
    expect(store.count('incident')).toBe(count);
    expect(sandbox.faultLog.map((e) => e.phase)).toEqual(['before', 'before']);
  });

  it('an after-phase fault leaves a real error answer alone', async () => {
    sandbox.setFaults({ rate: 1, kinds: ['server-error'], afterApplyShare: 1 });

    const response = await fetch(`${sandbox.url}/api/now/table/incident/${'0'.repeat(32)}`, {
      method: 'PATCH',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: '{}',
    });

    expect(response.status).toBe(404);
    expect(sandbox.faultLog).toHaveLength(0);
  });
});

describe('ServiceNow sandbox: fault selection', () => {
  let sandboxes: ServiceNowSandbox[] = [];

  async function start(faults?: FaultConfig): Promise<ServiceNowSandbox> {
    const store = new ServiceNowStore();
    seedFixtures(store);
    const sandbox = await startServiceNowSandbox({ store, ...(faults ? { faults } : {}) });
    sandboxes.push(sandbox);
    return sandbox;
  }

  afterEach(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    sandboxes = [];
  });

  async function faultedIndexes(sandbox: ServiceNowSandbox, requests: number): Promise<number[]> {
    const faulted: number[] = [];
    for (let i = 0; i < requests; i++) {
      const response = await get(sandbox, '/api/now/table/incident?sysparm_limit=1');
      if (response.status !== 200) faulted.push(i);
    }
    return faulted;
  }

  it('rate 0.1 over 1000 requests faults about 100, and the same seed faults the same requests', async () => {
    const faults: FaultConfig = { rate: 0.1, kinds: ['server-error'], seed: 7 };
    const first = await start(faults);
    const second = await start(faults);
    const other = await start({ ...faults, seed: 8 });

    const a = await faultedIndexes(first, 1000);
    const b = await faultedIndexes(second, 1000);
    const c = await faultedIndexes(other, 1000);

    expect(a.length).toBeGreaterThan(70);
    expect(a.length).toBeLessThan(130);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(first.faultCounts()).toMatchObject({ eligible: 1000, injected: a.length, byKind: { 'server-error': a.length } });
    expect(first.faultLog.map((e) => e.status)).toEqual(second.faultLog.map((e) => e.status));
  });

  it('setFaults restarts the PRNG from the seed, so a run can be replayed', async () => {
    const sandbox = await start({ rate: 0.3, kinds: ['server-error'], seed: 42 });
    const a = await faultedIndexes(sandbox, 50);

    sandbox.setFaults({ rate: 0.3, kinds: ['server-error'], seed: 42 });
    const b = await faultedIndexes(sandbox, 50);

    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('weights pick kinds in proportion', async () => {
    const sandbox = await start({ rate: 1, kinds: { 'server-error': 3, 'rate-limit': 1 }, seed: 5 });

    await faultedIndexes(sandbox, 400);

    const { byKind } = sandbox.faultCounts();
    expect(byKind['server-error'] + byKind['rate-limit']).toBe(400);
    expect(byKind['server-error']).toBeGreaterThan(250);
    expect(byKind['rate-limit']).toBeGreaterThan(60);
  });

  it('methods limits faults to the listed methods', async () => {
    const sandbox = await start({ rate: 1, kinds: ['server-error'], methods: ['patch', 'POST'], afterApplyShare: 0 });
    const sysId = sandbox.store.list('incident')[0]?.['sys_id'];

    const read = await get(sandbox, LIST);
    const write = await fetch(`${sandbox.url}/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ short_description: 'x' }),
    });

    expect(read.status).toBe(200);
    expect(write.status).toBeGreaterThanOrEqual(500);
    expect(sandbox.faultLog.map((e) => e.method)).toEqual(['PATCH']);
    expect(sandbox.faultCounts().eligible).toBe(1);
  });

  it('operations: read limits faults to reads', async () => {
    const sandbox = await start({ rate: 1, kinds: ['server-error'], operations: 'read' });
    const sysId = sandbox.store.list('incident')[0]?.['sys_id'];

    const write = await fetch(`${sandbox.url}/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ short_description: 'x' }),
    });
    const read = await get(sandbox, LIST);

    expect(write.status).toBe(200);
    expect(read.status).toBeGreaterThanOrEqual(500);
  });

  it('paths limits faults to matching path prefixes', async () => {
    const sandbox = await start({ rate: 1, kinds: ['server-error'], paths: ['/api/now/table/problem'] });

    const incident = await get(sandbox, LIST);
    const problem = await get(sandbox, '/api/now/table/problem');

    expect(incident.status).toBe(200);
    expect(problem.status).toBeGreaterThanOrEqual(500);
  });

  it('OAuth token requests and the control API are exempt unless includeAuth', async () => {
    const store = new ServiceNowStore();
    const sandbox = await startServiceNowSandbox({
      store,
      oauthClients: [{ clientId: 'c', clientSecret: 's' }],
      faults: { rate: 1, kinds: ['server-error'] },
    });
    sandboxes.push(sandbox);
    const token = (): Promise<Response> =>
      fetch(`${sandbox.url}/oauth_token.do`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=c&client_secret=s',
      });

    const exempt = await token();
    const health = await fetch(`${sandbox.url}/__sandbox/health`);
    sandbox.setFaults({ rate: 1, kinds: ['server-error'], includeAuth: true });
    const faulted = await token();

    expect(exempt.status).toBe(200);
    expect(health.status).toBe(200);
    expect(faulted.status).toBeGreaterThanOrEqual(500);
  });

  it('marks faulted requests in the request log, status 0 when nothing was answered', async () => {
    const sandbox = await start({ rate: 1, kinds: ['reset'] });

    await rawRequest(`${sandbox.url}${LIST}`, { headers: AUTH });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(sandbox.requestLog).toEqual([expect.objectContaining({ path: '/api/now/table/incident', status: 0, fault: 'reset' })]);
  });
});

describe('ServiceNow sandbox: fault control API', () => {
  let sandbox: ServiceNowSandbox;

  beforeEach(async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${sandbox.url}/__sandbox${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  }

  it('turns faults on and off at runtime and serves the fault log', async () => {
    const off = await control('GET', '/faults');
    const put = await control('PUT', '/faults', { rate: 1, kinds: ['rate-limit'], seed: 9 });
    const faulted = await get(sandbox, LIST);
    const log = await control('GET', '/faults/log');
    const removed = await control('DELETE', '/faults');
    const healthy = await get(sandbox, LIST);
    const cleared = await control('DELETE', '/faults/log');

    expect(off.body).toMatchObject({ faults: null, counts: { injected: 0 } });
    expect(put.status).toBe(200);
    expect(put.body.faults).toMatchObject({ rate: 1, kinds: { 'rate-limit': 1 }, seed: 9, afterApplyShare: 0.5, retryAfterSeconds: 1 });
    expect(faulted.status).toBe(429);
    expect(log.body.entries).toEqual([expect.objectContaining({ seq: 1, method: 'GET', path: '/api/now/table/incident', kind: 'rate-limit', phase: 'before', status: 429 })]);
    expect(log.body.counts).toMatchObject({ eligible: 1, injected: 1, byKind: { 'rate-limit': 1 }, byPhase: { before: 1, after: 0 } });
    expect(removed.body).toEqual({ faults: null });
    expect(healthy.status).toBe(200);
    expect(cleared.status).toBe(200);
    expect(sandbox.faultLog).toHaveLength(0);
  });

  it('accepts the CLI spec string and reports the configuration it resolved', async () => {
    const put = await control('PUT', '/faults', { spec: 'rate=0.5,kinds=server-error+reset,seed=7,methods=PATCH' });
    const got = await control('GET', '/faults');

    expect(put.status).toBe(200);
    expect(got.body.faults).toMatchObject({ rate: 0.5, kinds: { 'server-error': 1, reset: 1 }, seed: 7, methods: ['PATCH'] });
    expect(sandbox.getFaults()).toEqual(got.body.faults);
  });

  it('answers 400 with the ServiceNow envelope for an invalid configuration and keeps the old one', async () => {
    await control('PUT', '/faults', { rate: 0.2, kinds: ['slow'], seed: 1 });

    const badKind = await control('PUT', '/faults', { rate: 1, kinds: ['meteor'] });
    const badRate = await control('PUT', '/faults', { rate: 2 });

    expect(badKind.status).toBe(400);
    expect(badKind.body.error.detail).toContain('Unknown fault kind "meteor"');
    expect(badRate.status).toBe(400);
    expect(sandbox.getFaults()).toMatchObject({ rate: 0.2, kinds: { slow: 1 } });
  });
});
