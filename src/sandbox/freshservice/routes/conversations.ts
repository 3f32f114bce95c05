import { type FieldError, fieldError, readJsonObject, sendJson, validationFailed } from '../http.js';
import { nextLink, pageOf, readPaging, rejectUnknownParams } from '../params.js';
import { renderConversation } from '../render.js';
import type { Call } from '../site.js';
import { findTicket } from './tickets.js';

/**
 * Notes and conversations (https://api.freshservice.com/#create_note,
 * #list_all_ticket_conversations). A note's `body` (HTML) is mandatory; `private` defaults to
 * true. Adding a note moves the ticket's `updated_at`.
 */

const NOTE_FIELDS = ['body', 'private', 'notify_emails', 'incoming', 'user_id'];

export async function createNote(call: Call, idText: string): Promise<void> {
  const { req, res, site, entry, agent } = call;
  const ticket = findTicket(call, idText);
  const body = await readJsonObject(req);
  entry.body = body;
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) if (!NOTE_FIELDS.includes(key)) errors.push(fieldError(key, 'invalid_field', 'Unexpected/invalid field in request'));
  const text = body['body'];
  if (text === undefined) errors.push(fieldError('body', 'missing_field', 'It should be a/an String'));
  else if (typeof text !== 'string') errors.push(fieldError('body', 'datatype_mismatch', 'It should be a/an String'));
  else if (text.trim() === '') errors.push(fieldError('body', 'invalid_value', 'It should not be blank as this is a mandatory field'));
  const isPrivate = body['private'];
  if (isPrivate !== undefined && typeof isPrivate !== 'boolean') errors.push(fieldError('private', 'datatype_mismatch', 'It should be a/an Boolean'));
  const incoming = body['incoming'];
  if (incoming !== undefined && typeof incoming !== 'boolean') errors.push(fieldError('incoming', 'datatype_mismatch', 'It should be a/an Boolean'));
  const notify = body['notify_emails'];
  if (notify !== undefined && !(Array.isArray(notify) && notify.every((e) => typeof e === 'string' && e.includes('@')))) {
    errors.push(fieldError('notify_emails', 'invalid_value', 'It should be an array of valid email addresses'));
  }
  const userId = body['user_id'];
  if (userId !== undefined && !(typeof userId === 'number' && site.store.userExists(userId))) errors.push(fieldError('user_id', 'invalid_value', 'There is no user matching the given user_id'));
  if (errors.length > 0) throw validationFailed(errors);
  const note = site.store.addNote(ticket.id, {
    body: text as string,
    private: (isPrivate as boolean | undefined) ?? true,
    incoming: (incoming as boolean | undefined) ?? false,
    notify_emails: (notify as string[] | undefined) ?? [],
    user_id: (userId as number | undefined) ?? agent.id,
  });
  if (!note) throw validationFailed([]);
  sendJson(res, 201, { conversation: renderConversation(note) }, { ...call.headers, Location: `${site.baseUrl}/api/v2/tickets/${ticket.id}/conversations` });
}

export function listConversations(call: Call, idText: string): void {
  const { url, res, site } = call;
  rejectUnknownParams(url.searchParams, ['page', 'per_page']);
  const paging = readPaging(url.searchParams);
  const ticket = findTicket(call, idText);
  const all = site.store.conversations(ticket.id);
  const page = pageOf(all, paging);
  if (page.more) res.setHeader('Link', nextLink(site.baseUrl, url, paging));
  sendJson(res, 200, { conversations: page.items.map(renderConversation), meta: { count: all.length } }, call.headers);
}
