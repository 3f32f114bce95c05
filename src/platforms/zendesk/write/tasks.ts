import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { ZendeskPeople } from '../people.js';
import type { ZendeskRest } from '../rest.js';
import type { ZendeskWrite } from '../schema.js';
import { taskExternalId, type CreatedTickets } from './created.js';

type CreateTask = Extract<Action, { type: 'create-task' }>;

/**
 * A follow-up task is a Zendesk ticket of `type: task`, assigned to the action's group, its
 * description (an internal note) naming the ticket it follows up. Zendesk has no link between two
 * tickets other than problem/incident, so the task is found again by its external_id.
 */
export class TaskWriter {
  private readonly rest: ZendeskRest;
  private readonly people: ZendeskPeople;
  private readonly created: CreatedTickets;

  constructor(rest: ZendeskRest, people: ZendeskPeople, created: CreatedTickets) {
    this.rest = rest;
    this.people = people;
    this.created = created;
  }

  async ensure(nativeId: string, action: CreateTask, request: WriteRequest, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    if (write.comment?.public === true)
      throw this.rest.badRequest('A task description was mapped as a public comment', 'Set comment.public to false in the create-task branch of mappings/zendesk.outbound.jsonata');
    const ticket: Record<string, unknown> = {
      subject: action.title,
      ...write.ticket,
      type: 'task',
      comment: { body: write.comment?.body ?? `${action.description}\n\nFollow-up of ticket #${request.planned.target.number}.`, public: false },
      tags: [this.rest.source.createdTag],
    };
    const groupName = write.group ?? action.group;
    if (groupName !== undefined && groupName !== null && groupName !== '') {
      const group = await this.people.groupNamed(groupName, signal);
      if (group === undefined) throw this.rest.badRequest(`Zendesk has no group named "${groupName}" (source ${this.rest.sourceId})`, 'Create the group or fix the name in the rule');
      ticket['group_id'] = group.id;
    }
    return this.created.ensure(taskExternalId(nativeId, action.correlationKey), ticket, signal);
  }
}
