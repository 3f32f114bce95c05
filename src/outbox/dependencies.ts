import { type PlannedAction, planOf } from '../model/action.js';

/**
 * Which later writes of a lane cannot, or must not, be sent once an earlier one was not made
 * (dead-lettered, or skipped). Decided by the kind of the write that was not made:
 *
 * - `assign`, `set-field`, `link-duplicate`: the rest of the same rule's plan builds on it — the
 *   routing note says who the ticket was assigned to, the duplicate notes and resolve fields say it
 *   was linked. Those are not sent either. Other rules' writes in the plan (an SLA warning, a QA
 *   task) do not depend on it and are sent.
 * - `create-problem`: the problem's links and updates (same correlation key) cannot succeed.
 * - `escalate`: the note naming the copy (same correlation key) has no copy to name.
 * - `comment`, `link-problem`, `update-problem`, `create-task`: nothing builds on them; the rest of
 *   the plan is sent.
 *
 * Nothing is dropped silently: each write not sent is recorded (outbox, action log, `outbox list`)
 * naming the write it depended on and why that one was not made, and `outbox retry <id>` of the
 * dead write queues them again with it.
 */
export function buildsOn(later: PlannedAction, earlier: PlannedAction): boolean {
  const kind = earlier.action.type;
  if (kind === 'create-problem' || kind === 'escalate') {
    const key = 'correlationKey' in later.action ? later.action.correlationKey : undefined;
    return later.action.type !== kind && key === earlier.action.correlationKey;
  }
  if (kind === 'assign' || kind === 'set-field' || kind === 'link-duplicate') {
    return later.ruleId === earlier.ruleId && planOf(later) === planOf(earlier);
  }
  return false;
}

/** Why `later` was not sent: names the write it builds on (type, outbox id as `outbox list` shows it, rule) and why that one was not made. */
export function notSentReason(earlier: PlannedAction, what: 'dead-lettered' | 'skipped', why: string): string {
  return `Not sent: it builds on ${earlier.action.type} ${earlier.id.slice(0, 12)} (rule ${earlier.ruleId}), which was ${what}: ${why}`;
}

/** For `markDead`: the reason each later write of the lane is dead-lettered with `earlier`, or undefined to send it. */
export function deadWith(earlier: PlannedAction, why: string): (later: PlannedAction) => string | undefined {
  return (later) => (buildsOn(later, earlier) ? notSentReason(earlier, 'dead-lettered', why) : undefined);
}
