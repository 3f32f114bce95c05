import type { Action } from '../../../model/action.js';
import { tokenise } from '../../../similarity/index.js';
import type { WriteRequest, WriteResult } from '../../types.js';
import type { OwnVersions } from '../own-versions.js';
import type { ZendeskRest } from '../rest.js';
import { JobStatusResponse, TicketList, TicketState, type TicketState as State } from '../schema.js';
import { applied, notApplied } from './outcomes.js';
import { readTicketState, updateTicket } from './update.js';

type LinkDuplicate = Extract<Action, { type: 'link-duplicate' }>;

/** Tag Zendesk puts on a ticket it closed by merging it into another. */
const CLOSED_BY_MERGE = 'closed_by_merge';

/**
 * Links a duplicate as the source configures: a tag, a custom field holding the original's id, or
 * a merge. Merging is destructive (the duplicate is closed, its comments copied to the original)
 * and asynchronous (a job), so it happens only when configured and only when the two tickets'
 * texts are measured at least `minSimilarity` alike here, whatever the rule's own threshold was.
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#merge-tickets-into-target-ticket
 */
export class DuplicateLinker {
  private readonly rest: ZendeskRest;
  private readonly own: OwnVersions;

  constructor(rest: ZendeskRest, own: OwnVersions) {
    this.rest = rest;
    this.own = own;
  }

  check(nativeId: string, action: LinkDuplicate): void {
    if (!/^\d+$/.test(action.original.nativeId) || action.original.nativeId === nativeId) {
      throw this.rest.badRequest(`Ticket ${nativeId} cannot be linked as a duplicate of "${action.original.nativeId}"`, 'The original must be another Zendesk ticket id');
    }
  }

  async link(nativeId: string, action: LinkDuplicate, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const config = this.rest.source.duplicates;
    switch (config.link) {
      case 'tag':
        return this.tag(nativeId, config.tag, signal);
      case 'field':
        return this.field(nativeId, config.fieldId, action.original.nativeId, signal);
      case 'merge':
        return this.merge(nativeId, action, request, config.minSimilarity, config.tag, signal);
    }
  }

  /** `additional_tags` adds without replacing the ticket's tags, so it needs no collision check. */
  private async tag(nativeId: string, tag: string, signal: AbortSignal | undefined, reason?: string): Promise<WriteResult> {
    const answer = await updateTicket(this.rest, nativeId, { additional_tags: [tag] }, { idempotent: true, signal });
    return notApplied(answer, nativeId) ?? (answer.kind === 'updated' ? applied(answer, nativeId, this.own, reason === undefined ? {} : { reason }) : { outcome: 'superseded', ref: nativeId });
  }

  private async field(nativeId: string, fieldId: number, original: string, signal: AbortSignal | undefined): Promise<WriteResult> {
    const current = await readTicketState(this.rest, nativeId, signal);
    if (current === null) return { outcome: 'skipped', ref: nativeId, reason: 'the ticket was deleted' };
    const raw = current.custom_fields.find((f) => f.id === fieldId)?.value;
    const value = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : raw === undefined || raw === null ? '' : JSON.stringify(raw);
    if (value !== '') {
      return value === original ? { outcome: 'unchanged', ref: nativeId } : { outcome: 'skipped', ref: nativeId, reason: `custom field ${fieldId} already names ticket ${value}` };
    }
    const answer = await updateTicket(this.rest, nativeId, { custom_fields: [{ id: fieldId, value: original }] }, { stamp: current.updated_at, idempotent: true, signal });
    return notApplied(answer, nativeId) ?? (answer.kind === 'updated' ? applied(answer, nativeId, this.own) : { outcome: 'superseded', ref: nativeId });
  }

  private async merge(nativeId: string, action: LinkDuplicate, request: WriteRequest, minSimilarity: number, fallbackTag: string, signal: AbortSignal | undefined): Promise<WriteResult> {
    const original = action.original.nativeId;
    const response = await this.rest.request({ method: 'GET', url: '/api/v2/tickets/show_many.json', params: { ids: `${nativeId},${original}` }, operation: 'lookup', signal });
    const tickets = new Map<string, State>();
    for (const raw of this.rest.parse(TicketList, response.data, 'ticket list').tickets) {
      const ticket = TicketState.safeParse(raw);
      if (ticket.success) tickets.set(String(ticket.data.id), ticket.data);
    }
    const duplicate = tickets.get(nativeId);
    const target = tickets.get(original);
    if (duplicate === undefined || duplicate.status === 'deleted') return { outcome: 'skipped', ref: nativeId, reason: 'the ticket was deleted' };
    // An earlier attempt whose answer was lost: the merge job already ran.
    if (duplicate.tags.includes(CLOSED_BY_MERGE)) return { outcome: 'unchanged', ref: nativeId };
    if (target === undefined || target.status === 'closed' || target.status === 'deleted' || duplicate.status === 'closed') {
      return this.tag(nativeId, fallbackTag, signal, 'not merged: Zendesk cannot merge closed or deleted tickets; tagged instead');
    }
    const similarity = textSimilarity(duplicate, target);
    if (similarity < minSimilarity) {
      return this.tag(nativeId, fallbackTag, signal, `not merged: similarity ${similarity.toFixed(2)} is below duplicates.minSimilarity ${minSimilarity}; tagged instead`);
    }
    const note = `deskbridge merged ticket #${nativeId} into #${original} as a duplicate (text similarity ${similarity.toFixed(2)}). (${request.marker})`;
    const merged = await this.rest.request({
      method: 'POST',
      url: `/api/v2/tickets/${original}/merge.json`,
      data: { ids: [Number(nativeId)], target_comment: note, source_comment: note, target_comment_is_public: false, source_comment_is_public: false },
      operation: 'merge',
      signal,
    });
    const job = this.rest.parse(JobStatusResponse, merged.data, 'merge job status');
    return { outcome: 'updated', ref: nativeId, reason: `merge into #${original} queued as job ${job.job_status.id} (similarity ${similarity.toFixed(2)})` };
  }
}

/** Jaccard similarity of the two tickets' subject and description words (deskbridge's tokeniser). */
export function textSimilarity(a: Pick<State, 'subject' | 'description'>, b: Pick<State, 'subject' | 'description'>): number {
  const words = (t: Pick<State, 'subject' | 'description'>) => new Set(tokenise(`${t.subject ?? ''}\n${t.description ?? ''}`));
  const left = words(a);
  const right = words(b);
  if (left.size === 0 && right.size === 0) return 0;
  let shared = 0;
  for (const word of left) if (right.has(word)) shared++;
  return shared / (left.size + right.size - shared);
}
