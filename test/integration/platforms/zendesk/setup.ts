import { connectorHarness, type Harness } from '../../../helpers/connector-harness.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { ConnectorDeps } from '../../../../src/platforms/deps.js';
import { createZendeskConnector } from '../../../../src/platforms/zendesk/index.js';
import { ticketVersion } from '../../../../src/platforms/zendesk/record.js';
import { ZendeskSource } from '../../../../src/platforms/zendesk/source.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import type { HttpMock } from '../../../helpers/http-mock.js';

export const BASE = 'https://acme.zendesk.com';
export const TOKEN = 'zd-api-token-do-not-log';
/** The integration agent (GET /api/v2/users/me). */
export const ME = 900001;
export const MARKER = 'deskbridge:3f9a1c2e7b4d5a60';
export const NETWORK = 360000001;
export const SERVICE_DESK = 360000002;
export const NE1 = 900101;
export const BETH = 900102;

export type { Harness, LogEntry } from '../../../helpers/connector-harness.js';
export { collect } from '../../../helpers/connector-harness.js';

/** A source as the config loader would produce it (defaults applied). */
export function source(overrides: Record<string, unknown> = {}): ZendeskSource {
  return ZendeskSource.parse({ id: 'zd', platform: 'zendesk', baseUrl: BASE, auth: { type: 'token', email: 'deskbridge@acme.example', token: TOKEN }, ...overrides });
}

/** A connector with instant, recorded sleeps, a captured log, its own host queues and a fixed clock. */
export function harness(src: ZendeskSource = source(), deps: ConnectorDeps = {}, nowMs = Date.parse('2026-12-05T12:00:00Z')): Harness & { clock: { now: number } } {
  const clock = { now: nowMs };
  const h = connectorHarness(createZendeskConnector, src, { ...deps, retryOverrides: { now: () => clock.now, ...deps.retryOverrides } });
  return { ...h, clock };
}

/** A ticket as Zendesk serialises it (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format). */
export function ticket(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const updated = (overrides['updated_at'] as string | undefined) ?? '2026-12-05T11:00:00Z';
  return {
    url: `${BASE}/api/v2/tickets/${id}.json`,
    id,
    external_id: null,
    via: { channel: 'email', source: { from: {}, to: {}, rel: null } },
    created_at: '2026-12-05T10:00:00Z',
    updated_at: updated,
    generated_timestamp: Math.floor(Date.parse(updated) / 1000),
    type: 'incident',
    subject: 'VPN drops every few minutes',
    raw_subject: 'VPN drops every few minutes',
    description: 'Since this morning the VPN disconnects every five minutes.',
    priority: 'normal',
    status: 'new',
    recipient: 'support@acme.zendesk.com',
    requester_id: 700001,
    submitter_id: 700001,
    assignee_id: null,
    organization_id: null,
    group_id: null,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    problem_id: null,
    has_incidents: false,
    is_public: true,
    due_at: null,
    tags: ['vpn'],
    custom_fields: [{ id: 360005001, value: null }],
    satisfaction_rating: null,
    ticket_form_id: 360000100,
    brand_id: 360000200,
    allow_channelback: false,
    allow_attachments: true,
    ...overrides,
  };
}

/** The version the connector gives a ticket. */
export function versionOf(t: Record<string, unknown>): string {
  return ticketVersion(t);
}

/** An update's answer: the ticket after it, and the audit with Change events. */
export function updated(t: Record<string, unknown>, changes: { field: string; value: unknown; previous: unknown }[] = []): Record<string, unknown> {
  return {
    ticket: t,
    audit: {
      id: 5000001,
      ticket_id: t['id'],
      created_at: t['updated_at'],
      author_id: ME,
      events: changes.map((c, i) => ({ id: 6000000 + i, type: 'Change', field_name: c.field, value: c.value, previous_value: c.previous })),
    },
  };
}

/** Mocks the group and agent lists the connector reads names from (cursor pagination, one page each). */
export function directory(http: HttpMock, options: { agents?: boolean } = {}): void {
  const scope = http
    .mock(BASE)
    .get('/api/v2/groups.json')
    .query({ 'page[size]': '100' })
    .reply(200, {
      groups: [
        { id: NETWORK, name: 'Network Operations', deleted: false },
        { id: SERVICE_DESK, name: 'Service Desk', deleted: false },
      ],
      meta: { has_more: false, after_cursor: null, before_cursor: null },
      links: { next: null, prev: null },
    });
  if (options.agents === false) return;
  scope
    .get('/api/v2/users.json')
    .query({ 'role[]': ['agent', 'admin'], 'page[size]': '100' })
    .reply(200, {
      users: [
        { id: ME, name: 'deskbridge', email: 'deskbridge@acme.example', role: 'admin', active: true },
        { id: NE1, name: 'Network Engineer 1', email: 'ne1@acme.example', role: 'agent', active: true },
        { id: BETH, name: 'Beth Anglin', email: 'beth@acme.example', role: 'agent', active: true },
      ],
      meta: { has_more: false, after_cursor: null },
    });
}

export function memberships(http: HttpMock, groupId: number, userIds: number[]): void {
  http
    .mock(BASE)
    .get(`/api/v2/groups/${groupId}/memberships.json`)
    .query({ 'page[size]': '100' })
    .reply(200, { group_memberships: userIds.map((u, i) => ({ id: 8000 + i, user_id: u, group_id: groupId, default: true })), meta: { has_more: false } });
}

/** A write as the executor hands it over. */
export function write(action: Action, fields: Record<string, unknown>, options: { nativeId?: string; version?: string; firstAttempt?: boolean; marker?: string } = {}): WriteRequest {
  const nativeId = options.nativeId ?? '4211';
  const planned: PlannedAction = {
    id: 'a1b2c3d4e5f60718',
    sourceId: 'zd',
    ruleId: 'network',
    target: { ticketKey: `zendesk:zd:${nativeId}`, nativeId, number: nativeId, version: options.version ?? versionOf(ticket(Number(nativeId))) },
    action,
    explanation: 'Connectivity problem',
  };
  return { planned, action, fields, marker: options.marker ?? MARKER, firstAttempt: options.firstAttempt ?? true };
}
