import type { Agent, FreshserviceStore, Group, Requester, StoredConversation, StoredProblem, StoredTicket, Workspace } from './store.js';
import { formatFreshserviceTimestamp as ts } from './time.js';

/**
 * Wire shapes, after the documented sample responses (https://api.freshservice.com/#view_a_ticket,
 * #list_all_tickets, #conversations, #problems, #agents, #requesters, #groups, #workspaces).
 * Blank fields are null rather than omitted (https://api.freshservice.com/#schema).
 */

function nullableTs(ms: number | null): string | null {
  return ms === null ? null : ts(ms);
}

/** A ticket as View a Ticket returns it; `list` drops what the list omits (tags, attachments). */
export function renderTicket(ticket: StoredTicket, options: { list?: boolean } = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    cc_emails: [],
    fwd_emails: [],
    reply_cc_emails: [],
    fr_escalated: ticket.fr_escalated,
    spam: ticket.spam,
    email_config_id: null,
    group_id: ticket.group_id,
    priority: ticket.priority,
    requester_id: ticket.requester_id,
    requested_for_id: ticket.requested_for_id,
    responder_id: ticket.responder_id,
    source: ticket.source,
    status: ticket.status,
    subject: ticket.subject,
    to_emails: null,
    department_id: ticket.department_id,
    id: ticket.id,
    type: ticket.type,
    due_by: ts(ticket.due_by),
    fr_due_by: ts(ticket.fr_due_by),
    is_escalated: ticket.is_escalated,
    description: ticket.description,
    description_text: ticket.description_text,
    category: ticket.category,
    sub_category: ticket.sub_category,
    item_category: ticket.item_category,
    custom_fields: { ...ticket.custom_fields },
    created_at: ts(ticket.created_at),
    updated_at: ts(ticket.updated_at),
    urgency: ticket.urgency,
    impact: ticket.impact,
    workspace_id: ticket.workspace_id,
    deleted: ticket.deleted,
  };
  if (!options.list) {
    body['tags'] = [...ticket.tags];
    body['attachments'] = [];
    body['resolution_notes'] = null;
    body['resolution_notes_html'] = null;
  }
  return body;
}

/** `include=stats`. */
export function renderStats(ticket: StoredTicket): Record<string, unknown> {
  return {
    resolved_at: nullableTs(ticket.resolved_at),
    closed_at: nullableTs(ticket.closed_at),
    first_responded_at: nullableTs(ticket.first_responded_at),
  };
}

/** `include=requester`: the requester's email, id, mobile, name and phone. */
export function renderRequesterEmbed(store: FreshserviceStore, userId: number): Record<string, unknown> | null {
  const requester = store.requester(userId);
  if (requester) return { email: requester.primary_email, id: requester.id, mobile: null, name: `${requester.first_name} ${requester.last_name}`, phone: null };
  const agent = store.agent(userId);
  if (agent) return { email: agent.email, id: agent.id, mobile: null, name: `${agent.first_name} ${agent.last_name}`, phone: null };
  return null;
}

export function renderConversation(note: StoredConversation): Record<string, unknown> {
  return {
    id: note.id,
    user_id: note.user_id,
    to_emails: [],
    body: note.body,
    body_text: note.body_text,
    ticket_id: note.ticket_id,
    created_at: ts(note.created_at),
    updated_at: ts(note.updated_at),
    incoming: note.incoming,
    private: note.private,
    support_email: null,
    source: note.source,
    from_email: null,
    cc_emails: [],
    bcc_emails: null,
    notify_emails: [...note.notify_emails],
    attachments: [],
  };
}

export function renderAgent(store: FreshserviceStore, agent: Agent): Record<string, unknown> {
  return {
    id: agent.id,
    first_name: agent.first_name,
    last_name: agent.last_name,
    email: agent.email,
    active: agent.active,
    occasional: false,
    job_title: agent.job_title,
    work_phone_number: null,
    mobile_phone_number: null,
    department_ids: [],
    reporting_manager_id: null,
    address: null,
    time_zone: 'Etc/UTC',
    time_format: '24h',
    language: 'en',
    location_id: null,
    scoreboard_level_id: null,
    member_of: store.memberOf(agent.id),
    observer_of: [],
    roles: [],
    last_login_at: null,
    last_active_at: null,
    has_logged_in: false,
    custom_fields: {},
    created_at: ts(agent.created_at),
    updated_at: ts(agent.updated_at),
  };
}

export function renderRequester(requester: Requester): Record<string, unknown> {
  return {
    id: requester.id,
    first_name: requester.first_name,
    last_name: requester.last_name,
    job_title: null,
    primary_email: requester.primary_email,
    secondary_emails: [],
    work_phone_number: null,
    mobile_phone_number: null,
    department_ids: [],
    active: requester.active,
    address: null,
    time_zone: 'Etc/UTC',
    language: 'en',
    location_id: null,
    background_information: null,
    custom_fields: {},
    has_logged_in: false,
    is_agent: false,
    created_at: ts(requester.created_at),
    updated_at: ts(requester.updated_at),
  };
}

export function renderGroup(group: Group): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    escalate_to: null,
    unassigned_for: null,
    business_hours_id: null,
    workspace_id: group.workspace_id,
    members: [...group.members],
    observers: [...group.observers],
    leaders: [...group.leaders],
    restricted: false,
    approval_required: false,
    auto_ticket_assign: false,
    created_at: ts(group.created_at),
    updated_at: ts(group.updated_at),
  };
}

export function renderWorkspace(workspace: Workspace): Record<string, unknown> {
  return {
    id: workspace.id,
    name: workspace.name,
    description: workspace.description,
    state: workspace.state,
    primary: workspace.primary,
    template_name: 'it',
    restricted: false,
    created_at: ts(workspace.created_at),
    updated_at: ts(workspace.updated_at),
  };
}

export function renderProblem(problem: StoredProblem): Record<string, unknown> {
  return {
    id: problem.id,
    agent_id: problem.agent_id,
    requester_id: problem.requester_id,
    group_id: problem.group_id,
    description: problem.description,
    description_text: problem.description_text,
    priority: problem.priority,
    status: problem.status,
    impact: problem.impact,
    known_error: problem.known_error,
    subject: problem.subject,
    due_by: ts(problem.due_by),
    department_id: problem.department_id,
    category: problem.category,
    sub_category: problem.sub_category,
    item_category: problem.item_category,
    created_at: ts(problem.created_at),
    updated_at: ts(problem.updated_at),
    associated_change: null,
    custom_fields: { ...problem.custom_fields },
    analysis_fields: {},
    workspace_id: problem.workspace_id,
    assets: [],
    attachments: [],
  };
}

/** The `problem` embed of a ticket (https://api.freshservice.com/#create_ticket_with_associations). */
export function renderProblemEmbed(problem: StoredProblem): Record<string, unknown> {
  return {
    subject: problem.subject,
    priority: problem.priority,
    status: problem.status,
    impact: problem.impact,
    due_by: ts(problem.due_by),
    display_id: problem.id,
    requester_id: problem.requester_id,
    owner_id: problem.agent_id,
    group_id: problem.group_id,
    change_id: null,
    deleted: false,
    known_error: problem.known_error,
    created_at: ts(problem.created_at),
    updated_at: ts(problem.updated_at),
    department_id: problem.department_id,
    email_config_id: null,
    category: problem.category,
    sub_category: problem.sub_category,
    item_category: problem.item_category,
  };
}
