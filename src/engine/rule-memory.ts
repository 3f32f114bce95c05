import type { TicketState } from '../model/ticket-state.js';

/**
 * What rules remember about one ticket between judgements, so that people win: an `override`
 * rule acts when its `when` *becomes* true, not every time it *is* true, and a `once` rule acts
 * once per ticket, ever. Kept in the ticket's state row (`TicketState.triggered`/`applied`).
 */
export interface RuleMemory {
  /** Rule ids whose `when` was true at the previous judgement (absent: false then, or never judged by the rule). */
  triggered: ReadonlySet<string>;
  /** Rule ids that ever wrote to the ticket. */
  applied: ReadonlySet<string>;
}

/** What one judgement learned, per rule of the kinds that remember (see `RuleKindDefinition.repeat`). */
export interface RuleMemoryChange {
  /** `when` evaluated true. */
  whenTrue: string[];
  /** `when` evaluated false. Rules not evaluated (out of scope, an earlier rule won, an error) are in neither: what they knew is kept. */
  whenFalse: string[];
  /** Wrote (planned a decision) this time. */
  applied: string[];
}

export function emptyMemoryChange(): RuleMemoryChange {
  return { whenTrue: [], whenFalse: [], applied: [] };
}

/** The memory a ticket's row holds. */
export function memoryOf(row: TicketState | undefined): RuleMemory {
  return { triggered: new Set(row?.triggered ?? []), applied: new Set(row?.applied ?? []) };
}

/** The row's memory after a judgement: `triggered` updated where `when` was evaluated, `applied` only grows. */
export function rememberJudgement(row: TicketState | undefined, change: RuleMemoryChange): Pick<TicketState, 'triggered' | 'applied'> {
  const triggered = new Set(row?.triggered ?? []);
  for (const id of change.whenFalse) triggered.delete(id);
  for (const id of change.whenTrue) triggered.add(id);
  const applied = new Set([...(row?.applied ?? []), ...change.applied]);
  return { triggered: [...triggered].sort(), applied: [...applied].sort() };
}

/** The row's memory unchanged (a version not judged: history, deskbridge's own write, a skipped ticket). */
export function keepMemory(row: TicketState | undefined): Pick<TicketState, 'triggered' | 'applied'> {
  return { triggered: row?.triggered, applied: row?.applied };
}
