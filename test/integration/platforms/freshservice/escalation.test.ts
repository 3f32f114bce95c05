import { afterEach, describe, expect, it } from 'vitest';
import '../../../../src/platforms/registry.js';
import { loadPlatformMappings, mapInbound, mapOutbound } from '../../../../src/mapping/mapper.js';
import type { Action } from '../../../../src/model/action.js';
import { HostQueueRegistry } from '../../../../src/http/queue.js';
import { createFreshserviceConnector } from '../../../../src/platforms/freshservice/index.js';
import { FreshserviceSource } from '../../../../src/platforms/freshservice/source.js';
import { escalationTag } from '../../../../src/platforms/freshservice/write/escalations.js';
import type { Connector, WriteRequest } from '../../../../src/platforms/types.js';
import { CLI_SANDBOX_API_KEY, FreshserviceStore, seedFixtures, startFreshserviceSandbox, type FreshserviceSandbox } from '../../../../src/sandbox/freshservice/index.js';

/** Escalation to Freshservice and its conversations read back, against the sandbox over real sockets. */
let sandbox: FreshserviceSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const mappings = loadPlatformMappings('mappings', 'freshservice');
const clock = { now: Date.parse('2026-12-05T12:00:00Z') };

async function start(): Promise<{ sandbox: FreshserviceSandbox; store: FreshserviceStore; source: FreshserviceSource; connect: () => Connector }> {
  const store = new FreshserviceStore({ now: () => new Date(clock.now) });
  seedFixtures(store);
  sandbox = await startFreshserviceSandbox({ store, rateLimit: null });
  // The second workspace first: the copy must open in the source's first workspace, not the primary one.
  const workspaces = store
    .workspaces()
    .map((workspace) => workspace.id)
    .reverse();
  const source = FreshserviceSource.parse({
    id: 'fs-sandbox',
    platform: 'freshservice',
    baseUrl: sandbox.url,
    auth: { type: 'apiKey', apiKey: CLI_SANDBOX_API_KEY },
    workspaces,
    rateLimit: { requestsPerMinute: 60_000, concurrency: 4 },
  });
  return { sandbox, store, source, connect: () => createFreshserviceConnector(source, { hostQueues: new HostQueueRegistry() }) };
}

const escalate: Extract<Action, { type: 'escalate' }> = {
  type: 'escalate',
  to: 'fs-sandbox',
  correlationKey: 'deskbridge:esc:escalate-db:0123456789abcdef01234567',
  title: 'Replica lag\non db-eu-3',
  description: 'Escalated from PRJ-12 <b>by</b> the platform team',
  priority: 2,
  labels: ['sev2'],
  origin: { number: 'PRJ-12', url: 'https://acme.atlassian.net/browse/PRJ-12' },
};

async function request(firstAttempt: boolean): Promise<WriteRequest> {
  // The ORIGIN ticket, on another source: the connector must not read it as one of its own.
  const target = { ticketKey: 'jira:jira:10012', nativeId: '10012', number: 'PRJ-12', version: '7' };
  const fields = await mapOutbound(mappings, { action: escalate, target, marker: 'deskbridge:esc', rule: 'escalate-db' });
  return {
    planned: { id: 'w-esc', sourceId: 'jira', ruleId: 'escalate-db', target, action: escalate, explanation: 'test' },
    action: escalate,
    fields,
    marker: 'deskbridge:esc',
    firstAttempt,
  };
}

const apiCalls = (box: FreshserviceSandbox) => box.requestLog.filter((entry) => entry.path.startsWith('/api/')).map((entry) => `${entry.method} ${entry.path}`);

describe('escalate to a Freshservice source', () => {
  it('opens one tagged Incident in the first workspace, requested by the API key agent, and a retry finds it by the tag', async () => {
    const { sandbox: box, store, source, connect } = await start();
    const connector = connect();
    const before = store.count();

    const first = await connector.apply(await request(true));
    const id = Number(first.ref);
    expect(first).toEqual({ outcome: 'created', ref: String(id), created: { number: `INC-${id}`, url: `${box.url.replace(/\/+$/, '')}/a/tickets/${id}` } });
    expect(apiCalls(box)).toEqual(['GET /api/v2/tickets/filter', 'GET /api/v2/agents/me', 'POST /api/v2/tickets']);
    const copy = store.ticket(id);
    expect(copy).toMatchObject({
      subject: 'Replica lag on db-eu-3',
      description: '<div>Escalated from PRJ-12 &lt;b&gt;by&lt;/b&gt; the platform team</div>',
      status: 2,
      priority: 3,
      type: 'Incident',
      workspace_id: source.workspaces?.[0],
      requester_id: store.agentByApiKey(CLI_SANDBOX_API_KEY)?.id,
      tags: ['sev2', escalationTag(escalate.correlationKey)],
    });
    expect(escalationTag(escalate.correlationKey)).toMatch(/^deskbridge-esc-[0-9a-f]{16}$/);

    // The same process again: remembered, no request.
    box.requestLog.length = 0;
    await expect(connector.apply(await request(false))).resolves.toEqual({ ...first, outcome: 'unchanged' });
    expect(apiCalls(box)).toEqual([]);

    // A retry after a restart: one filter request finds the copy; nothing is created.
    await expect(connect().apply(await request(false))).resolves.toEqual({ ...first, outcome: 'unchanged' });
    expect(apiCalls(box)).toEqual(['GET /api/v2/tickets/filter']);
    const query = new URLSearchParams(box.requestLog[0]?.query ?? '');
    expect([query.get('query'), query.get('workspace_id')]).toEqual([`"tag:'${escalationTag(escalate.correlationKey)}'"`, String(source.workspaces?.[0])]);
    expect(store.count()).toBe(before + 1);

    // The copy is recognisable as one: its canonical labels carry the deskbridge-esc- tag.
    const record = await connector.get(String(id), []);
    if (record === null) throw new Error('the copy is not readable');
    const ticket = await mapInbound(mappings, record.raw, { platform: 'freshservice', sourceId: 'fs-sandbox', source: { baseUrl: box.url } });
    expect(ticket.labels.some((label) => label.startsWith('deskbridge-esc-'))).toBe(true);
    expect(ticket.source.number).toBe(`INC-${id}`);
  });

  it('refuses an escalate branch that sets what the connector owns, or a container that is not a workspace of the source, before any request', async () => {
    const { sandbox: box, connect } = await start();
    const bad = await request(true);
    await expect(connect().apply({ ...bad, fields: { ...bad.fields, fields: { requester_id: 1 } } })).rejects.toThrow(/requester_id/);
    const elsewhere = { ...escalate, container: 'HADOOP' };
    await expect(connect().apply({ ...bad, action: elsewhere, planned: { ...bad.planned, action: elsewhere } })).rejects.toThrow(/not a workspace source fs-sandbox reads/);
    expect(apiCalls(box)).toEqual([]);
  });

  it("opens the copy in the workspace the rule's container names", async () => {
    const { store, source, connect } = await start();
    const second = source.workspaces?.[1];
    if (second === undefined) throw new Error('the sandbox has one workspace');
    const base = await request(true);
    const there = { ...escalate, container: String(second) };
    const result = await connect().apply({ ...base, action: there, planned: { ...base.planned, action: there } });
    expect(store.ticket(Number(result.ref))?.workspace_id).toBe(second);
  });
});

describe('Freshservice readComments (GET /api/v2/tickets/{id}/conversations)', () => {
  it('reads private and public notes with author, own and since, across pages', async () => {
    const { sandbox: box, store, connect } = await start();
    const connector = connect();
    const me = store.agentByApiKey(CLI_SANDBOX_API_KEY);
    const other = store.agents().find((agent) => agent.id !== me?.id && agent.active);
    const [ticket] = store.tickets();
    if (me === undefined || other === undefined || ticket === undefined) throw new Error('fixtures lack agents or tickets');
    const began = clock.now;
    store.addNote(ticket.id, { body: '<div>old</div>', private: true, user_id: other.id });
    clock.now += 60_000;
    const since = new Date(clock.now).toISOString();
    // 120 notes: two pages of 100.
    for (let i = 0; i < 118; i++) {
      store.addNote(ticket.id, { body: `<div>filler ${i}</div>`, private: true, user_id: other.id });
      clock.now += 1000;
    }
    store.addNote(ticket.id, { body: '<div>Customer can see this</div>', private: false, user_id: other.id });
    clock.now += 1000;
    store.addNote(ticket.id, { body: '<div>ours</div>', private: true, user_id: me.id });
    clock.now = began;

    box.requestLog.length = 0;
    const read = await connector.readComments?.([String(ticket.id), 'not-an-id'], since);
    const comments = read?.get(String(ticket.id)) ?? [];
    expect(comments).toHaveLength(120);
    expect(comments.some((comment) => comment.body === 'old')).toBe(false);
    expect(comments.at(-2)).toMatchObject({ nativeId: String(ticket.id), body: 'Customer can see this', visibility: 'public', own: false });
    expect(comments.at(-1)).toMatchObject({ body: 'ours', visibility: 'internal', own: true });
    expect(comments[0]).toMatchObject({ visibility: 'internal', own: false, author: expect.any(String) as string });
    expect(new Set(comments.map((comment) => comment.id)).size).toBe(120);
    // One agents/me, then two pages of conversations.
    expect(apiCalls(box)).toEqual(['GET /api/v2/agents/me', `GET /api/v2/tickets/${ticket.id}/conversations`, `GET /api/v2/tickets/${ticket.id}/conversations`]);

    // A ticket gone since it was linked has no comments.
    await expect(connector.readComments?.(['99999999'], undefined)).resolves.toEqual(new Map());
  });
});
