import { z } from 'zod';
import { newComments, oldestFirstSince, sinceMs } from '../comment-page.js';
import type { RecordComment } from '../types.js';
import type { FreshserviceNames } from './names.js';
import { API, type FreshserviceRest, nextPageParams } from './rest.js';
import { FsTime } from './schema.js';
import type { Session } from './session.js';

/**
 * Reading the notes of several tickets for escalation sync (`Connector.readComments`).
 *
 * Freshservice has no cross-ticket conversation list, so each ticket is read with "List All
 * Conversations of a Ticket", `GET /api/v2/tickets/{id}/conversations?per_page=100`
 * (https://api.freshservice.com/#list_all_ticket_conversations), paged as every v2 list is: the
 * `Link: <…>; rel="next"` header names the next page while there is one
 * (https://api.freshservice.com/#pagination, `per_page` at most 100). A conversation is a note or
 * a reply: `private` true is a private note (internal), anything else the requester sees.
 */

export const CONVERSATION_PAGE_SIZE = 100;
/** A runaway guard: 100 pages of 100 notes on one ticket. */
const MAX_PAGES = 100;

const Conversation = z.looseObject({
  id: z.number().int(),
  user_id: z.number().int().nullish().catch(undefined),
  body_text: z.string().nullish(),
  body: z.string().nullish(),
  private: z.boolean().nullish().catch(undefined),
  created_at: FsTime,
});
type Conversation = z.infer<typeof Conversation>;
/** Conversations are checked one by one, so one odd entry is not fatal. */
const ConversationPage = z.looseObject({ conversations: z.array(z.unknown()) });

const TICKET_ID = /^\d+$/;

/**
 * The conversations of `nativeIds` created at or after `since`, oldest first per ticket: one
 * request per ticket per 100 conversations. A ticket Freshservice no longer shows (404) has none.
 */
export async function readComments(
  rest: FreshserviceRest,
  session: () => Promise<Session>,
  names: FreshserviceNames,
  nativeIds: readonly string[],
  since: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Map<string, RecordComment[]>> {
  const ids = [...new Set(nativeIds)].filter((id) => TICKET_ID.test(id));
  const result = new Map<string, RecordComment[]>();
  if (ids.length === 0) return result;
  const from = sinceMs(since, rest);
  // `own` is decided by the agent the API key belongs to (GET /agents/me, once per process).
  const { agentId } = await session();
  for (const ticketId of ids) {
    const read = oldestFirstSince(await ticketConversations(rest, ticketId, signal), (conversation) => Date.parse(conversation.created_at), from).map(({ comment, at }) =>
      toRecordComment(ticketId, comment, at, agentId, names),
    );
    if (read.length > 0) result.set(ticketId, read);
  }
  return result;
}

async function ticketConversations(rest: FreshserviceRest, ticketId: string, signal: AbortSignal | undefined): Promise<Conversation[]> {
  const out: Conversation[] = [];
  const seen = new Set<number>();
  let params: Record<string, string | number> | undefined = { per_page: CONVERSATION_PAGE_SIZE };
  for (let page = 0; params !== undefined && page < MAX_PAGES; page++) {
    const response = await rest.request({ method: 'GET', url: `${API}/tickets/${ticketId}/conversations`, params, acceptStatuses: [404], operation: 'comment-lookup', signal });
    // Deleted since it was linked, or out of the agent's sight.
    if (response.status === 404) return out;
    const raws = rest.parse(ConversationPage, response.data, 'conversation list').conversations;
    out.push(...newComments(raws, Conversation, seen, (error) => rest.logger?.debug('Unreadable conversation skipped', { source: rest.sourceId, ticket: ticketId, error })));
    params = nextPageParams(response.header('link'));
  }
  return out;
}

function toRecordComment(ticketId: string, conversation: Conversation, at: number, agentId: number, names: FreshserviceNames): RecordComment {
  const userId = conversation.user_id ?? undefined;
  return {
    id: String(conversation.id),
    nativeId: ticketId,
    // The agent directory is cached by the connector's other reads; a requester or an unread agent shows as its id.
    author: userId !== undefined ? (names.agent(userId) ?? `user ${userId}`) : '',
    createdAt: new Date(at).toISOString(),
    body: conversation.body_text ?? stripTags(conversation.body ?? ''),
    visibility: conversation.private === true ? 'internal' : 'public',
    own: userId !== undefined && userId === agentId,
  };
}

/** A conversation without `body_text` (older answers): its HTML as text. */
function stripTags(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
