import { describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket, finishBatch } from '../../../src/engine/index.js';
import { correlationKey } from '../../../src/engine/patterns/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import type { Decision } from '../../../src/engine/types.js';
import { PatternRule } from '../../../src/engine/patterns/schema.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { makeTicket } from '../../helpers/tickets.js';

const rule = (overrides: Record<string, unknown> = {}) =>
  PatternRule.parse({
    id: 'by-ci',
    kind: 'pattern',
    when: "kind = 'incident'",
    groupBy: ['ci'],
    window: { hours: 24 },
    baseline: { days: 28 },
    trigger: { minCount: 3, factor: 3, maxPValue: 0.01 },
    problem: { title: 'Recurring incidents on {{ key }}', description: '{{ count }} incidents. {{ trigger }}\n{{ text.members }}\n{{ text.counts }}' },
    ...overrides,
  });

/** Runs batches through the engine like the sync loop: evaluate each ticket, then the batch summary, then commit. */
function desk(rules = [rule()]) {
  const store = new MemoryState();
  const ruleSet = compileRuleSet(rules);
  return {
    store,
    async batch(tickets: Ticket[]): Promise<Decision[]> {
      const state = new BatchState(new Map(), new Map(), store.history);
      const decisions: Decision[] = [];
      for (const ticket of tickets) decisions.push(...(await evaluateTicket(ticket, ruleSet, state, { sourceId: 'snow-test', now: new Date(ticket.updatedAt) })).decisions);
      decisions.push(...(await finishBatch(ruleSet, state)));
      store.history.apply(state.history.changes);
      return decisions;
    },
  };
}

let serial = 0;
const incident = (ci: string | undefined, createdAt: string, extra: Partial<Ticket> = {}) => {
  serial++;
  return makeTicket({ id: `t${serial}`, createdAt, updatedAt: createdAt, title: `Mail server ${ci ?? ''} not responding`, ...(ci ? { ci } : {}), location: 'Lisbon', ...extra });
};
const types = (decisions: Decision[]) => decisions.map((d) => d.action.type);

/** History: the rule has watched the desk for 40 days, with one incident on `mail-01` a week. */
async function withHistory() {
  const d = desk();
  const quiet: Ticket[] = [];
  for (let day = 40; day >= 5; day -= 7) quiet.push(incident('mail-01', new Date(Date.parse('2026-11-20T09:00:00Z') - day * 86_400_000).toISOString()));
  expect(await d.batch(quiet)).toEqual([]);
  return d;
}

describe('pattern rules', () => {
  it('opens one problem when a group departs from its normal rate, linking every incident of the window', async () => {
    const d = await withHistory();
    const spike = [incident('mail-01', '2026-11-20T08:00:00Z'), incident('mail-01', '2026-11-20T09:00:00Z')];
    expect(await d.batch(spike)).toEqual([]);
    const third = incident('mail-01', '2026-11-20T10:00:00Z');
    const decisions = await d.batch([third]);
    expect(types(decisions)).toEqual(['create-problem', 'link-problem', 'link-problem', 'link-problem']);
    const key = correlationKey('by-ci', JSON.stringify(['snow-test', 'mail-01']), 1);
    expect(decisions[0]?.action).toMatchObject({ type: 'create-problem', correlationKey: key, title: 'Recurring incidents on mail-01' });
    const description = decisions[0]?.action.type === 'create-problem' ? decisions[0].action.description : '';
    expect(description).toContain('3 incidents. 3 incidents in 24 h');
    for (const t of [...spike, third]) expect(description).toContain(t.source.number);
    expect(description).toContain('location: Lisbon (3)');
    // Earlier members are linked on their own tickets; all writes of one problem share a lane.
    expect(decisions.slice(1).map((x) => x.target?.nativeId ?? third.source.nativeId)).toEqual([spike[0]?.source.nativeId, spike[1]?.source.nativeId, third.source.nativeId]);
    expect(new Set(decisions.map((x) => x.lane))).toEqual(new Set([`problem:${key}`]));
  });

  it('adds later incidents to the open problem and rewrites its evidence once per batch', async () => {
    const d = await withHistory();
    await d.batch([incident('mail-01', '2026-11-20T08:00:00Z'), incident('mail-01', '2026-11-20T09:00:00Z'), incident('mail-01', '2026-11-20T10:00:00Z')]);
    const late = [incident('mail-01', '2026-11-22T08:00:00Z'), incident('mail-01', '2026-11-22T09:00:00Z')];
    const decisions = await d.batch(late);
    expect(types(decisions)).toEqual(['link-problem', 'link-problem', 'update-problem']);
    const update = decisions[2]?.action;
    expect(update).toMatchObject({ type: 'update-problem', reopen: false, description: expect.stringContaining('5 incidents') });
    expect(decisions[2]?.target?.nativeId).toBe(late[1]?.source.nativeId);
  });

  it('does not count a ticket twice when a new version of it arrives', async () => {
    const d = await withHistory();
    const t = incident('mail-01', '2026-11-20T08:00:00Z');
    await d.batch([t]);
    expect(
      await d.batch([
        { ...t, version: '5', updatedAt: '2026-11-20T08:30:00Z' },
        { ...t, version: '6', updatedAt: '2026-11-20T08:40:00Z' },
      ]),
    ).toEqual([]);
    expect(await d.store.history.countPatternEvents('by-ci', JSON.stringify(['snow-test', 'mail-01']), '2026-11-19T00:00:00Z', '2026-11-21T00:00:00Z')).toBe(1);
  });

  it('leaves a group that is always this busy alone', async () => {
    const d = desk([rule({ trigger: { minCount: 3, factor: 3, maxPValue: 0.01 } })]);
    const steady: Ticket[] = [];
    for (let hour = 0; hour < 35 * 24; hour += 6) steady.push(incident('busy-app', new Date(Date.parse('2026-10-15T00:00:00Z') + hour * 3_600_000).toISOString()));
    expect(types(await d.batch(steady))).toEqual([]);
  });

  it('waits for a baseline: a rule deployed today does not treat its first busy day as a spike', async () => {
    const d = desk();
    const first = ['08', '09', '10', '11', '12'].map((h) => incident('mail-01', `2026-11-20T${h}:00:00Z`));
    expect(await d.batch(first)).toEqual([]);
    const floor = desk([rule({ trigger: { minCount: 3, factor: 3, absoluteCount: 5 } })]);
    expect(types(await floor.batch(['08', '09', '10', '11', '12'].map((h) => incident('mail-02', `2026-11-20T${h}:00:00Z`))))).toContain('create-problem');
  });

  it('does not group tickets that lack a groupBy value', async () => {
    const d = await withHistory();
    const noCi = ['08', '09', '10', '11'].map((h) => incident(undefined, `2026-11-20T${h}:00:00Z`));
    expect(await d.batch(noCi)).toEqual([]);
  });

  it('opens a new problem (next generation) after people closed the last one, when the pattern spikes again', async () => {
    const d = await withHistory();
    await d.batch(['08', '09', '10'].map((h) => incident('mail-01', `2026-11-20T${h}:00:00Z`)));
    const first = correlationKey('by-ci', JSON.stringify(['snow-test', 'mail-01']), 1);
    await d.store.history.setProblemStatus(first, 'closed');
    // A single occurrence after the close is not a pattern by itself.
    expect(await d.batch([incident('mail-01', '2026-11-25T08:00:00Z')])).toEqual([]);
    const again = await d.batch(['08', '09', '10'].map((h) => incident('mail-01', `2026-12-10T${h}:00:00Z`)));
    expect(again[0]?.action).toMatchObject({ type: 'create-problem', correlationKey: correlationKey('by-ci', JSON.stringify(['snow-test', 'mail-01']), 2) });
  });

  it('reopens the closed problem at the next occurrence when the rule says reopen', async () => {
    const d = desk([rule({ onClosed: 'reopen' })]);
    for (let day = 40; day >= 5; day -= 7) await d.batch([incident('mail-01', new Date(Date.parse('2026-11-20T09:00:00Z') - day * 86_400_000).toISOString())]);
    await d.batch(['08', '09', '10'].map((h) => incident('mail-01', `2026-11-20T${h}:00:00Z`)));
    const key = correlationKey('by-ci', JSON.stringify(['snow-test', 'mail-01']), 1);
    await d.store.history.setProblemStatus(key, 'closed');
    const decisions = await d.batch([incident('mail-01', '2026-11-25T08:00:00Z')]);
    expect(types(decisions)).toEqual(['link-problem', 'update-problem']);
    expect(decisions[1]?.action).toMatchObject({ correlationKey: key, reopen: true });
    expect((await d.store.history.latestProblem('by-ci', JSON.stringify(['snow-test', 'mail-01'])))?.status).toBe('open');
  });

  it('keeps each source and each rule to its own problems', async () => {
    const d = await withHistory();
    await d.batch(['08', '09', '10'].map((h) => incident('mail-01', `2026-11-20T${h}:00:00Z`)));
    const other = await d.store.history.latestProblem('by-ci', JSON.stringify(['snow-other', 'mail-01']));
    expect(other).toBeUndefined();
  });

  it('falls back to a plain description carrying the evidence when the template fails', async () => {
    const d = desk([rule({ problem: { title: '{{ $undefinedFn() }}', description: '{{ $undefinedFn() }}' }, trigger: { minCount: 3, factor: 3, absoluteCount: 3 } })]);
    const decisions = await d.batch(['08', '09', '10'].map((h) => incident('mail-03', `2026-11-20T${h}:00:00Z`)));
    expect(decisions[0]?.action).toMatchObject({ type: 'create-problem', title: 'Recurring incidents: mail-03', description: expect.stringContaining('3 incidents from') });
  });
});

describe('pattern rules over text clusters', () => {
  it('groups incidents by what they say when no field captures it ($cluster)', async () => {
    const d = desk([rule({ id: 'by-text', groupBy: ['$cluster'], trigger: { minCount: 3, factor: 3, absoluteCount: 3 }, cluster: { threshold: 0.5 } })]);
    const at = (h: string, title: string) => incident(undefined, `2026-11-20T${h}:00:00Z`, { title, description: '' });
    const noise = [at('06', 'Printer on floor 2 jams'), at('06', 'New starter needs a laptop'), at('07', 'Password reset for payroll')];
    expect(await d.batch(noise)).toEqual([]);
    const outage = [at('08', 'Teams calls drop after ten minutes'), at('09', 'Teams calls keep dropping'), at('10', 'Calls in Teams drop after a few minutes')];
    const decisions = await d.batch(outage);
    expect(types(decisions)).toEqual(['create-problem', 'link-problem', 'link-problem', 'link-problem']);
    expect(decisions[0]?.action).toMatchObject({ title: `Recurring incidents on cluster of ${outage[0]?.source.number}` });
    expect(
      decisions
        .slice(1)
        .map((x) => x.target?.number ?? outage[2]?.source.number)
        .sort(),
    ).toEqual(outage.map((t) => t.source.number).sort());
  });
});
