import { expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import type { BatchCommit } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

const planned: PlannedAction = {
  id: 'w1',
  sourceId: 'fs',
  ruleId: 'route',
  target: { ticketKey: 'freshservice:fs:42', nativeId: '42', number: '#42', version: '2026-12-01T10:00:00Z' },
  action: { type: 'assign', group: 'Network' },
  explanation: 'test',
};
const commit: BatchCommit = { sourceId: 'fs', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [planned], quarantine: [] };

describeEachStore('versions our own writes produced (platforms whose records do not name their last editor)', (kit) => {
  it('remembers the version a write left the record at, per source, and nothing for writes without one', async () => {
    const store = await kit.open();
    await store.commitBatch(commit);
    await store.commitBatch({ ...commit, actions: [{ ...planned, id: 'w2', action: { type: 'comment', visibility: 'internal', body: 'routed' } }] });

    await store.outbox.markDone('w1', { outcome: 'updated', ref: '42', ownVersion: '2026-12-01T10:05:00Z' });
    await store.outbox.markDone('w2', { outcome: 'created', ref: '42' });

    const asked = [
      { nativeId: '42', version: '2026-12-01T10:05:00Z' },
      { nativeId: '42', version: '2026-12-01T10:00:00Z' },
      { nativeId: '43', version: '2026-12-01T10:05:00Z' },
    ];
    expect(await store.ownVersions('fs', asked)).toEqual(new Set(['42@2026-12-01T10:05:00Z']));
    expect(await store.ownVersions('other', asked)).toEqual(new Set());
    expect(await store.ownVersions('fs', [])).toEqual(new Set());
  });

  it('forgets own versions a day older than the ledger horizon, not before', async () => {
    let now = new Date('2026-12-01T10:05:00Z');
    const store = await kit.open({ clock: () => now });
    await store.commitBatch(commit);
    await store.outbox.markDone('w1', { outcome: 'updated', ref: '42', ownVersion: 'v9' });

    await store.pruneLedger('fs', '2026-12-02T00:00:00Z');
    expect(await store.ownVersions('fs', [{ nativeId: '42', version: 'v9' }])).toEqual(new Set(['42@v9']));

    now = new Date('2026-12-05T00:00:00Z');
    await store.pruneLedger('fs', '2026-12-03T00:00:00Z');
    expect(await store.ownVersions('fs', [{ nativeId: '42', version: 'v9' }])).toEqual(new Set());
  });
});
