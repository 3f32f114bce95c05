/**
 * The simulated Zendesk Support account's data: users (agents, admins, end users), groups and
 * their memberships, ticket fields, tickets with their comments and audits, and job statuses.
 * Validation follows the Tickets API reference and the native ticket rules
 * (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/,
 * https://support.zendesk.com/hc/en-us/articles/4408894213018-About-native-system-ticket-rules).
 * Times are epoch milliseconds here; the routes render them as Zendesk does (ISO 8601, seconds, Z).
 */

export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_TYPES = ['problem', 'incident', 'question', 'task'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
export type UserRole = 'end-user' | 'agent' | 'admin';

export interface ZendeskUser {
  id: number;
  name: string;
  email: string;
  role: UserRole;
  active: boolean;
  suspended: boolean;
  /** API token for Basic `{email}/token:{api_token}`; none means the user cannot call the API with a token. */
  apiToken?: string;
  default_group_id: number | null;
  time_zone: string;
  created_at: number;
  updated_at: number;
}

export interface ZendeskUserInput {
  name: string;
  email: string;
  role?: UserRole;
  apiToken?: string;
  active?: boolean;
  time_zone?: string;
  id?: number;
}

export interface ZendeskGroup {
  id: number;
  name: string;
  description: string;
  default: boolean;
  deleted: boolean;
  is_public: boolean;
  created_at: number;
  updated_at: number;
}

export interface GroupMembership {
  id: number;
  user_id: number;
  group_id: number;
  default: boolean;
  created_at: number;
  updated_at: number;
}

export interface TicketField {
  id: number;
  type: string;
  title: string;
  description: string;
  position: number;
  active: boolean;
  required: boolean;
  removable: boolean;
  /** Options of tagger (drop-down) fields. */
  custom_field_options?: { id: number; name: string; value: string }[];
  created_at: number;
  updated_at: number;
}

export interface CustomFieldValue {
  id: number;
  value: unknown;
}

export interface StoredTicket {
  id: number;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority | null;
  type: TicketType | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  group_id: number | null;
  organization_id: number | null;
  problem_id: number | null;
  external_id: string | null;
  tags: string[];
  custom_fields: CustomFieldValue[];
  created_at: number;
  /** Changes only with a ticket event (an audit). */
  updated_at: number;
  /** Changes with every update, system updates included; what the incremental export orders by. */
  generated_at: number;
  /** Monotonic change counter, breaks ties between changes in the same millisecond. */
  generation: number;
  /** Soft-deleted: gone from the API, still in the incremental export as status "deleted". */
  deleted: boolean;
  /** Set on the source tickets of a merge. */
  merged_into?: number;
  via_channel: string;
}

export interface StoredComment {
  id: number;
  ticket_id: number;
  audit_id: number;
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: number;
}

export interface AuditEvent {
  id: number;
  type: 'Create' | 'Change' | 'Comment';
  field_name?: string;
  value?: unknown;
  previous_value?: unknown;
  /** Comment events. */
  body?: string;
  html_body?: string;
  plain_body?: string;
  public?: boolean;
  author_id?: number;
}

export interface StoredAudit {
  id: number;
  ticket_id: number;
  author_id: number;
  created_at: number;
  via_channel: string;
  events: AuditEvent[];
}

export type JobState = 'queued' | 'working' | 'failed' | 'completed' | 'killed';

export interface JobStatus {
  id: string;
  job_type: string;
  status: JobState;
  total: number;
  progress: number;
  message: string | null;
  results: unknown[];
}

/** One field error of a 422 RecordInvalid answer: `details[field] = [{description, error}]`. */
export interface FieldError {
  field: string;
  description: string;
  error?: string;
}

/** A rejected write; the routes answer it with Zendesk's RecordInvalid body (or `status` when not 422). */
export class ZendeskValidationError extends Error {
  constructor(
    readonly errors: readonly FieldError[],
    readonly status = 422,
  ) {
    super(errors.map((e) => e.description).join('; '));
  }
}

export interface CommentInput {
  body?: string;
  html_body?: string;
  /** Absent means public (Tickets API: a comment is public unless `public: false`). */
  public?: boolean;
  author_id?: number;
}

/** What `POST /tickets` and `PUT /tickets/{id}` may set (the `ticket` object of the body). */
export interface TicketInput {
  subject?: string;
  status?: string;
  priority?: string | null;
  type?: string | null;
  requester_id?: number;
  assignee_id?: number | null;
  group_id?: number | null;
  problem_id?: number | null;
  external_id?: string | null;
  tags?: readonly string[];
  additional_tags?: readonly string[];
  remove_tags?: readonly string[];
  custom_fields?: readonly CustomFieldValue[];
  comment?: CommentInput;
}

export interface ZendeskStoreOptions {
  now?: () => Date;
  /** First ticket id; default 1. */
  firstTicketId?: number;
}

/** Normalises a tag the way Zendesk stores it: lower case, spaces become underscores. */
export function normaliseTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/\s+/g, '_');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function stripHtml(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

export class ZendeskStore {
  readonly now: () => Date;
  private readonly userMap = new Map<number, ZendeskUser>();
  private readonly groupMap = new Map<number, ZendeskGroup>();
  private readonly membershipMap = new Map<number, GroupMembership>();
  private readonly fieldMap = new Map<number, TicketField>();
  private readonly ticketMap = new Map<number, StoredTicket>();
  private readonly commentsByTicket = new Map<number, StoredComment[]>();
  private readonly auditsByTicket = new Map<number, StoredAudit[]>();
  private readonly jobs = new Map<string, JobStatus>();
  private nextUserId = 360_000_001;
  private nextGroupId = 360_100_001;
  private nextMembershipId = 360_200_001;
  private nextFieldId = 360_300_001;
  private nextTicketId: number;
  private nextCommentId = 1_000_001;
  private nextAuditId = 2_000_001;
  private nextEventId = 3_000_001;
  private nextJob = 1;
  private generation = 0;

  constructor(options: ZendeskStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.nextTicketId = options.firstTicketId ?? 1;
  }

  private ms(): number {
    return this.now().getTime();
  }

  // ---- people ----

  addUser(input: ZendeskUserInput): ZendeskUser {
    const t = this.ms();
    const id = input.id ?? this.nextUserId++;
    if (input.id !== undefined) this.nextUserId = Math.max(this.nextUserId, input.id + 1);
    const user: ZendeskUser = {
      id,
      name: input.name,
      email: input.email.toLowerCase(),
      role: input.role ?? 'agent',
      active: input.active ?? true,
      suspended: false,
      default_group_id: null,
      time_zone: input.time_zone ?? 'UTC',
      created_at: t,
      updated_at: t,
    };
    if (input.apiToken !== undefined) user.apiToken = input.apiToken;
    this.userMap.set(id, user);
    return user;
  }

  user(id: number): ZendeskUser | undefined {
    return this.userMap.get(id);
  }

  userByEmail(email: string): ZendeskUser | undefined {
    const wanted = email.toLowerCase();
    return [...this.userMap.values()].find((u) => u.email === wanted);
  }

  users(): ZendeskUser[] {
    return [...this.userMap.values()].sort((a, b) => a.id - b.id);
  }

  agents(): ZendeskUser[] {
    return this.users().filter((u) => u.role !== 'end-user');
  }

  addGroup(input: { name: string; description?: string; id?: number }): ZendeskGroup {
    const t = this.ms();
    const id = input.id ?? this.nextGroupId++;
    const group: ZendeskGroup = { id, name: input.name, description: input.description ?? '', default: this.groupMap.size === 0, deleted: false, is_public: true, created_at: t, updated_at: t };
    this.groupMap.set(id, group);
    return group;
  }

  group(id: number): ZendeskGroup | undefined {
    return this.groupMap.get(id);
  }

  groupByName(name: string): ZendeskGroup | undefined {
    return [...this.groupMap.values()].find((g) => g.name.toLowerCase() === name.toLowerCase());
  }

  groups(): ZendeskGroup[] {
    return [...this.groupMap.values()].filter((g) => !g.deleted).sort((a, b) => a.id - b.id);
  }

  /** Puts an agent in a group; the first group of an agent becomes their default. */
  addMembership(userId: number, groupId: number): GroupMembership {
    const user = this.userMap.get(userId);
    if (!user || user.role === 'end-user') throw new ZendeskValidationError([{ field: 'user', description: 'User: must be an agent' }]);
    if (!this.groupMap.has(groupId)) throw new ZendeskValidationError([{ field: 'group', description: 'Group: is invalid' }]);
    const existing = this.memberships().find((m) => m.user_id === userId && m.group_id === groupId);
    if (existing) return existing;
    const t = this.ms();
    const first = !this.memberships().some((m) => m.user_id === userId);
    const membership: GroupMembership = { id: this.nextMembershipId++, user_id: userId, group_id: groupId, default: first, created_at: t, updated_at: t };
    this.membershipMap.set(membership.id, membership);
    if (first) user.default_group_id = groupId;
    return membership;
  }

  removeMembership(userId: number, groupId: number): void {
    for (const m of this.membershipMap.values()) if (m.user_id === userId && m.group_id === groupId) this.membershipMap.delete(m.id);
  }

  memberships(): GroupMembership[] {
    return [...this.membershipMap.values()].sort((a, b) => a.id - b.id);
  }

  isMember(userId: number, groupId: number): boolean {
    return this.memberships().some((m) => m.user_id === userId && m.group_id === groupId);
  }

  addTicketField(input: { title: string; type: string; description?: string; required?: boolean; options?: readonly { name: string; value: string }[] }): TicketField {
    const t = this.ms();
    const field: TicketField = {
      id: this.nextFieldId++,
      type: input.type,
      title: input.title,
      description: input.description ?? '',
      position: this.fieldMap.size + 1,
      active: true,
      required: input.required ?? false,
      removable: !['subject', 'description', 'status', 'tickettype', 'priority', 'group', 'assignee'].includes(input.type),
      created_at: t,
      updated_at: t,
    };
    if (input.options) field.custom_field_options = input.options.map((o, i) => ({ id: field.id * 10 + i, name: o.name, value: o.value }));
    this.fieldMap.set(field.id, field);
    return field;
  }

  ticketFields(): TicketField[] {
    return [...this.fieldMap.values()].sort((a, b) => a.position - b.position);
  }

  // ---- tickets ----

  /** A live (not deleted) ticket. */
  ticket(id: number): StoredTicket | undefined {
    const t = this.ticketMap.get(id);
    return t && !t.deleted ? t : undefined;
  }

  /** Every ticket ever stored, deleted ones included (what the incremental export walks). */
  allTickets(): StoredTicket[] {
    return [...this.ticketMap.values()];
  }

  tickets(): StoredTicket[] {
    return this.allTickets().filter((t) => !t.deleted);
  }

  count(): number {
    return this.tickets().length;
  }

  comments(ticketId: number): StoredComment[] {
    return this.commentsByTicket.get(ticketId) ?? [];
  }

  audits(ticketId: number): StoredAudit[] {
    return this.auditsByTicket.get(ticketId) ?? [];
  }

  lastAudit(ticketId: number): StoredAudit | undefined {
    const list = this.audits(ticketId);
    return list[list.length - 1];
  }

  problems(): StoredTicket[] {
    return this.tickets().filter((t) => t.type === 'problem');
  }

  incidents(problemId: number): StoredTicket[] {
    return this.tickets().filter((t) => t.problem_id === problemId && t.type === 'incident');
  }

  /**
   * Creates a ticket as `authorId`. The first comment becomes the description; a ticket needs one
   * ("Description: cannot be blank"). `createdAt` backdates a seeded ticket.
   */
  createTicket(input: TicketInput, authorId: number, options: { createdAt?: number; via?: string } = {}): { ticket: StoredTicket; audit: StoredAudit } {
    const author = this.userMap.get(authorId);
    if (!author) throw new ZendeskValidationError([{ field: 'submitter', description: 'Submitter: is invalid' }]);
    const text = input.comment?.body ?? (input.comment?.html_body !== undefined ? stripHtml(input.comment.html_body) : '');
    if (text.trim() === '') throw new ZendeskValidationError([{ field: 'description', description: 'Description: cannot be blank', error: 'BlankValue' }]);
    const t = options.createdAt ?? this.ms();
    const ticket: StoredTicket = {
      id: this.nextTicketId++,
      subject: input.subject ?? text.split('\n')[0]?.slice(0, 150) ?? '',
      description: text,
      status: 'new',
      priority: null,
      type: null,
      requester_id: input.requester_id ?? authorId,
      submitter_id: authorId,
      assignee_id: null,
      group_id: null,
      organization_id: null,
      problem_id: null,
      external_id: null,
      tags: [],
      custom_fields: this.ticketFields()
        .filter((f) => f.removable)
        .map((f) => ({ id: f.id, value: null })),
      created_at: t,
      updated_at: t,
      generated_at: t,
      generation: ++this.generation,
      deleted: false,
      via_channel: options.via ?? 'api',
    };
    if (input.requester_id !== undefined && !this.userMap.has(input.requester_id)) {
      this.nextTicketId--;
      throw new ZendeskValidationError([{ field: 'requester', description: 'Requester: is invalid' }]);
    }
    const changes = this.validate(ticket, { ...input, comment: undefined }, true);
    if (changes.errors.length > 0) {
      this.nextTicketId--;
      throw new ZendeskValidationError(changes.errors);
    }
    Object.assign(ticket, changes.patch);
    if (ticket.assignee_id !== null && ticket.status === 'new') ticket.status = 'open';
    this.ticketMap.set(ticket.id, ticket);
    const audit = this.newAudit(ticket, authorId, t, options.via ?? 'api');
    audit.events.push({ id: this.nextEventId++, type: 'Create', field_name: 'subject', value: ticket.subject });
    for (const field of ['status', 'priority', 'type', 'group_id', 'assignee_id', 'requester_id', 'problem_id'] as const) {
      const value = ticket[field];
      if (value !== null) audit.events.push({ id: this.nextEventId++, type: 'Create', field_name: field, value: String(value) });
    }
    if (ticket.tags.length > 0) audit.events.push({ id: this.nextEventId++, type: 'Create', field_name: 'tags', value: [...ticket.tags] });
    this.addCommentEvent(ticket, audit, { ...input.comment, body: text }, authorId, t);
    return { ticket, audit };
  }

  /**
   * Updates a ticket as `authorId`: validates everything first (nothing changes on a 422), then
   * applies the changes, adds the comment, writes one audit and bumps updated_at. An update that
   * changes nothing leaves no audit and keeps updated_at (`audit: null`). Solving a problem solves
   * its incidents (each with its own audit by the same author).
   */
  updateTicket(id: number, input: TicketInput, authorId: number): { ticket: StoredTicket; audit: StoredAudit | null } {
    const ticket = this.ticket(id);
    if (!ticket) throw new ZendeskValidationError([{ field: 'base', description: 'Not found' }], 404);
    if (!this.userMap.has(authorId)) throw new ZendeskValidationError([{ field: 'author', description: 'Author: is invalid' }]);
    if (ticket.status === 'closed') {
      // Native rule: closed tickets cannot be updated (only deleted or followed up).
      throw new ZendeskValidationError([{ field: 'status', description: 'Status: closed prevents ticket update', error: 'ClosedPreventsUpdate' }]);
    }
    const { patch, errors } = this.validate(ticket, input, false);
    if (errors.length > 0) throw new ZendeskValidationError(errors);
    const t = this.ms();
    const audit = this.newAudit(ticket, authorId, t, 'api');
    const before = { ...ticket, tags: [...ticket.tags] };
    Object.assign(ticket, patch);
    // Native rule: a new ticket with an assignee is open.
    if (ticket.status === 'new' && ticket.assignee_id !== null) ticket.status = 'open';
    for (const field of ['subject', 'status', 'priority', 'type', 'group_id', 'assignee_id', 'requester_id', 'problem_id', 'external_id'] as const) {
      if (before[field] !== ticket[field]) {
        audit.events.push({
          id: this.nextEventId++,
          type: 'Change',
          field_name: field,
          value: ticket[field] === null ? null : String(ticket[field]),
          previous_value: before[field] === null ? null : String(before[field]),
        });
      }
    }
    if (before.tags.join(' ') !== ticket.tags.join(' ')) audit.events.push({ id: this.nextEventId++, type: 'Change', field_name: 'tags', value: [...ticket.tags], previous_value: before.tags });
    for (const cf of input.custom_fields ?? []) {
      const old = before.custom_fields.find((f) => f.id === cf.id)?.value ?? null;
      if (JSON.stringify(old) !== JSON.stringify(cf.value)) audit.events.push({ id: this.nextEventId++, type: 'Change', field_name: String(cf.id), value: cf.value, previous_value: old });
    }
    if (input.comment) this.addCommentEvent(ticket, audit, input.comment, authorId, t);
    if (audit.events.length === 0) {
      this.audits(ticket.id).pop();
      return { ticket, audit: null };
    }
    this.touch(ticket, t, true);
    if (ticket.type === 'problem' && ticket.status === 'solved' && before.status !== 'solved') this.solveIncidents(ticket, input.comment, authorId);
    return { ticket, audit };
  }

  /** {@link createTicket} as the user with this e-mail (tests: "a person creates a ticket"). */
  createTicketAs(email: string, input: TicketInput, options: { createdAt?: number; via?: string } = {}): StoredTicket {
    return this.createTicket(input, this.requireUser(email).id, options).ticket;
  }

  /** {@link updateTicket} as the user with this e-mail (tests: "a person edits the ticket"). */
  updateTicketAs(email: string, id: number, input: TicketInput): StoredTicket {
    return this.updateTicket(id, input, this.requireUser(email).id).ticket;
  }

  private requireUser(email: string): ZendeskUser {
    const user = this.userByEmail(email);
    if (!user) throw new Error(`No user ${email} in the Zendesk sandbox store`);
    return user;
  }

  /** Documented: solving a problem ticket solves its linked incidents, with the problem's solve comment. */
  private solveIncidents(problem: StoredTicket, comment: CommentInput | undefined, authorId: number): void {
    for (const incident of this.incidents(problem.id)) {
      if (incident.status === 'solved' || incident.status === 'closed') continue;
      const t = this.ms();
      const audit = this.newAudit(incident, authorId, t, 'api');
      audit.events.push({ id: this.nextEventId++, type: 'Change', field_name: 'status', value: 'solved', previous_value: incident.status });
      incident.status = 'solved';
      if (comment && (comment.body ?? comment.html_body)) this.addCommentEvent(incident, audit, comment, authorId, t);
      this.touch(incident, t, true);
    }
  }

  /**
   * Checks an update against the documented rules and returns the fields to set. Collects every
   * error, as Zendesk lists them all in `details`.
   */
  private validate(ticket: StoredTicket, input: TicketInput, creating: boolean): { patch: Partial<StoredTicket>; errors: FieldError[] } {
    const patch: Partial<StoredTicket> = {};
    const errors: FieldError[] = [];
    if (input.subject !== undefined) patch.subject = String(input.subject);
    if (input.status !== undefined) {
      if (!isOneOf(TICKET_STATUSES, input.status)) errors.push({ field: 'status', description: `Status: ${String(input.status)} is not a valid status` });
      else if (input.status === 'new' && !creating && ticket.status !== 'new') errors.push({ field: 'status', description: 'Status: cannot be set back to new' });
      else patch.status = input.status;
    }
    if (input.priority !== undefined) {
      if (input.priority === null || input.priority === '') {
        if (ticket.priority !== null) errors.push({ field: 'priority', description: 'Priority: cannot be reset to no priority' });
      } else if (!isOneOf(TICKET_PRIORITIES, input.priority)) errors.push({ field: 'priority', description: `Priority: ${String(input.priority)} is not a valid priority` });
      else patch.priority = input.priority;
    }
    if (input.type !== undefined) {
      if (input.type === null || input.type === '') patch.type = null;
      else if (!isOneOf(TICKET_TYPES, input.type)) errors.push({ field: 'type', description: `Type: ${String(input.type)} is not a valid type` });
      else patch.type = input.type;
    }
    if (input.requester_id !== undefined && !creating) {
      if (!this.userMap.has(input.requester_id)) errors.push({ field: 'requester', description: 'Requester: is invalid' });
      else patch.requester_id = input.requester_id;
    }
    if (input.external_id !== undefined) patch.external_id = input.external_id;
    let groupId = ticket.group_id;
    if (input.group_id !== undefined) {
      if (input.group_id === null) groupId = null;
      else if (!this.group(input.group_id) || this.group(input.group_id)?.deleted) errors.push({ field: 'group', description: 'Group: is invalid', error: 'InvalidValue' });
      else groupId = input.group_id;
      patch.group_id = groupId;
    }
    let assigneeId = ticket.assignee_id;
    if (input.assignee_id !== undefined) {
      if (input.assignee_id === null) assigneeId = null;
      else {
        const agent = this.userMap.get(input.assignee_id);
        if (!agent || agent.role === 'end-user' || !agent.active) errors.push({ field: 'assignee', description: 'Assignee: is invalid', error: 'InvalidValue' });
        else assigneeId = input.assignee_id;
      }
      patch.assignee_id = assigneeId;
      // An agent assigned without a group lands in their default group, as in Zendesk.
      if (input.group_id === undefined && assigneeId !== null && groupId === null) {
        groupId = this.userMap.get(assigneeId)?.default_group_id ?? null;
        patch.group_id = groupId;
      }
    }
    if (assigneeId !== null && groupId !== null && (input.assignee_id !== undefined || input.group_id !== undefined) && !this.isMember(assigneeId, groupId)) {
      errors.push({ field: 'assignee', description: 'Assignee: is not a member of the group', error: 'InvalidValue' });
    }
    const status = patch.status ?? ticket.status;
    if ((status === 'solved' || status === 'closed') && assigneeId === null && status !== ticket.status) {
      // Native rule: a ticket cannot be solved without an assignee.
      errors.push({ field: 'assignee', description: 'Assignee: is required when solving a ticket', error: 'BlankValue' });
    }
    const type = patch.type === undefined ? ticket.type : patch.type;
    if (input.problem_id !== undefined) {
      if (input.problem_id === null) patch.problem_id = null;
      else {
        const problem = this.ticket(input.problem_id);
        if (!problem || problem.type !== 'problem') errors.push({ field: 'problem_id', description: 'Problem: must be a ticket of type problem', error: 'InvalidValue' });
        else if (type !== 'incident') errors.push({ field: 'problem_id', description: 'Problem: can only be set on tickets of type incident', error: 'InvalidValue' });
        else if (problem.id === ticket.id) errors.push({ field: 'problem_id', description: 'Problem: cannot link a ticket to itself', error: 'InvalidValue' });
        else patch.problem_id = input.problem_id;
      }
    } else if (type !== 'incident' && ticket.problem_id !== null) {
      // Changing the type away from incident drops the link.
      patch.problem_id = null;
    }
    if (input.tags !== undefined || input.additional_tags !== undefined || input.remove_tags !== undefined) {
      let tags = input.tags !== undefined ? input.tags.map(normaliseTag) : [...ticket.tags];
      for (const tag of input.additional_tags ?? []) tags.push(normaliseTag(tag));
      const removed = new Set((input.remove_tags ?? []).map(normaliseTag));
      tags = [...new Set(tags.filter((tag) => tag !== '' && !removed.has(tag)))];
      patch.tags = tags;
    }
    if (input.custom_fields !== undefined) {
      const fields = ticket.custom_fields.map((f) => ({ ...f }));
      for (const cf of input.custom_fields) {
        const def = this.fieldMap.get(cf.id);
        if (!def) {
          errors.push({ field: String(cf.id), description: `Custom field ${cf.id}: is invalid`, error: 'InvalidValue' });
          continue;
        }
        if (def.type === 'integer' && cf.value !== null && cf.value !== '' && !/^-?\d+$/.test(String(cf.value))) {
          errors.push({ field: String(cf.id), description: `${def.title}: ${String(cf.value)} is not a number`, error: 'InvalidValue' });
          continue;
        }
        if (def.custom_field_options && cf.value !== null && !def.custom_field_options.some((o) => o.value === cf.value)) {
          errors.push({ field: String(cf.id), description: `${def.title}: ${String(cf.value)} is not a valid option`, error: 'InvalidValue' });
          continue;
        }
        const slot = fields.find((f) => f.id === cf.id);
        if (slot) slot.value = cf.value;
        else fields.push({ id: cf.id, value: cf.value });
      }
      patch.custom_fields = fields;
    }
    if (input.comment !== undefined) {
      const c = input.comment;
      if ((c.body === undefined || c.body.trim() === '') && (c.html_body === undefined || c.html_body.trim() === '')) {
        errors.push({ field: 'comment', description: 'Comment: cannot be blank', error: 'BlankValue' });
      }
    }
    return { patch, errors };
  }

  private newAudit(ticket: StoredTicket, authorId: number, t: number, via: string): StoredAudit {
    const audit: StoredAudit = { id: this.nextAuditId++, ticket_id: ticket.id, author_id: authorId, created_at: t, via_channel: via, events: [] };
    const list = this.auditsByTicket.get(ticket.id) ?? [];
    list.push(audit);
    this.auditsByTicket.set(ticket.id, list);
    return audit;
  }

  private addCommentEvent(ticket: StoredTicket, audit: StoredAudit, input: CommentInput, authorId: number, t: number): StoredComment {
    const html = input.html_body ?? `<div class="zd-comment" dir="auto">${escapeHtml(input.body ?? '').replace(/\n/g, '<br>')}</div>`;
    const plain = input.html_body !== undefined && input.body === undefined ? stripHtml(input.html_body) : (input.body ?? '');
    const comment: StoredComment = {
      id: this.nextCommentId++,
      ticket_id: ticket.id,
      audit_id: audit.id,
      author_id: input.author_id ?? authorId,
      body: plain,
      html_body: html,
      plain_body: plain,
      public: input.public !== false,
      created_at: t,
    };
    const list = this.commentsByTicket.get(ticket.id) ?? [];
    list.push(comment);
    this.commentsByTicket.set(ticket.id, list);
    audit.events.push({ id: comment.id, type: 'Comment', body: comment.body, html_body: comment.html_body, plain_body: comment.plain_body, public: comment.public, author_id: comment.author_id });
    return comment;
  }

  private touch(ticket: StoredTicket, t: number, event: boolean): void {
    if (event) ticket.updated_at = Math.max(t, ticket.updated_at);
    ticket.generated_at = Math.max(t, ticket.generated_at);
    ticket.generation = ++this.generation;
  }

  /**
   * A system update (e.g. an SLA recalculation): generated_timestamp moves, updated_at does not —
   * the documented reason the export can return tickets whose updated_at is before start_time.
   */
  systemUpdate(id: number): StoredTicket | undefined {
    const ticket = this.ticket(id);
    if (ticket) this.touch(ticket, this.ms(), false);
    return ticket;
  }

  /** Soft-deletes a ticket: 404 from the API, `status: "deleted"` in the incremental export. */
  deleteTicket(id: number): boolean {
    const ticket = this.ticket(id);
    if (!ticket) return false;
    ticket.deleted = true;
    this.touch(ticket, this.ms(), true);
    return true;
  }

  /**
   * Merges `sourceIds` into `targetId` as `authorId`: each source gets a (by default private)
   * comment and is closed; the target gets a comment naming the sources.
   */
  merge(targetId: number, sourceIds: readonly number[], authorId: number, comments: { target?: string; source?: string; targetPublic?: boolean; sourcePublic?: boolean } = {}): void {
    const target = this.ticket(targetId);
    if (!target) throw new ZendeskValidationError([{ field: 'base', description: 'Not found' }], 404);
    for (const id of sourceIds) {
      const source = this.ticket(id);
      if (!source) throw new ZendeskValidationError([{ field: 'ids', description: `Ticket ${id}: not found` }]);
      if (source.status === 'closed' || target.status === 'closed') throw new ZendeskValidationError([{ field: 'ids', description: 'Closed tickets cannot be merged' }]);
      if (id === targetId) throw new ZendeskValidationError([{ field: 'ids', description: 'A ticket cannot be merged into itself' }]);
    }
    for (const id of sourceIds) {
      const source = this.ticket(id);
      if (!source) continue;
      const t = this.ms();
      const audit = this.newAudit(source, authorId, t, 'merge');
      this.addCommentEvent(
        source,
        audit,
        { body: comments.source ?? `This request was closed and merged into request #${targetId} "${target.subject}".`, public: comments.sourcePublic ?? false },
        authorId,
        t,
      );
      audit.events.push({ id: this.nextEventId++, type: 'Change', field_name: 'status', value: 'closed', previous_value: source.status });
      source.status = 'closed';
      source.merged_into = targetId;
      // Zendesk tags merged-away tickets so they can be told apart from ones closed by hand.
      if (!source.tags.includes('closed_by_merge')) source.tags.push('closed_by_merge');
      this.touch(source, t, true);
    }
    const t = this.ms();
    const audit = this.newAudit(target, authorId, t, 'merge');
    const list = sourceIds.map((id) => `#${id}`).join(', ');
    this.addCommentEvent(target, audit, { body: comments.target ?? `Requests ${list} were closed and merged into this request.`, public: comments.targetPublic ?? false }, authorId, t);
    this.touch(target, t, true);
  }

  // ---- job statuses ----

  createJob(jobType: string, total: number): JobStatus {
    const job: JobStatus = { id: `V3-${(this.nextJob++).toString(16).padStart(8, '0')}`, job_type: jobType, status: 'queued', total, progress: 0, message: null, results: [] };
    this.jobs.set(job.id, job);
    return job;
  }

  job(id: string): JobStatus | undefined {
    return this.jobs.get(id);
  }
}
