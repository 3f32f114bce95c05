import { describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import { problemExternalId, taskExternalId } from '../../../../src/platforms/zendesk/index.js';
import { useHttpMock } from '../../../helpers/http-mock.js';
import { BASE, MARKER, NETWORK, directory, harness, source, ticket, updated, versionOf, write } from './setup.js';

const http = useHttpMock();

const KEY = 'recurring-ci:vpn-gw-01';
const PROBLEM_ID = 5001;
const CREATE: Action = { type: 'create-problem', correlationKey: KEY, title: 'Recurring: VPN gateway drops', description: '5 incidents in 2 hours' };
const CREATE_FIELDS = { ticket: { subject: 'Recurring: VPN gateway drops', priority: 'high' }, comment: { body: `5 incidents in 2 hours\n\n(${MARKER})`, public: false } };

function problem(overrides: Record<string, unknown> = {}) {
  return ticket(PROBLEM_ID, { type: 'problem', subject: 'Recurring: VPN gateway drops', external_id: problemExternalId(KEY), tags: ['deskbridge'], ...overrides });
}

function lookup(externalId: string, tickets: Record<string, unknown>[]) {
  http.mock(BASE).get('/api/v2/tickets.json').query({ external_id: externalId }).reply(200, { tickets, next_page: null, previous_page: null, count: tickets.length });
}

describe('Zendesk problems', () => {
  it('creates one problem ticket (type problem, private description, external_id from the pattern) when none exists', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), []);
    http
      .mock(BASE)
      .post('/api/v2/tickets.json', {
        ticket: {
          subject: 'Recurring: VPN gateway drops',
          priority: 'high',
          type: 'problem',
          comment: { body: `5 incidents in 2 hours\n\n(${MARKER})`, public: false },
          tags: ['deskbridge'],
          external_id: problemExternalId(KEY),
        },
      })
      .reply(201, updated(problem()));

    const result = await connector.apply(write(CREATE, CREATE_FIELDS));

    expect(result).toEqual({ outcome: 'created', ref: String(PROBLEM_ID), ownVersion: versionOf(problem()) });
  });

  it('finds the problem a lost answer already created instead of creating a second one', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), [problem()]);

    const result = await connector.apply(write(CREATE, CREATE_FIELDS, { firstAttempt: false }));

    expect(result).toEqual({ outcome: 'unchanged', ref: String(PROBLEM_ID) });
  });

  it('links an incident with problem_id (and type incident), stamped with the version just read', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), [problem()]);
    const incident = ticket(4211, { type: 'question', updated_at: '2026-12-05T11:05:00Z' });
    const after = ticket(4211, { type: 'incident', problem_id: PROBLEM_ID, updated_at: '2026-12-05T11:10:00Z' });
    http
      .mock(BASE)
      .get('/api/v2/tickets/4211.json')
      .reply(200, { ticket: incident })
      .put('/api/v2/tickets/4211.json', { ticket: { type: 'incident', problem_id: PROBLEM_ID, safe_update: true, updated_stamp: '2026-12-05T11:05:00Z' } })
      .reply(200, updated(after));

    const result = await connector.apply(write({ type: 'link-problem', correlationKey: KEY }, {}));

    expect(result).toEqual({ outcome: 'updated', ref: '4211', ownVersion: versionOf(after) });
  });

  it('leaves an incident a person linked to another problem alone unless the rule may overwrite', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .get('/api/v2/tickets/4211.json')
      .reply(200, { ticket: ticket(4211, { problem_id: 4999 }) });

    const result = await connector.apply(write({ type: 'link-problem', problemRef: String(PROBLEM_ID) }, {}));

    expect(result.outcome).toBe('skipped');
    expect(result.reason).toContain('4999');
  });

  it('fails retryably when the problem of a pattern has not been created yet', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), []);

    await expect(connector.apply(write({ type: 'link-problem', correlationKey: KEY }, {}))).rejects.toMatchObject({ retryable: true, code: 'not-found' });
  });

  it('updates a problem with a new subject and an internal note, reopening it when solved', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), [problem({ status: 'solved' })]);
    const body = `7 incidents now\n\n(${MARKER})`;
    http
      .mock(BASE)
      .put(`/api/v2/tickets/${PROBLEM_ID}.json`, { ticket: { subject: 'Recurring: VPN gateway drops (7)', status: 'open', comment: { body, public: false } } })
      .reply(200, updated(problem({ status: 'open', updated_at: '2026-12-05T11:30:00Z' })));

    const result = await connector.apply(
      write(
        { type: 'update-problem', correlationKey: KEY, title: 'Recurring: VPN gateway drops (7)', description: '7 incidents now', reopen: true },
        { ticket: { subject: 'Recurring: VPN gateway drops (7)' }, comment: { body, public: false } },
      ),
    );

    expect(result.outcome).toBe('created');
    expect(result.ref).toBe(String(PROBLEM_ID));
  });

  it('reads problem states: known problems in one show_many, unknown ones by external_id', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), []);
    http
      .mock(BASE)
      .post('/api/v2/tickets.json')
      .reply(201, updated(problem()))
      .get('/api/v2/tickets/show_many.json')
      .query({ ids: String(PROBLEM_ID) })
      .reply(200, { tickets: [problem({ status: 'solved' })] });
    lookup(problemExternalId('other'), []);
    await connector.apply(write(CREATE, CREATE_FIELDS));

    const states = await connector.problemStates([KEY, 'other']);

    expect(states).toEqual(new Map([[KEY, { state: 'closed', nativeId: String(PROBLEM_ID), number: String(PROBLEM_ID) }]]));
  });
});

describe('Zendesk duplicates', () => {
  const LINK: Action = { type: 'link-duplicate', original: { nativeId: '4100', number: '4100' } };

  it('tags the duplicate by default (additional_tags, which keeps the other tags)', async () => {
    const { connector } = harness();
    http
      .mock(BASE)
      .put('/api/v2/tickets/4211.json', { ticket: { additional_tags: ['deskbridge_duplicate'] } })
      .reply(200, updated(ticket(4211, { tags: ['vpn', 'deskbridge_duplicate'], updated_at: '2026-12-05T11:10:00Z' })));

    const result = await connector.apply(write(LINK, {}));

    expect(result.outcome).toBe('updated');
  });

  it("writes the original's id into the configured custom field", async () => {
    const { connector } = harness(source({ duplicates: { link: 'field', fieldId: 360005001 } }));
    http
      .mock(BASE)
      .get('/api/v2/tickets/4211.json')
      .reply(200, { ticket: ticket(4211) })
      .put('/api/v2/tickets/4211.json', { ticket: { custom_fields: [{ id: 360005001, value: '4100' }], safe_update: true, updated_stamp: '2026-12-05T11:00:00Z' } })
      .reply(200, updated(ticket(4211, { custom_fields: [{ id: 360005001, value: '4100' }], updated_at: '2026-12-05T11:10:00Z' })));

    const result = await connector.apply(write(LINK, {}));

    expect(result.outcome).toBe('updated');
  });

  it('merges only above minSimilarity, as a private merge job', async () => {
    const { connector } = harness(source({ duplicates: { link: 'merge', minSimilarity: 0.8 } }));
    http
      .mock(BASE)
      .get('/api/v2/tickets/show_many.json')
      .query({ ids: '4211,4100' })
      .reply(200, { tickets: [ticket(4211), ticket(4100)] })
      .post(
        '/api/v2/tickets/4100/merge.json',
        (body: Record<string, unknown>) => body['target_comment_is_public'] === false && body['source_comment_is_public'] === false && JSON.stringify(body['ids']) === '[4211]',
      )
      .reply(200, { job_status: { id: '8b726e606741012ffc2d782bcb7848fe', status: 'queued', url: `${BASE}/api/v2/job_statuses/8b72.json` } });

    const result = await connector.apply(write(LINK, {}));

    expect(result.outcome).toBe('updated');
    expect(result.reason).toContain('merge into #4100 queued');
  });

  it('tags instead of merging when the texts are less alike than minSimilarity', async () => {
    const { connector } = harness(source({ duplicates: { link: 'merge', minSimilarity: 0.95 } }));
    http
      .mock(BASE)
      .get('/api/v2/tickets/show_many.json')
      .query({ ids: '4211,4100' })
      .reply(200, { tickets: [ticket(4211), ticket(4100, { subject: 'Printer jammed on floor 3', description: 'Paper stuck in tray 2' })] })
      .put('/api/v2/tickets/4211.json', { ticket: { additional_tags: ['deskbridge_duplicate'] } })
      .reply(200, updated(ticket(4211, { updated_at: '2026-12-05T11:10:00Z' })));

    const result = await connector.apply(write(LINK, {}));

    expect(result.reason).toContain('below duplicates.minSimilarity');
  });

  it('answers unchanged when a retried merge finds the duplicate closed by merge', async () => {
    const { connector } = harness(source({ duplicates: { link: 'merge', minSimilarity: 0.8 } }));
    http
      .mock(BASE)
      .get('/api/v2/tickets/show_many.json')
      .query({ ids: '4211,4100' })
      .reply(200, { tickets: [ticket(4211, { status: 'closed', tags: ['closed_by_merge'] }), ticket(4100)] });

    expect(await connector.apply(write(LINK, {}, { firstAttempt: false }))).toEqual({ outcome: 'unchanged', ref: '4211' });
  });
});

describe('Zendesk follow-up tasks', () => {
  it('creates a task ticket in the group, found again by an external_id of ticket and key', async () => {
    const { connector } = harness();
    directory(http, { agents: false });
    const externalId = taskExternalId('4211', 'qa:reopen');
    lookup(externalId, []);
    http
      .mock(BASE)
      .post('/api/v2/tickets.json', (body: { ticket: Record<string, unknown> }) => body.ticket['type'] === 'task' && body.ticket['group_id'] === NETWORK && body.ticket['external_id'] === externalId)
      .reply(201, updated(ticket(6001, { type: 'task', external_id: externalId })));

    const result = await connector.apply(
      write(
        { type: 'create-task', correlationKey: 'qa:reopen', title: 'Check the reopen', description: 'Reopened twice', group: 'Network Operations' },
        { ticket: { subject: 'Check the reopen' }, comment: { body: 'Reopened twice', public: false }, group: 'Network Operations' },
      ),
    );

    expect(result.outcome).toBe('created');
    expect(result.ref).toBe('6001');
  });
});

describe('Zendesk creation retries', () => {
  it('does not re-send a problem POST after a 503 (it may have landed); the outbox retry finds it by external_id', async () => {
    const { connector } = harness();
    lookup(problemExternalId(KEY), []);
    http.mock(BASE).post('/api/v2/tickets.json').reply(503, 'upstream timeout');

    await expect(connector.apply(write(CREATE, CREATE_FIELDS))).rejects.toMatchObject({ retryable: true });
    expect(http.requests().filter((r) => r.method === 'POST')).toHaveLength(1);

    lookup(problemExternalId(KEY), [problem()]);
    expect(await connector.apply(write(CREATE, CREATE_FIELDS, { firstAttempt: false }))).toEqual({ outcome: 'unchanged', ref: String(PROBLEM_ID) });
  });
});
