import type { Action } from './action.js';

/** One line a person reads in logs, the demo and the action audit log. */
export function describeAction(action: Action): string {
  switch (action.type) {
    case 'assign':
      return action.group === ''
        ? `clear the group${action.assignee ? `, assign to ${action.assignee}` : ' and the assignee'}`
        : `assign to ${action.group}${action.assignee ? ` / ${action.assignee}` : ''}`;
    case 'comment':
      return `${action.visibility === 'internal' ? 'work note' : 'public comment'}: ${action.body.split('\n')[0] ?? ''}`;
    case 'create-problem':
      return `create problem "${action.title}"`;
    case 'link-problem':
      return `link to problem ${action.problemRef ?? action.correlationKey ?? ''}`;
    case 'link-duplicate':
      return `link as duplicate of ${action.original.number}`;
    case 'update-problem':
      return `${action.reopen ? 'reopen and update' : 'update'} problem "${action.title}"`;
    case 'create-task':
      return `open follow-up task "${action.title}"`;
    case 'set-field':
      return `set ${action.field} = ${JSON.stringify(action.value)}`;
    case 'escalate':
      return `escalate to ${action.to}: "${action.title}"`;
    case 'announce-escalation':
      return `work note naming the copy on ${action.to}: ${action.body.split('\n')[0] ?? ''}`;
  }
}
