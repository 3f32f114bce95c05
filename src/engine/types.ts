import type { Action } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';

/** One action a rule decided on, before it gets an idempotency key. */
export interface Decision {
  ruleId: string;
  action: Action;
  /** One plain sentence a technician can read: why this happened. */
  explanation: string;
}

/** What happened to one rule for one ticket, for `explain` and debug logs. */
export interface RuleTrace {
  ruleId: string;
  kind: string;
  outcome: 'matched' | 'no-match' | 'not-applicable' | 'error';
  reason: string;
}

export interface Evaluation {
  decisions: Decision[];
  trace: RuleTrace[];
}

/**
 * The engine's window on durable state. Reads see earlier decisions of the same batch, and
 * changes are applied by the caller in the same transaction as the outbox entries, so a crash
 * before commit replays the batch with exactly the same choices.
 */
export interface EngineState {
  /** Returns the next round-robin position for a rule and advances it. */
  nextRoundRobin(ruleId: string, memberCount: number): number;
  /** Open tickets the daemon knows of that are assigned to this person on this source. */
  openLoad(sourceId: string, assignee: string): number;
  /** Tells the state that the engine assigned a ticket, so later tickets in the batch see the load. */
  noteAssignment(ticket: Ticket, group: string, assignee: string | undefined): void;
}

export interface EvaluationContext {
  sourceId: string;
  /** Fixed clock for reproducible evaluation (`$now()` in rules uses JSONata's own). */
  now: Date;
}
