import { formatDiagnostic, plural } from '../diagnostics/diagnostics.js';
import type { FileTestReport, TestCaseReport, TestReport, TestStatus } from './report.js';

const LABEL: Record<TestStatus, string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' };
const INDENT = '    ';

/**
 * Plain lines for a terminal or a CI log: `PASS file:line name` per test; under a failure the
 * expected-vs-actual diff and the rule trace; a summary line last.
 */
export function formatTestReport(report: TestReport): string[] {
  const lines: string[] = [];
  for (const file of report.files) lines.push(...formatFile(file));
  lines.push(formatSummary(report));
  return lines;
}

function formatFile(file: FileTestReport): string[] {
  const lines = file.diagnostics.map(formatDiagnostic);
  if (!file.loaded) {
    const errors = file.diagnostics.filter((d) => d.severity === 'error').length;
    lines.push(`ERROR ${file.file}: does not load (${plural(errors, 'error')}); its tests did not run`);
    return lines;
  }
  if (file.tests.length === 0) lines.push(`${file.file}: no tests`);
  for (const test of file.tests) lines.push(...formatTest(test));
  return lines;
}

function formatTest(test: TestCaseReport): string[] {
  const lines = [`${LABEL[test.status]} ${test.file}:${test.line} ${test.name}`];
  if (test.status === 'error') {
    for (const d of test.errors) lines.push(`${INDENT}${formatDiagnostic(d)}`);
    return lines;
  }
  if (test.status === 'pass') return lines;

  const header = test.mode === 'subsequence' ? '--- expected (in this order; other actions allowed)' : test.mode === 'no-actions' ? '--- expected (no actions)' : '--- expected';
  lines.push(`${INDENT}${header}`, `${INDENT}+++ actual`);
  for (const line of test.diff) lines.push(`${INDENT}${line.op} ${line.text}`);
  lines.push(`${INDENT}trace:`);
  const width = Math.max(...test.trace.map((t) => t.rule.length));
  for (const t of test.trace) lines.push(`${INDENT}  ${t.rule.padEnd(width)}  ${t.outcome}: ${t.reason}`);
  return lines;
}

/** `12 tests, 11 passed, 1 failed`, plus the files that did not load when there are any. */
export function formatSummary(report: TestReport): string {
  const { tests, passed, failed, filesNotLoaded } = report.summary;
  const notLoaded = filesNotLoaded > 0 ? `, ${plural(filesNotLoaded, 'file')} did not load` : '';
  return `${plural(tests, 'test')}, ${passed} passed, ${failed} failed${notLoaded}`;
}
