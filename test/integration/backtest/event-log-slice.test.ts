import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../src/backtest/run-backtest.js';
import { runBacktestCommand } from '../../../src/cli/backtest.js';
import type { BacktestReport } from '../../../src/backtest/report.js';

const SLICE = 'test/fixtures/backtest/incident-event-log-slice.csv';
const RULES = 'rules/routing.yaml';
const MAPPINGS = 'mappings';

describe('backtest of a slice of the UCI event log with the example rules', () => {
  it('replays every version in time order and sums up what the rules did', async () => {
    const report = await runBacktest({ input: SLICE, rules: RULES, mappings: MAPPINGS });

    expect(report.input).toMatchObject({ format: 'servicenow-csv', mapping: 'servicenow', records: 202, tickets: 33, versions: 202, duplicateVersions: 0 });
    expect(report.perRule.map((r) => [r.id, r.fired, r.tickets, r.notes, r.errors])).toEqual([
      ['major-incident', 3, 3, 3, 0],
      ['network', 0, 0, 0, 0],
      ['desktop-hardware', 0, 0, 0, 0],
      ['applications', 0, 0, 0, 0],
      ['dispatch-category-61', 0, 0, 0, 0],
      ['triage-unassigned', 4, 4, 4, 0],
    ]);
    expect(report.routing).toMatchObject({ ticketsRouted: 7, ticketsNotRouted: 26, assignments: 7, notes: 7 });
    expect(report.routing.groups).toEqual([
      { name: 'Service Desk', count: 4 },
      { name: 'Major Incident Team', count: 3 },
    ]);
    // Triage follows the service desk's shifts in rules/team.yaml at each version's time.
    expect(report.routing.people).toEqual([
      { name: 'João Pereira', count: 2 },
      { name: 'Major Incident Manager 1', count: 2 },
      { name: 'Rui Santos', count: 2 },
      { name: 'Major Incident Manager 2', count: 1 },
    ]);
    expect(report.history).toMatchObject({ ticketsWithHistory: 33, agreement: { compared: 5, agreed: 0 }, reassignedByPeople: 2 });
    expect(report.mappingFailures.count).toBe(0);
  });

  it('limits the replay to the first N tickets of the file', async () => {
    const report = await runBacktest({ input: SLICE, rules: RULES, mappings: MAPPINGS, limit: 5 });

    expect(report.input.tickets).toBe(5);
    expect(report.input.skippedByLimit + report.input.versions).toBe(202);
  });

  it('prints the same report as JSON with --json', async () => {
    const lines: string[] = [];

    const code = await runBacktestCommand({ input: SLICE, rules: RULES, mappings: MAPPINGS, json: true }, (line) => lines.push(line));

    const report = JSON.parse(lines.join('\n')) as BacktestReport;
    expect(code).toBe(0);
    expect(report.input.tickets).toBe(33);
    expect(report.timing.peakRssMb).toBeGreaterThan(0);
    expect(report.timing.versionsPerSecond).toBeGreaterThan(0);
  });

  it('prints a readable report', async () => {
    const lines: string[] = [];

    await runBacktestCommand({ input: SLICE, rules: RULES, mappings: MAPPINGS, progress: false }, (line) => lines.push(line));

    const text = lines.join('\n');
    expect(text).toContain('Replayed 33 tickets (202 versions from 202 records)');
    expect(text).toContain('Routed 7 tickets (21.2%) with 7 assignments and 7 notes');
    expect(text).toContain('agreement: 0.0% — 0 of 5 routed tickets ended in the group the rules chose');
  });
});

describe('backtest of JSON exports', () => {
  it('reads a ServiceNow JSONv2 export with plain values, versions in time order', async () => {
    const report = await runBacktest({ input: 'test/fixtures/backtest/servicenow-records.json', rules: RULES, mappings: MAPPINGS });

    expect(report.input).toMatchObject({ format: 'servicenow-json', records: 4, tickets: 3, versions: 4 });
    expect(report.perRule.filter((r) => r.fired > 0).map((r) => [r.id, r.fired])).toEqual([
      ['major-incident', 1],
      ['network', 1],
    ]);
    // A person moved the P1 to "Payroll Apps" after the override rule routed it; the rule's
    // condition was already true, so it leaves the person's decision alone (people win).
    expect(report.history).toMatchObject({ ticketsWithHistory: 1, reassignedByPeople: 1 });
  });

  it('reads a Jira Data Center issue array and reports the issue it could not read', async () => {
    const report = await runBacktest({ input: 'test/fixtures/backtest/jira-datacenter-issues.json', rules: RULES, mappings: MAPPINGS });

    expect(report.input).toMatchObject({ format: 'jira-json', mapping: 'jira-datacenter', records: 3, tickets: 2, unreadable: { count: 1 } });
    expect(report.routing.groups).toEqual([{ name: 'Network Operations', count: 1 }]);
    expect(report.history).toBeNull();
  });

  it('reads a Jira Cloud search response', async () => {
    const report = await runBacktest({ input: 'test/fixtures/platforms/jira/cloud/search-page-1.json', rules: RULES, mappings: MAPPINGS });

    expect(report.input).toMatchObject({ format: 'jira-json', mapping: 'jira-cloud', tickets: 2, versions: 2 });
    expect(report.mappingFailures.count).toBe(0);
  });

  it('counts and shows records the mapping rejects instead of stopping', async () => {
    const report = await runBacktest({ input: 'test/fixtures/platforms/servicenow/incidents-page-1.json', rules: RULES, mappings: MAPPINGS });

    expect(report.mappingFailures.count).toBe(3);
    expect(report.mappingFailures.first[0]).toEqual({ ref: 'INC0010231', error: expect.stringContaining('createdAt') });
  });

  it('exits 2 with a message for an input it cannot place', async () => {
    const lines: string[] = [];

    const code = await runBacktestCommand({ input: 'test/fixtures/platforms/jira/cloud/myself.json', rules: RULES, mappings: MAPPINGS }, (line) => lines.push(line));

    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('cannot tell the export');
  });
});
