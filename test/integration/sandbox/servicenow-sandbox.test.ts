import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedFixtures } from '../../../src/sandbox/servicenow/fixtures.js';
import { type EventRow, readEventLog, replayEventLog, seedFromEventLog } from '../../../src/sandbox/servicenow/seed-event-log.js';
import { type ServiceNowSandbox, startServiceNowSandbox } from '../../../src/sandbox/servicenow/server.js';
import { ServiceNowStore } from '../../../src/sandbox/servicenow/store.js';
import { missingData } from '../../helpers/data.js';

const BASIC = `Basic ${Buffer.from('deskbridge:deskbridge').toString('base64')}`;
const START = new Date('2024-05-01T10:00:00Z');

interface Clock {
  now: () => Date;
  advance(seconds: number): void;
}

function fakeClock(): Clock {
  let t = START.getTime();
  return {
    now: () => new Date(t),
    advance(seconds) {
      t += seconds * 1000;
    },
  };
}

async function api(
  sandbox: ServiceNowSandbox,
  path: string,
  init: { method?: string; body?: unknown; auth?: string | null } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.auth !== null) headers['Authorization'] = init.auth ?? BASIC;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sandbox.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

function q(query: string): string {
  return encodeURIComponent(query);
}

/** Parses `<url>;rel="x",<url>;rel="y"` into {x: url}. */
function parseLink(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  for (const match of (header ?? '').matchAll(/<([^>]+)>;rel="(\w+)"/g)) {
    if (match[1] && match[2]) links[match[2]] = match[1];
  }
  return links;
}

const ERROR_ENVELOPE = {
  error: { message: expect.any(String), detail: expect.anything() },
  status: 'failure',
};

describe('ServiceNow sandbox: Table API', () => {
  let sandbox: ServiceNowSandbox;
  let clock: Clock;

  beforeEach(async () => {
    clock = fakeClock();
    const store = new ServiceNowStore({ now: clock.now });
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store, now: clock.now });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('answers 401 with the ServiceNow error envelope when credentials are missing or wrong', async () => {
    const missing = await api(sandbox, '/api/now/table/incident', { auth: null });
    const wrong = await api(sandbox, '/api/now/table/incident', {
      auth: `Basic ${Buffer.from('deskbridge:nope').toString('base64')}`,
    });

    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
    expect(wrong.status).toBe(401);
  });

  it('creates an incident with a generated number, sys_id and audit fields', async () => {
    const created = await api(sandbox, '/api/now/table/incident', {
      method: 'POST',
      body: { short_description: 'Cannot open VPN client', category: 'network', impact: '2', urgency: '1' },
    });

    expect(created.status).toBe(201);
    const record = created.body.result;
    expect(record.number).toBe('INC0010012'); // 11 fixtures took INC0010001…11
    expect(record.sys_id).toMatch(/^[0-9a-f]{32}$/);
    expect(record.sys_created_on).toBe('2024-05-01 10:00:00');
    expect(record.sys_created_by).toBe('deskbridge');
    expect(record.sys_mod_count).toBe('0');
    expect(record.state).toBe('1');
    expect(record.priority).toBe('2');
    expect(created.headers.get('location')).toBe(`${sandbox.url}/api/now/table/incident/${record.sys_id}`);
  });

  it('increments sys_mod_count and stamps sys_updated_on/by on each update, but not on a no-op write', async () => {
    const target = sandbox.store.query('incident', 'short_description=Outlook cannot connect to Exchange')[0];
    const sysId = target?.['sys_id'];

    clock.advance(61);
    const once = await api(sandbox, `/api/now/table/incident/${sysId}`, { method: 'PATCH', body: { urgency: '1' } });
    clock.advance(5);
    const twice = await api(sandbox, `/api/now/table/incident/${sysId}`, { method: 'PUT', body: { state: '2' } });
    clock.advance(5);
    const noop = await api(sandbox, `/api/now/table/incident/${sysId}`, { method: 'PATCH', body: { state: '2' } });

    expect(once.body.result).toMatchObject({ sys_mod_count: '1', sys_updated_on: '2024-05-01 10:01:01', priority: '2' });
    expect(once.body.result.sys_updated_by).toBe('deskbridge');
    expect(twice.body.result).toMatchObject({ sys_mod_count: '2', sys_updated_on: '2024-05-01 10:01:06' });
    expect(noop.body.result).toMatchObject({ sys_mod_count: '2', sys_updated_on: '2024-05-01 10:01:06' });
  });

  it('answers 404 with the error envelope for an unknown sys_id', async () => {
    const missing = await api(sandbox, '/api/now/table/incident/0123456789abcdef0123456789abcdef');

    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" },
      status: 'failure',
    });
  });

  it.each([
    ['category=network', 3],
    ['category!=network', 8],
    ['short_descriptionLIKEvpn', 2],
    ['short_descriptionNOT LIKEvpn', 9],
    ['short_descriptionNOTLIKEvpn', 9],
    ['short_descriptionSTARTSWITHPrinter', 1],
    ['short_descriptionENDSWITHExchange', 1],
    ['stateIN1,3', 6],
    ['stateNOT IN6,7', 9],
    ['assignment_groupISEMPTY', 4],
    ['assignment_groupISNOTEMPTY', 7],
    ['priority<=2', 1],
    ['priority>=4', 7],
    ['priority>3^priority<5', 4],
    ['category=network^ORcategory=database', 4],
    ['category=hardware^NQcategory=network^state=1', 3],
    ['category=network^state=1^ORstate=3', 2],
    ['sys_created_on>=2024-05-01 08:00:00', 5],
    ["sys_created_on<javascript:gs.dateGenerate('2024-05-01','08:00:00')", 6],
    ['assignment_group.name=Network Operations', 2],
    ['', 11],
  ])('filters with the encoded query %j', async (query, expected) => {
    const response = await api(sandbox, `/api/now/table/incident?sysparm_query=${q(query)}&sysparm_fields=number`);

    expect(response.status).toBe(200);
    expect(response.body.result).toHaveLength(expected);
    expect(response.headers.get('x-total-count')).toBe(String(expected));
  });

  it('rejects an unknown operator with 400 instead of returning everything', async () => {
    const response = await api(sandbox, `/api/now/table/incident?sysparm_query=${q('stateBOGUS1')}`);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject(ERROR_ENVELOPE);
  });

  it('orders by several ORDERBY terms in the order given, wherever they appear in the query', async () => {
    const sorted = await api(sandbox, `/api/now/table/incident?sysparm_query=${q('ORDERBYcategory^ORDERBYDESCpriority')}&sysparm_fields=category,priority`);
    const descNumbers = await api(sandbox, `/api/now/table/incident?sysparm_query=${q('ORDERBYDESCnumber^category=network')}&sysparm_fields=number`);

    const pairs = sorted.body.result.map((r: { category: string; priority: string }) => [r.category, Number(r.priority)]);
    const expected = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : b[1] - a[1]));
    expect(pairs).toEqual(expected);
    expect(pairs[0][0]).toBe('database');
    expect(descNumbers.body.result.map((r: { number: string }) => r.number)).toEqual(['INC0010010', 'INC0010002', 'INC0010001']);
  });

  it('pages with sysparm_limit/offset, a Link header and X-Total-Count', async () => {
    const seen: string[] = [];
    let path: string | undefined = `/api/now/table/incident?sysparm_query=${q('ORDERBYnumber')}&sysparm_limit=4&sysparm_fields=number`;
    const linkSets: Record<string, string>[] = [];

    while (path) {
      const page = await api(sandbox, path);
      expect(page.headers.get('x-total-count')).toBe('11');
      seen.push(...page.body.result.map((r: { number: string }) => r.number));
      const links = parseLink(page.headers.get('link'));
      linkSets.push(links);
      path = links['next']?.slice(sandbox.url.length);
    }

    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);
    expect(Object.keys(linkSets[0] ?? {}).sort()).toEqual(['first', 'last', 'next']);
    expect(Object.keys(linkSets[2] ?? {}).sort()).toEqual(['first', 'last', 'prev']);
    expect(linkSets[0]?.['last']).toContain('sysparm_offset=8');
    expect(linkSets[1]?.['prev']).toContain('sysparm_offset=0');
    expect(linkSets[0]?.['next']).toContain('sysparm_query=ORDERBYnumber');
  });

  it('returns only the fields named in sysparm_fields', async () => {
    const response = await api(sandbox, '/api/now/table/incident?sysparm_limit=1&sysparm_fields=number,sys_id,nonexistent');

    expect(Object.keys(response.body.result[0]).sort()).toEqual(['number', 'sys_id']);
  });

  it('returns {display_value, value} pairs with sysparm_display_value=all and reference links unless excluded', async () => {
    const vpn = sandbox.store.findByNumber('INC0010001')?.record;
    const groupId = vpn?.['assignment_group'];

    const all = await api(sandbox, `/api/now/table/incident/${vpn?.['sys_id']}?sysparm_display_value=all`);
    const allNoLink = await api(sandbox, `/api/now/table/incident/${vpn?.['sys_id']}?sysparm_display_value=all&sysparm_exclude_reference_link=true`);
    const raw = await api(sandbox, `/api/now/table/incident/${vpn?.['sys_id']}`);
    const display = await api(sandbox, `/api/now/table/incident/${vpn?.['sys_id']}?sysparm_display_value=true&sysparm_exclude_reference_link=true`);

    expect(all.body.result.state).toEqual({ display_value: 'In Progress', value: '2' });
    expect(all.body.result.priority).toEqual({ display_value: '3 - Moderate', value: '3' });
    expect(all.body.result.assignment_group).toEqual({
      display_value: 'Network Operations',
      link: `${sandbox.url}/api/now/table/sys_user_group/${groupId}`,
      value: groupId,
    });
    expect(allNoLink.body.result.assignment_group).toEqual({ display_value: 'Network Operations', value: groupId });
    expect(raw.body.result.assignment_group).toEqual({
      link: `${sandbox.url}/api/now/table/sys_user_group/${groupId}`,
      value: groupId,
    });
    expect(display.body.result.assignment_group).toBe('Network Operations');
    expect(display.body.result.caller_id).toBe('Priya Raman');
  });

  it('resolves names to sys_ids with sysparm_input_display_value=true, creating unknown groups', async () => {
    const serviceDesk = sandbox.store.resolveReference('sys_user_group', 'Service Desk');

    const created = await api(sandbox, '/api/now/table/incident?sysparm_input_display_value=true', {
      method: 'POST',
      body: { short_description: 'Keyboard missing keys', assignment_group: 'Service Desk', impact: '3 - Low' },
    });
    const routed = await api(sandbox, `/api/now/table/incident/${created.body.result.sys_id}?sysparm_input_display_value=true&sysparm_display_value=all`, {
      method: 'PATCH',
      body: { assignment_group: 'Group 56' },
    });

    expect(created.body.result.assignment_group.value).toBe(serviceDesk);
    expect(created.body.result.impact).toBe('3');
    expect(routed.body.result.assignment_group.display_value).toBe('Group 56');
    expect(routed.body.result.reassignment_count).toEqual({ display_value: '1', value: '1' });
    expect(sandbox.store.query('sys_user_group', 'name=Group 56')).toHaveLength(1);
  });

  it('stores work notes as sys_journal_field rows that can be found by marker, newest first on the record', async () => {
    const target = sandbox.store.findByNumber('INC0010002')?.record;
    const sysId = target?.['sys_id'] ?? '';

    clock.advance(10);
    await api(sandbox, `/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      body: { work_notes: 'Routed to Network Operations.\n[deskbridge:route-vpn:assign]' },
    });
    clock.advance(10);
    const second = await api(sandbox, `/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      body: { comments: 'We are looking into it.' },
    });
    clock.advance(10);
    await api(sandbox, `/api/now/table/incident/${sysId}`, { method: 'PATCH', body: { work_notes: 'Second note' } });
    const found = await api(sandbox, `/api/now/table/sys_journal_field?sysparm_query=${q(`element_id=${sysId}^element=work_notes^valueLIKEdeskbridge:route-vpn:assign`)}`);
    const shown = await api(sandbox, `/api/now/table/incident/${sysId}?sysparm_display_value=all&sysparm_fields=work_notes,comments,sys_mod_count`);

    expect(second.body.result.sys_mod_count).toBe('2');
    expect(second.body.result.work_notes).toBe('');
    expect(found.body.result).toHaveLength(1);
    expect(found.body.result[0]).toMatchObject({
      element_id: sysId,
      element: 'work_notes',
      name: 'incident',
      sys_created_by: 'deskbridge',
      sys_created_on: '2024-05-01 10:00:10',
    });
    expect(shown.body.result.sys_mod_count.value).toBe('3');
    expect(shown.body.result.work_notes.value).toBe('');
    expect(shown.body.result.work_notes.display_value).toMatch(/^2024-05-01 10:00:30 - deskbridge \(Work notes\)\nSecond note\n\n2024-05-01 10:00:10 - deskbridge \(Work notes\)\nRouted/);
    expect(shown.body.result.comments.display_value).toContain('(Additional comments)\nWe are looking into it.');
    expect(sandbox.store.journal(sysId)).toHaveLength(3);
  });

  it('logs every request with method, path and status', async () => {
    sandbox.resetRequestLog();

    await api(sandbox, '/api/now/table/incident?sysparm_limit=1');
    await api(sandbox, '/api/now/table/incident', { auth: null });

    expect(sandbox.requestLog).toEqual([
      expect.objectContaining({ method: 'GET', path: '/api/now/table/incident', status: 200, user: 'deskbridge' }),
      expect.objectContaining({ method: 'GET', path: '/api/now/table/incident', status: 401 }),
    ]);
  });

  it('dumps raw records through the unauthenticated control API', async () => {
    const state = await api(sandbox, '/__sandbox/state?table=incident', { auth: null });

    expect(state.status).toBe(200);
    expect(state.body.count).toBe(11);
    expect(state.body.result[0].number).toBe('INC0010001');
  });
});

describe('ServiceNow sandbox: OAuth and rate limiting', () => {
  let sandbox: ServiceNowSandbox;
  let clock: Clock;

  beforeEach(async () => {
    clock = fakeClock();
    sandbox = await startServiceNowSandbox({
      now: clock.now,
      oauthClients: [{ clientId: 'deskbridge-client', clientSecret: 's3cret' }],
      tokenTtlSeconds: 600,
      rateLimit: { limit: 3, windowSeconds: 60 },
    });
  });

  afterEach(async () => {
    await sandbox.close();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
  async function token(form: Record<string, string>): Promise<{ status: number; body: any }> {
    const response = await fetch(`${sandbox.url}/oauth_token.do`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'deskbridge-client', client_secret: 's3cret', ...form }),
    });
    return { status: response.status, body: await response.json() };
  }

  it('issues bearer tokens with the password grant that stop working after tokenTtlSeconds', async () => {
    const granted = await token({ grant_type: 'password', username: 'deskbridge', password: 'deskbridge' });
    const bearer = `Bearer ${granted.body.access_token}`;

    const before = await api(sandbox, '/api/now/table/incident', { auth: bearer });
    clock.advance(600);
    const after = await api(sandbox, '/api/now/table/incident', { auth: bearer });
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: granted.body.refresh_token });
    const again = await api(sandbox, '/api/now/table/incident', { auth: `Bearer ${refreshed.body.access_token}` });

    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: expect.any(String) });
    expect(granted.body.refresh_token).toEqual(expect.any(String));
    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject(ERROR_ENVELOPE);
    expect(refreshed.body.access_token).not.toBe(granted.body.access_token);
    expect(again.status).toBe(200);
  });

  it('refuses token requests with a wrong client secret or password', async () => {
    const badSecret = await token({ grant_type: 'password', username: 'deskbridge', password: 'deskbridge', client_secret: 'x' });
    const badPassword = await token({ grant_type: 'password', username: 'deskbridge', password: 'x' });

    expect(badSecret.status).toBe(401);
    expect(badPassword.status).toBe(401);
    expect(badSecret.body).toEqual({ error_description: 'access_denied', error: 'server_error' });
  });

  it('stamps writes made with a client_credentials token with the client id', async () => {
    const granted = await token({ grant_type: 'client_credentials' });

    const created = await api(sandbox, '/api/now/table/incident', {
      method: 'POST',
      body: { short_description: 'Created by the integration' },
      auth: `Bearer ${granted.body.access_token}`,
    });

    expect(created.status).toBe(201);
    expect(created.body.result.sys_created_by).toBe('deskbridge-client');
  });

  it('answers 429 with Retry-After once more than the limit of requests arrive within the window', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api(sandbox, '/api/now/table/incident')).status);
    clock.advance(20);
    const limited = await api(sandbox, '/api/now/table/incident');
    clock.advance(40);
    const nextWindow = await api(sandbox, '/api/now/table/incident');

    expect(statuses).toEqual([200, 200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    expect(limited.body).toEqual({
      error: { message: 'Rate limit exceeded', detail: expect.stringContaining('3 requests') },
      status: 'failure',
    });
    expect(nextWindow.status).toBe(200);
  });
});

describe.skipIf(missingData('eventLog', 'ticketTexts'))('ServiceNow sandbox: seeding from the UCI incident event log', () => {
  let rows: EventRow[];
  let sandbox: ServiceNowSandbox;

  beforeAll(async () => {
    rows = await readEventLog();
    const store = new ServiceNowStore();
    await seedFromEventLog(store, { rows, limit: 500, stage: 'first', titles: true });
    sandbox = await startServiceNowSandbox({ store });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('reads all 141,712 events of 24,918 incidents', () => {
    expect(rows).toHaveLength(141_712);
    expect(new Set(rows.map((row) => row.number)).size).toBe(24_918);
  });

  it('seeds the first 500 incidents as of their first event, with names resolvable as display values', async () => {
    const response = await api(sandbox, `/api/now/table/incident?sysparm_query=${q('number=INC0000045')}&sysparm_display_value=all&sysparm_exclude_reference_link=true`);
    const incident = response.body.result[0];

    expect(sandbox.store.count('incident')).toBe(500);
    expect(incident.caller_id.display_value).toBe('Caller 2403');
    expect(incident.caller_id.value).toMatch(/^[0-9a-f]{32}$/);
    expect(incident.category.value).toBe('Category 55');
    expect(incident.assignment_group.display_value).toBe('Group 56');
    expect(incident.state).toEqual({ display_value: 'New', value: '1' });
    expect(incident.priority.value).toBe('3');
    expect(incident.impact.value).toBe('2');
    expect(incident.opened_at.value).toBe('2016-02-29 01:16:00');
    expect(incident.sys_updated_on.value).toBe('2016-02-29 01:23:00');
    expect(incident.resolved_at.value).toBe(''); // not yet resolved at its first event
    expect(incident.short_description.value).not.toBe('');
  });

  it('replays later events in time order as updates of the seeded incidents', async () => {
    const store = new ServiceNowStore();
    const firstRows = rows.slice(0, 40);
    await seedFromEventLog(store, { rows: firstRows, stage: 'first' });
    const replay = replayEventLog(store, firstRows, { timestamps: 'event' });

    const events = replay.applyNext(1000);
    const inc45 = store.findByNumber('INC0000045')?.record;

    expect(replay.done).toBe(true);
    expect(events[0]).toMatchObject({ number: 'INC0000045', action: 'skipped' });
    expect(events.some((event) => event.action === 'updated')).toBe(true);
    expect(inc45?.['state']).toBe('7');
    expect(inc45?.['closed_at']).toBe('2016-03-05 12:00:00');
    expect(store.displayValue('incident', inc45 ?? {}, 'resolved_by')).toBe('Resolved by 149');
  });
});
