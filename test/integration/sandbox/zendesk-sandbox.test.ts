import { afterEach, describe, expect, it } from 'vitest';
import { missingData } from '../../helpers/data.js';
import { CLI_SANDBOX_ACCOUNT, type ZendeskSandbox, type ZendeskSandboxOptions, ZendeskStore, seedFixtures, seedHelpdeskTickets, startZendeskSandbox } from '../../../src/sandbox/zendesk/index.js';

const START = Date.parse('2026-12-05T12:00:00Z');
const AUTH = `Basic ${Buffer.from(`${CLI_SANDBOX_ACCOUNT.email}/token:${CLI_SANDBOX_ACCOUNT.apiToken}`).toString('base64')}`;

interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

function clock(): Clock {
  let t = START;
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

let sandboxes: ZendeskSandbox[] = [];

async function start(options: Omit<ZendeskSandboxOptions, 'store' | 'now'> = {}): Promise<{ sandbox: ZendeskSandbox; store: ZendeskStore; clock: Clock }> {
  const c = clock();
  const store = new ZendeskStore({ now: c.now });
  seedFixtures(store);
  const sandbox = await startZendeskSandbox({ store, now: c.now, ...options });
  sandboxes.push(sandbox);
  return { sandbox, store, clock: c };
}

afterEach(async () => {
  await Promise.all(sandboxes.map((s) => s.close()));
  sandboxes = [];
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(sandbox: ZendeskSandbox, path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = init.auth === undefined ? AUTH : init.auth;
  if (auth !== null) headers['Authorization'] = auth;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sandbox.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

function idOf(store: ZendeskStore, kind: 'group' | 'user', name: string): number {
  const found = kind === 'group' ? store.groupByName(name) : store.users().find((u) => u.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found.id;
}

function ticketBySubject(store: ZendeskStore, subject: string): number {
  const ticket = store.tickets().find((t) => t.subject === subject);
  if (!ticket) throw new Error(`no ticket ${subject}`);
  return ticket.id;
}

interface TicketJson {
  id: number;
  status: string;
  updated_at: string;
  group_id: number | null;
  assignee_id: number | null;
  tags: string[];
  generated_timestamp?: number;
  problem_id: number | null;
  type: string | null;
}

describe('Zendesk sandbox: authentication', () => {
  it('accepts the API token as Basic {email}/token:{token} and answers users/me with the admin', async () => {
    const { sandbox } = await start();
    const me = await call(sandbox, '/api/v2/users/me.json');
    expect(me.status).toBe(200);
    expect(me.body['user']).toMatchObject({ email: CLI_SANDBOX_ACCOUNT.email, role: 'admin', id: expect.any(Number) });
  });

  it('answers users/me without or with wrong credentials with the anonymous user (id null), not 401', async () => {
    const { sandbox } = await start();
    for (const auth of [null, `Basic ${Buffer.from(`${CLI_SANDBOX_ACCOUNT.email}/token:wrong`).toString('base64')}`]) {
      const me = await call(sandbox, '/api/v2/users/me', { auth });
      expect(me.status).toBe(200);
      expect(me.body['user']).toMatchObject({ id: null, name: 'Anonymous user' });
    }
  });

  it('refuses other endpoints without valid credentials with 401 "Couldn\'t authenticate you"', async () => {
    const { sandbox } = await start();
    for (const auth of [null, 'Basic bm9wZTpub3Bl', `Basic ${Buffer.from(`${CLI_SANDBOX_ACCOUNT.email}:${CLI_SANDBOX_ACCOUNT.apiToken}`).toString('base64')}`, 'Bearer nope']) {
      const answer = await call(sandbox, '/api/v2/tickets/1.json', { auth });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: "Couldn't authenticate you" });
    }
  });

  it('accepts a configured OAuth token as Bearer, acting as its user', async () => {
    const { sandbox } = await start({ oauthTokens: [{ token: 'oauth-1', user: 'ana.costa@example.com' }] });
    const me = await call(sandbox, '/api/v2/users/me.json', { auth: 'Bearer oauth-1' });
    expect(me.body['user']).toMatchObject({ name: 'Ana Costa', role: 'agent' });
    expect((await call(sandbox, '/api/v2/tickets/1.json', { auth: 'Bearer oauth-1' })).status).toBe(200);
  });

  it('forbids an end user the agent API with 403', async () => {
    const { sandbox, store } = await start();
    store.addUser({ name: 'Customer', email: 'customer@example.com', role: 'end-user', apiToken: 't' });
    const answer = await call(sandbox, '/api/v2/tickets/1.json', { auth: `Basic ${Buffer.from('customer@example.com/token:t').toString('base64')}` });
    expect(answer.status).toBe(403);
  });
});

describe('Zendesk sandbox: account rate limit', () => {
  it('reports the limit in X-Rate-Limit and ratelimit-* headers and answers 429 with Retry-After when exceeded', async () => {
    const { sandbox, clock: c } = await start({ rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await call(sandbox, '/api/v2/groups.json');
    expect(first.headers.get('x-rate-limit')).toBe('2');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('1');
    expect(first.headers.get('ratelimit-limit')).toBe('2');
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect(first.headers.get('ratelimit-reset')).toBe('60');
    await call(sandbox, '/api/v2/groups.json');
    c.advance(20_000);
    const third = await call(sandbox, '/api/v2/groups.json');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('40');
    expect(third.body).toMatchObject({ error: 'APIRateLimitExceeded' });
    c.advance(40_000);
    expect((await call(sandbox, '/api/v2/groups.json')).status).toBe(200);
  });
});

describe('Zendesk sandbox: cursor incremental ticket export', () => {
  const EXPORT = '/api/v2/incremental/tickets/cursor.json';
  const since = (ms: number): number => Math.floor((START - ms) / 1000);

  it('refuses a start_time within the last minute with 400 "Too recent start_time"', async () => {
    const { sandbox } = await start();
    const answer = await call(sandbox, `${EXPORT}?start_time=${since(30_000)}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'InvalidValue', description: expect.stringMatching(/^Too recent start_time/) });
  });

  it('pages from start_time by cursor in generated_timestamp order until end_of_stream', async () => {
    const { sandbox } = await start();
    let answer = await call(sandbox, `${EXPORT}?start_time=${since(24 * 3600_000)}&per_page=4`);
    const seen: TicketJson[] = [];
    const pages: number[] = [];
    for (;;) {
      expect(answer.status).toBe(200);
      const tickets = answer.body['tickets'] as TicketJson[];
      seen.push(...tickets);
      pages.push(tickets.length);
      expect(answer.body['after_url']).toContain(`cursor=${String(answer.body['after_cursor'])}`);
      if (answer.body['end_of_stream'] === true) break;
      answer = await call(sandbox, `${EXPORT}?cursor=${String(answer.body['after_cursor'])}&per_page=4`);
    }
    expect(pages).toEqual([4, 4, 2]);
    expect(seen.map((t) => t.generated_timestamp)).toEqual([...seen.map((t) => t.generated_timestamp ?? 0)].sort((a, b) => a - b));
    expect(new Set(seen.map((t) => t.id)).size).toBe(10);
  });

  it('starts at start_time, leaves out the last minute, and hands a changed ticket out again later', async () => {
    const { sandbox, store, clock: c } = await start();
    const vpn = ticketBySubject(store, 'VPN drops every few minutes');
    // The fixtures are 30..180 minutes old: from 50 minutes ago, the two newest.
    const first = await call(sandbox, `${EXPORT}?start_time=${since(50 * 60_000)}`);
    expect((first.body['tickets'] as TicketJson[]).map((t) => t.id)).toEqual([9, 10]);
    expect(first.body['end_of_stream']).toBe(true);

    store.updateTicket(vpn, { priority: 'urgent' }, idOf(store, 'user', 'Ana Costa'));
    const tooSoon = await call(sandbox, `${EXPORT}?cursor=${String(first.body['after_cursor'])}`);
    expect(tooSoon.body['tickets']).toEqual([]);
    expect(tooSoon.body['after_cursor']).toBe(first.body['after_cursor']);

    c.advance(61_000);
    const later = await call(sandbox, `${EXPORT}?cursor=${String(first.body['after_cursor'])}`);
    const tickets = later.body['tickets'] as TicketJson[];
    expect(tickets.map((t) => t.id)).toEqual([vpn]);
    expect(tickets[0]?.generated_timestamp).toBe(Math.floor(START / 1000));
  });

  it('DELETE soft-deletes: the export includes the ticket with status "deleted", a read is 404', async () => {
    const { sandbox, store, clock: c } = await start();
    const printer = ticketBySubject(store, 'Printer on floor 3 prints blank pages');
    expect((await call(sandbox, `/api/v2/tickets/${printer}.json`, { method: 'DELETE' })).status).toBe(204);
    c.advance(61_000);
    const page = await call(sandbox, `${EXPORT}?start_time=${since(5_000)}`);
    expect((page.body['tickets'] as TicketJson[]).find((t) => t.id === printer)?.status).toBe('deleted');
    expect((await call(sandbox, `/api/v2/tickets/${printer}.json`)).status).toBe(404);
  });

  it('is for admins only (403 to an agent)', async () => {
    const { sandbox, store } = await start();
    const ana = store.userByEmail('ana.costa@example.com');
    if (ana) ana.apiToken = 'ana-token';
    const answer = await call(sandbox, `${EXPORT}?start_time=${since(3600_000)}`, { auth: `Basic ${Buffer.from('ana.costa@example.com/token:ana-token').toString('base64')}` });
    expect(answer.status).toBe(403);
  });

  it('has its own per-minute limit: 429 with Retry-After', async () => {
    const { sandbox } = await start({ exportRateLimit: 2 });
    const path = `${EXPORT}?start_time=${since(3600_000)}`;
    expect((await call(sandbox, path)).status).toBe(200);
    expect((await call(sandbox, path)).status).toBe(200);
    const third = await call(sandbox, path);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('60');
    expect((await call(sandbox, '/api/v2/groups.json')).status).toBe(200);
  });

  it('refuses per_page above 1000', async () => {
    const { sandbox } = await start();
    expect((await call(sandbox, `${EXPORT}?start_time=${since(3600_000)}&per_page=1001`)).status).toBe(400);
  });
});

describe('Zendesk sandbox: reading tickets', () => {
  it('shows a ticket with and without .json, and 404 RecordNotFound for an unknown id', async () => {
    const { sandbox, store } = await start();
    const id = ticketBySubject(store, 'VPN drops every few minutes');
    for (const path of [`/api/v2/tickets/${id}.json`, `/api/v2/tickets/${id}`]) {
      const answer = await call(sandbox, path);
      expect(answer.status).toBe(200);
      expect(answer.body['ticket']).toMatchObject({ id, subject: 'VPN drops every few minutes', status: 'new', priority: 'high', assignee_id: null, group_id: null, tags: ['vpn', 'network'] });
    }
    expect(await call(sandbox, '/api/v2/tickets/99999.json')).toMatchObject({ status: 404, body: { error: 'RecordNotFound', description: 'Not found' } });
  });

  it('show_many returns the known ids and leaves out unknown ones', async () => {
    const { sandbox } = await start();
    const answer = await call(sandbox, '/api/v2/tickets/show_many.json?ids=1,2,999');
    expect((answer.body['tickets'] as TicketJson[]).map((t) => t.id)).toEqual([1, 2]);
  });

  it('finds tickets by external_id', async () => {
    const { sandbox, store } = await start();
    store.createTicket({ subject: 'P', type: 'problem', external_id: 'deskbridge-problem-abc', comment: { body: 'x', public: false } }, store.users()[0]?.id ?? 0);
    const hit = await call(sandbox, '/api/v2/tickets.json?external_id=deskbridge-problem-abc');
    expect((hit.body['tickets'] as TicketJson[]).map((t) => t.type)).toEqual(['problem']);
    expect((await call(sandbox, '/api/v2/tickets.json?external_id=nope')).body['tickets']).toEqual([]);
  });

  it('an unknown endpoint is 404 InvalidEndpoint', async () => {
    const { sandbox } = await start();
    expect(await call(sandbox, '/api/v2/nothing.json')).toMatchObject({ status: 404, body: { error: 'InvalidEndpoint' } });
  });
});

describe('Zendesk sandbox: updating tickets', () => {
  it('assigns group and agent, bumps updated_at and records an audit by the caller', async () => {
    const { sandbox, store, clock: c } = await start();
    const id = ticketBySubject(store, 'VPN drops every few minutes');
    const group = idOf(store, 'group', 'Network Operations');
    const agent = idOf(store, 'user', 'Network Engineer 2');
    c.advance(5_000);
    const answer = await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { group_id: group, assignee_id: agent } } });
    expect(answer.status).toBe(200);
    expect(answer.body['ticket']).toMatchObject({ group_id: group, assignee_id: agent, status: 'open', updated_at: '2026-12-05T12:00:05Z' });
    const me = store.userByEmail(CLI_SANDBOX_ACCOUNT.email)?.id;
    expect(answer.body['audit']).toMatchObject({
      author_id: me,
      events: expect.arrayContaining([expect.objectContaining({ type: 'Change', field_name: 'group_id', value: String(group), previous_value: null })]),
    });
    expect(store.lastAudit(id)?.author_id).toBe(me);
  });

  it('refuses an assignee outside the group with 422 RecordInvalid and details, changing nothing', async () => {
    const { sandbox, store } = await start();
    const id = ticketBySubject(store, 'VPN drops every few minutes');
    const answer = await call(sandbox, `/api/v2/tickets/${id}`, {
      method: 'PUT',
      body: { ticket: { group_id: idOf(store, 'group', 'Network Operations'), assignee_id: idOf(store, 'user', 'Ana Costa') } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: 'RecordInvalid', description: 'Record validation errors', details: { assignee: [{ description: expect.stringContaining('not a member') }] } });
    expect(store.ticket(id)?.group_id).toBeNull();
  });

  it('refuses an unknown group with 422', async () => {
    const { sandbox } = await start();
    const answer = await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { group_id: 12345 } } });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: 'RecordInvalid', details: { group: [expect.anything()] } });
  });

  it('safe_update with a stale updated_stamp is 409 UpdateConflict; the current stamp goes through', async () => {
    const { sandbox, store, clock: c } = await start();
    const id = ticketBySubject(store, 'Outlook cannot connect to Exchange');
    const before = (await call(sandbox, `/api/v2/tickets/${id}.json`)).body['ticket'] as TicketJson;
    c.advance(2_000);
    store.updateTicket(id, { priority: 'urgent' }, idOf(store, 'user', 'Rui Santos'));
    const stale = await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { priority: 'low', safe_update: true, updated_stamp: before.updated_at } } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'UpdateConflict' });
    expect(store.ticket(id)?.priority).toBe('urgent');
    const current = (await call(sandbox, `/api/v2/tickets/${id}.json`)).body['ticket'] as TicketJson;
    const fresh = await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { priority: 'low', safe_update: true, updated_stamp: current.updated_at } } });
    expect(fresh.status).toBe(200);
  });

  it('takes attributes, a private comment and safe_update in ONE update: one audit with the Change events and the Comment; stale, nothing of it lands', async () => {
    const { sandbox, store, clock: c } = await start();
    const id = ticketBySubject(store, 'VPN drops every few minutes');
    const network = idOf(store, 'group', 'Network Operations');
    const before = (await call(sandbox, `/api/v2/tickets/${id}.json`)).body['ticket'] as TicketJson;
    const audits = store.audits(id).length;
    const update = { group_id: network, priority: 'urgent', comment: { body: 'Routed to Network Operations.', public: false }, safe_update: true, updated_stamp: before.updated_at };

    c.advance(2_000);
    const answer = await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: update } });

    expect(answer.status).toBe(200);
    expect(answer.body['ticket']).toMatchObject({ group_id: network, priority: 'urgent' });
    const events = (answer.body['audit'] as { events: { type: string; field_name?: string; public?: boolean }[] }).events;
    expect(events.filter((e) => e.type === 'Change').map((e) => e.field_name)).toEqual(expect.arrayContaining(['group_id', 'priority']));
    expect(events.filter((e) => e.type === 'Comment')).toMatchObject([{ public: false }]);
    expect(store.audits(id)).toHaveLength(audits + 1);

    // The same update again, stamped with the version it has just replaced: 409, no second comment.
    c.advance(2_000);
    const stale = await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { ...update, priority: 'low' } } });
    expect(stale.status).toBe(409);
    expect(store.ticket(id)?.priority).toBe('urgent');
    expect(store.comments(id).filter((cm) => cm.plain_body === 'Routed to Network Operations.')).toHaveLength(1);
  });

  it('adds comments public by default and private with public: false', async () => {
    const { sandbox, store } = await start();
    const id = ticketBySubject(store, 'Wi-Fi very slow in meeting room B');
    await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { comment: { body: 'We are looking into it.' } } } });
    await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { comment: { html_body: '<p>Internal <b>note</b></p>', public: false } } } });
    const comments = store.comments(id);
    expect(comments.map((cm) => [cm.plain_body, cm.public])).toEqual([
      ['Video calls in meeting room B keep freezing; the Wi-Fi there is much slower than in the rest of the office.', true],
      ['We are looking into it.', true],
      ['Internal note', false],
    ]);
  });

  it('refuses any update to a closed ticket with 422', async () => {
    const { sandbox, store } = await start();
    const id = ticketBySubject(store, 'Printer on floor 3 prints blank pages');
    store.updateTicket(id, { assignee_id: idOf(store, 'user', 'Ana Costa'), status: 'closed' }, idOf(store, 'user', 'Ana Costa'));
    const answer = await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { comment: { body: 'hello' } } } });
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toContain('closed prevents ticket update');
  });

  it('applies tags, additional_tags and remove_tags, and custom_fields', async () => {
    const { sandbox, store } = await start();
    const id = ticketBySubject(store, 'Laptop screen flickers when docked');
    const field = store.ticketFields().find((f) => f.title === 'Duplicate of');
    await call(sandbox, `/api/v2/tickets/${id}.json`, {
      method: 'PUT',
      body: { ticket: { additional_tags: ['Deskbridge Duplicate'], remove_tags: ['hardware'], custom_fields: [{ id: field?.id, value: 3 }] } },
    });
    expect(store.ticket(id)?.tags).toEqual(['deskbridge_duplicate']);
    expect(store.ticket(id)?.custom_fields.find((f) => f.id === field?.id)?.value).toBe(3);
  });

  it('an update that changes nothing keeps updated_at and records no audit', async () => {
    const { sandbox, store, clock: c } = await start();
    const before = store.ticket(1)?.updated_at;
    c.advance(5_000);
    const answer = await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { priority: store.ticket(1)?.priority, tags: store.ticket(1)?.tags } } });
    expect(answer.status).toBe(200);
    expect(answer.body['audit']).toBeUndefined();
    expect(store.ticket(1)?.updated_at).toBe(before);
    expect(store.audits(1)).toHaveLength(1);
  });

  it('refuses a non-number in an integer custom field with 422', async () => {
    const { sandbox, store } = await start();
    const field = store.ticketFields().find((f) => f.title === 'Duplicate of');
    const answer = await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { custom_fields: [{ id: field?.id, value: 'abc' }] } } });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: 'RecordInvalid', details: { [String(field?.id)]: [expect.objectContaining({ error: 'InvalidValue' })] } });
  });

  it('limits updates per ticket and user (429 + Retry-After), apart from the account limit', async () => {
    const { sandbox } = await start({ ticketUpdateLimit: { limit: 2, windowSeconds: 600 } });
    for (const priority of ['low', 'high']) expect((await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { priority } } })).status).toBe(200);
    const third = await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { priority: 'low' } } });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('600');
    expect((await call(sandbox, '/api/v2/tickets/2.json', { method: 'PUT', body: { ticket: { priority: 'low' } } })).status).toBe(200);
  });

  it('store helpers create and update tickets as a person named by e-mail', async () => {
    const { store } = await start();
    const ticket = store.createTicketAs('priya.raman@example.com', { subject: 'Monitor broken', comment: { body: 'It is dark.' } });
    store.updateTicketAs('ana.costa@example.com', ticket.id, { comment: { body: 'Ordering a new one', public: false } });
    expect(store.audits(ticket.id).map((a) => store.user(a.author_id)?.name)).toEqual(['Priya Raman', 'Ana Costa']);
    expect(() => store.updateTicketAs('nobody@example.com', ticket.id, {})).toThrow(/No user/);
  });

  it('400 for a body without a ticket object', async () => {
    const { sandbox } = await start();
    expect((await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { subject: 'x' } })).status).toBe(400);
  });
});

describe('Zendesk sandbox: problems, incidents, merge', () => {
  it('creates a problem (201 + Location), links incidents by problem_id, and solving the problem solves them', async () => {
    const { sandbox, store } = await start();
    const created = await call(sandbox, '/api/v2/tickets.json', {
      method: 'POST',
      body: { ticket: { subject: 'VPN instability', type: 'problem', external_id: 'deskbridge-problem-1', comment: { body: 'Several VPN reports', public: false } } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/\/api\/v2\/tickets\/\d+\.json$/);
    const problem = (created.body['ticket'] as TicketJson).id;
    const incidents = [ticketBySubject(store, 'VPN drops every few minutes'), ticketBySubject(store, 'VPN keeps disconnecting when working from home')];
    for (const id of incidents) expect((await call(sandbox, `/api/v2/tickets/${id}.json`, { method: 'PUT', body: { ticket: { type: 'incident', problem_id: problem } } })).status).toBe(200);
    expect(store.incidents(problem).map((t) => t.id)).toEqual(incidents);
    expect(store.problems().map((t) => t.id)).toEqual([problem]);
    const agent = idOf(store, 'user', 'Network Engineer 1');
    const solved = await call(sandbox, `/api/v2/tickets/${problem}.json`, {
      method: 'PUT',
      body: { ticket: { group_id: idOf(store, 'group', 'Network Operations'), assignee_id: agent, status: 'solved', comment: { body: 'Fixed the concentrator', public: true } } },
    });
    expect(solved.status).toBe(200);
    expect(incidents.map((id) => store.ticket(id)?.status)).toEqual(['solved', 'solved']);
  });

  it('refuses problem_id pointing to a ticket that is not a problem', async () => {
    const { sandbox } = await start();
    const answer = await call(sandbox, '/api/v2/tickets/1.json', { method: 'PUT', body: { ticket: { type: 'incident', problem_id: 2 } } });
    expect(answer.status).toBe(422);
  });

  it('merges a ticket as a job: source closed with closed_by_merge, job completed', async () => {
    const { sandbox, store } = await start();
    const answer = await call(sandbox, '/api/v2/tickets/1/merge.json', {
      method: 'POST',
      body: { ids: [2], target_comment: 'merged #2', source_comment: 'merged into #1', target_comment_is_public: false, source_comment_is_public: false },
    });
    expect(answer.status).toBe(200);
    const job = answer.body['job_status'] as { id: string; status: string };
    expect(job.status).toBe('queued');
    const status = await call(sandbox, `/api/v2/job_statuses/${job.id}.json`);
    expect(status.body['job_status']).toMatchObject({ id: job.id, status: 'completed' });
    expect(store.ticket(2)).toMatchObject({ status: 'closed', tags: expect.arrayContaining(['closed_by_merge']) });
    expect(store.comments(1).at(-1)).toMatchObject({ body: 'merged #2', public: false });
  });
});

describe('Zendesk sandbox: comments and audits pagination', () => {
  it('pages comments with page[size], meta.has_more and links.next', async () => {
    const { sandbox, store } = await start();
    for (let i = 0; i < 4; i++) store.updateTicket(1, { comment: { body: `note ${i}`, public: false } }, idOf(store, 'user', 'Ana Costa'));
    const first = await call(sandbox, '/api/v2/tickets/1/comments.json?page[size]=3');
    expect((first.body['comments'] as unknown[]).length).toBe(3);
    expect(first.body['meta']).toMatchObject({ has_more: true });
    const next = String((first.body['links'] as { next: string }).next);
    const second = await call(sandbox, next.replace(sandbox.url, ''));
    expect((second.body['comments'] as { body: string }[]).map((cm) => cm.body)).toEqual(['note 2', 'note 3']);
    expect(second.body['meta']).toMatchObject({ has_more: false });
    expect((second.body['links'] as { next: unknown }).next).toBeNull();
  });

  it('sort_order=desc lists the newest comment first; audits list one per change', async () => {
    const { sandbox, store } = await start();
    store.updateTicket(1, { comment: { body: 'newest' } }, idOf(store, 'user', 'Ana Costa'));
    const desc = await call(sandbox, '/api/v2/tickets/1/comments.json?sort_order=desc&per_page=100');
    expect((desc.body['comments'] as { body: string }[])[0]?.body).toBe('newest');
    const audits = await call(sandbox, '/api/v2/tickets/1/audits.json');
    expect((audits.body['audits'] as unknown[]).length).toBe(2);
  });
});

describe('Zendesk sandbox: people and fields', () => {
  it('lists groups, agents and admins, memberships of a group, and ticket fields', async () => {
    const { sandbox, store } = await start();
    const groups = await call(sandbox, '/api/v2/groups.json?page[size]=100');
    expect((groups.body['groups'] as { name: string }[]).map((g) => g.name)).toEqual([
      'Service Desk',
      'Network Operations',
      'Desktop Support',
      'Application Support',
      'Major Incident Team',
      'Group 73',
    ]);
    expect(groups.body['meta']).toMatchObject({ has_more: false });
    const agents = await call(sandbox, '/api/v2/users.json?role[]=agent&role[]=admin&page[size]=100');
    const names = (agents.body['users'] as { name: string }[]).map((u) => u.name);
    expect(names).toEqual(expect.arrayContaining(['Ana Costa', 'João Pereira', 'Network Engineer 3', 'Major Incident Manager 2', 'App Analyst 1', 'deskbridge']));
    expect(names).not.toContain('Priya Raman');
    const group = idOf(store, 'group', 'Service Desk');
    for (const path of [`/api/v2/groups/${group}/memberships.json`, `/api/v2/groups/${group}/memberships`]) {
      const members = await call(sandbox, path);
      expect((members.body['group_memberships'] as { user_id: number }[]).map((m) => m.user_id)).toEqual(['Ana Costa', 'Rui Santos', 'João Pereira'].map((n) => idOf(store, 'user', n)));
    }
    expect(((await call(sandbox, '/api/v2/group_memberships')).body['group_memberships'] as unknown[]).length).toBe(10);
    const fields = await call(sandbox, '/api/v2/ticket_fields.json');
    expect((fields.body['ticket_fields'] as { title: string }[]).map((f) => f.title)).toEqual(expect.arrayContaining(['Subject', 'Category', 'Duplicate of']));
  });
});

describe('Zendesk sandbox: fixtures', () => {
  it('seedFixtures is deterministic: ten new unassigned tickets, one urgent, one tagged hardware', () => {
    const c = clock();
    const a = new ZendeskStore({ now: c.now });
    const b = new ZendeskStore({ now: c.now });
    seedFixtures(a);
    seedFixtures(b);
    expect(a.tickets().map((t) => [t.id, t.subject, t.created_at])).toEqual(b.tickets().map((t) => [t.id, t.subject, t.created_at]));
    expect(a.tickets()).toHaveLength(10);
    expect(a.tickets().every((t) => t.status === 'new' && t.assignee_id === null && t.group_id === null)).toBe(true);
    expect(a.tickets().filter((t) => t.priority === 'urgent')).toHaveLength(1);
    expect(a.tickets().filter((t) => t.tags.includes('hardware'))).toHaveLength(1);
  });
});

describe.skipIf(missingData('ticketTexts'))('Zendesk sandbox: seeding from the help-desk ticket texts', () => {
  it('seedHelpdeskTickets maps the data set codes to tags, type and priority, spread over past days', () => {
    const c = clock();
    const store = new ZendeskStore({ now: c.now });
    const ids = seedHelpdeskTickets(store);
    expect(ids.length).toBeGreaterThan(5000);
    const tickets = ids.map((id) => store.ticket(id));
    expect(tickets.every((t) => t?.tags.some((tag) => /^category_\d+$/.test(tag)))).toBe(true);
    // ticket_type 0 (issues, urgency 0-2) → incident; 1 (requests, urgency 3) → question.
    expect(tickets.filter((t) => t?.type === 'incident').length).toBe(576);
    expect(tickets.filter((t) => t?.type === 'question').every((t) => t?.priority === 'low')).toBe(true);
    expect(tickets.filter((t) => t?.priority === 'urgent').length).toBe(14);
    expect(seedHelpdeskTickets(new ZendeskStore({ now: c.now }), { limit: 3 })).toEqual([1, 2, 3]);
    const created = tickets.map((t) => t?.created_at ?? 0);
    expect(Math.max(...created)).toBeLessThan(START - 60_000);
    expect(Math.min(...created)).toBeLessThan(START - 20 * 86_400_000);
  });
});
