import type { PlannedAction } from '../model/action.js';
import type { HistoryChanges } from '../model/history.js';
import type { TicketState } from '../model/ticket-state.js';
import { BatchState } from './batch-state.js';
import type { BatchContext, PlannedEvent } from './batch-plan.js';
import { evaluateSlaOnly, planActions } from './index.js';
import { teamContext } from './plan-batch.js';
import type { CompiledRuleSet } from './rule-set.js';
import type { EngineSnapshot } from './snapshot.js';
import { skipOf } from './skip.js';
import { readTicketSnapshot } from './ticket-snapshot.js';

/** What an SLA sweep batch stores: the steps' writes, the tickets' next due times, marks. */
export interface SlaSweepPlan {
  actions: PlannedAction[];
  tickets: TicketState[];
  roundRobin: Map<string, number>;
  history: HistoryChanges;
  events: PlannedEvent[];
}

/**
 * Tickets nobody touched still age: every open ticket whose next SLA step is due is judged again
 * from its last snapshot at `now`, without reading it from the platform. Writes target the
 * version the snapshot holds, so a person's newer edit supersedes them (and the step is judged
 * again from that version). Round-robin turns of the sweep start from the rotation's first
 * position (the snapshot's stored positions are not read), as they always have.
 */
export async function planSlaSweep(
  input: { due: readonly TicketState[]; ruleSet: CompiledRuleSet; context: BatchContext },
  snapshot: Pick<EngineSnapshot, 'openLoads' | 'otherLoads' | 'history'>,
): Promise<SlaSweepPlan> {
  const { ruleSet, context } = input;
  const { sourceId, now } = context;
  const state = new BatchState(new Map(), new Map(snapshot.openLoads), snapshot.history, { sourceId, otherLoads: snapshot.otherLoads });
  const plan: SlaSweepPlan = { actions: [], tickets: [], roundRobin: state.roundRobinChanges, history: state.history.changes, events: [] };
  for (const row of input.due) {
    const ticket = readTicketSnapshot(row.snapshot);
    // Without a snapshot there is nothing to judge; an opted-out ticket gets no SLA step either.
    if (!ticket || (await skipOf(ticket, context.skip)) !== undefined) {
      // The next pull of the ticket brings a snapshot (and says whether it is still skipped).
      plan.tickets.push({ ...row, slaDueAt: undefined, snapshot: undefined });
      continue;
    }
    state.history.beginPlan(`${ticket.key}@${ticket.version}/sla`);
    const evaluation = await evaluateSlaOnly(ticket, ruleSet, state, { sourceId, now, statusSince: row.statusSince, ...teamContext(context) });
    for (const action of planActions(ticket, evaluation.decisions, sourceId, '/sla')) {
      plan.actions.push(action);
      plan.events.push({ ticket, action });
    }
    const assigned = state.plannedAssignments.get(ticket.key);
    plan.tickets.push({
      ...row,
      ...(assigned ? { group: assigned.group, assignee: assigned.assignee } : {}),
      slaDueAt: evaluation.slaDueAt,
      snapshot: evaluation.slaDueAt !== undefined ? row.snapshot : undefined,
    });
  }
  return plan;
}
