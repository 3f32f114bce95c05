import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { MemoryHistoryStore } from '../../../src/engine/memory-history.js';
import { loadTeamOrThrow } from '../../../src/team/index.js';
import { makeTicket } from '../../helpers/tickets.js';

const { team } = loadTeamOrThrow(join(import.meta.dirname, '..', '..', 'fixtures', 'team', 'team.yaml'));
/** Monday 23 November 2026, 10:00 in New York: Dana, Sam and Priya all working. */
const NY_MORNING = new Date('2026-11-23T15:00:00Z');

const rule = ({ override, ...assign }: Record<string, unknown>) =>
  RoutingRule.parse({ id: 'net', kind: 'routing', when: 'true', override: override === true, assign: { group: 'Network Operations', ...assign }, note: { template: '{{ $why }}' } });

async function route(assign: Record<string, unknown>, ticket: Partial<Ticket> = {}, loads: Record<string, number> = {}, now = NY_MORNING) {
  const state = new BatchState(new Map(), new Map(Object.entries(loads)), new MemoryHistoryStore());
  const evaluation = await evaluateTicket(makeTicket(ticket), compileRuleSet([rule(assign)]), state, { sourceId: 'snow-test', now, team });
  const assignAction = evaluation.decisions.find((d) => d.action.type === 'assign')?.action;
  const note = evaluation.decisions.find((d) => d.action.type === 'comment')?.action;
  return { assign: assignAction, note: note?.type === 'comment' ? note.body : undefined, trace: evaluation.trace };
}

describe('team-aware routing', () => {
  it('skill-match picks the working person with the best fit for the skills the ticket needs', async () => {
    const { assign, note } = await route({ strategy: 'skill-match', skills: '{"vpn": 4}' });
    expect(assign).toEqual({ type: 'assign', group: 'Network Operations', assignee: 'Priya Raman' });
    expect(note).toContain('Priya Raman');
  });

  it('reads required skills from the ticket with JSONata (a list means any level)', async () => {
    const { assign } = await route({ strategy: 'skill-match', skills: '$contains(title, "VPN") ? ["vpn"] : ["network"]' }, { title: 'VPN drops' });
    expect(assign?.type === 'assign' ? assign.assignee : undefined).toMatch(/Priya Raman|Dana Whitfield/);
  });

  it('skips people at capacity', async () => {
    const { assign, note } = await route({ strategy: 'least-loaded', team: true }, {}, { 'Dana Whitfield': 10, 'Sam Ortiz': 10, 'Priya Raman': 2 });
    expect(assign).toMatchObject({ assignee: 'Priya Raman' });
    expect(note).toContain('Priya Raman');
  });

  it('falls back to the group alone when nobody fits, and says why', async () => {
    const { assign, note } = await route({ strategy: 'skill-match', skills: '{"database": 5}' });
    expect(assign).toEqual({ type: 'assign', group: 'Network Operations' });
    expect(note).toMatch(/Nobody in Network Operations fits .*lacks skill database≥5/);
  });

  it('assigns the group alone when the group is not in the team file', async () => {
    const state = new BatchState(new Map(), new Map(), new MemoryHistoryStore());
    const evaluation = await evaluateTicket(
      makeTicket(),
      compileRuleSet([RoutingRule.parse({ id: 'x', kind: 'routing', when: 'true', assign: { group: 'Facilities', strategy: 'skill-match' } })]),
      state,
      { sourceId: 'snow-test', now: NY_MORNING, team },
    );
    expect(evaluation.decisions[0]?.action).toEqual({ type: 'assign', group: 'Facilities' });
    expect(evaluation.trace[0]?.reason).toContain('not in the team file');
  });

  it('leaves a ticket with anyone of the group where it is, so edits never reassign it', async () => {
    // Even a rule that overrides: Sam belongs to the group, so rotating it to someone else would ping-pong.
    const { assign, trace } = await route({ strategy: 'round-robin', team: true, override: true }, { group: 'Network Operations', assignee: 'Sam Ortiz' });
    expect(assign).toBeUndefined();
    expect(trace[0]?.reason).toContain('nothing to change');
  });

  it('on-call picks the rotation outside working hours', async () => {
    const { assign, note } = await route({ strategy: 'on-call' }, {}, {}, new Date('2026-11-24T03:00:00Z'));
    expect(assign).toMatchObject({ assignee: 'Sam Ortiz' });
    expect(note).toMatch(/on call/i);
  });
});

describe('team capacity across platforms', () => {
  it("counts a person's open tickets on every source against their capacity", async () => {
    const state = new BatchState(
      new Map(),
      new Map([
        ['Dana Whitfield', 10],
        ['Sam Ortiz', 10],
        ['Priya Raman', 2],
      ]),
      new MemoryHistoryStore(),
      {
        sourceId: 'snow-test',
        otherLoads: new Map([['jira-cloud', new Map([['Priya Raman', 6]])]]),
      },
    );
    const evaluation = await evaluateTicket(makeTicket(), compileRuleSet([rule({ strategy: 'least-loaded', team: true })]), state, { sourceId: 'snow-test', now: NY_MORNING, team });
    expect(evaluation.decisions[0]?.action).toEqual({ type: 'assign', group: 'Network Operations' });
    const note = evaluation.decisions[1]?.action;
    expect(note?.type === 'comment' ? note.body : '').toContain('at capacity 8/8');
  });
});
