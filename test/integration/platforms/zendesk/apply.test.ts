import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, BETH, MARKER, NE1, NETWORK, SERVICE_DESK, directory, harness, memberships, ticket, updated, versionOf, write } from './setup.js';

const http = useHttpMock();

const ASSIGN: Action = { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' };
const NOTE: Action = { type: 'comment', visibility: 'internal', body: 'deskbridge routed this to Network Operations.' };
const NOTE_TEXT = `deskbridge routed this to Network Operations.\n\n(${MARKER})`;
const PLANNED = ticket(4211);

function bodies(): unknown[] {
  return http
    .requests()
    .filter((r) => r.method !== 'GET')
    .map((r) => JSON.parse(r.body) as unknown);
}

describe('Zendesk assign', () => {
  it('resolves group and agent names to ids, checks membership, and sends one safe update stamped with the planned updated_at', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    const after = ticket(4211, { updated_at: '2026-12-05T11:10:00Z', group_id: NETWORK, assignee_id: NE1 });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json', { ticket: { group_id: NETWORK, assignee_id: NE1, safe_update: true, updated_stamp: '2026-12-05T11:00:00Z' } })
      .reply(
        200,
        updated(after, [
          { field: 'group_id', value: String(NETWORK), previous: String(SERVICE_DESK) },
          { field: 'assignee_id', value: String(NE1), previous: String(BETH) },
        ]),
      );

    const result = await connector.apply(write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }, { version: versionOf(PLANNED) }));

    expect(result).toEqual({ outcome: 'updated', ref: '4211', ownVersion: versionOf(after), previous: { group: 'Service Desk', assignee: 'Beth Anglin' } });
  });

  it('refuses, before writing, an agent who is not a member of the group (Zendesk would answer 422)', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [BETH]);

    await expect(connector.apply(write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('not a member of Zendesk group "Network Operations"') as unknown,
    });
    expect(bodies()).toEqual([]);
  });

  it('turns a 422 "Assignee is not a member of the group" (memberships changed since listed) into a non-retried failure and lists the members again next time', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { assignee: [{ description: 'Assignee is not a member of the group', error: 'InvalidValue' }] } });

    await expect(connector.apply(write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }))).rejects.toMatchObject({ retryable: false, status: 422 });

    memberships(http, NETWORK, [BETH]);
    await expect(connector.apply(write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }))).rejects.toMatchObject({ retryable: false });
  });

  it("answers superseded when a person's newer edit makes the safe update conflict (409)", async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(409, { error: 'UpdateConflict', description: 'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.' });

    const result = await connector.apply(write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }));

    expect(result).toEqual({ outcome: 'superseded', ref: '4211' });
  });

  it('answers unchanged when a retried assign conflicts because its own earlier attempt landed', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(409, { error: 'UpdateConflict', description: 'Safe Update prevented the update' })
      .get('/api/v2/tickets/4211.json')
      .reply(200, { ticket: ticket(4211, { updated_at: '2026-12-05T11:10:00Z', group_id: NETWORK, assignee_id: NE1 }) });

    const result = await connector.apply(write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }, { firstAttempt: false }));

    expect(result).toEqual({ outcome: 'unchanged', ref: '4211' });
  });

  it('records a closed ticket (422 "closed prevents ticket update") as skipped, without retrying', async () => {
    const { connector, sleeps } = harness();
    directory(http, { agents: false });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: 'Status: closed prevents ticket update' }] } });

    const result = await connector.apply(write({ type: 'assign', group: 'Service Desk' }, { group: 'Service Desk', assignee: null }));

    expect(result.outcome).toBe('skipped');
    expect(result.reason).toContain('closed');
    expect(sleeps).toEqual([]);
  });

  it('says which group is missing when the rule names one Zendesk does not have', async () => {
    const { connector } = harness();
    directory(http, { agents: false });

    await expect(connector.apply(write({ type: 'assign', group: 'Mainframe' }, { group: 'Mainframe', assignee: null }))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('no group named "Mainframe"') as unknown,
    });
  });

  it('retries a 503 of an update, which is idempotent, and sends it once more only', async () => {
    const { connector } = harness();
    directory(http, { agents: false });
    const after = ticket(4211, { updated_at: '2026-12-05T11:10:00Z', group_id: SERVICE_DESK });
    http.mock(BASE).put('/api/v2/tickets/4211.json').reply(503, 'busy').put('/api/v2/tickets/4211.json').reply(200, updated(after));

    const result = await connector.apply(write({ type: 'assign', group: 'Service Desk' }, { group: 'Service Desk', assignee: null }));

    expect(result.outcome).toBe('updated');
    expect(http.requests().filter((r) => r.method === 'PUT')).toHaveLength(2);
  });
});

describe('Zendesk comments', () => {
  it('posts an internal note as comment {body, public: false}, without collision check', async () => {
    const { connector } = harness();
    const after = ticket(4211, { updated_at: '2026-12-05T11:10:00Z' });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json', { ticket: { comment: { body: NOTE_TEXT, public: false } } })
      .reply(200, updated(after));

    const result = await connector.apply(write(NOTE, { comment: { body: NOTE_TEXT, public: false } }));

    expect(result).toEqual({ outcome: 'created', ref: '4211', ownVersion: versionOf(after) });
  });

  it('refuses an internal note the mapping made public (Zendesk would e-mail it to the requester), before any request', async () => {
    const { connector } = harness();

    await expect(connector.apply(write(NOTE, { comment: { body: NOTE_TEXT, public: true } }))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('e-mail') as unknown });
    await expect(connector.apply(write(NOTE, { comment: { body: NOTE_TEXT } }))).rejects.toMatchObject({ retryable: false });
    expect(http.requests()).toEqual([]);
  });

  it('does not post a note again when a retry finds its marker among the newest comments', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get('/api/v2/tickets/4211/comments.json')
      .query({ sort_order: 'desc', per_page: '100' })
      .reply(200, { comments: [{ id: 1, type: 'Comment', body: NOTE_TEXT, public: false, author_id: 900001 }], next_page: null, previous_page: null, count: 1 });

    const result = await connector.apply(write(NOTE, { comment: { body: NOTE_TEXT, public: false } }, { firstAttempt: false }));

    expect(result).toEqual({ outcome: 'unchanged', ref: '4211' });
  });

  it('does not re-send a note after a 503 (it may have landed); the outbox retry looks for the marker first', async () => {
    const { connector } = harness();
    http.mock(BASE).put('/api/v2/tickets/4211.json').reply(503, 'busy');

    await expect(connector.apply(write(NOTE, { comment: { body: NOTE_TEXT, public: false } }))).rejects.toMatchObject({ retryable: true });
    expect(http.requests().filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('refuses a comment without the idempotency marker', async () => {
    const { connector } = harness();

    await expect(connector.apply(write(NOTE, { comment: { body: 'no marker', public: false } }))).rejects.toMatchObject({ retryable: false });
  });
});

describe('Zendesk set-field', () => {
  it('sends the native attributes as one safe update', async () => {
    const { connector } = harness();
    const after = ticket(4211, { updated_at: '2026-12-05T11:10:00Z', priority: 'high' });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json', { ticket: { priority: 'high', safe_update: true, updated_stamp: '2026-12-05T11:00:00Z' } })
      .reply(200, updated(after));

    const result = await connector.apply(write({ type: 'set-field', field: 'priority', value: 'high' }, { ticket: { priority: 'high' } }));

    expect(result.outcome).toBe('updated');
  });

  it('refuses a mapping that slips a comment into the ticket attributes', async () => {
    const { connector } = harness();

    await expect(connector.apply(write({ type: 'set-field', field: 'priority', value: 'high' }, { ticket: { comment: { body: 'x' } } }))).rejects.toMatchObject({ retryable: false });
  });
});
