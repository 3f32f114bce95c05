import { compileExpression, EvaluationCancelledError, isTruthy } from '../mapping/expression.js';
import type { Ticket } from '../model/ticket.js';
import { collectRawFields } from './rule-kind.js';

/** A ticket the source's `skip:` condition leaves alone, and why (for debug logs and `explain`). */
export interface SkippedTicket {
  ticket: Ticket;
  reason: string;
  /** The condition failed to evaluate (the ticket is left alone all the same): its message. */
  error?: string;
}

/**
 * Whether a source's `skip:` condition leaves the ticket alone: checked before any rule, so a
 * skipped ticket gets no write at all. A condition that fails to evaluate skips the ticket too —
 * an opt-out that cannot be read must not turn into acting on a ticket someone opted out.
 * Shutdown is not a failure: it propagates, so nothing of the judgement is committed.
 */
export async function skipOf(ticket: Ticket, condition: string | undefined): Promise<SkippedTicket | undefined> {
  if (condition === undefined) return undefined;
  try {
    if (!isTruthy(await compileExpression(condition).evaluate(ticket))) return undefined;
    return { ticket, reason: `the source's skip condition holds: ${condition}` };
  } catch (error) {
    if (error instanceof EvaluationCancelledError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { ticket, reason: `the source's skip condition failed (${message}); left alone to be safe: ${condition}`, error: message };
  }
}

/** The native fields a source's `skip:` condition reads (`raw.u_deskbridge_skip`): a pull must ask for them. */
export function skipRawFields(skip: string | undefined): string[] {
  const fields = new Set<string>();
  if (skip !== undefined) collectRawFields(skip, fields);
  return [...fields];
}
