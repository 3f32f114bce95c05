import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapInbound, mapOutbound } from '../../../src/mapping/mapper.js';
// Binds the platforms' mapping helpers ($zendeskVersion), as the daemon does through its config.
import '../../../src/platforms/registry.js';
import type { Action } from '../../../src/model/action.js';
import { ZendeskWrite } from '../../../src/platforms/zendesk/schema.js';
import { ticketVersion } from '../../../src/platforms/zendesk/record.js';

const mappings = loadPlatformMappings('mappings', 'zendesk');
const context = { platform: 'zendesk', sourceId: 'zd', source: { id: 'zd', baseUrl: 'https://acme.zendesk.com/', duplicates: 'tag' } };

function wire(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 4211,
    type: 'incident',
    subject: 'VPN drops',
    description: 'Disconnects every five minutes',
    status: 'open',
    priority: 'urgent',
    requester_id: 700001,
    assignee_id: 900101,
    group_id: 360000001,
    problem_id: 5001,
    tags: ['deskbridge_duplicate', 'vpn', 'remote'],
    custom_fields: [],
    via: { channel: 'email' },
    created_at: '2026-12-05T10:00:00Z',
    updated_at: '2026-12-05T11:00:00Z',
    group_name: 'Network Operations',
    assignee_name: 'Network Engineer 1',
    ...overrides,
  };
}

describe('zendesk.inbound.jsonata', () => {
  it('maps a ticket to the canonical ticket, with the names the connector added and the connector’s version', async () => {
    const raw = wire();
    const ticket = await mapInbound(mappings, raw, context);

    expect(ticket).toMatchObject({
      key: 'zendesk:zd:4211',
      source: { platform: 'zendesk', instance: 'zd', container: 'tickets', nativeId: '4211', number: '4211', url: 'https://acme.zendesk.com/agent/tickets/4211' },
      version: ticketVersion(raw),
      kind: 'incident',
      title: 'VPN drops',
      status: 'open',
      nativeStatus: 'open',
      priority: 1,
      category: 'vpn',
      subcategory: 'remote',
      requester: '700001',
      assignee: 'Network Engineer 1',
      group: 'Network Operations',
      contactType: 'email',
      problemRef: '5001',
      labels: ['deskbridge_duplicate', 'vpn', 'remote'],
    });
  });

  it.each([
    ['new', 'new'],
    ['pending', 'on_hold'],
    ['hold', 'on_hold'],
    ['solved', 'resolved'],
    ['closed', 'closed'],
    ['deleted', 'cancelled'],
  ])('maps status %s to %s', async (status, canonical) => {
    expect((await mapInbound(mappings, wire({ status }), context)).status).toBe(canonical);
  });

  it('reads a ticket without type, priority, group or assignee', async () => {
    const ticket = await mapInbound(mappings, wire({ type: null, priority: null, group_id: null, assignee_id: null, group_name: undefined, assignee_name: undefined, problem_id: null }), context);

    expect(ticket).toMatchObject({ kind: 'incident', priority: 3 });
    expect(ticket.group).toBeUndefined();
    expect(ticket.assignee).toBeUndefined();
    expect(ticket.problemRef).toBeUndefined();
  });
});

describe('zendesk.outbound.jsonata', () => {
  const target = { ticketKey: 'zendesk:zd:4211', nativeId: '4211', number: '4211', version: '2026-12-05T11:00:00Z|0123456789ab' };
  const marker = 'deskbridge:m1';

  it.each([
    [{ type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' }],
    [{ type: 'assign', group: 'Network Operations' }],
    [{ type: 'comment', visibility: 'internal', body: 'Routed.' }],
    [{ type: 'comment', visibility: 'public', body: 'We are on it.' }],
    [{ type: 'create-problem', correlationKey: 'k', title: 'Recurring', description: 'evidence' }],
    [{ type: 'link-problem', correlationKey: 'k' }],
    [{ type: 'link-duplicate', original: { nativeId: '4100', number: '4100' } }],
    [{ type: 'update-problem', correlationKey: 'k', title: 'Recurring', description: 'more', reopen: false }],
    [{ type: 'create-task', correlationKey: 'k', title: 'Follow up', description: 'check', group: 'Service Desk' }],
    [{ type: 'set-field', field: 'priority', value: 'high' }],
    [{ type: 'set-field', field: '360005001', value: 'x' }],
  ] as [Action][])('maps %j to a write the connector accepts', async (action) => {
    const fields = await mapOutbound(mappings, { action, target, marker, rule: 'route-vpn' });

    expect(ZendeskWrite.safeParse(fields).success).toBe(true);
  });

  it('makes internal notes private and public comments public, each with the marker', async () => {
    const internal = ZendeskWrite.parse(await mapOutbound(mappings, { action: { type: 'comment', visibility: 'internal', body: 'Routed.' }, target, marker, rule: 'r' }));
    const visible = ZendeskWrite.parse(await mapOutbound(mappings, { action: { type: 'comment', visibility: 'public', body: 'Hi' }, target, marker, rule: 'r' }));

    expect(internal.comment).toMatchObject({ public: false });
    expect(internal.comment?.body).toContain(`(${marker})`);
    expect(visible.comment).toMatchObject({ public: true });
  });

  it('writes a numeric set-field as a custom field', async () => {
    expect(await mapOutbound(mappings, { action: { type: 'set-field', field: '360005001', value: 'x' }, target, marker })).toEqual({ ticket: { custom_fields: [{ id: 360005001, value: 'x' }] } });
  });
});
