import { afterEach, describe, expect, it } from 'vitest';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { Connector, CurrentRecord, WriteRequest } from '../../../../src/platforms/types.js';
import { ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { collect, harness, source } from './setup.js';

/**
 * The batched version read and the combined PATCH against the sandbox over real HTTP: what the
 * instance does with `sys_idIN` + display values, and with one update that sets the assignment
 * and appends a work note.
 */
let sandbox: ServiceNowSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const MARKER = 'deskbridge:5a6b7c8d9e0f1a2b';
const NOTE = `Routed to Network Operations. [${MARKER}]`;

async function start(store: ServiceNowStore): Promise<Connector> {
  sandbox = await startServiceNowSandbox({ store, users: [{ userName: 'deskbridge', password: 'deskbridge' }] });
  return harness(
    source({
      baseUrl: sandbox.url,
      auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' },
      rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
      // No retry in place: the 5xx reaches the caller, as the outbox sees it.
      retry: { maxRetries: 0 },
    }),
  ).connector;
}

function seeded(): { store: ServiceNowStore; incidents: Readonly<Record<string, string>>[] } {
  const store = new ServiceNowStore();
  const incidents = [
    store.insert('incident', { short_description: 'VPN drops', category: 'network', assignment_group: 'Service Desk', assigned_to: 'Beth Anglin', state: '1' }, 'caller.one', {
      inputDisplayValue: true,
    }),
    store.insert('incident', { short_description: 'Printer jam', category: 'hardware', state: '1' }, 'caller.one', { inputDisplayValue: true }),
    store.insert('incident', { short_description: 'Mail slow', category: 'software', state: '1' }, 'caller.one', { inputDisplayValue: true }),
  ];
  // A second version of the first, by a person.
  store.update('incident', incidents[0]?.['sys_id'] ?? '', { urgency: '2' }, 'beth.anglin');
  return { store, incidents };
}

function write(record: Readonly<Record<string, string>>, action: Action, fields: Record<string, unknown>, firstAttempt: boolean, current?: CurrentRecord): WriteRequest {
  const sysId = record['sys_id'] ?? '';
  const planned: PlannedAction = {
    id: `plan-7:${action.type}`,
    sourceId: 'snow-prod',
    ruleId: 'network-to-netops',
    target: { ticketKey: `servicenow:snow-prod:${sysId}`, nativeId: sysId, number: record['number'] ?? '', version: record['sys_mod_count'] ?? '0' },
    action,
    explanation: 'category is Network',
  };
  return { planned, action, fields, marker: MARKER, firstAttempt, ...(current ? { current } : {}) };
}

const assignAndNote = (record: Readonly<Record<string, string>>, firstAttempt: boolean, current?: CurrentRecord): WriteRequest[] => [
  write(record, { type: 'assign', group: 'Network Operations' }, { assignment_group: 'Network Operations' }, firstAttempt, current),
  write(record, { type: 'comment', visibility: 'internal', body: NOTE }, { work_notes: NOTE }, firstAttempt),
];

describe('ServiceNow batched version read and combined PATCH against the sandbox', () => {
  it('reads every asked record in one sys_idIN request, each at the version pull reports, with the assignment by display value', async () => {
    const { store, incidents } = seeded();
    const connector = await start(store);
    const pulled = (await collect(connector.pull({ from: null, fields: [] }))).flatMap((page) => page.records);
    const before = connector.requestCount();

    const versions = await connector.readVersions?.(incidents.map((i) => i['sys_id'] ?? ''));

    expect(connector.requestCount() - before).toBe(1);
    expect(versions?.size).toBe(3);
    for (const record of pulled) expect(versions?.get(record.nativeId)).toMatchObject({ version: record.version, updatedBy: record.updatedBy });
    expect(versions?.get(incidents[0]?.['sys_id'] ?? '')?.raw['assignment_group']).toMatchObject({ display_value: 'Service Desk' });
  });

  it('one PATCH sets the assignment and appends the note as one update of the record', async () => {
    const { store, incidents } = seeded();
    const connector = await start(store);
    const record = { ...store.get('incident', incidents[0]?.['sys_id'] ?? '') };
    const sysId = record['sys_id'] ?? '';
    const current = (await connector.readVersions?.([sysId]))?.get(sysId);
    const before = connector.requestCount();

    const results = await connector.applyGroup?.(assignAndNote(record, true, current));

    expect(connector.requestCount() - before).toBe(1);
    expect(results).toEqual([
      { outcome: 'updated', ref: sysId, previous: { group: 'Service Desk', assignee: 'Beth Anglin' } },
      { outcome: 'created', ref: sysId },
    ]);
    const after = store.get('incident', sysId) ?? {};
    expect(store.displayValue('incident', after, 'assignment_group')).toBe('Network Operations');
    expect(after['sys_mod_count']).toBe(String(Number(record['sys_mod_count']) + 1));
    expect(after['sys_updated_by']).toBe('deskbridge');
    expect(store.journal(sysId, 'work_notes').map((entry) => entry.value)).toEqual([NOTE]);
  });

  it('a combined PATCH the instance applied but answered 503 is retried as a group: the assignment is not superseded by itself, the note is found, not posted again', async () => {
    const { store, incidents } = seeded();
    const connector = await start(store);
    const record = { ...store.get('incident', incidents[0]?.['sys_id'] ?? '') };
    const sysId = record['sys_id'] ?? '';
    sandbox?.setFaults({ rate: 1, kinds: ['server-error'], serverErrorStatuses: [503], retryAfterOn503: false, afterApplyShare: 1, methods: ['PATCH'], seed: 7 });

    await expect(connector.applyGroup?.(assignAndNote(record, true))).rejects.toMatchObject({ details: { code: 'server', status: 503 } });
    sandbox?.setFaults(null);
    const results = await connector.applyGroup?.(assignAndNote(record, false, (await connector.readVersions?.([sysId]))?.get(sysId)));

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'unchanged']);
    expect(store.journal(sysId, 'work_notes').map((entry) => entry.value)).toEqual([NOTE]);
    // One update in all, as without the failure: the repeated assignment changed nothing.
    expect(store.get('incident', sysId)?.['sys_mod_count']).toBe(String(Number(record['sys_mod_count']) + 1));
  });

  it('a combined PATCH refused before the instance applied it is retried as ONE update with both, as an uninterrupted write', async () => {
    const { store, incidents } = seeded();
    const connector = await start(store);
    const record = { ...store.get('incident', incidents[0]?.['sys_id'] ?? '') };
    const sysId = record['sys_id'] ?? '';
    sandbox?.setFaults({ rate: 1, kinds: ['server-error'], serverErrorStatuses: [503], retryAfterOn503: false, afterApplyShare: 0, methods: ['PATCH'], seed: 7 });

    await expect(connector.applyGroup?.(assignAndNote(record, true))).rejects.toMatchObject({ details: { code: 'server', status: 503 } });
    sandbox?.setFaults(null);
    const results = await connector.applyGroup?.(assignAndNote(record, false, (await connector.readVersions?.([sysId]))?.get(sysId)));

    expect(results?.map((r) => r.outcome)).toEqual(['updated', 'created']);
    expect(store.journal(sysId, 'work_notes').map((entry) => entry.value)).toEqual([NOTE]);
    expect(store.get('incident', sysId)?.['sys_mod_count']).toBe(String(Number(record['sys_mod_count']) + 1));
  });
});
