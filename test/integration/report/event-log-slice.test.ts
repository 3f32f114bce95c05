import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReportCommand, type ReportCommandOptions } from '../../../src/cli/report.js';
import type { HelpdeskFigures } from '../../../src/report/figures.js';

const SLICE = 'test/fixtures/backtest/incident-event-log-slice.csv';
const base: ReportCommandOptions = { input: SLICE, mappings: 'mappings', by: 'week', format: 'json', top: 10 };

async function run(options: Partial<ReportCommandOptions>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runReportCommand({ ...base, ...options }, (line) => lines.push(line));
  return { code, lines };
}

/** The slice's rows, for figures worked out here independently of the report's code. */
function sliceRows(): Record<string, string>[] {
  const [head = '', ...rows] = readFileSync(SLICE, 'utf8').trim().split('\n');
  const names = head.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i] ?? '', v])));
}

describe('deskbridge report on a slice of the UCI event log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-report-'));

  it('reads every version through the real mapping and agrees with the export on what it says itself', async () => {
    const out = join(dir, 'r.json');
    const { code } = await run({ out });
    const f = JSON.parse(readFileSync(out, 'utf8')) as HelpdeskFigures & { source: { versions: number; unmapped: number } };

    expect(code).toBe(0);
    expect(f.source).toMatchObject({ versions: 202, unmapped: 0 });
    const rows = sliceRows();
    const last = new Map<string, Record<string, string>>();
    for (const r of rows) last.set(r['number'] ?? '', r);
    expect(f.tickets).toBe(last.size);
    // SLA attainment as the export's own made_sla on each resolved incident's last row.
    const resolved = [...last.values()].filter((r) => r['incident_state'] === 'Closed' || r['incident_state'] === 'Resolved');
    expect(f.overall.resolved).toBe(resolved.length);
    expect(f.overall.sla.count).toBe(resolved.filter((r) => r['made_sla'] === 'true').length);
    // Reopen rate never below what the export's reopen_count says.
    expect(f.overall.reopened.count).toBeGreaterThanOrEqual(resolved.filter((r) => Number(r['reopen_count']) > 0).length);
    expect(f.trend.reduce((s, t) => s + t.resolved, 0)).toBe(f.overall.resolved);
    expect(f.trend.reduce((s, t) => s + t.created, 0)).toBe(f.created);
  });

  it('writes a CSV a spreadsheet can pivot and a self-contained HTML page', async () => {
    const csv = join(dir, 'r.csv');
    const html = join(dir, 'r.html');
    expect((await run({ format: 'csv', out: csv })).code).toBe(0);
    expect((await run({ format: 'html', out: html, by: 'month' })).code).toBe(0);

    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('table,period,key,figure,value');
    expect(lines.every((l) => l.split(',').length >= 5)).toBe(true);
    expect(lines.some((l) => l.startsWith('week,2016-W'))).toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<h1>Help-desk report</h1>');
    expect(page).toContain('First-contact resolution');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('shows a hostile group name inert in HTML and never as a spreadsheet formula', async () => {
    const hostile = join(dir, 'hostile.csv');
    writeFileSync(hostile, readFileSync(SLICE, 'utf8').replaceAll('Group 70', '<img src=x onerror=alert(1)>').replaceAll('Group 24', '=1+2'));
    const html = join(dir, 'hostile.html');
    const csv = join(dir, 'hostile.csv.out');
    await run({ input: hostile, format: 'html', out: html });
    await run({ input: hostile, format: 'csv', out: csv });

    const page = readFileSync(html, 'utf8');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const rows = readFileSync(csv, 'utf8');
    expect(rows).toContain(",'=1+2,");
    expect(rows).not.toMatch(/(^|,)=1\+2/m);
  });

  it('prints the headline figures and the trend as text', async () => {
    const { code, lines } = await run({ format: 'text' });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^Help-desk figures 2016-\d\d-\d\d \d\d:\d\d UTC to 2016-\d\d-\d\d \d\d:\d\d UTC \(exclusive\)/);
    expect(lines.join('\n')).toMatch(/first-contact resolution \d+\.\d%/);
  });

  it("reads every platform's export that backtest reads, through its own inbound mapping", async () => {
    const counts: Record<string, [number, number]> = {};
    for (const file of ['servicenow-records.json', 'jira-datacenter-issues.json', 'zendesk-tickets.json', 'freshservice-tickets.json']) {
      const out = join(dir, `${file}.out.json`);
      expect((await run({ input: `test/fixtures/backtest/${file}`, out })).code).toBe(0);
      const f = JSON.parse(readFileSync(out, 'utf8')) as HelpdeskFigures & { source: { versions: number; unmapped: number } };
      expect(f.source.unmapped, file).toBe(0);
      counts[file] = [f.tickets, f.overall.resolved];
    }
    // Tickets and resolved ones, as each fixture holds them (one record of each is unreadable on purpose).
    expect(counts).toEqual({
      'servicenow-records.json': [3, 1],
      'jira-datacenter-issues.json': [2, 0],
      'zendesk-tickets.json': [2, 0],
      'freshservice-tickets.json': [2, 1],
    });
  });

  it('rejects a date it cannot read, saying what it expects', async () => {
    const { code, lines } = await run({ from: '03/01/2016' });
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/--from 03\/01\/2016 is not a date; give e\.g\. 2016-03-01/);
  });
});
