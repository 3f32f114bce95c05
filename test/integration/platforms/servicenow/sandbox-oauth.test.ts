import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../../src/platforms/types.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * OAuth against the sandbox over real HTTP: tokens the instance expires while several requests are
 * in flight. One refresh is shared by every request that hit the expired token.
 */
let sandbox: ServiceNowSandbox;
let connector: Connector;

const CLIENT = { clientId: 'c0ffee00c0ffee00c0ffee00c0ffee00', clientSecret: 'sandbox-secret' };

beforeEach(async () => {
  const store = new ServiceNowStore();
  seedFixtures(store);
  sandbox = await startServiceNowSandbox({ store, oauthClients: [CLIENT] });
  connector = harness(
    source({
      baseUrl: sandbox.url,
      auth: { type: 'oauth', ...CLIENT, username: 'deskbridge', password: 'deskbridge' },
      rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
    }),
  ).connector;
});

afterEach(async () => {
  await sandbox.close();
});

function tokenRequests(): number {
  return sandbox.requestLog.filter((entry) => entry.path === '/oauth_token.do').length;
}

async function expireTokens(): Promise<void> {
  const response = await fetch(`${sandbox.url}/__sandbox/oauth/expire`, { method: 'POST' });
  expect(response.status).toBe(200);
}

describe('ServiceNow OAuth against the sandbox', () => {
  it('shares one refresh among 4 requests in flight when the token expires, and every request succeeds', async () => {
    await connector.init();
    expect(tokenRequests()).toBe(1);
    const ids = sandbox.store
      .list('incident')
      .slice(0, 4)
      .map((record) => record['sys_id'] ?? '');
    expect(ids).toHaveLength(4);
    await expireTokens();
    sandbox.resetRequestLog();

    const records = await Promise.all(ids.map((id) => connector.get(id, ['short_description'])));

    expect(records.map((record) => record?.nativeId)).toEqual(ids);
    expect(tokenRequests()).toBe(1);
    const rejected = sandbox.requestLog.filter((entry) => entry.status === 401 && entry.path !== '/oauth_token.do');
    expect(rejected).toHaveLength(4);
  });

  it('recovers the same way on a second expiry, and again after that', async () => {
    await connector.init();
    const ids = sandbox.store
      .list('incident')
      .slice(0, 4)
      .map((record) => record['sys_id'] ?? '');
    for (let round = 0; round < 3; round++) {
      await expireTokens();
      sandbox.resetRequestLog();
      const records = await Promise.all([...ids, ...ids].map((id) => connector.get(id, ['number'])));
      expect(records.every((record) => record !== null)).toBe(true);
      expect(tokenRequests()).toBe(1);
    }
  });
});
