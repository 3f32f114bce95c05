import type { PreviousValues, WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import type { ZendeskPeople } from '../people.js';
import { plannedStamp, ticketVersion } from '../record.js';
import type { ZendeskRest } from '../rest.js';
import type { ZendeskWrite } from '../schema.js';
import { applied, notApplied } from './outcomes.js';
import { readTicketState, updateTicket, type ChangeEvent, type UpdateAnswer } from './update.js';
import { PlatformError } from '../../../http/errors.js';

/** Ticket attributes a mapping may not set through `ticket`: the connector owns them. */
const RESERVED = new Set(['comment', 'safe_update', 'updated_stamp', 'id']);

/** `assign` and `set-field`: one safe update of the ticket's own attributes. */
export class FieldWriter {
  private readonly rest: ZendeskRest;
  private readonly people: ZendeskPeople;
  private readonly own: OwnVersions;

  constructor(rest: ZendeskRest, people: ZendeskPeople, own: OwnVersions) {
    this.rest = rest;
    this.people = people;
    this.own = own;
  }

  /** Refuses, before any request, ticket attributes the connector owns. */
  check(write: ZendeskWrite): void {
    for (const key of Object.keys(write.ticket ?? {})) {
      if (RESERVED.has(key)) {
        throw this.rest.badRequest(
          `The outbound mapping set ticket.${key}, which the connector owns`,
          'Remove it from mappings/zendesk.outbound.jsonata: comments go in "comment", collision protection is added by the connector',
        );
      }
    }
  }

  /**
   * The ticket attributes an assign sets: group and assignee by name → `group_id` / `assignee_id`,
   * plus the mapping's own `ticket` attributes. Throws (before anything is sent) for an unknown
   * name or an assignee outside the group, which Zendesk would refuse with a 422.
   */
  async assignment(write: ZendeskWrite, signal: AbortSignal | undefined): Promise<{ fields: Record<string, unknown>; groupId: number | null | undefined }> {
    const fields: Record<string, unknown> = { ...write.ticket };
    let groupId: number | null | undefined;
    if (write.group !== undefined) {
      if (write.group === null || write.group === '') groupId = null;
      else {
        const group = await this.people.groupNamed(write.group, signal);
        if (group === undefined)
          throw this.rest.badRequest(
            `Zendesk has no group named "${write.group}" (source ${this.rest.sourceId})`,
            'Create the group (Admin Center > People > Team > Groups) or fix the name in the rule',
          );
        groupId = group.id;
      }
      fields['group_id'] = groupId;
    }
    if (write.assignee !== undefined) {
      if (write.assignee === null) fields['assignee_id'] = null;
      else {
        const agent = await this.people.agentNamed(write.assignee, signal);
        if (agent === undefined)
          throw this.rest.badRequest(
            `Zendesk has no active agent named "${write.assignee}" (source ${this.rest.sourceId})`,
            "Use the agent's name or e-mail as Zendesk shows it; end users cannot be assigned",
          );
        if (groupId !== undefined && groupId !== null && !(await this.people.members(groupId, signal)).has(agent.id)) {
          throw this.rest.badRequest(
            `Agent "${write.assignee}" is not a member of Zendesk group "${write.group ?? ''}", so Zendesk would refuse the assignment`,
            'Add the agent to the group (Admin Center > People > Team > Groups) or change the rule',
          );
        }
        fields['assignee_id'] = agent.id;
      }
    }
    return { fields, groupId };
  }

  /** What an assign replaced, by name, from the update's audit (the current value where it did not change). */
  previous(answer: Extract<UpdateAnswer, { kind: 'updated' }>): PreviousValues {
    return {
      group: this.people.groupNameOf(previousId(answer.changes, 'group_id', answer.ticket.group_id)),
      assignee: this.people.userNameOf(previousId(answer.changes, 'assignee_id', answer.ticket.assignee_id)),
    };
  }

  /** Someone changed the group's members since we listed them (a 422 to an assignment): list again next time. */
  forgetMembers(groupId: number | null | undefined): void {
    if (typeof groupId === 'number') this.people.forgetMembers(groupId);
  }

  /** The {@link assignment} as one safe update, stamped with the planned version. */
  async assign(nativeId: string, request: WriteRequest, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { fields, groupId } = await this.assignment(write, signal);
    if (Object.keys(fields).length === 0) return { outcome: 'unchanged', ref: nativeId };
    let answer;
    try {
      answer = await updateTicket(this.rest, nativeId, fields, { stamp: plannedStamp(request.planned), idempotent: true, signal });
    } catch (error) {
      if (error instanceof PlatformError && error.status === 422) this.forgetMembers(groupId);
      throw error;
    }
    if (answer.kind === 'conflict') {
      // A 409 may be our own earlier attempt (an outbox retry, or the client's re-send after a lost answer) that made the stamp stale.
      const landed = await this.alreadyHolds(nativeId, fields, signal);
      if (landed !== undefined) return landed;
    }
    const skipped = notApplied(answer, nativeId);
    if (skipped !== undefined || answer.kind !== 'updated') return skipped ?? { outcome: 'superseded', ref: nativeId };
    return applied(answer, nativeId, this.own, { previous: this.previous(answer) });
  }

  /** Native attributes as the mapping gives them, as one safe update. */
  async update(nativeId: string, request: WriteRequest, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const fields = { ...write.ticket };
    if (Object.keys(fields).length === 0) return { outcome: 'unchanged', ref: nativeId };
    const answer = await updateTicket(this.rest, nativeId, fields, { stamp: plannedStamp(request.planned), idempotent: true, signal });
    if (answer.kind === 'conflict') {
      const landed = await this.alreadyHolds(nativeId, fields, signal);
      if (landed !== undefined) return landed;
    }
    return notApplied(answer, nativeId) ?? (answer.kind === 'updated' ? applied(answer, nativeId, this.own) : { outcome: 'superseded', ref: nativeId });
  }

  /**
   * After a 409: `unchanged` when the ticket already holds every value the write sets (the write
   * landed, its answer was lost), with the version it is at as our own; undefined when a person's
   * edit stands in the way (superseded).
   */
  async alreadyHolds(nativeId: string, fields: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult | undefined> {
    const current = await readTicketState(this.rest, nativeId, signal);
    if (current === null) return undefined;
    const holds = Object.entries(fields).every(([key, value]) => JSON.stringify((current as Record<string, unknown>)[key] ?? null) === JSON.stringify(value ?? null));
    if (!holds) return undefined;
    const version = ticketVersion(current);
    this.own.note(nativeId, version);
    return { outcome: 'unchanged', ref: nativeId, ownVersion: version };
  }
}

/** What an id attribute held before the update, by the audit's Change event; unchanged: the current value. */
function previousId(changes: readonly ChangeEvent[], field: string, current: unknown): number | null {
  const change = changes.find((event) => event.field === field);
  const value = change === undefined ? current : change.previous;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}
