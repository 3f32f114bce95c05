import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';

describe('quarantineCount (SQLite)', () => {
  it('counts what quarantineList would list, by source and status, without reading the records', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const q = (sourceId: string, nativeId: string | undefined, error: string) => ({ sourceId, nativeId, version: nativeId === undefined ? undefined : '1', error, raw: { id: nativeId } });
      await store.commitBatch({
        sourceId: 's',
        watermark: undefined,
        ledger: [],
        tickets: [],
        roundRobin: new Map(),
        actions: [],
        quarantine: [q('s', '1', 'bad date'), q('s', undefined, 'no id'), q('t', '9', 'bad')],
      });
      await store.quarantineRetry({ sourceId: 's' });
      for (const filter of [{}, { sourceId: 's' }, { sourceId: 's', status: 'open' as const }, { status: 'retry' as const }, { sourceId: 'none' }]) {
        expect(await store.quarantineCount(filter), JSON.stringify(filter)).toBe((await store.quarantineList(filter)).length);
      }
      expect(await store.quarantineCount({ sourceId: 's', status: 'open' })).toBe(1);
    } finally {
      await store.close();
    }
  });
});
