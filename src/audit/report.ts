import { csvField, csvText } from '../util/csv.js';
import { renderHtmlReport } from './report-html.js';
import { aggregateQa, type PeriodOptions, type QaStats, type RateRow } from './report-stats.js';
import { describePeriod, formatRate, type ReportMeta } from './report-text.js';
import type { AuditEntry } from './schema.js';

export type ReportFormat = 'md' | 'csv' | 'html';

export interface QaReportOptions extends PeriodOptions {
  format: ReportFormat;
  /** Shown in the heading; default "QA pass rates". */
  title?: string;
  /** Printed as the generation time; default now. */
  generatedAt?: Date;
}

/**
 * QA pass-rate report over verdict entries (e.g. `readAuditLog(dir, 'qa')`; other kinds are
 * ignored). See `aggregateQa` for what is counted.
 */
export function buildQaReport(entries: Iterable<AuditEntry>, options: QaReportOptions): string {
  const stats = aggregateQa(entries, options);
  const meta = { title: options.title ?? 'QA pass rates', generatedAt: options.generatedAt ?? new Date() };
  switch (options.format) {
    case 'md':
      return renderMarkdown(stats, meta);
    case 'csv':
      return renderCsv(stats);
    case 'html':
      return renderHtmlReport(stats, meta);
  }
}

function renderMarkdown(stats: QaStats, meta: ReportMeta): string {
  const out: string[] = [
    `# ${md(meta.title)}`,
    '',
    `Period: ${describePeriod(stats)}. Generated ${meta.generatedAt.toISOString()}.`,
    '',
    '## Summary',
    '',
    table(
      ['Verdicts', 'Passed', 'Failed', 'Pass rate', 'Tickets', 'Sampled for review'],
      [[stats.verdicts, stats.passed, stats.verdicts - stats.passed, formatRate(stats.rate), stats.tickets, stats.sampled.length].map(String)],
    ),
  ];
  if (stats.superseded > 0) {
    out.push('', `${stats.superseded} earlier verdicts on the same ticket version and rule were replaced by a later one and are not counted.`);
  }
  out.push('', '## Pass rate by check', '', table(['Check', 'Severity', 'Verdicts', 'Passed', 'Pass rate'], stats.byCheck.map((r) => [r.value, r.severity ?? '', ...figures(r)])));
  out.push('', '## Pass rate by group', '', rateTable('Group', stats.byGroup));
  out.push('', '## Pass rate by assignee', '', rateTable('Assignee', stats.byAssignee));
  out.push('', '## Pass rate by ISO week', '', rateTable('Week', stats.byWeek));
  out.push('', '## Sampled for manual review', '');
  out.push(
    stats.sampled.length === 0
      ? 'No tickets were sampled in this period.'
      : table(
          ['Ticket', 'Source', 'Rule', 'Result', 'Failed checks', 'Group', 'Assignee', 'Resolved'],
          stats.sampled.map((s) => [s.number, s.source, s.rule, s.passed ? 'passed' : 'failed', s.failedChecks.join(', '), s.group ?? '', s.assignee ?? '', s.when]),
        ),
  );
  return `${out.join('\n')}\n`;
}

function rateTable(label: string, rows: RateRow[]): string {
  return table([label, 'Verdicts', 'Passed', 'Pass rate'], rows.map((r) => [r.value, ...figures(r)]));
}

function figures(r: RateRow): string[] {
  return [String(r.verdicts), String(r.passed), formatRate(r.rate)];
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '_No verdicts._';
  const line = (cells: string[]): string => `| ${cells.map(md).join(' | ')} |`;
  return [line(header), `|${header.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

/** Keeps a cell one cell: pipes and newlines would break the table, `<` could become markup. */
function md(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n|\r/g, ' ');
}

/** One tidy table: dimension, value, verdicts, passed, pass_rate (0–1, 4 decimals; empty when no verdicts). */
function renderCsv(stats: QaStats): string {
  const rows: string[][] = [['dimension', 'value', 'verdicts', 'passed', 'pass_rate']];
  const add = (dimension: string, r: Pick<RateRow, 'value' | 'verdicts' | 'passed' | 'rate'>): void => {
    rows.push([dimension, csvText(r.value), String(r.verdicts), String(r.passed), r.rate === undefined ? '' : r.rate.toFixed(4)]);
  };
  add('overall', { value: 'all', verdicts: stats.verdicts, passed: stats.passed, rate: stats.rate });
  for (const r of stats.byCheck) add('check', r);
  for (const r of stats.byGroup) add('group', r);
  for (const r of stats.byAssignee) add('assignee', r);
  for (const r of stats.byWeek) add('week', r);
  // RFC 4180: CRLF line ends, fields with , " CR or LF quoted, quotes doubled.
  return rows.map((cells) => cells.map(csvField).join(',')).join('\r\n') + '\r\n';
}

