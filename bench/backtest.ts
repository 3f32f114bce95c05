/**
 * Full-log backtest benchmark: replays all 141,712 events of the UCI event log (24,918
 * incidents) through rules/routing.yaml and checks the totals. About 35 s on a 2-core machine —
 * too long for the test suite, which replays a slice (test/integration/backtest/).
 *
 *   npx tsx bench/backtest.ts [--json]
 */
import { runBacktest } from '../src/backtest/run-backtest.js';
import { formatReport } from '../src/backtest/format-report.js';
import { createProgressBar } from '../src/backtest/progress.js';
import { DEFAULT_EVENT_LOG_PATH } from '../src/sandbox/servicenow/seed-event-log.js';

const bar = process.stderr.isTTY ? createProgressBar((text) => process.stderr.write(text)) : undefined;
const report = await runBacktest({
  input: DEFAULT_EVENT_LOG_PATH,
  rules: 'rules/routing.yaml',
  mappings: 'mappings',
  ...(bar ? { onProgress: (p: Parameters<typeof bar.update>[0]) => bar.update(p) } : {}),
});
bar?.done();
if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
else for (const line of formatReport(report)) console.log(line);

const problems = [
  report.input.records === 141_712 ? '' : `expected 141,712 records, read ${report.input.records}`,
  report.input.tickets === 24_918 ? '' : `expected 24,918 tickets, replayed ${report.input.tickets}`,
  report.input.versions + report.input.duplicateVersions === 141_712 ? '' : `versions + duplicates ≠ 141,712`,
  report.mappingFailures.count === 0 ? '' : `${report.mappingFailures.count} mapping failures`,
].filter(Boolean);
// A budget is a figure to read, never a failure: a shared machine may be slow.
console.log(`bench/backtest: ${report.timing.totalSeconds} s = ${(report.timing.totalSeconds / 60).toFixed(2)} × the 60 s budget`);
if (problems.length > 0) {
  console.error(`bench/backtest: ${problems.join('; ')}`);
  process.exitCode = 1;
}
