import { hasErrors, ConfigError } from '../diagnostics/diagnostics.js';
import { loadMappings } from '../config/load-mappings.js';
import { loadRules } from '../config/load-rules.js';
import { compileRuleSet } from '../engine/rule-set.js';
import { findTeamFile, loadTeam } from '../team/index.js';
import type { Decision, QaVerdict } from '../engine/types.js';
import type { Ticket } from '../model/ticket.js';
import { compilePlatformMappings, mapInbound, MappingError, type PlatformMappings } from '../mapping/mapper.js';
// Binds the platforms' mapping helpers (Jira's $adfText, $isoUtc) into every mapping.
import '../platforms/registry.js';
import { compileExpression } from '../mapping/expression.js';
import { BacktestInputError, readHistory, type InputFormat } from './history.js';
import { Replayer } from './replay.js';
import { ReportBuilder, type BacktestReport } from './report.js';
import { backtestSkip, type ConfigSource } from './skip-source.js';

export interface BacktestOptions {
  /** ServiceNow CSV export (or a .zip holding one), ServiceNow JSON export or Jira JSON export. */
  input: string;
  format?: InputFormat | 'auto';
  /** Rules file or directory. */
  rules: string;
  /** Directory with `<platform>.inbound.jsonata`. */
  mappings: string;
  /** Only the first N tickets of the input (in file order). */
  limit?: number;
  /** Source id the rules see (`scope.sources`); default `backtest`. */
  sourceId?: string;
  /** Jira field holding the group (`components` or `customfield_NNNNN`); default `components`. */
  jiraGroupField?: string;
  /** The source's `skip:` condition (JSONata): tickets it holds for are left alone, as the daemon leaves them. Wins over `configSources`. */
  skip?: string;
  /** The config's sources: the `skip:` of the one named by `sourceId`, or of the only one of the input's platform, is applied. */
  configSources?: readonly ConfigSource[];
  /** Length of the per-group and per-person lists; default 10. */
  top?: number;
  onProgress?: (progress: BacktestProgress) => void;
  /** Every decision the rules took, as it is taken (benchmarks score pattern and dedup rules with it). */
  onDecision?: (ticket: Ticket, decision: Decision) => void;
  /** Every QA verdict reached (benchmarks report pass rates with it). */
  onVerdict?: (ticket: Ticket, verdict: QaVerdict) => void;
}

/** `read`: records read so far (total unknown); `replay`: versions evaluated out of `total`. */
export interface BacktestProgress {
  phase: 'read' | 'replay';
  done: number;
  total: number | undefined;
}

const PROGRESS_EVERY = 1_000;

/**
 * Replays historical tickets through the rules without writing anything: the input is read and
 * put in time order, every version goes through the platform's real inbound mapping and the real
 * engine, and what the rules would have done is summed up in a report.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestReport> {
  const started = performance.now();
  const loaded = loadRules([options.rules]);
  if (hasErrors(loaded.diagnostics)) throw new ConfigError(loaded.diagnostics, 'Invalid rules');
  const ruleSet = compileRuleSet(loaded.rules);

  const history = await readHistory(options.input, {
    format: options.format ?? 'auto',
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.jiraGroupField !== undefined ? { jiraGroupField: options.jiraGroupField } : {}),
    onRecords: (done) => options.onProgress?.({ phase: 'read', done, total: undefined }),
  });
  const mappings = loadInboundMapping(options.mappings, history.mapping);
  const skip = backtestSkip({ skip: options.skip, sources: options.configSources, sourceId: options.sourceId, mapping: history.mapping });
  // Standing for a configured source, the rules see its id (scope.sources) unless --source says otherwise.
  const sourceId = options.sourceId ?? skip.sourceId ?? 'backtest';
  if (skip.condition !== undefined) checkSkip(skip.condition, skip.from);
  const readDone = performance.now();

  const report = new ReportBuilder(ruleSet);
  // The team file beside the rules, as the daemon loads it (shifts and skills at each version's time).
  const teamFile = findTeamFile(options.rules);
  const team = teamFile !== undefined ? loadTeam(teamFile).team : undefined;
  const replayer = new Replayer(ruleSet, sourceId, report, options.onDecision, options.onVerdict, team, skip.condition);
  const context = { platform: history.platform, sourceId, source: history.source };
  const total = history.versionCount;
  let done = 0;
  let duplicates = 0;
  for (const version of history.versions()) {
    done++;
    if (done % PROGRESS_EVERY === 0) options.onProgress?.({ phase: 'replay', done, total });
    let ticket;
    try {
      ticket = await mapInbound(mappings, version.record, context);
    } catch (error) {
      const message = error instanceof MappingError ? error.message : `unexpected mapping failure: ${String(error)}`;
      report.mappingFailure(describeRecord(version.record, version.ref), message);
      continue;
    }
    if (!(await replayer.replay(ticket))) duplicates++;
  }
  options.onProgress?.({ phase: 'replay', done: total, total });
  const finished = performance.now();

  const built = report.build({
    input: {
      path: options.input,
      format: history.format,
      mapping: history.mapping,
      records: history.records,
      duplicateVersions: duplicates,
      skippedByLimit: history.skippedByLimit,
      unreadable: history.unreadable,
    },
    rules: { files: loaded.files.map((f) => f.file), count: ruleSet.rules.length, sourceId },
    skip: { condition: skip.condition ?? null, from: skip.from },
    timing: { readSeconds: 0, replaySeconds: 0, totalSeconds: 0, ticketsPerSecond: 0, versionsPerSecond: 0, peakRssMb: 0 },
    top: options.top ?? 10,
  });
  const totalSeconds = (finished - started) / 1000;
  built.timing = {
    readSeconds: round((readDone - started) / 1000, 3),
    replaySeconds: round((finished - readDone) / 1000, 3),
    totalSeconds: round(totalSeconds, 3),
    ticketsPerSecond: Math.round(built.input.tickets / Math.max(totalSeconds, 1e-6)),
    versionsPerSecond: Math.round(built.input.versions / Math.max(totalSeconds, 1e-6)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  return built;
}

/** A skip: that does not compile would leave every ticket alone (as the daemon does, to be safe): say so instead. */
function checkSkip(condition: string, from: string): void {
  try {
    compileExpression(condition);
  } catch (error) {
    throw new BacktestInputError(
      `the skip: condition (from ${from}) does not compile: ${error instanceof Error ? error.message : String(error)} — fix it (deskbridge validate checks a source's skip:)`,
    );
  }
}

/** Only the inbound mapping is used; it is loaded with the same loader `validate` uses. */
export function loadInboundMapping(dir: string, platform: string): PlatformMappings {
  const loaded = loadMappings(dir);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors, 'Invalid mappings');
  const inbound = loaded.mappings.find((m) => m.platform === platform && m.direction === 'inbound')?.source;
  if (inbound === undefined) {
    throw new ConfigError(
      [
        {
          file: `${dir}/${platform}.inbound.jsonata`,
          line: 1,
          column: 1,
          severity: 'error',
          code: 'file-not-found',
          message: `No inbound mapping for platform ${platform}`,
          hint: 'copy it from the mappings/ folder of deskbridge',
        },
      ],
      'Missing mapping',
    );
  }
  const outbound = loaded.mappings.find((m) => m.platform === platform && m.direction === 'outbound')?.source;
  // The outbound half is never used: nothing is written.
  return compilePlatformMappings(platform, inbound, outbound ?? inbound);
}

function describeRecord(raw: Record<string, unknown>, ref: string): string {
  const number = raw['number'] ?? raw['key'];
  const text = typeof number === 'string' ? number : typeof number === 'object' && number !== null ? (number as { value?: unknown }).value : undefined;
  return typeof text === 'string' && text !== '' ? text : ref;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
