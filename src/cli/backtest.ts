import { ConfigError } from '../diagnostics/diagnostics.js';
import { formatReport } from '../backtest/format-report.js';
import { BacktestInputError, type InputFormat } from '../backtest/history.js';
import { createProgressBar } from '../backtest/progress.js';
import { runBacktest } from '../backtest/run-backtest.js';
import type { ConfigSource } from '../backtest/skip-source.js';
import { loadConfig } from '../config/load-config.js';
import { mappingName } from '../config/schema.js';
import { applyConfigLimits } from './test.js';

export interface BacktestCommandOptions {
  /** ServiceNow CSV export (or .zip with one CSV), ServiceNow JSON export or Jira JSON export. */
  input: string;
  format?: InputFormat | 'auto';
  /** Rules file or directory. */
  rules: string;
  /** Mappings directory. */
  mappings: string;
  /** The report as JSON instead of text. */
  json?: boolean;
  /** Only the first N tickets of the input. */
  limit?: number;
  /** Progress bar on stderr even when it is not a terminal. */
  progress?: boolean;
  /** Source id the rules are evaluated as (for `scope.sources`); default `backtest`. */
  source?: string;
  /** Jira field holding the group, as in the source config; default `components`. */
  jiraGroupField?: string;
  /**
   * A deskbridge.yaml whose `limits:` the rules are evaluated under, as `run` would, and whose
   * source (the one `--source` names, or the only one of the input's platform) lends its `skip:`.
   */
  config?: string;
  /** A `skip:` condition (JSONata over the canonical ticket), as a source would have it; wins over the config's. */
  skip?: string;
}

/**
 * `deskbridge backtest`: replays historical tickets through the rules and prints what they would
 * have done. Exit code 0 on success, 2 when the rules, mappings or input cannot be read.
 */
export async function runBacktestCommand(options: BacktestCommandOptions, out: (line: string) => void): Promise<number> {
  const configProblem = applyConfigLimits(options.config);
  if (configProblem !== undefined) {
    out(`deskbridge backtest: ${configProblem}`);
    return 2;
  }
  const showProgress = options.progress ?? process.stderr.isTTY === true;
  const bar = showProgress ? createProgressBar((text) => process.stderr.write(text)) : undefined;
  try {
    const report = await runBacktest({
      input: options.input,
      format: options.format ?? 'auto',
      rules: options.rules,
      mappings: options.mappings,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.source !== undefined ? { sourceId: options.source } : {}),
      ...(options.jiraGroupField !== undefined ? { jiraGroupField: options.jiraGroupField } : {}),
      ...(options.skip !== undefined ? { skip: options.skip } : {}),
      ...(options.config !== undefined ? { configSources: configSources(options.config) } : {}),
      ...(bar ? { onProgress: (p) => bar.update(p) } : {}),
    });
    bar?.done();
    if (options.json) out(JSON.stringify(report, null, 2));
    else for (const line of formatReport(report)) out(line);
    return 0;
  } catch (error) {
    bar?.done();
    if (error instanceof ConfigError || error instanceof BacktestInputError || isMissingFile(error)) {
      out(`deskbridge backtest: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    throw error;
  }
}

/** The config's sources as the backtest needs them (the config loaded fine already: its limits were applied). */
function configSources(file: string): ConfigSource[] {
  return loadConfig(file).config.sources.map((s) => ({ id: s.id, mapping: mappingName(s), skip: s.skip }));
}

function isMissingFile(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
