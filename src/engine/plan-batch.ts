import { isOpen, type Ticket } from '../model/ticket.js';
import type { TicketState } from '../model/ticket-state.js';
import { BatchState } from './batch-state.js';
import type { BatchContext, BatchObserver, BatchPlan, BatchTicket, PassMemory } from './batch-plan.js';
import { emptyHistoryReport, recordWouldHave, type HistoryReport } from './history-report.js';
import { evaluateSlaOnly, evaluateTicket, finishBatch, needsSimilarityIndex, planActions, planBatchActions } from './index.js';
import { needsSlaSweep } from './needs.js';
import { keepMemory, memoryOf, rememberJudgement } from './rule-memory.js';
import type { CompiledRuleSet } from './rule-set.js';
import { skipOf } from './skip.js';
import { ShadowProblems, ShadowState, withoutAssignments } from './shadow-state.js';
import type { EngineSnapshot } from './snapshot.js';
import { similarityDoc } from './similarity-doc.js';
import { ticketSnapshot } from './ticket-snapshot.js';
import type { EvaluationContext } from './types.js';
import { verdictRecord } from './verdict-record.js';

/** A fresh pass: nothing pulled yet, no problem history would have opened. */
export function newPassMemory(): PassMemory {
  return { pulled: new Set(), shadowProblems: new ShadowProblems() };
}

/**
 * Everything pulled goes into the similarity index before any of it is judged (when the rules
 * look at earlier tickets' text), so a duplicate finds an original that arrives later in the pass.
 */
export async function indexPulled(tickets: readonly Ticket[], ruleSet: CompiledRuleSet, snapshot: Pick<EngineSnapshot, 'history'>, pass: PassMemory, skip?: string): Promise<void> {
  if (!needsSimilarityIndex(ruleSet)) return;
  for (const ticket of tickets) {
    // A skipped ticket is nobody's original: a note on it would be a write to it.
    if ((await skipOf(ticket, skip)) !== undefined) continue;
    await snapshot.history.index(similarityDoc(ticket));
    pass.pulled.add(ticket.key);
  }
}

/** Whether a ticket version is older than the start point for acting (history: learned from, never acted on). */
export function isHistory(ticket: Ticket, actFrom: string | undefined): boolean {
  return actFrom !== undefined && Date.parse(ticket.updatedAt) < Date.parse(actFrom);
}

/**
 * Plans one batch: each ticket, oldest report first, is learned from (history), has only its SLA
 * clock run (deskbridge's own write), or is judged by every rule; then the batch summaries. The
 * plan holds everything the commit stores; nothing is written here.
 */
export async function planBatch(
  input: { tickets: readonly BatchTicket[]; ruleSet: CompiledRuleSet; context: BatchContext; pass?: PassMemory; observer?: BatchObserver },
  snapshot: EngineSnapshot,
): Promise<BatchPlan> {
  const { ruleSet, context } = input;
  const observer = input.observer ?? {};
  const { sourceId, now } = context;
  const pass = input.pass ?? newPassMemory();
  // "The earlier report" is the one created earlier: judging in creation order lets a
  // duplicate family form around its first ticket, whatever order the updates came in.
  const batch = [...input.tickets].sort((a, b) => byCreation(a.ticket, b.ticket));
  const state = new BatchState(new Map(snapshot.roundRobin), new Map(snapshot.openLoads), snapshot.history, { committedOnly: true, pulled: pass.pulled, sourceId, otherLoads: snapshot.otherLoads });
  const slaRules = needsSlaSweep(ruleSet);
  const team = teamContext(context);
  const plan: BatchPlan = {
    actions: [],
    tickets: [],
    roundRobin: state.roundRobinChanges,
    history: state.history.changes,
    audit: [],
    events: [],
    ruleFailures: [],
    evaluated: 0,
    ownWrites: 0,
    routedByGroup: {},
    newcomers: [],
    judged: [],
    historyReport: emptyHistoryReport(context.actFrom ?? ''),
    skipped: [],
  };

  for (const { ticket, ownWrite } of batch) {
    const before = snapshot.tickets.get(ticket.key);
    state.observe(before?.assignee, before ? isOpen(before.status) : false, ticket, isOpen(ticket.status));
    const statusSince = before && before.status === ticket.status ? (before.statusSince ?? before.updatedAt) : ticket.updatedAt;
    // A version judged before only as history is judged as new (a `--from` rewind).
    const rejudge = context.rewinding === true && before?.version === ticket.version;
    const previous = rejudge ? undefined : before;
    const evaluationContext: EvaluationContext = {
      sourceId,
      now,
      previousStatus: previous?.status,
      previousResolvedAt: previous?.resolvedAt,
      statusSince,
      actFrom: context.actFrom,
      rejudge,
      memory: memoryOf(before),
      ...(context.escalationCopies?.has(ticket.source.nativeId) ? { escalationCopy: true } : {}),
      ...team,
    };
    let slaDueAt: string | undefined;
    let memory = keepMemory(before);
    const history = isHistory(ticket, context.actFrom);
    const skipped = await skipOf(ticket, context.skip);
    if (skipped) {
      // Opted out: no rule sees it, not even the clock-driven ones; its row still follows the platform.
      plan.skipped.push(skipped);
      if (skipped.error !== undefined) {
        const failure = { ticketKey: ticket.key, ruleId: 'skip', reason: skipped.reason };
        plan.ruleFailures.push(failure);
        observer.ruleFailed?.(failure);
      }
    } else if (history) {
      slaDueAt = await learnFromHistory(ticket, ruleSet, state, evaluationContext, pass, plan.historyReport);
    } else if (ownWrite) {
      plan.ownWrites++;
      // SLA steps run on the clock, not on edits: our own write still moves the ticket's next check.
      if (slaRules) {
        state.history.beginPlan(`${ticket.key}@${ticket.version}/sla`);
        const evaluation = await evaluateSlaOnly(ticket, ruleSet, state, evaluationContext);
        slaDueAt = evaluation.slaDueAt;
        for (const action of planActions(ticket, evaluation.decisions, sourceId, '/sla')) plan.actions.push(action);
      }
    } else {
      if (before === undefined) plan.newcomers.push(ticket);
      plan.evaluated++;
      state.history.beginPlan(`${ticket.key}@${ticket.version}`);
      const evaluation = await evaluateTicket(ticket, ruleSet, state, evaluationContext);
      slaDueAt = evaluation.slaDueAt;
      memory = rememberJudgement(before, evaluation.memory);
      plan.judged.push({ ticket, decisions: evaluation.decisions, trace: evaluation.trace, verdicts: evaluation.verdicts });
      for (const verdict of evaluation.verdicts) plan.audit.push(verdictRecord(verdict, ruleSet.hash, now));
      for (const t of evaluation.trace) {
        if (t.outcome !== 'error') continue;
        const failure = { ticketKey: ticket.key, ruleId: t.ruleId, reason: t.reason };
        plan.ruleFailures.push(failure);
        observer.ruleFailed?.(failure);
      }
      for (const action of planActions(ticket, evaluation.decisions, sourceId)) {
        plan.actions.push(action);
        if (action.action.type === 'assign') plan.routedByGroup[action.action.group] = (plan.routedByGroup[action.action.group] ?? 0) + 1;
        plan.events.push({ ticket, action });
        observer.planned?.({ ticket, action });
      }
    }
    // History is never acted on: its row keeps the group and person the platform says.
    plan.tickets.push({ ...ticketRow(ticket, sourceId, history ? undefined : state.plannedAssignments.get(ticket.key), statusSince, slaDueAt, ruleSet), ...memory });
  }

  state.history.beginPlan(undefined);
  for (const action of planBatchActions(await finishBatch(ruleSet, state), sourceId)) {
    plan.actions.push(action);
    plan.events.push({ ticket: undefined, action });
    observer.planned?.({ ticket: undefined, action });
  }
  return plan;
}

/**
 * A history version: everything the rules would decide is reported, not planned — the index
 * and pattern counts learn from it (the shadow state lets only those through), SLA steps that
 * are already past are recorded as missed so the sweep never sends them (later ones fall due
 * live), and its group, person and status become what the daemon knows of it.
 */
async function learnFromHistory(ticket: Ticket, ruleSet: CompiledRuleSet, state: BatchState, context: EvaluationContext, pass: PassMemory, report: HistoryReport): Promise<string | undefined> {
  state.history.beginPlan(undefined);
  // Judged as if there were no start point: that is what the report is about.
  const evaluation = await evaluateTicket(ticket, ruleSet, new ShadowState(state, pass.shadowProblems), { ...context, actFrom: undefined });
  recordWouldHave(report, ticket, evaluation.decisions, evaluation.verdicts, ruleSet);
  if (!needsSlaSweep(ruleSet)) return undefined;
  state.history.beginPlan(`${ticket.key}@${ticket.version}/sla`);
  // Its steps' marks are real (a step already past is never sent), its assignments are not: no
  // write is planned for history, so later tickets of the batch must not see the load move.
  return (await evaluateSlaOnly(ticket, ruleSet, withoutAssignments(state), context)).slaDueAt;
}

/** What is remembered of a ticket after its batch: a planned assignment counts as landed. */
function ticketRow(
  ticket: Ticket,
  sourceId: string,
  assigned: { group: string; assignee: string | undefined } | undefined,
  statusSince: string,
  slaDueAt: string | undefined,
  ruleSet: CompiledRuleSet,
): TicketState {
  return {
    key: ticket.key,
    sourceId,
    nativeId: ticket.source.nativeId,
    number: ticket.source.number,
    version: ticket.version,
    status: ticket.status,
    group: assigned ? assigned.group : ticket.group,
    assignee: assigned ? assigned.assignee : ticket.assignee,
    updatedAt: ticket.updatedAt,
    statusSince,
    slaDueAt,
    resolvedAt: ticket.resolvedAt,
    ...(slaDueAt !== undefined ? { snapshot: ticketSnapshot(ticket, ruleSet.rawFields) } : {}),
  };
}

/** The team file and its calendars, as the evaluation context carries them (absent when the caller has none). */
export function teamContext(context: BatchContext): Pick<EvaluationContext, 'team' | 'calendars'> {
  return { ...(context.team ? { team: context.team } : {}), ...(context.calendars ? { calendars: context.calendars } : {}) };
}

/** Oldest report first; the same instant by ticket number. */
function byCreation(a: Ticket, b: Ticket): number {
  return Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.source.number.localeCompare(b.source.number, 'en', { numeric: true });
}
