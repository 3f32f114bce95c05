import { describeAction } from '../model/describe-action.js';
import type { PlannedAction } from '../model/action.js';
import type { QueuedAuditRecord } from './types.js';

/**
 * The action-log record of one attempt or outcome of an outbox entry, as both stores queue it:
 * one record per attempt and outcome (retries are part of the story), with what `deskbridge
 * revert` needs — the values written, the ones replaced, and what a revert undoes.
 */
export function writeRecord(
  outboxId: string,
  planned: PlannedAction,
  attempts: number,
  outcome: string,
  at: string,
  error?: string,
  previous?: Readonly<Record<string, string | null>>,
): QueuedAuditRecord {
  return {
    log: 'actions',
    id: `${outboxId}:${attempts}:${outcome}:${at}`,
    at,
    data: {
      kind: 'write',
      actionId: outboxId,
      ticket: { key: planned.target.ticketKey, source: planned.sourceId, number: planned.target.number },
      rule: planned.ruleId,
      action: describeAction(planned.action),
      type: planned.action.type,
      outcome,
      attempt: attempts,
      ...(error !== undefined ? { error } : {}),
      ...(planned.action.type === 'assign' ? { values: { group: planned.action.group === '' ? null : planned.action.group, assignee: planned.action.assignee ?? null } } : {}),
      ...(previous !== undefined ? { previous: { ...previous } } : {}),
      ...(planned.reverts !== undefined ? { reverts: planned.reverts } : {}),
    },
  };
}
