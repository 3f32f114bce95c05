import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedFixtures } from '../../../src/sandbox/jira/fixtures.js';
import { type HadoopBugReport, readHadoopBugs, seedHadoop } from '../../../src/sandbox/jira/seed-hadoop.js';
import { type JiraSandbox, type JiraSandboxOptions, startJiraSandbox } from '../../../src/sandbox/jira/server.js';
import { JiraStore } from '../../../src/sandbox/jira/store.js';
import { missingData } from '../../helpers/data.js';

const START = new Date('2024-05-01T10:00:00Z');
const INTEGRATION_ACCOUNT = '557058:deskbridge';
const TOM_ACCOUNT = '712020:2c9a3e1b-0d4f-4a6b-9c8e-1f2a3b4c5d6e';
const NETWORK_TEAM = '36885b3c-1bf0-4f85-a357-c5b858c31de4';

function basic(login: string, secret: string): string {
  return `Basic ${Buffer.from(`${login}:${secret}`).toString('base64')}`;
}

const CLOUD_AUTH = basic('deskbridge@example.com', 'deskbridge');
const DC_AUTH = basic('deskbridge', 'deskbridge');

interface Clock {
  now: () => Date;
  advance(ms: number): void;
}

function fakeClock(): Clock {
  let t = START.getTime();
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
  };
}

function adf(text: string): unknown {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
  body: any;
}

async function api(sandbox: JiraSandbox, path: string, init: { method?: string; body?: unknown; auth?: string | null } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = init.auth === undefined ? (sandbox.flavour === 'cloud' ? CLOUD_AUTH : DC_AUTH) : init.auth;
  if (auth !== null) headers['Authorization'] = auth;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${sandbox.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

function searchJql(sandbox: JiraSandbox, body: Record<string, unknown>, auth?: string): Promise<ApiResponse> {
  return api(sandbox, '/rest/api/3/search/jql', { method: 'POST', body, ...(auth ? { auth } : {}) });
}

async function keysFor(sandbox: JiraSandbox, jql: string, auth?: string): Promise<string[]> {
  const response = await searchJql(sandbox, { jql, fields: ['key'], maxResults: 5000 }, auth);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.issues.map((issue: { key: string }) => issue.key);
}

async function withSandbox(options: Partial<JiraSandboxOptions> & { flavour: JiraSandboxOptions['flavour'] }, clock: Clock): Promise<JiraSandbox> {
  return startJiraSandbox({ now: clock.now, ...options });
}

describe('Jira sandbox (Cloud): authentication and retired endpoints', () => {
  let sandbox: JiraSandbox;
  let clock: Clock;

  beforeEach(async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    seedFixtures(store);
    sandbox = await withSandbox({ flavour: 'cloud', store, bearerTokens: [{ token: 'oauth-access', user: 'deskbridge' }] }, clock);
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('answers 401 with errorMessages for missing credentials, a wrong API token, or a username instead of the email', async () => {
    const missing = await api(sandbox, '/rest/api/3/myself', { auth: null });
    const wrongToken = await api(sandbox, '/rest/api/3/myself', { auth: basic('deskbridge@example.com', 'nope') });
    const username = await api(sandbox, '/rest/api/3/myself', { auth: basic('deskbridge', 'deskbridge') });

    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ errorMessages: [expect.any(String)], errors: {} });
    expect(wrongToken.status).toBe(401);
    expect(username.status).toBe(401);
  });

  it('accepts email + API token and OAuth bearer tokens, and /myself returns accountId, email and time zone', async () => {
    const viaBasic = await api(sandbox, '/rest/api/3/myself');
    const viaBearer = await api(sandbox, '/rest/api/3/myself', { auth: 'Bearer oauth-access' });

    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body).toMatchObject({
      accountId: INTEGRATION_ACCOUNT,
      displayName: 'deskbridge bot',
      emailAddress: 'deskbridge@example.com',
      timeZone: 'UTC',
      accountType: 'atlassian',
    });
    expect(viaBasic.body).not.toHaveProperty('name');
    expect(viaBasic.headers.get('x-aaccountid')).toBe(INTEGRATION_ACCOUNT);
    expect(viaBearer.body.accountId).toBe(INTEGRATION_ACCOUNT);
  });

  it.each([
    ['GET', '/rest/api/3/search?jql=project%3DITSM'],
    ['POST', '/rest/api/3/search'],
    ['GET', '/rest/api/2/search?jql=project%3DITSM'],
  ])('answers 410 Gone on %s %s with the migration message', async (method, path) => {
    const response = await api(sandbox, path, { method, ...(method === 'POST' ? { body: { jql: 'project = ITSM' } } : {}) });

    expect(response.status).toBe(410);
    expect(response.body.errorMessages[0]).toMatch(/^The requested API has been removed\. Please migrate to the \/rest\/api\/3\/search\/jql API/);
  });

  it('finds users by display name with /user/search?query= and rejects username lookups (GDPR strict mode)', async () => {
    const found = await api(sandbox, '/rest/api/3/user/search?query=tom');
    const byUsername = await api(sandbox, '/rest/api/3/user/search?username=tbecker');

    expect(found.status).toBe(200);
    expect(found.body).toEqual([expect.objectContaining({ accountId: TOM_ACCOUNT, displayName: 'Tom Becker' })]);
    expect(byUsername.status).toBe(400);
  });

  it('lists fields including the Team custom field and the issue link types', async () => {
    const fields = await api(sandbox, '/rest/api/3/field');
    const linkTypes = await api(sandbox, '/rest/api/3/issueLinkType');

    expect(fields.body).toContainEqual(
      expect.objectContaining({ id: 'customfield_10001', name: 'Team', custom: true, schema: expect.objectContaining({ custom: 'com.atlassian.teams:rm-teams-custom-field-team' }) }),
    );
    expect(linkTypes.body.issueLinkTypes).toContainEqual(expect.objectContaining({ name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' }));
  });
});

describe('Jira sandbox (Cloud): enhanced search', () => {
  let sandbox: JiraSandbox;
  let clock: Clock;

  afterEach(async () => {
    await sandbox.close();
  });

  it('pages 250 issues with an opaque nextPageToken, in ORDER BY updated ASC, id ASC, ending with isLast and no token', async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    for (let i = 0; i < 250; i++) {
      // Pairs share an `updated` so the id tie-breaker matters.
      const at = START.getTime() - 3_600_000 + Math.floor(i / 2) * 1000;
      store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Incident ${i}`, created: at, updated: at });
    }
    sandbox = await withSandbox({ flavour: 'cloud', store }, clock);
    const jql = 'project = ITSM ORDER BY updated ASC, id ASC';

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
    const pages: any[] = [];
    let token: string | undefined;
    do {
      const page = await searchJql(sandbox, { jql, fields: ['summary', 'updated'], maxResults: 100, ...(token ? { nextPageToken: token } : {}) });
      expect(page.status).toBe(200);
      pages.push(page.body);
      token = page.body.nextPageToken;
    } while (token);

    expect(pages.map((p) => p.issues.length)).toEqual([100, 100, 50]);
    expect(pages.map((p) => p.isLast)).toEqual([false, false, true]);
    expect(pages[2]).not.toHaveProperty('nextPageToken');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
    const summaries = pages.flatMap((p) => p.issues.map((issue: any) => issue.fields.summary));
    expect(summaries).toEqual(Array.from({ length: 250 }, (_, i) => `Incident ${i}`));
    expect(pages[0].issues[0].fields.updated).toBe('2024-05-01T09:00:00.000+0000');
  });

  it('returns only issue ids when no fields are requested, and caps pages with fields at 100', async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    for (let i = 0; i < 150; i++) store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Incident ${i}` });
    sandbox = await withSandbox({ flavour: 'cloud', store }, clock);

    const idsOnly = await searchJql(sandbox, { jql: 'project = ITSM ORDER BY id ASC', maxResults: 500 });
    const withFields = await searchJql(sandbox, { jql: 'project = ITSM ORDER BY id ASC', maxResults: 500, fields: ['summary'] });

    expect(idsOnly.body.issues).toHaveLength(150);
    expect(idsOnly.body.issues[0]).toEqual({ id: expect.any(String) });
    expect(withFields.body.issues).toHaveLength(100);
    expect(withFields.body.nextPageToken).toEqual(expect.any(String));
  });

  describe('JQL over the fixtures', () => {
    beforeEach(async () => {
      clock = fakeClock();
      const store = new JiraStore({ flavour: 'cloud', now: clock.now });
      seedFixtures(store);
      sandbox = await withSandbox({ flavour: 'cloud', store }, clock);
    });

    it.each([
      ['project = ITSM', 10],
      ['project in (ITSM, PRB)', 10],
      ['project = ITSM AND assignee is EMPTY', 7],
      [`assignee = ${TOM_ACCOUNT}`, 1],
      ['assignee = currentUser()', 0],
      ['assignee is not EMPTY AND project = ITSM', 3],
      ['issuetype = "Incident"', 10],
      ['issuetype in (Incident, Problem)', 10],
      ['status = Open', 7],
      ['status != Open', 3],
      ['statusCategory = Done', 1],
      ['statusCategory in ("To Do", "In Progress")', 9],
      ['resolution = Unresolved', 9],
      ['component = Network', 3],
      ['component = Network AND component = Software', 1],
      ['(component = Network OR component = Email) AND assignee is EMPTY', 3],
      ['priority = High', 3],
      ['summary ~ vpn', 2],
      ['text ~ "RDP session"', 1],
      [`"Team[Team]" = ${NETWORK_TEAM}`, 1],
      ['cf[10001] is EMPTY AND project = ITSM', 4],
      ['labels = vpn', 2],
      ['key > ITSM-8', 2],
      ['key in (ITSM-1, ITSM-2)', 2],
      ['created >= "2024-05-01 09:00" AND project = ITSM', 6],
      ['updated < -2h AND project = ITSM', 3],
      ['NOT component = Hardware AND project = ITSM', 7],
    ])('filters with JQL %j', async (jql, expected) => {
      expect(await keysFor(sandbox, jql)).toHaveLength(expected);
    });

    it('orders by key, created and DESC terms', async () => {
      const byKeyDesc = await keysFor(sandbox, 'project = ITSM ORDER BY key DESC');
      const byCreated = await keysFor(sandbox, 'project = ITSM ORDER BY created ASC');

      expect(byKeyDesc.slice(0, 3)).toEqual(['ITSM-10', 'ITSM-9', 'ITSM-8']);
      expect(byCreated[0]).toBe('ITSM-9'); // created 600 minutes ago
      expect(byCreated.at(-1)).toBe('ITSM-10');
    });

    it.each([
      ['unknown field', 'flavour = sweet', /Field 'flavour' does not exist/],
      ['unknown project', 'project = NOPE', /The value 'NOPE' does not exist for the field 'project'/],
      ['bad date', 'updated >= "yesterday"', /Date value 'yesterday' for field 'updated' is invalid/],
      ['syntax error', 'project = ITSM AND', /Error in the JQL Query/],
      ['unsupported operator', 'status > Open', /The operator '>' is not supported by the 'status' field/],
      ['username on Cloud', 'assignee = tbecker', /The value 'tbecker' does not exist for the field 'assignee'/],
      ['unbounded query', 'ORDER BY updated ASC', /Unbounded JQL queries are not allowed/],
    ])('answers 400 with errorMessages for %s', async (_case, jql, message) => {
      const response = await searchJql(sandbox, { jql, fields: ['key'] });

      expect(response.status).toBe(400);
      expect(response.body.errorMessages[0]).toMatch(message);
      expect(response.body.errors).toEqual({});
    });

    it('rejects a nextPageToken that belongs to a different query', async () => {
      const first = await searchJql(sandbox, { jql: 'project = ITSM ORDER BY id ASC', maxResults: 2, fields: ['key'] });
      const reused = await searchJql(sandbox, { jql: 'project = PRB ORDER BY id ASC', nextPageToken: first.body.nextPageToken, fields: ['key'] });

      expect(reused.status).toBe(400);
    });

    it('also serves GET /search/jql with query parameters', async () => {
      const response = await api(sandbox, `/rest/api/3/search/jql?jql=${encodeURIComponent('labels = vpn ORDER BY key ASC')}&fields=key,summary`);

      expect(response.status).toBe(200);
      expect(response.body.issues.map((i: { key: string }) => i.key)).toEqual(['ITSM-1', 'ITSM-2']);
    });
  });

  it("reads JQL date-times in the searching user's time zone, to the minute", async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    const at = Date.parse('2024-05-01T10:00:30Z'); // 12:00:30 in Berlin (CEST)
    const issue = store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: 'Zone test', created: at, updated: at });
    sandbox = await withSandbox({ flavour: 'cloud', store }, clock);
    const berlin = basic('tom.becker@example.com', 'tom');

    const berlinNoon = await keysFor(sandbox, 'project = ITSM AND updated >= "2024-05-01 12:00"', berlin);
    const berlinAfter = await keysFor(sandbox, 'project = ITSM AND updated >= "2024-05-01 12:01"', berlin);
    const berlinSlashes = await keysFor(sandbox, 'project = ITSM AND updated > "2024/05/01 12:00"', berlin);
    const utcTen = await keysFor(sandbox, 'project = ITSM AND updated >= "2024-05-01 10:00"');
    const utcNoon = await keysFor(sandbox, 'project = ITSM AND updated >= "2024-05-01 12:00"');
    const utcUpper = await keysFor(sandbox, 'project = ITSM AND updated < "2024-05-01 10:01"');

    expect(berlinNoon).toEqual([issue.key]);
    expect(berlinAfter).toEqual([]);
    expect(berlinSlashes).toEqual([issue.key]);
    expect(utcTen).toEqual([issue.key]);
    expect(utcNoon).toEqual([]);
    expect(utcUpper).toEqual([issue.key]);
  });

  it('hides a just-written issue from search until the index lag passes, unless reconcileIssues lists it', async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    seedFixtures(store);
    sandbox = await withSandbox({ flavour: 'cloud', store, searchLagMs: 5000 }, clock);
    const jql = 'project = PRB ORDER BY updated ASC';

    const created = await api(sandbox, '/rest/api/3/issue', {
      method: 'POST',
      body: { fields: { project: { key: 'PRB' }, issuetype: { name: 'Problem' }, summary: 'Recurring VPN drops' } },
    });
    const id = created.body.id as string;
    clock.advance(1000);
    const lagging = await searchJql(sandbox, { jql, fields: ['key'] });
    const reconciled = await searchJql(sandbox, { jql, fields: ['key'], reconcileIssues: [Number(id)] });
    const direct = await api(sandbox, `/rest/api/3/issue/${id}`);
    clock.advance(4000);
    const caughtUp = await searchJql(sandbox, { jql, fields: ['key'] });

    expect(created.status).toBe(201);
    expect(lagging.body.issues).toEqual([]);
    expect(reconciled.body.issues.map((i: { id: string }) => i.id)).toEqual([id]);
    expect(direct.status).toBe(200);
    expect(caughtUp.body.issues.map((i: { key: string }) => i.key)).toEqual(['PRB-1']);
  });

  it('keeps serving the old version of an updated issue to search while the index lags', async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    seedFixtures(store);
    sandbox = await withSandbox({ flavour: 'cloud', store, searchLagMs: 2000 }, clock);

    await api(sandbox, '/rest/api/3/issue/ITSM-2', { method: 'PUT', body: { fields: { summary: 'VPN drops (home office)' } } });
    const stale = await searchJql(sandbox, { jql: 'key = ITSM-2', fields: ['summary', 'updated'] });
    const staleByNewValue = await searchJql(sandbox, { jql: 'summary ~ "home office"', fields: ['summary'] });
    clock.advance(2000);
    const fresh = await searchJql(sandbox, { jql: 'key = ITSM-2', fields: ['summary', 'updated'] });

    expect(stale.body.issues[0].fields.summary).toBe('VPN keeps disconnecting when working from home');
    expect(staleByNewValue.body.issues).toEqual([]);
    expect(fresh.body.issues[0].fields).toEqual({ summary: 'VPN drops (home office)', updated: '2024-05-01T10:00:00.000+0000' });
  });
});

describe('Jira sandbox (Cloud): writes', () => {
  let sandbox: JiraSandbox;
  let clock: Clock;

  beforeEach(async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });
    seedFixtures(store);
    sandbox = await withSandbox({ flavour: 'cloud', store }, clock);
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('rejects a v3 comment whose body is a plain string with 400', async () => {
    const response = await api(sandbox, '/rest/api/3/issue/ITSM-2/comment', { method: 'POST', body: { body: 'plain text' } });

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errorMessages: [], errors: { comment: 'Comment body is not valid!' } });
    expect(sandbox.store.comments('ITSM-2')).toHaveLength(0);
  });

  it('adds an ADF comment on v3 (jsdPublic true) that v2 renders as text', async () => {
    clock.advance(1500);
    const created = await api(sandbox, '/rest/api/3/issue/ITSM-2/comment', { method: 'POST', body: { body: adf('Routed to Network Operations.') } });
    const asV2 = await api(sandbox, '/rest/api/2/issue/ITSM-2/comment');

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      body: adf('Routed to Network Operations.'),
      author: { accountId: INTEGRATION_ACCOUNT },
      jsdPublic: true,
      created: '2024-05-01T10:00:01.500+0000',
    });
    expect(asV2.body.total).toBe(1);
    expect(asV2.body.comments[0].body).toBe('Routed to Network Operations.');
  });

  it('adds internal comments through the servicedesk API, visible as jsdPublic false and public false', async () => {
    const internal = await api(sandbox, '/rest/servicedeskapi/request/ITSM-3/comment', {
      method: 'POST',
      body: { body: 'Checked the mailbox server, no alerts.', public: false },
    });
    const reply = await api(sandbox, '/rest/servicedeskapi/request/ITSM-3/comment', {
      method: 'POST',
      body: { body: 'We are looking into it.', public: true },
    });
    const platform = await api(sandbox, '/rest/api/3/issue/ITSM-3/comment');
    const publicOnly = await api(sandbox, '/rest/servicedeskapi/request/ITSM-3/comment?internal=false');
    const notServiceDesk = await api(sandbox, '/rest/servicedeskapi/request/ITSM-999/comment', { method: 'POST', body: { body: 'x', public: true } });

    expect(internal.status).toBe(201);
    expect(internal.body).toMatchObject({ body: 'Checked the mailbox server, no alerts.', public: false, created: { epochMillis: START.getTime() } });
    expect(reply.body.public).toBe(true);
    expect(platform.body.comments.map((c: { jsdPublic: boolean }) => c.jsdPublic)).toEqual([false, true]);
    expect(publicOnly.body.values.map((c: { body: string }) => c.body)).toEqual(['We are looking into it.']);
    expect(notServiceDesk.status).toBe(404);
    expect(notServiceDesk.body).toHaveProperty('errorMessage');
  });

  it('marks a platform comment internal with the sd.public.comment property', async () => {
    const response = await api(sandbox, '/rest/api/3/issue/ITSM-3/comment', {
      method: 'POST',
      body: { body: adf('Agent-only note'), properties: [{ key: 'sd.public.comment', value: { internal: true } }] },
    });

    expect(response.status).toBe(201);
    expect(response.body.jsdPublic).toBe(false);
    expect(sandbox.store.comments('ITSM-3')[0]?.public).toBe(false);
  });

  it('takes fields and update.comment in one edit: one history, one comment, internal when its sd.public.comment property says so', async () => {
    const edit = await api(sandbox, '/rest/api/3/issue/ITSM-3', {
      method: 'PUT',
      body: {
        fields: { assignee: { accountId: TOM_ACCOUNT } },
        update: { comment: [{ add: { body: adf('Routed to Tom.'), properties: [{ key: 'sd.public.comment', value: { internal: true } }] } }, { add: { body: adf('We are on it.') } }] },
      },
    });
    const issue = await api(sandbox, '/rest/api/3/issue/ITSM-3?expand=changelog&fields=assignee,comment');

    expect(edit.status).toBe(204);
    expect(issue.body.fields.assignee.accountId).toBe(TOM_ACCOUNT);
    expect(issue.body.fields.comment.comments.map((c: { jsdPublic: boolean }) => c.jsdPublic)).toEqual([false, true]);
    expect(issue.body.changelog.histories).toHaveLength(1);
  });

  it('finds issues by id in (…) with their comment page, reconcileIssues listed or not', async () => {
    const [first, second] = sandbox.store.list();
    const body = { jql: `id in (${first?.id ?? ''}, ${second?.id ?? ''})`, fields: ['updated', 'comment'], expand: 'changelog', maxResults: 50 };

    const found = await searchJql(sandbox, { ...body, reconcileIssues: [Number(first?.id)] });

    expect(found.status).toBe(200);
    expect(found.body.issues.map((i: { id: string }) => i.id).sort()).toEqual([first?.id, second?.id].sort());
    expect(found.body.issues[0].fields.comment).toMatchObject({ total: expect.any(Number) as unknown, comments: expect.any(Array) as unknown });
  });

  it('assigns by accountId, and rejects a username (GDPR strict mode) or an unknown accountId with 400', async () => {
    const byAccount = await api(sandbox, '/rest/api/3/issue/ITSM-2', { method: 'PUT', body: { fields: { assignee: { accountId: TOM_ACCOUNT } } } });
    const byName = await api(sandbox, '/rest/api/3/issue/ITSM-5', { method: 'PUT', body: { fields: { assignee: { name: 'tbecker' } } } });
    const unknown = await api(sandbox, '/rest/api/3/issue/ITSM-5', { method: 'PUT', body: { fields: { assignee: { accountId: '557058:nobody' } } } });
    const viaEndpoint = await api(sandbox, '/rest/api/3/issue/ITSM-6/assignee', { method: 'PUT', body: { accountId: TOM_ACCOUNT } });
    const issue = await api(sandbox, '/rest/api/3/issue/ITSM-2?fields=assignee');

    expect(byAccount.status).toBe(204);
    expect(issue.body.fields.assignee).toMatchObject({ accountId: TOM_ACCOUNT, displayName: 'Tom Becker' });
    expect(byName.status).toBe(400);
    expect(byName.body.errors.assignee).toMatch(/GDPR strict mode/);
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toHaveProperty('assignee');
    expect(viaEndpoint.status).toBe(204);
    expect(sandbox.store.get('ITSM-5')?.assignee).toBeNull();
  });

  it('rejects a plain-string description on v3 and an unknown field', async () => {
    const response = await api(sandbox, '/rest/api/3/issue/ITSM-2', {
      method: 'PUT',
      body: { fields: { description: 'plain', customfield_99999: 'x' } },
    });

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual({
      description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
      customfield_99999: "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.",
    });
  });

  it('records a changelog history per field update (author, items) and none for a comment, while both bump updated', async () => {
    clock.advance(1234);
    await api(sandbox, '/rest/api/3/issue/ITSM-2', {
      method: 'PUT',
      body: { fields: { priority: { name: 'High' }, assignee: { accountId: TOM_ACCOUNT }, customfield_10001: NETWORK_TEAM } },
    });
    const afterUpdate = await api(sandbox, '/rest/api/3/issue/ITSM-2?expand=changelog&fields=updated,customfield_10001');
    clock.advance(1000);
    await api(sandbox, '/rest/api/3/issue/ITSM-2/comment', { method: 'POST', body: { body: adf('Assigned to Tom.') } });
    const afterComment = await api(sandbox, '/rest/api/3/issue/ITSM-2?expand=changelog&fields=updated');

    expect(afterUpdate.body.fields.updated).toBe('2024-05-01T10:00:01.234+0000');
    expect(afterUpdate.body.fields.customfield_10001).toMatchObject({ id: NETWORK_TEAM, name: 'Network Operations' });
    expect(afterUpdate.body.changelog.histories).toHaveLength(1);
    const history = afterUpdate.body.changelog.histories[0];
    expect(history.author.accountId).toBe(INTEGRATION_ACCOUNT);
    expect(history.created).toBe('2024-05-01T10:00:01.234+0000');
    expect(history.items).toEqual([
      { field: 'priority', fieldtype: 'jira', fieldId: 'priority', from: '3', fromString: 'Medium', to: '2', toString: 'High' },
      { field: 'assignee', fieldtype: 'jira', fieldId: 'assignee', from: null, fromString: null, to: TOM_ACCOUNT, toString: 'Tom Becker' },
      {
        field: 'Team',
        fieldtype: 'custom',
        fieldId: 'customfield_10001',
        from: null,
        fromString: null,
        to: NETWORK_TEAM,
        toString: 'Network Operations',
      },
    ]);
    expect(afterComment.body.fields.updated).toBe('2024-05-01T10:00:02.234+0000');
    expect(afterComment.body.changelog.histories).toHaveLength(1);
  });

  it('does not treat a write that changes nothing as an update', async () => {
    const before = sandbox.store.get('ITSM-1')?.updated;
    clock.advance(5000);

    const response = await api(sandbox, '/rest/api/3/issue/ITSM-1', { method: 'PUT', body: { fields: { labels: ['vpn', 'remote-work'] } } });

    expect(response.status).toBe(204);
    expect(sandbox.store.get('ITSM-1')?.updated).toBe(before);
    expect(sandbox.store.get('ITSM-1')?.histories).toHaveLength(0);
  });

  it('takes the Team field as a team id string and shows it as {id, name, …}', async () => {
    const asObject = await api(sandbox, '/rest/api/3/issue/ITSM-5', { method: 'PUT', body: { fields: { customfield_10001: { id: NETWORK_TEAM } } } });
    const unknown = await api(sandbox, '/rest/api/3/issue/ITSM-5', { method: 'PUT', body: { fields: { customfield_10001: 'no-such-team' } } });
    const asString = await api(sandbox, '/rest/api/3/issue/ITSM-5', { method: 'PUT', body: { fields: { customfield_10001: NETWORK_TEAM } } });
    const issue = await api(sandbox, '/rest/api/3/issue/ITSM-5?fields=customfield_10001');

    expect(asObject.status).toBe(400);
    expect(unknown.status).toBe(400);
    expect(asString.status).toBe(204);
    expect(issue.body.fields.customfield_10001).toEqual({
      id: NETWORK_TEAM,
      name: 'Network Operations',
      avatarUrl: '',
      isVisible: true,
      isVerified: false,
      title: 'Network Operations',
      isShared: true,
    });
  });

  it('creates a Problem in the problem project, links incidents to it and shows the links on both sides', async () => {
    const problem = await api(sandbox, '/rest/api/3/issue', {
      method: 'POST',
      body: {
        fields: {
          project: { key: 'PRB' },
          issuetype: { name: 'Problem' },
          summary: 'Recurring VPN disconnects',
          description: adf('3 incidents in 2 hours'),
          components: [{ name: 'Network' }],
          labels: ['deskbridge'],
        },
      },
    });
    const wrongType = await api(sandbox, '/rest/api/3/issue', {
      method: 'POST',
      body: { fields: { project: { key: 'PRB' }, issuetype: { name: 'Incident' }, summary: 'x' } },
    });
    const linked = await api(sandbox, '/rest/api/3/issueLink', {
      method: 'POST',
      // The inward issue is the one the outward phrase reads from: "PRB-1 causes ITSM-1".
      body: { type: { name: 'Problem/Incident' }, inwardIssue: { key: problem.body.key }, outwardIssue: { key: 'ITSM-1' } },
    });
    const incident = await api(sandbox, '/rest/api/3/issue/ITSM-1?fields=issuelinks&expand=changelog');
    const problemView = await api(sandbox, `/rest/api/3/issue/${problem.body.key}?fields=issuelinks,reporter,issuetype`);

    expect(problem.status).toBe(201);
    expect(problem.body).toEqual({ id: expect.any(String), key: 'PRB-1', self: `${sandbox.url}/rest/api/3/issue/${problem.body.id}` });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors).toHaveProperty('issuetype');
    expect(linked.status).toBe(201);
    expect(incident.body.fields.issuelinks).toEqual([
      expect.objectContaining({ type: expect.objectContaining({ name: 'Problem/Incident', inward: 'is caused by' }), inwardIssue: expect.objectContaining({ key: 'PRB-1' }) }),
    ]);
    expect(incident.body.changelog.histories[0].items[0]).toMatchObject({ field: 'Link', to: 'PRB-1', toString: 'This issue is caused by PRB-1' });
    expect(problemView.body.fields.issuelinks[0].outwardIssue.key).toBe('ITSM-1');
    expect(problemView.body.fields.reporter.accountId).toBe(INTEGRATION_ACCOUNT);
  });

  it('runs workflow transitions by id: Open → In Progress → Resolved (with resolution) → Closed', async () => {
    const available = await api(sandbox, '/rest/api/3/issue/ITSM-5/transitions');
    const start = await api(sandbox, '/rest/api/3/issue/ITSM-5/transitions', { method: 'POST', body: { transition: { id: '4' } } });
    const invalid = await api(sandbox, '/rest/api/3/issue/ITSM-5/transitions', { method: 'POST', body: { transition: { id: '4' } } });
    clock.advance(60_000);
    const resolve = await api(sandbox, '/rest/api/3/issue/ITSM-5/transitions', {
      method: 'POST',
      body: { transition: { id: '5' }, fields: { resolution: { name: 'Duplicate' } } },
    });
    const resolved = await api(sandbox, '/rest/api/3/issue/ITSM-5?fields=status,resolution,resolutiondate');
    const close = await api(sandbox, '/rest/api/3/issue/ITSM-5/transitions', { method: 'POST', body: { transition: { id: '2' } } });

    expect(available.body.transitions.map((t: { id: string; name: string }) => t.name)).toEqual(['Start Progress', 'Resolve Issue', 'Close Issue']);
    expect(start.status).toBe(204);
    expect(invalid.status).toBe(400);
    expect(resolve.status).toBe(204);
    expect(resolved.body.fields).toMatchObject({
      status: { name: 'Resolved', statusCategory: { key: 'done' } },
      resolution: { name: 'Duplicate' },
      resolutiondate: '2024-05-01T10:01:00.000+0000',
    });
    expect(close.status).toBe(204);
    expect(sandbox.store.get('ITSM-5')).toMatchObject({ status: 'Closed', resolution: 'Duplicate' });
  });

  it('answers 404 with errorMessages for an unknown issue', async () => {
    const response = await api(sandbox, '/rest/api/3/issue/ITSM-999');

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
  });

  it('logs requests with method, path, query, status, user and write bodies', async () => {
    sandbox.resetRequestLog();

    await api(sandbox, '/rest/api/3/issue/ITSM-1?fields=summary');
    await api(sandbox, '/rest/api/3/issue/ITSM-1', { method: 'PUT', body: { fields: { labels: ['vpn'] } } });

    expect(sandbox.requestLog).toEqual([
      { method: 'GET', path: '/rest/api/3/issue/ITSM-1', query: '?fields=summary', status: 200, user: INTEGRATION_ACCOUNT },
      { method: 'PUT', path: '/rest/api/3/issue/ITSM-1', query: '', status: 204, user: INTEGRATION_ACCOUNT, body: { fields: { labels: ['vpn'] } } },
    ]);
  });
});

describe('Jira sandbox: rate limiting', () => {
  it('answers 429 with Retry-After and X-RateLimit-* headers once the window is used up, then recovers', async () => {
    const clock = fakeClock();
    const sandbox = await withSandbox({ flavour: 'cloud', rateLimit: { limit: 5, windowSeconds: 60 } }, clock);
    try {
      const responses = await Promise.all(Array.from({ length: 8 }, () => api(sandbox, '/rest/api/3/myself')));
      const limited = responses.filter((r) => r.status === 429);
      clock.advance(60_000);
      const after = await api(sandbox, '/rest/api/3/myself');

      expect(responses.filter((r) => r.status === 200)).toHaveLength(5);
      expect(limited).toHaveLength(3);
      const first = limited[0];
      expect(first?.headers.get('retry-after')).toBe('60');
      expect(first?.headers.get('x-ratelimit-limit')).toBe('5');
      expect(first?.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(first?.headers.get('x-ratelimit-reset')).toBe('2024-05-01T10:01Z');
      expect(first?.body.errorMessages).toEqual([expect.any(String)]);
      expect(after.status).toBe(200);
      expect(after.headers.get('x-ratelimit-remaining')).toBe('4');
    } finally {
      await sandbox.close();
    }
  });
});

describe('Jira sandbox (Data Center)', () => {
  let sandbox: JiraSandbox;
  let clock: Clock;

  beforeEach(async () => {
    clock = fakeClock();
    const store = new JiraStore({ flavour: 'datacenter', now: clock.now });
    seedFixtures(store);
    sandbox = await withSandbox({ flavour: 'datacenter', store, personalAccessTokens: [{ token: 'pat-123', user: 'deskbridge' }] }, clock);
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('authenticates with username + password or a personal access token, and rejects a bad password', async () => {
    const viaBasic = await api(sandbox, '/rest/api/2/myself');
    const viaPat = await api(sandbox, '/rest/api/2/myself', { auth: 'Bearer pat-123' });
    const wrong = await api(sandbox, '/rest/api/2/myself', { auth: basic('deskbridge', 'nope') });

    expect(viaBasic.body).toMatchObject({ name: 'deskbridge', key: 'deskbridge', displayName: 'deskbridge bot', timeZone: 'UTC' });
    expect(viaBasic.body).not.toHaveProperty('accountId');
    expect(viaPat.status).toBe(200);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('x-seraph-loginreason')).toBe('AUTHENTICATED_FAILED');
  });

  it('has no REST v3 and no /search/jql', async () => {
    expect((await api(sandbox, '/rest/api/3/myself')).status).toBe(404);
    expect((await api(sandbox, '/rest/api/2/search/jql', { method: 'POST', body: { jql: 'project = ITSM' } })).status).toBe(404);
  });

  it('pages /rest/api/2/search with startAt, maxResults and total', async () => {
    for (let i = 0; i < 110; i++) sandbox.store.createIssue({ project: 'ITSM', issueType: 'Incident', summary: `Bulk ${i}` });
    const jql = 'project = ITSM ORDER BY id ASC';

    const first = await api(sandbox, `/rest/api/2/search?jql=${encodeURIComponent(jql)}&startAt=0&maxResults=50&fields=summary`);
    const last = await api(sandbox, '/rest/api/2/search', { method: 'POST', body: { jql, startAt: 100, maxResults: 50, fields: ['summary'] } });

    expect(first.body).toMatchObject({ startAt: 0, maxResults: 50, total: 120 });
    expect(first.body.issues).toHaveLength(50);
    expect(first.body.issues[0]).toMatchObject({ key: 'ITSM-1', fields: { summary: 'VPN drops every 10 minutes' } });
    expect(last.body).toMatchObject({ startAt: 100, maxResults: 50, total: 120 });
    expect(last.body.issues).toHaveLength(20);
  });

  it('renders v2 issues with string descriptions, username users and the Data Center priority scheme', async () => {
    const issue = await api(sandbox, '/rest/api/2/issue/ITSM-1');

    expect(issue.body.fields.description).toBe('Since this morning my GlobalProtect VPN disconnects roughly every 10 minutes and I have to log in again.\nHome broadband is fine otherwise.');
    expect(issue.body.fields.assignee).toMatchObject({ name: 'tbecker', displayName: 'Tom Becker' });
    expect(issue.body.fields.priority.name).toBe('Critical');
  });

  it('takes plain-string (wiki markup) comments and assigns by username, rejecting accountId', async () => {
    const comment = await api(sandbox, '/rest/api/2/issue/ITSM-2/comment', { method: 'POST', body: { body: 'Routed to *Network Operations*.' } });
    const byName = await api(sandbox, '/rest/api/2/issue/ITSM-2', { method: 'PUT', body: { fields: { assignee: { name: 'tbecker' } } } });
    const byAccount = await api(sandbox, '/rest/api/2/issue/ITSM-2', { method: 'PUT', body: { fields: { assignee: { accountId: TOM_ACCOUNT } } } });
    const unknown = await api(sandbox, '/rest/api/2/issue/ITSM-2', { method: 'PUT', body: { fields: { assignee: { name: 'ghost' } } } });
    const history = await api(sandbox, '/rest/api/2/issue/ITSM-2?expand=changelog&fields=assignee');

    expect(comment.status).toBe(201);
    expect(comment.body.body).toBe('Routed to *Network Operations*.');
    expect(comment.body.author.name).toBe('deskbridge');
    expect(byName.status).toBe(204);
    expect(byAccount.status).toBe(400);
    expect(byAccount.body.errors.assignee).toBe("expected Object containing a 'name' property");
    expect(unknown.body.errors.assignee).toBe("User 'ghost' does not exist.");
    expect(history.body.changelog.histories[0].items[0]).toMatchObject({ field: 'assignee', from: null, to: 'tbecker', toString: 'Tom Becker' });
  });

  it('takes a wiki-markup comment in update.comment of an edit (DC)', async () => {
    const edit = await api(sandbox, '/rest/api/2/issue/ITSM-2', { method: 'PUT', body: { fields: { assignee: { name: 'tbecker' } }, update: { comment: [{ add: { body: 'Routed to *Tom*.' } }] } } });

    expect(edit.status).toBe(204);
    expect(sandbox.store.comments('ITSM-2').map((c) => (c.body.kind === 'text' ? c.body.text : ''))).toEqual(['Routed to *Tom*.']);
  });

  it('finds users with /user/search?username= and matches assignee by username in JQL', async () => {
    const users = await api(sandbox, '/rest/api/2/user/search?username=tom');
    const assigned = await api(sandbox, `/rest/api/2/search?jql=${encodeURIComponent('assignee = tbecker')}&fields=key`);

    expect(users.body).toEqual([expect.objectContaining({ name: 'tbecker', displayName: 'Tom Becker' })]);
    expect(assigned.body.issues.map((i: { key: string }) => i.key)).toEqual(['ITSM-1']);
  });

  it('answers 429 with Data Center rate-limit headers', async () => {
    const limited = await withSandbox({ flavour: 'datacenter', rateLimit: { limit: 1, windowSeconds: 10 } }, clock);
    try {
      await api(limited, '/rest/api/2/myself');
      const second = await api(limited, '/rest/api/2/myself');

      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('10');
      expect(second.headers.get('x-ratelimit-interval-seconds')).toBe('10');
      expect(second.headers.get('x-ratelimit-fillrate')).toBe('1');
    } finally {
      await limited.close();
    }
  });
});

describe.skipIf(missingData('hadoopBugs'))('Jira sandbox: seeding from the Apache Hadoop bug reports', () => {
  let reports: HadoopBugReport[];

  beforeAll(async () => {
    reports = await readHadoopBugs();
  });

  it('reads all 2,503 reports with multi-line descriptions', () => {
    expect(reports).toHaveLength(2503);
    expect(new Set(reports.map((r) => r.key)).size).toBe(2503);
    expect(reports[0]).toMatchObject({
      id: '13404344',
      summary: 'JAR in conflict with timestamp check causes AM errors',
      status: 'Resolved',
      priority: 'Blocker',
      resolution: 'Duplicate',
      created: Date.parse('2021-09-30T17:20:00Z'),
      resolved: Date.parse('2022-07-20T20:51:00Z'),
      affectsVersions: ['2.9.2'],
    });
    expect(reports[0]?.description).toContain('touch -t "${old_file_time}"');
  });

  it('seeds 100 reports into a Cloud site as unassigned HADOOP bugs with ADF descriptions, searchable by JQL', async () => {
    const clock = fakeClock();
    const store = new JiraStore({ flavour: 'cloud', now: clock.now });

    const result = await seedHadoop(store, { reports, limit: 100 });
    const again = await seedHadoop(store, { reports, limit: 100 });
    const sandbox = await withSandbox({ flavour: 'cloud', store }, clock);
    try {
      const issue = await api(sandbox, '/rest/api/3/issue/13404344');
      const search = await searchJql(sandbox, {
        jql: 'project = HADOOP AND resolution = Duplicate AND created >= "2021-09-30" AND created < "2021-10-01"',
        fields: ['summary'],
      });

      expect(result).toEqual({ issues: 100, skipped: 0 });
      expect(again).toEqual({ issues: 0, skipped: 100 });
      expect(store.count()).toBe(100);
      expect(issue.body.key).toMatch(/^HADOOP-\d+$/);
      expect(issue.body.fields).toMatchObject({
        summary: 'JAR in conflict with timestamp check causes AM errors',
        status: { name: 'Resolved', statusCategory: { key: 'done' } },
        priority: { name: 'Highest' },
        resolution: { name: 'Duplicate' },
        issuetype: { name: 'Bug' },
        assignee: null,
        created: '2021-09-30T17:20:00.000+0000',
        updated: '2022-07-20T20:51:00.000+0000',
        resolutiondate: '2022-07-20T20:51:00.000+0000',
        versions: [expect.objectContaining({ name: '2.9.2' })],
      });
      expect(issue.body.fields.description).toMatchObject({ type: 'doc', version: 1 });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- vendor-shaped JSON body, pinned with expect()
      expect(search.body.issues.map((i: any) => i.fields.summary)).toContain('JAR in conflict with timestamp check causes AM errors');
    } finally {
      await sandbox.close();
    }
  });

  it('seeds Data Center descriptions as wiki text and keeps the Apache priority names', async () => {
    const store = new JiraStore({ flavour: 'datacenter' });

    await seedHadoop(store, { reports, limit: 3 });

    const issue = store.get('13404344');
    expect(issue?.priority).toBe('Blocker');
    expect(issue?.description).toEqual({ kind: 'text', text: expect.stringContaining('After an init action pulls down a new JAR') });
  });
});
