import type { PreviousValues, WriteRequest, WriteResult } from '../../types.js';
import type { JiraGroups } from '../groups.js';
import { readCurrent, type CurrentIssue, type OwnWrites } from '../own-writes.js';
import type { JiraRest } from '../rest.js';
import type { JiraWrite } from '../schema.js';
import type { Session } from '../session.js';
import type { JiraUsers } from '../users.js';
import { currentIssueOf } from '../versions.js';
import { describeTransitions, listTransitions } from './transitions.js';

/** `assign` and `set-field`: field updates and status transitions on the ticket itself. */
export class FieldWriter {
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;
  private readonly groups: JiraGroups;
  private readonly users: JiraUsers;

  constructor(rest: JiraRest, ownWrites: OwnWrites, groups: JiraGroups, users: JiraUsers) {
    this.rest = rest;
    this.ownWrites = ownWrites;
    this.groups = groups;
    this.users = users;
  }

  async assign(nativeId: string, request: WriteRequest, write: JiraWrite, session: Session, signal: AbortSignal | undefined): Promise<WriteResult> {
    const fields = await this.assignFields(write, signal);
    return this.update(nativeId, request, fields, session, signal, { recordAssignment: true });
  }

  /** The fields an assign writes: the group in its field's shape, the assignee by accountId / username. */
  async assignFields(write: JiraWrite, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    const fields = await this.groups.withGroup(write.fields, write.group, signal);
    if (write.assignee !== undefined) {
      fields.assignee = write.assignee === null ? null : { [this.rest.flavour.userKey]: await this.users.resolve(write.assignee, signal) };
    }
    return fields;
  }

  /**
   * The issue as the read-before-overwrite check sees it: the executor's batched read when it
   * handed one (readVersions), else `GET /issue/{id}` (with the assignee and group field for an assign).
   */
  current(nativeId: string, request: WriteRequest, signal: AbortSignal | undefined, recordAssignment: boolean): Promise<CurrentIssue> {
    if (request.current !== undefined) return Promise.resolve(currentIssueOf(request.current));
    return readCurrent(this.rest, nativeId, signal, recordAssignment ? ['assignee', this.rest.groupFieldId()] : []);
  }

  /** What an assign replaces (for `deskbridge revert`), from what the check read. */
  previousOf(current: CurrentIssue): PreviousValues {
    return { group: groupName(current.fields[this.rest.groupFieldId()]), assignee: userName(current.fields.assignee) };
  }

  /**
   * Read-before-overwrite, then one PUT; setting the same values twice leaves the same issue.
   * `recordAssignment`: the read also takes the group field and assignee, and the result says what
   * they were (for `deskbridge revert`).
   */
  async update(
    nativeId: string,
    request: WriteRequest,
    fields: Record<string, unknown>,
    session: Session,
    signal: AbortSignal | undefined,
    options: { recordAssignment?: boolean } = {},
  ): Promise<WriteResult> {
    if (Object.keys(fields).length === 0) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    const { rest } = this;
    const current = await this.current(nativeId, request, signal, options.recordAssignment === true);
    if (this.ownWrites.changedByOthers(nativeId, current, request.planned.target.version, session, rest.flavour.userKey)) {
      return { outcome: 'superseded', ref: nativeId };
    }
    await rest.request({
      method: 'PUT',
      url: `${rest.api}/issue/${nativeId}`,
      data: { fields: rest.flavour.richTextFields(fields) },
      operation: 'update',
      signal,
    });
    this.ownWrites.noteWrite(nativeId);
    if (!options.recordAssignment) return { outcome: 'updated', ref: nativeId };
    return { outcome: 'updated', ref: nativeId, previous: this.previousOf(current) };
  }

  /** Status changes go through the workflow: the transition is found by its name or its target status. */
  async transition(nativeId: string, request: WriteRequest, target: string, fields: Record<string, unknown> | undefined, session: Session, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    const current = await this.current(nativeId, request, signal, false);
    const wanted = target.toLowerCase();
    if (current.status?.toLowerCase() === wanted) {
      return { outcome: 'unchanged', ref: nativeId };
    }
    if (this.ownWrites.changedByOthers(nativeId, current, request.planned.target.version, session, rest.flavour.userKey)) {
      return { outcome: 'superseded', ref: nativeId };
    }
    const transitions = await listTransitions(rest, nativeId, signal);
    const byName = transitions.filter((t) => t.name.toLowerCase() === wanted);
    const chosen = (byName.length > 0 ? byName : transitions.filter((t) => t.to?.name.toLowerCase() === wanted))[0];
    if (chosen === undefined) {
      throw rest.badRequest(
        `No transition named or leading to "${target}" from status "${current.status ?? '?'}" on issue ${nativeId} (available: ${describeTransitions(transitions)})`,
        'Use a transition or status name of the issue\'s workflow; the integration user also needs "Transition issues"',
      );
    }
    // Not re-sent after an unclear failure: the outbox retries the whole step, status check first.
    await rest.request({
      method: 'POST',
      url: `${rest.api}/issue/${nativeId}/transitions`,
      data: { transition: { id: chosen.id }, ...(fields === undefined ? {} : { fields: rest.flavour.richTextFields(fields) }) },
      operation: 'transition',
      signal,
    });
    this.ownWrites.noteWrite(nativeId);
    return { outcome: 'updated', ref: nativeId };
  }
}

/**
 * The group a group field holds, by the name an assign writes: an option's `value`, a group's
 * `name`, a component's `name`, text as it is (a Team field: its id); the first of a list; null when empty.
 */
export function groupName(raw: unknown): string | null {
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first === 'string') return first === '' ? null : first;
  if (typeof first !== 'object' || first === null) return null;
  for (const key of ['value', 'name'] as const) {
    const value: unknown = (first as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

/** An assignee by display name (what an assign names), null when unassigned. */
function userName(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const name: unknown = (raw as Record<string, unknown>)['displayName'];
  return typeof name === 'string' && name !== '' ? name : null;
}
