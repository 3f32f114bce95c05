import { describe, expect, it } from 'vitest';
import type { BatchPlan } from '../../../src/engine/batch-plan.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { planBatch } from '../../../src/engine/plan-batch.js';
import { planOneTicket } from '../../../src/engine/plan-one.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { compileRuleSet, type CompiledRuleSet } from '../../../src/engine/rule-set.js';
import { SlaRule } from '../../../src/engine/sla/schema.js';
import { takeSnapshot } from '../../../src/engine/snapshot.js';
import { explainTicket, formatExplanation } from '../../../src/explain/explain.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { makeTicket } from '../../helpers/tickets.js';

const SOURCE = 'snow-test';
const NOW = new Date('2026-11-23T12:00:00Z');

const majorIncident = RoutingRule.parse({
  id: 'p1-to-mit',
  kind: 'routing',
  when: 'priority = 1',
  override: true,
  assign: { group: 'Major Incident Team' },
  note: { template: 'P1: routed to the Major Incident Team.' },
});
const network = RoutingRule.parse({ id: 'network', kind: 'routing', when: 'category = "network"', override: true, assign: { group: 'Network' } });

/** Plans one version of a ticket on `state`, as the daemon's pass would, and commits it. */
async function pass(state: MemoryState, ruleSet: CompiledRuleSet, ticket: Ticket, options: { ownWrite?: boolean; skip?: string } = {}): Promise<BatchPlan> {
  const snapshot = await takeSnapshot(state, SOURCE, [ticket.key], { otherLoads: false });
  const plan = await planBatch({ tickets: [{ ticket, ownWrite: options.ownWrite ?? false }], ruleSet, context: { sourceId: SOURCE, now: NOW, skip: options.skip } }, snapshot);
  state.commit(SOURCE, plan);
  return plan;
}

let version = 0;
/** The next version of a ticket, as the platform would report it after an edit. */
function edit(ticket: Ticket, changes: Partial<Ticket>): Ticket {
  version++;
  return { ...ticket, ...changes, version: String(version), updatedAt: new Date(Date.parse('2026-11-23T10:00:00Z') + version * 1000).toISOString() };
}

const assigns = (plan: BatchPlan) => plan.actions.filter((a) => a.action.type === 'assign').map((a) => (a.action.type === 'assign' ? a.action.group : ''));
const notes = (plan: BatchPlan) => plan.actions.filter((a) => a.action.type === 'comment');

describe('people win: an override rule re-applies only when its condition newly becomes true', () => {
  it('does not move a ticket back after a person reassigned it, however often the person edits it', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident]);
    let ticket = makeTicket({ id: 'p1', priority: 1, group: 'Service Desk' });

    const first = await pass(state, ruleSet, ticket);
    expect(assigns(first)).toEqual(['Major Incident Team']);
    expect(notes(first)).toHaveLength(1);
    expect(first.tickets[0]).toMatchObject({ triggered: ['p1-to-mit'], applied: ['p1-to-mit'] });

    // deskbridge's own write comes back: only the SLA clock runs, the memory is kept.
    ticket = edit(ticket, { group: 'Major Incident Team' });
    const own = await pass(state, ruleSet, ticket, { ownWrite: true });
    expect(own.tickets[0]).toMatchObject({ triggered: ['p1-to-mit'], applied: ['p1-to-mit'] });

    // A person: "Not a real P1" — back to the Service Desk; then ten more edits of theirs.
    ticket = edit(ticket, { group: 'Service Desk', assignee: 'beth' });
    for (let i = 0; i < 10; i++) {
      const plan = await pass(state, ruleSet, ticket);
      expect(plan.actions).toEqual([]);
      expect(plan.judged[0]?.trace).toEqual([
        { ruleId: 'p1-to-mit', kind: 'routing', outcome: 'not-applicable', reason: 'applied before for this trigger; a person has changed the ticket since — not reverting' },
      ]);
      ticket = edit(ticket, { description: `comment ${i}` });
    }
  });

  it('re-applies once when the condition becomes true again (priority lowered, then raised to 1)', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident]);
    let ticket = makeTicket({ id: 'p2', priority: 1 });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Major Incident Team']);

    ticket = edit(ticket, { group: 'Service Desk', priority: 3 });
    const lowered = await pass(state, ruleSet, ticket);
    expect(lowered.actions).toEqual([]);
    expect(lowered.tickets[0]?.triggered).toEqual([]);

    ticket = edit(ticket, { priority: 1 });
    const raised = await pass(state, ruleSet, ticket);
    expect(assigns(raised)).toEqual(['Major Incident Team']);
    expect(notes(raised)).toHaveLength(1);

    // …and only once: a person moving it again is respected.
    ticket = edit(ticket, { group: 'Service Desk' });
    expect((await pass(state, ruleSet, ticket)).actions).toEqual([]);
  });

  it('a rule never judged on the ticket before is newly true: it applies (a new rule, or a ticket never seen)', async () => {
    const state = new MemoryState();
    let ticket = makeTicket({ id: 'p3', priority: 1, category: 'network', group: 'Service Desk' });
    // Only the network rule at first…
    expect(assigns(await pass(state, compileRuleSet([network]), ticket))).toEqual(['Network']);
    ticket = edit(ticket, { group: 'Service Desk' });
    expect((await pass(state, compileRuleSet([network]), ticket)).actions).toEqual([]);
    // …then the P1 rule is added in front of it: it never judged the ticket, so it applies.
    ticket = edit(ticket, { description: 'still down' });
    expect(assigns(await pass(state, compileRuleSet([majorIncident, network]), ticket))).toEqual(['Major Incident Team']);
  });

  it('a held-back rule holds the ticket where people put it: later override rules do not move it either', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident, network]);
    let ticket = makeTicket({ id: 'p4', priority: 1, category: 'network' });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Major Incident Team']);
    ticket = edit(ticket, { group: 'Service Desk' });
    const plan = await pass(state, ruleSet, ticket);
    expect(plan.actions).toEqual([]);
    expect(plan.judged[0]?.trace.map((t) => t.ruleId)).toEqual(['p1-to-mit']);
  });

  it('a ticket a person left with no group is routed again (that is what routing is for)', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident]);
    let ticket = makeTicket({ id: 'p5', priority: 1 });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Major Incident Team']);
    ticket = edit(ticket, { group: undefined });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Major Incident Team']);
  });

  it('an edit that leaves the ticket where the rule put it says "nothing to change", as before', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident]);
    let ticket = makeTicket({ id: 'p6', priority: 1 });
    await pass(state, ruleSet, ticket);
    ticket = edit(ticket, { group: 'Major Incident Team', description: 'more detail' });
    const plan = await pass(state, ruleSet, ticket);
    expect(plan.actions).toEqual([]);
    expect(plan.judged[0]?.trace[0]).toMatchObject({ outcome: 'matched', reason: 'already with Major Incident Team; nothing to change' });
  });

  it('a rule whose `when` fails to evaluate keeps what it knew (an error is not "false": no re-trigger afterwards)', async () => {
    const state = new MemoryState();
    const flaky = RoutingRule.parse({ id: 'flaky', kind: 'routing', when: 'raw.n = 1 ? $error("boom") : priority = 1', override: true, assign: { group: 'Major Incident Team' } });
    const ruleSet = compileRuleSet([flaky]);
    let ticket = makeTicket({ id: 'p7', priority: 1 });
    await pass(state, ruleSet, ticket);
    ticket = edit(ticket, { group: 'Service Desk', raw: { n: 1 } });
    const failed = await pass(state, ruleSet, ticket);
    expect(failed.judged[0]?.trace[0]?.outcome).toBe('error');
    expect(failed.tickets[0]?.triggered).toEqual(['flaky']);
    ticket = edit(ticket, { raw: {} });
    expect((await pass(state, ruleSet, ticket)).actions).toEqual([]);
  });

  it('non-override rules are unchanged: they route tickets without a group and leave the others alone', async () => {
    const state = new MemoryState();
    const plain = RoutingRule.parse({ id: 'plain', kind: 'routing', when: 'true', assign: { group: 'Service Desk' } });
    const ruleSet = compileRuleSet([plain]);
    let ticket = makeTicket({ id: 'p8' });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Service Desk']);
    ticket = edit(ticket, { group: 'Hardware' });
    const plan = await pass(state, ruleSet, ticket);
    expect(plan.actions).toEqual([]);
    expect(plan.judged[0]?.trace[0]?.reason).toBe('already assigned to Hardware; rule does not override');
  });
});

describe('once: true', () => {
  const once = RoutingRule.parse({ id: 'p1-once', kind: 'routing', when: 'priority = 1', override: true, once: true, assign: { group: 'Major Incident Team' } });

  it('applies at most once per ticket, even when its condition becomes true again', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([once]);
    let ticket = makeTicket({ id: 'o1', priority: 1 });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Major Incident Team']);
    ticket = edit(ticket, { group: 'Service Desk', priority: 3 });
    await pass(state, ruleSet, ticket);
    ticket = edit(ticket, { priority: 1 });
    const plan = await pass(state, ruleSet, ticket);
    expect(plan.actions).toEqual([]);
    expect(plan.judged[0]?.trace[0]).toMatchObject({ outcome: 'not-applicable', reason: 'once: applied to this ticket before — never again' });
  });

  it('does not count a judgement that wrote nothing (the ticket was already where the rule puts it)', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([once]);
    let ticket = makeTicket({ id: 'o2', priority: 1, group: 'Major Incident Team' });
    const plan = await pass(state, ruleSet, ticket);
    expect(plan.actions).toEqual([]);
    expect(plan.tickets[0]?.applied).toEqual([]);
    ticket = edit(ticket, { group: undefined });
    expect(assigns(await pass(state, ruleSet, ticket))).toEqual(['Major Incident Team']);
  });
});

describe('what the ticket row remembers', () => {
  it('history versions and SLA-only judgements keep it; other kinds do not add to it', async () => {
    const state = new MemoryState();
    const sla = SlaRule.parse({
      id: 'p1-sla',
      kind: 'sla',
      when: 'priority = 1',
      targets: [{ priority: 1, response: { minutes: 15 } }],
      escalations: [{ id: 'late', at: { percent: 100, of: 'response' }, note: { template: 'late' } }],
    });
    const ruleSet = compileRuleSet([majorIncident, sla]);
    const ticket = makeTicket({ id: 'm1', priority: 1 });
    const plan = await pass(state, ruleSet, ticket);
    // The SLA rule keeps its own marks: it is not in the routing memory.
    expect(plan.tickets[0]).toMatchObject({ triggered: ['p1-to-mit'], applied: ['p1-to-mit'] });
  });
});

describe('scope.groups', () => {
  const serviceDeskOnly = RoutingRule.parse({
    id: 'sd-network',
    kind: 'routing',
    when: 'category = "network"',
    override: true,
    scope: { groups: ['Service Desk'] },
    assign: { group: 'Network' },
  });

  it('applies only to tickets currently in one of the groups', async () => {
    const ruleSet = compileRuleSet([serviceDeskOnly]);
    const inQueue = await pass(new MemoryState(), ruleSet, makeTicket({ id: 's1', category: 'network', group: 'Service Desk' }));
    expect(assigns(inQueue)).toEqual(['Network']);

    const elsewhere = await pass(new MemoryState(), ruleSet, makeTicket({ id: 's2', category: 'network', group: 'Hardware' }));
    expect(elsewhere.actions).toEqual([]);
    expect(elsewhere.judged[0]?.trace[0]).toMatchObject({ outcome: 'not-applicable', reason: 'scoped to group Service Desk; the ticket is in Hardware' });

    const none = await pass(new MemoryState(), ruleSet, makeTicket({ id: 's3', category: 'network' }));
    expect(none.judged[0]?.trace[0]?.reason).toBe('scoped to group Service Desk; the ticket is in no group');
  });

  it('sees the group an earlier rule of the same judgement gave', async () => {
    const triage = RoutingRule.parse({ id: 'triage', kind: 'routing', when: 'true', continue: true, assign: { group: 'Service Desk' } });
    const plan = await pass(new MemoryState(), compileRuleSet([triage, serviceDeskOnly]), makeTicket({ id: 's4', category: 'network' }));
    expect(assigns(plan)).toEqual(['Service Desk', 'Network']);
  });
});

describe('skip: (a source’s opt-out)', () => {
  const SKIP = "'vip' in labels or raw.u_deskbridge_skip = true";
  const sla = SlaRule.parse({
    id: 'p1-sla',
    kind: 'sla',
    when: 'priority = 1',
    targets: [{ priority: 1, response: { minutes: 15 } }],
    escalations: [{ id: 'late', at: { percent: 100, of: 'response' }, note: { template: 'late' } }],
  });

  it('leaves a skipped ticket alone: no rule judges it, no write, not even the SLA clock; counted with its reason', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident, sla]);
    const vip = makeTicket({ id: 'k1', priority: 1, labels: ['vip'], createdAt: '2026-11-23T08:00:00Z', updatedAt: '2026-11-23T08:00:00Z' });
    const flagged = makeTicket({ id: 'k2', priority: 1, raw: { u_deskbridge_skip: true } });
    for (const ticket of [vip, flagged]) {
      for (const ownWrite of [false, true]) {
        const plan = await pass(state, ruleSet, ticket, { skip: SKIP, ownWrite });
        expect(plan.actions).toEqual([]);
        expect(plan.judged).toEqual([]);
        expect(plan.evaluated).toBe(0);
        expect(plan.skipped).toEqual([{ ticket, reason: `the source's skip condition holds: ${SKIP}` }]);
        expect(plan.tickets[0]).toMatchObject({ key: ticket.key, slaDueAt: undefined });
      }
    }
    const other = await pass(state, ruleSet, makeTicket({ id: 'k3', priority: 1 }), { skip: SKIP });
    expect(other.skipped).toEqual([]);
    expect(assigns(other)).toEqual(['Major Incident Team']);
  });

  it('a condition that fails to evaluate leaves the ticket alone too, and reports the failure', async () => {
    const plan = await pass(new MemoryState(), compileRuleSet([majorIncident]), makeTicket({ id: 'k4', priority: 1 }), { skip: '$error("bad")' });
    expect(plan.actions).toEqual([]);
    expect(plan.skipped[0]?.reason).toMatch(/skip condition failed \(bad\); left alone to be safe/);
    expect(plan.ruleFailures).toEqual([{ ticketKey: expect.any(String) as string, ruleId: 'skip', reason: plan.skipped[0]?.reason }]);
  });

  it('explain says a skipped ticket is skipped, and why', async () => {
    const ticket = makeTicket({ id: 'k5', priority: 1, labels: ['vip'] });
    const explanation = await explainTicket(ticket, compileRuleSet([majorIncident]), new MemoryState(), SOURCE, NOW, { skip: SKIP });
    expect(explanation.skipped).toBe(`the source's skip condition holds: ${SKIP}`);
    expect(explanation.rules[0]).toMatchObject({ outcome: 'not-reached', reason: 'not evaluated: the ticket is skipped', actions: [] });
    expect(formatExplanation(explanation).join('\n')).toContain('Skipped — deskbridge leaves this ticket alone (no rule, no write)');
  });
});

describe('explain and planOneTicket see what the row remembers', () => {
  it('explains a held-back override with the reason', async () => {
    const state = new MemoryState();
    const ruleSet = compileRuleSet([majorIncident]);
    let ticket = makeTicket({ id: 'e1', priority: 1 });
    await pass(state, ruleSet, ticket);
    ticket = edit(ticket, { group: 'Service Desk' });
    const { judged } = await planOneTicket(state, { ticket, ruleSet, context: { sourceId: SOURCE, now: NOW }, index: false });
    expect(judged?.decisions).toEqual([]);
    const explanation = await explainTicket(ticket, ruleSet, state, SOURCE, NOW);
    expect(explanation.rules[0]?.reason).toBe('applied before for this trigger; a person has changed the ticket since — not reverting');
  });
});
