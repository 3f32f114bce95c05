import type { Action } from '../model/action.js';
import { describeAction } from '../model/describe-action.js';

/**
 * Which state file explain judged on: `live` (its writes were, or will be, sent) or `dry-run` (a
 * dry-run source's own state: what it planned was never sent). The same words `outbox list` uses.
 */
export type StateMode = 'live' | 'dry-run';

/** One write a state file's outbox holds for the explained ticket (the cli reads them; explain does not open state). */
export interface PriorWrite {
  id: string;
  ruleId: string;
  /** The number of the ticket written to: a duplicate link also writes a note on the original. */
  target: string;
  action: Action;
  status: 'pending' | 'done' | 'dead';
  outcome: string | undefined;
  error: string | undefined;
  attempts: number;
  nextAttemptAt: string;
}

/** The writes one state file holds for the ticket. */
export interface StateWrites {
  mode: StateMode;
  path: string;
  /** Oldest first: read in order, they say what happened. */
  writes: readonly PriorWrite[];
}

/** A prior write as explain reports it: what it is and, in words, what became of it. */
export interface PriorWriteView {
  id: string;
  ruleId: string;
  summary: string;
  status: PriorWrite['status'];
  outcome: string | null;
  /** e.g. "sent (updated)", "pending: attempt 2 failed (…), next at …", "not sent (dry run)". */
  state: string;
  /** The platform was written (a live write sent); false for dry-run plans, pending, dead and skipped writes. */
  written: boolean;
}

/**
 * What the state explain read holds of a rule's writes on the ticket. `planned-in-dry-run`: a dry
 * run's state, so nothing of it was written; `written`: the live state, each write with its status.
 * `by` is the rule whose writes these are (a dedup rule stands back when another already acted).
 */
export interface RulePrior {
  as: 'planned-in-dry-run' | 'written';
  by: string;
  writes: PriorWriteView[];
}

/** Outcomes of a done live write that changed nothing on the platform. */
const NOT_SENT: Record<string, string> = {
  unchanged: 'not needed: the ticket already was as planned',
  superseded: 'not sent: the ticket changed since it was planned',
  skipped: 'skipped',
};

/** What became of a write, in words. */
export function writeState(write: PriorWrite, mode: StateMode): string {
  if (mode === 'dry-run') return write.status === 'pending' ? 'not sent (dry run, still queued)' : 'not sent (dry run)';
  if (write.status === 'dead') return `dead: ${write.error ?? 'failed'}`;
  if (write.status === 'pending') {
    return write.attempts > 0 ? `pending: attempt ${write.attempts} failed${write.error ? ` (${write.error})` : ''}, next at ${write.nextAttemptAt}` : 'pending: not sent yet';
  }
  const outcome = write.outcome ?? '';
  const notSent = NOT_SENT[outcome];
  if (notSent !== undefined) return write.error ? `${notSent}: ${write.error}` : notSent;
  return outcome ? `sent (${outcome})` : 'sent';
}

/** `ticket`: the explained ticket's number; a write to another ticket says which. */
export function viewWrite(write: PriorWrite, mode: StateMode, ticket: string): PriorWriteView {
  const summary = write.target === ticket ? describeAction(write.action) : `on ${write.target}: ${describeAction(write.action)}`;
  const written = mode === 'live' && write.status === 'done' && NOT_SENT[write.outcome ?? ''] === undefined;
  return { id: write.id, ruleId: write.ruleId, summary, status: write.status, outcome: write.outcome ?? null, state: writeState(write, mode), written };
}

/** One write in words: "planned in a dry run (nothing was written): …", or "written: … — sent (updated)" (or not written, and why). */
export function writeLine(as: RulePrior['as'], write: PriorWriteView): string {
  if (as === 'planned-in-dry-run') return `planned in a dry run (nothing was written): ${write.summary}`;
  const verb = write.written ? 'written' : write.status === 'pending' ? 'not written yet' : 'not written';
  return `${verb}: ${write.summary} — ${write.state}`;
}

/** The engine's words for a dedup rule standing back because a rule (this one, or the named one) acted on the ticket. */
const ALREADY_ACTED = /^(?:rule (\S+) )?already acted on this ticket$/;

/** A rule as priorWrites reads and annotates it (explain's RuleExplanation). */
export interface AnnotatableRule {
  ruleId: string;
  reason: string;
  /** The engine's reason, kept when `reason` was reworded from the state's writes. */
  traceReason?: string;
  prior?: RulePrior;
}

/**
 * Says, per rule, what the state explain judged on already holds of its writes on the ticket, and
 * rewords "already acted on this ticket" (the engine only knows the rule's mark) into what was
 * actually done: planned in a dry run, or written with each write's status.
 */
export function annotateRules<R extends AnnotatableRule>(rules: readonly R[], read: StateWrites, ticket: string): R[] {
  const as = read.mode === 'dry-run' ? 'planned-in-dry-run' : 'written';
  const byRule = new Map<string, PriorWriteView[]>();
  for (const write of read.writes) {
    const views = byRule.get(write.ruleId) ?? [];
    views.push(viewWrite(write, read.mode, ticket));
    byRule.set(write.ruleId, views);
  }
  return rules.map((rule) => {
    const acted = ALREADY_ACTED.exec(rule.reason);
    if (acted) {
      const by = acted[1] ?? rule.ruleId;
      const writes = byRule.get(by) ?? [];
      const byOther = by === rule.ruleId ? '' : ` (by rule ${by})`;
      const [first] = writes;
      const reason =
        first !== undefined
          ? `${writeLine(as, first)}${writes.length > 1 ? ` (+${writes.length - 1} more)` : ''}${byOther}`
          : read.mode === 'dry-run'
            ? `acted on this ticket in a dry run (nothing was written)${byOther}`
            : `${rule.reason} (the outbox holds none of its writes)`;
      return { ...rule, reason, traceReason: rule.reason, prior: { as, by, writes } };
    }
    const own = byRule.get(rule.ruleId);
    return own ? { ...rule, prior: { as, by: rule.ruleId, writes: own } } : rule;
  });
}
