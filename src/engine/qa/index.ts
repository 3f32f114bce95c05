import { createHash } from 'node:crypto';
import { durationMs } from '../../model/rule.js';
import type { Ticket, TicketStatus } from '../../model/ticket.js';
import { compileExpression, isTruthy, type CompiledExpression } from '../../mapping/expression.js';
import { compileTemplate, type CompiledTemplate } from '../../mapping/template.js';
import { defineRuleKind, INTERNAL_NOTE_HINT, type CompiledRuleCommon, type KindOutcome, type RuleRun } from '../rule-kind.js';
import type { EvaluationContext, QaCheckResult } from '../types.js';
import { QaRule } from './schema.js';

export interface CompiledQaRule extends CompiledRuleCommon<QaRule> {
  kind: 'qa';
  checks: { id: string; assert: CompiledExpression; message: CompiledTemplate; severity: QaRule['checks'][number]['severity'] }[];
  failNote: CompiledTemplate | undefined;
  sampleNote: CompiledTemplate | undefined;
  task: { title: CompiledTemplate; description: CompiledTemplate } | undefined;
}

const DONE: ReadonlySet<TicketStatus> = new Set(['resolved', 'closed']);

/** Mark recorded per rule, ticket and version: the same version is never judged twice. */
export function checkedMark(version: string): string {
  return `qa@${version}`;
}

/**
 * QA checks run when a ticket enters resolved or closed (from an open state, or the first time
 * the daemon sees it there); resolved → closed is the same piece of work and is not checked
 * again, while a reopened ticket resolved again is. One verdict per rule and ticket version.
 */
export const qaKind = defineRuleKind<typeof QaRule, CompiledQaRule>({
  kind: 'qa',
  schema: QaRule,
  needs: {},
  compile(rule, tools) {
    for (const check of rule.checks) tools.readsTicket(check.assert);
    const failNote = rule.onFail?.note;
    const sampleNote = rule.onSample?.note;
    return {
      checks: rule.checks.map((c) => ({ id: c.id, assert: compileExpression(c.assert), message: compileTemplate(c.message), severity: c.severity })),
      failNote: failNote !== undefined && failNote !== true ? compileTemplate(failNote.template) : undefined,
      sampleNote: sampleNote !== undefined && sampleNote !== true ? compileTemplate(sampleNote.template) : undefined,
      task: rule.onFail?.task ? { title: compileTemplate(rule.onFail.task.title), description: compileTemplate(rule.onFail.task.description) } : undefined,
    };
  },
  notApplicable: (ticket, context) =>
    entersDone(ticket, context)
      ? undefined
      : DONE.has(ticket.status)
        ? `already ${context.previousStatus ?? ticket.status} before this change`
        : `ticket is ${ticket.status}; QA runs when it is resolved or closed`,
  evaluate: evaluateQaRule,
  platformNeeds: (rule) => {
    const notes = [rule.onFail?.note, rule.onSample?.note].filter((n) => n !== undefined);
    return notes.some((n) => n === true || n.visibility === 'internal')
      ? [
          {
            capability: 'internalComments',
            key: rule.onFail?.note !== undefined ? 'onFail' : 'onSample',
            what: 'writes internal QA notes',
            lacking: 'cannot post internal comments',
            hint: INTERNAL_NOTE_HINT,
          },
        ]
      : [];
  },
});

/** Whether this version is the ticket entering resolved/closed (not resolved → closed, not an edit while resolved). */
function entersDone(ticket: Ticket, context: EvaluationContext): boolean {
  // Reopened and resolved again between two looks: the status reads "resolved" both times, but
  // the resolution time moved.
  const resolvedAgain = ticket.resolvedAt !== undefined && context.previousResolvedAt !== undefined && ticket.resolvedAt !== context.previousResolvedAt;
  return DONE.has(ticket.status) && (context.previousStatus === undefined || !DONE.has(context.previousStatus) || resolvedAgain);
}

/** One QA rule whose `when` matched a ticket entering resolved/closed: run its checks once per version. */
async function evaluateQaRule(compiled: CompiledQaRule, run: RuleRun<undefined>): Promise<void> {
  const { rule } = compiled;
  const { ticket, state, context, outcome } = run;
  const skip = run.trace;
  if (await state.history.hasMark(rule.id, ticket.key, checkedMark(ticket.version))) {
    skip('not-applicable', `version ${ticket.version} already checked`);
    return;
  }
  state.history.setMark(rule.id, ticket.key, checkedMark(ticket.version));

  const checks = await runChecks(ticket, compiled);
  const failed = checks.filter((c) => !c.passed && c.severity === 'error');
  const sampled = rule.sample !== undefined && inSample(rule.id, ticket.key, rule.sample.percent);
  outcome.verdicts.push({
    ruleId: rule.id,
    ticketKey: ticket.key,
    sourceId: context.sourceId,
    number: ticket.source.number,
    version: ticket.version,
    passed: failed.length === 0,
    sampled,
    checks,
    group: ticket.group,
    assignee: ticket.assignee,
    category: ticket.category,
    resolvedAt: ticket.resolvedAt,
  });
  const bindings = { failed: failed.map((c) => ({ id: c.id, message: c.message })), rule: { id: rule.id, description: rule.description ?? '' } };
  const resolvedAt = Date.parse(ticket.resolvedAt ?? ticket.updatedAt);
  if (context.now.getTime() - resolvedAt > durationMs(rule.writeBackWithin)) {
    skip(
      'matched',
      `${failed.length === 0 ? 'passed' : `failed ${failed.map((c) => c.id).join(', ')}`}; resolved ${ticket.resolvedAt ?? ticket.updatedAt}, too long ago to write back (verdict logged only)`,
    );
    return;
  }
  if (failed.length > 0 && rule.onFail) {
    const { note, setField } = rule.onFail;
    if (note !== undefined) {
      const body = compiled.failNote ? await render(compiled.failNote.render(ticket, bindings), outcome, rule.id) : failureNote(rule.id, failed);
      if (body)
        outcome.decisions.push({
          ruleId: rule.id,
          action: { type: 'comment', visibility: note === true ? 'internal' : note.visibility, body },
          explanation: `QA rule ${rule.id}: ${failed.length} check(s) failed`,
        });
    }
    if (setField) outcome.decisions.push({ ruleId: rule.id, action: { type: 'set-field', field: setField.field, value: setField.value }, explanation: `QA rule ${rule.id}: failed` });
    if (rule.onFail.task && compiled.task) {
      const title = await render(compiled.task.title.render(ticket, bindings), outcome, rule.id);
      const description = (await render(compiled.task.description.render(ticket, bindings), outcome, rule.id)) ?? '';
      if (title) {
        outcome.decisions.push({
          ruleId: rule.id,
          action: {
            type: 'create-task',
            correlationKey: `deskbridge:qa:${rule.id}:${ticket.key}@${ticket.version}`.slice(0, 100),
            title,
            description,
            ...(rule.onFail.task.group ? { group: rule.onFail.task.group } : {}),
          },
          explanation: `QA rule ${rule.id}: follow-up task for the failed checks`,
        });
      }
    }
  }
  if (sampled && rule.onSample) {
    const { note, setField } = rule.onSample;
    if (note !== undefined) {
      const body = compiled.sampleNote ? await render(compiled.sampleNote.render(ticket, bindings), outcome, rule.id) : `deskbridge picked this ticket for a manual QA review (rule ${rule.id}).`;
      if (body)
        outcome.decisions.push({
          ruleId: rule.id,
          action: { type: 'comment', visibility: note === true ? 'internal' : note.visibility, body },
          explanation: `QA rule ${rule.id}: sampled for manual review`,
        });
    }
    if (setField)
      outcome.decisions.push({ ruleId: rule.id, action: { type: 'set-field', field: setField.field, value: setField.value }, explanation: `QA rule ${rule.id}: sampled for manual review` });
  }
  skip(
    'matched',
    failed.length === 0 ? `passed ${checks.length} checks${sampled ? '; sampled for review' : ''}` : `failed ${failed.map((c) => c.id).join(', ')}${sampled ? '; sampled for review' : ''}`,
  );
}

async function runChecks(ticket: Ticket, compiled: CompiledQaRule): Promise<QaCheckResult[]> {
  const results: QaCheckResult[] = [];
  for (const check of compiled.checks) {
    try {
      const passed = isTruthy(await check.assert.evaluate(ticket));
      results.push({ id: check.id, passed, severity: check.severity, message: passed ? '' : await check.message.render(ticket) });
    } catch (error) {
      // A check that cannot be evaluated is not a pass: an auditor must see it.
      results.push({ id: check.id, passed: false, severity: check.severity, message: `check could not be evaluated: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return results;
}

/**
 * Deterministic sampling: the same ticket is in or out of the sample on every run and every
 * machine, so a reviewer can reproduce the pick. Uniform over the first 32 bits of a hash.
 */
export function inSample(ruleId: string, ticketKey: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  const bucket = createHash('sha256').update(`${ruleId}\u0000${ticketKey}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  return bucket * 100 < percent;
}

function failureNote(ruleId: string, failed: readonly QaCheckResult[]): string {
  return [`deskbridge QA (${ruleId}) found problems with this resolution:`, ...failed.map((c) => `- ${c.message} [${c.id}]`)].join('\n');
}

async function render(text: Promise<string>, outcome: KindOutcome, ruleId: string): Promise<string | undefined> {
  try {
    const value = (await text).trim();
    return value === '' ? undefined : value;
  } catch (error) {
    outcome.trace.push({ ruleId, kind: 'qa', outcome: 'error', reason: `template failed: ${error instanceof Error ? error.message : String(error)}` });
    return undefined;
  }
}
