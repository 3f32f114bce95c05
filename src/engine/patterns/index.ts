import { createHash } from 'node:crypto';
import { durationMs } from '../../model/rule.js';
import type { Ticket } from '../../model/ticket.js';
import { compileExpression, type CompiledExpression } from '../../mapping/expression.js';
import { compileTemplate, type CompiledTemplate } from '../../mapping/template.js';
import { defineRuleKind, type CompiledRuleCommon, type RuleRun } from '../rule-kind.js';
import type { Decision, EngineState, PatternEvent, PatternProblem, RuleTrace } from '../types.js';
import { PatternRule } from './schema.js';
import { assessSpike } from './detector.js';
import { buildEvidence, plainDescription } from './evidence.js';

export interface CompiledPatternRule extends CompiledRuleCommon<PatternRule> {
  kind: 'pattern';
  groupBy: CompiledExpression[];
  title: CompiledTemplate;
  description: CompiledTemplate;
}

/** Detail fields a pattern's evidence counts by. */
const DETAIL_FIELDS = ['ci', 'location', 'group', 'category', 'subcategory'] as const;

/** Writes about one problem share a lane, so its creation is confirmed before incidents are linked to it. */
export function problemLane(correlationKey: string): string {
  return `problem:${correlationKey}`;
}

/**
 * Recurring patterns for one ticket. Each ticket counts once per rule, in the group its values
 * put it in, at its creation time. A group with an open problem gains a member (linked); a group
 * without one opens exactly one problem when its recent count departs from its own normal rate,
 * with every incident of the window as its first members.
 */
export const patternKind = defineRuleKind<typeof PatternRule, CompiledPatternRule>({
  kind: 'pattern',
  schema: PatternRule,
  needs: { problemStates: true },
  compile(rule, tools) {
    for (const expression of rule.groupBy) tools.readsTicket(expression);
    return {
      groupBy: rule.groupBy.map((expression) => compileExpression(expression)),
      title: compileTemplate(rule.problem.title),
      description: compileTemplate(rule.problem.description),
    };
  },
  // A failing `when` and a failing groupBy read the same in the trace: the expression's own message.
  whenFailed: (message) => message,
  evaluate: evaluatePatternRule,
  finishBatch: finishPatterns,
  platformNeeds: () => [
    {
      capability: 'problemRecords',
      key: 'problem',
      what: 'opens problem records',
      lacking: 'have nowhere to create them',
      hint: 'Jira: set `problems.projectKey` on the source; or scope the rule to other sources',
    },
  ],
});

/** One pattern rule whose `when` matched: count the ticket in its group, link it, or open a problem. */
async function evaluatePatternRule(compiled: CompiledPatternRule, run: RuleRun<undefined>): Promise<void> {
  const { rule } = compiled;
  const { ticket, state, context } = run;
  const { decisions, trace } = run.outcome;
  const { history } = state;
  const note = run.trace;
  let values: string[] | string;
  try {
    values = await groupValues(ticket, compiled, state);
  } catch (error) {
    note('error', `${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (typeof values === 'string') {
    note('no-match', values);
    return;
  }
  const groupKey = JSON.stringify([context.sourceId, ...values]);
  const counted = await history.patternEvent(rule.id, ticket.key);
  // Counted as history, judged again to act on it (`--from` moved the start point back).
  const rejudged = counted !== undefined && context.rejudge === true && counted.version === ticket.version && counted.groupKey === groupKey;
  if (counted !== undefined && !rejudged) {
    note('not-applicable', `already counted in ${groupLabel(counted.groupKey)}`);
    return;
  }
  const event: PatternEvent = counted ?? {
    ruleId: rule.id,
    sourceId: context.sourceId,
    groupKey,
    ticketKey: ticket.key,
    nativeId: ticket.source.nativeId,
    number: ticket.source.number,
    version: ticket.version,
    // Normalised: windows compare these as strings, and "…00Z" sorts after "…00.001Z".
    createdAt: new Date(ticket.createdAt).toISOString(),
    title: ticket.title,
    details: details(ticket),
  };
  if (!rejudged) history.recordPatternEvent(event);

  const latest = await history.latestProblem(rule.id, groupKey);
  if (latest?.status === 'open' || (latest?.status === 'closed' && rule.onClosed === 'reopen')) {
    const reopen = latest.status === 'closed';
    const problem: PatternProblem = { ...latest, status: 'open' };
    if (reopen) history.saveProblem(problem);
    history.addMember(latest.correlationKey, event);
    history.touchProblem(problem, event, reopen);
    decisions.push(linkDecision(rule, latest, event, ticket));
    note('matched', `${reopen ? 'reopens' : 'joins'} the problem of ${values.join(' / ')} (${latest.correlationKey})`);
    return;
  }

  const windowMs = durationMs(rule.window);
  const baselineMs = durationMs(rule.baseline);
  const at = Date.parse(event.createdAt);
  // Records arrive in order of their last update, not of creation: incidents created after
  // this one may already be counted. So every window this incident falls in is tested — the one
  // ending at it and those ending at each later incident of the group within a window's length.
  const [nearby, firstSeen, earlierMembers] = await Promise.all([
    history.patternEvents(rule.id, groupKey, iso(at - windowMs + 1), iso(at + windowMs)),
    history.firstPatternEventAt(rule.id),
    latest ? history.members(latest.correlationKey) : Promise.resolve([]),
  ]);
  // Incidents already explained by the group's closed problem are not evidence of a new one.
  const explained = new Set(earlierMembers.map((m) => m.ticketKey));
  const fresh = nearby.filter((e) => !explained.has(e.ticketKey));
  // A window ends at its latest incident; one ending before the start point lies in history.
  const liveFrom = context.actFrom !== undefined ? Date.parse(context.actFrom) : Number.NEGATIVE_INFINITY;
  const candidateEnds = [...new Set(fresh.map((e) => Date.parse(e.createdAt)).filter((t) => t >= at))].sort((a, b) => a - b);
  const ends = candidateEnds.filter((t) => t >= liveFrom);
  if (ends.length === 0 && candidateEnds.length > 0) {
    note('no-match', `${values.join(' / ')}: counted as history; every window it falls in ends before the start point ${context.actFrom ?? ''}`);
    return;
  }
  let triggered: { assessment: ReturnType<typeof assessSpike>; windowStart: number } | undefined;
  let last: ReturnType<typeof assessSpike> | undefined;
  for (const end of ends) {
    const windowStart = end - windowMs + 1;
    const windowCount = fresh.filter((e) => Date.parse(e.createdAt) >= windowStart && Date.parse(e.createdAt) <= end).length;
    const baselineCount = await history.countPatternEvents(rule.id, groupKey, iso(windowStart - baselineMs), iso(windowStart));
    // Only history the daemon has actually seen counts as the normal rate, and less than a
    // quarter of the baseline is too little to know it (the first days of a rule would make
    // every active key look like a spike): until then only `absoluteCount` can trigger.
    const seenMs = Math.max(0, Math.min(baselineMs, windowStart - Date.parse(firstSeen ?? event.createdAt)));
    const observedBaselineMs = seenMs >= baselineMs / 4 ? seenMs : 0;
    last = assessSpike({ windowCount, baselineCount, windowMs, baselineMs: observedBaselineMs, params: rule.trigger });
    if (last.triggered) {
      triggered = { assessment: last, windowStart };
      break;
    }
  }
  if (!triggered) {
    note('no-match', `${values.join(' / ')}: ${last?.reason ?? 'nothing to count'}`);
    return;
  }
  const { assessment } = triggered;
  const generation = (latest?.generation ?? 0) + 1;
  const problem: PatternProblem = {
    correlationKey: correlationKey(rule.id, groupKey, generation),
    ruleId: rule.id,
    sourceId: context.sourceId,
    groupKey,
    groupValues: values,
    generation,
    status: 'open',
    openedAt: event.createdAt,
    trigger: assessment.reason,
  };
  history.saveProblem(problem);
  // Every unexplained incident of the group from the start of the triggering window on —
  // including ones created later that were counted before the problem existed.
  const members = fresh.filter((e) => Date.parse(e.createdAt) >= triggered.windowStart);
  for (const member of members) history.addMember(problem.correlationKey, member);
  const evidence = buildEvidence(problem, members, rule);
  decisions.push({
    ruleId: rule.id,
    action: { type: 'create-problem', correlationKey: problem.correlationKey, title: await renderTitle(compiled, evidence), description: await renderDescription(compiled, evidence, trace) },
    explanation: `Rule ${rule.id}: ${assessment.reason}`,
    lane: problemLane(problem.correlationKey),
  });
  for (const member of members) decisions.push(linkDecision(rule, problem, member, ticket));
  note('matched', `opens a problem for ${values.join(' / ')}: ${assessment.reason}`);
}

/**
 * After a batch: one update per problem that gained members (or was reopened), carrying the
 * whole evidence as it now stands — not one rewrite per incident.
 */
async function finishPatterns(rules: readonly CompiledPatternRule[], state: EngineState): Promise<Decision[]> {
  const decisions: Decision[] = [];
  const byId = new Map(rules.map((r) => [r.rule.id, r]));
  for (const touched of state.history.touchedProblems()) {
    const compiled = byId.get(touched.problem.ruleId);
    if (!compiled) continue;
    const members = await state.history.members(touched.problem.correlationKey);
    const evidence = buildEvidence(touched.problem, members, compiled.rule);
    const trace: RuleTrace[] = [];
    const last = touched.lastMember;
    decisions.push({
      ruleId: compiled.rule.id,
      action: {
        type: 'update-problem',
        correlationKey: touched.problem.correlationKey,
        title: await renderTitle(compiled, evidence),
        description: await renderDescription(compiled, evidence, trace),
        reopen: touched.reopen,
      },
      explanation: `Rule ${compiled.rule.id}: ${evidence.count} incidents now in the problem of ${evidence.key}${touched.reopen ? ' (reopened: the pattern came back)' : ''}`,
      target: { ticketKey: last.ticketKey, nativeId: last.nativeId, number: last.number, version: last.version },
      lane: problemLane(touched.problem.correlationKey),
    });
  }
  return decisions;
}

function linkDecision(rule: PatternRule, problem: PatternProblem, member: PatternEvent, ticket: Ticket): Decision {
  const ruleId = rule.id;
  return {
    ruleId,
    // `overwrite` only when asked for, so the action (and its idempotency key) is unchanged otherwise.
    action: { type: 'link-problem', correlationKey: problem.correlationKey, ...(rule.problem.overwrite ? { overwrite: true as const } : {}) },
    explanation: `Rule ${ruleId}: part of the recurring pattern ${problem.groupValues.join(' / ')}`,
    ...(member.ticketKey === ticket.key ? {} : { target: { ticketKey: member.ticketKey, nativeId: member.nativeId, number: member.number, version: member.version } }),
    lane: problemLane(problem.correlationKey),
  };
}

/** The group's values, or why the ticket is not grouped. */
async function groupValues(ticket: Ticket, compiled: CompiledPatternRule, state: EngineState): Promise<string[] | string> {
  const { rule } = compiled;
  // A text cluster costs a similarity query: only when the rule groups by it.
  const bindings = rule.groupBy.some((e) => e.includes('$cluster'))
    ? {
        cluster: `cluster of ${await state.history.clusterOf(ticket, {
          threshold: rule.cluster.threshold,
          createdAfter: new Date(Date.parse(ticket.createdAt) - durationMs(rule.cluster.lookBack)).toISOString(),
        })}`,
      }
    : undefined;
  const values: string[] = [];
  for (const [i, expression] of compiled.groupBy.entries()) {
    const value = await expression.evaluate(ticket, bindings);
    if (value === undefined || value === null || value === '' || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) {
      return `no value for groupBy ${compiled.rule.groupBy[i] ?? ''}`;
    }
    values.push(String(value));
  }
  return values;
}

function details(ticket: Ticket): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of DETAIL_FIELDS) {
    const value = ticket[field];
    if (value !== undefined && value !== '') out[field] = value;
  }
  return out;
}

/**
 * Stable, short and readable: the same group and generation always map to the same problem. The
 * digest covers the whole rule id, so a long id cut for readability never merges two keys.
 */
export function correlationKey(ruleId: string, groupKey: string, generation: number): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([ruleId, groupKey]))
    .digest('hex')
    .slice(0, 16);
  return `deskbridge:${ruleId.slice(0, 40)}:${digest}:${generation}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function renderTitle(compiled: CompiledPatternRule, evidence: ReturnType<typeof buildEvidence>): Promise<string> {
  try {
    const title = (await compiled.title.render(evidence)).trim();
    if (title !== '') return title.slice(0, 160);
  } catch {
    // Fall through to a title that still says what the pattern is.
  }
  return `Recurring incidents: ${evidence.key}`.slice(0, 160);
}

async function renderDescription(compiled: CompiledPatternRule, evidence: ReturnType<typeof buildEvidence>, trace: RuleTrace[]): Promise<string> {
  try {
    const text = await compiled.description.render(evidence);
    if (text.trim() !== '') return text;
  } catch (error) {
    trace.push({ ruleId: compiled.rule.id, kind: 'pattern', outcome: 'error', reason: `description template failed, plain evidence used: ${error instanceof Error ? error.message : String(error)}` });
  }
  return plainDescription(evidence);
}

/** A stored group key (`[sourceId, ...values]` as JSON) as the values people read. */
function groupLabel(groupKey: string): string {
  const parsed: unknown = JSON.parse(groupKey);
  return Array.isArray(parsed) ? parsed.slice(1).map(String).join(' / ') : groupKey;
}
