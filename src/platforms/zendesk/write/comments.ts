import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import type { ZendeskRest } from '../rest.js';
import { CommentPage, type ZendeskWrite } from '../schema.js';
import { applied, notApplied } from './outcomes.js';
import { updateTicket } from './update.js';

type CommentAction = Extract<Action, { type: 'comment' }>;

/**
 * Comments go in as a ticket update (`comment: {body, public}`). A comment without `public: false`
 * is public and Zendesk e-mails it to the requester, so the connector always sends `public` and
 * refuses a mapping whose visibility differs from the action's.
 * https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/
 */
export class CommentWriter {
  private readonly rest: ZendeskRest;
  private readonly own: OwnVersions;

  constructor(rest: ZendeskRest, own: OwnVersions) {
    this.rest = rest;
    this.own = own;
  }

  /** Refuses, before any request, a comment a retry could not find or that would reach the wrong audience. */
  check(nativeId: string, visibility: CommentAction['visibility'], request: WriteRequest, write: ZendeskWrite): { body: string; public: boolean } {
    const comment = write.comment;
    if (comment === undefined || !comment.body.includes(request.marker)) {
      throw this.rest.badRequest(
        `The comment for ticket ${nativeId} does not contain the idempotency marker`,
        'mappings/zendesk.outbound.jsonata must embed the marker in comment.body so a retry finds the comment instead of posting it twice',
      );
    }
    if (comment.public !== (visibility === 'public')) {
      throw this.rest.badRequest(
        `A ${visibility} comment was mapped as ${comment.public ? 'public (Zendesk would e-mail it to the requester)' : 'internal'}`,
        'Fix the comment branch of mappings/zendesk.outbound.jsonata: "public" must be false for internal notes',
      );
    }
    return comment;
  }

  async ensure(nativeId: string, action: CommentAction, request: WriteRequest, write: ZendeskWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const comment = this.check(nativeId, action.visibility, request, write);
    return this.post(nativeId, comment, request, signal, {});
  }

  /**
   * Adds a comment (plus `extra` attributes) in one plain update: a note overwrites nothing, so no
   * collision check. Not re-sent after an unclear failure; the retry looks for the marker first.
   */
  async post(nativeId: string, comment: { body: string; public: boolean }, request: WriteRequest, signal: AbortSignal | undefined, extra: Record<string, unknown>): Promise<WriteResult> {
    if (!request.firstAttempt && (await this.hasComment(nativeId, request.marker, signal))) return { outcome: 'unchanged', ref: nativeId };
    const answer = await updateTicket(this.rest, nativeId, { ...extra, comment: { body: comment.body, public: comment.public } }, { idempotent: false, signal });
    const skipped = notApplied(answer, nativeId);
    if (skipped !== undefined || answer.kind !== 'updated') return skipped ?? { outcome: 'superseded', ref: nativeId };
    return { ...applied(answer, nativeId, this.own), outcome: 'created' };
  }

  /** Whether one of the ticket's newest 100 comments carries the marker. */
  private async hasComment(nativeId: string, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
    const response = await this.rest.request({
      method: 'GET',
      url: `/api/v2/tickets/${nativeId}/comments.json`,
      params: { sort_order: 'desc', per_page: 100 },
      acceptStatuses: [404],
      operation: 'comment-lookup',
      signal,
    });
    if (response.status === 404) return false;
    return this.rest.parse(CommentPage, response.data, 'comment list').comments.some((c) => (c.body ?? '').includes(marker));
  }
}
