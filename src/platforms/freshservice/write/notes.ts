import type { Action } from '../../../model/action.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import { ticketVersion } from '../record.js';
import { API, type FreshserviceRest, listPages } from '../rest.js';
import { ConversationList, type FreshserviceWrite, NoteResponse, TicketResponse } from '../schema.js';

/** A note's `created_at` and the ticket's `updated_at` it caused may differ by this much (seconds resolution, clocks of one request). */
const NOTE_BUMP_SLACK_MS = 2_000;

/**
 * Notes: `POST /api/v2/tickets/{id}/notes` with `private: true` (https://api.freshservice.com/#create_a_note).
 * The body carries the write's marker: a retry (an attempt that may have landed before a crash or
 * timeout) first looks for it in `GET /api/v2/tickets/{id}/conversations` and does not post twice.
 * A first attempt skips that look-up.
 *
 * A note moves the ticket's `updated_at`, and the note's response does not say to what, so one
 * `GET /api/v2/tickets/{id}` after it learns the version the note left (`ownVersion`). That read
 * is trusted only when the ticket's `updated_at` is no later than the note's own time (plus
 * slack): a later one is a person's edit, which must be judged, not taken for ours.
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
    const ownVersion = await this.versionAfter(nativeId, note.created_at, signal);
    return { outcome: 'created', ref: nativeId, ...(ownVersion !== undefined ? { ownVersion } : {}) };
  }

  private async posted(nativeId: string, marker: string, signal: AbortSignal | undefined): Promise<boolean> {
    for await (const response of listPages(this.rest, `${API}/tickets/${nativeId}/conversations`, { per_page: 100 }, 'comment-lookup', signal)) {
      const found = this.rest.parse(ConversationList, response.data, 'conversation list').conversations;
      if (found.some((conversation) => (conversation.body ?? '').includes(marker) || (conversation.body_text ?? '').includes(marker))) return true;
    }
    return false;
  }

  private async versionAfter(nativeId: string, noteCreatedAt: string | undefined, signal: AbortSignal | undefined): Promise<string | undefined> {
    const response = await this.rest.request({ method: 'GET', url: `${API}/tickets/${nativeId}`, operation: 'version-after-note', signal });
    const ticket = this.rest.parse(TicketResponse, response.data, `ticket ${nativeId}`).ticket;
    const updatedMs = Date.parse(ticket.updated_at);
    const noteMs = noteCreatedAt !== undefined ? Date.parse(noteCreatedAt) : Number.NaN;
    if (Number.isNaN(noteMs) || updatedMs > noteMs + NOTE_BUMP_SLACK_MS || updatedMs < noteMs - NOTE_BUMP_SLACK_MS) return undefined;
    const version = ticketVersion(ticket.updated_at);
    this.own.remember(nativeId, version);
    return version;
  }
}
