import { createHash } from 'node:crypto';
import { compileExpression, EvaluationCancelledError, type CompiledExpression } from '../../mapping/expression.js';
import { compileTemplate, type CompiledTemplate } from '../../mapping/template.js';
import type { Ticket } from '../../model/ticket.js';
import { defineRuleKind, HELD_BACK, INTERNAL_NOTE_HINT, type CompiledRuleCommon, type RuleRun } from '../rule-kind.js';
import { EscalateRule } from './schema.js';

export interface CompiledEscalateRule extends CompiledRuleCommon<EscalateRule> {
  kind: 'escalate';
  title: CompiledTemplate;
  description: CompiledTemplate;
  priority: CompiledExpression | undefined;
  note: CompiledTemplate;
  sync: {
    mirror: CompiledTemplate;
    copyResolved: { body: CompiledTemplate; set: [string, CompiledTemplate][] };
    originalClosed: { body: CompiledTemplate; set: [string, CompiledTemplate][] };
  };
}

/** The label prefix a copy deskbridge opened carries (Jira label, Zendesk and Freshservice tag, ServiceNow's mapped correlation id); such a ticket is never escalated again. */
export const COPY_LABEL_PREFIX = 'deskbridge-esc-';

/**
 * The escalation's identity: stable for a rule and a ticket, whatever edits follow, and short
 * enough for ServiceNow's correlation_id (100 characters). The copy carries it, so a retry after a
 * crash finds the copy instead of opening a second one.
 */
export function escalationKey(ruleId: string, ticketKey: string): string {
  const digest = createHash('sha256').update(`${ruleId}\n${ticketKey}`).digest('hex').slice(0, 24);
  return `deskbridge:esc:${ruleId.slice(0, 48)}:${digest}`;
}

/**
 * `escalate`: a ticket that matches gets a linked copy on another source (a developers' Jira
 * project, another desk's ServiceNow), once per ticket and rule, and a work note naming the copy.
 * Two writes in one lane: the copy (sent through the target source's connector, idempotent by
 * the correlation key) and then the note (the executor adds the copy's number and link from the
 * link it recorded when the copy was made).
 */
export const escalateKind = defineRuleKind<typeof EscalateRule, CompiledEscalateRule>({
  kind: 'escalate',
  schema: EscalateRule,
  needs: {},
  compile(rule, tools) {
    const { sync } = rule;
    for (const source of [
      rule.copy.title,
      rule.copy.description,
      rule.note.body,
      sync.comments.body,
      sync.copyResolved.body,
      sync.originalClosed.body,
      ...Object.values(sync.copyResolved.set),
      ...Object.values(sync.originalClosed.set),
    ])
      tools.readsTicket(source);
    if (rule.copy.priority !== undefined) tools.readsTicket(rule.copy.priority);
    return {
      title: compileTemplate(rule.copy.title),
      description: compileTemplate(rule.copy.description),
      priority: rule.copy.priority === undefined ? undefined : compileExpression(rule.copy.priority),
      note: compileTemplate(rule.note.body),
      sync: {
        mirror: compileTemplate(rule.sync.comments.body),
        copyResolved: { body: compileTemplate(rule.sync.copyResolved.body), set: Object.entries(rule.sync.copyResolved.set).map(([field, value]) => [field, compileTemplate(value)]) },
        originalClosed: { body: compileTemplate(rule.sync.originalClosed.body), set: Object.entries(rule.sync.originalClosed.set).map(([field, value]) => [field, compileTemplate(value)]) },
      },
    };
  },
  notApplicable: (ticket, context) => (context.escalationCopy === true || isEscalatedCopy(ticket) ? 'the ticket is a copy deskbridge opened for an escalation' : undefined),
  repeat: () => ({ once: true, newlyTrueOnly: false }),
  heldBack: (compiled, run, why) => run.trace('not-applicable', why === 'once' ? 'escalated before: a ticket gets one copy per rule' : HELD_BACK[why]),
  evaluate: evaluateEscalateRule,
  platformNeeds: () => [
    {
      capability: 'internalComments',
      key: 'note',
      what: 'writes an internal note naming the escalated copy',
      lacking: 'cannot post internal comments',
      hint: INTERNAL_NOTE_HINT,
    },
  ],
});

/** Copies carry deskbridge's label, also before the state links them — escalating one would open a copy of the copy. */
function isEscalatedCopy(ticket: Ticket): boolean {
  return ticket.labels.some((label) => label.startsWith(COPY_LABEL_PREFIX));
}

async function evaluateEscalateRule(compiled: CompiledEscalateRule, run: RuleRun<undefined>): Promise<void> {
  const { rule } = compiled;
  const { ticket, context, outcome } = run;
  if (rule.to === context.sourceId) {
    run.trace('not-applicable', `the ticket is already on ${rule.to}`);
    return;
  }
  const bindings = { to: rule.to, rule: { id: rule.id, description: rule.description ?? '' } };
  let title: string;
  let description: string;
  let note: string;
  let priority: number;
  try {
    title = (await compiled.title.render(ticket, bindings)).replace(/\s+/g, ' ').trim();
    description = (await compiled.description.render(ticket, bindings)).trim();
    note = (await compiled.note.render(ticket, bindings)).trim();
    priority = compiled.priority === undefined ? ticket.priority : priorityOf(await compiled.priority.evaluate(ticket, bindings));
  } catch (error) {
    if (error instanceof EvaluationCancelledError) throw error;
    run.trace('error', `copy could not be rendered: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  if (title === '' || note === '') {
    run.trace('error', `the ${title === '' ? 'copy title' : 'note'} rendered empty; nothing escalated`);
    return;
  }
  const correlationKey = escalationKey(rule.id, ticket.key);
  const explanation = `Escalate rule ${rule.id}: ${rule.description ?? `matched ${rule.when}`}`;
  outcome.decisions.push(
    {
      ruleId: rule.id,
      action: {
        type: 'escalate',
        to: rule.to,
        correlationKey,
        ...(rule.copy.container ? { container: rule.copy.container } : {}),
        ...(rule.copy.issueType ? { issueType: rule.copy.issueType } : {}),
        title,
        description,
        priority,
        ...(rule.copy.labels.length > 0 ? { labels: rule.copy.labels } : {}),
        origin: { number: ticket.source.number, ...(ticket.source.url ? { url: ticket.source.url } : {}) },
      },
      explanation,
    },
    { ruleId: rule.id, action: { type: 'announce-escalation', to: rule.to, correlationKey, body: note }, explanation },
  );
  run.trace('matched', `escalate to ${rule.to}: "${title}" (priority ${priority})`);
}

/** A priority expression's value as 1–5; anything else is the rule's mistake, reported on the trace. */
function priorityOf(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 5) throw new Error(`copy.priority gave ${JSON.stringify(value)}; it must be a whole number from 1 to 5`);
  return n;
}
