import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import { isPlatformError } from '../../../../src/http/errors.js';
import { problemTag } from '../../../../src/platforms/freshservice/write/problems.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE_URL, harness, mockDirectory, ticket } from './setup.js';

const http = useHttpMock();
const PLANNED = '2026-03-02T10:10:00.000Z';
const MARKER = 'db-5f3a9c';

function request(action: Action, fields: Record<string, unknown>, firstAttempt = true): WriteRequest {
  return {
    planned: { id: 'w1', sourceId: 'fs-prod', ruleId: 'route', target: { ticketKey: 'freshservice:fs-prod:42', nativeId: '42', number: 'INC-42', version: PLANNED }, action, explanation: 'test' },
    action,
    fields,
    marker: MARKER,
    firstAttempt,
  };
}

const assign: Action = { type: 'assign', group: 'Network Operations', assignee: 'Ada Lovelace' };
const note: Action = { type: 'comment', visibility: 'internal', body: 'Routed to Network Operations' };

describe('Freshservice writes', () => {
  it('assign resolves group and agent names to group_id / responder_id, reads what it replaces and reports the version the PUT left', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets/42')
      .reply(200, { ticket: ticket(42, '2026-03-02T10:10:00Z', { group_id: 11 }) })
      .put('/api/v2/tickets/42', { group_id: 12, responder_id: 21 })
      .reply(200, { ticket: ticket(42, '2026-03-02T10:15:01Z', { group_id: 12, responder_id: 21 }) });
    const { connector } = harness();
    const result = await connector.apply(request(assign, { group: 'Network Operations', responder: 'Ada Lovelace' }));
    expect(result).toEqual({ outcome: 'updated', ref: '42', previous: { group: 'Service Desk', assignee: null }, ownVersion: '2026-03-02T10:15:01.000Z' });
  });

  it('reports superseded and writes nothing when a person changed the ticket after the planned version', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets/42')
      .reply(200, { ticket: ticket(42, '2026-03-02T10:12:00Z') });
    const { connector } = harness();
    const result = await connector.apply(request(assign, { group: 'Network Operations', responder: 'Ada Lovelace' }));
    expect(result.outcome).toBe('superseded');
  });

  it('turns a 400 Validation failed into a permanent failure naming the field', async () => {
    mockDirectory(http);
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets/42')
      .reply(200, { ticket: ticket(42, '2026-03-02T10:10:00Z') })
      .put('/api/v2/tickets/42')
      .reply(400, { description: 'Validation failed', errors: [{ field: 'responder_id', message: 'Agent is not a member of the group', code: 'invalid_value' }] });
    const { connector } = harness();
    const error: unknown = await connector.apply(request(assign, { group: 'Network Operations', responder: 'Ada Lovelace' })).catch((e: unknown) => e);
    expect(isPlatformError(error) && error.code).toBe('bad-request');
    expect(isPlatformError(error) && error.retryable).toBe(false);
    expect(String((error as Error).message)).toContain('responder_id: Agent is not a member of the group');
  });

  it('refuses a group no Freshservice group has, before any write', async () => {
    mockDirectory(http);
    const { connector } = harness();
    await expect(connector.apply(request({ type: 'assign', group: 'Nope' }, { group: 'Nope' }))).rejects.toThrow(/no group named "Nope"/);
  });

  it('posts an internal comment as a private note and reports the version the note left the ticket at', async () => {
    http
      .mock(BASE_URL)
      .post('/api/v2/tickets/42/notes', (body: { private?: boolean; body?: string }) => body.private === true && (body.body ?? '').includes(MARKER))
      .reply(201, { conversation: { id: 501, body: `<div>x (${MARKER})</div>`, private: true, created_at: '2026-03-02T10:16:00Z' } })
      .get('/api/v2/tickets/42')
      .reply(200, { ticket: ticket(42, '2026-03-02T10:16:00Z') });
    const { connector } = harness();
    const result = await connector.apply(request(note, { note: `<div>x (${MARKER})</div>`, private: true }));
    expect(result).toEqual({ outcome: 'created', ref: '42', ownVersion: '2026-03-02T10:16:00.000Z' });
  });

  it('does not post a retried note again when its marker is already in the conversations', async () => {
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets/42/conversations')
      .query({ per_page: '100' })
      .reply(200, { conversations: [{ id: 501, body: `<div>x (${MARKER})</div>`, private: true, created_at: '2026-03-02T10:16:00Z' }] });
    const { connector } = harness();
    const result = await connector.apply(request(note, { note: `<div>x (${MARKER})</div>`, private: true }, false));
    expect(result.outcome).toBe('unchanged');
  });

  it('does not take a later edit by a person for the version its note left', async () => {
    http
      .mock(BASE_URL)
      .post('/api/v2/tickets/42/notes')
      .reply(201, { conversation: { id: 501, body: `(${MARKER})`, private: true, created_at: '2026-03-02T10:16:00Z' } })
      .get('/api/v2/tickets/42')
      .reply(200, { ticket: ticket(42, '2026-03-02T10:16:30Z') });
    const { connector } = harness();
    const result = await connector.apply(request(note, { note: `(${MARKER})`, private: true }));
    expect(result.ownVersion).toBeUndefined();
  });

  it('refuses an internal comment the mapping would post as a public note', async () => {
    const { connector } = harness();
    await expect(connector.apply(request(note, { note: `(${MARKER})`, private: false }))).rejects.toThrow(/public note/);
  });

  it('creates one problem per correlation key with the mandatory fields, finds it again by its tag, and associates incidents with it', async () => {
    const key = 'recurring-ci:db01';
    http
      .mock(BASE_URL)
      .get('/api/v2/agents/me')
      .reply(200, { agent: { id: 22, email: 'deskbridge@acme.test' } })
      .get('/api/v2/problems')
      .query({ per_page: '100' })
      .reply(200, { problems: [] })
      .post(
        '/api/v2/problems',
        (body: Record<string, unknown>) =>
          body.requester_id === 22 && body.status === 1 && body.priority === 2 && body.impact === 2 && typeof body.due_by === 'string' && String(body.subject).endsWith(problemTag(key)),
      )
      .reply(201, { problem: { id: 7, subject: `db01 keeps failing ${problemTag(key)}`, status: 1 } })
      .get('/api/v2/tickets/42')
      .query({ include: 'problem' })
      .reply(200, { ticket: { ...ticket(42, '2026-03-02T10:10:00Z'), problem: null } })
      .put('/api/v2/tickets/42', { problem: { display_id: 7 } })
      .reply(200, { ticket: ticket(42, '2026-03-02T10:20:00Z') });
    const { connector } = harness();
    const create: Action = { type: 'create-problem', correlationKey: key, title: 'db01 keeps failing', description: 'five incidents' };
    expect(await connector.apply(request(create, { subject: 'db01 keeps failing', description: 'five incidents' }))).toEqual({ outcome: 'created', ref: '7' });
    expect(await connector.apply(request(create, { subject: 'db01 keeps failing', description: 'five incidents' }))).toEqual({ outcome: 'unchanged', ref: '7' });
    const link: Action = { type: 'link-problem', correlationKey: key };
    expect(await connector.apply(request(link, {}))).toEqual({ outcome: 'updated', ref: '42', ownVersion: '2026-03-02T10:20:00.000Z' });
  });

  it('leaves an incident a person associated with another problem alone', async () => {
    http
      .mock(BASE_URL)
      .get('/api/v2/tickets/42')
      .query({ include: 'problem' })
      .reply(200, { ticket: { ...ticket(42, '2026-03-02T10:10:00Z'), problem: { display_id: 3 } } });
    const { connector } = harness();
    const result = await connector.apply(request({ type: 'link-problem', problemRef: '7' }, {}));
    expect(result.outcome).toBe('skipped');
  });

  it('reports problem states from one listing, Closed as closed', async () => {
    http
      .mock(BASE_URL)
      .get('/api/v2/problems')
      .query({ per_page: '100' })
      .reply(200, {
        problems: [
          { id: 7, subject: `a ${problemTag('k1')}`, status: 3 },
          { id: 8, subject: `b ${problemTag('k2')}`, status: 1 },
          { id: 9, subject: 'unrelated', status: 1 },
        ],
      });
    const { connector } = harness();
    const states = await connector.problemStates(['k1', 'k2', 'k3']);
    expect(Object.fromEntries([...states].map(([k, s]) => [k, s.state]))).toEqual({ k1: 'closed', k2: 'open' });
  });

  it('declares create-task unsupported with a message that says what to do', async () => {
    const { connector } = harness();
    await expect(connector.apply(request({ type: 'create-task', correlationKey: 'k', title: 't', description: 'd' }, {}))).rejects.toThrow(/create-task is not supported/);
  });
});
