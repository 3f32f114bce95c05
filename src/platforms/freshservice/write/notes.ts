import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import { digestOf, stampOf, versionOf } from '../record.js';
import { API, type FreshserviceRest, listPages } from '../rest.js';
import { ConversationList, type FreshserviceWrite, NoteResponse } from '../schema.js';

/**
 * Notes: `POST /api/v2/tickets/{id}/notes` with `private: true` (https://api.freshservice.com/#create_a_note).
 * The body carries the write's marker: a retry (an attempt that may have landed before a crash or
 * timeout) first looks for it in `GET /api/v2/tickets/{id}/conversations` and does not post twice.
 * A first attempt skips that look-up.
 *
 * A note moves the ticket's `updated_at`. The note's response carries only the note, so the
 * version it left the ticket at (`ownVersion`) is inferred: the note's own `created_at` (the
 * ticket is stamped in the same request) with the digest of the ticket's fields as our last PUT
 * left them, or as the executor's version read found them (`request.current`), whichever is newer
 * — a note changes none of those fields. With neither, no `ownVersion`. No read after the note (it
 * cost a request per note). Should the inference be wrong (Freshservice stamps the ticket a second
 * apart, or someone changed a field since), the only cost is that the next pass sees the ticket as
 * changed and evaluates the rules on it again (which find it routed): own versions are kept as a
 * set per ticket, so a wrong one never hides the PUT's.
 */
export class NoteWriter {
  private readonly rest: FreshserviceRest;
  private readonly own: OwnVersions;

  constructor(rest: FreshserviceRest, own: OwnVersions) {
    this.rest = rest;
    this.own = own;
  }

  /** Refused before any request: a note without its marker, or a public note for an internal comment. */
  check(nativeId: string, action: Extract<Action, { type: 'comment' }>, request: WriteRequest, write: FreshserviceWrite): string {
    const body = write.note;
    if (body === undefined || !body.includes(request.marker)) {
      throw this.rest.badRequest(
        `The note for ticket ${nativeId} does not contain the idempotency marker`,
        `The comment branch of ${this.rest.mappingFile()} must embed the marker in "note" so retries are recognised`,
      );
    }
    const isPrivate = write.private ?? action.visibility === 'internal';
    if (action.visibility === 'internal' && !isPrivate) {
      throw this.rest.badRequest(`An internal comment on ticket ${nativeId} would be posted as a public note`, `Set "private": true in the comment branch of ${this.rest.mappingFile()}`);
    }
    return body;
  }

  async ensure(nativeId: string, action: Extract<Action, { type: 'comment' }>, request: WriteRequest, write: FreshserviceWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const body = this.check(nativeId, action, request, write);
    if (!request.firstAttempt && (await this.posted(nativeId, request.marker, signal))) return { outcome: 'unchanged', ref: nativeId };
    // Not re-sent blindly on a timeout (POST): the outbox retries the whole step, look-up included.
    const response = await this.rest.request({
      method: 'POST',
      url: `${API}/tickets/${nativeId}/notes`,
      data: { body, private: write.private ?? action.visibility === 'internal' },
      operation: 'comment',
      signal,
    });
    const note = this.rest.parse(NoteResponse, response.data, 'note').conversation;
    const digest = note.created_at !== undefined ? this.contentDigest(nativeId, request) : undefined;
    const ownVersion = note.created_at !== undefined && digest !== undefined ? versionOf(note.created_at, digest) : undefined;
    if (ownVersion !== undefined) this.own.remember(nativeId, ownVersion);
    return { outcome: 'created', ref: nativeId, ...(ownVersion !== undefined ? { ownVersion } : {}) };
  }

  /**
   * The digest of the ticket's fields as last known: our own newest write's, the version read's, or
   * — when this process has neither (a note escalation sync posts on a ticket deskbridge never
   * PUT) — the version the note was planned from, whichever is newest. The planned one is as safe
   * as the others: if someone changed a field since, the ticket's real digest differs and the
   * inferred version matches nothing, so a later write of the plan still sees the change. Without
   * it, the set-field escalation sync plans with the note (copy resolved) would find the ticket
   * moved by our own note and report itself superseded.
   */
  private contentDigest(nativeId: string, request: WriteRequest): string | undefined {
    // ISO stamps order as strings; on a tie, our write (after the read) beats the read, which beats the plan.
    const newest = [this.own.latest(nativeId), request.current?.version, request.planned.target.version]
      .filter((version): version is string => version !== undefined && digestOf(version) !== undefined)
      .reduce<string | undefined>((best, version) => (best === undefined || stampOf(version) > stampOf(best) ? version : best), undefined);
    return newest !== undefined ? digestOf(newest) : undefined;
  }

  private async posted(nativeId: string, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
    for await (const response of listPages(this.rest, `${API}/tickets/${nativeId}/conversations`, { per_page: 100 }, 'comment-lookup', signal)) {
      const found = this.rest.parse(ConversationList, response.data, 'conversation list').conversations;
      if (found.some((conversation) => (conversation.body ?? '').includes(marker) || (conversation.body_text ?? '').includes(marker))) return true;
    }
    return false;
  }
}
