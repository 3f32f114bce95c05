import type { Diagnostic } from '../diagnostics/diagnostics.js';
import type { RuleTrace } from '../engine/types.js';
import type { Action } from '../model/action.js';
import type { ExpectedAction } from '../model/rule-test.js';
import type { DiffLine, MatchMode } from './match-actions.js';

/** Everything `deskbridge test` found; `--json` prints this object as is. */
export interface TestReport {
  files: FileTestReport[];
  summary: TestSummary;
}

export interface TestSummary {
  /** Tests run (tests of files that did not load are not counted: they never ran). */
  tests: number;
  passed: number;
  /** Tests that failed their expectation or could not run (`status` `fail` or `error`). */
  failed: number;
  /** Paths that were missing or rules files that did not validate. */
  filesNotLoaded: number;
}

export interface FileTestReport {
  /** The path as shown to the user (relative to the working directory when under it). */
  file: string;
  /** False when the file is missing or does not validate; its tests did not run. */
  loaded: boolean;
  /** Problems the loader found in this file, warnings included. */
  diagnostics: Diagnostic[];
  tests: TestCaseReport[];
}

/**
 * `pass` and `fail` compare expectation with outcome; `error` means the test itself is wrong
 * (its ticket is not a valid ticket) and the rules were not evaluated.
 */
export type TestStatus = 'pass' | 'fail' | 'error';

export interface TestCaseReport {
  name: string;
  file: string;
  /** Line of the test's entry in the `tests:` list. */
  line: number;
  status: TestStatus;
  /** Why a test has status `error`, positioned in the rules file. */
  errors: Diagnostic[];
  mode: MatchMode;
  expected: ExpectedAction[];
  /** What the rules decided, in order. */
  actual: ActualAction[];
  /** Expected vs actual, one action per line; empty when the test passed. */
  diff: DiffLine[];
  /** What every rule did with the ticket, so a failure shows why. */
  trace: TestTraceEntry[];
}

export interface ActualAction {
  rule: string;
  action: Action;
  explanation: string;
  /** Number of the ticket written to, when it is not the test's ticket (a duplicate's original, an escalation's other end). */
  on?: string;
}

/**
 * A rule's trace entry; `not-reached` = an earlier rule matched and did not `continue`;
 * `escalation-sync` = what escalation sync decided or left for a `linked` ticket (not sent back, fields not set, …).
 */
export interface TestTraceEntry {
  rule: string;
  outcome: RuleTrace['outcome'] | 'not-reached' | 'escalation-sync';
  reason: string;
}
