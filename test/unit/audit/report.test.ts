import { describe, expect, it } from 'vitest';
import { buildQaReport } from '../../../src/audit/report.js';
import { aggregateQa } from '../../../src/audit/report-stats.js';
import type { AuditEntry, QaVerdict } from '../../../src/audit/schema.js';
import { qaVerdict, writeRecord } from './fixtures.js';

let seq = 0;

function entry(data: Partial<QaVerdict>, at = '2026-11-23T15:00:00.000Z'): AuditEntry {
  seq += 1;
  return { seq, at, id: `ev-${seq}`, prev: '0'.repeat(64), hash: '0'.repeat(64), data: qaVerdict({ ticket: { key: `k${seq}`, source: 'snow-prod', number: `INC${seq}` }, ...data }) };
}

const pass = { passed: true, sampled: false, checks: [{ id: 'notes-present', passed: true, severity: 'error', message: '' }] };
const fail = { passed: false, sampled: true, checks: [{ id: 'notes-present', passed: false, severity: 'error', message: 'missing' }] };

const ENTRIES: AuditEntry[] = [
  entry({ ...pass, group: 'Service Desk', assignee: 'Beth Anglin', resolvedAt: '2026-11-23T10:00:00Z' }),
  entry({ ...fail, group: 'Service Desk', assignee: 'Beth Anglin', resolvedAt: '2026-11-24T10:00:00Z' }),
  entry({ ...pass, group: 'Network, "Core"', assignee: 'Ann Lee', resolvedAt: '2026-12-01T10:00:00Z' }),
  entry({ ...pass, group: '<script>alert(1)</script>', assignee: undefined, resolvedAt: undefined }, '2026-12-15T09:00:00.000Z'),
  { seq: 99, at: '2026-11-23T15:00:00.000Z', id: 'w', prev: '0'.repeat(64), hash: '0'.repeat(64), data: writeRecord() },
];

const FIXED = { generatedAt: new Date('2026-12-20T00:00:00Z') };

describe('QA report figures', () => {
  it('counts verdicts, pass rates by check, group, assignee and ISO week, worst first', () => {
    const stats = aggregateQa(ENTRIES);

    expect(stats).toMatchObject({ verdicts: 4, passed: 3, rate: 0.75, tickets: 4 });
    expect(stats.byCheck).toEqual([{ value: 'notes-present', severity: 'error', verdicts: 4, passed: 3, rate: 0.75 }]);
    expect(stats.byGroup[0]).toMatchObject({ value: 'Service Desk', rate: 0.5 });
    expect(stats.byAssignee.map((r) => r.value)).toContain('(none)');
    expect(stats.byWeek.map((r) => [r.value, r.verdicts])).toEqual([
      ['2026-W48', 2],
      ['2026-W49', 1],
      ['2026-W50', 0],
      ['2026-W51', 1],
    ]);
    expect(stats.sampled.map((s) => s.number)).toEqual(['INC2']);
  });

  it('filters by since (inclusive) and until (exclusive) on the resolution time', () => {
    const stats = aggregateQa(ENTRIES, { since: '2026-11-24', until: '2026-12-15T09:00:00Z' });

    expect(stats.verdicts).toBe(2);
    expect(stats.byWeek.map((r) => r.value)).toEqual(['2026-W48', '2026-W49']);
  });

  it('counts only the latest verdict on one ticket version and rule', () => {
    const first = entry({ ...fail, ticket: { key: 'same', source: 's', number: 'INC9' } });
    const again = entry({ ...pass, ticket: { key: 'same', source: 's', number: 'INC9' } });

    const stats = aggregateQa([first, again]);

    expect(stats).toMatchObject({ verdicts: 1, passed: 1, superseded: 1 });
  });

  it('rejects an unreadable period bound', () => {
    expect(() => aggregateQa(ENTRIES, { since: 'last tuesday' })).toThrow(/--since/);
  });
});

describe('QA report formats', () => {
  it('renders markdown tables with escaped cells', () => {
    const md = buildQaReport(ENTRIES, { format: 'md', ...FIXED });

    expect(md).toContain('| Verdicts | Passed | Failed | Pass rate | Tickets | Sampled for review |');
    expect(md).toContain('| 4 | 3 | 1 | 75.0% | 4 | 1 |');
    expect(md).toContain('| notes-present | error | 4 | 3 | 75.0% |');
    expect(md).toContain('| Service Desk | 2 | 1 | 50.0% |');
    expect(md).toContain('&lt;script&gt;');
    expect(md).toContain('| 2026-W50 | 0 | 0 | n/a |');
  });

  it('renders one tidy CSV table with RFC 4180 quoting and CRLF line ends', () => {
    const csv = buildQaReport(ENTRIES, { format: 'csv', ...FIXED });
    const lines = csv.split('\r\n');

    expect(lines[0]).toBe('dimension,value,verdicts,passed,pass_rate');
    expect(lines[1]).toBe('overall,all,4,3,0.7500');
    expect(lines).toContain('group,"Network, ""Core""",1,1,1.0000');
    expect(lines).toContain('week,2026-W50,0,0,');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('defuses spreadsheet formulas in CSV text', () => {
    const csv = buildQaReport([entry({ ...pass, group: '=HYPERLINK("x")' })], { format: 'csv', ...FIXED });

    expect(csv).toContain(`group,"'=HYPERLINK(""x"")",1,1,1.0000`);
  });

  it('renders self-contained HTML with SVG charts and escapes text', () => {
    const html = buildQaReport(ENTRIES, { format: 'html', ...FIXED });

    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)?.length).toBe(4);
    expect(html).toContain('Pass rate by check');
    expect(html).toContain('ISO week of resolution');
    expect(html).toContain('75.0%');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toContain('@import');
  });

  it('puts the worst group first in its chart', () => {
    const html = buildQaReport(ENTRIES, { format: 'html', ...FIXED });
    const groupChart = html.slice(html.indexOf('Pass rate by group'));

    expect(groupChart.indexOf('Service Desk')).toBeLessThan(groupChart.indexOf('Network'));
  });

  it('says so when the period has no verdicts', () => {
    const html = buildQaReport(ENTRIES, { format: 'html', since: '2030-01-01', ...FIXED });

    expect(html).toContain('No verdicts in this period.');
    expect(buildQaReport([], { format: 'md', ...FIXED })).toContain('| 0 | 0 | 0 | n/a | 0 | 0 |');
  });
});
