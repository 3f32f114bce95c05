import { skipOf } from './skip.js';
import type { PlannedAction } from '../model/action.js';
import type { HistoryChanges } from '../model/history.js';
import { durationMs } from '../model/rule.js';
import type { Ticket } from '../model/ticket.js';
import { BatchState } from './batch-state.js';
import type { BatchContext, PassMemory, PlannedEvent } from './batch-plan.js';
import { LINKED, SUGGESTED } from './dedup/index.js';
import { evaluateDuplicatesOnly, planActions } from './index.js';
import { isHistory, teamContext } from './plan-batch.js';
import { rulesOfKind, type CompiledRuleSet } from './rule-set.js';
import { resolvedRecord, similarityDoc } from './similarity-doc.js';
import type { EngineSnapshot, StateView } from './snapshot.js';

/** A ticket judged in an earlier pass that may be a duplicate of a ticket seen only now. */
export interface LaterDuplicateSuspect {
  key: string;
  nativeId: string;
  /** The version it was judged at: a newer one is the next pull's to judge, with the original known. */
  version: string | undefined;
}

/** What a duplicate re-check stores: the links and suggestions, and the marks that record them. */
export interface DuplicateRecheckPlan {
  actions: PlannedAction[];
  history: HistoryChanges;
  events: PlannedEvent[];
}

/**
 * An original can reach deskbridge after its duplicate (an import, a ticket moved into the
 * queue, a pass that stopped between the two): the duplicate was judged without it. For each
 * ticket seen for the first time, the later-created tickets judged in earlier passes that look
 * like it and that no dedup rule acted on yet. `judgedWithThem`: tickets of the same pages,
 * judged with the newcomers known.
 */
export async function laterDuplicateSuspects(
  newcomers: readonly Ticket[],
  judgedWithThem: ReadonlySet<string>,
  ruleSet: CompiledRuleSet,
  sourceId: string,
  view: Pick<StateView, 'getTickets' | 'history'>,
): Promise<LaterDuplicateSuspect[]> {
  const rules = rulesOfKind(ruleSet, 'dedup').filter((r) => !r.rule.scope?.sources || r.rule.scope.sources.includes(sourceId));
  const later = new Map<string, string>();
  for (const original of newcomers) {
    for (const { rule } of rules) {
      const found = await view.history.candidates({
        doc: similarityDoc(original),
        // Reported after it (the same instant counts: numbers break the tie when judged).
        createdAfter: original.createdAt,
        createdBefore: new Date(Date.parse(original.createdAt) + durationMs(rule.lookBack) + 1).toISOString(),
        sourceIds: [sourceId],
        equalFields: rule.equalFields,
        fieldWeights: rule.fieldWeights,
        // The same evidence the rule will weigh when the later ticket is judged again.
        mask: rule.mask,
        limit: 10,
      });
      // A resolved newcomer may also be a resolved look-alike worth listing (`resolved`).
      const threshold = rule.resolved && resolvedRecord(original) ? Math.min(rule.suggest.threshold, rule.resolved.threshold) : rule.suggest.threshold;
      for (const c of found) if (c.score >= threshold && !judgedWithThem.has(c.key)) later.set(c.key, c.nativeId);
    }
  }
  if (later.size === 0) return [];
  const committed = await view.history.committedTickets([...later.keys()]);
  const known = await view.getTickets([...committed]);
  const suspects: LaterDuplicateSuspect[] = [];
  for (const key of committed) {
    if ((await view.history.markedBy(key, [LINKED, SUGGESTED])) !== undefined || (await view.history.duplicateRoot(key)) !== undefined) continue;
    suspects.push({ key, nativeId: later.get(key) ?? '', version: known.get(key)?.version });
  }
  return suspects;
}

/** Judges the suspects again (as read now, unchanged since) for duplicates only. History stays history. */
export async function planDuplicateRecheck(
  input: { tickets: readonly Ticket[]; ruleSet: CompiledRuleSet; context: BatchContext; pass: PassMemory },
  snapshot: Pick<EngineSnapshot, 'history'>,
): Promise<DuplicateRecheckPlan> {
  const { ruleSet, context } = input;
  const { sourceId, now } = context;
  const state = new BatchState(new Map(), new Map(), snapshot.history, { committedOnly: true, pulled: input.pass.pulled, sourceId });
  const plan: DuplicateRecheckPlan = { actions: [], history: state.history.changes, events: [] };
  for (const ticket of input.tickets) {
    // Judged as history: it stays history, whatever arrives later.
    if (isHistory(ticket, context.actFrom)) continue;
    // Opted out since it was judged (or always): no write, not even a duplicate suggestion.
    if ((await skipOf(ticket, context.skip)) !== undefined) continue;
    state.history.beginPlan(`${ticket.key}@${ticket.version}`);
    const evaluation = await evaluateDuplicatesOnly(ticket, ruleSet, state, { sourceId, now, actFrom: context.actFrom, ...teamContext(context) });
    for (const action of planActions(ticket, evaluation.decisions, sourceId)) {
      plan.actions.push(action);
      plan.events.push({ ticket, action });
    }
  }
  state.history.beginPlan(undefined);
  return plan;
}
