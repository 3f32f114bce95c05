import { z } from 'zod';
import { newComments, oldestFirstSince, sinceMs } from '../comment-page.js';
import type { RecordComment } from '../types.js';
import type { ZendeskRest } from './rest.js';

/**
 * Reading the comments of several tickets for escalation sync (`Connector.readComments`).
 *
 * Zendesk has no cross-ticket comment list, so each ticket is read with "List Comments",
 * `GET /api/v2/tickets/{id}/comments.json?sort_order=asc&include=users&page[size]=100`
 * (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#list-comments):
 * `sort_order` asc is oldest first; `include=users` side-loads the authors
 * (https://developer.zendesk.com/documentation/ticketing/using-the-zendesk-api/side_loading/), so
 * their names come with the page instead of one request per author; cursor pagination
 * (`page[size]` at most 100, `meta.has_more`, `meta.after_cursor` → `page[after]`;
 * https://developer.zendesk.com/api-reference/introduction/pagination/). A comment's `public` is
 * false for an internal note; `plain_body` is the text without markup.
 */

/** Comments per request: the cursor pagination maximum. */
export const COMMENT_PAGE_SIZE = 100;

const Id = z.number().int().nonnegative();

const Comment = z.looseObject({
  id: Id,
  author_id: Id.nullish().catch(undefined),
  body: z.string().nullish(),
  plain_body: z.string().nullish(),
  public: z.boolean().catch(true),
  created_at: z.iso.datetime({ offset: true }),
});
type Comment = z.infer<typeof Comment>;

/** One page; comments are checked one by one, so one odd comment is not fatal. */
const CommentListPage = z.looseObject({
  comments: z.array(z.unknown()),
  users: z.array(z.looseObject({ id: Id, name: z.string().nullish() })).catch([]),
  meta: z.looseObject({ has_more: z.boolean().catch(false), after_cursor: z.string().nullish() }).optional(),
});

const TICKET_ID = /^\d+$/;

/**
 * The comments of `nativeIds` created at or after `since`, oldest first per ticket: one request per
 * ticket per 100 comments. A ticket Zendesk does not show (deleted, merged away) has none.
 * `integrationUser` is the agent deskbridge writes as (its id, from init): its comments are `own`.
 */
export async function readComments(
  rest: ZendeskRest,
  integrationUser: string | undefined,
  nativeIds: readonly string[],
  since: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Map<string, RecordComment[]>> {
  const ids = [...new Set(nativeIds)].filter((id) => TICKET_ID.test(id));
  const result = new Map<string, RecordComment[]>();
  const from = sinceMs(since, rest);
  for (const ticketId of ids) {
    const { comments, names } = await ticketComments(rest, ticketId, signal);
    const read = oldestFirstSince(comments, (comment) => Date.parse(comment.created_at), from).map(({ comment, at: ms }): RecordComment => {
      const authorId = comment.author_id === null || comment.author_id === undefined ? undefined : String(comment.author_id);
      return {
        id: String(comment.id),
        nativeId: ticketId,
        // A user the page did not side-load (deleted) keeps its id, as the inbound mapping names requesters.
        author: (authorId !== undefined ? names.get(authorId) : undefined) ?? authorId ?? '',
        createdAt: new Date(ms).toISOString(),
        body: comment.plain_body ?? comment.body ?? '',
        visibility: comment.public ? 'public' : 'internal',
        own: authorId !== undefined && authorId === integrationUser,
      };
    });
    if (read.length > 0) result.set(ticketId, read);
  }
  return result;
}

/** Every readable comment of one ticket and the names of their authors; none when the ticket is not there (404). */
async function ticketComments(rest: ZendeskRest, ticketId: string, signal: AbortSignal | undefined): Promise<{ comments: Comment[]; names: Map<string, string> }> {
  const comments: Comment[] = [];
  const names = new Map<string, string>();
  const seen = new Set<number>();
  let after: string | undefined;
  for (;;) {
    const response = await rest.request({
      method: 'GET',
      url: `/api/v2/tickets/${ticketId}/comments.json`,
      params: { sort_order: 'asc', include: 'users', 'page[size]': COMMENT_PAGE_SIZE, ...(after !== undefined ? { 'page[after]': after } : {}) },
      // Deleted or merged away since it was linked.
      acceptStatuses: [404],
      operation: 'comment-lookup',
      signal,
    });
    if (response.status === 404) return { comments, names };
    const page = rest.parse(CommentListPage, response.data, 'comment list');
    for (const user of page.users) if (user.name) names.set(String(user.id), user.name);
    comments.push(...newComments(page.comments, Comment, seen, (error) => rest.logger?.debug('Unreadable comment skipped', { source: rest.sourceId, ticket: ticketId, error })));
    const next = page.meta?.after_cursor ?? undefined;
    // A page that says more but gives no cursor (or an empty page) ends the read rather than looping.
    if (page.meta?.has_more !== true || next === undefined || next === after || page.comments.length === 0) return { comments, names };
    after = next;
  }
}
