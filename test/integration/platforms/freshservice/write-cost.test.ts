import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, BETH, NE1, NETWORK, SERVICE_DESK, collect, directory, harness, source, ticket, version, write } from './setup.js';

const http = useHttpMock();

const LIST = '/api/v2/tickets';
const PULL = { updated_since: '2026-12-05T11:00:00Z', per_page: '100', order_type: 'asc' };
/** The pull's cut: the first page's server time (no Date header here: the connector's clock, 12:00:00) less 2 s. */
const CUT = '2026-12-05T11:59:58Z';
/** The version 4211 was pulled at, and its writes planned from. */
const PLANNED = version(ticket(4211, { group_id: SERVICE_DESK, responder_id: BETH }));
const ASSIGN: Action = { type: 'assign', group: 'Network Operations', assignee: 'ne1@acme.example' };
const ASSIGN_FIELDS = { group: 'Network Operations', responder: 'ne1@acme.example' };
const URGENT: Action = { type: 'set-field', field: 'priority', value: 'urgent' };

/** Pulls tickets 4211 and 4212 at the planned version, as a pass before the writes does. */
async function pulled(connector: Connector, tickets = [ticket(4211, { group_id: SERVICE_DESK, responder_id: BETH }), ticket(4212)]): Promise<void> {
  http.mock(BASE).get(LIST).query(PULL).reply(200, { tickets });
  await collect(connector.pull({ from: '2026-12-05T11:00:00Z', fields: [] }));
}

function sent(): string[] {
  return http.requests().map((r) => `${r.method} ${r.url.pathname}${r.url.search}`);
}

function withCurrent(request: WriteRequest, current: WriteRequest['current']): WriteRequest {
  return { ...request, current };
}

describe('Freshservice: the version check from one updated_since list (readVersions)', () => {
  it('lists what changed since the pull once for many tickets: a listed ticket is at its listed version, an unlisted one at the version pulled', async () => {
    const { connector } = harness();
    directory(http);
    await pulled(connector);
    const before = http.requests().length;
    // A person changed 4212 since the pull; 4211 is unchanged, so the list does not name it.
    http
      .mock(BASE)
      .get(LIST)
      .query({ updated_since: CUT, per_page: '100', order_type: 'asc' })
      .reply(200, { tickets: [ticket(4212, { updated_at: '2026-12-05T12:00:10Z', priority: 4 })] });

    const current = await connector.readVersions?.(['4211', '4212', '9999']);

    expect(sent().slice(before)).toEqual([`GET ${LIST}?updated_since=${CUT}&per_page=100&order_type=asc`]);
    expect(current?.get('4211')).toMatchObject({ version: PLANNED, updatedBy: undefined, raw: { group_id: SERVICE_DESK, responder_id: BETH } });
    expect(current?.get('4212')).toMatchObject({ version: version(ticket(4212, { updated_at: '2026-12-05T12:00:10Z', priority: 4 })), raw: { priority: 4 } });
    // Never pulled: absent, so its write reads it itself.
    expect(current?.has('9999')).toBe(false);
  });

  it('reads nothing for tickets it has not seen since it started (after a restart): their writes read them themselves', async () => {
    const { connector } = harness();

    expect(await connector.readVersions?.(['4211'])).toEqual(new Map());
    expect(http.requests()).toEqual([]);
  });

  it('lists each configured workspace, as the pull does', async () => {
    const { connector } = harness(source({ workspaces: [2, 3] }));
    directory(http, { workspaces: [2, 3] });
    http
      .mock(BASE)
      .get(LIST)
      .query({ ...PULL, workspace_id: '2' })
      .reply(200, { tickets: [ticket(4211)] })
      .get(LIST)
      .query({ ...PULL, workspace_id: '3' })
      .reply(200, { tickets: [] });
    await collect(connector.pull({ from: '2026-12-05T11:00:00Z', fields: [] }));
    http
      .mock(BASE)
      .get(LIST)
      .query({ updated_since: CUT, per_page: '100', order_type: 'asc', workspace_id: '2' })
      .reply(200, { tickets: [] })
      .get(LIST)
      .query({ updated_since: CUT, per_page: '100', order_type: 'asc', workspace_id: '3' })
      .reply(200, { tickets: [ticket(4211, { workspace_id: 3, updated_at: '2026-12-05T12:00:20Z' })] });

    const current = await connector.readVersions?.(['4211']);

    expect(current?.get('4211')).toMatchObject({ version: version(ticket(4211, { workspace_id: 3, updated_at: '2026-12-05T12:00:20Z' })), raw: { workspace_id: 3 } });
  });

  it('starts the next batch from the last list: only what changed since is listed again', async () => {
    const { connector, clock } = harness();
    directory(http);
    await pulled(connector);
    clock.now += 60_000;
    http.mock(BASE).get(LIST).query({ updated_since: CUT, per_page: '100', order_type: 'asc' }).reply(200, { tickets: [] });
    await connector.readVersions?.(['4211']);
    clock.now += 60_000;
    // 4212 was not asked for in the first batch, but the first list proved it unchanged up to its cut.
    http.mock(BASE).get(LIST).query({ updated_since: '2026-12-05T12:00:58Z', per_page: '100', order_type: 'asc' }).reply(200, { tickets: [] });

    const current = await connector.readVersions?.(['4212']);

    expect(current?.get('4212')?.version).toBe(version(ticket(4212)));
  });
});

describe('Freshservice writes checked against the batched read: no GET per write', () => {
  it('assigns with one PUT, taking what it replaces from the batched read', async () => {
    const { connector } = harness();
    directory(http);
    await pulled(connector);
    http.mock(BASE).get(LIST).query(true).reply(200, { tickets: [] });
    const current = (await connector.readVersions?.(['4211']))?.get('4211');
    const before = http.requests().length;
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211', { group_id: NETWORK, responder_id: NE1 })
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T12:00:03Z' }) });

    const result = await connector.apply(withCurrent(write(ASSIGN, ASSIGN_FIELDS, { version: PLANNED }), current));

    expect(result).toEqual({
      outcome: 'updated',
      ref: '4211',
      previous: { group: 'Service Desk', assignee: 'Beth Anglin' },
      ownVersion: version(ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T12:00:03Z' })),
    });
    expect(sent().slice(before)).toEqual(['PUT /api/v2/tickets/4211']);
  });

  it("answers superseded, sending nothing, when the batched read shows a person's newer edit", async () => {
    const { connector } = harness();
    directory(http);
    await pulled(connector);
    http
      .mock(BASE)
      .get(LIST)
      .query(true)
      .reply(200, { tickets: [ticket(4211, { group_id: SERVICE_DESK, responder_id: BETH, updated_at: '2026-12-05T12:00:10Z' })] });
    const current = (await connector.readVersions?.(['4211']))?.get('4211');
    const before = http.requests().length;

    expect(await connector.apply(withCurrent(write(ASSIGN, ASSIGN_FIELDS, { version: PLANNED }), current))).toEqual({ outcome: 'superseded', ref: '4211' });
    expect(await connector.applyGroup?.([withCurrent(write(ASSIGN, ASSIGN_FIELDS, { version: PLANNED }), current), write(URGENT, { fields: { priority: 4 } }, { version: PLANNED })])).toEqual([
      { outcome: 'superseded', ref: '4211' },
      { outcome: 'superseded', ref: '4211' },
    ]);
    expect(sent().slice(before)).toEqual([]);
  });

  it('a retried assign that finds its own earlier attempt landed (ticket changed, holding its values) is unchanged, not superseded', async () => {
    const { connector } = harness();
    directory(http);
    const landed = ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T11:59:00Z' });
    const current = { version: version(landed), updatedBy: undefined, raw: landed };

    const result = await connector.apply(withCurrent(write(ASSIGN, ASSIGN_FIELDS, { version: PLANNED, firstAttempt: false }), current));

    expect(result).toEqual({ outcome: 'unchanged', ref: '4211', ownVersion: version(landed) });
    expect(sent().filter((r) => !r.startsWith('GET /api/v2/groups') && !r.startsWith('GET /api/v2/agents'))).toEqual([]);
  });
});

describe('Freshservice: assign and set-field of one plan as ONE PUT (applyGroup)', () => {
  it('sends the fields of both in one PUT and answers each, the assign with what it replaced', async () => {
    const { connector } = harness();
    directory(http);
    await pulled(connector);
    http.mock(BASE).get(LIST).query(true).reply(200, { tickets: [] });
    const current = (await connector.readVersions?.(['4211']))?.get('4211');
    const before = http.requests().length;
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211', { group_id: NETWORK, responder_id: NE1, priority: 4 })
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, responder_id: NE1, priority: 4, updated_at: '2026-12-05T12:00:03Z' }) });

    const results = await connector.applyGroup?.([withCurrent(write(ASSIGN, ASSIGN_FIELDS, { version: PLANNED }), current), write(URGENT, { fields: { priority: 4 } }, { version: PLANNED })]);

    const ownVersion = version(ticket(4211, { group_id: NETWORK, responder_id: NE1, priority: 4, updated_at: '2026-12-05T12:00:03Z' }));
    expect(results).toEqual([
      { outcome: 'updated', ref: '4211', previous: { group: 'Service Desk', assignee: 'Beth Anglin' }, ownVersion },
      { outcome: 'updated', ref: '4211', ownVersion },
    ]);
    expect(sent().slice(before)).toEqual(['PUT /api/v2/tickets/4211']);
  });

  it('groups assign and set-field only: a note is a record of its own (POST …/notes)', () => {
    const { connector } = harness();
    expect([...(connector.groupableActions ?? [])].sort()).toEqual(['assign', 'set-field']);
  });

  it('declines, sending nothing, a retry (alone, each write looks whether its earlier attempt landed) and an unknown group (alone, it is refused)', async () => {
    const { connector } = harness();
    directory(http);

    expect(
      await connector.applyGroup?.([write(ASSIGN, ASSIGN_FIELDS, { version: PLANNED, firstAttempt: false }), write(URGENT, { fields: { priority: 4 } }, { firstAttempt: false })]),
    ).toBeUndefined();
    expect(
      await connector.applyGroup?.([write({ type: 'assign', group: 'Storage' }, { group: 'Storage', responder: null }), write(URGENT, { fields: { priority: 4 } }, { version: PLANNED })]),
    ).toBeUndefined();
    expect(http.requests().filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
