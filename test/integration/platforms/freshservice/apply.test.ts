import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../../../src/http/errors.js';
import { problemTag } from '../../../../src/platforms/freshservice/write/problems.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, BETH, MARKER, ME, NE1, NETWORK, SERVICE_DESK, SERVICE_DESK_3, directory, harness, source, ticket, version, write } from './setup.js';

const http = useHttpMock();

const TICKET = '/api/v2/tickets/4211';
const PLANNED = version(ticket(4211));

describe('Freshservice writes to tickets (PUT /api/v2/tickets/{id})', () => {
  it('assigns by group and agent name (group_id, responder_id), reports what it replaced and the version it left', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { group_id: SERVICE_DESK, responder_id: BETH }) })
      .put(TICKET, { group_id: NETWORK, responder_id: NE1 })
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T12:00:03Z' }) });

    const result = await connector.apply(
      write(
        { type: 'assign', group: 'Network Operations', assignee: 'ne1@acme.example' },
        { group: 'Network Operations', responder: 'ne1@acme.example' },
        { version: version(ticket(4211, { group_id: SERVICE_DESK, responder_id: BETH })) },
      ),
    );

    expect(result).toEqual({
      outcome: 'updated',
      ref: '4211',
      previous: { group: 'Service Desk', assignee: 'Beth Anglin' },
      ownVersion: version(ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T12:00:03Z' })),
    });
  });

  it("assigns a ticket of a second workspace to that workspace's group of the name", async () => {
    const { connector } = harness(source({ workspaces: [2, 3] }));
    directory(http, { workspaces: [2, 3] });
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { workspace_id: 3 }) })
      .put(TICKET, { group_id: SERVICE_DESK_3, responder_id: null })
      .reply(200, { ticket: ticket(4211, { workspace_id: 3, group_id: SERVICE_DESK_3, updated_at: '2026-12-05T12:00:03Z' }) });

    const result = await connector.apply(write({ type: 'assign', group: 'Service Desk' }, { group: 'Service Desk', responder: null }, { version: version(ticket(4211, { workspace_id: 3 })) }));

    expect(result).toMatchObject({ outcome: 'updated', ownVersion: version(ticket(4211, { workspace_id: 3, group_id: SERVICE_DESK_3, updated_at: '2026-12-05T12:00:03Z' })) });
  });

  it('sends nothing when the ticket already has that group and agent', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, responder_id: null }) });

    const result = await connector.apply(
      write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', responder: null }, { version: version(ticket(4211, { group_id: NETWORK, responder_id: null })) }),
    );

    expect(result).toEqual({ outcome: 'unchanged', ref: '4211' });
  });

  it('refuses a group Freshservice does not have before any write, saying how to fix it', async () => {
    const { connector } = harness();
    directory(http);

    const failure = await connector.apply(write({ type: 'assign', group: 'Storage' }, { group: 'Storage', responder: null })).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).details).toMatchObject({ code: 'bad-request', retryable: false });
    expect((failure as PlatformError).message).toContain('no group named "Storage"');
  });

  it('reports superseded and writes nothing when a person changed the ticket since the version the action was planned from', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { updated_at: '2026-12-05T11:40:00Z', status: 3 }) });

    const result = await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', responder: null }, { version: PLANNED }));

    expect(result).toEqual({ outcome: 'superseded', ref: '4211' });
  });

  it('takes a retried assignment that finds the ticket changed but holding its group and agent for its own landed write (unchanged), so the plan goes on', async () => {
    // A crash between the PUT and recording it: the restarted process has no own version in memory.
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T11:40:00Z' }) });

    const result = await connector.apply(
      write({ type: 'assign', group: 'Network Operations', assignee: 'ne1@acme.example' }, { group: 'Network Operations', responder: 'ne1@acme.example' }, { version: PLANNED, firstAttempt: false }),
    );

    expect(result).toEqual({ outcome: 'unchanged', ref: '4211', ownVersion: version(ticket(4211, { group_id: NETWORK, responder_id: NE1, updated_at: '2026-12-05T11:40:00Z' })) });
  });

  it('still reports superseded on a first attempt that finds the ticket changed to the same assignment (a person did it)', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, responder_id: null, updated_at: '2026-12-05T11:40:00Z' }) });

    const result = await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', responder: null }, { version: PLANNED }));

    expect(result).toEqual({ outcome: 'superseded', ref: '4211' });
  });

  it('still reports superseded on a retry that finds the ticket changed to something else', async () => {
    const { connector } = harness();
    directory(http);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { group_id: SERVICE_DESK, responder_id: null, updated_at: '2026-12-05T11:40:00Z' }) });

    const result = await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', responder: null }, { version: PLANNED, firstAttempt: false }));

    expect(result).toEqual({ outcome: 'superseded', ref: '4211' });
  });

  it("does not take its own earlier write of the same plan for a person's change", async () => {
    const { connector } = harness();
    directory(http);
    const after = '2026-12-05T12:00:03Z';
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211) })
      .put(TICKET, { group_id: NETWORK, responder_id: null })
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, updated_at: after }) })
      .get(TICKET)
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, updated_at: after }) })
      .put(TICKET, { priority: 4 })
      .reply(200, { ticket: ticket(4211, { group_id: NETWORK, priority: 4, updated_at: '2026-12-05T12:00:04Z' }) });

    await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { group: 'Network Operations', responder: null }));
    const second = await connector.apply(write({ type: 'set-field', field: 'priority', value: 1 }, { fields: { priority: 4 } }));

    expect(second).toEqual({ outcome: 'updated', ref: '4211', ownVersion: version(ticket(4211, { group_id: NETWORK, priority: 4, updated_at: '2026-12-05T12:00:04Z' })) });
  });

  it('turns a 400 Validation failed into a permanent failure that names the field', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211) })
      .put(TICKET)
      .reply(400, { description: 'Validation failed', errors: [{ field: 'custom_fields.cf_impact_area', message: 'It should be one of these values: Network,Storage', code: 'invalid_value' }] });

    const failure = await connector
      .apply(write({ type: 'set-field', field: 'cf_impact_area', value: 'Printers' }, { fields: { custom_fields: { cf_impact_area: 'Printers' } } }))
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(PlatformError);
    expect((failure as PlatformError).details).toMatchObject({ code: 'bad-request', retryable: false, status: 400 });
    expect((failure as PlatformError).message).toContain('custom_fields.cf_impact_area');
    expect((failure as PlatformError).message).not.toContain('fs-api-key');
  });

  it('refuses a mapping output with an unknown key before any request', async () => {
    const { connector } = harness();

    const failure = await connector.apply(write({ type: 'assign', group: 'Network Operations' }, { assignment_group: 'Network Operations' })).catch((error: unknown) => error);

    expect((failure as PlatformError).message).toMatch(/outbound mapping produced an unusable assign write/);
  });
});

describe('Freshservice private notes (POST /api/v2/tickets/{id}/notes)', () => {
  const NOTE = `<div>Routed to Network Operations.</div><p>— automated note by deskbridge · note id (${MARKER})</p>`;

  it("posts a private note with the marker on the first attempt (no look-up) and takes its created_at with the read ticket's fields as the version it left, without reading the ticket", async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .post(`${TICKET}/notes`, { body: NOTE, private: true })
      .reply(201, {
        conversation: {
          id: 5001,
          body: NOTE,
          body_text: 'Routed to Network Operations.',
          private: true,
          incoming: false,
          user_id: ME,
          ticket_id: 4211,
          created_at: '2026-12-05T12:00:05Z',
          updated_at: '2026-12-05T12:00:05Z',
        },
      });

    const read = ticket(4211, { group_id: NETWORK });
    const request = {
      ...write({ type: 'comment', visibility: 'internal', body: 'Routed to Network Operations.' }, { note: NOTE, private: true }),
      current: { version: version(read), updatedBy: undefined, raw: read },
    };
    const result = await connector.apply(request);

    // A note changes none of the versioned fields: the ticket reads back at the note's time with the fields as read.
    expect(result).toEqual({ outcome: 'created', ref: '4211', ownVersion: version({ ...read, updated_at: '2026-12-05T12:00:05Z' }) });
  });

  it('does not post again on a retry when the note with its marker is already there', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get(`${TICKET}/conversations`)
      .query({ per_page: '100' })
      .reply(200, { conversations: [{ id: 5001, body: NOTE, body_text: `Routed to Network Operations. note id (${MARKER})`, private: true, created_at: '2026-12-05T12:00:05Z' }] });

    const result = await connector.apply(write({ type: 'comment', visibility: 'internal', body: 'Routed to Network Operations.' }, { note: NOTE, private: true }, { firstAttempt: false }));

    expect(result).toEqual({ outcome: 'unchanged', ref: '4211' });
  });

  it("claims no version when it knows neither our last write's fields, nor a read's, nor the planned version's (a person's edit must not be taken for ours), and posts a retried note not found by its marker", async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get(`${TICKET}/conversations`)
      .query({ per_page: '100' })
      .reply(200, { conversations: [] })
      .post(`${TICKET}/notes`)
      .reply(201, { conversation: { id: 5002, body: NOTE, private: true, created_at: '2026-12-05T12:00:05Z' } });

    const result = await connector.apply(
      write({ type: 'comment', visibility: 'internal', body: 'Routed.' }, { note: NOTE, private: true }, { firstAttempt: false, version: '2026-12-05T11:00:00.000Z' }),
    );

    expect(result).toEqual({ outcome: 'created', ref: '4211' });
  });

  it('refuses a note without its marker, or an internal comment mapped to a public note, before any request', async () => {
    const { connector } = harness();

    await expect(connector.apply(write({ type: 'comment', visibility: 'internal', body: 'x' }, { note: '<p>x</p>', private: true }))).rejects.toThrow(/idempotency marker/);
    await expect(connector.apply(write({ type: 'comment', visibility: 'internal', body: 'x' }, { note: NOTE, private: false }))).rejects.toThrow(/public note/);
  });
});

describe('Freshservice actions it cannot take', () => {
  it('declares link-duplicate only with a duplicateField, refusing it before any request', async () => {
    const { connector } = harness();
    expect(connector.capabilities.linkTypes).toEqual(['problem']);

    await expect(connector.apply(write({ type: 'link-duplicate', original: { nativeId: '4100', number: 'INC-4100' } }, {}))).rejects.toThrow(/no duplicateField/);
  });

  it('creates a follow-up ticket task once per correlation key (tag in the title), with its group by name', async () => {
    const { connector } = harness();
    directory(http);
    const tag = problemTag('sla:4211:escalate');
    http
      .mock(BASE)
      .get('/api/v2/tickets/4211/tasks')
      .query({ per_page: '100' })
      .reply(200, { tasks: [] })
      .post('/api/v2/tickets/4211/tasks', { title: `Call the requester ${tag}`, description: 'SLA at risk', status: 1, due_date: '2026-12-06T12:00:00Z', notify_before: 0, group_id: SERVICE_DESK })
      .reply(201, { task: { id: 77, title: `Call the requester ${tag}`, description: 'SLA at risk', status: 1, due_date: '2026-12-06T12:00:00Z', notify_before: 0, group_id: SERVICE_DESK } })
      .get('/api/v2/tickets/4211/tasks')
      .query({ per_page: '100' })
      .reply(200, { tasks: [{ id: 77, title: `Call the requester ${tag}`, status: 1 }] });

    const action = { type: 'create-task', correlationKey: 'sla:4211:escalate', title: 'Call the requester', description: 'SLA at risk', group: 'Service Desk' } as const;
    const created = await connector.apply(write(action, { subject: 'Call the requester', description: 'SLA at risk', taskGroup: 'Service Desk' }));
    const again = await connector.apply(write(action, { subject: 'Call the requester', description: 'SLA at risk', taskGroup: 'Service Desk' }, { firstAttempt: false }));

    expect(created).toEqual({ outcome: 'created', ref: '77' });
    expect(again).toEqual({ outcome: 'unchanged', ref: '77' });
  });

  it('sets the duplicateField to the original ticket id when configured, and leaves one a person set', async () => {
    const { connector } = harness(source({ duplicateField: 'cf_original_ticket' }));
    expect(connector.capabilities.linkTypes).toEqual(['problem', 'duplicate']);
    http
      .mock(BASE)
      .get(TICKET)
      .reply(200, { ticket: ticket(4211) })
      .put(TICKET, { custom_fields: { cf_original_ticket: 4100 } })
      .reply(200, { ticket: ticket(4211, { custom_fields: { cf_original_ticket: 4100 }, updated_at: '2026-12-05T12:00:07Z' }) })
      .get('/api/v2/tickets/4212')
      .reply(200, { ticket: ticket(4212, { custom_fields: { cf_original_ticket: 3999 } }) });

    const linked = await connector.apply(write({ type: 'link-duplicate', original: { nativeId: '4100', number: 'INC-4100' } }, {}));
    const left = await connector.apply(write({ type: 'link-duplicate', original: { nativeId: '4100', number: 'INC-4100' } }, {}, { nativeId: '4212' }));

    expect(linked).toEqual({ outcome: 'updated', ref: '4211', ownVersion: version(ticket(4211, { custom_fields: { cf_original_ticket: 4100 }, updated_at: '2026-12-05T12:00:07Z' })) });
    expect(left).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('3999') as string });
  });
});
