import { createHash } from 'node:crypto';
import type { PlannedAction } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import { evaluateRouting } from './routing/index.js';
import type { CompiledRuleSet } from './rule-set.js';
import type { Decision, EngineState, Evaluation, EvaluationContext } from './types.js';

/**
 * The pure part of a pass: one ticket and a view of state in, decisions and a trace out.
 * No I/O happens here, which is what makes rules testable offline and explainable.
 */
export async function evaluateTicket(ticket: Ticket, ruleSet: CompiledRuleSet, state: EngineState, context: EvaluationContext): Promise<Evaluation> {
  const routing = await evaluateRouting(ticket, ruleSet.rules, state, context);
  return { decisions: routing.decisions, trace: routing.trace };
}

/**
 * Gives each decision its idempotency key: the same rule deciding the same thing about the same
 * ticket version always yields the same id, so enqueuing it twice is a no-op.
 */
export function planActions(ticket: Ticket, decisions: readonly Decision[], sourceId: string): PlannedAction[] {
  return decisions.map((decision, index) => ({
    id: actionId(decision, ticket, index),
    sourceId,
    ruleId: decision.ruleId,
    target: { ticketKey: ticket.key, nativeId: ticket.source.nativeId, number: ticket.source.number, version: ticket.version },
    action: decision.action,
    explanation: decision.explanation,
  }));
}

function actionId(decision: Decision, ticket: Ticket, index: number): string {
  return createHash('sha256')
    .update(JSON.stringify([decision.ruleId, ticket.key, ticket.version, decision.action.type, index, decision.action]))
    .digest('hex')
    .slice(0, 32);
}
