import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { OwnWrites } from '../own-writes.js';
import type { JiraRest } from '../rest.js';
import { JiraWrite } from '../schema.js';
import type { Session } from '../session.js';
import type { CommentWriter } from './comments.js';
import type { FieldWriter } from './fields.js';

/** What {@link GroupWriter} combines into one edit of the issue. */
export const GROUPABLE_ACTIONS: ReadonlySet<Action['type']> = new Set(['assign', 'set-field', 'comment']);

/** One edit: the fields to set and the comments to add, and per request what its result will be. */
interface Edit {
  fields: Record<string, unknown>;
  comments: { add: { body: unknown; properties?: unknown[] } }[];
  kinds: ('assign' | 'set-field' | 'set-nothing' | 'comment')[];
}

/**
 * Several writes of one plan to one issue as ONE `PUT /issue/{id}`: the assignment and field
 * changes in `fields`, the notes as `update.comment: [{add: {body}}]` (ADF on Cloud, wiki text on
 * Data Center) — Jira takes a comment "as part of editing an issue"
 * (https://developer.atlassian.com/server/jira/platform/jira-rest-api-example-add-comment-8946422;
 * Cloud: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
 * The edit applies as a whole or not at all, so the results are all-or-nothing too.
 *
 * Declines (undefined, nothing sent) whatever `apply` must do alone: a retry (its comment is looked
 * for by marker first), a status change (a transition, not an edit), an internal note on a customer
 * request (see CommentWriter.inEdit), a write the mapping got wrong (apply reports it), two writes
 * setting one field differently.
 */
export class GroupWriter {
  private readonly rest: JiraRest;
  private readonly ownWrites: OwnWrites;
  private readonly fieldWriter: FieldWriter;
  private readonly comments: CommentWriter;

  constructor(rest: JiraRest, ownWrites: OwnWrites, fieldWriter: FieldWriter, comments: CommentWriter) {
    this.rest = rest;
    this.ownWrites = ownWrites;
    this.fieldWriter = fieldWriter;
    this.comments = comments;
  }

  /** The requests as one edit, or undefined when they cannot go as one (checked before any request). */
  async plan(nativeId: string, requests: readonly WriteRequest[], signal: AbortSignal | undefined): Promise<Edit | undefined> {
    if (requests.some((request) => !request.firstAttempt)) return undefined;
    const edit: Edit = { fields: {}, comments: [], kinds: [] };
    const writes: { request: WriteRequest; write: JiraWrite }[] = [];
    for (const request of requests) {
      const parsed = JiraWrite.safeParse(request.fields);
      if (!parsed.success || !GROUPABLE_ACTIONS.has(request.action.type)) return undefined;
      writes.push({ request, write: parsed.data });
    }
    // Everything that can decline is checked before the look-ups an assign makes (user, team).
    const comments = new Map<WriteRequest, { add: { body: unknown; properties?: unknown[] } }>();
    for (const { request, write } of writes) {
      const { action } = request;
      if (action.type === 'set-field' && write.transition !== undefined) return undefined;
      if (action.type !== 'comment') continue;
      const comment = this.comments.inEdit(nativeId, action, request, write);
      if (comment === undefined) return undefined;
      comments.set(request, comment);
    }
    for (const { request, write } of writes) {
      const { action } = request;
      const comment = comments.get(request);
      if (comment !== undefined) {
        edit.comments.push(comment);
        edit.kinds.push('comment');
        continue;
      }
      let fields: Record<string, unknown>;
      try {
        fields = action.type === 'assign' ? await this.fieldWriter.assignFields(write, signal) : (write.fields ?? {});
      } catch {
        // A person or team Jira cannot find (or could not be asked): nothing was written, and
        // `apply` makes the same look-up and reports it for this write alone.
        return undefined;
      }
      for (const [name, value] of Object.entries(fields)) {
        if (name in edit.fields && JSON.stringify(edit.fields[name]) !== JSON.stringify(value)) return undefined;
        edit.fields[name] = value;
      }
      // apply answers `unchanged` for a set-field with nothing to set; so does the group.
      edit.kinds.push(action.type === 'assign' ? 'assign' : Object.keys(fields).length === 0 ? 'set-nothing' : 'set-field');
    }
    return edit;
  }

  /**
   * Sends the edit: read-before-overwrite first when it changes fields (from `requests[0].current`
   * when the executor read it, else a GET) — someone else's change since planning supersedes every
   * request — then the one PUT.
   */
  async send(nativeId: string, requests: readonly WriteRequest[], edit: Edit, session: Session, signal: AbortSignal | undefined): Promise<WriteResult[]> {
    const { rest } = this;
    const first = requests[0] as WriteRequest;
    const changesFields = Object.keys(edit.fields).length > 0;
    const current = changesFields ? await this.fieldWriter.current(nativeId, first, signal, edit.kinds.includes('assign')) : undefined;
    if (current !== undefined && this.ownWrites.changedByOthers(nativeId, current, first.planned.target.version, session, rest.flavour.userKey)) {
      return requests.map(() => ({ outcome: 'superseded', ref: nativeId }));
    }
    if (changesFields || edit.comments.length > 0) {
      await rest.request({
        method: 'PUT',
        url: `${rest.api}/issue/${nativeId}`,
        data: {
          ...(changesFields ? { fields: rest.flavour.richTextFields(edit.fields) } : {}),
          ...(edit.comments.length > 0 ? { update: { comment: edit.comments } } : {}),
        },
        // An edit that carries a comment appends: not re-sent after an unclear failure (the outbox
        // retries the whole group one by one, marker lookup first).
        idempotent: edit.comments.length === 0,
        operation: 'update',
        signal,
      });
      this.ownWrites.noteWrite(nativeId);
      // The edit answers 204 without the comment's time: ours is close enough for own-write recognition.
      if (edit.comments.length > 0) this.ownWrites.noteComment(nativeId, undefined);
    }
    const previous = current === undefined ? undefined : this.fieldWriter.previousOf(current);
    return edit.kinds.map((kind): WriteResult => {
      if (kind === 'comment') return { outcome: 'created', ref: nativeId };
      if (kind === 'set-nothing') return { outcome: 'unchanged', ref: nativeId };
      if (kind === 'assign') return { outcome: 'updated', ref: nativeId, previous };
      return { outcome: 'updated', ref: nativeId };
    });
  }
}
