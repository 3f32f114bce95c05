import { writeFileSync } from 'node:fs';
import { ConfigError } from '../diagnostics/diagnostics.js';
import { BacktestInputError, type InputFormat } from '../backtest/history.js';
import { computeFigures, type Granularity } from '../report/figures.js';
import { lifecyclesFromExport } from '../report/from-export.js';
import { renderCsv } from '../report/render-csv.js';
import { renderHtml } from '../report/render-html.js';
import { renderText } from '../report/render-text.js';

export interface ReportCommandOptions {
  input: string;
  inputFormat?: InputFormat | 'auto';
  mappings: string;
  jiraGroupField?: string;
  /** ISO date or date-time, inclusive; default the earliest ticket's opening. */
  from?: string;
  /** ISO date or date-time, exclusive; default just after the latest update. */
  to?: string;
  by: Granularity;
  format: 'text' | 'html' | 'csv' | 'json';
  /** File to write (html/csv/json); default stdout. */
  out?: string;
  top: number;
}

/** `deskbridge report`: help-desk figures for a period, from an export. Exit 0, or 2 when the input or a date cannot be read. */
export async function runReportCommand(options: ReportCommandOptions, out: (line: string) => void): Promise<number> {
  const from = options.from !== undefined ? parseDate(options.from) : undefined;
  const to = options.to !== undefined ? parseDate(options.to) : undefined;
  for (const [name, value, ms] of [
    ['--from', options.from, from],
    ['--to', options.to, to],
  ] as const) {
    if (value !== undefined && ms === undefined) {
      out(`deskbridge report: ${name} ${value} is not a date; give e.g. 2016-03-01 or 2016-03-01T08:00:00Z (UTC)`);
      return 2;
    }
  }
  let read;
  try {
    read = await lifecyclesFromExport(options.input, {
      format: options.inputFormat ?? 'auto',
      mappings: options.mappings,
      ...(options.jiraGroupField !== undefined ? { jiraGroupField: options.jiraGroupField } : {}),
    });
  } catch (error) {
    if (error instanceof BacktestInputError || error instanceof ConfigError) {
      out(`deskbridge report: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (read.builder.tickets === 0) {
    out(
      `deskbridge report: no tickets could be read from ${options.input} (${read.input.unmapped} versions the mapping rejected${read.input.firstUnmapped[0] ? `, e.g. ${read.input.firstUnmapped[0]}` : ''})`,
    );
    return 2;
  }
  const fromMs = from ?? read.firstMs;
  const toMs = to ?? read.lastMs + 1;
  if (!(toMs > fromMs)) {
    out(`deskbridge report: --to must be after --from`);
    return 2;
  }
  const figures = computeFigures(read.builder.lifecycles(), read.builder.groupNames, { fromMs, toMs, by: options.by }, options.top);
  const i = read.input;
  const source = `${i.path} (${i.format}: ${i.versions.toLocaleString('en')} versions of ${read.builder.tickets.toLocaleString('en')} tickets${i.unmapped ? `; ${i.unmapped} versions the mapping rejected` : ''}${i.unreadable ? `; ${i.unreadable} records unreadable` : ''})`;
  let body: string;
  if (options.format === 'text') {
    for (const line of renderText(figures, source)) out(line);
    for (const problem of i.firstUnmapped) out(`  not counted: ${problem}`);
    return 0;
  }
  if (options.format === 'json') body = `${JSON.stringify({ source: i, ...figures }, null, 2)}\n`;
  else if (options.format === 'csv') body = renderCsv(figures);
  else body = renderHtml(figures, { title: 'Help-desk report', source, generatedAt: new Date() });
  if (options.out !== undefined) {
    writeFileSync(options.out, body);
    out(`wrote ${options.out} (${options.format}, ${figures.trend.length} ${options.by}s, ${read.builder.tickets.toLocaleString('en')} tickets)`);
  } else process.stdout.write(body);
  return 0;
}

/** A date (midnight UTC) or a date-time; undefined when it is neither. */
function parseDate(text: string): number | undefined {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
