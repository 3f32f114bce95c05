import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapInbound, mapOutbound, MappingError } from '../../../src/mapping/mapper.js';

const mappings = loadPlatformMappings('mappings', 'servicenow');
const context = { platform: 'servicenow', sourceId: 'snow-test', source: { table: 'incident', baseUrl: 'https://acme.service-now.com' } };

/** An incident as the Table API returns it with sysparm_display_value=all. */
function incident(overrides: Record<string, { value: string; display_value: string }> = {}): Record<string, unknown> {
  const f = (value: string, display_value = value) => ({ value, display_value });
  return {
    sys_id: f('9d385017c611228701d22104cc95c371'),
    number: f('INC0010023'),
    sys_mod_count: f('4'),
    short_description: f('VPN drops every 10 minutes'),
    description: f('Since Monday the VPN client disconnects.'),
    state: f('2', 'In Progress'),
    priority: f('2', '2 - High'),
    category: f('network', 'Network'),
    subcategory: f('vpn', 'VPN'),
    cmdb_ci: f('', ''),
    caller_id: f('5137153cc611227c000bbd1bd8cd2005', 'Fred Luddy'),
    assignment_group: f('', ''),
    assigned_to: f('', ''),
    opened_at: f('2026-11-20 08:15:00', '20/11/2026 09:15:00'),
    sys_created_on: f('2026-11-20 08:15:02', '20/11/2026 09:15:02'),
    sys_updated_on: f('2026-11-21 10:00:00', '21/11/2026 11:00:00'),
    sys_updated_by: f('fred.luddy'),
    ...overrides,
  };
}

describe('servicenow inbound mapping', () => {
  it('turns a display_value=all incident into a canonical ticket with UTC times', async () => {
    const ticket = await mapInbound(mappings, incident(), context);

    expect(ticket).toMatchObject({
      key: 'servicenow:snow-test:9d385017c611228701d22104cc95c371',
      source: { platform: 'servicenow', instance: 'snow-test', container: 'incident', number: 'INC0010023' },
      version: '4',
      title: 'VPN drops every 10 minutes',
      status: 'in_progress',
      nativeStatus: 'In Progress',
      priority: 2,
      category: 'Network',
      requester: 'Fred Luddy',
      createdAt: '2026-11-20T08:15:00Z',
      updatedAt: '2026-11-21T10:00:00Z',
      updatedBy: 'fred.luddy',
    });
    expect(ticket.group).toBeUndefined();
    expect(ticket.assignee).toBeUndefined();
  });

  it('rejects a record without an update time as an invalid ticket', async () => {
    const raw = incident();
    delete raw['sys_updated_on'];

    await expect(mapInbound(mappings, raw, context)).rejects.toBeInstanceOf(MappingError);
  });

  it('asks the platform only for the fields the mapping reads', () => {
    const fields = mappings.inbound.rootFields;

    expect(fields.has('short_description')).toBe(true);
    expect(fields.has('assignment_group')).toBe(true);
    expect(fields.has('sys_updated_on')).toBe(true);
    expect(fields.has('work_notes')).toBe(false);
  });
});

describe('servicenow outbound mapping', () => {
  const target = { ticketKey: 'k', nativeId: 'abc', number: 'INC1', version: '1' };

  it.each([
    [
      { type: 'assign', group: 'Network', assignee: 'Beth Anglin' },
      { assignment_group: 'Network', assigned_to: 'Beth Anglin' },
    ],
    [
      { type: 'assign', group: 'Network' },
      { assignment_group: 'Network', assigned_to: '' },
    ],
    [{ type: 'comment', visibility: 'internal', body: 'Routed.' }, { work_notes: 'Routed.\n\n— automated note by deskbridge (rule route-vpn) · note id [deskbridge:m1]' }],
    [{ type: 'comment', visibility: 'public', body: 'We are on it.' }, { comments: 'We are on it.\n\n— automated note by deskbridge (rule route-vpn) · note id [deskbridge:m1]' }],
    [{ type: 'link-problem', problemRef: 'p1' }, { problem_id: 'p1' }],
    [{ type: 'set-field', field: 'u_qa_status', value: 'failed' }, { u_qa_status: 'failed' }],
  ] as const)('maps %o to native fields', async (action, expected) => {
    expect(await mapOutbound(mappings, { action: structuredClone(action), target, marker: 'deskbridge:m1', rule: 'route-vpn' })).toEqual(expected);
  });

  it('ends a note with a line a technician can read: automated, which rule, and the id deskbridge finds it by', async () => {
    const fields = await mapOutbound(mappings, { action: { type: 'comment', visibility: 'internal', body: 'Routed to Network.' }, target, marker: 'deskbridge:b9c9363e16787e14', rule: 'route-vpn' });
    const lines = String(fields['work_notes']).split('\n');
    expect(lines.at(-1)).toBe('— automated note by deskbridge (rule route-vpn) · note id [deskbridge:b9c9363e16787e14]');
    expect(fields['work_notes']).toContain('deskbridge:b9c9363e16787e14');
  });

  it('maps a problem creation with its correlation id so it can be found again', async () => {
    const fields = await mapOutbound(mappings, { action: { type: 'create-problem', correlationKey: 'cluster-7', title: 'VPN drops', description: '5 incidents' }, target, marker: 'm' });

    expect(fields).toMatchObject({ short_description: 'VPN drops', correlation_id: 'cluster-7' });
  });
});
