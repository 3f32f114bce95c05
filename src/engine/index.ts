import { createHash } from 'node:crypto';
import { throwIfCancelled } from '../mapping/expression.js';
import type { PlannedAction } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import { evaluateDedup } from './dedup/index.js';
import { evaluatePatterns, finishPatterns } from './patterns/index.js';
import { evaluateQa } from './qa/index.js';
import { evaluateSla } from './sla/index.js';
import { evaluateRouting } from './routing/index.js';
import { rulesOfKind, type CompiledRuleSet } from './rule-set.js';
import type { Decision, EngineState, Evaluation, EvaluationContext } from './types.js';

/**
 * The pure part of a pass: one ticket and a view of state in, decisions and a trace out.
 * No I/O happens here, which is what makes rules testable offline and explainable.
 * Order: routing, then duplicates, then recurring patterns, then QA, then SLA (see DESIGN.md).
 */
export async function evaluateTicket(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const routing = await evaluateRouting(ticket, rulesOfKind(ruleSet, 'routing'), state, context);
  const dedupRules = rulesOfKind(ruleSet, 'dedup');
  const dedup = dedupRules.length > 0 ? await evaluateDedup(ticket, dedupRules, state, context) : { decisions: [], trace: [] };
  const patternRules = rulesOfKind(ruleSet, 'pattern');
  const patterns = patternRules.length > 0 ? await evaluatePatterns(ticket, patternRules, state, context) : { decisions: [], trace: [] };
  const qaRules = rulesOfKind(ruleSet, 'qa');
  const qa = qaRules.length > 0 ? await evaluateQa(ticket, qaRules, state, context) : { decisions: [], trace: [], verdicts: [] };
  const slaRules = rulesOfKind(ruleSet, 'sla');
  const sla = slaRules.length > 0 ? await evaluateSla(ticket, slaRules, state, context) : { decisions: [], trace: [], dueAt: undefined };
  // Rules that failed because the daemon is stopping did not fail: the page must be evaluated again.
  throwIfCancelled();
  return {
    decisions: [...routing.decisions, ...dedup.decisions, ...patterns.decisions, ...qa.decisions, ...sla.decisions],
    trace: [...routing.trace, ...dedup.trace, ...patterns.trace, ...qa.trace, ...sla.trace],
    verdicts: qa.verdicts,
    slaDueAt: sla.dueAt,
  };
}

/** Only the clock-driven part: SLA steps of a ticket the platform has not changed (the daemon's sweep). */
export async function evaluateSlaOnly(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const sla = await evaluateSla(ticket, rulesOfKind(ruleSet, 'sla'), state, context);
  throwIfCancelled();
  return { decisions: sla.decisions, trace: sla.trace, verdicts: [], slaDueAt: sla.dueAt };
}

/**
 * Only duplicate detection: a ticket judged before its original was known (the original showed
 * up in a later pass, created earlier) is looked at again when the original arrives.
 */
export async function evaluateDuplicatesOnly(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const dedup = await evaluateDedup(ticket, rulesOfKind(ruleSet, 'dedup'), state, context);
  // A rule cut short by shutdown did not find "no duplicate": nothing of this judgement may be committed.
  throwIfCancelled();
  return { decisions: dedup.decisions, trace: dedup.trace, verdicts: [], slaDueAt: undefined };
}

/** Whether the rules look at earlier tickets' text, so every ticket must go into the similarity index. */
export function needsSimilarityIndex(ruleSet: CompiledRuleSet): boolean {
  return ruleSet.rules.some((r) => r.kind === 'dedup');
}

/** Decisions that summarise a whole batch (a problem's evidence rewritten once, not per incident). */
export async function finishBatch(ruleSet: CompiledRuleSet, state: EngineState): Promise<Decision[]> {
  const patternRules = rulesOfKind(ruleSet, 'pattern');
  const decisions = patternRules.length > 0 ? await finishPatterns(patternRules, state) : [];
  // Runs before every batch commit: a page whose mappings were cut short by shutdown is not committed.
  throwIfCancelled();
  return decisions;
}

/**
 * Gives each decision its idempotency key: the same rule deciding the same thing about the same
 * ticket version always yields the same id, so enqueuing it twice is a no-op.
 */
export function planActions(ticket: Ticket, decisions: readonly Decision[], sourceId: string, planSuffix = ''): PlannedAction[] {
  const own = { ticketKey: ticket.key, nativeId: ticket.source.nativeId, number: ticket.source.number, version: ticket.version };
  // SLA steps fired by the clock form their own plan: a failed routing write of the same version does not hold them.
  const origin = `${ticket.key}@${ticket.version}${planSuffix}`;
  return decisions.map((decision, index) => plan(decision, decision.target ?? own, origin, index, sourceId, origin));
}

/** Plans decisions that are not about one evaluated ticket (batch summaries); each carries its target. */
export function planBatchActions(decisions: readonly Decision[], sourceId: string): PlannedAction[] {
  return decisions.flatMap((decision, index) => (decision.target ? [plan(decision, decision.target, 'batch', index, sourceId, undefined)] : []));
}

function plan(decision: Decision, target: PlannedAction['target'], origin: string, index: number, sourceId: string, planId: string | undefined): PlannedAction {
  const id = createHash('sha256')
    .update(JSON.stringify([decision.ruleId, origin, target.ticketKey, target.version, decision.action.type, index, decision.action]))
    .digest('hex')
    .slice(0, 32);
  return {
    // A batch summary is a plan of its own; an SLA step too.
    plan: decision.plan ?? planId ?? `batch:${id}`,
    id,
    sourceId,
    ruleId: decision.ruleId,
    target,
    action: decision.action,
    explanation: decision.explanation,
    ...(decision.lane !== undefined ? { lane: decision.lane } : {}),
  };
}
