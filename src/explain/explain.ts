import type { BatchContext } from '../engine/batch-plan.js';
import { planOneTicket } from '../engine/plan-one.js';
import type { CompiledRuleSet } from '../engine/rule-set.js';
import type { StateView } from '../engine/snapshot.js';
import type { RuleTrace } from '../engine/types.js';
import { compileExpression, isTruthy } from '../mapping/expression.js';
import type { Action } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import { describeAction } from '../outbox/writer.js';
import { splitTopLevel } from './clauses.js';
import { annotateRules, viewWrite, type PriorWriteView, type RulePrior, type StateMode, type StateWrites, writeLine } from './prior-writes.js';

export interface ClauseResult {
  text: string;
  value: unknown;
  truthy: boolean;
  error?: string;
}

export interface RuleExplanation {
  ruleId: string;
  description: string | undefined;
  outcome: RuleTrace['outcome'] | 'not-reached';
  reason: string;
  /** The top-level parts of `when`, each with what it evaluated to. */
  clauses: ClauseResult[];
  operator: 'and' | 'or' | undefined;
  actions: { action: Action; explanation: string }[];
  /** The engine's reason, when `reason` was reworded from the state's writes ("already acted on this ticket"). */
  traceReason?: string;
  /** What the state judged on holds of this rule's writes on the ticket: planned in a dry run, or written. */
  prior?: RulePrior;
}

export interface Explanation {
  ticket: Ticket;
  rules: RuleExplanation[];
  /** The state file the rules were judged on (absent: none existed), with every write it holds for the ticket. */
  state?: { mode: StateMode; path: string; writes: PriorWriteView[] };
  /** Explaining a live source: what a dry run planned for the ticket in its own state (never sent). */
  dryRun?: { path: string; writes: PriorWriteView[] };
  /** Why the source's `skip:` condition leaves the ticket alone (no rule judges it), when it does. */
  skipped?: string;
}

/**
 * Evaluates every rule for one ticket, as the daemon would now, and says why each did what it did.
 * The ticket is planned as a batch of its own on what `view` holds (the state file, or an empty
 * in-memory state): what the daemon knows of it (status and since when) comes from its row
 * there. Nothing is committed.
 */
export async function explainTicket(
  ticket: Ticket,
  ruleSet: CompiledRuleSet,
  view: StateView,
  sourceId: string,
  now = new Date(),
  /** The team file and its calendars, and the source's `skip:` condition: decide as the daemon would. */
  team: Pick<BatchContext, 'team' | 'calendars' | 'skip'> = {},
): Promise<Explanation> {
  const { judged, skipped } = await planOneTicket(view, { ticket, ruleSet, context: { sourceId, now, ...team }, index: false });
  const evaluation = { decisions: judged?.decisions ?? [], trace: judged?.trace ?? [] };
  const traced = new Map(evaluation.trace.map((t) => [t.ruleId, t]));
  const rules: RuleExplanation[] = [];
  for (const compiled of ruleSet.rules) {
    const { rule } = compiled;
    const trace = traced.get(rule.id);
    const split = splitTopLevel(rule.when);
    const clauses: ClauseResult[] = [];
    for (const text of split.clauses) {
      try {
        const value = await compileExpression(text).evaluate(ticket);
        clauses.push({ text, value, truthy: isTruthy(value) });
      } catch (error) {
        clauses.push({ text, value: undefined, truthy: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
    rules.push({
      ruleId: rule.id,
      description: rule.description,
      outcome: trace?.outcome ?? 'not-reached',
      reason: trace?.reason ?? (skipped ? 'not evaluated: the ticket is skipped' : 'not evaluated: an earlier rule matched and does not continue'),
      clauses,
      operator: split.operator,
      actions: evaluation.decisions.filter((d) => d.ruleId === rule.id).map((d) => ({ action: d.action, explanation: d.explanation })),
    });
  }
  return { ticket, rules, ...(skipped ? { skipped: skipped.reason } : {}) };
}

/**
 * The explanation with what the state files hold of the ticket's writes: `read` is the state the
 * rules were judged on, `dryRun` (explaining a live source) the dry run's beside it.
 */
export function withStateWrites(explanation: Explanation, read: StateWrites | undefined, dryRun?: StateWrites): Explanation {
  const out: Explanation = { ...explanation };
  const number = explanation.ticket.source.number;
  if (read) {
    out.rules = annotateRules(explanation.rules, read, number);
    out.state = { mode: read.mode, path: read.path, writes: read.writes.map((w) => viewWrite(w, read.mode, number)) };
  }
  if (dryRun && dryRun.writes.length > 0) out.dryRun = { path: dryRun.path, writes: dryRun.writes.map((w) => viewWrite(w, 'dry-run', number)) };
  return out;
}

const MARK: Record<RuleExplanation['outcome'], string> = { matched: '✓', 'no-match': '✗', 'not-applicable': '–', error: '!', 'not-reached': '·' };

/** Plain lines a person reads in a terminal. */
export function formatExplanation(explanation: Explanation): string[] {
  const t = explanation.ticket;
  const lines = [
    `${t.source.number}  "${t.title}"`,
    `  ${t.key} · status ${t.status} · priority ${t.priority} · category ${t.category ?? '—'} · group ${t.group ?? '—'} · assignee ${t.assignee ?? '—'}`,
    '',
  ];
  if (explanation.skipped !== undefined) lines.push(`Skipped — deskbridge leaves this ticket alone (no rule, no write): ${explanation.skipped}`, '');
  const width = Math.max(...explanation.rules.map((r) => r.ruleId.length), 4);
  for (const rule of explanation.rules) {
    lines.push(`${MARK[rule.outcome]} ${rule.ruleId.padEnd(width)}  ${rule.outcome}: ${rule.reason}`);
    if (rule.outcome === 'matched' || rule.outcome === 'no-match' || rule.outcome === 'error') {
      for (const clause of rule.clauses) {
        const shown = clause.error ? `error: ${clause.error}` : (JSON.stringify(clause.value) ?? 'undefined');
        lines.push(`    ${clause.truthy ? 'true ' : 'false'}  ${clause.text}${clause.truthy ? '' : `   (= ${shown})`}`);
      }
      if (rule.operator) lines.push(`    (clauses joined by ${rule.operator})`);
    }
    for (const a of rule.actions) lines.push(`    → ${describeAction(a.action)}`);
    for (const line of priorLines(rule)) lines.push(`    ${line}`);
  }
  const actions = explanation.rules.flatMap((r) => r.actions);
  lines.push('', actions.length === 0 ? 'No action would be taken.' : `${actions.length} action(s) would be taken.`);
  return [...lines, ...stateLines(explanation)];
}

/**
 * What became of the rule's own writes on the ticket, one line each — unless its reason already says
 * all of it (one write), or the writes are another rule's (that rule lists them).
 */
function priorLines(rule: RuleExplanation): string[] {
  const { prior } = rule;
  if (!prior || prior.by !== rule.ruleId) return [];
  if (rule.traceReason !== undefined && prior.writes.length === 1) return [];
  return prior.writes.map((w) => writeLine(prior.as, w));
}

/** Which state the rules were judged on, and what a dry run planned when a live source is explained. */
function stateLines(explanation: Explanation): string[] {
  const lines: string[] = [];
  const { state, dryRun } = explanation;
  if (state?.mode === 'dry-run') {
    lines.push(`Judged on the dry run's state (${state.path}): what it planned was never written.`);
    if (state.writes.length > 0) lines.push(`The dry run planned ${state.writes.length} write(s) for this ticket; none was sent.`);
  }
  if (dryRun) {
    lines.push(`A dry run (${dryRun.path}) also planned ${dryRun.writes.length} write(s) for this ticket, never sent:`);
    for (const w of dryRun.writes) lines.push(`  ${w.ruleId}: ${w.summary}`);
  }
  return lines;
}
