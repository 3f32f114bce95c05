import { durationMs } from '../../model/rule.js';
import { isOpen, type Ticket } from '../../model/ticket.js';
import { compileTemplate, type CompiledTemplate } from '../../mapping/template.js';
import { defineRuleKind, INTERNAL_NOTE_HINT, type CompiledRuleCommon, type RuleRun } from '../rule-kind.js';
import type { EvaluationContext, SlaCalendar } from '../types.js';
import { SlaRule, type SlaStep, type SlaTarget } from './schema.js';

export interface CompiledSlaRule extends CompiledRuleCommon<SlaRule> {
  kind: 'sla';
  /** Note templates by step index (undefined where a step has no note). */
  notes: (CompiledTemplate | undefined)[];
}

/** Round the clock: elapsed time is wall-clock time. */
export const ALWAYS: SlaCalendar = {
  businessMsBetween: (from, to) => Math.max(0, to.getTime() - from.getTime()),
  addBusinessMs: (from, ms) => new Date(from.getTime() + ms),
};

/** Each step fires once per ticket; an aging step once per stay in the state (re-entering re-arms it). */
export function stepMark(step: SlaStep, statusSince: string | undefined): string {
  return 'age' in step.at ? `sla:${step.id}@${statusSince ?? ''}` : `sla:${step.id}`;
}

/**
 * SLA and aging escalation for one open ticket at `context.now`: every step whose threshold has
 * passed and that has not fired yet fires now (note, reassignment, field, escalation task), and the
 * next threshold still ahead is returned (`dueAt`) so the daemon can look again exactly then —
 * escalations are driven by the clock, not by edits to the ticket.
 */
export const slaKind = defineRuleKind<typeof SlaRule, CompiledSlaRule>({
  kind: 'sla',
  schema: SlaRule,
  needs: { clock: true },
  compile(rule, tools) {
    for (const step of rule.escalations) if (step.note) tools.readsTicket(step.note.template);
    return { notes: rule.escalations.map((step) => (step.note ? compileTemplate(step.note.template) : undefined)) };
  },
  notApplicable: (ticket) => (isOpen(ticket.status) ? undefined : `ticket is ${ticket.status}`),
  evaluate: evaluateSlaRule,
  platformNeeds: (rule) =>
    rule.escalations.some((step) => step.note?.visibility === 'internal')
      ? [{ capability: 'internalComments', key: 'escalations', what: 'writes internal escalation notes', lacking: 'cannot post internal comments', hint: INTERNAL_NOTE_HINT }]
      : [],
  teamReferences: (rule) =>
    rule.calendar === '24x7'
      ? []
      : [
          {
            group: rule.calendar,
            path: ['calendar'],
            severity: 'error',
            message: (known) => `Rule ${rule.id} counts business time in calendar "${rule.calendar}", which is not a group of the team file${known}`,
            hint: 'use 24x7, or a group name exactly as in rules/team.yaml',
          },
        ],
});

/** One SLA rule whose `when` matched an open ticket: fire the steps that are due, note when the next one is. */
async function evaluateSlaRule(compiled: CompiledSlaRule, run: RuleRun<undefined>): Promise<void> {
  const { rule } = compiled;
  const { ticket, state, context, outcome } = run;
  const now = context.now;
  const note = run.trace;
  const calendar = rule.calendar === '24x7' ? ALWAYS : context.calendars?.(rule.calendar);
  if (!calendar) {
    note('error', `calendar "${rule.calendar}" is not a group of the team file`);
    return;
  }
  const target = rule.targets.find((t) => t.priority === ticket.priority);
  const created = new Date(ticket.createdAt);
  const fired: string[] = [];
  const missed: string[] = [];
  const staleMs = durationMs(rule.staleAfter);
  const timings = rule.escalations.map((step) => stepTiming(step, ticket, target, calendar, created, context));
  for (const [index, step] of rule.escalations.entries()) {
    const timing = timings[index];
    if (timing === undefined) continue;
    const mark = stepMark(step, context.statusSince);
    if (await state.history.hasMark(rule.id, ticket.key, mark)) continue;
    if (timing.due.getTime() > now.getTime()) {
      if (outcome.dueAt === undefined || timing.due.toISOString() < outcome.dueAt) outcome.dueAt = timing.due.toISOString();
      continue;
    }
    // Each step is a plan of its own: if its writes fail, only its mark is released, never the
    // mark of a step already sent (the sweep judges the same snapshot version for days).
    const plan = `${ticket.key}@${ticket.version}/sla/${rule.id}/${step.id}@${now.toISOString()}`;
    state.history.setMark(rule.id, ticket.key, mark, plan);
    // Long past, or overtaken by a later step of the same clock that is due too (a warning at
    // 75% is moot once 100% has passed): recorded, not written.
    const overtaken = rule.escalations.some((other, j) => j !== index && sameClock(step, other) && laterShare(other, step) && (timings[j]?.due.getTime() ?? Infinity) <= now.getTime());
    if (now.getTime() - timing.due.getTime() > staleMs || overtaken) {
      missed.push(step.id);
      continue;
    }
    fired.push(step.id);
    const sla = {
      step: step.id,
      target: timing.what,
      dueAt: timing.due.toISOString(),
      elapsed: formatMs(timing.elapsedMs(now)),
      targetTime: timing.targetText,
      calendar: rule.calendar,
      ...targetDueTimes(target, calendar, created),
    };
    const why = `SLA rule ${rule.id}, step ${step.id}: ${timing.reason(now)}`;
    // Already in that group (a person may be on it): a group-only reassignment would only take
    // the person off the ticket.
    const currentGroup = state.plannedGroup?.(ticket.key) ?? ticket.group;
    if (step.assign && !(step.assign.assignee === undefined && currentGroup === step.assign.group)) {
      outcome.decisions.push({
        ruleId: rule.id,
        action: step.assign.assignee ? { type: 'assign', group: step.assign.group, assignee: step.assign.assignee } : { type: 'assign', group: step.assign.group },
        explanation: why,
        plan,
      });
      state.noteAssignment(ticket, step.assign.group, step.assign.assignee);
    }
    if (step.setField) outcome.decisions.push({ ruleId: rule.id, action: { type: 'set-field', field: step.setField.field, value: step.setField.value }, explanation: why, plan });
    const template = compiled.notes[index];
    if (template && step.note) {
      try {
        const body = (await template.render(ticket, { sla, rule: { id: rule.id, description: rule.description ?? '' } })).trim();
        if (body !== '') outcome.decisions.push({ ruleId: rule.id, action: { type: 'comment', visibility: step.note.visibility, body }, explanation: why, plan });
      } catch (error) {
        note('error', `note of step ${step.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (step.task) {
      outcome.decisions.push({
        ruleId: rule.id,
        action: {
          type: 'create-task',
          correlationKey: `deskbridge:sla:${rule.id.slice(0, 30)}:${step.id.slice(0, 20)}:${ticket.key}`.slice(0, 100),
          title: step.task.title,
          description: step.task.description || why,
          ...(step.task.group ? { group: step.task.group } : {}),
        },
        explanation: why,
        plan,
      });
    }
  }
  const missedText = missed.length > 0 ? `; missed (overtaken or older than ${formatMs(staleMs)}): ${missed.join(', ')}` : '';
  note(fired.length > 0 ? 'matched' : 'no-match', (fired.length > 0 ? `escalated: ${fired.join(', ')}` : outcome.dueAt ? `next step due ${outcome.dueAt}` : 'no step due') + missedText);
}

/**
 * When the ticket's targets themselves fall due, for templates: `$sla.dueAt` is when the *step*
 * fired (a warning at 75% is already past when it is written), `$sla.resolutionDueAt` when the
 * ticket must be resolved, `$sla.responseDueAt` when it must be picked up (ISO, in the rule's calendar).
 */
function targetDueTimes(target: SlaTarget | undefined, calendar: SlaCalendar, created: Date): { resolutionDueAt?: string; responseDueAt?: string } {
  const at = (duration: SlaTarget['resolution'] | undefined) => (duration === undefined ? undefined : calendar.addBusinessMs(created, durationMs(duration)).toISOString());
  const resolutionDueAt = at(target?.resolution);
  const responseDueAt = at(target?.response);
  return { ...(resolutionDueAt ? { resolutionDueAt } : {}), ...(responseDueAt ? { responseDueAt } : {}) };
}

function sameClock(a: SlaStep, b: SlaStep): boolean {
  return 'percent' in a.at && 'percent' in b.at && a.at.of === b.at.of;
}

function laterShare(later: SlaStep, than: SlaStep): boolean {
  return 'percent' in later.at && 'percent' in than.at && later.at.percent > than.at.percent;
}

interface StepTiming {
  due: Date;
  what: string;
  targetText: string;
  elapsedMs(now: Date): number;
  reason(now: Date): string;
}

/** When a step falls due for this ticket, or undefined when it does not apply (no target, already responded, other state). */
function stepTiming(step: SlaStep, ticket: Ticket, target: SlaTarget | undefined, calendar: SlaCalendar, created: Date, context: EvaluationContext): StepTiming | undefined {
  if ('percent' in step.at) {
    const { percent, of } = step.at;
    // Response is met once someone picks the ticket up.
    if (of === 'response' && ticket.status !== 'new') return undefined;
    const duration = of === 'response' ? target?.response : target?.resolution;
    if (duration === undefined) return undefined;
    const targetMs = durationMs(duration);
    const due = calendar.addBusinessMs(created, (targetMs * percent) / 100);
    return {
      due,
      what: of,
      targetText: formatMs(targetMs),
      elapsedMs: (now) => calendar.businessMsBetween(created, now),
      reason: (now) => `${Math.round((calendar.businessMsBetween(created, now) / targetMs) * 100)}% of the ${formatMs(targetMs)} ${of} target for P${ticket.priority} used (step at ${percent}%)`,
    };
  }
  const { age, status } = step.at;
  if (status !== undefined && !status.includes(ticket.status)) return undefined;
  const since = new Date(context.statusSince ?? ticket.updatedAt);
  const ageMs = durationMs(age);
  return {
    due: calendar.addBusinessMs(since, ageMs),
    what: `age in ${ticket.status}`,
    targetText: formatMs(ageMs),
    elapsedMs: (now) => calendar.businessMsBetween(since, now),
    reason: (now) => `${formatMs(calendar.businessMsBetween(since, now))} in ${ticket.status} (threshold ${formatMs(ageMs)})`,
  };
}

/** "3 h 20 min", "2 days 4 h". */
export function formatMs(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [days > 0 ? `${days} day${days === 1 ? '' : 's'}` : '', hours > 0 ? `${hours} h` : '', mins > 0 && days === 0 ? `${mins} min` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0 min';
}
