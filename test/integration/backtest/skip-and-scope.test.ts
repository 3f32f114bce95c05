import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runBacktest } from '../../../src/backtest/run-backtest.js';
import { backtestSkip } from '../../../src/backtest/skip-source.js';
import type { BacktestReport } from '../../../src/backtest/report.js';
import { runBacktestCommand } from '../../../src/cli/backtest.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { setEvaluationLimits } from '../../../src/mapping/limits.js';

const SLICE = 'test/fixtures/backtest/incident-event-log-slice.csv';
const RULES = 'rules/routing.yaml';
const MAPPINGS = 'mappings';

/** The valid fixture config, with `extra` lines appended to its one ServiceNow source (sn-prod). */
function configWithSource(extra: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-backtest-skip-'));
  const base = readFileSync('test/fixtures/config/valid.yaml', 'utf8')
    .replace('rules: ../rules/valid.yaml', `rules: ${resolve(RULES)}`)
    .replace('mappings: ./mappings', `mappings: ${resolve(MAPPINGS)}`);
  const file = join(dir, 'deskbridge.yaml');
  writeFileSync(file, `${base.trimEnd()}\n${extra}\n`);
  return file;
}

async function jsonReport(options: Parameters<typeof runBacktestCommand>[0]): Promise<{ code: number; report: BacktestReport }> {
  const lines: string[] = [];
  const code = await runBacktestCommand({ progress: false, json: true, ...options }, (line) => lines.push(line));
  return { code, report: JSON.parse(lines.join('\n')) as BacktestReport };
}

afterEach(() => {
  vi.unstubAllEnvs();
  setEvaluationLimits();
});

describe('backtest honours a source’s skip: as the daemon does', () => {
  it('--skip leaves the tickets it holds for alone: no rule fires on them, and the report counts them (text and --json)', async () => {
    const plain = await runBacktest({ input: SLICE, rules: RULES, mappings: MAPPINGS });
    expect(plain.perRule.find((r) => r.id === 'major-incident')?.fired).toBe(3);
    expect(plain.skip).toEqual({ condition: null, from: 'none', tickets: 0, versions: 0 });

    const { code, report } = await jsonReport({ input: SLICE, rules: RULES, mappings: MAPPINGS, skip: 'priority = 1' });

    expect(code).toBe(0);
    expect(report.perRule.find((r) => r.id === 'major-incident')?.fired).toBe(0);
    // The rest is judged as before: triage still routes its four.
    expect(report.perRule.find((r) => r.id === 'triage-unassigned')?.fired).toBe(4);
    expect(report.skip).toMatchObject({ condition: 'priority = 1', from: '--skip' });
    expect(report.skip.tickets).toBeGreaterThanOrEqual(3);
    expect(report.skip.versions).toBe(13); // the slice's "1 - Critical" rows
    expect(report.routing.ticketsRouted).toBe(plain.routing.ticketsRouted - 3);

    const text: string[] = [];
    await runBacktestCommand({ input: SLICE, rules: RULES, mappings: MAPPINGS, skip: 'priority = 1', progress: false }, (line) => text.push(line));
    expect(text.join('\n')).toContain(`Skipped by skip: ${report.skip.tickets} tickets`);
    expect(text.join('\n')).toContain('13 versions) left alone — skip: priority = 1 (from --skip)');
  });

  it('--config takes the skip: of the config’s source of the input’s platform, and evaluates as that source', async () => {
    vi.stubEnv('SN_PASSWORD', 'secret');
    const config = configWithSource(`    skip: "priority = 1"`);

    const { code, report } = await jsonReport({ input: SLICE, rules: RULES, mappings: MAPPINGS, config });

    expect(code).toBe(0);
    expect(report.skip).toMatchObject({ condition: 'priority = 1', from: 'source sn-prod of the config', versions: 13 });
    expect(report.rules.sourceId).toBe('sn-prod');
    expect(report.perRule.find((r) => r.id === 'major-incident')?.fired).toBe(0);

    // --skip wins over the config's; --source keeps the id the rules see.
    const overridden = await jsonReport({ input: SLICE, rules: RULES, mappings: MAPPINGS, config, skip: 'false', source: 'elsewhere' });
    expect(overridden.report.skip).toMatchObject({ condition: 'false', from: '--skip', tickets: 0 });
    expect(overridden.report.rules.sourceId).toBe('elsewhere');
    expect(overridden.report.perRule.find((r) => r.id === 'major-incident')?.fired).toBe(3);
  });

  it('a skip: that does not compile stops the backtest with exit 2 instead of skipping every ticket', async () => {
    const out: string[] = [];
    const code = await runBacktestCommand({ input: SLICE, rules: RULES, mappings: MAPPINGS, skip: 'priority = = 1', progress: false }, (line) => out.push(line));
    expect(code).toBe(2);
    expect(out.join('\n')).toMatch(/the skip: condition \(from --skip\) does not compile/);
  });

  it('picks the source whose skip: applies, and asks for --source when the config leaves it open', () => {
    const sources = [
      { id: 'sn-a', mapping: 'servicenow', skip: "'vip' in labels" },
      { id: 'sn-b', mapping: 'servicenow', skip: undefined },
      { id: 'jira', mapping: 'jira-cloud', skip: 'priority = 5' },
    ];
    expect(backtestSkip({ sources, mapping: 'jira-cloud' })).toEqual({ condition: 'priority = 5', from: 'source jira of the config', sourceId: 'jira' });
    expect(backtestSkip({ sources, mapping: 'servicenow', sourceId: 'sn-b' })).toEqual({ condition: undefined, from: 'source sn-b of the config', sourceId: 'sn-b' });
    expect(() => backtestSkip({ sources, mapping: 'servicenow' })).toThrow(/2 servicenow sources with different skip: conditions \(sn-a, sn-b\).*--source <id>/);
    expect(() => backtestSkip({ sources, mapping: 'servicenow', sourceId: 'jira' })).toThrow(/source jira of the config reads jira-cloud tickets, but the input is a servicenow export/);
    expect(backtestSkip({ sources, mapping: 'jira-datacenter' })).toEqual({ condition: undefined, from: 'none' });
    expect(backtestSkip({ sources, mapping: 'servicenow', skip: 'true' })).toEqual({ condition: 'true', from: '--skip' });
  });
});

describe('backtest honours scope.groups as the daemon does', () => {
  it('a rule scoped to a group acts only on tickets in that group at the version judged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-backtest-scope-'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(
      rules,
      [
        'rules:',
        '  - id: group-70-desk',
        '    kind: routing',
        '    when: status in ["new", "open", "in_progress"]',
        '    override: true',
        '    scope: { groups: [Group 70] }',
        '    assign: { group: Group 70 Dispatch }',
        '',
      ].join('\n'),
    );
    const groupsSeen: (string | undefined)[] = [];

    const report = await runBacktest({ input: SLICE, rules, mappings: MAPPINGS, onDecision: (ticket: Ticket) => groupsSeen.push(ticket.group) });

    expect(report.perRule[0]?.fired).toBeGreaterThan(0);
    expect(new Set(groupsSeen)).toEqual(new Set(['Group 70']));
  });
});
