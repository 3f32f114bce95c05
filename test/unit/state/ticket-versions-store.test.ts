import { expect, it } from 'vitest';
import type { LifecycleVersion } from '../../../src/model/lifecycle-version.js';
import type { StateStore } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

const commit = { watermark: undefined, ledger: [], tickets: [], roundRobin: new Map<string, number>(), actions: [], quarantine: [] };

function version(key: string, version: string, updatedAt: string): LifecycleVersion {
  return { key, number: `N-${key}`, version, status: 'open', priority: 3, createdAt: '2026-01-01T00:00:00Z', updatedAt };
}

async function kept(store: StateStore, sourceId?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const v of store.lifecycleVersions(sourceId !== undefined ? { sourceId } : {})) out.push(`${v.key}@${v.version}`);
  return out;
}

describeEachStore('ticket versions (for deskbridge report)', (kit) => {
  it('keeps each (ticket, version) once, in time order, per source or all; finds a ticket by key or number', async () => {
    const store = await kit.open();
    await store.commitBatch({ ...commit, sourceId: 'a', versions: [version('a:1', '2', '2026-01-03T00:00:00Z'), version('a:1', '1', '2026-01-02T00:00:00Z')] });
    await store.commitBatch({ ...commit, sourceId: 'b', versions: [version('b:1', '1', '2026-01-01T00:00:00Z')] });
    // Re-read inside the overlap window: the same version again is ignored (what it says too).
    await store.commitBatch({ ...commit, sourceId: 'a', versions: [{ ...version('a:1', '1', '2026-01-02T00:00:00Z'), status: 'resolved' }] });

    expect(await kept(store)).toEqual(['b:1@1', 'a:1@1', 'a:1@2']);
    expect(await kept(store, 'a')).toEqual(['a:1@1', 'a:1@2']);
    expect((await store.ticketVersions({ key: 'a:1' })).map((v) => [v.version, v.status])).toEqual([
      ['1', 'open'],
      ['2', 'open'],
    ]);
    expect((await store.ticketVersions({ key: 'a:1' }))[0]).toEqual(version('a:1', '1', '2026-01-02T00:00:00Z'));
    expect((await store.ticketVersions({ sourceId: 'a', number: 'N-a:1' })).map((v) => v.version)).toEqual(['1', '2']);
    expect(await store.ticketVersions({ sourceId: 'b', number: 'N-a:1' })).toEqual([]);
  });

  it('hands out thousands of versions page by page while the store keeps committing between them', async () => {
    const store = await kit.open();
    const many = Array.from({ length: 4500 }, (_, i) => version(`a:${i % 300}`, String(i), new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()));
    await store.commitBatch({ ...commit, sourceId: 'a', versions: many });

    let seen = 0;
    let previous = '';
    for await (const v of store.lifecycleVersions()) {
      expect(v.updatedAt >= previous).toBe(true);
      previous = v.updatedAt;
      if (seen++ === 10) await store.commitBatch({ ...commit, sourceId: 'b', versions: [version('b:1', '1', '2027-01-01T00:00:00Z')] });
    }
    expect(seen).toBe(4501);
  });

  it("prunes one source's versions older than a time, leaving the other sources' alone", async () => {
    const store = await kit.open();
    await store.commitBatch({ ...commit, sourceId: 'a', versions: [version('a:1', '1', '2025-01-01T00:00:00Z'), version('a:1', '2', '2026-01-01T00:00:00Z')] });
    await store.commitBatch({ ...commit, sourceId: 'b', versions: [version('b:1', '1', '2025-01-01T00:00:00Z')] });

    expect(await store.pruneVersions('a', '2025-06-01T00:00:00Z')).toBe(1);
    expect(await kept(store)).toEqual(['b:1@1', 'a:1@2']);
  });
});
