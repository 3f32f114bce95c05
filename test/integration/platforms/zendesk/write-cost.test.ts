import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, BETH, MARKER, NE1, NETWORK, SERVICE_DESK, directory, harness, memberships, ticket, updated, versionOf, write } from './setup.js';

const http = useHttpMock();

const ASSIGN: Action = { type: 'assign', group: 'Network Operations', assignee: 'Network Engineer 1' };
const NOTE: Action = { type: 'comment', visibility: 'internal', body: 'deskbridge routed this to Network Operations.' };
const NOTE_TEXT = `deskbridge routed this to Network Operations.\n\n(${MARKER})`;
const SET_PRIORITY: Action = { type: 'set-field', field: 'priority', value: 'high' };
const PLANNED = ticket(4211);
const STAMP = '2026-12-05T11:00:00Z';

const assign = (options: { firstAttempt?: boolean } = {}) => write(ASSIGN, { group: 'Network Operations', assignee: 'Network Engineer 1' }, { version: versionOf(PLANNED), ...options });
const note = (options: { firstAttempt?: boolean } = {}) => write(NOTE, { comment: { body: NOTE_TEXT, public: false } }, { version: versionOf(PLANNED), ...options });

function writesSent(): { method: string; path: string; body: unknown }[] {
  return http
    .requests()
    .filter((r) => r.method !== 'GET')
    .map((r) => ({ method: r.method, path: r.url.pathname, body: JSON.parse(r.body) as unknown }));
}

describe('Zendesk: the writes of one plan to one ticket as one update', () => {
  it('does not read versions before writing: every attribute write is a safe update', () => {
    const { connector } = harness();
    expect('readVersions' in connector).toBe(false);
    expect([...(connector.groupableActions ?? [])].sort()).toEqual(['assign', 'comment', 'set-field']);
  });

  it('sends an assignment, a field and its internal note as ONE safe update and answers each with its own outcome', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    const after = ticket(4211, { updated_at: '2026-12-05T11:10:00Z', group_id: NETWORK, assignee_id: NE1, priority: 'high' });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json', {
        ticket: { group_id: NETWORK, assignee_id: NE1, priority: 'high', comment: { body: NOTE_TEXT, public: false }, safe_update: true, updated_stamp: STAMP },
      })
      .reply(
        200,
        updated(after, [
          { field: 'group_id', value: String(NETWORK), previous: String(SERVICE_DESK) },
          { field: 'assignee_id', value: String(NE1), previous: String(BETH) },
        ]),
      );

    const results = await connector.applyGroup?.([assign(), write(SET_PRIORITY, { ticket: { priority: 'high' } }, { version: versionOf(PLANNED) }), note()]);

    const ownVersion = versionOf(after);
    expect(results).toEqual([
      { outcome: 'updated', ref: '4211', ownVersion, previous: { group: 'Service Desk', assignee: 'Beth Anglin' } },
      { outcome: 'updated', ref: '4211', ownVersion },
      { outcome: 'created', ref: '4211', ownVersion },
    ]);
    expect(writesSent()).toHaveLength(1);
  });

  it("answers every write superseded when a person's newer edit makes the update conflict (409), and posts nothing", async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(409, { error: 'UpdateConflict', description: 'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.' })
      .get('/api/v2/tickets/4211.json')
      .reply(200, { ticket: ticket(4211, { updated_at: '2026-12-05T11:05:00Z', group_id: SERVICE_DESK, assignee_id: BETH }) });

    const results = await connector.applyGroup?.([assign(), note()]);

    expect(results).toEqual([
      { outcome: 'superseded', ref: '4211' },
      { outcome: 'superseded', ref: '4211' },
    ]);
    expect(writesSent()).toHaveLength(1);
  });

  it('after a 409 on a ticket that already holds the assignment, answers the assign unchanged and posts the note alone', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    const now = ticket(4211, { updated_at: '2026-12-05T11:05:00Z', group_id: NETWORK, assignee_id: NE1 });
    const afterNote = ticket(4211, { updated_at: '2026-12-05T11:06:00Z', group_id: NETWORK, assignee_id: NE1 });
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(409, { error: 'UpdateConflict', description: 'Safe Update prevented the update due to outdated ticket data.' })
      .get('/api/v2/tickets/4211.json')
      .reply(200, { ticket: now })
      .put('/api/v2/tickets/4211.json', { ticket: { comment: { body: NOTE_TEXT, public: false } } })
      .reply(200, updated(afterNote));

    const results = await connector.applyGroup?.([assign(), note()]);

    expect(results).toEqual([
      { outcome: 'unchanged', ref: '4211', ownVersion: versionOf(now) },
      { outcome: 'created', ref: '4211', ownVersion: versionOf(afterNote) },
    ]);
  });

  it('records every write skipped when the ticket is closed (422 "closed prevents ticket update")', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { status: [{ description: 'Status: closed prevents ticket update' }] } });

    const results = await connector.applyGroup?.([assign(), note()]);

    expect(results?.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(results?.[0]?.reason).toContain('closed');
  });

  it('throws a non-retryable error for any other 422, so the executor sends the writes one by one', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [NE1]);
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json')
      .reply(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { assignee: [{ description: 'Assignee is not a member of the group' }] } });

    await expect(connector.applyGroup?.([assign(), note()])).rejects.toMatchObject({ retryable: false, status: 422 });
  });

  it('declines, sending nothing, a retry: alone, the note looks for its marker before it is posted again', async () => {
    const { connector } = harness();

    expect(await connector.applyGroup?.([assign({ firstAttempt: false }), note({ firstAttempt: false })])).toBeUndefined();
    expect(await connector.applyGroup?.([assign(), note({ firstAttempt: false })])).toBeUndefined();
    expect(http.requests()).toEqual([]);
  });

  it('declines, sending nothing, an assignee outside the group: alone, the assign gets its own refusal', async () => {
    const { connector } = harness();
    directory(http);
    memberships(http, NETWORK, [BETH]);

    expect(await connector.applyGroup?.([assign(), note()])).toBeUndefined();
    expect(writesSent()).toEqual([]);
  });

  it('declines two notes (an update carries one comment) and two writes setting one attribute differently', async () => {
    const { connector } = harness();

    expect(await connector.applyGroup?.([note(), write(NOTE, { comment: { body: `second ${MARKER}`, public: false } })])).toBeUndefined();
    const high = write(SET_PRIORITY, { ticket: { priority: 'high' } });
    const low = write({ type: 'set-field', field: 'priority', value: 'low' }, { ticket: { priority: 'low' } });
    expect(await connector.applyGroup?.([high, low])).toBeUndefined();
    expect(http.requests()).toEqual([]);
  });
});
