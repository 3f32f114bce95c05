import { afterEach, describe, expect, it } from 'vitest';
import type { PlatformDirectory } from '../../../../src/platforms/types.js';
import { ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * What `validate --online` reads from ServiceNow (the connector's directory), against the sandbox
 * over real HTTP: the field dictionary over the table hierarchy (sys_db_object, then sys_dictionary
 * for every table of it, paginated), groups by name and people by name or user_name — GETs only.
 */
let sandbox: ServiceNowSandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(store: ServiceNowStore, table = 'incident'): Promise<PlatformDirectory> {
  sandbox = await startServiceNowSandbox({ store });
  const { connector } = harness(
    source({ baseUrl: sandbox.url, table, auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' }, rateLimit: { requestsPerMinute: 60000, concurrency: 4 } }),
  );
  const directory = connector.directory;
  if (directory === undefined) throw new Error('the ServiceNow connector has no directory');
  return directory;
}

function requests(): string[] {
  return (sandbox?.requestLog ?? []).map((entry) => `${entry.method} ${entry.path}`);
}

describe('ServiceNow field dictionary (sys_db_object + sys_dictionary)', () => {
  it("lists incident's own columns and those it inherits from task, in three GETs", async () => {
    const store = new ServiceNowStore();
    store.insert('incident', { short_description: 'VPN drops', u_symptom: 'vpn' });
    const directory = await start(store);

    const dictionary = await directory.fields();

    expect(dictionary.names.has('u_symptom')).toBe(true);
    // Defined on task, not on incident: found only by following super_class.
    expect(dictionary.names.has('assignment_group')).toBe(true);
    expect(dictionary.names.has('parent_incident')).toBe(true);
    expect(dictionary.names.has('u_symptm')).toBe(false);
    expect(dictionary.labels?.get('Symptom')).toBe('u_symptom');
    expect(dictionary.checkedAgainst).toBe('sys_dictionary of incident (extends task)');
    expect(requests()).toEqual(['GET /api/now/table/sys_db_object', 'GET /api/now/table/sys_db_object', 'GET /api/now/table/sys_dictionary']);
  });

  it('asks sys_dictionary for the hierarchy with the documented fields, and pages past 1000 rows', async () => {
    const store = new ServiceNowStore();
    const wide: Record<string, string> = {};
    for (let i = 0; i < 1100; i++) wide[`u_custom_${i}`] = 'x';
    store.insert('incident', { short_description: 'wide', ...wide });
    const directory = await start(store);

    const dictionary = await directory.fields();

    expect(dictionary.names.has('u_custom_0')).toBe(true);
    expect(dictionary.names.has('u_custom_1099')).toBe(true);
    expect(dictionary.names.has('assigned_to')).toBe(true);
    const reads = (sandbox?.requestLog ?? []).filter((entry) => entry.path.endsWith('/sys_dictionary'));
    expect(reads).toHaveLength(2);
    const first = new URLSearchParams(reads[0]?.query ?? '');
    expect(first.get('sysparm_query')).toBe('nameINincident,task^elementISNOTEMPTY^ORDERBYsys_id');
    expect(first.get('sysparm_fields')).toBe('name,element,column_label,internal_type');
    expect(new URLSearchParams(reads[1]?.query ?? '').get('sysparm_offset')).toBe('1000');
  });

  it('reads a table that extends nothing from its own rows alone', async () => {
    const store = new ServiceNowStore();
    store.insert('sys_user_group', { name: 'Service Desk' });
    const directory = await start(store, 'sys_user_group');

    const dictionary = await directory.fields();

    expect(dictionary.names.has('name')).toBe(true);
    expect(dictionary.names.has('assignment_group')).toBe(false);
    expect(dictionary.checkedAgainst).toBe('sys_dictionary of sys_user_group');
  });
});

describe('ServiceNow groups and people', () => {
  it('finds groups by name in one nameIN query, and lists the groups for suggestions only when one is missing', async () => {
    const store = new ServiceNowStore();
    store.insert('sys_user_group', { name: 'Service Desk' });
    store.insert('sys_user_group', { name: 'Network Operations' });
    const directory = await start(store);

    expect(await directory.groups(['Service Desk', 'Network Operations'])).toEqual({ missing: [], checkedAgainst: 'sys_user_group' });
    expect(requests()).toEqual(['GET /api/now/table/sys_user_group']);
    expect(new URLSearchParams(sandbox?.requestLog[0]?.query ?? '').get('sysparm_query')).toBe('nameINService Desk,Network Operations');

    const check = await directory.groups(['Service Dsk', 'Service Desk']);
    expect(check.missing).toEqual([{ name: 'Service Dsk' }]);
    expect(check.known).toEqual(['Network Operations', 'Service Desk']);
  });

  it('finds people by display name or user_name', async () => {
    const store = new ServiceNowStore();
    store.insert('sys_user', { name: 'Beth Anglin', user_name: 'beth.anglin' });
    const directory = await start(store);

    const check = await directory.people(['Beth Anglin', 'beth.anglin', 'Bet Anglin']);

    expect(check.missing).toEqual([{ name: 'Bet Anglin' }]);
    expect(requests()).toEqual(['GET /api/now/table/sys_user']);
  });

  it('never writes', async () => {
    const store = new ServiceNowStore();
    store.insert('incident', { short_description: 'x' });
    const directory = await start(store);

    await directory.fields();
    await directory.groups(['Nobody']);
    await directory.people(['Nobody']);

    expect((sandbox?.requestLog ?? []).every((entry) => entry.method === 'GET')).toBe(true);
  });
});
