import { zendeskTime } from './http.js';
import type { GroupMembership, JobStatus, StoredAudit, StoredComment, StoredTicket, TicketField, ZendeskGroup, ZendeskStore, ZendeskUser } from './store.js';

/**
 * JSON shapes of the Ticketing API resources (https://developer.zendesk.com/api-reference/ticketing/
 * tickets/tickets/, …/users/users/, …/groups/groups/, …/group_memberships/, …/ticket_fields/,
 * …/ticket_comments/, …/ticket_audits/, …/job_statuses/), with `url`s on the sandbox's base URL.
 */

export function renderTicket(base: string, store: ZendeskStore, t: StoredTicket, options: { generated?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    url: `${base}/api/v2/tickets/${t.id}.json`,
    id: t.id,
    external_id: t.external_id,
    via: { channel: t.via_channel, source: { from: {}, to: {}, rel: null } },
    created_at: zendeskTime(t.created_at),
    updated_at: zendeskTime(t.updated_at),
    type: t.type,
    subject: t.subject,
    raw_subject: t.subject,
    description: t.description,
    priority: t.priority,
    status: t.deleted ? 'deleted' : t.status,
    recipient: null,
    requester_id: t.requester_id,
    submitter_id: t.submitter_id,
    assignee_id: t.assignee_id,
    organization_id: t.organization_id,
    group_id: t.group_id,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: t.problem_id,
    has_incidents: t.type === 'problem' && store.incidents(t.id).length > 0,
    is_public: store.comments(t.id).some((c) => c.public),
    due_at: null,
    tags: [...t.tags],
    custom_fields: t.custom_fields.map((f) => ({ ...f })),
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    fields: t.custom_fields.map((f) => ({ ...f })),
    followup_ids: [],
    ticket_form_id: null,
    brand_id: null,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
  if (options.generated) out['generated_timestamp'] = Math.floor(t.generated_at / 1000);
  return out;
}

export function renderUser(base: string, u: ZendeskUser): Record<string, unknown> {
  return {
    id: u.id,
    url: `${base}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: u.email,
    created_at: zendeskTime(u.created_at),
    updated_at: zendeskTime(u.updated_at),
    time_zone: u.time_zone,
    iana_time_zone: u.time_zone,
    locale: 'en-US',
    role: u.role,
    role_type: null,
    active: u.active,
    verified: true,
    suspended: u.suspended,
    default_group_id: u.default_group_id,
    organization_id: null,
    tags: [],
    restricted_agent: false,
    moderator: u.role !== 'end-user',
    ticket_restriction: u.role === 'end-user' ? 'requested' : null,
  };
}

export function renderGroup(base: string, g: ZendeskGroup): Record<string, unknown> {
  return {
    id: g.id,
    url: `${base}/api/v2/groups/${g.id}.json`,
    name: g.name,
    description: g.description,
    default: g.default,
    deleted: g.deleted,
    is_public: g.is_public,
    created_at: zendeskTime(g.created_at),
    updated_at: zendeskTime(g.updated_at),
  };
}

export function renderMembership(base: string, m: GroupMembership): Record<string, unknown> {
  return {
    id: m.id,
    url: `${base}/api/v2/group_memberships/${m.id}.json`,
    user_id: m.user_id,
    group_id: m.group_id,
    default: m.default,
    created_at: zendeskTime(m.created_at),
    updated_at: zendeskTime(m.updated_at),
  };
}

export function renderField(base: string, f: TicketField): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: f.id,
    url: `${base}/api/v2/ticket_fields/${f.id}.json`,
    type: f.type,
    title: f.title,
    raw_title: f.title,
    description: f.description,
    raw_description: f.description,
    position: f.position,
    active: f.active,
    required: f.required,
    collapsed_for_agents: false,
    regexp_for_validation: null,
    title_in_portal: f.title,
    visible_in_portal: false,
    editable_in_portal: false,
    required_in_portal: false,
    tag: null,
    removable: f.removable,
    created_at: zendeskTime(f.created_at),
    updated_at: zendeskTime(f.updated_at),
  };
  if (f.custom_field_options) out['custom_field_options'] = f.custom_field_options.map((o) => ({ ...o, raw_name: o.name, default: false }));
  return out;
}

export function renderComment(c: StoredComment): Record<string, unknown> {
  return {
    id: c.id,
    type: 'Comment',
    author_id: c.author_id,
    body: c.body,
    html_body: c.html_body,
    plain_body: c.plain_body,
    public: c.public,
    attachments: [],
    audit_id: c.audit_id,
    via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
    metadata: { system: {}, custom: {} },
    created_at: zendeskTime(c.created_at),
  };
}

export function renderAudit(a: StoredAudit): Record<string, unknown> {
  return {
    id: a.id,
    ticket_id: a.ticket_id,
    created_at: zendeskTime(a.created_at),
    author_id: a.author_id,
    metadata: { system: {}, custom: {} },
    via: { channel: a.via_channel, source: { from: {}, to: {}, rel: null } },
    events: a.events.map((e) => ({ ...e, attachments: e.type === 'Comment' ? [] : undefined })),
  };
}

export function renderJob(base: string, j: JobStatus): Record<string, unknown> {
  return { id: j.id, url: `${base}/api/v2/job_statuses/${j.id}.json`, job_type: j.job_type, total: j.total, progress: j.progress, status: j.status, message: j.message, results: j.results };
}
