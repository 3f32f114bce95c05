import { expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import type { TicketState } from '../../../src/model/ticket-state.js';
import type { BatchCommit } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

function planned(id: string, ticketKey: string, action: PlannedAction['action']): PlannedAction {
  return { id, sourceId: 's', ruleId: 'r', target: { ticketKey, nativeId: ticketKey, number: ticketKey, version: '1' }, action, explanation: '' };
}

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

describeEachStore('state store', (kit) => {
  it('never moves a watermark backwards', async () => {
    const store = await kit.open();

    await store.commitBatch(batch({ watermark: '2026-11-20T10:00:00.000Z' }));
    await store.commitBatch(batch({ watermark: '2026-11-19T10:00:00.000Z' }));

    expect(await store.getWatermark('s')).toBe('2026-11-20T10:00:00.000Z');
    expect(await store.getWatermark('other')).toBeNull();
  });

  it('remembers processed (id, version) pairs and forgets them past the horizon', async () => {
    const store = await kit.open();
    await store.commitBatch(
      batch({
        ledger: [
          { nativeId: 'a', version: '1', updatedAt: '2026-11-01T00:00:00Z' },
          { nativeId: 'b', version: '3', updatedAt: '2026-11-20T00:00:00Z' },
        ],
      }),
    );
    // Seen again in the overlap window: ignored, not an error.
    await store.commitBatch(batch({ ledger: [{ nativeId: 'a', version: '1', updatedAt: '2026-11-01T00:00:00Z' }] }));

    expect(
      await store.seenVersions('s', [
        { nativeId: 'a', version: '1' },
        { nativeId: 'a', version: '2' },
        { nativeId: 'b', version: '3' },
      ]),
    ).toEqual(new Set(['a@1', 'b@3']));
    expect(await store.seenVersions('other', [{ nativeId: 'a', version: '1' }])).toEqual(new Set());
    expect(await store.seenVersions('s', [])).toEqual(new Set());
    expect(await store.pruneLedger('s', '2026-11-10T00:00:00Z')).toBe(1);
    expect(await store.seenVersions('s', [{ nativeId: 'a', version: '1' }])).toEqual(new Set());
  });

  it('enqueues an action only once however often it is planned', async () => {
    const store = await kit.open();
    const action = planned('x1', 't1', { type: 'assign', group: 'G' });

    await store.commitBatch(batch({ actions: [action] }));
    await store.commitBatch(batch({ actions: [action] }));

    expect((await store.outbox.counts()).pending).toBe(1);
    expect((await store.outbox.list({}))[0]?.planned).toEqual(action);
  });

  it("holds back a ticket's later writes while an earlier one waits for its retry", async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const store = await kit.open({ clock: () => now });
    await store.commitBatch(
      batch({
        actions: [
          planned('a1', 't1', { type: 'assign', group: 'G' }),
          planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'n' }),
          planned('b1', 't2', { type: 'assign', group: 'G' }),
        ],
      }),
    );

    await store.outbox.markFailed('a1', 'HTTP 503', new Date(now.getTime() + 60_000));

    expect((await store.outbox.due('s', now, 10)).map((e) => e.id)).toEqual(['b1']);
    expect(await store.outbox.nextAttemptAt('s')).toBe(now.toISOString());
    expect((await store.outbox.due('s', new Date(now.getTime() + 61_000), 10)).map((e) => e.id)).toEqual(['a1', 'a2', 'b1']);
  });

  it('holds back the rest of a plan while an earlier entry of it is dead', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const store = await kit.open({ clock: () => now });
    await store.commitBatch(batch({ actions: [planned('a1', 't1', { type: 'assign', group: 'G' }), planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'Routed to G' })] }));

    await store.outbox.markDead('a1', 'HTTP 400: invalid group');

    expect((await store.outbox.due('s', now, 10)).map((e) => e.id)).toEqual([]);
    expect(await store.outbox.nextAttemptAt('s')).toBeNull();
    await store.outbox.retry({ id: 'a1' });
    expect((await store.outbox.due('s', now, 10)).map((e) => e.id)).toEqual(['a1', 'a2']);
  });

  it("lists one ticket's writes (what explain reports of it), newest first; finds entries by the start of their id", async () => {
    const store = await kit.open();
    await store.commitBatch(batch({ actions: [planned('a1', 'ta', { type: 'assign', group: 'G' }), planned('b1', 'tb', { type: 'assign', group: 'G' })] }));
    await store.commitBatch(batch({ actions: [planned('a2', 'ta', { type: 'comment', visibility: 'internal', body: 'n' })] }));

    expect((await store.outbox.list({ ticketKey: 'ta' })).map((e) => e.id)).toEqual(['a2', 'a1']);
    expect((await store.outbox.list({ ticketKey: 'ta', sourceId: 'other' })).map((e) => e.id)).toEqual([]);
    expect((await store.outbox.list({ limit: 1 })).map((e) => e.id)).toEqual(['a2']);
    expect((await store.outbox.find('a')).map((e) => e.id)).toEqual(['a1', 'a2']);
    // A prefix is not a pattern.
    expect((await store.outbox.find('a%')).map((e) => e.id)).toEqual([]);
  });

  it('keeps round-robin positions per source', async () => {
    const store = await kit.open();

    await store.commitBatch(batch({ sourceId: 'a', roundRobin: new Map([['rr', 2]]) }));
    await store.commitBatch(batch({ sourceId: 'b', roundRobin: new Map([['rr', 1]]) }));
    await store.commitBatch(batch({ sourceId: 'a', roundRobin: new Map([['rr', 3]]) }));

    expect(await store.roundRobinPositions('a')).toEqual(new Map([['rr', 3]]));
    expect(await store.roundRobinPositions('b')).toEqual(new Map([['rr', 1]]));
    expect(await store.roundRobinPositions('none')).toEqual(new Map());
    // A source id is no pattern: `_` matches no other source.
    expect(await store.roundRobinPositions('_')).toEqual(new Map());
  });

  it('counts open tickets per assignee for least-loaded routing, per source', async () => {
    const store = await kit.open();
    const t = (key: string, assignee: string, status: 'new' | 'closed', sourceId = 's'): TicketState => ({
      key,
      sourceId,
      nativeId: key,
      number: key,
      version: '1',
      status,
      group: 'G',
      assignee,
      updatedAt: '2026-11-20T00:00:00Z',
    });

    await store.commitBatch(batch({ tickets: [t('1', 'ann', 'new'), t('2', 'ann', 'new'), t('3', 'bob', 'closed'), t('4', 'cy', 'new', 'other')] }));

    expect(await store.openLoads('s')).toEqual(new Map([['ann', 2]]));
    expect(await store.openLoadsBySource()).toEqual(
      new Map([
        ['s', new Map([['ann', 2]])],
        ['other', new Map([['cy', 1]])],
      ]),
    );
    const got = await store.getTickets(['3', 'missing', '1']);
    // In the order asked.
    expect([...got.keys()]).toEqual(['3', '1']);
    expect(got.get('1')).toEqual(t('1', 'ann', 'new'));
  });

  it('takes back the attempts of a grouped request that was not sent, and does not count an attempt the platform provably did not process', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const store = await kit.open({ clock: () => now });
    await store.commitBatch(batch({ actions: [planned('a1', 't1', { type: 'assign', group: 'G' }), planned('a2', 't1', { type: 'comment', visibility: 'internal', body: 'n' })] }));

    await store.outbox.markAttempts(['a1', 'a2']);
    await store.outbox.releaseAttempts(['a1', 'a2']);
    await store.outbox.markAttempt('a1');
    await store.outbox.markFailed('a1', 'HTTP 429', new Date(now.getTime() + 1000), { notProcessed: true });

    expect((await store.outbox.list({})).map((e) => [e.id, e.attempts, e.lastError ?? null])).toEqual([
      ['a2', 0, null],
      ['a1', 0, 'HTTP 429'],
    ]);
  });

  it('puts dead entries back in the queue on retry', async () => {
    const store = await kit.open();
    await store.commitBatch(batch({ actions: [planned('a1', 't1', { type: 'assign', group: 'G' })] }));
    await store.outbox.markDead('a1', 'HTTP 400: invalid group');

    expect(await store.outbox.retry({})).toBe(1);
    expect((await store.outbox.counts()).pending).toBe(1);
  });

  it('keeps every field of a ticket, its SLA snapshot only while a step is due, and finds the due ones oldest first', async () => {
    const store = await kit.open();
    const base: TicketState = { key: 'k1', sourceId: 's', nativeId: '1', number: 'INC1', version: '1', status: 'open', group: undefined, assignee: undefined, updatedAt: '2026-12-01T00:00:00Z' };
    const full: TicketState = {
      ...base,
      group: 'G',
      assignee: 'ann',
      statusSince: '2026-12-01T00:00:00Z',
      slaDueAt: '2026-12-02T00:00:00Z',
      snapshot: '{"title":"x"}',
      resolvedAt: '2026-12-01T05:00:00Z',
      triggered: [],
      applied: ['r1'],
    };
    await store.commitBatch(batch({ tickets: [full, { ...base, key: 'k2', nativeId: '2', slaDueAt: '2026-12-01T12:00:00Z', snapshot: 's2' }, { ...base, key: 'k3', snapshot: 'dropped' }] }));

    expect((await store.getTickets(['k1'])).get('k1')).toEqual(full);
    expect((await store.getTickets(['k3'])).get('k3')?.snapshot).toBeUndefined();
    expect((await store.slaDue('s', '2026-12-03T00:00:00Z', 10)).map((t) => t.key)).toEqual(['k2', 'k1']);
    expect((await store.slaDue('s', '2026-12-01T12:00:00Z', 10)).map((t) => t.key)).toEqual(['k2']);
    expect(await store.slaDue('other', '2026-12-03T00:00:00Z', 10)).toEqual([]);
  });

  it('lists the tickets deskbridge assigned: done assign writes that changed the ticket', async () => {
    const store = await kit.open();
    await store.commitBatch(
      batch({
        actions: [
          planned('a1', 't1', { type: 'assign', group: 'G' }),
          planned('a2', 't2', { type: 'assign', group: 'G' }),
          planned('a3', 't3', { type: 'assign', group: 'G' }),
          planned('c4', 't4', { type: 'comment', visibility: 'internal', body: 'n' }),
        ],
      }),
    );
    await store.outbox.markDone('a1', { outcome: 'updated', ref: 't1' });
    await store.outbox.markDone('a2', { outcome: 'unchanged', ref: 't2' });
    await store.outbox.markDone('a3', { outcome: 'dry-run', ref: undefined });
    await store.outbox.markDone('c4', { outcome: 'updated', ref: 't4' });

    expect(await store.routedTickets()).toEqual(new Set(['t1']));
    // A dry run records nothing for the action log.
    expect((await store.audit.pending(10)).map((r) => r.data['actionId'])).toEqual(['a1', 'a2', 'c4']);
  });

  it('commits a batch whose history links duplicates, with its marks', async () => {
    const store = await kit.open();
    const history = {
      marks: [{ ruleId: 'd', key: 'k', mark: 'suggested', plan: undefined }],
      duplicates: [{ key: 'k', rootKey: 'r', ruleId: 'd', plan: undefined }],
      patternEvents: [],
      problems: [],
      members: [],
    };

    await store.commitBatch(batch({ watermark: '2026-12-01T00:00:00Z', history }));

    expect(await store.getWatermark('s')).toBe('2026-12-01T00:00:00Z');
    expect(await store.history.hasMark('d', 'k', 'suggested')).toBe(true);
    expect(await store.history.duplicateRoot('k')).toBe('r');
    expect(await store.history.hasDuplicates('r')).toBe(true);
  });
});
