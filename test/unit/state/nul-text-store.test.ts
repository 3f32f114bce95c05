import { expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import type { BatchCommit } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

const NUL = 'a\u0000b';

describeEachStore('text holding U+0000 (which PostgreSQL text cannot store)', (kit) => {
  it('commits a batch whose write, ticket version and quarantine error hold it, and dead-letters a write whose error echoes it', async () => {
    const store = await kit.open();
    const action: PlannedAction = {
      id: 'w1',
      sourceId: 's',
      ruleId: 'r',
      target: { ticketKey: 'T1', nativeId: 'T1', number: 'INC1', version: '1' },
      action: { type: 'comment', body: `note ${NUL}`, visibility: 'internal' },
      explanation: `because ${NUL}`,
    };
    await store.commitBatch(
      batch({
        actions: [action],
        quarantine: [{ sourceId: 's', nativeId: 'Q1', version: '1', error: `bad ${NUL}`, raw: { title: NUL } }],
        versions: [{ key: 'T1', number: 'INC1', version: '1', status: 'new', priority: 3, createdAt: '2026-12-06T09:00:00Z', updatedAt: '2026-12-06T10:00:00Z', group: `Net ${NUL}` }],
      }),
    );
    // SQLite keeps the character; PostgreSQL keeps U+FFFD in its place — either way nothing is refused or lost.
    const kept = kit.name === 'sqlite' ? NUL : 'a\uFFFDb';
    const [entry] = await store.outbox.list({ sourceId: 's' });
    expect(entry?.planned.action).toMatchObject({ body: `note ${kept}` });
    expect((await store.quarantineList())[0]?.error).toBe(`bad ${kept}`);
    expect((await store.ticketVersions({ key: 'T1' }))[0]?.group).toBe(`Net ${kept}`);
    await store.outbox.markDead('w1', `HTTP 400: ${NUL}`);
    expect((await store.outbox.list({ status: 'dead' }))[0]?.lastError).toBe(`HTTP 400: ${kept}`);
  });
});
