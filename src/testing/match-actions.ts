import type { Decision } from '../engine/types.js';
import type { ExpectedAction } from '../model/rule-test.js';

/** How expected actions are compared with the decisions the rules took. */
export type MatchMode = 'no-actions' | 'exact' | 'subsequence';

/** One line of the expected-vs-actual diff; `-` = expected but not taken, `+` = taken but not expected. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

export interface ActionComparison {
  pass: boolean;
  /** Unified-diff-style alignment of expected and actual actions (context lines included). */
  diff: DiffLine[];
}

/**
 * Whether one decision satisfies one expected action: same type, and every field the expectation
 * gives is equal (`rule` against the deciding rule's id, `on` against the number of the ticket written
 * to, `bodyContains` and `titleContains` as substrings).
 */
export function actionMatches(expected: ExpectedAction, actual: Decision): boolean {
  if (expected.type !== actual.action.type) return false;
  if (expected.rule !== undefined && expected.rule !== actual.ruleId) return false;
  const fields: Record<string, unknown> = actual.action;
  for (const [key, want] of Object.entries(expected)) {
    if (want === undefined || key === 'type' || key === 'rule') continue;
    if (key === 'original') {
      const original = fields['original'];
      if (typeof original !== 'object' || original === null || (original as { number?: unknown }).number !== want) return false;
    } else if (key === 'on') {
      if (actual.target?.number !== want) return false;
    } else if (key === 'bodyContains' || key === 'titleContains') {
      const text = fields[key === 'bodyContains' ? 'body' : 'title'];
      if (typeof text !== 'string' || typeof want !== 'string' || !text.includes(want)) return false;
    } else if (fields[key] !== want) {
      return false;
    }
  }
  return true;
}

/**
 * Compares expected actions with the decisions, in order. Exact: one-to-one, nothing extra.
 * Subsequence: every expected action in order, other decisions allowed between them — in the
 * diff those extras are context lines, since they are not what failed.
 *
 * The alignment is a longest common subsequence under {@link actionMatches}; a test passes
 * exactly when it covers every expected action (and, when exact, every decision).
 */
export function compareActions(expected: readonly ExpectedAction[], actual: readonly Decision[], mode: MatchMode): ActionComparison {
  const n = expected.length;
  const m = actual.length;
  // lcs[i][j]: how many of expected[i..] can be matched, in order, within actual[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  const at = (i: number, j: number): number => lcs[i]?.[j] ?? 0;
  const matches = (i: number, j: number): boolean => {
    const e = expected[i];
    const a = actual[j];
    return e !== undefined && a !== undefined && actionMatches(e, a);
  };
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i];
    if (row === undefined) continue;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = matches(i, j) ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }

  const extraOp = mode === 'subsequence' ? ' ' : '+';
  const diff: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const e = expected[i];
    const a = actual[j];
    if (e !== undefined && a !== undefined && matches(i, j) && at(i, j) === at(i + 1, j + 1) + 1) {
      diff.push({ op: ' ', text: describeDecision(a) });
      i++;
      j++;
    } else if (e !== undefined && (a === undefined || at(i + 1, j) >= at(i, j + 1))) {
      // Ties favour the expected side, so a changed action reads as "-" then "+", as in `diff -u`.
      diff.push({ op: '-', text: describeExpected(e) });
      i++;
    } else if (a !== undefined) {
      diff.push({ op: extraOp, text: describeDecision(a) });
      j++;
    }
  }

  const matched = at(0, 0);
  const pass = matched === n && (mode === 'subsequence' || matched === m);
  return { pass, diff };
}

/** Fields in the order people read them, whatever order the action or the YAML had them in. */
const FIELD_ORDER = ['on', 'to', 'group', 'assignee', 'visibility', 'field', 'value', 'title', 'titleContains', 'priority', 'body', 'bodyContains', 'problemRef', 'correlationKey', 'description'];

/** `assign group="Desktop Support" rule="hardware"`: only the fields the test pins. */
export function describeExpected(expected: ExpectedAction): string {
  return describeFields(expected.type, expected, expected.rule);
}

/** `assign group="Desktop Support" assignee="Erin" rule="hardware"`: everything the rule decided. */
export function describeDecision(decision: Decision): string {
  // A write to another ticket (a duplicate's original, an escalation's other end) says which.
  const fields = decision.target !== undefined ? { on: decision.target.number, ...decision.action } : decision.action;
  return describeFields(decision.action.type, fields, decision.ruleId);
}

function describeFields(type: string, fields: object, rule: string | undefined): string {
  const entries = Object.entries(fields).filter(([key, value]) => key !== 'type' && key !== 'rule' && value !== undefined);
  entries.sort(([a], [b]) => rank(a) - rank(b));
  const parts = [type, ...entries.map(([key, value]) => `${key}=${JSON.stringify(value)}`)];
  if (rule !== undefined) parts.push(`rule=${JSON.stringify(rule)}`);
  return parts.join(' ');
}

function rank(key: string): number {
  const index = FIELD_ORDER.indexOf(key);
  return index === -1 ? FIELD_ORDER.length : index;
}
