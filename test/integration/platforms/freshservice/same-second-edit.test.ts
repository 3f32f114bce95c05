import { afterEach, describe, expect, it } from 'vitest';
import { createFreshserviceConnector } from '../../../../src/platforms/freshservice/index.js';
import { FreshserviceSource } from '../../../../src/platforms/freshservice/source.js';
import { HostQueueRegistry } from '../../../../src/http/queue.js';
import type { PulledRecord, WriteRequest } from '../../../../src/platforms/types.js';
import type { Action } from '../../../../src/model/action.js';
import { CLI_SANDBOX_API_KEY, FreshserviceStore, seedFixtures, startFreshserviceSandbox, type FreshserviceSandbox } from '../../../../src/sandbox/freshservice/index.js';

/**
 * Lost update found by bench part 7: Freshservice's `updated_at` has whole seconds
 * (https://api.freshservice.com/#schema). With `updated_at` alone as the version, a person's edit
 * in the same second as our write (PUT + note) left `updated_at` where our write put it, so the
 * next pull handed the ticket out at the version our write reported as its `ownVersion`: the sync
 * loop took it for our own write and never evaluated the person's change. Bench: 0 of the 100
 * un-assigned tickets evaluated by the next pass. The version now carries a digest of the
 * ticket's fields (record.ts); our own write alone must still read back as ours.
 */
let sandbox: FreshserviceSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('Freshservice: a person editing a ticket in the same second as our write', () => {
  async function writeThenPull(personEdits: boolean): Promise<{ read: PulledRecord | undefined; ours: string | undefined }> {
    let clock = Date.parse('2026-12-05T12:00:00.100Z');
    const store = new FreshserviceStore({ now: () => new Date(clock) });
    seedFixtures(store);
    sandbox = await startFreshserviceSandbox({ store, rateLimit: null, now: () => new Date(clock) });
    const source = FreshserviceSource.parse({
      id: 'fs-sandbox',
      platform: 'freshservice',
      baseUrl: sandbox.url,
      auth: { type: 'apiKey', apiKey: CLI_SANDBOX_API_KEY },
      workspaces: store.workspaces().map((w) => w.id),
      rateLimit: { requestsPerMinute: 60_000, concurrency: 4 },
    });
    const connector = createFreshserviceConnector(source, { hostQueues: new HostQueueRegistry() });
    clock += 10_000;
    const records: PulledRecord[] = [];
    for await (const page of connector.pull({ from: null, fields: [] })) records.push(...page.records);
    const record = records[0];
    if (record === undefined) throw new Error('no tickets seeded');
    const group = store.groups().find((g) => g.workspace_id === (record.raw as { workspace_id: number }).workspace_id);
    if (group === undefined) throw new Error('no group in the ticket workspace');
    const request = (action: Action, fields: Record<string, unknown>): WriteRequest => ({
      planned: {
        id: `w-${record.nativeId}-${action.type}`,
        sourceId: 'fs-sandbox',
        ruleId: 'route',
        target: { ticketKey: `freshservice:fs-sandbox:${record.nativeId}`, nativeId: record.nativeId, number: `INC-${record.nativeId}`, version: record.version },
        action,
        explanation: 'test',
      },
      action,
      fields,
      marker: 'db-same1',
      firstAttempt: true,
    });
    const assigned = await connector.apply(request({ type: 'assign', group: group.name }, { group: group.name, responder: null }));
    const noted = await connector.apply(request({ type: 'comment', visibility: 'internal', body: 'routed' }, { note: '<div>routed (db-same1)</div>', private: true }));
    const ours = noted.ownVersion ?? assigned.ownVersion;
    // A person un-assigns it 400 ms later: the same second.
    clock += 400;
    if (personEdits) store.updateTicket(Number(record.nativeId), { group_id: null, responder_id: null });
    clock += 10_000;
    const next: PulledRecord[] = [];
    for await (const page of connector.pull({ from: record.updatedAt, fields: [] })) next.push(...page.records);
    return { read: next.find((r) => r.nativeId === record.nativeId), ours };
  }

  it('is read by the next pull at a version other than the one our write reported as its own', async () => {
    const { read, ours } = await writeThenPull(true);
    expect(ours).toBeDefined();
    expect(read?.raw).toMatchObject({ group_id: null });
    expect(read?.version).not.toBe(ours);
  });

  it('leaves our own assign + note read back by the next pull at the version the note reported', async () => {
    const { read, ours } = await writeThenPull(false);
    expect(ours).toBeDefined();
    expect(read?.version).toBe(ours);
  });
});
