import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlatformMappings, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action, PlannedAction } from '../../../../src/model/action.js';
import { escalationTag } from '../../../../src/platforms/zendesk/index.js';
import { ticketVersion } from '../../../../src/platforms/zendesk/record.js';
import type { WriteRequest } from '../../../../src/platforms/types.js';
import { CLI_SANDBOX_ACCOUNT, type ZendeskSandbox, ZendeskStore, seedFixtures, startZendeskSandbox } from '../../../../src/sandbox/zendesk/index.js';
import { harness, source } from './setup.js';

/**
 * Zendesk as an escalation target and a mirrored side, against the sandbox over real HTTP: a Jira
 * issue (the origin, an id Zendesk has never seen) gets one copy, found again by its external_id
 * on a retry and from a fresh process; comments are read with their visibility, author, `own`,
 * the lower bound and paging.
 */
const START = Date.parse('2026-12-05T12:00:00Z');
let now = START;
let sandbox: ZendeskSandbox;
let store: ZendeskStore;

const mappings = loadPlatformMappings(new URL('../../../../mappings/', import.meta.url).pathname, 'zendesk');
const config = () =>
  source({
    baseUrl: sandbox.url,
    auth: { type: 'token', email: CLI_SANDBOX_ACCOUNT.email, token: CLI_SANDBOX_ACCOUNT.apiToken },
    rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
  });

beforeAll(async () => {
  store = new ZendeskStore({ now: () => new Date(now) });
  seedFixtures(store);
  sandbox = await startZendeskSandbox({ store, now: () => new Date(now), rateLimit: null, exportRateLimit: null });
});

afterAll(async () => {
  await sandbox.close();
});

const ORIGIN_URL = 'https://acme.atlassian.net/browse/OPS-17';

const action = (correlationKey: string, extra: Partial<Extract<Action, { type: 'escalate' }>> = {}): Extract<Action, { type: 'escalate' }> => ({
  type: 'escalate',
  to: 'zd',
  correlationKey,
  title: 'Payroll export fails:\nfor EU entities',
  description: `Escalated from Jira OPS-17: ${ORIGIN_URL}`,
  priority: 2,
  labels: ['Sev 2', 'payroll'],
  origin: { number: 'OPS-17', url: ORIGIN_URL },
  ...extra,
});

async function request(a: Action, firstAttempt = true): Promise<WriteRequest> {
  // The target is the origin on Jira: an issue id that is no Zendesk ticket id, which nothing here may read.
  const planned: PlannedAction = {
    id: 'esc-OPS-17',
    sourceId: 'jira',
    ruleId: 'escalate-payroll',
    target: { ticketKey: 'jira:jira:10017', nativeId: 'OPS-17', number: 'OPS-17', version: '4' },
    action: a,
    explanation: 'test',
  };
  const fields = await mapOutbound(mappings, { action: a, target: planned.target, marker: 'deskbridge:esc' });
  return { planned, action: a, fields, marker: 'deskbridge:esc', firstAttempt };
}

const calls = (method: string, path: string) => sandbox.requestLog.filter((r) => r.method === method && r.path === path).length;
const byExternalId = (key: string) => store.tickets().filter((t) => t.external_id === key);

describe('Zendesk escalate against the sandbox', () => {
  it('opens one ticket with the mapped subject, priority, tags, an internal description and the external_id; a retry and a fresh process find it', async () => {
    const key = 'deskbridge:esc:escalate-payroll:0a1b2c3d4e5f60718293a4b5';
    const { connector } = harness(config());
    await connector.init();
    sandbox.resetRequestLog();

    const result = await connector.apply(await request(action(key)));

    const [copy] = byExternalId(key);
    expect(copy).toBeDefined();
    const id = String(copy?.id);
    expect(result).toEqual({ outcome: 'created', ref: id, created: { number: id, url: `${sandbox.url}/agent/tickets/${id}` } });
    expect(copy).toMatchObject({ subject: 'Payroll export fails: for EU entities', priority: 'high', description: `Escalated from Jira OPS-17: ${ORIGIN_URL}` });
    expect([...(copy?.tags ?? [])].sort()).toEqual(['deskbridge', escalationTag(key), 'payroll', 'sev_2'].sort());
    const me = store.userByEmail(CLI_SANDBOX_ACCOUNT.email);
    // The requester is the integration agent that submitted it; the description is an internal note.
    expect(copy?.requester_id).toBe(me?.id);
    expect(store.comments(Number(id)).map((c) => c.public)).toEqual([false]);
    // First attempt: the lookup by external_id, then the POST.
    expect(sandbox.requestLog.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v2/tickets.json', 'POST /api/v2/tickets.json']);
    expect(new URLSearchParams(sandbox.requestLog[0]?.query).get('external_id')).toBe(key);

    sandbox.resetRequestLog();
    await expect(connector.apply(await request(action(key), false))).resolves.toEqual({ outcome: 'unchanged', ref: id, created: { number: id, url: `${sandbox.url}/agent/tickets/${id}` } });
    const fresh = harness(config()).connector;
    await expect(fresh.apply(await request(action(key), false))).resolves.toMatchObject({ outcome: 'unchanged', ref: id });
    // A retry is one lookup each, and never a second ticket.
    expect(calls('GET', '/api/v2/tickets.json')).toBe(2);
    expect(calls('POST', '/api/v2/tickets.json')).toBe(0);
    expect(byExternalId(key)).toHaveLength(1);
  });

  it('opens two tickets for two keys, and none for a mapping that makes the description public', async () => {
    const { connector } = harness(config());
    const a = await connector.apply(await request(action('deskbridge:esc:r:aaaaaaaaaaaaaaaaaaaaaaaa', { priority: undefined, labels: undefined })));
    const b = await connector.apply(await request(action('deskbridge:esc:r:bbbbbbbbbbbbbbbbbbbbbbbb', { priority: 5 })));
    expect(a.ref).not.toBe(b.ref);
    expect(store.ticket(Number(b.ref))?.priority).toBe('low');
    expect(store.ticket(Number(a.ref))?.priority).toBeNull();

    const bad = await request(action('deskbridge:esc:r:cccccccccccccccccccccccc'));
    sandbox.resetRequestLog();
    await expect(connector.apply({ ...bad, fields: { ...bad.fields, comment: { body: 'x', public: true } } })).rejects.toMatchObject({ code: 'bad-request', retryable: false });
    await expect(connector.apply({ ...bad, fields: { ticket: { external_id: 'other' } } })).rejects.toMatchObject({ code: 'bad-request' });
    expect(sandbox.requestLog).toHaveLength(0);
  });
});

describe('Zendesk writes planned from another source (escalation sync)', () => {
  it("sends them without the planned stamp: a person's edit since does not drop the original's resolution, while a write planned from this ticket is superseded", async () => {
    const agent = 'ana.costa@example.com';
    const ticket = store.createTicketAs(agent, { subject: 'Original', comment: { body: 'd' } });
    const planned = ticketVersion({ id: ticket.id, updated_at: new Date(ticket.updated_at).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    now += 5_000;
    store.updateTicketAs(agent, ticket.id, { tags: ['touched'] });
    const { connector } = harness(config());
    const setPriority = (via: string | undefined): WriteRequest => {
      const action: Action = { type: 'set-field', field: 'priority', value: 'high' };
      return {
        planned: {
          id: 'p',
          sourceId: via ? 'jira' : 'zd',
          ruleId: 'r',
          target: { ticketKey: `zendesk:zd:${ticket.id}`, nativeId: String(ticket.id), number: String(ticket.id), version: planned },
          action,
          explanation: 't',
          ...(via ? { via } : {}),
        },
        action,
        fields: { ticket: { priority: 'high' } },
        marker: 'deskbridge:m',
        firstAttempt: true,
      };
    };
    await expect(connector.apply(setPriority(undefined))).resolves.toMatchObject({ outcome: 'superseded' });
    expect(store.ticket(ticket.id)?.priority).toBeNull();
    await expect(connector.apply(setPriority('zd'))).resolves.toMatchObject({ outcome: 'updated' });
    expect(store.ticket(ticket.id)?.priority).toBe('high');
  });
});

describe('Zendesk readComments against the sandbox', () => {
  it('reads comments oldest first with visibility, author names, own, the lower bound and several pages', async () => {
    const agent = 'ana.costa@example.com';
    now = START;
    const ticket = store.createTicketAs(agent, { subject: 'Linked ticket', comment: { body: 'The description', public: true } });
    now += 60_000;
    store.updateTicketAs(agent, ticket.id, { comment: { body: 'Internal analysis', public: false } });
    now += 60_000;
    store.updateTicketAs(CLI_SANDBOX_ACCOUNT.email, ticket.id, { comment: { body: 'Mirrored by deskbridge', public: false } });
    for (let i = 0; i < 120; i++) {
      now += 1_000;
      store.updateTicketAs(agent, ticket.id, { comment: { body: `Reply ${i}`, public: true } });
    }
    const other = store.createTicketAs(agent, { subject: 'Other', comment: { body: 'Other description' } });

    const { connector } = harness(config());
    await connector.init();
    sandbox.resetRequestLog();
    const all = await connector.readComments?.([String(ticket.id), String(ticket.id), '999999', 'OPS-1'], undefined);
    const read = all?.get(String(ticket.id)) ?? [];
    expect(read).toHaveLength(123);
    expect(read.slice(0, 3)).toEqual([
      { id: expect.any(String), nativeId: String(ticket.id), author: 'Ana Costa', createdAt: new Date(START).toISOString(), body: 'The description', visibility: 'public', own: false },
      expect.objectContaining({ author: 'Ana Costa', body: 'Internal analysis', visibility: 'internal', own: false }),
      expect.objectContaining({ author: CLI_SANDBOX_ACCOUNT.name, body: 'Mirrored by deskbridge', visibility: 'internal', own: true }),
    ]);
    expect(read.at(-1)).toMatchObject({ body: 'Reply 119', visibility: 'public' });
    expect(new Set(read.map((c) => c.id)).size).toBe(123);
    // A deleted or unknown ticket has no comments; a non-numeric id is never sent.
    expect(all?.has('999999')).toBe(false);
    // 123 comments: two pages of 100 for the ticket, one 404 for the unknown one.
    const gets = sandbox.requestLog.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.path)).toEqual([`/api/v2/tickets/${ticket.id}/comments.json`, `/api/v2/tickets/${ticket.id}/comments.json`, '/api/v2/tickets/999999/comments.json']);
    expect(gets[0]?.query).toContain('include=users');
    expect(gets[0]?.query).toContain('sort_order=asc');

    sandbox.resetRequestLog();
    const since = await connector.readComments?.([String(ticket.id), String(other.id)], new Date(START + 60_000).toISOString());
    expect(
      since
        ?.get(String(ticket.id))
        ?.map((c) => c.body)
        .slice(0, 2),
    ).toEqual(['Internal analysis', 'Mirrored by deskbridge']);
    expect(since?.get(String(ticket.id))).toHaveLength(122);
    expect(since?.has(String(other.id))).toBe(true);
    expect(sandbox.requestLog).toHaveLength(3);
  });
});
