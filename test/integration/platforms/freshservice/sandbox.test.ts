import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../../../../src/model/action.js';
import { createFreshserviceConnector } from '../../../../src/platforms/freshservice/index.js';
import { FreshserviceSource } from '../../../../src/platforms/freshservice/source.js';
import { HostQueueRegistry } from '../../../../src/http/queue.js';
import type { Connector, PulledRecord, WriteRequest } from '../../../../src/platforms/types.js';
import { CLI_SANDBOX_API_KEY, FreshserviceStore, seedFixtures, startFreshserviceSandbox, type FreshserviceSandbox } from '../../../../src/sandbox/freshservice/index.js';

/** The connector against the Freshservice sandbox over real sockets: what the vendor-shaped server answers, not what a mock assumes. */
let sandbox: FreshserviceSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(): Promise<{ sandbox: FreshserviceSandbox; connector: Connector; store: FreshserviceStore }> {
  const store = new FreshserviceStore();
  seedFixtures(store);
  sandbox = await startFreshserviceSandbox({ store, rateLimit: null });
  const workspaces = store.workspaces().map((workspace) => workspace.id);
  const source = FreshserviceSource.parse({
    id: 'fs-sandbox',
    platform: 'freshservice',
    baseUrl: sandbox.url,
    auth: { type: 'apiKey', apiKey: CLI_SANDBOX_API_KEY },
    workspaces,
    rateLimit: { requestsPerMinute: 60_000, concurrency: 4 },
  });
  return { sandbox, connector: createFreshserviceConnector(source, { hostQueues: new HostQueueRegistry() }), store };
}

async function pullAll(connector: Connector): Promise<PulledRecord[]> {
  const records: PulledRecord[] = [];
  for await (const page of connector.pull({ from: null, fields: [] })) records.push(...page.records);
  return records;
}

function write(record: PulledRecord, action: Action, fields: Record<string, unknown>, marker = 'db-sbx1'): WriteRequest {
  return {
    planned: {
      id: `w-${record.nativeId}`,
      sourceId: 'fs-sandbox',
      ruleId: 'route',
      target: { ticketKey: `freshservice:fs-sandbox:${record.nativeId}`, nativeId: record.nativeId, number: `INC-${record.nativeId}`, version: record.version },
      action,
      explanation: 'test',
    },
    action,
    fields,
    marker,
    firstAttempt: true,
  };
}

describe('Freshservice connector against the sandbox', () => {
  it('reads every ticket of both workspaces, oldest update first', async () => {
    const { connector, store } = await start();
    expect((await connector.init()).integrationUser).toBe('deskbridge@example.com');
    const records = await pullAll(connector);
    expect(new Set(records.map((r) => r.nativeId)).size).toBe(store.count());
    const times = records.map((r) => r.updatedAt);
    expect([...times].sort()).toEqual(times);
  });

  it('assigns by name and posts a private note; the versions the writes report are what the next pull sees', async () => {
    const { connector, store } = await start();
    const [record] = await pullAll(connector);
    if (record === undefined) throw new Error('no tickets seeded');
    const group = store.groups().find((g) => g.workspace_id === (record.raw as { workspace_id: number }).workspace_id);
    if (group === undefined) throw new Error('no group in the ticket workspace');
    const assigned = await connector.apply(write(record, { type: 'assign', group: group.name }, { group: group.name, responder: null }));
    expect(assigned.outcome).toBe('updated');
    const noted = await connector.apply(write(record, { type: 'comment', visibility: 'internal', body: 'routed' }, { note: '<div>routed (db-sbx1)</div>', private: true }));
    expect(noted.outcome).toBe('created');
    // Just written, so a pull now holds it back to the next pass; get reads the same version a later pull hands out.
    expect((await pullAll(connector)).some((r) => r.nativeId === record.nativeId)).toBe(false);
    const again = await connector.get(record.nativeId, []);
    expect(again?.version).toBe(noted.ownVersion ?? assigned.ownVersion);
    expect(store.notes(Number(record.nativeId)).every((n) => n.private)).toBe(true);
  });

  it('creates one problem for a key and associates incidents with it', async () => {
    const { connector, store } = await start();
    const [first, second] = await pullAll(connector);
    if (first === undefined || second === undefined) throw new Error('too few tickets seeded');
    const create: Action = { type: 'create-problem', correlationKey: 'recurring:vpn', title: 'VPN keeps dropping', description: 'several incidents' };
    const created = await connector.apply(write(first, create, { subject: create.title, description: create.description }));
    const repeated = await connector.apply(write(first, create, { subject: create.title, description: create.description }));
    expect(repeated).toEqual({ outcome: 'unchanged', ref: created.ref });
    for (const record of [first, second]) {
      expect((await connector.apply(write(record, { type: 'link-problem', correlationKey: 'recurring:vpn' }, {}))).outcome).toBe('updated');
    }
    expect(
      store
        .problemTickets(Number(created.ref))
        .map((t) => String(t.id))
        .sort(),
    ).toEqual([first.nativeId, second.nativeId].sort());
    expect((await connector.problemStates(['recurring:vpn'])).get('recurring:vpn')?.state).toBe('open');
  });

  it('reports superseded when a person edited the ticket after it was planned', async () => {
    const { connector, store } = await start();
    const [record] = await pullAll(connector);
    if (record === undefined) throw new Error('no tickets seeded');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    store.updateTicket(Number(record.nativeId), { priority: 4 });
    const group = store.groups()[0]?.name ?? '';
    expect((await connector.apply(write(record, { type: 'assign', group }, { group }))).outcome).toBe('superseded');
  });
});
