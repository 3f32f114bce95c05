import { expect, it } from 'vitest';
import type { BatchCommit, QuarantineInput } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

describeEachStore('quarantine', (kit) => {
  it('counts what quarantineList would list, by source and status, without reading the records', async () => {
    const store = await kit.open();
    const q = (sourceId: string, nativeId: string | undefined, error: string): QuarantineInput => ({
      sourceId,
      nativeId,
      version: nativeId === undefined ? undefined : '1',
      error,
      raw: { id: nativeId },
    });
    await store.commitBatch(batch({ quarantine: [q('s', '1', 'bad date'), q('s', undefined, 'no id'), q('t', '9', 'bad')] }));
    await store.quarantineRetry({ sourceId: 's' });
    for (const filter of [{}, { sourceId: 's' }, { sourceId: 's', status: 'open' as const }, { status: 'retry' as const }, { sourceId: 'none' }]) {
      expect(await store.quarantineCount(filter), JSON.stringify(filter)).toBe((await store.quarantineList(filter)).length);
    }
    expect(await store.quarantineCount({ sourceId: 's', status: 'open' })).toBe(1);
  });

  it('quarantines a record once per version, lists, retries and resolves it (with the batch that maps it)', async () => {
    const at = new Date('2026-12-04T10:00:00.000Z');
    const store = await kit.open({ clock: () => at });
    const q = (nativeId: string | undefined, error: string): QuarantineInput => ({
      sourceId: 's',
      nativeId,
      version: nativeId === undefined ? undefined : '1',
      error,
      raw: { id: nativeId, text: 'a\u0000b' },
    });
    await store.commitBatch(batch({ quarantine: [q('1', 'bad date'), q(undefined, 'no id')] }));
    await store.commitBatch(batch({ quarantine: [q('1', 'bad date again'), q(undefined, 'no id')] }));

    const listed = await store.quarantineList();
    expect(listed.map((e) => [e.nativeId, e.error, e.status])).toEqual([
      ['1', 'bad date again', 'open'],
      [undefined, 'no id', 'open'],
      [undefined, 'no id', 'open'],
    ]);
    expect(listed[0]?.raw).toEqual({ id: '1', text: 'a\u0000b' });
    expect(listed[0]?.createdAt).toBe(at.toISOString());
    expect(await store.quarantineCount()).toBe(3);
    expect(await store.quarantineCount({ sourceId: 's', status: 'open' })).toBe(3);
    expect(await store.quarantineCount({ sourceId: 'other' })).toBe(0);
    // Only records with an id can be re-read.
    expect(await store.quarantineRetry({ sourceId: 's' })).toBe(1);
    expect((await store.quarantineList({ status: 'retry' })).map((e) => e.nativeId)).toEqual(['1']);
    const id = listed[0]!.id;
    await store.commitBatch(batch({ resolveQuarantine: [id] }));
    expect((await store.quarantineList({ sourceId: 's', status: 'resolved' })).map((e) => e.id)).toEqual([id]);
    // Failing again reopens it.
    await store.commitBatch(batch({ resolveQuarantine: [], quarantine: [q('1', 'still bad')] }));
    expect((await store.quarantineList({ status: 'open' })).map((e) => e.error)).toContain('still bad');
    await store.quarantineResolve([id]);
    expect((await store.quarantineList({ status: 'resolved' })).map((e) => e.id)).toEqual([id]);
    expect(await store.quarantineList({ sourceId: 'other' })).toEqual([]);
  });
});
