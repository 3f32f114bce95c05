import { describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import type { Decision } from '../../../src/engine/types.js';
import { PatternRule } from '../../../src/engine/patterns/schema.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { makeTicket } from '../../helpers/tickets.js';

const ruleSet = compileRuleSet([
  PatternRule.parse({
    id: 'by-ci',
    kind: 'pattern',
    when: "kind = 'incident'",
    groupBy: ['ci'],
    window: { hours: 24 },
    baseline: { days: 28 },
    trigger: { minCount: 3, factor: 3, maxPValue: 0.01 },
    problem: { title: 'Recurring incidents on {{ key }}', description: '{{ trigger }}' },
  }),
]);
const ACT_FROM = '2026-11-20T00:00:00.000Z';
const DAY = 86_400_000;

let serial = 0;
function incident(createdAt: string): Ticket {
  serial++;
  return makeTicket({ id: `s${serial}`, createdAt, updatedAt: createdAt, title: 'Mail server not responding', ci: 'mail-01' });
}

/** Evaluates one ticket at a time with the source's start point, committing after each. */
function desk() {
  const store = new MemoryState();
  return async (ticket: Ticket, startPoint: string | null = ACT_FROM): Promise<Decision[]> => {
    const actFrom = startPoint ?? undefined;
    const state = new BatchState(new Map(), new Map(), store.history);
    const { decisions } = await evaluateTicket(ticket, ruleSet, state, { sourceId: 'snow-test', now: new Date('2026-11-25T00:00:00Z'), actFrom });
    store.history.apply(state.history.changes);
    return decisions;
  };
}

describe('pattern rules and the start point for acting', () => {
  it('a spike that lies entirely before the start point opens no problem, even when one of its incidents is seen late', async () => {
    const judge = desk();
    for (let day = 40; day >= 12; day -= 7) expect(await judge(incident(new Date(Date.parse('2026-11-10T09:00:00Z') - day * DAY).toISOString()))).toEqual([]);
    for (const at of ['2026-11-10T08:00:00Z', '2026-11-10T09:00:00Z', '2026-11-10T10:00:00Z']) expect(await judge(incident(at))).toEqual([]);
    // Created during the old spike, first seen after the start point (an import).
    expect(await judge(incident('2026-11-10T11:00:00Z'))).toEqual([]);
    // Without a start point the same incident would have opened one: the rule is what held it back.
    expect((await judge(incident('2026-11-10T12:00:00Z'), null)).map((d) => d.action.type)).toContain('create-problem');
  });

  it('a spike still going on after the start point opens one problem, with its incidents from before the start point as members', async () => {
    const judge = desk();
    for (let day = 40; day >= 5; day -= 7) await judge(incident(new Date(Date.parse('2026-11-20T09:00:00Z') - day * DAY).toISOString()));
    expect(await judge(incident('2026-11-19T22:00:00Z'))).toEqual([]);
    expect(await judge(incident('2026-11-19T23:00:00Z'))).toEqual([]);
    const decisions = await judge(incident('2026-11-20T01:00:00Z'));
    expect(decisions.map((d) => d.action.type)).toEqual(['create-problem', 'link-problem', 'link-problem', 'link-problem']);
  });
});
