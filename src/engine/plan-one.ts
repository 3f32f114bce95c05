import type { Ticket } from '../model/ticket.js';
import type { BatchContext, BatchPlan, JudgedTicket, PassMemory } from './batch-plan.js';
import { indexPulled, newPassMemory, planBatch } from './plan-batch.js';
import type { CompiledRuleSet } from './rule-set.js';
import type { SkippedTicket } from './skip.js';
import { takeSnapshot, type StateView } from './snapshot.js';

/**
 * Plans a batch of one ticket on what `view` holds now, exactly as the daemon plans a page: rule
 * tests, explain and backtest decide through this, so they show what the daemon would do.
 * `index`: the ticket goes into the similarity index first, as the daemon indexes what it pulled
 * (explain leaves it out: it only reads the state file). Nothing is committed here.
 */
export async function planOneTicket(
  view: StateView,
  input: { ticket: Ticket; ruleSet: CompiledRuleSet; context: BatchContext; pass?: PassMemory; index: boolean },
): Promise<{ plan: BatchPlan; judged: JudgedTicket | undefined; skipped: SkippedTicket | undefined }> {
  const { ticket, ruleSet, context } = input;
  const pass = input.pass ?? newPassMemory();
  if (input.index) await indexPulled([ticket], ruleSet, view, pass, context.skip);
  // Other sources' loads count only for team-aware routing, as the daemon reads them.
  const snapshot = await takeSnapshot(view, context.sourceId, [ticket.key], { otherLoads: context.team !== undefined });
  const plan = await planBatch({ tickets: [{ ticket, ownWrite: false }], ruleSet, context, pass }, snapshot);
  return { plan, judged: plan.judged.find((j) => j.ticket.key === ticket.key), skipped: plan.skipped.find((s) => s.ticket.key === ticket.key) };
}
