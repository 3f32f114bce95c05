import { describe, expect, it } from 'vitest';
import { formatReport } from '../../../src/backtest/format-report.js';
import { progressLine } from '../../../src/backtest/progress.js';
import { Replayer } from '../../../src/backtest/replay.js';
import { ReportBuilder, topEntries, type BacktestReport } from '../../../src/backtest/report.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { type Rule } from '../../../src/engine/kinds.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { makeTicket } from '../../helpers/tickets.js';

function rule(partial: Record<string, unknown>): Rule {
  return RoutingRule.parse({ kind: 'routing', ...partial });
}

const rules = compileRuleSet([
  rule({ id: 'p1', when: 'priority = 1', override: true, assign: { group: 'Major', strategy: 'round-robin', members: ['M1', 'M2'] }, note: { template: 'P1 to {{ $group }}' } }),
  rule({ id: 'triage', when: '$not($exists(group))', assign: { group: 'Desk' } }),
  rule({ id: 'broken', when: '$number("x") > 1', assign: { group: 'Never' } }),
]);

const META = {
  input: { path: 'in.csv', format: 'servicenow-csv' as const, mapping: 'servicenow', records: 0, duplicateVersions: 0, skippedByLimit: 0, unreadable: { count: 0, first: [] } },
  rules: { files: ['rules.yaml'], count: 3, sourceId: 'backtest' },
  timing: { readSeconds: 0, replaySeconds: 0, totalSeconds: 1, ticketsPerSecond: 0, versionsPerSecond: 0, peakRssMb: 0 },
  top: 10,
};

function version(id: string, version: number, fields: Partial<Ticket>): Ticket {
  return makeTicket({ id, version: String(version), ...fields });
}

async function replay(versions: Ticket[]): Promise<{ report: BacktestReport; replayer: Replayer }> {
  const builder = new ReportBuilder(rules);
  const replayer = new Replayer(rules, 'backtest', builder);
  for (const v of versions) await replayer.replay(v);
  return { report: builder.build(META), replayer };
}

describe('backtest replay and report', () => {
  it('counts firings, tickets, notes and rule errors per rule, in rule order', async () => {
    const { report } = await replay([version('a', 0, { priority: 1 }), version('b', 0, {}), version('c', 0, { group: 'Ops' })]);

    expect(report.perRule.map((r) => [r.id, r.fired, r.tickets, r.notes, r.errors])).toEqual([
      ['p1', 1, 1, 1, 0],
      ['triage', 1, 1, 0, 0],
      ['broken', 0, 0, 0, 1],
    ]);
    expect(report.routing).toMatchObject({ ticketsRouted: 2, ticketsNotRouted: 1, assignments: 2, notes: 1 });
    expect(report.routing.groups).toEqual([
      { name: 'Desk', count: 1 },
      { name: 'Major', count: 1 },
    ]);
    expect(report.ruleErrors.count).toBe(1);
    expect(report.history).toBeNull();
  });

  it('shows later versions with the simulated group until history shows a person moving the ticket', async () => {
    const { report } = await replay([
      version('a', 0, {}), // triage → Desk
      version('a', 1, { assignee: 'Someone' }), // person picked it up in history; still with Desk in the simulation
      version('a', 2, { group: 'Ops' }), // a person moved it to another group
      version('b', 0, {}), // triage → Desk
      version('b', 1, { group: 'Desk' }), // history ends in the same group: agreement
    ]);

    expect(report.perRule.find((r) => r.id === 'triage')).toMatchObject({ fired: 2, tickets: 2, agreement: { compared: 2, agreed: 1, share: 0.5 } });
    expect(report.history).toMatchObject({ ticketsWithHistory: 2, agreement: { compared: 2, agreed: 1, share: 0.5 }, reassignedByPeople: 1 });
  });

  it('carries round-robin positions over tickets and skips a version it has already seen', async () => {
    const { report } = await replay([version('a', 0, { priority: 1 }), version('a', 0, { priority: 1 }), version('b', 0, { priority: 1 })]);

    expect(report.input.versions).toBe(2);
    expect(report.routing.people).toEqual([
      { name: 'M1', count: 1 },
      { name: 'M2', count: 1 },
    ]);
  });

  it('does not rotate a ticket that is already with a member of the rotation', async () => {
    const { report } = await replay([version('a', 0, { priority: 1 }), version('a', 1, { priority: 1, status: 'in_progress' })]);

    expect(report.perRule[0]).toMatchObject({ fired: 1 });
  });

  it('keeps open tickets per person for least-loaded rules', async () => {
    const leastLoaded = compileRuleSet([rule({ id: 'net', when: 'true', assign: { group: 'Net', strategy: 'least-loaded', members: ['N1', 'N2'] } })]);
    const builder = new ReportBuilder(leastLoaded);
    const replayer = new Replayer(leastLoaded, 'backtest', builder);

    await replayer.replay(version('a', 0, {}));
    await replayer.replay(version('b', 0, {}));
    await replayer.replay(version('a', 1, { status: 'closed' }));
    await replayer.replay(version('c', 0, {}));

    expect(builder.build(META).routing.people).toEqual([
      { name: 'N1', count: 2 },
      { name: 'N2', count: 1 },
    ]);
    expect(Object.fromEntries(await replayer.state.openLoads('backtest'))).toEqual({ N1: 1, N2: 1 });
  });

  it('orders top lists by count then name and cuts them at N', () => {
    expect(
      topEntries(
        new Map([
          ['b', 2],
          ['a', 2],
          ['c', 5],
          ['d', 1],
        ]),
        3,
      ).map((e) => e.name),
    ).toEqual(['c', 'a', 'b']);
  });

  it('prints only what the configured rules did, with history when there is some', async () => {
    const { report } = await replay([version('a', 0, {}), version('a', 1, { group: 'Desk' })]);

    const text = formatReport(report).join('\n');

    expect(text).toContain('Routed 1 ticket (100.0%) with 1 assignment');
    expect(text).toMatch(/triage\s+1\s+1\s+0\s+0\s+100\.0% of 1/);
    expect(text).toContain('agreement: 100.0% — 1 of 1 routed ticket ended in the group the rules chose');
    expect(text).toContain('Records that failed mapping: 0');
    expect(text).not.toMatch(/n\/a|dedup|QA/i);
  });
});

describe('progress line', () => {
  it('shows a bar, percent and rate while replaying', () => {
    expect(progressLine({ phase: 'replay', done: 500, total: 1000 }, 2)).toBe('backtest [###############---------------]  50% 500/1,000 versions  250/s');
  });

  it('shows a count while reading', () => {
    expect(progressLine({ phase: 'read', done: 20_000, total: undefined }, 1)).toBe('backtest: reading input… 20,000 records');
  });
});
