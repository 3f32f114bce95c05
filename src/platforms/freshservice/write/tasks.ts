import type { Action } from '../../../model/action.js';
import type { WriteResult } from '../../types.js';
import type { FreshserviceNames } from '../names.js';
import { API, type FreshserviceRest, listPages } from '../rest.js';
import { type FreshserviceWrite, TaskList, TaskResponse } from '../schema.js';
import { problemTag } from './problems.js';

/** Task status Open (1 Open, 2 In Progress, 3 Completed). */
const OPEN = 1;
/** A follow-up task is due a day after it is opened (Freshservice requires a due date). */
const DUE_IN_MS = 86_400_000;

/**
 * Follow-up tasks on the ticket itself: `POST /api/v2/tickets/{id}/tasks`
 * (https://api.freshservice.com/#create_ticket_task) with status, due date, notify_before, title,
 * description and the group resolved from its name. The title carries a tag of the correlation
 * key, so a task is created once: the ticket's tasks (`GET /api/v2/tickets/{id}/tasks`) are
 * listed first. No `ownVersion`: the task's answer does not say whether it moved the ticket's
 * `updated_at`; if it did, the next pass judges the ticket again and finds the task there.
 */
export class TaskWriter {
  private readonly rest: FreshserviceRest;
  private readonly names: FreshserviceNames;

  constructor(rest: FreshserviceRest, names: FreshserviceNames) {
    this.rest = rest;
    this.names = names;
  }

  async create(nativeId: string, action: Extract<Action, { type: 'create-task' }>, write: FreshserviceWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const tag = problemTag(action.correlationKey);
    for await (const response of listPages(this.rest, `${API}/tickets/${nativeId}/tasks`, { per_page: 100 }, 'task-lookup', signal)) {
      const existing = this.rest.parse(TaskList, response.data, 'task list').tasks.find((task) => (task.title ?? '').includes(tag));
      if (existing !== undefined) return { outcome: 'unchanged', ref: String(existing.id) };
    }
    const groupName = write.taskGroup !== undefined ? write.taskGroup : action.group;
    let groupId: number | undefined;
    if (groupName != null && groupName !== '') {
      groupId = await this.names.groupId(groupName, signal);
      if (groupId === undefined) {
        throw this.rest.badRequest(
          `Freshservice has no group named "${groupName}" for the task on ticket ${nativeId} (source ${this.rest.sourceId})`,
          'Create the agent group or change the task group in the rule',
        );
      }
    }
    const data: Record<string, unknown> = {
      title: `${(write.subject ?? action.title).slice(0, 200)} ${tag}`,
      description: write.description ?? action.description,
      status: OPEN,
      due_date: new Date(this.rest.now() + DUE_IN_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      notify_before: 0,
      ...(groupId !== undefined ? { group_id: groupId } : {}),
    };
    // A POST that timed out is not re-sent here: the outbox retries the step, and the listing finds it.
    const response = await this.rest.request({ method: 'POST', url: `${API}/tickets/${nativeId}/tasks`, data, operation: 'create-task', signal });
    return { outcome: 'created', ref: String(this.rest.parse(TaskResponse, response.data, 'task creation').task.id) };
  }
}
