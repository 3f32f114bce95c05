import type { Action } from '../../../model/action.js';
import { PlatformError } from '../../../http/errors.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import { plannedStamp } from '../record.js';
import type { ZendeskRest } from '../rest.js';
import type { ZendeskWrite } from '../schema.js';
import type { CommentWriter } from './comments.js';
import type { FieldWriter } from './fields.js';
import { notApplied } from './outcomes.js';
import { updateTicket } from './update.js';

/**
 * Writes that are only attributes of the ticket (and its one new comment) and so can share one
 * `PUT /api/v2/tickets/{id}`: Zendesk takes attributes and `comment` in the same update
 * (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket).
 */
export const ZENDESK_GROUPABLE: ReadonlySet<Action['type']> = new Set<Action['type']>(['assign', 'set-field', 'comment']);

/** One write of a group, with its mapping output already validated. */
export interface GroupedWrite {
  request: WriteRequest;
  write: ZendeskWrite;
}

/**
 * Several writes of one plan to one ticket as ONE update: the attributes of every assign and
 * set-field, plus the comment, with `safe_update` + the planned `updated_stamp` — so a person's
 * edit since planning still wins (409: every write `superseded`), exactly as each write alone.
 * Undefined, having sent nothing, when they cannot go as one: a retry (its earlier attempt must
 * be looked for by marker first, which `apply` does), two comments (an update carries one), two
 * writes setting one attribute differently, or a write `apply` would refuse before sending (an
 * unknown name, an assignee outside the group): alone, that one gets its own refusal.
 */
export class GroupWriter {
  private readonly rest: ZendeskRest;
  private readonly fields: FieldWriter;
  private readonly comments: CommentWriter;
  private readonly own: OwnVersions;

  constructor(rest: ZendeskRest, fields: FieldWriter, comments: CommentWriter, own: OwnVersions) {
    this.rest = rest;
    this.fields = fields;
    this.comments = comments;
    this.own = own;
  }

  async apply(nativeId: string, writes: readonly GroupedWrite[], signal: AbortSignal | undefined): Promise<WriteResult[] | undefined> {
    const first = writes[0];
    if (first === undefined || writes.some(({ request }) => !request.firstAttempt || !ZENDESK_GROUPABLE.has(request.action.type))) return undefined;
    const combined = await this.combine(nativeId, writes, signal);
    if (combined === undefined) return undefined;
    const { fields, comment, groupId } = combined;
    let answer;
    try {
      // Not re-sent by the HTTP client after an unclear failure: the comment would be posted twice.
      // The outbox retries each write alone, and the comment's retry looks for its marker first.
      answer = await updateTicket(this.rest, nativeId, { ...fields, ...(comment ? { comment } : {}) }, { stamp: plannedStamp(first.request.planned), idempotent: false, signal });
    } catch (error) {
      if (error instanceof PlatformError && error.status === 422) this.fields.forgetMembers(groupId);
      throw error;
    }
    if (answer.kind === 'conflict') return this.afterConflict(nativeId, writes, fields, signal);
    if (answer.kind !== 'updated') {
      const skipped = notApplied(answer, nativeId) ?? { outcome: 'superseded', ref: nativeId };
      return writes.map(() => ({ ...skipped }));
    }
    this.own.note(nativeId, answer.version);
    const ownVersion = answer.version;
    return writes.map(({ request }): WriteResult => {
      if (request.action.type === 'comment') return { outcome: 'created', ref: nativeId, ownVersion };
      if (request.action.type === 'assign') return { outcome: 'updated', ref: nativeId, previous: this.fields.previous(answer), ownVersion };
      return { outcome: 'updated', ref: nativeId, ownVersion };
    });
  }

  /** The one update the writes make together; undefined when they cannot go as one (see the class). */
  private async combine(
    nativeId: string,
    writes: readonly GroupedWrite[],
    signal: AbortSignal | undefined,
  ): Promise<{ fields: Record<string, unknown>; comment: { body: string; public: boolean } | undefined; groupId: number | null | undefined } | undefined> {
    const fields: Record<string, unknown> = {};
    let comment: { body: string; public: boolean } | undefined;
    let groupId: number | null | undefined;
    for (const { request, write } of writes) {
      const { action } = request;
      let own: Record<string, unknown>;
      try {
        this.fields.check(write);
        if (action.type === 'comment') {
          if (comment !== undefined) return undefined;
          const checked = this.comments.check(nativeId, action.visibility, request, write);
          comment = { body: checked.body, public: checked.public };
          continue;
        }
        if (action.type === 'assign') {
          const assignment = await this.fields.assignment(write, signal);
          own = assignment.fields;
          if (assignment.groupId !== undefined) groupId = assignment.groupId;
        } else own = { ...write.ticket };
      } catch (error) {
        // A refusal before sending: the write alone gets it (apply makes the same checks).
        if (error instanceof PlatformError && !error.retryable) return undefined;
        throw error;
      }
      for (const [key, value] of Object.entries(own)) {
        if (key in fields && JSON.stringify(fields[key]) !== JSON.stringify(value)) return undefined;
        fields[key] = value;
      }
    }
    // Nothing for the safe update to protect: each goes alone as before (a lone comment is a plain update).
    if (Object.keys(fields).length === 0) return undefined;
    return { fields, comment, groupId };
  }

  /**
   * A 409: someone changed the ticket since it was planned, so nothing of the update was applied.
   * As for a write alone, the ticket is read once: when it already holds every attribute (a person
   * made the same change, or an earlier plan's write did), the attribute writes are `unchanged` at
   * the version found and the comment goes on its own, as it would have one by one; otherwise
   * every write is `superseded`.
   */
  private async afterConflict(nativeId: string, writes: readonly GroupedWrite[], fields: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult[]> {
    const landed = await this.fields.alreadyHolds(nativeId, fields, signal);
    if (landed === undefined) return writes.map(() => ({ outcome: 'superseded', ref: nativeId }));
    const results: WriteResult[] = [];
    for (const { request, write } of writes) {
      if (request.action.type !== 'comment') {
        results.push({ ...landed });
        continue;
      }
      const comment = this.comments.check(nativeId, request.action.visibility, request, write);
      results.push(await this.comments.post(nativeId, comment, request, signal, {}));
    }
    return results;
  }
}
