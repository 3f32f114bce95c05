import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Replayer } from '../../../src/backtest/replay.js';
import { ReportBuilder } from '../../../src/backtest/report.js';
import { loadRules } from '../../../src/config/load-rules.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { planBatch } from '../../../src/engine/plan-batch.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { takeSnapshot } from '../../../src/engine/snapshot.js';
import type { Decision } from '../../../src/engine/types.js';
import { explainTicket } from '../../../src/explain/explain.js';
import type { Action } from '../../../src/model/action.js';
import { buildTestTicket, DEFAULT_TEST_SOURCE } from '../../../src/model/test-ticket.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { teamCalendars } from '../../../src/team/index.js';
import { runRuleTests } from '../../../src/testing/run-rule-tests.js';

/**
 * Rule tests, explain and backtest must show what the daemon would do. The case: a P1 that is
 * routed to the major incident team in the same batch as its 90% SLA step falls due. The daemon
 * (planBatch) sees the group the routing just planned and does not assign the ticket to that
 * group again (which would only take the manager off it); a second planner that forgot the
 * planned group would assign twice.
 */
const NOW = '2026-11-23T12:00:00Z';
const TICKET = { priority: 1, createdAt: '2026-11-23T08:00:00Z', updatedAt: NOW };
const RULES = `
rules:
  - id: major-incident
    kind: routing
    when: priority = 1
    assign: { group: Major Incident Team, strategy: round-robin, members: [Manager 1, Manager 2] }
  - id: major-incident-breach
    kind: sla
    when: priority = 1
    targets:
      - { priority: 1, resolution: { hours: 4 } }
    escalations:
      - id: p1-90
        at: { percent: 90, of: resolution }
        assign: { group: Major Incident Team }
        note: { visibility: internal, template: "SLA: 90% of the P1 resolution target used." }
tests:
  - name: a P1 nearly out of time is assigned once
    now: ${NOW}
    ticket: ${JSON.stringify(TICKET)}
    expect:
      exact: false
      actions: [{ type: assign, group: Major Incident Team, assignee: Manager 1 }]
`;

const dir = mkdtempSync(join(tmpdir(), 'deskbridge-same-decisions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'rules.yaml');
writeFileSync(file, RULES);
const ruleSet = compileRuleSet(loadRules([file]).rules);
const calendars = teamCalendars(undefined);

function ticket(): Ticket {
  const built = buildTestTicket(TICKET, DEFAULT_TEST_SOURCE);
  if (!built.ok) throw new Error('test ticket does not parse');
  return built.ticket;
}

type Shown = { rule: string; action: Action };
const shown = (decisions: readonly Decision[]): Shown[] => decisions.map((d) => ({ rule: d.ruleId, action: d.action }));

/** What the daemon decides: planBatch on a snapshot of an empty state. */
async function daemonDecisions(): Promise<Shown[]> {
  const t = ticket();
  const snapshot = await takeSnapshot(new MemoryState(), DEFAULT_TEST_SOURCE, [t.key], { otherLoads: false });
  const plan = await planBatch({ tickets: [{ ticket: t, ownWrite: false }], ruleSet, context: { sourceId: DEFAULT_TEST_SOURCE, now: new Date(NOW), calendars } }, snapshot);
  return shown(plan.judged.flatMap((j) => j.decisions));
}

describe('rule tests, explain and backtest decide as the daemon does (planBatch)', () => {
  it('the daemon assigns the P1 once: the SLA step sees the group routing just planned', async () => {
    const decisions = await daemonDecisions();

    expect(decisions.filter((d) => d.action.type === 'assign')).toEqual([{ rule: 'major-incident', action: { type: 'assign', group: 'Major Incident Team', assignee: 'Manager 1' } }]);
    expect(decisions.map((d) => d.rule)).toContain('major-incident-breach');
  });

  it('a rule test reports the same actions', async () => {
    const report = await runRuleTests([file]);

    const test = report.files[0]?.tests[0];
    expect(test?.status).toBe('pass');
    expect(test?.actual.map((a) => ({ rule: a.rule, action: a.action }))).toEqual(await daemonDecisions());
  });

  it('explain shows the same actions', async () => {
    const explanation = await explainTicket(ticket(), ruleSet, new MemoryState(), DEFAULT_TEST_SOURCE, new Date(NOW), { calendars });

    expect(explanation.rules.flatMap((r) => r.actions.map((a) => ({ rule: r.ruleId, action: a.action })))).toEqual(await daemonDecisions());
  });

  it('the backtest replays the same decisions', async () => {
    const decided: Decision[] = [];
    const replayer = new Replayer(ruleSet, DEFAULT_TEST_SOURCE, new ReportBuilder(ruleSet), (_ticket, decision) => decided.push(decision));

    await replayer.replay(ticket());

    expect(shown(decided)).toEqual(await daemonDecisions());
  });
});
