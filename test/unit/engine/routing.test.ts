import { MemoryHistoryStore } from '../../../src/engine/memory-history.js';
import { describe, expect, it } from 'vitest';
import { evaluateTicket, planActions } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { BatchState } from '../../../src/engine/batch-state.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { type Rule } from '../../../src/engine/kinds.js';
import { makeTicket } from '../../helpers/tickets.js';

const context = { sourceId: 'snow-test', now: new Date('2026-11-23T10:00:00Z') };

function rule(partial: Record<string, unknown>): Rule {
  return RoutingRule.parse({ kind: 'routing', ...partial });
}

function freshState(roundRobin: [string, number][] = [], loads: [string, number][] = []): BatchState {
  return new BatchState(new Map(roundRobin), new Map(loads), new MemoryHistoryStore());
}

describe('routing rules', () => {
  it('assigns the group of the first matching rule and stops there', async () => {
    const rules = compileRuleSet([rule({ id: 'hw', when: 'category = "hardware"', assign: { group: 'Desktop' } }), rule({ id: 'all', when: 'true', assign: { group: 'Service Desk' } })]);

    const result = await evaluateTicket(makeTicket({ category: 'hardware' }), rules, freshState(), context);

    expect(result.decisions.map((d) => d.action)).toEqual([{ type: 'assign', group: 'Desktop' }]);
    expect(result.trace.map((t) => [t.ruleId, t.outcome])).toEqual([['hw', 'matched']]);
  });

  it('keeps evaluating after a rule that says continue', async () => {
    const rules = compileRuleSet([
      rule({ id: 'hw', when: 'true', assign: { group: 'Desktop' }, continue: true }),
      rule({ id: 'p1', when: 'priority = 1', assign: { group: 'Major' }, override: true }),
    ]);

    const result = await evaluateTicket(makeTicket({ priority: 1 }), rules, freshState(), context);

    expect(result.decisions.map((d) => d.action)).toEqual([
      { type: 'assign', group: 'Desktop' },
      { type: 'assign', group: 'Major' },
    ]);
  });

  it('leaves an already assigned ticket alone unless the rule overrides', async () => {
    const rules = compileRuleSet([rule({ id: 'soft', when: 'true', assign: { group: 'Apps' } }), rule({ id: 'p1', when: 'priority = 1', assign: { group: 'Major' }, override: true })]);

    const p3 = await evaluateTicket(makeTicket({ group: 'Desk' }), rules, freshState(), context);
    const p1 = await evaluateTicket(makeTicket({ group: 'Desk', priority: 1 }), rules, freshState(), context);

    expect(p3.decisions).toEqual([]);
    expect(p3.trace[0]).toMatchObject({ ruleId: 'soft', outcome: 'not-applicable' });
    expect(p1.decisions.map((d) => d.action)).toEqual([{ type: 'assign', group: 'Major' }]);
  });

  it('writes nothing when an overriding rule finds the ticket already where it would send it', async () => {
    const rules = compileRuleSet([rule({ id: 'p1', when: 'priority = 1', assign: { group: 'Major' }, override: true })]);

    const result = await evaluateTicket(makeTicket({ group: 'Major', priority: 1 }), rules, freshState(), context);

    expect(result.decisions).toEqual([]);
  });

  it('leaves a ticket already with a member of a rotating rule alone, without advancing the rotation', async () => {
    const rules = compileRuleSet([rule({ id: 'p1', when: 'priority = 1', override: true, assign: { group: 'Major', strategy: 'round-robin', members: ['ann', 'bob'] } })]);
    const state = freshState([['p1', 1]]);

    const result = await evaluateTicket(makeTicket({ priority: 1, group: 'Major', assignee: 'ann' }), rules, state, context);

    expect(result.decisions).toEqual([]);
    expect(state.roundRobinChanges.size).toBe(0);
  });

  it('rotates round-robin members and remembers the position', async () => {
    const rules = compileRuleSet([rule({ id: 'rr', when: 'true', assign: { group: 'Apps', strategy: 'round-robin', members: ['ann', 'bob', 'cat'] } })]);
    const state = freshState([['rr', 2]]);

    const picks: (string | undefined)[] = [];
    for (const id of ['1', '2', '3']) {
      const result = await evaluateTicket(makeTicket({ id }), rules, state, context);
      const action = result.decisions[0]?.action;
      picks.push(action?.type === 'assign' ? action.assignee : undefined);
    }

    expect(picks).toEqual(['cat', 'ann', 'bob']);
    expect(state.roundRobinChanges.get('rr')).toBe(2);
  });

  it('gives least-loaded tickets to the member with the fewest open tickets, counting this batch', async () => {
    const rules = compileRuleSet([rule({ id: 'll', when: 'true', assign: { group: 'Net', strategy: 'least-loaded', members: ['ann', 'bob'] } })]);
    const state = freshState(
      [],
      [
        ['ann', 2],
        ['bob', 1],
      ],
    );

    const first = await evaluateTicket(makeTicket({ id: '1' }), rules, state, context);
    const second = await evaluateTicket(makeTicket({ id: '2' }), rules, state, context);
    const third = await evaluateTicket(makeTicket({ id: '3' }), rules, state, context);

    const assignees = [first, second, third].map((r) => (r.decisions[0]?.action.type === 'assign' ? r.decisions[0].action.assignee : undefined));
    expect(assignees).toEqual(['bob', 'ann', 'bob']);
  });

  it('renders the note template with the ticket and the chosen assignment', async () => {
    const rules = compileRuleSet([
      rule({ id: 'net', when: 'true', assign: { group: 'Network', assignee: 'ann' }, note: { template: 'Sent "{{ title }}" to {{ $group }} / {{ $assignee }} by {{ $rule.id }}' } }),
    ]);

    const result = await evaluateTicket(makeTicket({ title: 'VPN drops' }), rules, freshState(), context);

    expect(result.decisions[1]?.action).toEqual({ type: 'comment', visibility: 'internal', body: 'Sent "VPN drops" to Network / ann by net' });
  });

  it('counts a condition that fails at run time as no match and goes on', async () => {
    const rules = compileRuleSet([rule({ id: 'broken', when: '$number("x") > 1', assign: { group: 'X' } }), rule({ id: 'ok', when: 'true', assign: { group: 'Desk' } })]);

    const result = await evaluateTicket(makeTicket(), rules, freshState(), context);

    expect(result.trace[0]).toMatchObject({ ruleId: 'broken', outcome: 'error' });
    expect(result.decisions.map((d) => d.action)).toEqual([{ type: 'assign', group: 'Desk' }]);
  });

  it('names the function in the trace when a condition calls one that does not exist', async () => {
    const rules = compileRuleSet([rule({ id: 'typo', when: '$lowercas(category) = "network"', assign: { group: 'Network' } })]);

    const result = await evaluateTicket(makeTicket({ category: 'Network' }), rules, freshState(), context);

    expect(result.trace[0]).toMatchObject({ ruleId: 'typo', outcome: 'error', reason: 'when failed: $lowercas is not a function; did you mean $lowercase? (Attempted to invoke a non-function)' });
  });

  it('skips rules scoped to other sources', async () => {
    const rules = compileRuleSet([rule({ id: 'other', when: 'true', scope: { sources: ['jira-x'] }, assign: { group: 'X' } })]);

    const result = await evaluateTicket(makeTicket(), rules, freshState(), context);

    expect(result.decisions).toEqual([]);
  });

  it('gives the same decision on the same ticket version the same idempotency key', async () => {
    const rules = compileRuleSet([rule({ id: 'hw', when: 'true', assign: { group: 'Desktop' } })]);
    const ticket = makeTicket();

    const a = planActions(ticket, (await evaluateTicket(ticket, rules, freshState(), context)).decisions, 'snow-test');
    const b = planActions(ticket, (await evaluateTicket(ticket, rules, freshState(), context)).decisions, 'snow-test');
    const c = planActions({ ...ticket, version: '1' }, (await evaluateTicket(ticket, rules, freshState(), context)).decisions, 'snow-test');

    expect(a[0]?.id).toBe(b[0]?.id);
    expect(a[0]?.id).not.toBe(c[0]?.id);
  });
});
