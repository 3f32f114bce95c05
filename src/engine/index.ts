import { createHash } from 'node:crypto';
import { throwIfCancelled } from '../mapping/expression.js';
import type { PlannedAction } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import { rulesNamed, type CompiledRuleSet } from './rule-set.js';
import type { KindOutcome, LateOriginalSearch, RuleKind } from './rule-kind.js';
import type { Decision, EngineState, Evaluation, EvaluationContext } from './types.js';

/**
 * The pure part of a pass: one ticket and a view of state in, decisions and a trace out.
 * No I/O happens here, which is what makes rules testable offline and explainable.
 * Kinds judge in registry order (src/engine/kinds.ts): routing, then duplicates, then recurring
 * patterns, then QA, then SLA (see DESIGN.md).
 */
export async function evaluateTicket(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const evaluation = await evaluateKinds(ruleSet.kinds, ticket, ruleSet, state, context);
  // Rules that failed because the daemon is stopping did not fail: the page must be evaluated again.
  throwIfCancelled();
  return evaluation;
}

/** Only the clock-driven part: SLA steps of a ticket the platform has not changed (the daemon's sweep). */
export async function evaluateSlaOnly(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const evaluation = await evaluateKinds(
    ruleSet.kinds.filter((k) => k.needs.clock),
    ticket,
    ruleSet,
    state,
    context,
  );
  throwIfCancelled();
  return evaluation;
}

/**
 * Only duplicate detection: a ticket judged before its original was known (the original showed
 * up in a later pass, created earlier) is looked at again when the original arrives.
 */
export async function evaluateDuplicatesOnly(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const evaluation = await evaluateKinds(
    ruleSet.kinds.filter((k) => k.needs.lateOriginals),
    ticket,
    ruleSet,
    state,
    context,
  );
  // A rule cut short by shutdown did not find "no duplicate": nothing of this judgement may be committed.
  throwIfCancelled();
  return evaluation;
}

/** Whether the rules look at earlier tickets' text, so every ticket must go into the similarity index. */
export function needsSimilarityIndex(ruleSet: CompiledRuleSet): boolean {
  return usesKindsThat(ruleSet, (k) => k.needs.similarityIndex === true);
}

/** Whether open tickets must be judged again by the clock (SLA steps fall due without an edit). */
export function needsSlaSweep(ruleSet: CompiledRuleSet): boolean {
  return usesKindsThat(ruleSet, (k) => k.needs.clock === true);
}

/** Whether the states of problem records the rules opened must be read again before a pass. */
export function needsProblemStates(ruleSet: CompiledRuleSet): boolean {
  return usesKindsThat(ruleSet, (k) => k.needs.problemStates === true);
}

/**
 * For a ticket seen for the first time on `sourceId`: per rule in scope that judges late
 * originals (dedup), which later-reported tickets it may have judged without it.
 */
export function lateOriginalSearches(ruleSet: CompiledRuleSet, sourceId: string): LateOriginalSearch[] {
  return ruleSet.kinds.flatMap((kind) => {
    const search = kind.needs.lateOriginals;
    if (!search) return [];
    return rulesNamed(ruleSet, kind.kind)
      .filter((r) => !r.rule.scope?.sources || r.rule.scope.sources.includes(sourceId))
      .map((r) => search(r));
  });
}

/** Decisions that summarise a whole batch (a problem's evidence rewritten once, not per incident). */
export async function finishBatch(ruleSet: CompiledRuleSet, state: EngineState): Promise<Decision[]> {
  const decisions: Decision[] = [];
  for (const kind of ruleSet.kinds) {
    const rules = rulesNamed(ruleSet, kind.kind);
    if (kind.hasBatchFinish && rules.length > 0) decisions.push(...(await kind.finishBatch(rules, state)));
  }
  // Runs before every batch commit: a page whose mappings were cut short by shutdown is not committed.
  throwIfCancelled();
  return decisions;
}

function usesKindsThat(ruleSet: CompiledRuleSet, test: (kind: RuleKind) => boolean): boolean {
  return ruleSet.kinds.some((kind) => test(kind) && rulesNamed(ruleSet, kind.kind).length > 0);
}

/** Each kind with rules judges the ticket in turn; later kinds see what earlier ones noted in the state. */
async function evaluateKinds(kinds: readonly RuleKind[], ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const outcomes: KindOutcome[] = [];
  for (const kind of kinds) {
    const rules = rulesNamed(ruleSet, kind.kind);
    if (rules.length > 0) outcomes.push(await kind.evaluate(ticket, rules, state, context));
  }
  return {
    decisions: outcomes.flatMap((o) => o.decisions),
    trace: outcomes.flatMap((o) => o.trace),
    verdicts: outcomes.flatMap((o) => o.verdicts),
    slaDueAt: outcomes.reduce<string | undefined>((earliest, o) => (o.dueAt !== undefined && (earliest === undefined || o.dueAt < earliest) ? o.dueAt : earliest), undefined),
    memory: {
      whenTrue: outcomes.flatMap((o) => o.memory.whenTrue),
      whenFalse: outcomes.flatMap((o) => o.memory.whenFalse),
      applied: outcomes.flatMap((o) => o.memory.applied),
    },
  };
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
