import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapInbound, mapOutbound } from '../../../src/mapping/mapper.js';
import '../../../src/platforms/registry.js';
import type { Action } from '../../../src/model/action.js';
import { ticketVersion } from '../../../src/platforms/freshservice/record.js';
import { FreshserviceWrite, TicketEnvelope } from '../../../src/platforms/freshservice/schema.js';

const mappings = loadPlatformMappings('mappings', 'freshservice');
const context = { platform: 'freshservice', sourceId: 'fs', source: { id: 'fs', baseUrl: 'https://acme.freshservice.com/' } };
const target = { ticketKey: 'freshservice:fs:4211', nativeId: '4211', number: 'INC-4211', version: '2026-12-05T11:00:00.000Z' };
const marker = 'deskbridge:3f9a1c2e7b4d5a60';

/** A ticket as the connector hands it to the mapping: the API's fields plus group_name / responder_name. */
function wire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 4211,
    type: 'Incident',
    subject: 'VPN drops',
    description: '<div>Disconnects every five minutes</div>',
    description_text: 'Disconnects every five minutes',
    status: 2,
    priority: 4,
    source: 1,
    requester_id: 21000000900,
    responder_id: 21000000201,
    group_id: 21000000101,
    category: 'Network',
    sub_category: 'VPN',
    tags: ['vpn'],
    custom_fields: {},
    workspace_id: 2,
    created_at: '2026-12-05T10:00:00Z',
    updated_at: '2026-12-05T11:00:00Z',
    group_name: 'Network Operations',
    responder_name: 'Network Engineer 1',
    ...overrides,
  };
}

describe('freshservice.inbound.jsonata', () => {
  it("maps a ticket to the canonical ticket, with the names the connector added and the connector's version (updated_at#digest)", async () => {
    const ticket = await mapInbound(mappings, wire(), context);

    expect(ticket).toMatchObject({
      key: 'freshservice:fs:4211',
      source: { platform: 'freshservice', instance: 'fs', container: 'workspace 2', nativeId: '4211', number: 'INC-4211', url: 'https://acme.freshservice.com/a/tickets/4211' },
      version: ticketVersion(TicketEnvelope.parse(wire())),
      kind: 'incident',
      title: 'VPN drops',
      description: 'Disconnects every five minutes',
      status: 'open',
      nativeStatus: 'Open',
      priority: 1,
      category: 'Network',
      subcategory: 'VPN',
      assignee: 'Network Engineer 1',
      group: 'Network Operations',
      labels: ['vpn'],
    });
  });

  it.each([
    [2, 'open'],
    [3, 'on_hold'],
    [4, 'resolved'],
    [5, 'closed'],
  ])('maps status %i to %s', async (status, expected) => {
    expect((await mapInbound(mappings, wire({ status }), context)).status).toBe(expected);
  });

  it('calls an Open ticket with neither group nor agent new', async () => {
    expect((await mapInbound(mappings, wire({ group_id: null, responder_id: null, group_name: undefined, responder_name: undefined }), context)).status).toBe('new');
  });

  it.each([
    [4, 1],
    [3, 2],
    [2, 3],
    [1, 4],
  ])('maps priority %i (1 Low … 4 Urgent) to canonical %i', async (priority, expected) => {
    expect((await mapInbound(mappings, wire({ priority }), context)).priority).toBe(expected);
  });

  it('numbers service requests SR-… and incidents INC-…', async () => {
    expect((await mapInbound(mappings, wire({ type: 'Service Request' }), context)).source.number).toBe('SR-4211');
  });
});

describe('freshservice.outbound.jsonata', () => {
  const assign: Action = { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' };
  const comment: Action = { type: 'comment', visibility: 'internal', body: 'Routed to <Network>.' };
  const actions: Action[] = [
    assign,
    comment,
    { type: 'create-problem', correlationKey: 'k', title: 'VPN drops', description: 'Five incidents' },
    { type: 'link-problem', correlationKey: 'k' },
    { type: 'link-duplicate', original: { nativeId: '4100', number: 'INC-4100' } },
    { type: 'update-problem', correlationKey: 'k', title: 'VPN drops', description: 'Seven', reopen: false },
    { type: 'create-task', correlationKey: 'k', title: 't', description: 'd' },
    { type: 'set-field', field: 'status', value: 'resolved' },
  ];

  it.each(actions.map((action) => [action.type, action] as const))('produces a write the connector accepts for %s', async (_type, action) => {
    const fields = await mapOutbound(mappings, { action, target, marker, rule: 'route-vpn' });

    expect(FreshserviceWrite.safeParse(fields).success).toBe(true);
  });

  it('resolves nothing itself on assign: the connector turns names into group_id / responder_id', async () => {
    expect(await mapOutbound(mappings, { action: assign, target, marker })).toEqual({ group: 'Network Operations', responder: 'Network Engineer 1' });
  });

  it('makes an internal comment a private note with the marker, HTML-escaped', async () => {
    const note = FreshserviceWrite.parse(await mapOutbound(mappings, { action: comment, target, marker, rule: 'r' }));

    expect(note.private).toBe(true);
    expect(note.note).toContain(`(${marker})`);
    expect(note.note).toContain('Routed to &lt;Network&gt;.');
  });

  it.each([
    ['status', 'resolved', { status: 4 }],
    ['priority', 1, { priority: 4 }],
    ['priority', 5, { priority: 1 }],
    ['cf_impact_area', 'Network', { custom_fields: { cf_impact_area: 'Network' } }],
  ])('writes set-field %s = %s as native fields', async (field, value, expected) => {
    expect(await mapOutbound(mappings, { action: { type: 'set-field', field, value }, target, marker })).toEqual({ fields: expected });
  });
});
