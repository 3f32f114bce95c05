import { connectorHarness, type Harness } from '../../../helpers/connector-harness.js';
import { FreshserviceSource } from '../../../../src/platforms/freshservice/source.js';
import type { ConnectorDeps } from '../../../../src/platforms/deps.js';
import { createFreshserviceConnector } from '../../../../src/platforms/freshservice/index.js';
import type { HttpMock } from '../../../helpers/http-mock.js';

export const BASE_URL = 'https://acme.freshservice.com';
export const API_KEY = 'fs-api-key-do-not-log';
/** The server's clock in these tests: every list page is served at this time. */
export const SERVED_AT = '2026-03-02T12:00:00Z';

export function source(overrides: Record<string, unknown> = {}): FreshserviceSource {
  return FreshserviceSource.parse({ id: 'fs-prod', platform: 'freshservice', baseUrl: BASE_URL, auth: { type: 'apiKey', apiKey: API_KEY }, ...overrides });
}

export function harness(src: FreshserviceSource = source(), deps: ConnectorDeps = {}): Harness {
  return connectorHarness(createFreshserviceConnector, src, { now: () => Date.parse(SERVED_AT) + 30_000, ...deps });
}

/** A ticket as GET /api/v2/tickets lists it (https://api.freshservice.com/#view_all_ticket). */
export function ticket(id: number, updatedAt: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    subject: `Ticket ${id}`,
    description: `<div>Body ${id}</div>`,
    description_text: `Body ${id}`,
    status: 2,
    priority: 2,
    source: 1,
    type: 'Incident',
    group_id: null,
    responder_id: null,
    requester_id: 9001,
    workspace_id: 2,
    category: null,
    sub_category: null,
    custom_fields: { cf_duplicate_of: null },
    created_at: '2026-03-01T08:00:00Z',
    updated_at: updatedAt,
    ...extra,
  };
}

/** The directory the connector reads once: two groups and two agents. */
export function mockDirectory(http: HttpMock): void {
  http
    .mock(BASE_URL)
    .get('/api/v2/groups')
    .query({ per_page: '100' })
    .reply(200, {
      groups: [
        { id: 11, name: 'Service Desk' },
        { id: 12, name: 'Network Operations' },
      ],
    })
    .get('/api/v2/agents')
    .query({ per_page: '100' })
    .reply(200, {
      agents: [
        { id: 21, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@acme.test', active: true },
        { id: 22, first_name: 'Deskbridge', last_name: 'Bot', email: 'deskbridge@acme.test', active: true },
      ],
    });
}

export const DATE_HEADER = { Date: new Date(SERVED_AT).toUTCString() };
