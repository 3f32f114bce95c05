import { connectorHarness, type Harness } from '../../../helpers/connector-harness.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import type { ConnectorDeps } from '../../../../src/platforms/deps.js';
import { createFreshserviceConnector } from '../../../../src/platforms/freshservice/index.js';
import { ticketVersion } from '../../../../src/platforms/freshservice/record.js';
import { TicketEnvelope } from '../../../../src/platforms/freshservice/schema.js';
import { FreshserviceSource } from '../../../../src/platforms/freshservice/source.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import type { HttpMock } from '../../../helpers/http-mock.js';

export const BASE = 'https://acme.freshservice.com';
export const API_KEY = 'fs-api-key-do-not-log';
/** The integration agent (GET /api/v2/agents/me). */
export const ME = 21000000001;
export const MARKER = 'deskbridge:3f9a1c2e7b4d5a60';
export const NETWORK = 21000000101;
export const SERVICE_DESK = 21000000102;
export const NE1 = 21000000201;
export const BETH = 21000000202;
export const NOW = Date.parse('2026-12-05T12:00:00Z');
/** "Service Desk" of the second workspace (same name, another group). */
export const SERVICE_DESK_3 = 21000000103;

const AGENTS = {
  agents: [
    { id: ME, first_name: 'deskbridge', last_name: null, email: 'deskbridge@acme.example', active: true, occasional: false },
    { id: NE1, first_name: 'Network', last_name: 'Engineer 1', email: 'ne1@acme.example', active: true, occasional: false },
    { id: BETH, first_name: 'Beth', last_name: 'Anglin', email: 'beth@acme.example', active: true, occasional: false },
  ],
};

export type { Harness, LogEntry } from '../../../helpers/connector-harness.js';
export { collect } from '../../../helpers/connector-harness.js';

/** A source as the config loader would produce it (defaults applied). */
export function source(overrides: Record<string, unknown> = {}): FreshserviceSource {
  return FreshserviceSource.parse({ id: 'fs', platform: 'freshservice', baseUrl: BASE, auth: { type: 'apiKey', apiKey: API_KEY }, ...overrides });
}

/** A connector with instant, recorded sleeps, a captured log, its own host queues and a fixed clock. */
export function harness(src: FreshserviceSource = source(), deps: ConnectorDeps = {}, nowMs = NOW): Harness & { clock: { now: number } } {
  const clock = { now: nowMs };
  const h = connectorHarness(createFreshserviceConnector, src, { ...deps, retryOverrides: { now: () => clock.now, ...deps.retryOverrides } });
  return { ...h, clock };
}

/** A ticket as `GET /api/v2/tickets` lists it (https://api.freshservice.com/#view_all_ticket). */
export function ticket(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subject: 'VPN drops every few minutes',
    group_id: null,
    department_id: null,
    category: 'Network',
    sub_category: null,
    item_category: null,
    requester_id: 21000000900,
    requested_for_id: 21000000900,
    responder_id: null,
    due_by: '2026-12-08T10:00:00Z',
    fr_escalated: false,
    deleted: false,
    spam: false,
    email_config_id: null,
    fwd_emails: [],
    reply_cc_emails: [],
    cc_emails: [],
    is_escalated: false,
    fr_due_by: '2026-12-05T14:00:00Z',
    id,
    priority: 2,
    status: 2,
    source: 1,
    created_at: '2026-12-05T10:00:00Z',
    updated_at: '2026-12-05T11:00:00Z',
    to_emails: null,
    type: 'Incident',
    description: '<div>Since this morning the VPN disconnects every five minutes.</div>',
    description_text: 'Since this morning the VPN disconnects every five minutes.',
    custom_fields: { cf_original_ticket: null },
    workspace_id: 2,
    urgency: 2,
    impact: 2,
    ...overrides,
  };
}

/** The connector's version of a ticket as {@link ticket} builds it: `updated_at` and the digest of its fields (record.ts). */
export function version(raw: Record<string, unknown>): string {
  return ticketVersion(TicketEnvelope.parse(raw));
}

/** The primary workspace's groups as `GET /api/v2/groups` lists them (https://api.freshservice.com/#view_all_groups). */
const GROUPS = [
  {
    id: NETWORK,
    name: 'Network Operations',
    description: null,
    unassigned_for: '30m',
    business_hours_id: null,
    escalate_to: null,
    members: [NE1],
    observers: [],
    auto_ticket_assign: false,
    restricted: false,
    approval_required: false,
    workspace_id: 2,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  },
  { id: SERVICE_DESK, name: 'Service Desk', description: null, members: [BETH], observers: [], workspace_id: 2, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
];

/**
 * Mocks the group and agent lists the connector reads names from (one page each, no Link). With
 * `workspaces`, each workspace's groups are listed on their own; the second has its own "Service Desk".
 */
export function directory(http: HttpMock, options: { workspaces?: number[] } = {}): void {
  const scope = http.mock(BASE);
  const workspaces = options.workspaces;
  if (workspaces === undefined) scope.get('/api/v2/groups').query({ per_page: '100' }).reply(200, { groups: GROUPS });
  for (const workspace of workspaces ?? []) {
    const groups = workspace === workspaces?.[0] ? GROUPS : [{ id: SERVICE_DESK_3, name: 'Service Desk', description: null, members: [BETH], observers: [], workspace_id: workspace }];
    scope
      .get('/api/v2/groups')
      .query({ per_page: '100', workspace_id: String(workspace) })
      .reply(200, { groups });
  }
  scope.get('/api/v2/agents').query({ per_page: '100' }).reply(200, AGENTS);
}

/** A write as the executor hands it over, planned from `ticket(nativeId)` at `version` (default: that ticket's version). */
export function write(action: Action, fields: Record<string, unknown>, options: { nativeId?: string; version?: string; firstAttempt?: boolean; marker?: string } = {}): WriteRequest {
  const nativeId = options.nativeId ?? '4211';
  const planned: PlannedAction = {
    id: 'a1b2c3d4e5f60718',
    sourceId: 'fs',
    ruleId: 'network',
    target: { ticketKey: `freshservice:fs:${nativeId}`, nativeId, number: `INC-${nativeId}`, version: options.version ?? version(ticket(Number(nativeId))) },
    action,
    explanation: 'Connectivity problem',
  };
  return { planned, action, fields, marker: options.marker ?? MARKER, firstAttempt: options.firstAttempt ?? true };
}
