import { describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapInbound, mapOutbound } from '../../../../src/mapping/mapper.js';
// Binds the platforms' mapping helpers ($zendeskVersion), as the daemon does through its config.
import '../../../../src/platforms/registry.js';
import type { Action } from '../../../../src/model/action.js';
import { escalationTag } from '../../../../src/platforms/zendesk/index.js';
import { ZendeskWrite } from '../../../../src/platforms/zendesk/schema.js';
import { COPY_LABEL_PREFIX } from '../../../../src/engine/escalate/index.js';

/** The escalate branch of mappings/zendesk.outbound.jsonata, and how a copy reads back through the inbound mapping. */
const mappings = loadPlatformMappings('mappings', 'zendesk');
const target = { ticketKey: 'jira:j:10001', nativeId: '10001', number: 'OPS-1', version: '3' };

const escalate = (extra: Partial<Extract<Action, { type: 'escalate' }>> = {}): Extract<Action, { type: 'escalate' }> => ({
  type: 'escalate',
  to: 'zd',
  correlationKey: 'deskbridge:esc:to-zendesk:0123456789abcdef01234567',
  title: 'Replica lag\r\non db-eu-3',
  description: 'Escalated from OPS-1',
  origin: { number: 'OPS-1', url: 'https://acme.atlassian.net/browse/OPS-1' },
  ...extra,
});

const map = (action: Action) => mapOutbound(mappings, { action, target, marker: 'deskbridge:esc' });

describe('escalate in zendesk.outbound.jsonata', () => {
  it('gives a one-line subject, tags from the labels as Zendesk keeps them, the priority by name and the description as an internal first comment', async () => {
    const fields = await map(escalate({ priority: 1, labels: ['Sev 1', 'db'] }));
    expect(fields).toEqual({ ticket: { subject: 'Replica lag on db-eu-3', tags: ['sev_1', 'db'], priority: 'urgent' }, comment: { body: 'Escalated from OPS-1', public: false } });
    expect(ZendeskWrite.safeParse(fields).success).toBe(true);
    const names = await Promise.all([2, 3, 4, 5].map(async (priority) => ((await map(escalate({ priority }))).ticket as { priority: unknown }).priority));
    expect(names).toEqual(['high', 'normal', 'low', 'low']);
  });

  it('sets no priority when the rule gives none, and no tags without labels', async () => {
    await expect(map(escalate())).resolves.toEqual({ ticket: { subject: 'Replica lag on db-eu-3', tags: [] }, comment: { body: 'Escalated from OPS-1', public: false } });
  });

  it('turns a canonical priority number (escalation sync keeping a copy in step) into a Zendesk priority', async () => {
    const setField = (value: number | string): Action => ({ type: 'set-field', field: 'priority', value });
    await expect(map(setField(2))).resolves.toEqual({ ticket: { priority: 'high' } });
    await expect(map(setField('low'))).resolves.toEqual({ ticket: { priority: 'low' } });
  });
});

describe('a copy read back through zendesk.inbound.jsonata', () => {
  it('carries a label starting deskbridge-esc-, so the escalate rule kind never escalates it again, and is not categorised by it', async () => {
    const tag = escalationTag('deskbridge:esc:to-zendesk:0123456789abcdef01234567');
    expect(tag).toMatch(/^deskbridge-esc-[0-9a-f]{24}$/);
    const ticket = await mapInbound(
      mappings,
      {
        id: 7,
        type: null,
        subject: 'Copy',
        description: 'd',
        status: 'new',
        priority: 'urgent',
        tags: ['db', 'deskbridge', tag],
        custom_fields: [],
        via: { channel: 'api' },
        created_at: '2026-12-05T10:00:00Z',
        updated_at: '2026-12-05T10:00:00Z',
      },
      { platform: 'zendesk', sourceId: 'zd', source: { id: 'zd', baseUrl: 'https://acme.zendesk.com', duplicates: 'tag' } },
    );
    expect(ticket.labels.some((label) => label.startsWith(COPY_LABEL_PREFIX))).toBe(true);
    expect(ticket.category).toBe('db');
    expect(ticket.subcategory).toBeUndefined();
    expect(ticket.source.number).toBe('7');
  });
});
