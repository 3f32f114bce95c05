import { type FieldError, fieldError, notFound, readJsonObject, sendJson, validationFailed } from '../http.js';
import { nextLink, pageOf, readDateParam, readIncludes, readPaging, readWorkspaceParam, rejectUnknownParams } from '../params.js';
import { renderConversation, renderProblemEmbed, renderRequesterEmbed, renderStats, renderTicket } from '../render.js';
import type { Call } from '../site.js';
import type { StoredTicket } from '../store.js';
import { readTicketPatch } from './ticket-update.js';

/**
 * Tickets: list (https://api.freshservice.com/#view_all_ticket), view (#view_a_ticket), update
 * (#update_ticket). See readme.md for the listing order and its paging consequences.
 */

const DAY = 86_400_000;
const LIST_PARAMS = ['filter', 'requester_id', 'email', 'updated_since', 'type', 'workspace_id', 'order_type', 'include', 'page', 'per_page'];
const LIST_EMBEDS = ['stats', 'requester', 'requested_for'];
const LIST_FILTERS = ['new_and_my_open', 'watching', 'spam', 'deleted'];
export const SHOW_EMBEDS = ['conversations', 'requester', 'requested_for', 'stats', 'problem', 'tags'];

/** `?id` path segment as a ticket; 404 when there is none (deleted tickets still show). */
export function findTicket(call: Call, idText: string): StoredTicket {
  const ticket = /^\d+$/.test(idText) ? call.site.store.ticket(Number(idText)) : undefined;
  if (!ticket) throw notFound();
  return ticket;
}

/**
 * GET /api/v2/tickets. Documented: without `updated_since` only tickets created in the past 30
 * days; spam and deleted only through their filter; the primary workspace unless `workspace_id`
 * (0 = all workspaces); sort direction `order_type` (default desc). The sort field is not
 * selectable in Freshservice (no `order_by`, unlike Freshdesk); the documented sample lists
 * newest first, i.e. by created_at, which is what the sandbox sorts by (id breaking ties).
 */
export function listTickets(call: Call): void {
  const { site, url, res, agent } = call;
  const params = url.searchParams;
  rejectUnknownParams(params, LIST_PARAMS);
  const paging = readPaging(params);
  const includes = readIncludes(params, LIST_EMBEDS);
  const updatedSince = readDateParam(params, 'updated_since');
  const store = site.store;
  const workspaceId = readWorkspaceParam(params, store.primaryWorkspace().id, (id) => store.workspace(id) !== undefined);
  const errors: FieldError[] = [];
  const orderType = params.get('order_type') ?? 'desc';
  if (orderType !== 'asc' && orderType !== 'desc') errors.push(fieldError('order_type', 'invalid_value', "It should be one of these values: 'asc,desc'"));
  const filter = params.get('filter');
  if (filter !== null && !LIST_FILTERS.includes(filter)) errors.push(fieldError('filter', 'invalid_value', `It should be one of these values: '${LIST_FILTERS.join(',')}'`));
  const type = params.get('type');
  if (type !== null && type !== 'Incident' && type !== 'Service Request') errors.push(fieldError('type', 'invalid_value', "It should be one of these values: 'Incident,Service Request'"));
  const requesterText = params.get('requester_id');
  if (requesterText !== null && !/^\d+$/.test(requesterText)) errors.push(fieldError('requester_id', 'datatype_mismatch', 'It should be a/an Positive Integer'));
  if (errors.length > 0) throw validationFailed(errors);
  const email = params.get('email')?.toLowerCase();
  const requesterByEmail = email === undefined ? undefined : (store.requesterByEmail(email)?.id ?? store.agentByEmail(email)?.id ?? -1);
  const now = site.now().getTime();

  const matches = store.tickets().filter((t) => {
    if (workspaceId !== null && t.workspace_id !== workspaceId) return false;
    if (filter === 'spam') {
      if (!t.spam) return false;
    } else if (filter === 'deleted') {
      if (!t.deleted) return false;
    } else if (t.spam || t.deleted) return false;
    if (filter === 'new_and_my_open' && !(t.status === 2 && (t.responder_id === null || t.responder_id === agent.id))) return false;
    // The sandbox keeps no watchers: nobody watches anything.
    if (filter === 'watching') return false;
    if (updatedSince !== undefined) {
      if (t.updated_at < updatedSince) return false;
    } else if (t.created_at < now - 30 * DAY) return false;
    if (type !== null && t.type !== type) return false;
    if (requesterText !== null && t.requester_id !== Number(requesterText)) return false;
    if (requesterByEmail !== undefined && t.requester_id !== requesterByEmail) return false;
    return true;
  });
  const direction = orderType === 'asc' ? 1 : -1;
  matches.sort((a, b) => direction * (a.created_at - b.created_at || a.id - b.id));
  const page = pageOf(matches, paging);
  const tickets = page.items.map((t) => {
    const body = renderTicket(t, { list: true });
    // Across workspaces (workspace_id=0) only global fields come back: no custom fields.
    if (workspaceId === null) delete body['custom_fields'];
    if (includes.includes('stats')) body['stats'] = renderStats(t);
    if (includes.includes('requester')) body['requester'] = renderRequesterEmbed(store, t.requester_id);
    if (includes.includes('requested_for')) body['requested_for'] = renderRequesterEmbed(store, t.requested_for_id);
    return body;
  });
  if (page.more) res.setHeader('Link', nextLink(site.baseUrl, url, paging));
  sendJson(res, 200, { tickets }, call.headers);
}

/** GET /api/v2/tickets/{id}; `include=conversations` embeds up to ten, oldest first. */
export function showTicket(call: Call, idText: string): void {
  const { url, res, site } = call;
  rejectUnknownParams(url.searchParams, ['include']);
  const includes = readIncludes(url.searchParams, SHOW_EMBEDS);
  const ticket = findTicket(call, idText);
  const body = renderTicket(ticket);
  const store = site.store;
  if (includes.includes('conversations')) body['conversations'] = store.conversations(ticket.id).slice(0, 10).map(renderConversation);
  if (includes.includes('requester')) body['requester'] = renderRequesterEmbed(store, ticket.requester_id);
  if (includes.includes('requested_for')) body['requested_for'] = renderRequesterEmbed(store, ticket.requested_for_id);
  if (includes.includes('stats')) body['stats'] = renderStats(ticket);
  if (includes.includes('problem')) {
    const problem = ticket.problem_id === null ? undefined : store.problem(ticket.problem_id);
    body['problem'] = problem ? renderProblemEmbed(problem) : null;
  }
  sendJson(res, 200, { ticket: body }, call.headers);
}

/** PUT /api/v2/tickets/{id}. */
export async function updateTicket(call: Call, idText: string): Promise<void> {
  const { req, res, site, url, entry } = call;
  rejectUnknownParams(url.searchParams, ['bypass_mandatory']);
  const ticket = findTicket(call, idText);
  const body = await readJsonObject(req);
  entry.body = body;
  if (Object.keys(body).length === 0) throw validationFailed([{ message: 'Request body is empty', code: 'missing_field' }]);
  const patch = readTicketPatch(site.store, ticket, body);
  const updated = site.store.updateTicket(ticket.id, patch);
  if (!updated) throw notFound();
  const rendered = renderTicket(updated);
  if (patch.problem_id !== undefined && patch.problem_id !== null) {
    const problem = site.store.problem(patch.problem_id);
    if (problem) rendered['problem'] = renderProblemEmbed(problem);
  }
  sendJson(res, 200, { ticket: rendered }, call.headers);
}
