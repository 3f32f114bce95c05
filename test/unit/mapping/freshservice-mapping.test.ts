import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapInbound, mapOutbound } from '../../../src/mapping/mapper.js';
import '../../../src/platforms/registry.js';
import type { Action } from '../../../src/model/action.js';
import { FreshserviceWrite } from '../../../src/platforms/freshservice/schema.js';
import { readTicket } from '../../../src/platforms/freshservice/record.js';

const mappings = loadPlatformMappings('mappings', 'freshservice');
const context = { platform: 'freshservice', sourceId: 'fs', source: { id: 'fs', baseUrl: 'https://acme.freshservice.com/' } };

function wire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 42,
    subject: 'VPN drops',
    description: '<div>Disconnects every five minutes</div>',
    description_text: 'Disconnects every five minutes',
    status: 2,
    priority: 4,
    source: 1,
    type: 'Incident',
    group_id: 12,
    responder_id: 21,
    requester_id: 9001,
    workspace_id: 2,
    category: 'Network',
    sub_category: 'VPN',
    created_at: '2026-03-01T08:00:00Z',
    updated_at: '2026-03-02T10:10:00Z',
    group_name: 'Network Operations',
    responder_name: 'Ada Lovelace',
    ...overrides,
  };
}

describe('freshservice.inbound.jsonata', () => {
  it('maps status and priority codes to canonical values, with the names the connector added and the connector’s version', async () => {
    const raw = wire();
    const ticket = await mapInbound(mappings, raw, context);
    const read = readTicket(raw);
    expect(ticket).toMatchObject({
      key: 'freshservice:fs:42',
      source: { nativeId: '42', number: 'INC-42', url: 'https://acme.freshservice.com/a/tickets/42' },
      version: 'error' in read ? '' : read.record.version,
      kind: 'incident',
      status: 'open',
      nativeStatus: 'Open',
      priority: 1,
      group: 'Network Operations',
      assignee: 'Ada Lovelace',
      category: 'Network',
      subcategory: 'VPN',
      description: 'Disconnects every five minutes',
    });
  });

  it('an open ticket with neither group nor agent is new; Pending, Resolved and Closed map to on_hold, resolved and closed', async () => {
    const bare = { group_id: null, responder_id: null, group_name: undefined, responder_name: undefined };
    expect((await mapInbound(mappings, wire(bare), context)).status).toBe('new');
    expect((await mapInbound(mappings, wire({ status: 3 }), context)).status).toBe('on_hold');
    expect((await mapInbound(mappings, wire({ status: 4 }), context)).status).toBe('resolved');
    expect(await mapInbound(mappings, wire({ status: 5, priority: 1 }), context)).toMatchObject({ status: 'closed', priority: 4 });
  });
});

describe('freshservice.outbound.jsonata', () => {
  async function out(action: Action): Promise<Record<string, unknown>> {
    const fields = await mapOutbound(mappings, { action, target: { ticketKey: 'freshservice:fs:42', nativeId: '42', number: 'INC-42', version: 'v' }, marker: 'db-1', rule: 'route' });
    expect(FreshserviceWrite.safeParse(fields).success).toBe(true);
    return fields;
  }

  it('writes the fields every action type needs', async () => {
    expect(await out({ type: 'assign', group: 'Service Desk', assignee: 'Ada Lovelace' })).toEqual({ group: 'Service Desk', responder: 'Ada Lovelace' });
    const note = await out({ type: 'comment', visibility: 'internal', body: 'a <b> & c' });
    expect(note.private).toBe(true);
    expect(String(note.note)).toContain('(db-1)');
    expect(String(note.note)).toContain('a &lt;b&gt; &amp; c');
    expect(await out({ type: 'set-field', field: 'status', value: 'resolved' })).toEqual({ fields: { status: 4 } });
    expect(await out({ type: 'set-field', field: 'cf_team', value: 'x' })).toEqual({ fields: { custom_fields: { cf_team: 'x' } } });
    expect(await out({ type: 'create-problem', correlationKey: 'k', title: 'T\nx', description: 'D' })).toEqual({ subject: 'T x', description: 'D' });
    expect(await out({ type: 'link-problem', correlationKey: 'k' })).toEqual({});
  });
});
