import { ConfigError } from '../diagnostics/diagnostics.js';
import { loadConfig } from '../config/load-config.js';
import { setEvaluationLimits } from '../mapping/limits.js';
import { formatTestReport } from '../testing/format-report.js';
import { runRuleTests } from '../testing/run-rule-tests.js';

export interface TestCommandOptions {
  /** Print the whole report as JSON instead of lines. */
  json?: boolean;
  /** A deskbridge.yaml whose `limits:` the rules are evaluated under, as `run` would (default: the built-in limits). */
  config?: string;
}

/**
 * Applies a config's `limits:` as the daemon does, so offline commands reach the verdict `run`
 * would. Returns an error line when the config cannot be loaded.
 */
export function applyConfigLimits(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    setEvaluationLimits(loadConfig(file).config.limits);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

/** Where `deskbridge test` looks when given no paths. */
const DEFAULT_PATHS = ['rules'];

/**
 * `deskbridge test [paths…]`: runs the `tests:` embedded in rules files, offline. Returns the exit
 * code: 1 when a test failed or errored or a file did not load, 0 otherwise — so it can gate an
 * admin's CI before rules reach the daemon.
 */
export async function runTestCommand(paths: string[], out: (line: string) => void, options: TestCommandOptions = {}): Promise<number> {
  const targets = paths.length > 0 ? paths : DEFAULT_PATHS;
  const configProblem = applyConfigLimits(options.config);
  if (configProblem !== undefined) {
    out(`deskbridge test: ${configProblem}`);
    return 2;
  }
  const report = await runRuleTests(targets);
  if (options.json) out(JSON.stringify(report, null, 2));
  else for (const line of formatTestReport(report)) out(line);
  // Zero files is almost always a wrong path in CI; passing it would hide that no test ran.
  if (report.files.length === 0) {
    if (!options.json) out(`No rules files (*.yaml, *.yml) found in ${targets.join(', ')}`);
    return 1;
  }
  const { failed, filesNotLoaded } = report.summary;
  return failed > 0 || filesNotLoaded > 0 ? 1 : 0;
}
