import { afterEach, describe, expect, it } from 'vitest';
import type { FaultConfig } from '../../../src/sandbox/faults.js';
import type { JiraFlavour } from '../../../src/sandbox/jira/catalogue.js';
import { seedFixtures } from '../../../src/sandbox/jira/fixtures.js';
import { type JiraSandbox, startJiraSandbox } from '../../../src/sandbox/jira/server.js';
import { JiraStore } from '../../../src/sandbox/jira/store.js';
import { rawRequest } from './raw-request.js';

function basic(login: string, secret: string): string {
  return `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}`;
}

const AUTH: Record<JiraFlavour, string> = {
  cloud: basic('deskbridge@example.com', 'deskbridge'),
  datacenter: basic('deskbridge', 'deskbridge'),
};

function adf(text: string): unknown {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

let sandboxes: JiraSandbox[] = [];

async function start(flavour: JiraFlavour, faults?: FaultConfig): Promise<JiraSandbox> {
  const store = new JiraStore({ flavour });
  seedFixtures(store);
  const sandbox = await startJiraSandbox({ flavour, store, ...(faults ? { faults } : {}) });
  sandboxes.push(sandbox);
  return sandbox;
}

afterEach(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  sandboxes = [];
});

async function call(sandbox: JiraSandbox, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: AUTH[sandbox.flavour] };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sandbox.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function search(sandbox: JiraSandbox, fields: string[] = ['summary', 'updated']): ReturnType<typeof call> {
  return call(sandbox, '/rest/api/3/search/jql', { method: 'POST', body: { jql: 'project = ITSM ORDER BY key', fields, maxResults: 5 } });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('Jira sandbox: fault kinds', () => {
  it.each([500, 502, 503, 504] as const)('server-error %i answers with the Jira error body', async (status) => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['server-error'], serverErrorStatuses: [status], retryAfterSeconds: 3 });

    const response = await call(sandbox, '/rest/api/3/issue/ITSM-1');

    expect(response.status).toBe(status);
    expect(JSON.parse(response.text)).toEqual({ errorMessages: [expect.any(String)], errors: {} });
    expect(response.headers.get('retry-after')).toBe(status === 503 ? '3' : null);
  });

  it('rate-limit on Cloud answers 429 with Retry-After, X-RateLimit-Reset and RateLimit-Reason', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['rate-limit'], retryAfterSeconds: 2 });

    const response = await search(sandbox);

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(response.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    expect(response.headers.get('ratelimit-reason')).toBe('jira-burst-based');
    expect(JSON.parse(response.text)).toEqual({ errorMessages: ['Rate limit exceeded.'], errors: {} });
  });

  it('rate-limit on Data Center carries the token-bucket headers', async () => {
    const sandbox = await start('datacenter', { rate: 1, kinds: ['rate-limit'] });

    const response = await call(sandbox, '/rest/api/2/issue/ITSM-1');

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get('x-ratelimit-interval-seconds')).toMatch(/^\d+$/);
    expect(response.headers.get('x-ratelimit-fillrate')).toMatch(/^\d+$/);
  });

  it('reset makes the client see ECONNRESET', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['reset'] });

    const outcome = await rawRequest(`${sandbox.url}/rest/api/3/issue/ITSM-1`, { headers: { Authorization: AUTH.cloud } });

    expect(outcome).toMatchObject({ kind: 'error', code: 'ECONNRESET' });
  });

  it('timeout does not answer within the client timeout, and close() still returns promptly', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['timeout'] });
    const timedOut = await rawRequest(`${sandbox.url}/rest/api/3/issue/ITSM-1`, { headers: { Authorization: AUTH.cloud }, timeoutMs: 250 });
    const hanging = rawRequest(`${sandbox.url}/rest/api/3/issue/ITSM-2`, { headers: { Authorization: AUTH.cloud }, timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await sandbox.close();
    await hanging;

    expect(timedOut.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('slow answers the real search after slowMs', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['slow'], slowMs: 200 });
    const started = Date.now();

    const response = await search(sandbox);

    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).issues).toHaveLength(5);
  });

  it('truncated-json answers 200 with a search body that does not parse', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['truncated-json'] });

    const response = await search(sandbox);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.text.startsWith('{"issues":[')).toBe(true);
    expect(isJson(response.text)).toBe(false);
  });

  it('malformed-json answers 200 with an HTML maintenance page', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['malformed-json'] });

    const response = await search(sandbox);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(isJson(response.text)).toBe(false);
  });

  it('bad-record breaks exactly one issue of a Cloud search page: no id, or updated "not a date"', async () => {
    const sandbox = await start('cloud');
    const broken: number[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      sandbox.setFaults({ rate: 1, kinds: ['bad-record'], seed });
      const issues = JSON.parse((await search(sandbox)).text).issues as { id?: unknown; fields: { updated?: unknown } }[];
      broken.push(issues.filter((i) => typeof i.id !== 'string' || Number.isNaN(Date.parse(String(i.fields.updated)))).length);
    }

    expect(broken).toEqual(Array(12).fill(1));
    const details = sandbox.faultLog.map((e) => e.detail ?? '');
    expect(details.some((d) => d.endsWith('id removed'))).toBe(true);
    expect(details.some((d) => d.includes('not a date'))).toBe(true);
  });

  it('bad-record breaks one issue of a Data Center search page and leaves issue reads alone', async () => {
    const sandbox = await start('datacenter', { rate: 1, kinds: ['bad-record'], seed: 4 });

    const page = await call(sandbox, '/rest/api/2/search?jql=project%3DITSM&maxResults=4&fields=summary,updated');
    const single = await call(sandbox, '/rest/api/2/issue/ITSM-1');

    const issues = JSON.parse(page.text).issues as { id?: unknown; fields: { updated?: unknown } }[];
    expect(issues.filter((i) => typeof i.id !== 'string' || Number.isNaN(Date.parse(String(i.fields.updated))))).toHaveLength(1);
    expect(single.status).toBe(200);
    expect(JSON.parse(single.text).id).toEqual(expect.any(String));
    expect(sandbox.faultLog).toHaveLength(1);
  });
});

describe('Jira sandbox: faults on writes, before or after apply', () => {
  it('a PUT faulted after apply changes the issue although the client gets a server error', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['server-error'], afterApplyShare: 1 });
    const historiesBefore = sandbox.store.get('ITSM-1')?.histories.length ?? 0;

    const response = await call(sandbox, '/rest/api/3/issue/ITSM-1', { method: 'PUT', body: { fields: { summary: 'applied, answer lost' } } });

    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(sandbox.store.get('ITSM-1')?.summary).toBe('applied, answer lost');
    expect(sandbox.store.get('ITSM-1')?.histories.length).toBe(historiesBefore + 1);
    expect(sandbox.faultLog).toEqual([expect.objectContaining({ method: 'PUT', path: '/rest/api/3/issue/ITSM-1', kind: 'server-error', phase: 'after' })]);
  });

  it('a comment POST reset after apply adds the comment although the client sees ECONNRESET', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['reset'], afterApplyShare: 1 });
    const issue = sandbox.store.get('ITSM-2');
    const before = sandbox.store.comments(issue?.id ?? '').length;

    const outcome = await rawRequest(`${sandbox.url}/rest/api/3/issue/ITSM-2/comment`, {
      method: 'POST',
      headers: { Authorization: AUTH.cloud },
      body: { body: adf('posted once, client will retry') },
    });

    expect(outcome).toMatchObject({ kind: 'error', code: 'ECONNRESET' });
    expect(sandbox.store.comments(issue?.id ?? '')).toHaveLength(before + 1);
  });

  it.each(['server-error', 'reset', 'timeout'] as const)('%s before apply leaves the issue unchanged', async (kind) => {
    const sandbox = await start('cloud', { rate: 1, kinds: [kind], afterApplyShare: 0 });
    const before = structuredClone(sandbox.store.get('ITSM-1'));
    const count = sandbox.store.count();

    const put = await rawRequest(`${sandbox.url}/rest/api/3/issue/ITSM-1`, {
      method: 'PUT',
      headers: { Authorization: AUTH.cloud },
      body: { fields: { summary: 'must not be written' } },
      timeoutMs: 300,
    });
    const created = await rawRequest(`${sandbox.url}/rest/api/3/issue`, {
      method: 'POST',
      headers: { Authorization: AUTH.cloud },
      body: { fields: { project: { key: 'ITSM' }, issuetype: { name: 'Incident' }, summary: 'must not be created' } },
      timeoutMs: 300,
    });

    expect(put.kind === 'response' ? put.status : put.kind).not.toBe(204);
    expect(created.kind === 'response' ? created.status : created.kind).not.toBe(201);
    expect(sandbox.store.get('ITSM-1')).toEqual(before);
    expect(sandbox.store.count()).toBe(count);
    expect(sandbox.faultLog.map((e) => e.phase)).toEqual(['before', 'before']);
  });

  it('truncated-json passes a 204 (no body to cut) through without logging a fault', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['truncated-json'] });

    const response = await call(sandbox, '/rest/api/3/issue/ITSM-1', { method: 'PUT', body: { fields: { summary: 'plain 204' } } });

    expect(response.status).toBe(204);
    expect(sandbox.faultLog).toHaveLength(0);
  });
});

describe('Jira sandbox: fault selection and control', () => {
  it('operations: write faults PUTs but not the POST search, which is a read', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['server-error'], operations: 'write', afterApplyShare: 0 });

    const found = await search(sandbox);
    const written = await call(sandbox, '/rest/api/3/issue/ITSM-1', { method: 'PUT', body: { fields: { summary: 'x' } } });

    expect(found.status).toBe(200);
    expect(written.status).toBeGreaterThanOrEqual(500);
  });

  it('methods: GET leaves writes alone', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['server-error'], methods: ['GET'] });

    const written = await call(sandbox, '/rest/api/3/issue/ITSM-1', { method: 'PUT', body: { fields: { summary: 'x' } } });
    const read = await call(sandbox, '/rest/api/3/issue/ITSM-1');

    expect(written.status).toBe(204);
    expect(read.status).toBeGreaterThanOrEqual(500);
  });

  it('/myself and /serverInfo are exempt unless includeAuth', async () => {
    const sandbox = await start('cloud', { rate: 1, kinds: ['server-error'] });

    const myself = await call(sandbox, '/rest/api/3/myself');
    const serverInfo = await call(sandbox, '/rest/api/3/serverInfo');
    sandbox.setFaults({ rate: 1, kinds: ['server-error'], includeAuth: true });
    const faulted = await call(sandbox, '/rest/api/3/myself');

    expect(myself.status).toBe(200);
    expect(serverInfo.status).toBe(200);
    expect(faulted.status).toBeGreaterThanOrEqual(500);
  });

  it('rate 0.1 with a seed is reproducible across sandboxes', async () => {
    const faults: FaultConfig = { rate: 0.1, kinds: ['server-error', 'rate-limit'], seed: 11 };
    const runs: number[][] = [];
    for (const sandbox of [await start('cloud', faults), await start('cloud', faults)]) {
      const faulted: number[] = [];
      for (let i = 0; i < 300; i++) if ((await call(sandbox, '/rest/api/3/issue/ITSM-3')).status !== 200) faulted.push(i);
      runs.push(faulted);
    }

    expect(runs[0]?.length).toBeGreaterThan(15);
    expect(runs[0]?.length).toBeLessThan(50);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('the control API toggles faults at runtime and serves the log', async () => {
    const sandbox = await start('cloud');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
    const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
      const response = await fetch(`${sandbox.url}/__sandbox${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };

    const put = await control('PUT', '/faults', { spec: 'rate=1,kinds=server-error,serverErrorStatuses=502' });
    const faulted = await call(sandbox, '/rest/api/3/issue/ITSM-1');
    const log = await control('GET', '/faults/log');
    await control('DELETE', '/faults');
    const healthy = await call(sandbox, '/rest/api/3/issue/ITSM-1');
    const invalid = await control('PUT', '/faults', { rate: 1, kinds: { reset: -1 } });

    expect(put.status).toBe(200);
    expect(faulted.status).toBe(502);
    expect(log.body.entries).toEqual([expect.objectContaining({ method: 'GET', path: '/rest/api/3/issue/ITSM-1', kind: 'server-error', status: 502 })]);
    expect(log.body.counts).toMatchObject({ injected: 1, byKind: { 'server-error': 1 } });
    expect(healthy.status).toBe(200);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errorMessages[0]).toContain('kinds.reset');
    expect(sandbox.requestLog.find((e) => e.path === '/rest/api/3/issue/ITSM-1')).toMatchObject({ status: 502, fault: 'server-error' });
  });
});
