import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleConfig } from '../../../src/config/schema.js';
import { buildConsole } from '../../../src/console/server.js';
import type { ConsoleSource, ConsoleStateFile, ConsoleView } from '../../../src/console/view.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import type { PassLogEntry, StateStore } from '../../../src/state/types.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { describeEachStore, type StoreKit } from '../../helpers/stores.js';
import { makeTicket } from '../../helpers/tickets.js';

const TOKEN = 'console-token-0123456789abcdef';
const USER = 'ops-admin';
const PASSWORD = 'correct horse battery staple';
const SOURCE = 'snow-prod';
const XSS = '<script>alert(1)</script>';
const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';
/** A secret from the environment that got into error texts: `view.redact` must take it out of every page. */
const SECRET = 'sn-password-hunter2-0xC0FFEE';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const DEAD_ID = 'dead0000aaaa1111bbbb';
const PENDING_ID = 'pend0000cccc2222dddd';

function planned(id: string, ticket: string, action: PlannedAction['action']): PlannedAction {
  return {
    id,
    sourceId: SOURCE,
    ruleId: 'network-to-netops',
    target: { ticketKey: `servicenow:${SOURCE}:${ticket}`, nativeId: ticket, number: ticket, version: '3' },
    action,
    explanation: 'category = Network',
  };
}

function pass(n: number, fields: Partial<PassLogEntry> = {}): PassLogEntry {
  return {
    sourceId: SOURCE,
    startedAt: new Date(NOW.getTime() - (10 - n) * 60_000).toISOString(),
    finishedAt: new Date(NOW.getTime() - (10 - n) * 60_000 + 2_500).toISOString(),
    outcome: 'ok',
    durationMs: 2_500,
    pulled: 11,
    planned: 2,
    skipped: 0,
    quarantined: 1,
    written: { sent: 1, unchanged: 0, superseded: 0, failed: 0, dead: 1, wouldSend: 0 },
    pendingWrites: 1,
    requests: 17,
    dryRun: false,
    error: undefined,
    ...fields,
  };
}

interface Fixture {
  app: FastifyInstance;
  store: StateStore;
  lines: string[];
  quarantineId: number;
}

/** The store a fixture seeds: in-memory SQLite, or the one describeEachStore gives (the pages that show what the store holds). */
const inMemory = async (): Promise<StateStore> => openSqliteStore(':memory:', () => NOW);
let openStore = inMemory;
/** Seeds the store of each test of a describeEachStore block from its kit. */
function seedFrom(kit: StoreKit): void {
  beforeEach(() => {
    openStore = () => kit.open({ clock: () => NOW });
  });
  afterEach(() => {
    openStore = inMemory;
  });
}

/** A state holding one dead write, one pending write, one open quarantined record and two passes (one failed). */
async function seededStore(): Promise<{ store: StateStore; quarantineId: number }> {
  const store = await openStore();
  await store.commitBatch({
    sourceId: SOURCE,
    watermark: '2026-12-04T11:55:00.000Z',
    ledger: [],
    tickets: [],
    roundRobin: new Map(),
    actions: [planned(DEAD_ID, 'INC0010001', { type: 'assign', group: 'Network Operations' }), planned(PENDING_ID, 'INC0010002', { type: 'comment', visibility: 'internal', body: `Routed: ${XSS}` })],
    quarantine: [{ sourceId: SOURCE, nativeId: 'q-1', version: '7', error: `mapping failed on ${XSS} (auth ${SECRET})`, raw: { short_description: XSS, password: SECRET } }],
    // Two versions of one ticket, for the help-desk report: opened a week ago, resolved today.
    versions: [
      { key: `servicenow:${SOURCE}:sys-1`, number: 'INC0010001', version: '1', status: 'new', priority: 3, createdAt: '2026-11-27T09:00:00.000Z', updatedAt: '2026-11-27T09:00:00.000Z' },
      {
        key: `servicenow:${SOURCE}:sys-1`,
        number: 'INC0010001',
        version: '2',
        status: 'resolved',
        priority: 3,
        group: 'Network',
        createdAt: '2026-11-27T09:00:00.000Z',
        updatedAt: '2026-12-04T10:00:00.000Z',
        resolvedAt: '2026-12-04T10:00:00.000Z',
      },
    ],
  });
  await store.outbox.markDead(DEAD_ID, `HTTP 400: Invalid group ${XSS} (sent as ${SECRET})`);
  await store.recordPass(pass(1));
  await store.recordPass(pass(2, { outcome: 'failed', error: `HTTP 401 from https://bot:${SECRET}@example.service-now.com: ${XSS}` }));
  const [quarantined] = await store.quarantineList({ status: 'open' });
  if (!quarantined) throw new Error('no quarantined record');
  return { store, quarantineId: quarantined.id };
}

function viewOf(store: StateStore, overrides: Partial<ConsoleView> = {}): ConsoleView {
  const source: ConsoleSource = {
    id: SOURCE,
    platform: 'servicenow',
    baseUrl: 'https://example.service-now.com',
    mode: 'live',
    schedule: '*/2 * * * *',
    activity: 'idle',
    lastOutcome: 'failed',
    transport: { requests: 4321, requestsLastMinute: 12, budgetPerMinute: 60, circuit: 'closed', circuitRetryAt: undefined },
  };
  const file: ConsoleStateFile = { mode: 'live', path: '/var/lib/deskbridge/state.db', store };
  return {
    startedAt: new Date(NOW.getTime() - 3 * 3_600_000),
    now: () => NOW,
    sources: () => [source],
    stateFiles: () => [file],
    stateOf: (id) => (id === SOURCE ? file : undefined),
    rules: () => ({
      rulesPath: '/etc/deskbridge/rules',
      mappingsPath: '/etc/deskbridge/mappings',
      loadedAt: NOW.toISOString(),
      hash: 'abc123',
      rules: [],
      lastRejected: undefined,
      rejectedStillOnDisk: false,
      rejectedCount: 0,
    }),
    explain: async (_sourceId, ticket) => ({ ok: true, explanation: { ticket: makeTicket({ id: ticket, title: `Printer ${XSS}` }), rules: [] }, lines: [`ticket ${ticket}`] }),
    audit: { dirs: [], problem: () => undefined },
    redact: (text) => text.replaceAll(SECRET, '[redacted]'),
    ...overrides,
  };
}

const apps: FastifyInstance[] = [];
const stores: StateStore[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const store of stores.splice(0)) await store.close();
});

async function fixture(config: Record<string, unknown> = { port: 0, auth: { token: TOKEN } }, view: Partial<ConsoleView> = {}): Promise<Fixture> {
  const { store, quarantineId } = await seededStore();
  const { logger, lines } = captureLogger([TOKEN, SECRET]);
  const app = await buildConsole({ config: ConsoleConfig.parse(config), view: viewOf(store, view), logger, nowMs: () => NOW.getTime() });
  apps.push(app);
  stores.push(store);
  return { app, store, lines, quarantineId };
}

async function statusOf(store: StateStore, id: string): Promise<string | undefined> {
  return (await store.outbox.find(id, 1))[0]?.status;
}

function cookie(response: LightMyRequestResponse, name: string): string {
  const found = response.cookies.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(response.headers['set-cookie'])}`);
  return found.value;
}

/** The CSRF token of the first form of a page. */
function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match?.[1]) throw new Error('no _csrf field on the page');
  return match[1];
}

/** Signs in through the login form; returns the session cookie. */
async function signIn(app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN)}` });
  expect(response.statusCode).toBe(303);
  return cookie(response, 'deskbridge_session');
}

/** A signed-in browser's page view: the `Cookie` header to send back (session and CSRF secret) and the page's CSRF token. */
async function browserForm(app: FastifyInstance, session: string): Promise<{ cookies: string; csrf: string }> {
  const page = await app.inject({ method: 'GET', url: '/outbox?status=dead', cookies: { deskbridge_session: session } });
  expect(page.statusCode).toBe(200);
  return { cookies: `deskbridge_session=${session}; deskbridge_csrf=${cookie(page, 'deskbridge_csrf')}`, csrf: csrfOf(page.body) };
}

/** The rows of a page's table with this class. */
function tableRows(page: string, cls: string): string[] {
  const table = new RegExp(`<table class="${cls}">([\\s\\S]*?)</table>`).exec(page)?.[1] ?? '';
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return body.split('<tr>').slice(1);
}

const words = (text: string): string => text.replace(/\s+/g, ' ');

describeEachStore('the console overview', (kit) => {
  seedFrom(kit);

  it('says, on a state several daemons share, whether another daemon works the source or this one holds it', async () => {
    for (const [sharing, shown] of [
      ['elsewhere', '<span class="muted">worked by another daemon</span>'],
      ['here', 'idle (this daemon holds it)'],
    ] as const) {
      const { app, store } = await fixture();
      const base = viewOf(store).sources()[0];
      if (!base) throw new Error('no source in the view');
      const shared = await buildConsole({
        config: ConsoleConfig.parse({ port: 0, auth: { token: TOKEN } }),
        view: viewOf(store, { sources: () => [{ ...base, sharing }] }),
        logger: captureLogger([]).logger,
        nowMs: () => NOW.getTime(),
      });
      apps.push(shared);
      expect(app).toBeDefined();
      expect(words((await shared.inject({ method: 'GET', url: '/' })).body)).toContain(shown);
    }
  });

  it('shows the source with its outbox and quarantine figures and the recorded passes', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const page = words(response.body);
    expect(page).toContain('<strong>snow-prod</strong>');
    expect(page).toContain('servicenow · https://example.service-now.com');
    expect(page).toContain('5 min ago<br /><span class="muted">2026-12-04T11:55:00.000Z</span>');
    expect(page).toContain('<span class="bad">failed</span> 8 min ago');
    expect(page).toContain('12 / 60 (20%)');
    expect(page).toContain('4321 since start');
    expect(page).toContain('<a href="/outbox?status=pending&source=snow-prod">1</a>');
    expect(page).toContain('<a class="bad" href="/outbox?status=dead&source=snow-prod">1</a>');
    expect(page).toContain('<a class="warn" href="/quarantine?source=snow-prod">1</a>');
    expect(page).toContain('<span class="bad">1 of last 2</span>');
    const passes = tableRows(response.body, 'passes');
    expect(passes).toHaveLength(2);
    // Newest first: the failed pass, then the ok one.
    expect(passes[0]).toContain('<span class="bad">failed</span>');
    expect(passes[0]).toContain(NOW.toISOString().slice(0, 11));
    expect(passes[1]).toContain('<span class="ok">ok</span>');
  });

  it('sends the security headers: no scripts, no framing, no caching', async () => {
    const { app } = await fixture();
    for (const url of ['/', '/outbox', '/quarantine', '/login', '/no-such-page']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.headers['content-security-policy'], url).toMatch(/^default-src 'none';/);
      expect(response.headers['content-security-policy'], url).toContain("frame-ancestors 'none'");
      expect(response.headers['x-frame-options'], url).toBe('DENY');
      expect(response.headers['cache-control'], url).toBe('no-store');
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.body, url).not.toMatch(/<script/i);
    }
  });

  it('sends the security headers on a refusal too', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer wrong' } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describeEachStore('retrying from the console with an Authorization header', (kit) => {
  seedFrom(kit);

  it('refuses an outbox retry without credentials (401) and leaves the write dead', async () => {
    const { app, store } = await fixture();
    const response = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: FORM, payload: 'mode=live' });
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Retrying needs a sign-in');
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
  });

  it('puts a dead write back in the queue with Bearer <token> (303 to the pending list) and logs who did it', async () => {
    const { app, store, lines } = await fixture();
    const response = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/outbox?status=pending&source=snow-prod&retried=1');
    expect(await statusOf(store, DEAD_ID)).toBe('pending');
    expect((await store.outbox.list({ status: 'dead' })).map((e) => e.id)).toEqual([]);
    expect((await store.outbox.list({ status: 'pending' })).map((e) => e.id).sort()).toEqual([DEAD_ID, PENDING_ID].sort());
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['message'] === 'Outbox write retried from the console');
    expect(logged).toMatchObject({ id: DEAD_ID, by: 'token', retried: 1 });
  });

  it('finds the write by the 12-character prefix the pages show', async () => {
    const { app, store } = await fixture();
    const response = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID.slice(0, 12)}/retry`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(303);
    expect(await statusOf(store, DEAD_ID)).toBe('pending');
  });

  it('answers 404 for a write that does not exist', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'POST', url: '/outbox/ffffffffffff/retry', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(404);
  });

  it('refuses a wrong Bearer token (401) and leaves the write dead, without logging the token sent', async () => {
    const { app, store, lines } = await fixture();
    const response = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { authorization: 'Bearer not-the-console-token' } });
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('the Authorization header was not accepted');
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
    expect(lines.join('\n')).toContain('Console request with wrong credentials refused');
    expect(lines.join('\n')).not.toContain('not-the-console-token');
  });

  it('marks a quarantined record for retry with Bearer <token>', async () => {
    const { app, store, quarantineId } = await fixture();
    const response = await app.inject({ method: 'POST', url: `/quarantine/${quarantineId}/retry`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/quarantine?status=retry&retried=1');
    expect((await store.quarantineList()).map((q) => [q.id, q.status])).toEqual([[quarantineId, 'retry']]);
  });

  it('refuses a quarantine retry with a wrong Bearer token (401) and leaves the record open', async () => {
    const { app, store, quarantineId } = await fixture();
    const response = await app.inject({ method: 'POST', url: `/quarantine/${quarantineId}/retry`, headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(response.statusCode).toBe(401);
    expect((await store.quarantineList()).map((q) => [q.id, q.status])).toEqual([[quarantineId, 'open']]);
  });

  it('accepts Basic user:password when console.auth has them, and refuses a wrong password', async () => {
    const { app, store } = await fixture({ port: 0, auth: { username: USER, password: PASSWORD } });
    const wrong = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { authorization: `Basic ${Buffer.from(`${USER}:nope-nope-nope`).toString('base64')}` } });
    expect(wrong.statusCode).toBe(401);
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
    const right = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
    expect(right.statusCode).toBe(303);
    expect(await statusOf(store, DEAD_ID)).toBe('pending');
  });

  it('refuses a POST with an Origin of another host (403) even with the right Bearer token', async () => {
    const { app, store } = await fixture();
    for (const origin of ['https://evil.example', 'http://localhost:8081', 'null']) {
      const response = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { authorization: `Bearer ${TOKEN}`, origin } });
      expect(response.statusCode, origin).toBe(403);
      expect(response.body, origin).toContain('a form from another site is not accepted');
    }
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
    // The console's own origin is fine.
    const own = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://localhost:80', host: 'localhost:80' } });
    expect(own.statusCode).toBe(303);
  });
});

describe('a console without console.auth', () => {
  it('refuses every retry with 403 and says to set console.auth', async () => {
    const { app, store, quarantineId } = await fixture({ port: 0 });
    for (const url of [`/outbox/${DEAD_ID}/retry`, `/quarantine/${quarantineId}/retry`, '/outbox/retry']) {
      const response = await app.inject({ method: 'POST', url, headers: FORM, payload: `mode=live&source=${SOURCE}` });
      expect(response.statusCode, url).toBe(403);
      expect(words(response.body), url).toContain('This console has no credentials (console.auth in deskbridge.yaml), so it changes nothing');
      expect(words(response.body), url).toContain('or set console.auth');
    }
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
    expect((await store.quarantineList())[0]?.status).toBe('open');
  });

  it('shows pages read-only with no retry buttons, and rejects any Authorization header', async () => {
    const { app } = await fixture({ port: 0 });
    const outbox = await app.inject({ method: 'GET', url: '/outbox?status=dead' });
    expect(outbox.statusCode).toBe(200);
    expect(outbox.body).toContain('read-only (no console.auth)');
    expect(outbox.body).toContain('(needs console.auth)');
    expect(outbox.body).not.toContain('<button type="submit">Retry</button>');
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(401);
  });
});

describe('signing in with a browser session', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and goes on to the page asked for', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN)}&next=${encodeURIComponent('/outbox?status=dead')}` });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/outbox?status=dead');
    const session = response.cookies.find((c) => c.name === 'deskbridge_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(session?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const page = await app.inject({ method: 'GET', url: '/outbox?status=dead', cookies: { deskbridge_session: session?.value ?? '' } });
    expect(words(page.body)).toContain('signed in as token');
    expect(page.body).toContain('<button type="submit">Retry</button>');
  });

  it('goes to the overview instead of another site after signing in', async () => {
    const { app } = await fixture();
    for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
      const response = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN)}&next=${encodeURIComponent(next)}` });
      expect(response.headers.location, next).toBe('/');
    }
  });

  it('refuses a POST with the session cookie but without _csrf (403), and accepts it with the token from a page of the same session (303)', async () => {
    const { app, store } = await fixture();
    const session = await signIn(app);
    const bare = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: FORM, cookies: { deskbridge_session: session }, payload: 'mode=live' });
    expect(bare.statusCode).toBe(403);
    expect(bare.body).toContain('Form expired');
    expect(await statusOf(store, DEAD_ID)).toBe('dead');

    const form = await browserForm(app, session);
    const missing = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { ...FORM, cookie: form.cookies }, payload: 'mode=live' });
    expect(missing.statusCode).toBe(403);
    const forged = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { ...FORM, cookie: form.cookies }, payload: 'mode=live&_csrf=forged' });
    expect(forged.statusCode).toBe(403);
    expect(await statusOf(store, DEAD_ID)).toBe('dead');

    const ok = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: { ...FORM, cookie: form.cookies }, payload: `mode=live&_csrf=${encodeURIComponent(form.csrf)}` });
    expect(ok.statusCode).toBe(303);
    expect(await statusOf(store, DEAD_ID)).toBe('pending');
  });

  it('refuses a CSRF token taken from another session', async () => {
    const { app, store } = await fixture();
    const mine = await browserForm(app, await signIn(app));
    const other = await signIn(app);
    const csrfCookie = /deskbridge_csrf=[^;]+/.exec(mine.cookies)?.[0] ?? '';
    const response = await app.inject({
      method: 'POST',
      url: `/outbox/${DEAD_ID}/retry`,
      headers: { ...FORM, cookie: `deskbridge_session=${other}; ${csrfCookie}` },
      payload: `mode=live&_csrf=${encodeURIComponent(mine.csrf)}`,
    });
    expect(response.statusCode).toBe(403);
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
  });

  it('refuses a signed-in POST with a valid CSRF token but an Origin of another host', async () => {
    const { app, store } = await fixture();
    const form = await browserForm(app, await signIn(app));
    const response = await app.inject({
      method: 'POST',
      url: `/outbox/${DEAD_ID}/retry`,
      headers: { ...FORM, cookie: form.cookies, origin: 'https://evil.example' },
      payload: `mode=live&_csrf=${encodeURIComponent(form.csrf)}`,
    });
    expect(response.statusCode).toBe(403);
    expect(await statusOf(store, DEAD_ID)).toBe('dead');
  });

  it('ends the session on sign-out: the cookie no longer signs in', async () => {
    const { app } = await fixture();
    const session = await signIn(app);
    const form = await browserForm(app, session);
    const out = await app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie: form.cookies }, payload: `_csrf=${encodeURIComponent(form.csrf)}` });
    expect(out.statusCode).toBe(303);
    const after = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: FORM, cookies: { deskbridge_session: session }, payload: 'mode=live' });
    expect(after.statusCode).toBe(401);
  });

  it('sends a wrong token back to /login?failed=1, and answers the 11th sign-in within a minute with 429', async () => {
    const { app } = await fixture();
    for (let i = 1; i <= 10; i++) {
      const response = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: 'token=wrong-token-wrong-token&next=%2F' });
      expect(response.statusCode, `attempt ${i}`).toBe(303);
      expect(response.headers.location).toBe('/login?failed=1&next=%2F');
      expect(response.cookies.find((c) => c.name === 'deskbridge_session')).toBeUndefined();
    }
    const eleventh = await app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN)}` });
    expect(eleventh.statusCode).toBe(429);
    expect(eleventh.cookies.find((c) => c.name === 'deskbridge_session')).toBeUndefined();
    const failedPage = await app.inject({ method: 'GET', url: '/login?failed=1&next=%2F' });
    expect(failedPage.body).toContain('Those credentials were not accepted.');
  });
});

describe('guessing credentials and reaching the console by another name', () => {
  it('counts wrong Authorization headers like wrong sign-ins: the 11th guess in a minute is answered 429, even with the right token', async () => {
    const { app } = await fixture();
    for (let i = 1; i <= 10; i++) {
      const response = await app.inject({ method: 'GET', url: '/', headers: { authorization: `Basic ${Buffer.from(`admin:guess-${i}`).toString('base64')}` } });
      expect(response.statusCode, `guess ${i}`).toBe(401);
    }
    const eleventh = await app.inject({ method: 'GET', url: '/', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(eleventh.statusCode).toBe(429);
    expect(Number(eleventh.headers['retry-after'])).toBeGreaterThan(0);
    // Without credentials the pages still read (only guesses are held back).
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });

  it('answers 421 to a request naming another host on a loopback console (a re-pointed domain cannot read it)', async () => {
    const { app } = await fixture();
    const rebound = await app.inject({ method: 'GET', url: '/', headers: { host: 'attacker.example:8480' } });
    expect(rebound.statusCode).toBe(421);
    expect(rebound.body).not.toContain('snow-prod');
    for (const host of ['127.0.0.1:8480', 'localhost:8480', '[::1]:8480']) expect((await app.inject({ method: 'GET', url: '/', headers: { host } })).statusCode, host).toBe(200);
  });

  it('behind a proxy: takes the public host from X-Forwarded-Host, asks every visitor to sign in, and marks the session cookie Secure over https', async () => {
    const { app } = await fixture({ port: 0, auth: { token: TOKEN }, behindProxy: true });
    const forwarded = { host: '127.0.0.1:8480', 'x-forwarded-host': 'desk.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };
    const page = await app.inject({ method: 'GET', url: '/', headers: forwarded });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2F');
    const signIn = await app.inject({ method: 'POST', url: '/login', headers: { ...forwarded, ...FORM, origin: 'https://desk.example.com' }, payload: `token=${encodeURIComponent(TOKEN)}&next=%2F` });
    expect(signIn.statusCode).toBe(303);
    const cookie = signIn.cookies.find((c) => c.name === 'deskbridge_session');
    expect(cookie?.secure).toBe(true);
    const crossSite = await app.inject({ method: 'POST', url: '/login', headers: { ...forwarded, ...FORM, origin: 'https://evil.example' }, payload: `token=${encodeURIComponent(TOKEN)}` });
    expect(crossSite.statusCode).toBe(403);
  });
});

describeEachStore('the help-desk report page', (kit) => {
  seedFrom(kit);

  it('refuses a period longer than a page computes, and says how to narrow it', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'GET', url: '/reports/helpdesk?from=0001-01-01&to=9999-12-31' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('One page reports at most three years by week: narrow from and to, or report by month');
    const month = await app.inject({ method: 'GET', url: '/reports/helpdesk?by=month' });
    expect(month.statusCode).toBe(200);
    expect(month.body).toContain('2 versions of 1 tickets');
  });
});

describe('readAccess: signed-in', () => {
  it('sends an anonymous page view to /login with the page to come back to, and serves it with a Bearer header', async () => {
    const { app } = await fixture({ port: 0, auth: { token: TOKEN }, readAccess: 'signed-in' });
    const anonymous = await app.inject({ method: 'GET', url: '/' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/login?next=%2F');
    const deep = await app.inject({ method: 'GET', url: '/outbox?status=dead' });
    expect(deep.headers.location).toBe(`/login?next=${encodeURIComponent('/outbox?status=dead')}`);
    expect((await app.inject({ method: 'GET', url: '/login?next=%2F' })).statusCode).toBe(200);
    const bearer = await app.inject({ method: 'GET', url: '/', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.statusCode).toBe(200);
    expect(bearer.body).toContain('<strong>snow-prod</strong>');
  });

  it('serves pages to a signed-in session, and answers an anonymous POST with 401', async () => {
    const { app } = await fixture({ port: 0, auth: { token: TOKEN }, readAccess: 'signed-in' });
    const session = await signIn(app);
    expect((await app.inject({ method: 'GET', url: '/quarantine', cookies: { deskbridge_session: session } })).statusCode).toBe(200);
    const post = await app.inject({ method: 'POST', url: `/outbox/${DEAD_ID}/retry`, headers: FORM, payload: 'mode=live' });
    expect(post.statusCode).toBe(401);
    expect(post.body).toContain('sign in first');
  });

  it('is the default on a non-loopback host', async () => {
    const { app } = await fixture({ port: 0, host: '0.0.0.0', auth: { token: TOKEN } });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(303);
  });
});

describeEachStore('text from tickets, platforms and errors on the pages', (kit) => {
  seedFrom(kit);

  it('shows a ticket title with a script tag escaped, never as markup', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'GET', url: '/tickets/snow-prod/INC0010001' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`<h1>INCINC0010001 · Printer ${XSS_ESCAPED}</h1>`);
    expect(response.body).toContain(`<title>INCINC0010001 · Printer ${XSS_ESCAPED} · deskbridge</title>`);
    expect(response.body).not.toContain(XSS);
  });

  it('shows a quarantined record’s error and raw record escaped and redacted', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'GET', url: '/quarantine' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(`mapping failed on ${XSS_ESCAPED} (auth [redacted])`);
    expect(response.body).toContain(`&quot;short_description&quot;: &quot;${XSS_ESCAPED}&quot;`);
    expect(response.body).not.toContain(XSS);
    expect(response.body).not.toContain(SECRET);
  });

  it('shows a pass error escaped and redacted, in the errors column and the pass log', async () => {
    const { app } = await fixture();
    const response = await app.inject({ method: 'GET', url: '/' });
    const shown = `HTTP 401 from https://bot:[redacted]@example.service-now.com: ${XSS_ESCAPED}`;
    expect(response.body.split(shown)).toHaveLength(3);
    expect(tableRows(response.body, 'passes')[0]).toContain(shown);
    expect(response.body).not.toContain(XSS);
    expect(response.body).not.toContain(SECRET);
  });

  it('shows a write’s error escaped and redacted, and a work note body escaped, in the outbox list and the write’s page', async () => {
    const { app } = await fixture();
    for (const url of ['/outbox', `/outbox/${DEAD_ID}`]) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain(`HTTP 400: Invalid group ${XSS_ESCAPED} (sent as [redacted])`);
      expect(response.body).not.toContain(XSS);
      expect(response.body).not.toContain(SECRET);
    }
    expect((await app.inject({ method: 'GET', url: '/outbox' })).body).toContain(`work note: Routed: ${XSS_ESCAPED}`);
  });

  it('shows an audit problem redacted on the overview', async () => {
    const { app } = await fixture(undefined, { audit: { dirs: [], problem: () => `cannot write /var/audit (token ${SECRET}) ${XSS}` } });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.body).toContain(`<p class="notice bad">cannot write /var/audit (token [redacted]) ${XSS_ESCAPED}</p>`);
    expect(response.body).not.toContain(SECRET);
  });

  it('never puts the console token into a page, signed in or not', async () => {
    const { app } = await fixture();
    const session = await signIn(app);
    for (const url of ['/', '/outbox', `/outbox/${DEAD_ID}`, '/quarantine', '/login', '/tickets/snow-prod/INC0010001', '/nope']) {
      for (const cookies of [{}, { deskbridge_session: session }] as Record<string, string>[]) {
        const response = await app.inject({ method: 'GET', url, cookies });
        expect(response.body, url).not.toContain(TOKEN);
      }
    }
  });
});
