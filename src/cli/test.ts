import { formatTestReport } from '../testing/format-report.js';
import { runRuleTests } from '../testing/run-rule-tests.js';

export interface TestCommandOptions {
  /** Print the whole report as JSON instead of lines. */
  json?: boolean;
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
