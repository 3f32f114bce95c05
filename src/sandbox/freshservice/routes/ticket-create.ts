import { type FieldError, fieldError, readJsonObject, sendJson, validationFailed } from '../http.js';
import { rejectUnknownParams } from '../params.js';
import { renderTicket } from '../render.js';
import type { Call } from '../site.js';
import { readTicketPatch } from './ticket-update.js';

/**
 * POST /api/v2/tickets (https://api.freshservice.com/#create_ticket): a requester by
 * `requester_id` or `email` (one of them is mandatory; an agent may be the requester), `subject`,
 * `description`, `status` and `priority` mandatory; `workspace_id` picks the workspace (default the
 * primary one). Every other attribute is checked as Update checks it (ticket-update.ts), against
 * the workspace the ticket is created in. Answers 201 with the ticket as View a Ticket shows it.
 */

const MANDATORY = ['subject', 'description', 'status', 'priority'];

export async function createTicket(call: Call): Promise<void> {
  const { req, res, site, url, entry } = call;
  rejectUnknownParams(url.searchParams, []);
  const store = site.store;
  const body = await readJsonObject(req);
  entry.body = body;
  const errors: FieldError[] = [];
  for (const name of MANDATORY) if (body[name] === undefined) errors.push(fieldError(name, 'missing_field', 'It should be a mandatory field'));
  const { requester_id: requesterId, email, workspace_id: workspaceValue, ...rest } = body;
  let requester: number | undefined;
  if (requesterId === undefined && email === undefined) errors.push(fieldError('requester_id', 'missing_field', 'Please fill at least 1 of requester_id, email, phone fields'));
  else if (requesterId !== undefined) {
    if (typeof requesterId !== 'number' || !store.userExists(requesterId)) errors.push(fieldError('requester_id', 'invalid_value', 'There is no contact matching the given requester_id'));
    else requester = requesterId;
  } else {
    const user = typeof email === 'string' ? (store.requesterByEmail(email) ?? store.agentByEmail(email)) : undefined;
    if (!user) errors.push(fieldError('email', 'invalid_value', 'There is no contact matching the given email'));
    else requester = user.id;
  }
  let workspaceId = store.primaryWorkspace().id;
  if (workspaceValue !== undefined) {
    if (typeof workspaceValue !== 'number' || store.workspace(workspaceValue) === undefined)
      errors.push(fieldError('workspace_id', 'invalid_value', 'There is no workspace matching the given workspace_id'));
    else workspaceId = workspaceValue;
  }
  if (errors.length > 0) throw validationFailed(errors);
  const patch = readTicketPatch(store, { workspace_id: workspaceId }, rest);
  const { subject, description, status, priority, urgency, impact, source, type, group_id, responder_id, category, sub_category, item_category, tags, ...later } = patch;
  const custom = (rest['custom_fields'] ?? undefined) as Record<string, unknown> | undefined;
  const created = store.createTicket({
    subject: subject ?? '',
    description: description ?? '',
    requester_id: requester ?? 0,
    workspace_id: workspaceId,
    status,
    priority,
    urgency,
    impact,
    source,
    type,
    group_id,
    responder_id,
    category,
    sub_category,
    item_category,
    tags,
    custom_fields: custom,
  });
  // What Create takes but the store sets after creation (due dates, a problem association).
  const { custom_fields: _custom, ...after } = later as typeof later & { custom_fields?: unknown };
  const ticket = Object.keys(after).length > 0 ? (store.updateTicket(created.id, after) ?? created) : created;
  sendJson(res, 201, { ticket: renderTicket(ticket) }, { ...call.headers, Location: `${site.baseUrl}/api/v2/tickets/${ticket.id}` });
}
