import { afterEach, describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * A write the instance applied but answered 5xx: the retry finds the record at a newer version
 * whose last update is deskbridge's own. That is not "someone else changed it" — the retry goes
 * on (and finds its work done) instead of being marked superseded and dropped.
 */
let sandbox: ServiceNowSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(store: ServiceNowStore, integrationUser?: string): Promise<Connector> {
  sandbox = await startServiceNowSandbox({
    store,
    users: [
      { userName: 'deskbridge', password: 'deskbridge' },
      { userName: 'beth.anglin', password: 'beth' },
    ],
  });
  return harness(
    source({
      baseUrl: sandbox.url,
      auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' },
      ...(integrationUser ? { integrationUser } : {}),
      rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
      // No retry in place: the 5xx reaches the outbox, which retries the whole step later.
      retry: { maxRetries: 0 },
    }),
  ).connector;
}

function request(record: Readonly<Record<string, string>>, action: Action, fields: Record<string, unknown>, firstAttempt: boolean): WriteRequest {
  const sysId = record['sys_id'] ?? '';
  const planned: PlannedAction = {
    id: 'own-change-1',
    sourceId: 'snow-prod',
    ruleId: 'network',
    target: { ticketKey: `servicenow:snow-prod:${sysId}`, nativeId: sysId, number: record['number'] ?? '', version: record['sys_mod_count'] ?? '0' },
    action,
    explanation: 'test',
  };
  return { planned, action, fields, marker: 'deskbridge:own-change', firstAttempt };
}

/** Applies the write once with the instance answering 503 after applying it, then retries it as the outbox would. */
async function appliedThenRetried(connector: Connector, write: (firstAttempt: boolean) => WriteRequest) {
  sandbox?.setFaults({ rate: 1, kinds: ['server-error'], serverErrorStatuses: [503], retryAfterOn503: false, afterApplyShare: 1, methods: ['PATCH'], seed: 7 });
  await expect(connector.apply(write(true))).rejects.toMatchObject({ details: { code: 'server', status: 503 } });
  sandbox?.setFaults(null);
  return connector.apply(write(false));
}

describe('ServiceNow retry after a write the instance applied but answered 5xx', () => {
  it('an assignment is not superseded by its own earlier attempt', async () => {
    const store = new ServiceNowStore();
    const incident = { ...store.insert('incident', { short_description: 'VPN drops', category: 'network' }, 'beth.anglin') };
    const connector = await start(store);

    const result = await appliedThenRetried(connector, (first) => request(incident, { type: 'assign', group: 'Network' }, { assignment_group: 'Network' }, first));

    expect(result.outcome).toBe('updated');
    expect(store.displayValue('incident', store.get('incident', incident['sys_id'] ?? '') ?? {}, 'assignment_group')).toBe('Network');
  });

  it('a duplicate link is found already made, not superseded', async () => {
    const store = new ServiceNowStore();
    const original = store.insert('incident', { short_description: 'VPN down' }, 'beth.anglin');
    const dup = { ...store.insert('incident', { short_description: 'VPN down again' }, 'beth.anglin') };
    const connector = await start(store);

    const result = await appliedThenRetried(connector, (first) =>
      request(dup, { type: 'link-duplicate', original: { nativeId: original['sys_id'] ?? '', number: original['number'] ?? '' } }, {}, first),
    );

    expect(result.outcome).toBe('unchanged');
    expect(store.get('incident', dup['sys_id'] ?? '')?.['parent_incident']).toBe(original['sys_id']);
  });

  it('recognises its own change when integrationUser is written in another case than the instance stores it', async () => {
    const store = new ServiceNowStore();
    const incident = { ...store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin') };
    const connector = await start(store, 'DeskBridge');

    const result = await appliedThenRetried(connector, (first) => request(incident, { type: 'set-field', field: 'urgency', value: '1' }, { urgency: '1' }, first));

    expect(result.outcome).toBe('updated');
  });

  it('is still superseded when a person changed the ticket after the planned version', async () => {
    const store = new ServiceNowStore();
    // A copy: the store hands out its live rows, and the plan must keep the version it was made from.
    const incident = { ...store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin') };
    const connector = await start(store);
    store.update('incident', incident['sys_id'] ?? '', { urgency: '2' }, 'beth.anglin');

    await expect(connector.apply(request(incident, { type: 'assign', group: 'Network' }, { assignment_group: 'Network' }, true))).resolves.toMatchObject({ outcome: 'superseded' });
  });
});
