import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import {
  CLI_SANDBOX_API_KEY,
  DEFAULT_HELPDESK_TICKETS_PATH,
  FreshserviceStore,
  seedHelpdeskTickets,
  type FreshserviceSandbox,
  type SeededFixtures,
  seedFixtures,
  startFreshserviceSandbox,
} from '../../../src/sandbox/freshservice/index.js';

const START = Date.parse('2026-12-05T12:00:00Z');

function basic(key: string, password = 'X'): string {
  return `Basic ${Buffer.from(`${key}:${password}`).toString('base64')}`;
}

describe('Freshservice sandbox', () => {
  let clock: number;
  let sandbox: FreshserviceSandbox;
  let seeded: SeededFixtures;
  const now = (): Date => new Date(clock);

  async function api(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (init.key !== null) headers['Authorization'] = basic(init.key ?? CLI_SANDBOX_API_KEY);
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${sandbox.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
  }

  beforeEach(async () => {
    clock = START;
    const store = new FreshserviceStore({ now });
    seeded = seedFixtures(store);
    sandbox = await startFreshserviceSandbox({ store, now });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  describe('authentication', () => {
    it('accepts the API key as the Basic user name with any password', async () => {
      const res = await api('/api/v2/agents/me');
      expect(res.status).toBe(200);
      expect(res.body?.['agent']).toMatchObject({ id: seeded.integrationAgent.id, email: 'deskbridge@example.com' });
    });

    it('answers 401 invalid_credentials without or with a wrong key', async () => {
      for (const key of [null, 'wrong-key']) {
        const res = await api('/api/v2/tickets', { key });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ code: 'invalid_credentials', message: expect.any(String) });
      }
    });

    it('serves more API keys given as options, each as its agent (a person next to the integration)', async () => {
      await sandbox.close();
      const store = new FreshserviceStore({ now });
      seedFixtures(store);
      sandbox = await startFreshserviceSandbox({ store, now, apiKeys: { 'ana-key': 'ana.costa@example.com', 'new-key': 'someone@example.com' } });
      expect((await api('/api/v2/agents/me', { key: 'ana-key' })).body?.['agent']).toMatchObject({ email: 'ana.costa@example.com', first_name: 'Ana' });
      expect((await api('/api/v2/agents/me', { key: 'new-key' })).body?.['agent']).toMatchObject({ email: 'someone@example.com' });
      expect((await api('/api/v2/agents/me')).status).toBe(200);
      const id = store.tickets()[0]!.id;
      expect((await api(`/api/v2/tickets/${id}`, { method: 'PUT', key: 'ana-key', body: { priority: 3 } })).status).toBe(200);
      expect(sandbox.requestLog.at(-1)).toMatchObject({ method: 'PUT', status: 200, agentId: store.agentByEmail('ana.costa@example.com')!.id });
    });

    it('refuses username/password authentication', async () => {
      const res = await api('/api/v2/tickets', { key: 'deskbridge@example.com' });
      expect(res.status).toBe(401);
    });
  });

  describe('listing tickets', () => {
    it('lists the primary workspace only, newest created first, with documented timestamps', async () => {
      const res = await api('/api/v2/tickets');
      expect(res.status).toBe(200);
      const tickets = res.body?.['tickets'] as Record<string, unknown>[];
      expect(tickets).toHaveLength(11);
      expect(tickets.every((t) => t['workspace_id'] === seeded.workspaces.it.id)).toBe(true);
      const created = tickets.map((t) => String(t['created_at']));
      expect(created).toEqual([...created].sort().reverse());
      expect(created[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(tickets[0]).not.toHaveProperty('changed_by');
    });

    it('lists every workspace with workspace_id=0 and one workspace by id', async () => {
      expect(((await api('/api/v2/tickets?workspace_id=0')).body?.['tickets'] as unknown[]).length).toBe(13);
      const facilities = await api(`/api/v2/tickets?workspace_id=${seeded.workspaces.facilities.id}`);
      expect((facilities.body?.['tickets'] as { subject: string }[]).map((t) => t.subject)).toContain('Desk chair broken in room 4.12');
    });

    it('sorts ascending with order_type=asc and refuses order_by', async () => {
      const asc = (await api('/api/v2/tickets?order_type=asc')).body?.['tickets'] as { created_at: string }[];
      expect(asc.map((t) => t.created_at)).toEqual(asc.map((t) => t.created_at).sort());
      const res = await api('/api/v2/tickets?order_by=updated_at');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ description: 'Validation failed', errors: [{ field: 'order_by', message: expect.any(String), code: 'invalid_field' }] });
    });

    it('pages with per_page/page and a Link rel="next" header until the last page', async () => {
      const first = await api('/api/v2/tickets?per_page=4');
      expect(first.headers.get('link')).toBe(`<${sandbox.url}/api/v2/tickets?per_page=4&page=2>;rel="next"`);
      const third = await api('/api/v2/tickets?per_page=4&page=3');
      expect((third.body?.['tickets'] as unknown[]).length).toBe(3);
      expect(third.headers.get('link')).toBeNull();
    });

    it('refuses per_page above 100 or invalid', async () => {
      expect((await api('/api/v2/tickets?per_page=101')).status).toBe(400);
      expect((await api('/api/v2/tickets?per_page=abc')).status).toBe(400);
      expect((await api('/api/v2/tickets?page=0')).status).toBe(400);
    });

    it('without updated_since hides tickets created more than 30 days ago; updated_since finds them', async () => {
      const old = sandbox.store.createTicket({ subject: 'Old ticket', description: 'old', requester_id: seeded.requesters['priya.raman@example.com']!.id, created_at: START - 40 * 86_400_000 });
      sandbox.store.updateTicket(old.id, { priority: 3 });
      const listed = (await api('/api/v2/tickets')).body?.['tickets'] as { id: number }[];
      expect(listed.map((t) => t.id)).not.toContain(old.id);
      const since = (await api('/api/v2/tickets?updated_since=2026-12-05T11:00:00Z')).body?.['tickets'] as { id: number }[];
      expect(since.map((t) => t.id)).toContain(old.id);
    });

    it('updated_since keeps tickets updated at or after the instant and accepts the documented date forms', async () => {
      const res = await api('/api/v2/tickets?updated_since=2026-12-05T11:45:00Z');
      const subjects = (res.body?.['tickets'] as { subject: string }[]).map((t) => t.subject);
      expect(subjects).toEqual(['Wi-Fi very slow in meeting room Atlas', 'Request access to the finance reporting folder']);
      expect((await api('/api/v2/tickets?updated_since=2026-12-05')).status).toBe(200);
      expect((await api('/api/v2/tickets?updated_since=2026-12-05T12:45:00%2B05:30')).status).toBe(200);
      expect((await api('/api/v2/tickets?updated_since=yesterday')).status).toBe(400);
    });

    it('a page-number listing shifts when an edited ticket enters the updated_since window mid-paging', async () => {
      // Sorted by created_at, not updated_at: a ticket created long ago that is edited while a
      // client pages joins the window at its created_at position. In ascending order that is
      // before the pages already read, so the next page repeats an item and the edited ticket
      // is not seen in this pass.
      const since = 'updated_since=2026-12-05T11:30:00Z&per_page=2&order_type=asc';
      const page1 = (await api(`/api/v2/tickets?${since}&page=1`)).body?.['tickets'] as { subject: string }[];
      expect(page1.map((t) => t.subject)).toEqual(['Laptop battery swollen, case lifting', 'Teams calls lose audio after about 5 minutes']);
      clock += 60_000;
      const printer = seeded.tickets.find((t) => t.subject.startsWith('Printer'))!;
      sandbox.store.updateTicket(printer.id, { priority: 2 });
      const page2 = (await api(`/api/v2/tickets?${since}&page=2`)).body?.['tickets'] as { subject: string }[];
      expect(page2.map((t) => t.subject)).toEqual(['Teams calls lose audio after about 5 minutes', 'Request access to the finance reporting folder']);
      const page3 = (await api(`/api/v2/tickets?${since}&page=3`)).body?.['tickets'] as { subject: string }[];
      expect(page3.map((t) => t.subject)).toEqual(['Wi-Fi very slow in meeting room Atlas']);
    });

    it('in the default (desc) order a ticket created mid-paging lands on page 1 and the next page repeats the last item read', async () => {
      const page1 = (await api('/api/v2/tickets?per_page=3&page=1')).body?.['tickets'] as { id: number }[];
      clock += 60_000;
      const created = sandbox.store.createTicket({ subject: 'New while paging', description: 'x', requester_id: seeded.requesters['priya.raman@example.com']!.id });
      const page2 = (await api('/api/v2/tickets?per_page=3&page=2')).body?.['tickets'] as { id: number }[];
      expect(page2[0]?.id).toBe(page1[2]?.id);
      const fresh = (await api('/api/v2/tickets?per_page=3&page=1')).body?.['tickets'] as { id: number }[];
      expect(fresh[0]?.id).toBe(created.id);
    });

    it('include=stats embeds closed_at, resolved_at and first_responded_at and costs 2 extra credits', async () => {
      const res = await api('/api/v2/tickets?include=stats');
      expect((res.body?.['tickets'] as Record<string, unknown>[])[0]?.['stats']).toEqual({ resolved_at: null, closed_at: null, first_responded_at: null });
      expect(res.headers.get('x-ratelimit-used-currentrequest')).toBe('3');
    });
  });

  describe('one ticket', () => {
    it('shows a ticket, with up to ten conversations on include=conversations', async () => {
      const id = seeded.tickets[0]!.id;
      sandbox.store.addNote(id, { body: '<p>first</p>', user_id: seeded.integrationAgent.id });
      const res = await api(`/api/v2/tickets/${id}?include=conversations`);
      expect(res.status).toBe(200);
      const ticket = res.body?.['ticket'] as Record<string, unknown>;
      expect(ticket).toMatchObject({ id, subject: 'VPN drops every few minutes', status: 2, tags: [] });
      expect((ticket['conversations'] as { body_text: string }[])[0]?.body_text).toBe('first');
      expect(res.headers.get('x-ratelimit-used-currentrequest')).toBe('2');
    });

    it('answers 404 for an unknown ticket', async () => {
      const res = await api('/api/v2/tickets/9999');
      expect(res.status).toBe(404);
    });

    it('updates group, responder, status, priority, tags and custom fields and moves updated_at', async () => {
      const id = seeded.tickets[1]!.id;
      clock += 5 * 60_000;
      const res = await api(`/api/v2/tickets/${id}`, {
        method: 'PUT',
        body: {
          group_id: seeded.groups['Network']!.id,
          responder_id: seeded.agents['tom.becker@example.com']!.id,
          status: 3,
          priority: 3,
          tags: ['vpn'],
          custom_fields: { deskbridge_marker: 'routed' },
        },
      });
      expect(res.status).toBe(200);
      const ticket = res.body?.['ticket'] as Record<string, unknown>;
      expect(ticket).toMatchObject({ group_id: seeded.groups['Network']!.id, status: 3, priority: 3, tags: ['vpn'], updated_at: '2026-12-05T12:05:00Z' });
      expect((ticket['custom_fields'] as Record<string, unknown>)['deskbridge_marker']).toBe('routed');
      expect(sandbox.store.ticket(id)?.responder_id).toBe(seeded.agents['tom.becker@example.com']!.id);
    });

    it('refuses unknown groups, agents, bad values and unknown fields with field errors', async () => {
      const id = seeded.tickets[1]!.id;
      const before = sandbox.store.ticket(id)!.updated_at;
      const res = await api(`/api/v2/tickets/${id}`, { method: 'PUT', body: { group_id: 42, responder_id: 43, status: 9, priority: 'high', colour: 'red' } });
      expect(res.status).toBe(400);
      expect(res.body?.['description']).toBe('Validation failed');
      const errors = res.body?.['errors'] as { field: string; code: string }[];
      expect(errors.map((e) => [e.field, e.code])).toEqual([
        ['group_id', 'invalid_value'],
        ['responder_id', 'invalid_value'],
        ['status', 'invalid_value'],
        ['priority', 'datatype_mismatch'],
        ['colour', 'invalid_field'],
      ]);
      expect(sandbox.store.ticket(id)!.updated_at).toBe(before);
    });

    it('refuses a group of another workspace', async () => {
      const res = await api(`/api/v2/tickets/${seeded.tickets[0]!.id}`, { method: 'PUT', body: { group_id: seeded.groups['Facilities Management']!.id } });
      expect(res.status).toBe(400);
    });

    it('refuses a non-JSON content type with 415', async () => {
      const res = await fetch(`${sandbox.url}/api/v2/tickets/1`, { method: 'PUT', headers: { Authorization: basic(CLI_SANDBOX_API_KEY), 'Content-Type': 'text/plain' }, body: '{}' });
      expect(res.status).toBe(415);
    });
  });

  describe('notes and conversations', () => {
    it('adds a private note by default and lists it in the paged conversations', async () => {
      const id = seeded.tickets[2]!.id;
      clock += 60_000;
      const created = await api(`/api/v2/tickets/${id}/notes`, { method: 'POST', body: { body: '<div>Routed to <b>Applications</b></div>' } });
      expect(created.status).toBe(201);
      expect(created.body?.['conversation']).toMatchObject({ private: true, incoming: false, ticket_id: id, user_id: seeded.integrationAgent.id, body_text: 'Routed to Applications' });
      expect(sandbox.store.ticket(id)!.updated_at).toBe(clock);
      const list = await api(`/api/v2/tickets/${id}/conversations`);
      expect(list.body?.['conversations']).toHaveLength(1);
      expect(list.body?.['meta']).toEqual({ count: 1 });
    });

    it('requires a body', async () => {
      const res = await api(`/api/v2/tickets/${seeded.tickets[0]!.id}/notes`, { method: 'POST', body: { private: true } });
      expect(res.status).toBe(400);
      expect((res.body?.['errors'] as { field: string; code: string }[])[0]).toMatchObject({ field: 'body', code: 'missing_field' });
    });
  });

  describe('directory', () => {
    it('lists groups of the primary workspace with members', async () => {
      const res = await api('/api/v2/groups');
      const groups = res.body?.['groups'] as { name: string; members: number[] }[];
      expect(groups.map((g) => g.name)).toEqual([
        'Service Desk',
        'Network',
        'Hardware',
        'Access Management',
        'Applications',
        'Network Operations',
        'Desktop Support',
        'Application Support',
        'Major Incident Team',
        'Group 73',
      ]);
      expect(groups.find((g) => g.name === 'Network')?.members).toEqual([seeded.agents['tom.becker@example.com']!.id]);
    });

    it('lists agents with member_of, requesters, workspaces and ticket form fields', async () => {
      const agents = (await api('/api/v2/agents?email=tom.becker@example.com')).body?.['agents'] as { member_of: number[] }[];
      expect(agents[0]?.member_of).toEqual([seeded.groups['Network']!.id]);
      expect(((await api('/api/v2/requesters')).body?.['requesters'] as unknown[]).length).toBe(4);
      const workspaces = (await api('/api/v2/workspaces')).body?.['workspaces'] as { name: string; primary: boolean }[];
      expect(workspaces.map((w) => [w.name, w.primary])).toEqual([
        ['IT', true],
        ['Facilities', false],
      ]);
      const fields = (await api('/api/v2/ticket_form_fields')).body?.['ticket_fields'] as { name: string }[];
      expect(fields.map((f) => f.name)).toContain('deskbridge_marker');
    });
  });
  describe('problems', () => {
    const problem = {
      subject: 'VPN gateway drops sessions',
      description: '<p>Several VPN drops</p>',
      email: 'deskbridge@example.com',
      due_by: '2026-12-12T12:00:00Z',
      priority: 3,
      status: 1,
      impact: 2,
    };

    it('creates a problem and refuses one without its mandatory fields', async () => {
      const created = await api('/api/v2/problems', { method: 'POST', body: problem });
      expect(created.status).toBe(201);
      expect(created.body?.['problem']).toMatchObject({ id: 1, subject: 'VPN gateway drops sessions', requester_id: seeded.integrationAgent.id, due_by: '2026-12-12T12:00:00Z', status: 1 });
      const missing = await api('/api/v2/problems', { method: 'POST', body: { subject: 'x' } });
      expect(missing.status).toBe(400);
      const fields = (missing.body?.['errors'] as { field: string; code: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['description', 'due_by', 'priority', 'status', 'impact', 'requester_id']));
    });

    it('associates tickets through PUT /tickets/{id} with problem.display_id and lists them', async () => {
      await api('/api/v2/problems', { method: 'POST', body: problem });
      const [a, b] = [seeded.tickets[0]!.id, seeded.tickets[1]!.id];
      for (const id of [a, b]) expect((await api(`/api/v2/tickets/${id}`, { method: 'PUT', body: { problem: { display_id: 1 } } })).status).toBe(200);
      expect(sandbox.store.problemTickets(1).map((t) => t.id)).toEqual([a, b]);
      const shown = await api(`/api/v2/tickets/${a}?include=problem`);
      expect((shown.body?.['ticket'] as Record<string, unknown>)['problem']).toMatchObject({ display_id: 1, subject: 'VPN gateway drops sessions' });
      expect(((await api('/api/v2/problems')).body?.['problems'] as unknown[]).length).toBe(1);
      expect((await api(`/api/v2/tickets/${a}`, { method: 'PUT', body: { problem: { display_id: 99 } } })).status).toBe(400);
    });

    it('updates a problem', async () => {
      await api('/api/v2/problems', { method: 'POST', body: problem });
      const res = await api('/api/v2/problems/1', { method: 'PUT', body: { status: 3, known_error: true } });
      expect(res.body?.['problem']).toMatchObject({ status: 3, known_error: true });
    });
  });

  describe('filter', () => {
    it('filters by an updated_at range and returns total', async () => {
      const q = encodeURIComponent(`"updated_at:>'2026-12-05T11:45:00Z' AND updated_at:<'2026-12-05T12:00:00Z'"`);
      const res = await api(`/api/v2/tickets/filter?query=${q}`);
      expect(res.status).toBe(200);
      expect(res.body?.['total']).toBe(2);
      expect((await api(`/api/v2/tickets/filter?query=${encodeURIComponent('"priority:>3"')}`)).body?.['total']).toBe(1);
      expect((await api(`/api/v2/tickets/filter?query=${encodeURIComponent('"priority:>3 OR group_id:null"')}`)).body?.['total']).toBe(8);
      expect((await api('/api/v2/tickets/filter?query=priority:3')).status).toBe(400);
      expect((await api(`/api/v2/tickets/filter?query=${encodeURIComponent('"subject:\'x\'"')}`)).status).toBe(400);
    });
  });

  describe('rate limits', () => {
    it('throttles ticket listing at its sub-limit with 429 and Retry-After, counting failed calls', async () => {
      await sandbox.close();
      const store = new FreshserviceStore({ now });
      seedFixtures(store);
      sandbox = await startFreshserviceSandbox({
        store,
        now,
        rateLimit: { total: 10, subLimits: { list_tickets: 3, view_ticket: 5, create_ticket: 5, update_ticket: 5, list_agents: 5, list_requesters: 5 } },
      });
      expect((await api('/api/v2/tickets?per_page=500')).status).toBe(400);
      const ok = await api('/api/v2/tickets');
      expect(ok.headers.get('x-ratelimit-total')).toBe('10');
      expect(ok.headers.get('x-ratelimit-remaining')).toBe('8');
      expect((await api('/api/v2/tickets')).status).toBe(200);
      const limited = await api('/api/v2/tickets');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
      expect((await api('/api/v2/groups')).status).toBe(200);
      clock += 60_000;
      expect((await api('/api/v2/tickets')).status).toBe(200);
    });

    it('takes the short form { perMinute, listTicketsPerMinute }', async () => {
      await sandbox.close();
      const store = new FreshserviceStore({ now });
      seedFixtures(store);
      sandbox = await startFreshserviceSandbox({ store, now, rateLimit: { perMinute: 6, listTicketsPerMinute: 2 } });
      expect((await api('/api/v2/tickets')).headers.get('x-ratelimit-total')).toBe('6');
      expect((await api('/api/v2/tickets')).status).toBe(200);
      expect((await api('/api/v2/tickets')).status).toBe(429);
      const groups = await api('/api/v2/groups');
      expect(groups.status).toBe(200);
      // Two lists and this call; the throttled answer itself is not charged.
      expect(groups.headers.get('x-ratelimit-remaining')).toBe('3');
    });

    it('defaults to the Pro plan figures', async () => {
      const res = await api('/api/v2/groups');
      expect(res.headers.get('x-ratelimit-total')).toBe('400');
    });
  });

  describe('seeding from the help-desk data set', () => {
    it.skipIf(!existsSync(DEFAULT_HELPDESK_TICKETS_PATH))(`seeds real ticket texts deterministically (needs ${DEFAULT_HELPDESK_TICKETS_PATH})`, async () => {
      const make = async () => {
        const store = new FreshserviceStore({ now });
        seedFixtures(store);
        return (await seedHelpdeskTickets(store, { limit: 50 })).tickets;
      };
      const [a, b] = [await make(), await make()];
      expect(a).toHaveLength(50);
      expect(a.map((t) => [t.subject, t.priority, t.group_id, t.category])).toEqual(b.map((t) => [t.subject, t.priority, t.group_id, t.category]));
      expect(a[1]?.subject).toBe('connection with icon');
      expect(new Set(a.map((t) => t.type))).toContain('Service Request');
      expect(a.some((t) => t.group_id !== null) && a.some((t) => t.group_id === null)).toBe(true);
    });
  });
});
