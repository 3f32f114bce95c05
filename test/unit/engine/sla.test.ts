import { describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateSlaOnly, evaluateTicket } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import type { SlaCalendar } from '../../../src/engine/types.js';
import { SlaRule } from '../../../src/engine/sla/schema.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { makeTicket } from '../../helpers/tickets.js';

const rule = (overrides: Record<string, unknown> = {}) =>
  SlaRule.parse({
    id: 'incident-sla',
    kind: 'sla',
    when: 'kind = "incident"',
    targets: [
      { priority: 1, response: { minutes: 15 }, resolution: { hours: 4 } },
      { priority: 3, response: { hours: 4 }, resolution: { hours: 24 } },
    ],
    escalations: [
      { id: 'response-late', at: { percent: 100, of: 'response' }, note: { template: 'Nobody has picked up {{ source.number }} in {{ $sla.targetTime }}.' } },
      { id: 'warn-75', at: { percent: 75, of: 'resolution' }, note: { template: '{{ $sla.elapsed }} of {{ $sla.targetTime }} used. @Duty Manager' } },
      { id: 'breach', at: { percent: 100, of: 'resolution' }, assign: { group: 'Major Incident Team' }, setField: { field: 'urgency', value: '1' } },
      { id: 'stuck-on-hold', at: { age: { days: 3 }, status: ['on_hold'] }, note: { template: 'On hold for {{ $sla.elapsed }}.' } },
    ],
    ...overrides,
  });

const P1 = (extra: Partial<Ticket> = {}) => makeTicket({ id: 'p1', priority: 1, status: 'new', createdAt: '2026-11-23T08:00:00Z', updatedAt: '2026-11-23T08:00:00Z', ...extra });

async function at(now: string, ticket: Ticket, store: MemoryState, rules = [rule()], extra: { statusSince?: string; calendars?: (name: string) => SlaCalendar | undefined } = {}) {
  const state = new BatchState(new Map(), new Map(), store.history);
  const evaluation = await evaluateSlaOnly(ticket, compileRuleSet(rules), state, { sourceId: 'snow-test', now: new Date(now), ...extra });
  store.history.apply(state.history.changes);
  return { steps: evaluation.decisions.map((d) => d.explanation.match(/step ([\w-]+)/)?.[1]), decisions: evaluation.decisions, dueAt: evaluation.slaDueAt };
}

describe('SLA escalation steps', () => {
  it('fires each step once, when its share of the target is reached, and says when the next one falls due', async () => {
    const store = new MemoryState();
    expect(await at('2026-11-23T08:10:00Z', P1(), store)).toMatchObject({ steps: [], dueAt: '2026-11-23T08:15:00.000Z' });
    const response = await at('2026-11-23T08:16:00Z', P1(), store);
    expect(response.steps).toEqual(['response-late']);
    expect(response.decisions[0]?.action).toMatchObject({ type: 'comment', body: 'Nobody has picked up INCp1 in 15 min.' });
    expect(response.dueAt).toBe('2026-11-23T11:00:00.000Z');
    // Again at the same moment: nothing twice.
    expect((await at('2026-11-23T08:20:00Z', P1(), store)).steps).toEqual([]);
    const warn = await at('2026-11-23T11:05:00Z', P1({ status: 'in_progress' }), store);
    expect(warn.steps).toEqual(['warn-75']);
    expect(warn.decisions[0]?.action).toMatchObject({ body: '3 h 5 min of 4 h used. @Duty Manager' });
    const breach = await at('2026-11-23T12:00:00Z', P1({ status: 'in_progress' }), store);
    expect(breach.decisions.map((d) => d.action)).toEqual([
      { type: 'assign', group: 'Major Incident Team' },
      { type: 'set-field', field: 'urgency', value: '1' },
    ]);
    expect(breach.dueAt).toBeUndefined();
  });

  it('on a late ticket seen for the first time, fires only the latest step of each clock (a 75% warning is moot after the breach)', async () => {
    const store = new MemoryState();
    const { steps } = await at('2026-11-23T13:00:00Z', P1(), store);
    expect(steps).toEqual(['response-late', 'breach', 'breach']);
    expect((await at('2026-11-23T14:00:00Z', P1(), store)).steps).toEqual([]);
  });

  it('records steps that fell due longer ago than staleAfter as missed, without writing', async () => {
    const store = new MemoryState();
    const old = P1({ createdAt: '2026-01-05T08:00:00Z', updatedAt: '2026-01-05T08:00:00Z' });
    expect(await at('2026-11-23T13:00:00Z', old, store)).toMatchObject({ steps: [], dueAt: undefined });
  });

  it('stops the response clock once someone picks the ticket up', async () => {
    const { steps, dueAt } = await at('2026-11-23T08:30:00Z', P1({ status: 'in_progress' }), new MemoryState());
    expect(steps).toEqual([]);
    expect(dueAt).toBe('2026-11-23T11:00:00.000Z');
  });

  it('leaves resolved tickets and tickets without a target alone', async () => {
    const store = new MemoryState();
    expect(await at('2026-11-30T00:00:00Z', P1({ status: 'resolved' }), store)).toMatchObject({ steps: [], dueAt: undefined });
    expect(await at('2026-11-30T00:00:00Z', P1({ priority: 2 }), store)).toMatchObject({ steps: [], dueAt: undefined });
  });

  it('ages a ticket in a state from when it entered it, and re-arms when it enters the state again', async () => {
    const store = new MemoryState();
    const held = P1({ priority: 3, status: 'on_hold', createdAt: '2026-11-01T08:00:00Z' });
    const rules = [rule({ escalations: [{ id: 'stuck-on-hold', at: { age: { days: 3 }, status: ['on_hold'] }, note: { template: 'On hold for {{ $sla.elapsed }}.' } }] })];
    expect(await at('2026-11-05T07:00:00Z', held, store, rules, { statusSince: '2026-11-02T08:00:00Z' })).toMatchObject({ steps: [], dueAt: '2026-11-05T08:00:00.000Z' });
    const fired = await at('2026-11-05T09:00:00Z', held, store, rules, { statusSince: '2026-11-02T08:00:00Z' });
    expect(fired.decisions[0]?.action).toMatchObject({ body: 'On hold for 3 days 1 h.' });
    expect((await at('2026-11-06T09:00:00Z', held, store, rules, { statusSince: '2026-11-02T08:00:00Z' })).steps).toEqual([]);
    // Back on hold later: a new stay, a new step.
    expect((await at('2026-11-20T09:00:00Z', held, store, rules, { statusSince: '2026-11-16T08:00:00Z' })).steps).toEqual(['stuck-on-hold']);
  });

  it('counts targets in business time when the rule names a calendar', async () => {
    // A calendar that only counts 09:00-17:00 UTC: 8 working hours a day.
    const office: SlaCalendar = {
      businessMsBetween: (from, to) => {
        let ms = 0;
        for (let t = from.getTime(); t < to.getTime(); t += 60_000) {
          const h = new Date(t).getUTCHours();
          if (h >= 9 && h < 17) ms += 60_000;
        }
        return ms;
      },
      addBusinessMs: (from, ms) => {
        let t = from.getTime();
        let left = ms;
        while (left > 0) {
          const h = new Date(t).getUTCHours();
          if (h >= 9 && h < 17) left -= 60_000;
          t += 60_000;
        }
        return new Date(t);
      },
    };
    const rules = [rule({ calendar: 'Service Desk', escalations: [{ id: 'warn-75', at: { percent: 75, of: 'resolution' }, note: { template: 'x' } }] })];
    const ticket = P1({ status: 'in_progress', createdAt: '2026-11-23T16:00:00Z' });
    // 4 h target, 75% = 3 working hours: 1 h on Monday, 2 h on Tuesday morning.
    const result = await at('2026-11-23T20:00:00Z', ticket, new MemoryState(), rules, { calendars: (name) => (name === 'Service Desk' ? office : undefined) });
    expect(result.dueAt).toBe('2026-11-24T11:00:00.000Z');
    const unknown = await at('2026-11-23T20:00:00Z', ticket, new MemoryState(), rules);
    expect(unknown.steps).toEqual([]);
  });

  it('runs SLA steps as part of a full evaluation too', async () => {
    const store = new MemoryState();
    const state = new BatchState(new Map(), new Map(), store.history);
    const evaluation = await evaluateTicket(P1(), compileRuleSet([rule()]), state, { sourceId: 'snow-test', now: new Date('2026-11-23T08:20:00Z') });
    expect(evaluation.decisions.map((d) => d.action.type)).toEqual(['comment']);
    expect(evaluation.slaDueAt).toBe('2026-11-23T11:00:00.000Z');
  });
});

describe('SLA reassignment', () => {
  it('does not take the person off a ticket already in the escalation group (routed there in the same evaluation)', async () => {
    const store = new MemoryState();
    const state = new BatchState(new Map(), new Map(), store.history);
    const routing = { id: 'p1', kind: 'routing', when: 'priority = 1', override: true, assign: { group: 'Major Incident Team', assignee: 'Major Incident Manager 1' } };
    const breach = rule({ escalations: [{ id: 'p1-90', at: { percent: 90, of: 'resolution' }, assign: { group: 'Major Incident Team' }, note: { template: 'handed over' } }] });
    const ruleSet = compileRuleSet([(await import('../../../src/engine/routing/schema.js')).RoutingRule.parse(routing), breach]);
    const evaluation = await evaluateTicket(P1({ status: 'in_progress' }), ruleSet, state, { sourceId: 'snow-test', now: new Date('2026-11-23T12:00:00Z') });
    expect(evaluation.decisions.map((d) => d.action)).toEqual([
      { type: 'assign', group: 'Major Incident Team', assignee: 'Major Incident Manager 1' },
      { type: 'comment', visibility: 'internal', body: 'handed over' },
    ]);
  });
});
