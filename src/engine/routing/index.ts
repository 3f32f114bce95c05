import type { Ticket } from '../../model/ticket.js';
import { chooseAssignee, type Person } from '../../team/index.js';
import { compileExpression, type CompiledExpression } from '../../mapping/expression.js';
import { compileTemplate, type CompiledTemplate } from '../../mapping/template.js';
import { defineRuleKind, HELD_BACK, INTERNAL_NOTE_HINT, type CompiledRuleCommon, type HoldReason, type RuleRun } from '../rule-kind.js';
import type { EngineState, EvaluationContext } from '../types.js';
import { RoutingRule } from './schema.js';

export interface CompiledRoutingRule extends CompiledRuleCommon<RoutingRule> {
  kind: 'routing';
  note: CompiledTemplate | undefined;
  skills: CompiledExpression | undefined;
}

/** Where the ticket stands after the routing rules so far: later rules see earlier rules' assignment. */
interface RoutingPass {
  current: { group: string | undefined; assignee: string | undefined };
}

/**
 * Ordered routing: the first matching rule that applies wins, unless it says `continue`.
 * A rule that matches a ticket which already has a group, without `override`, does not apply
 * and evaluation goes on — so an admin can put override rules anywhere in the file.
 */
export const routingKind = defineRuleKind<typeof RoutingRule, CompiledRoutingRule, RoutingPass>({
  kind: 'routing',
  schema: RoutingRule,
  needs: {},
  compile(rule, tools) {
    if (rule.note) tools.readsTicket(rule.note.template);
    return {
      note: rule.note ? compileTemplate(rule.note.template) : undefined,
      skills: rule.assign.skills ? compileExpression(rule.assign.skills) : undefined,
    };
  },
  start: (ticket) => ({ current: { group: ticket.group, assignee: ticket.assignee } }),
  // People win: an override acts when its condition becomes true, not each time the ticket changes.
  // A ticket left with no group is routed whatever the rule saw before: that is what routing is for.
  repeat: (rule, pass) => ({ newlyTrueOnly: rule.override && pass.current.group !== undefined, once: rule.once }),
  heldBack: routingHeldBack,
  evaluate: evaluateRoutingRule,
  platformNeeds: (rule) =>
    rule.note?.visibility === 'internal' ? [{ capability: 'internalComments', key: 'note', what: 'writes an internal note', lacking: 'cannot post internal comments', hint: INTERNAL_NOTE_HINT }] : [],
  teamReferences: (rule) =>
    usesTeam(rule)
      ? [
          {
            group: rule.assign.group,
            path: ['assign', 'group'],
            severity: 'warning',
            message: (known) => `Rule ${rule.id} picks people of "${rule.assign.group}" from the team file, which has no such group${known}; it would assign the group alone`,
            hint: 'add the group to rules/team.yaml, or give the rule members: [...]',
          },
        ]
      : [],
});

/**
 * A routing rule held back for this ticket (applied before for this trigger, or `once`) counts as
 * the rule that matched: where the ticket is now is where people want it, so no later rule moves
 * it either (unless the rule says `continue`).
 */
function routingHeldBack(compiled: CompiledRoutingRule, run: RuleRun<RoutingPass>, why: HoldReason): void {
  const { rule } = compiled;
  const { current } = run.pass;
  if (current.group && !rule.override) {
    run.trace('not-applicable', `already assigned to ${current.group}; rule does not override`);
    return;
  }
  if (current.group === rule.assign.group && alreadyWithTarget(compiled, current.assignee, run.context)) {
    run.trace('matched', `already with ${rule.assign.group}${current.assignee ? ` / ${current.assignee}` : ''}; nothing to change`);
  } else {
    run.trace('not-applicable', HELD_BACK[why]);
  }
  // A ticket left with no group is for the later rules to route.
  if (!rule.continue && current.group !== undefined) run.stop();
}

/** One routing rule whose `when` matched: assign, or say why not. */
async function evaluateRoutingRule(compiled: CompiledRoutingRule, run: RuleRun<RoutingPass>): Promise<void> {
  const { rule } = compiled;
  const { ticket, state, context, pass } = run;
  const { current } = pass;
  if (current.group && !rule.override) {
    run.trace('not-applicable', `already assigned to ${current.group}; rule does not override`);
    return;
  }

  const target = rule.assign.group;
  // Checked before choosing a person: a rotating strategy would otherwise pick someone else
  // on every edit of the ticket and reassign it back and forth.
  if (current.group === target && alreadyWithTarget(compiled, current.assignee, context)) {
    run.trace('matched', `already with ${target}${current.assignee ? ` / ${current.assignee}` : ''}; nothing to change`);
    if (!rule.continue) run.stop();
    return;
  }
  let choice: { assignee: string | undefined; why: string };
  try {
    choice = usesTeam(rule) ? await chooseFromTeam(compiled, ticket, state, context) : { assignee: pickAssignee(compiled, state, context), why: '' };
  } catch (error) {
    run.trace('error', `skills failed: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const assignee = choice.assignee;
  const why = choice.why || describeChoice(compiled, assignee);
  const { decisions } = run.outcome;
  decisions.push({
    ruleId: rule.id,
    action: assignee === undefined ? { type: 'assign', group: target } : { type: 'assign', group: target, assignee },
    explanation: `Routed by rule ${rule.id}: ${rule.description ?? rule.when}; ${why}`,
  });
  state.noteAssignment(ticket, target, assignee);
  if (compiled.note) {
    try {
      const body = await compiled.note.render(ticket, { group: target, assignee: assignee ?? '', why, rule: { id: rule.id, description: rule.description ?? '' } });
      if (body.trim() !== '') {
        decisions.push({ ruleId: rule.id, action: { type: 'comment', visibility: rule.note?.visibility ?? 'internal', body }, explanation: `Note of rule ${rule.id}` });
      }
    } catch (error) {
      run.trace('error', `note template failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  run.trace('matched', `assign to ${target}${assignee ? ` / ${assignee}` : ''} (${why})`);
  pass.current = { group: target, assignee };
  if (!rule.continue) run.stop();
}

/** Whether the ticket's current person satisfies the rule, so it is left where it is. */
function alreadyWithTarget(compiled: CompiledRoutingRule, currentAssignee: string | undefined, context: EvaluationContext): boolean {
  const { assign } = compiled.rule;
  if (usesTeam(compiled.rule)) {
    // Anyone of the group in the team file keeps it: rotating on every edit would ping-pong.
    const group = context.team?.groups.get(assign.group);
    return currentAssignee !== undefined && group !== undefined && group.members.some((m) => accountOf(m, context.sourceId) === currentAssignee);
  }
  switch (assign.strategy) {
    case 'fixed':
      return assign.assignee === undefined || assign.assignee === currentAssignee;
    case 'round-robin':
    case 'least-loaded':
    case 'skill-match':
    case 'on-call':
      return currentAssignee !== undefined && (assign.members ?? []).includes(currentAssignee);
  }
}

/** Team-aware: people are picked from the team file's group (always so for skill-match and on-call). */
function usesTeam(rule: RoutingRule): boolean {
  const { assign } = rule;
  return assign.team || assign.strategy === 'skill-match' || assign.strategy === 'on-call';
}

/** How a person appears on a source (the assignee the platform knows), by the team file's accounts. */
function accountOf(person: Person, sourceId: string): string {
  return person.accounts[sourceId] ?? person.name;
}

/**
 * Team-aware choice: who of the group is working now, not on leave, under capacity and (for
 * skill-match) has the skills the ticket needs; the note says why that person — or why nobody,
 * in which case the ticket goes to the group alone.
 */
async function chooseFromTeam(compiled: CompiledRoutingRule, ticket: Ticket, state: EngineState, context: EvaluationContext): Promise<{ assignee: string | undefined; why: string }> {
  const { rule } = compiled;
  const group = context.team?.groups.get(rule.assign.group);
  if (!group) {
    return { assignee: undefined, why: `group ${rule.assign.group} only: it is not in the team file, so nobody can be picked by availability` };
  }
  // A person's open tickets on every platform they work on count against their capacity.
  const sources = state.loadSources?.(context.sourceId) ?? [context.sourceId];
  const load = new Map<string, number>();
  for (const person of group.members)
    load.set(
      person.id,
      sources.reduce((n, source) => n + state.openLoad(source, accountOf(person, source)), 0),
    );
  const requiredSkills = compiled.skills ? toSkills(await compiled.skills.evaluate(ticket)) : undefined;
  const strategy = rule.assign.strategy === 'fixed' ? 'least-loaded' : rule.assign.strategy;
  const result = chooseAssignee({
    group,
    strategy,
    now: context.now,
    load,
    ...(requiredSkills ? { requiredSkills } : {}),
    ...(strategy === 'round-robin' ? { position: state.roundRobinPosition(rule.id) } : {}),
  });
  if (result.nextPosition !== undefined) state.setRoundRobinPosition(rule.id, result.nextPosition);
  const chosen = result.chosen ? group.members.find((m) => m.id === result.chosen) : undefined;
  return { assignee: chosen ? accountOf(chosen, context.sourceId) : undefined, why: result.explanation };
}

/** `{"network": 3}` → minimum levels; `["vpn", "linux"]` or `"vpn"` → any level (1). */
function toSkills(value: unknown): Record<string, number> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : { [value]: 1 };
  if (Array.isArray(value)) return Object.fromEntries(value.filter((v): v is string => typeof v === 'string').map((v) => [v, 1]));
  if (typeof value === 'object') {
    const out: Record<string, number> = {};
    for (const [skill, level] of Object.entries(value)) if (typeof level === 'number') out[skill] = level;
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return undefined;
}

function pickAssignee(compiled: CompiledRoutingRule, state: EngineState, context: EvaluationContext): string | undefined {
  const { assign } = compiled.rule;
  const members = assign.members ?? [];
  switch (assign.strategy) {
    case 'fixed':
      return assign.assignee;
    case 'skill-match':
    case 'on-call':
      return undefined;
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
    case 'skill-match':
    case 'on-call':
      return `${assignee}`;
  }
}
