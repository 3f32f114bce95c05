import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../diagnostics/diagnostics.js';
import { BacktestInputError, type InputFormat } from '../backtest/history.js';
import { computeFigures, type Granularity } from '../report/figures.js';
import { lifecyclesFromExport, type ExportLifecycles } from '../report/from-export.js';
import { lifecyclesFromState, StateFileMissingError } from '../report/from-state.js';
import { qaByPerson } from '../report/qa-by-person.js';
import type { LifecycleBuilder } from '../report/lifecycle.js';
import { inspectionConfig } from './inspect.js';
import { renderCsv } from '../report/render-csv.js';
import { renderHtml } from '../report/render-html.js';
import { renderText } from '../report/render-text.js';
import { describeState, liveStateOf, parseStateLocation } from '../state/open.js';

export interface ReportCommandOptions {
  /** An export to report on; without one, the state deskbridge keeps (`state`, or the config's). */
  input?: string;
  /** State file (SQLite) to report from. */
  state?: string;
  /** deskbridge.yaml whose state file to report from (when neither input nor state is given). */
  config?: string;
  /** Only this source's tickets (state only). */
  source?: string;
  /** Audit log folder for the QA pass rate per person (state only; default the config's). */
  auditDir?: string;
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

/** `deskbridge report`: help-desk figures for a period, from an export or the state. Exit 0, or 2 when the input or a date cannot be read. */
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
  let read: Read | undefined;
  try {
    read = await readLifecycles(options, out);
  } catch (error) {
    if (error instanceof BacktestInputError || error instanceof ConfigError || error instanceof StateFileMissingError) {
      out(`deskbridge report: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (read === undefined) return 2;
  if (read.builder.tickets === 0) {
    out(`deskbridge report: no tickets to report on in ${read.source}${read.notCounted[0] ? `; e.g. ${read.notCounted[0]}` : ''}`);
    return 2;
  }
  const fromMs = from ?? read.builder.firstCreatedMs;
  const toMs = to ?? read.builder.defaultEndMs;
  if (!(toMs > fromMs)) {
    out(`deskbridge report: --to must be after --from`);
    return 2;
  }
  const qa = read.auditDir !== undefined ? qaByPerson(read.auditDir, fromMs, toMs) : undefined;
  const figures = computeFigures(read.builder.lifecycles(), read.builder.groupNames, { fromMs, toMs, by: options.by }, options.top, {
    ...(read.routed ? { routed: read.routed } : {}),
    ...(qa ? { qa } : {}),
  });
  const source = read.source;
  let body: string;
  if (options.format === 'text') {
    for (const line of renderText(figures, source)) out(line);
    for (const problem of read.notCounted) out(`  not counted: ${problem}`);
    return 0;
  }
  if (options.format === 'json') body = `${JSON.stringify({ source: read.input ?? { state: source }, ...figures }, null, 2)}\n`;
  else if (options.format === 'csv') body = renderCsv(figures);
  else body = renderHtml(figures, { title: 'Help-desk report', source, generatedAt: new Date() });
  if (options.out !== undefined) {
    writeFileSync(options.out, body);
    out(`wrote ${options.out} (${options.format}, ${figures.trend.length} ${options.by}s, ${read.builder.tickets.toLocaleString('en')} tickets)`);
  } else process.stdout.write(body);
  return 0;
}

interface Read {
  /** The QA audit log's folder, for the QA pass rate per person (state only). */
  auditDir?: string;
  builder: LifecycleBuilder;
  routed: Set<string> | undefined;
  /** What the figures come from, one line. */
  source: string;
  input?: ExportLifecycles['input'];
  notCounted: string[];
}

async function readLifecycles(options: ReportCommandOptions, out: (line: string) => void): Promise<Read | undefined> {
  if (options.input !== undefined) {
    const read = await lifecyclesFromExport(options.input, {
      format: options.inputFormat ?? 'auto',
      mappings: options.mappings,
      ...(options.jiraGroupField !== undefined ? { jiraGroupField: options.jiraGroupField } : {}),
    });
    const i = read.input;
    const source = `${i.path} (${i.format}: ${i.versions.toLocaleString('en')} versions of ${read.builder.tickets.toLocaleString('en')} tickets${i.unmapped ? `; ${i.unmapped} versions the mapping rejected` : ''}${i.unreadable ? `; ${i.unreadable} records unreadable` : ''})`;
    return { builder: read.builder, routed: undefined, source, input: i, notCounted: [...i.firstUnmapped, ...problemsOf(read.builder)] };
  }
  let location = options.state !== undefined ? parseStateLocation(options.state) : undefined;
  let auditDir = options.auditDir;
  if (location === undefined) {
    const configPath = options.config ?? 'deskbridge.yaml';
    if (!existsSync(configPath)) {
      out(`deskbridge report: give an export to report on, or --state <file> / -c <deskbridge.yaml> to report on what deskbridge has pulled (no ${configPath} here)`);
      return undefined;
    }
    const config = inspectionConfig(configPath);
    if (!config) return undefined;
    location = liveStateOf(config);
    auditDir ??= config.audit.dir;
  }
  const read = await lifecyclesFromState(location, options.source);
  const source = `the state ${describeState(location)}${options.source ? ` (source ${options.source})` : ''}: ${read.builder.versions.toLocaleString('en')} versions of ${read.builder.tickets.toLocaleString('en')} tickets, ${read.routed.size.toLocaleString('en')} routed by deskbridge`;
  return { builder: read.builder, routed: read.routed, source, notCounted: problemsOf(read.builder), ...(auditDir !== undefined ? { auditDir } : {}) };
}

/** Versions the lifecycles could not place (an unparseable time), the first few named. */
function problemsOf(builder: LifecycleBuilder): string[] {
  const n = builder.problems.length;
  return n === 0 ? [] : [`${n} version${n === 1 ? '' : 's'} with an unparseable time, e.g. ${builder.problems[0]?.key}: ${builder.problems[0]?.reason}`];
}

/** A date (midnight UTC) or a date-time; undefined when it is neither. */
function parseDate(text: string): number | undefined {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(iso)) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
