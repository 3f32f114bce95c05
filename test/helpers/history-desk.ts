import { BatchState } from '../../src/engine/batch-state.js';
import { evaluateTicket } from '../../src/engine/index.js';
import { MemoryState } from '../../src/engine/memory-state.js';
import type { compileRuleSet } from '../../src/engine/rule-set.js';
import type { Decision, RuleTrace } from '../../src/engine/types.js';
import type { Ticket } from '../../src/model/ticket.js';

/**
 * Feeds tickets through the engine one batch each, the way the sync loop does (index, evaluate,
 * commit), on in-memory state: for rules that read history (dedup, resolved look-alikes).
 */
export class HistoryDesk {
  readonly store = new MemoryState();
  /** The rule traces of the last ticket seen. */
  trace: RuleTrace[] = [];
  constructor(private readonly rules: ReturnType<typeof compileRuleSet>) {}

  async see(ticket: Ticket): Promise<Decision[]> {
    const state = new BatchState(new Map(), new Map(), this.store.history);
    await state.history.index(ticket);
    const evaluation = await evaluateTicket(ticket, this.rules, state, { sourceId: 'snow-test', now: new Date(ticket.updatedAt) });
    this.store.history.apply(state.history.changes);
    this.trace = evaluation.trace;
    return evaluation.decisions;
  }
}
