import { expect, it } from 'vitest';
import type { PlannedAction } from '../../../src/model/action.js';
import type { PatternProblem } from '../../../src/model/history.js';
import type { TicketState } from '../../../src/model/ticket-state.js';
import type { BatchCommit } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

/**
 * One batch that lists a row twice, or rows out of key order: the PostgreSQL store writes each
 * table in one statement per batch, and must leave what the SQLite store's row-by-row loop leaves.
 */

function planned(id: string, ticketKey: string, group: string): PlannedAction {
  return { id, sourceId: 's', ruleId: 'r', target: { ticketKey, nativeId: ticketKey, number: ticketKey, version: '1' }, action: { type: 'assign', group }, explanation: '' };
}

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

const noHistory = { marks: [], duplicates: [], patternEvents: [], problems: [], members: [] };

describeEachStore('one batch listing a row twice', (kit) => {
  it('keeps the last copy of a ticket', async () => {
    const store = await kit.open();
    const first: TicketState = { key: 'k', sourceId: 's', nativeId: '1', number: 'INC1', version: '1', status: 'open', group: 'A', assignee: 'ann', updatedAt: '2026-12-01T00:00:00Z' };
    const last: TicketState = { ...first, version: '2', status: 'resolved', group: 'B', assignee: undefined, updatedAt: '2026-12-01T01:00:00Z', applied: ['r'] };

    await store.commitBatch(batch({ tickets: [first, { ...first, key: 'other' }, last] }));
    expect((await store.getTickets(['k'])).get('k')).toEqual(last);

    // And again over the stored row.
    await store.commitBatch(batch({ tickets: [last, first] }));
    expect((await store.getTickets(['k'])).get('k')).toEqual(first);
  });

  it("queues a batch's writes in the batch's order, an action listed twice once (its first copy)", async () => {
    const store = await kit.open();
    const actions = [planned('z', 't1', 'G1'), planned('a', 't2', 'G2'), planned('m', 't3', 'G3'), planned('a', 't2', 'other')];

    await store.commitBatch(batch({ actions }));

    const listed = await store.outbox.list({});
    expect(listed.map((e) => e.id)).toEqual(['m', 'a', 'z']);
    expect(listed.find((e) => e.id === 'a')?.planned).toEqual(actions[1]);
    expect((await store.outbox.due('s', new Date(Date.now() + 60_000), 10)).map((e) => e.id)).toEqual(['z', 'a', 'm']);
  });

  it('quarantines a record once, with its last error; records without a version each get a row', async () => {
    const store = await kit.open();
    await store.commitBatch(
      batch({
        quarantine: [
          { sourceId: 's', nativeId: 'n2', version: '1', error: 'first', raw: { n: 1 } },
          { sourceId: 's', nativeId: 'n1', version: undefined, error: 'no version', raw: null },
          { sourceId: 's', nativeId: 'n2', version: '1', error: 'last', raw: { n: 2 } },
          { sourceId: 's', nativeId: 'n1', version: undefined, error: 'no version', raw: null },
          { sourceId: 's', nativeId: 'n3', version: '1', error: 'third', raw: {} },
        ],
      }),
    );

    expect((await store.quarantineList()).map((q) => [q.nativeId, q.error, q.raw])).toEqual([
      ['n2', 'last', { n: 2 }],
      ['n1', 'no version', null],
      ['n1', 'no version', null],
      ['n3', 'third', {}],
    ]);
  });

  it("queues audit records in the batch's order, one listed twice once", async () => {
    const store = await kit.open();
    const record = (id: string, n: number): NonNullable<BatchCommit['audit']>[number] => ({ log: 'qa', id, at: '2026-12-01T00:00:00Z', data: { kind: 'qa', n } });

    await store.commitBatch(batch({ audit: [record('z', 1), record('a', 2), record('z', 3), record('m', 4)] }));

    expect((await store.audit.pending(10)).map((r) => [r.id, r.data['n']])).toEqual([
      ['z', 1],
      ['a', 2],
      ['m', 4],
    ]);
  });

  it("keeps a problem's first copy with its last status, and problems in the batch's order", async () => {
    const store = await kit.open();
    const problem = (correlationKey: string, status: PatternProblem['status'], trigger: string): PatternProblem => ({
      correlationKey,
      ruleId: 'p',
      sourceId: 's',
      groupKey: 'g',
      groupValues: ['G'],
      generation: 1,
      status,
      openedAt: '2026-12-01T00:00:00Z',
      trigger,
    });

    await store.commitBatch(batch({ history: { ...noHistory, problems: [problem('z', 'open', 'first'), problem('a', 'open', 'a'), problem('z', 'closed', 'second'), problem('m', 'open', 'm')] } }));

    expect((await store.history.openProblems('s')).map((p) => p.correlationKey)).toEqual(['a', 'm']);
    expect(await store.history.latestProblem('p', 'g')).toEqual(problem('m', 'open', 'm'));
    await store.history.setProblemStatus('z', 'open');
    expect((await store.history.openProblems('s')).map((p) => [p.correlationKey, p.trigger])).toEqual([
      ['z', 'first'],
      ['a', 'a'],
      ['m', 'm'],
    ]);
  });

  it("keeps a duplicate link's first copy", async () => {
    const store = await kit.open();
    const history = {
      ...noHistory,
      marks: [
        { ruleId: 'd', key: 'k', mark: 'linked', plan: 'p1' },
        { ruleId: 'd', key: 'k', mark: 'linked', plan: 'p2' },
      ],
      duplicates: [
        { key: 'k', rootKey: 'r1', ruleId: 'd', plan: 'p1' },
        { key: 'k', rootKey: 'r2', ruleId: 'd', plan: 'p2' },
      ],
    };

    await store.commitBatch(batch({ history }));

    expect(await store.history.duplicateRoot('k')).toBe('r1');
    expect(await store.history.hasMark('d', 'k', 'linked')).toBe(true);
  });
});
