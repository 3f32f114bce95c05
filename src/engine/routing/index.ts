import type { Ticket } from '../../model/ticket.js';
import { isTruthy } from '../../mapping/expression.js';
import type { CompiledRoutingRule } from '../rule-set.js';
import type { Decision, EngineState, EvaluationContext, RuleTrace } from '../types.js';

export interface RoutingOutcome {
  decisions: Decision[];
  trace: RuleTrace[];
}

/**
 * Ordered routing: the first matching rule that applies wins, unless it says `continue`.
 * A rule that matches a ticket which already has a group, without `override`, does not apply
 * and evaluation goes on — so an admin can put override rules anywhere in the file.
 */
export async function evaluateRouting(
  ticket: Ticket,
  rules: readonly CompiledRoutingRule[],
  state: EngineState,
  context: EvaluationContext,
): Promise<RoutingOutcome> {
  const decisions: Decision[] = [];
  const trace: RuleTrace[] = [];
  let current: { group: string | undefined; assignee: string | undefined } = { group: ticket.group, assignee: ticket.assignee };

  for (const compiled of rules) {
    const { rule } = compiled;
    if (rule.scope?.sources && !rule.scope.sources.includes(context.sourceId)) {
      trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'not-applicable', reason: `scoped to ${rule.scope.sources.join(', ')}` });
      continue;
    }
    let matched: boolean;
    try {
      matched = isTruthy(await compiled.when.evaluate(ticket));
    } catch (error) {
      // A runtime error in one rule must not stop the others or the loop: count it as no match.
      trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'error', reason: `when failed: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (!matched) {
      trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'no-match', reason: `when is false: ${rule.when}` });
      continue;
    }
    if (current.group && !rule.override) {
      trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'not-applicable', reason: `already assigned to ${current.group}; rule does not override` });
      continue;
    }

    const target = rule.assign.group;
    // Checked before choosing a person: a rotating strategy would otherwise pick someone else
    // on every edit of the ticket and reassign it back and forth.
    if (current.group === target && alreadyWithTarget(compiled, current.assignee)) {
      trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'matched', reason: `already with ${target}${current.assignee ? ` / ${current.assignee}` : ''}; nothing to change` });
      if (!rule.continue) break;
      continue;
    }
    const assignee = pickAssignee(compiled, state, context);

    const why = describeChoice(compiled, assignee);
    decisions.push({
      ruleId: rule.id,
      action: assignee === undefined ? { type: 'assign', group: target } : { type: 'assign', group: target, assignee },
      explanation: `Routed by rule ${rule.id}: ${rule.description ?? rule.when}; ${why}`,
    });
    state.noteAssignment(ticket, target, assignee);
    if (compiled.note) {
      try {
        const body = await compiled.note.render(ticket, { group: target, assignee: assignee ?? '', rule: { id: rule.id, description: rule.description ?? '' } });
        if (body.trim() !== '') {
          decisions.push({ ruleId: rule.id, action: { type: 'comment', visibility: rule.note?.visibility ?? 'internal', body }, explanation: `Note of rule ${rule.id}` });
        }
      } catch (error) {
        trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'error', reason: `note template failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    trace.push({ ruleId: rule.id, kind: 'routing', outcome: 'matched', reason: `assign to ${target}${assignee ? ` / ${assignee}` : ''} (${why})` });
    current = { group: target, assignee };
    if (!rule.continue) break;
  }
  return { decisions, trace };
}

/** Whether the ticket's current person satisfies the rule, so it is left where it is. */
function alreadyWithTarget(compiled: CompiledRoutingRule, currentAssignee: string | undefined): boolean {
  const { assign } = compiled.rule;
  switch (assign.strategy) {
    case 'fixed':
      return assign.assignee === undefined || assign.assignee === currentAssignee;
    case 'round-robin':
    case 'least-loaded':
      return currentAssignee !== undefined && (assign.members ?? []).includes(currentAssignee);
  }
}

function pickAssignee(compiled: CompiledRoutingRule, state: EngineState, context: EvaluationContext): string | undefined {
  const { assign } = compiled.rule;
  const members = assign.members ?? [];
  switch (assign.strategy) {
    case 'fixed':
      return assign.assignee;
    case 'round-robin': {
      if (members.length === 0) return undefined;
      return members[state.nextRoundRobin(compiled.rule.id, members.length) % members.length];
    }
    case 'least-loaded': {
      // Ties go to the earlier member in the list, so the choice is reproducible.
      let best: string | undefined;
      let bestLoad = Number.POSITIVE_INFINITY;
      for (const member of members) {
        const load = state.openLoad(context.sourceId, member);
        if (load < bestLoad) {
          best = member;
          bestLoad = load;
        }
      }
      return best;
    }
  }
}

function describeChoice(compiled: CompiledRoutingRule, assignee: string | undefined): string {
  const { assign } = compiled.rule;
  if (assignee === undefined) return `group ${assign.group}, no person`;
  switch (assign.strategy) {
    case 'fixed':
      return `fixed assignee ${assignee}`;
    case 'round-robin':
      return `${assignee} is next in the round-robin of ${assign.members?.length ?? 0} members`;
    case 'least-loaded':
      return `${assignee} has the fewest open tickets among ${assign.members?.join(', ') ?? ''}`;
  }
}
