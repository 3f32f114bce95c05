import type { Action } from '../model/action.js';
import { describeAction } from '../model/describe-action.js';
import type { OutboxEntry } from '../state/types.js';

/**
 * The long text a write carries (a note's body, a problem's or task's description), whole: a
 * reviewer judges a note by all of it, not by the one-line summary `describeAction` gives.
 * Undefined for writes that carry no text (assign, links, set-field).
 */
export function actionText(action: Action): { label: string; text: string } | undefined {
  switch (action.type) {
    case 'comment':
      return { label: action.visibility === 'internal' ? 'work note' : 'public comment', text: action.body };
    case 'create-problem':
    case 'update-problem':
      return { label: 'problem description', text: action.description };
    case 'create-task':
      return { label: 'task description', text: action.description };
    default:
      return undefined;
  }
}

/**
 * The fields every per-write log line carries, so one grep on a ticket number or a rule finds
 * every write it caused. Secrets are not a concern here: the log transport redacts them.
 */
export function writeLogFields(entry: OutboxEntry): Record<string, unknown> {
  return {
    source: entry.sourceId,
    ticket: entry.planned.target.number,
    ruleId: entry.ruleId,
    action: entry.planned.action.type,
    summary: describeAction(entry.planned.action),
    outbox: entry.id.slice(0, 12),
  };
}
