import { afterEach, describe, expect, it } from 'vitest';
import { type ServiceNowSandbox, startServiceNowSandbox } from '../../../src/sandbox/servicenow/server.js';
import { ServiceNowStore } from '../../../src/sandbox/servicenow/store.js';

/**
 * A real instance drops a query condition on a field the table does not have and answers with
 * whatever the rest of the query matches — often the whole table (GlideRecord docs: "the invalid
 * part of the query condition is dropped … which may return all records"), unless the property
 * glide.invalid_query.returns_no_rows is set. The sandbox does the same.
 */
const BASIC = `Basic ${Buffer.from('deskbridge:deskbridge').toString('base64')}`;

async function list(sandbox: ServiceNowSandbox, table: string, query: string, fields = 'sys_id,number,correlation_id'): Promise<Record<string, unknown>[]> {
  const url = `${sandbox.url}/api/now/table/${table}?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=${fields}`;
  const response = await fetch(url, { headers: { Authorization: BASIC, Accept: 'application/json' } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: Record<string, unknown>[] }).result;
}

function seedProblems(store: ServiceNowStore): void {
  store.insert('problem', { short_description: 'Old 2016 problem', correlation_id: 'legacy-1' });
  store.insert('problem', { short_description: 'Printer outage', correlation_id: 'pattern:printers' });
}

describe('ServiceNow sandbox: conditions on fields a table does not have', () => {
  let sandbox: ServiceNowSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('filters by a field the table has, as before', async () => {
    const store = new ServiceNowStore();
    seedProblems(store);
    sandbox = await startServiceNowSandbox({ store });

    const rows = await list(sandbox, 'problem', 'correlation_id=pattern:printers');

    expect(rows.map((r) => r['correlation_id'])).toEqual(['pattern:printers']);
  });

  it('drops the condition on a missing field and answers with the whole table, leaving the field out of the rows', async () => {
    const store = new ServiceNowStore({ missingFields: { problem: ['correlation_id'] } });
    seedProblems(store);
    sandbox = await startServiceNowSandbox({ store });

    const rows = await list(sandbox, 'problem', 'correlation_id=pattern:vpn-berlin^ORDERBYsys_created_on');

    expect(rows).toHaveLength(2);
    expect(rows[0]).not.toHaveProperty('correlation_id');
    expect(store.list('problem').every((r) => r['correlation_id'] === undefined)).toBe(true);
  });

  it("keeps the conditions it can apply: a task lookup by incident and a missing correlation_id widens to the incident's tasks", async () => {
    const store = new ServiceNowStore({ missingFields: { incident_task: ['correlation_id'] } });
    const incident = store.insert('incident', { short_description: 'VPN down' });
    const other = store.insert('incident', { short_description: 'Mail down' });
    store.insert('incident_task', { incident: incident['sys_id'], short_description: 'first', correlation_id: 'k1' });
    store.insert('incident_task', { incident: other['sys_id'], short_description: 'elsewhere' });
    sandbox = await startServiceNowSandbox({ store });

    const rows = await list(sandbox, 'incident_task', `incident=${incident['sys_id']}^correlation_id=k2`, 'sys_id,short_description');

    expect(rows.map((r) => r['short_description'])).toEqual(['first']);
  });

  it('drops an unknown custom field in a lookup of any table (a u_ field never created)', async () => {
    const store = new ServiceNowStore();
    seedProblems(store);
    sandbox = await startServiceNowSandbox({ store });

    expect(await list(sandbox, 'problem', 'u_pattern_key=pattern:printers')).toHaveLength(2);
  });

  it('returns no rows for such a query when glide.invalid_query.returns_no_rows is set', async () => {
    const store = new ServiceNowStore({ missingFields: { problem: ['correlation_id'] }, invalidQueryReturnsNoRows: true });
    seedProblems(store);
    sandbox = await startServiceNowSandbox({ store });

    expect(await list(sandbox, 'problem', 'correlation_id=pattern:printers')).toEqual([]);
    expect(await list(sandbox, 'problem', 'short_descriptionLIKEprinter')).toHaveLength(1);
  });
});
