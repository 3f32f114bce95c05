import { afterEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../../../src/platforms/types.js';
import { ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../../../src/sandbox/servicenow/index.js';
import { harness, source } from './setup.js';

/**
 * Comments and work notes read for escalation sync (`Connector.readComments`), against the sandbox over
 * real HTTP: the entries are sys_journal_field rows the sandbox writes when a Table API write sets
 * work_notes or comments, as an instance does.
 */
let sandbox: ServiceNowSandbox | undefined;
let clock = Date.parse('2026-11-20T10:00:00Z');

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function newStore(options: ConstructorParameters<typeof ServiceNowStore>[0] = {}): ServiceNowStore {
  clock = Date.parse('2026-11-20T10:00:00Z');
  return new ServiceNowStore({ now: () => new Date(clock), ...options });
}

async function start(store: ServiceNowStore, pageSize?: number): Promise<Connector> {
  sandbox = await startServiceNowSandbox({
    store,
    users: [
      { userName: 'deskbridge', password: 'deskbridge' },
      { userName: 'beth.anglin', password: 'beth' },
    ],
  });
  return harness(
    source({
      baseUrl: sandbox.url,
      auth: { type: 'basic', username: 'deskbridge', password: 'deskbridge' },
      rateLimit: { requestsPerMinute: 60000, concurrency: 4 },
      ...(pageSize === undefined ? {} : { pageSize }),
    }),
  ).connector;
}

/** A person (or the integration user) writes a journal field through the Table API, as the form does. */
async function writeJournal(sysId: string, field: 'work_notes' | 'comments', text: string, as: { user: string; password: string }): Promise<void> {
  const response = await fetch(`${sandbox?.url ?? ''}/api/now/table/incident/${sysId}`, {
    method: 'PATCH',
    headers: { authorization: `Basic ${Buffer.from(`${as.user}:${as.password}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ [field]: text }),
  });
  expect(response.status).toBe(200);
}

const BETH = { user: 'beth.anglin', password: 'beth' };
const US = { user: 'deskbridge', password: 'deskbridge' };

function journalRequests(): number {
  return sandbox?.requestLog.filter((entry) => entry.path === '/api/now/table/sys_journal_field').length ?? 0;
}

describe('ServiceNow comments for escalation sync', () => {
  it("returns a person's comment as public and work notes as internal, the integration user's as own, oldest first", async () => {
    const store = newStore();
    const incident = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin');
    const sysId = incident['sys_id'] ?? '';
    const connector = await start(store);
    clock += 60_000;
    await writeJournal(sysId, 'comments', 'Customer says it drops every 5 minutes', BETH);
    clock += 60_000;
    await writeJournal(sysId, 'work_notes', 'Escalated to the network team', US);
    clock += 60_000;
    await writeJournal(sysId, 'work_notes', 'Checked the concentrator logs', BETH);

    const comments = await connector.readComments?.([sysId], undefined);

    expect(comments?.get(sysId)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        nativeId: sysId,
        author: 'beth.anglin',
        createdAt: '2026-11-20T10:01:00Z',
        body: 'Customer says it drops every 5 minutes',
        visibility: 'public',
        own: false,
      },
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        nativeId: sysId,
        author: 'deskbridge',
        createdAt: '2026-11-20T10:02:00Z',
        body: 'Escalated to the network team',
        visibility: 'internal',
        own: true,
      },
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        nativeId: sysId,
        author: 'beth.anglin',
        createdAt: '2026-11-20T10:03:00Z',
        body: 'Checked the concentrator logs',
        visibility: 'internal',
        own: false,
      },
    ]);
    // The ids are the journal entries' own sys_ids, so each entry is mirrored once.
    expect(comments?.get(sysId)?.map((c) => c.id)).toEqual(store.journal(sysId).map((entry) => entry.sys_id));
  });

  it('leaves out entries created before `since`, and keeps those of that very second', async () => {
    const store = newStore();
    const incident = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin');
    const sysId = incident['sys_id'] ?? '';
    const connector = await start(store);
    clock += 60_000;
    await writeJournal(sysId, 'comments', 'old', BETH);
    clock += 60_000;
    await writeJournal(sysId, 'comments', 'at since', BETH);
    clock += 60_000;
    await writeJournal(sysId, 'work_notes', 'newer', BETH);

    const comments = await connector.readComments?.([sysId], '2026-11-20T10:02:00.000Z');

    expect(comments?.get(sysId)?.map((c) => c.body)).toEqual(['at since', 'newer']);
    expect(await connector.readComments?.([sysId], '2026-11-20T10:05:00Z')).toEqual(new Map());
  });

  it('reads several records in one request; records without entries, and ids that are no sys_id, are absent', async () => {
    const store = newStore();
    const a = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin')['sys_id'] ?? '';
    const b = store.insert('incident', { short_description: 'Mail slow' }, 'beth.anglin')['sys_id'] ?? '';
    const quiet = store.insert('incident', { short_description: 'Printer jam' }, 'beth.anglin')['sys_id'] ?? '';
    const other = store.insert('incident', { short_description: 'Not asked for' }, 'beth.anglin')['sys_id'] ?? '';
    const connector = await start(store);
    clock += 1_000;
    await writeJournal(b, 'comments', 'b first', BETH);
    clock += 1_000;
    await writeJournal(a, 'work_notes', 'a first', US);
    clock += 1_000;
    await writeJournal(other, 'comments', 'someone else', BETH);
    clock += 1_000;
    await writeJournal(b, 'work_notes', 'b second', BETH);
    sandbox?.resetRequestLog();

    const comments = await connector.readComments?.([a, b, quiet, 'INC0010001'], undefined);

    expect([...(comments?.keys() ?? [])].sort()).toEqual([a, b].sort());
    expect(comments?.get(a)?.map((c) => c.body)).toEqual(['a first']);
    expect(comments?.get(b)?.map((c) => c.body)).toEqual(['b first', 'b second']);
    expect(journalRequests()).toBe(1);
    expect(connector.requestCount()).toBe(1);
  });

  it('asks for 100 records per query: 150 records cost two requests', async () => {
    const store = newStore();
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const sysId = store.insert('incident', { short_description: `Incident ${i}` }, 'beth.anglin')['sys_id'] ?? '';
      store.update('incident', sysId, { comments: `note ${i}` }, 'beth.anglin');
      ids.push(sysId);
    }
    const connector = await start(store);

    const comments = await connector.readComments?.(ids, undefined);

    expect(comments?.size).toBe(150);
    expect(comments?.get(ids[149] ?? '')?.map((c) => c.body)).toEqual(['note 149']);
    expect(journalRequests()).toBe(2);
  });

  it('pages beyond the page size, entries of one second included, without losing or repeating any', async () => {
    const store = newStore();
    const a = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin')['sys_id'] ?? '';
    const b = store.insert('incident', { short_description: 'Mail slow' }, 'beth.anglin')['sys_id'] ?? '';
    // Seven entries in one second (a bulk update), then five more a second apart.
    for (let i = 0; i < 7; i++) store.update('incident', i % 2 === 0 ? a : b, { work_notes: `bulk ${i}` }, 'deskbridge');
    for (let i = 0; i < 5; i++) {
      clock += 1_000;
      store.update('incident', a, { comments: `later ${i}` }, 'beth.anglin');
    }
    const connector = await start(store, 5);

    const comments = await connector.readComments?.([a, b], undefined);

    const all = [...(comments?.values() ?? [])].flat();
    expect(all).toHaveLength(12);
    expect(new Set(all.map((c) => c.id)).size).toBe(12);
    expect(comments?.get(a)?.map((c) => c.body)).toEqual(expect.arrayContaining(['bulk 0', 'bulk 2', 'bulk 4', 'bulk 6', 'later 0', 'later 1', 'later 2', 'later 3', 'later 4']));
    expect(
      comments
        ?.get(a)
        ?.slice(-5)
        .map((c) => c.body),
    ).toEqual(['later 0', 'later 1', 'later 2', 'later 3', 'later 4']);
    expect(
      comments
        ?.get(b)
        ?.map((c) => c.body)
        .sort(),
    ).toEqual(['bulk 1', 'bulk 3', 'bulk 5']);
    // 12 entries, 5 per page: 5 + 5 + 2.
    expect(journalRequests()).toBe(3);
  });

  it('refuses an answer the instance widened by dropping the element_id condition, rather than mirror other records’ notes', async () => {
    const store = newStore({ missingFields: { sys_journal_field: ['element_id'] } });
    const a = store.insert('incident', { short_description: 'VPN drops' }, 'beth.anglin')['sys_id'] ?? '';
    const other = store.insert('incident', { short_description: 'Not asked for' }, 'beth.anglin')['sys_id'] ?? '';
    store.update('incident', other, { comments: 'not yours' }, 'beth.anglin');
    const connector = await start(store);

    await expect(connector.readComments?.([a], undefined)).rejects.toMatchObject({ details: { code: 'bad-response', retryable: false } });
  });
});
