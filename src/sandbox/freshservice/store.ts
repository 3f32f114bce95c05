/**
 * The simulated Freshservice account's data: workspaces, agents, requesters, agent groups (with
 * members), tickets, their conversations (notes), and problems with the tickets associated to
 * them. Plain in-memory records; the HTTP layer validates requests and renders the wire shape.
 *
 * Tickets carry no "changed by" field, as in Freshservice: the only trace of a write is
 * `updated_at`, which moves on every change (and on every note added).
 */

export type TicketStatus = 2 | 3 | 4 | 5;

/** https://api.freshservice.com/#ticket_attributes ("Ticket Properties"). */
export const TICKET_STATUSES: Readonly<Record<TicketStatus, string>> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };
export const TICKET_PRIORITIES: Readonly<Record<number, string>> = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' };
/** Urgency and impact share one scale. */
export const URGENCY_LEVELS: Readonly<Record<number, string>> = { 1: 'Low', 2: 'Medium', 3: 'High' };
export const TICKET_SOURCES: Readonly<Record<number, string>> = {
  1: 'Email',
  2: 'Portal',
  3: 'Phone',
  4: 'Chat',
  5: 'Feedback widget',
  6: 'Yammer',
  7: 'AWS Cloudwatch',
  8: 'Pagerduty',
  9: 'Walkup',
  10: 'Slack',
  11: 'Chatbot',
  12: 'Workplace',
  13: 'Employee Onboarding',
  14: 'Alerts',
  15: 'MS Teams',
  18: 'Employee Offboarding',
};
/** Problem statuses and impact (https://api.freshservice.com/#problems). */
export const PROBLEM_STATUSES: Readonly<Record<number, string>> = { 1: 'Open', 2: 'Change Requested', 3: 'Closed' };
export const PROBLEM_IMPACTS: Readonly<Record<number, string>> = { 1: 'Low', 2: 'Medium', 3: 'High' };

export interface Workspace {
  id: number;
  name: string;
  description: string | null;
  /** The primary workspace answers every request that names no workspace. */
  primary: boolean;
  state: 'active' | 'inactive';
  created_at: number;
  updated_at: number;
}

export interface Agent {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  active: boolean;
  job_title: string | null;
  /** The key this agent's API calls authenticate with (Basic user name); null: no API access. */
  apiKey: string | null;
  created_at: number;
  updated_at: number;
}

export interface Requester {
  id: number;
  first_name: string;
  last_name: string;
  primary_email: string;
  active: boolean;
  created_at: number;
  updated_at: number;
}

export interface Group {
  id: number;
  name: string;
  description: string | null;
  workspace_id: number;
  /** Agent ids. */
  members: number[];
  observers: number[];
  leaders: number[];
  created_at: number;
  updated_at: number;
}

export interface StoredTicket {
  id: number;
  workspace_id: number;
  subject: string;
  /** HTML. */
  description: string;
  description_text: string;
  status: TicketStatus;
  priority: number;
  urgency: number;
  impact: number;
  source: number;
  type: 'Incident' | 'Service Request';
  requester_id: number;
  requested_for_id: number;
  responder_id: number | null;
  group_id: number | null;
  department_id: number | null;
  category: string | null;
  sub_category: string | null;
  item_category: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  due_by: number;
  fr_due_by: number;
  is_escalated: boolean;
  fr_escalated: boolean;
  spam: boolean;
  deleted: boolean;
  /** The problem this ticket is associated with (a ticket has at most one). */
  problem_id: number | null;
  created_at: number;
  updated_at: number;
  /** Stats (`include=stats`). */
  resolved_at: number | null;
  closed_at: number | null;
  first_responded_at: number | null;
}

export interface StoredConversation {
  id: number;
  ticket_id: number;
  user_id: number;
  /** HTML. */
  body: string;
  body_text: string;
  private: boolean;
  incoming: boolean;
  /** 2 = note (0 reply, 1 note? Freshservice lists notes with source 2 in its samples). */
  source: number;
  notify_emails: string[];
  created_at: number;
  updated_at: number;
}

export interface StoredProblem {
  id: number;
  workspace_id: number;
  subject: string;
  description: string;
  description_text: string;
  requester_id: number;
  agent_id: number | null;
  group_id: number | null;
  priority: number;
  status: number;
  impact: number;
  due_by: number;
  known_error: boolean;
  department_id: number | null;
  category: string | null;
  sub_category: string | null;
  item_category: string | null;
  custom_fields: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

export interface WorkspaceInput {
  name: string;
  description?: string | null;
  primary?: boolean;
}

export interface AgentInput {
  first_name: string;
  last_name: string;
  email: string;
  job_title?: string | null;
  apiKey?: string | null;
  active?: boolean;
}

export interface RequesterInput {
  first_name: string;
  last_name: string;
  primary_email: string;
}

export interface GroupInput {
  name: string;
  description?: string | null;
  /** Default: the primary workspace. */
  workspace_id?: number;
  members?: number[];
}

export interface CreateTicketInput {
  subject: string;
  /** HTML; plain text is wrapped in a div. */
  description: string;
  requester_id: number;
  workspace_id?: number;
  status?: TicketStatus;
  priority?: number;
  urgency?: number;
  impact?: number;
  source?: number;
  type?: 'Incident' | 'Service Request';
  group_id?: number | null;
  responder_id?: number | null;
  category?: string | null;
  sub_category?: string | null;
  item_category?: string | null;
  tags?: string[];
  custom_fields?: Record<string, unknown>;
  /** Default: the store's clock. Seeding back-dates tickets with this. */
  created_at?: number;
  updated_at?: number;
}

/** What a ticket update may change (the API's PUT body once validated). */
export type TicketPatch = Partial<
  Pick<
    StoredTicket,
    | 'subject'
    | 'description'
    | 'status'
    | 'priority'
    | 'urgency'
    | 'impact'
    | 'source'
    | 'type'
    | 'requester_id'
    | 'responder_id'
    | 'group_id'
    | 'department_id'
    | 'category'
    | 'sub_category'
    | 'item_category'
    | 'tags'
    | 'due_by'
    | 'fr_due_by'
    | 'problem_id'
  >
> & { custom_fields?: Record<string, unknown> };

export interface NoteInput {
  /** HTML. */
  body: string;
  private?: boolean;
  /** The agent (or requester) writing; default the first agent. */
  user_id?: number;
  notify_emails?: string[];
  incoming?: boolean;
}

export interface CreateProblemInput {
  subject: string;
  description: string;
  requester_id: number;
  due_by: number;
  priority: number;
  status: number;
  impact: number;
  workspace_id?: number;
  agent_id?: number | null;
  group_id?: number | null;
  known_error?: boolean;
  category?: string | null;
  sub_category?: string | null;
  item_category?: string | null;
  custom_fields?: Record<string, unknown>;
}

export type ProblemPatch = Partial<Omit<CreateProblemInput, 'workspace_id'>>;

export interface FreshserviceStoreOptions {
  now?: () => Date;
  /** Workspaces created with the store; default one primary workspace "IT". */
  workspaces?: readonly WorkspaceInput[];
  /** Custom ticket fields (snake-case names) the account defines; writes to others are refused. */
  customFields?: readonly CustomFieldDef[];
}

export interface CustomFieldDef {
  name: string;
  label: string;
  type: 'custom_text' | 'custom_paragraph' | 'custom_checkbox' | 'custom_number' | 'custom_dropdown' | 'custom_date';
  choices?: readonly string[];
}

/** Two custom fields every sandbox account has, so writes to custom_fields have something to hit. */
export const DEFAULT_CUSTOM_FIELDS: readonly CustomFieldDef[] = [
  { name: 'deskbridge_marker', label: 'Deskbridge marker', type: 'custom_text' },
  { name: 'affected_service', label: 'Affected service', type: 'custom_dropdown', choices: ['Email', 'VPN', 'ERP', 'Printing', 'Network', 'Other'] },
];

/** Plain text of an HTML fragment: tags dropped, the common entities decoded, whitespace collapsed. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

/** Text wrapped as Freshservice stores a plain description: `<div>…</div>`, HTML-escaped. */
export function textToHtml(text: string): string {
  if (/^\s*</.test(text)) return text;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<div>${escaped.replace(/\n/g, '<br>')}</div>`;
}

const HOUR = 3_600_000;
/** Resolution and first-response targets by priority, used for due_by / fr_due_by (a plausible default SLA). */
const SLA_HOURS: Readonly<Record<number, [resolve: number, firstResponse: number]>> = { 1: [72, 24], 2: [48, 8], 3: [24, 4], 4: [8, 1] };

export class FreshserviceStore {
  readonly now: () => Date;
  private readonly workspaceMap = new Map<number, Workspace>();
  private readonly agentMap = new Map<number, Agent>();
  private readonly requesterMap = new Map<number, Requester>();
  private readonly groupMap = new Map<number, Group>();
  private readonly ticketMap = new Map<number, StoredTicket>();
  private readonly conversationMap = new Map<number, StoredConversation>();
  private readonly problemMap = new Map<number, StoredProblem>();
  readonly customFields: readonly CustomFieldDef[];
  private nextWorkspaceId = 2;
  private nextUserId = 1_000_000_001;
  private nextGroupId = 1_000_000_101;
  private nextTicketId = 1;
  private nextConversationId = 1_000_001_001;
  private nextProblemId = 1;

  constructor(options: FreshserviceStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.customFields = options.customFields ?? DEFAULT_CUSTOM_FIELDS;
    const workspaces = options.workspaces ?? [{ name: 'IT', primary: true }];
    for (const workspace of workspaces) this.addWorkspace(workspace);
    if (!this.primaryWorkspace()) throw new Error('A Freshservice account needs a primary workspace');
  }

  private clock(): number {
    // Freshservice timestamps have whole seconds; keep stored values on the same grid so that
    // what a client reads back compares equal to what the sandbox filters on.
    return Math.floor(this.now().getTime() / 1000) * 1000;
  }

  customFieldNames(): string[] {
    return this.customFields.map((f) => f.name);
  }

  // ---- workspaces ------------------------------------------------------------------------

  addWorkspace(input: WorkspaceInput): Workspace {
    const t = this.clock();
    // Freshservice numbers workspaces from 2 (1 is the global "account" scope); the primary
    // workspace is the first one created unless another is marked primary.
    const id = this.nextWorkspaceId++;
    const primary = input.primary ?? this.workspaceMap.size === 0;
    if (primary) for (const w of this.workspaceMap.values()) w.primary = false;
    const workspace: Workspace = { id, name: input.name, description: input.description ?? null, primary, state: 'active', created_at: t, updated_at: t };
    this.workspaceMap.set(id, workspace);
    return workspace;
  }

  workspaces(): Workspace[] {
    return [...this.workspaceMap.values()];
  }

  workspace(id: number): Workspace | undefined {
    return this.workspaceMap.get(id);
  }

  workspaceByName(name: string): Workspace | undefined {
    return this.workspaces().find((w) => w.name.toLowerCase() === name.toLowerCase());
  }

  primaryWorkspace(): Workspace {
    const primary = this.workspaces().find((w) => w.primary);
    if (!primary) throw new Error('No primary workspace');
    return primary;
  }

  // ---- people ----------------------------------------------------------------------------

  addAgent(input: AgentInput): Agent {
    const t = this.clock();
    const agent: Agent = {
      id: this.nextUserId++,
      first_name: input.first_name,
      last_name: input.last_name,
      email: input.email,
      active: input.active ?? true,
      job_title: input.job_title ?? null,
      apiKey: input.apiKey ?? null,
      created_at: t,
      updated_at: t,
    };
    this.agentMap.set(agent.id, agent);
    return agent;
  }

  agents(): Agent[] {
    return [...this.agentMap.values()];
  }

  agent(id: number): Agent | undefined {
    return this.agentMap.get(id);
  }

  agentByEmail(email: string): Agent | undefined {
    return this.agents().find((a) => a.email.toLowerCase() === email.toLowerCase());
  }

  /** The agent an API key belongs to (keys compare exactly). */
  agentByApiKey(key: string): Agent | undefined {
    return this.agents().find((a) => a.apiKey !== null && a.apiKey === key);
  }

  addRequester(input: RequesterInput): Requester {
    const t = this.clock();
    const requester: Requester = { id: this.nextUserId++, first_name: input.first_name, last_name: input.last_name, primary_email: input.primary_email, active: true, created_at: t, updated_at: t };
    this.requesterMap.set(requester.id, requester);
    return requester;
  }

  requesters(): Requester[] {
    return [...this.requesterMap.values()];
  }

  requester(id: number): Requester | undefined {
    return this.requesterMap.get(id);
  }

  requesterByEmail(email: string): Requester | undefined {
    return this.requesters().find((r) => r.primary_email.toLowerCase() === email.toLowerCase());
  }

  /** Agents are users too: a requester id may name either. */
  userExists(id: number): boolean {
    return this.requesterMap.has(id) || this.agentMap.has(id);
  }

  /** Agent group ids the agent is a member of (the agent API's `member_of`). */
  memberOf(agentId: number): number[] {
    return this.groups()
      .filter((g) => g.members.includes(agentId))
      .map((g) => g.id);
  }

  // ---- groups ----------------------------------------------------------------------------

  addGroup(input: GroupInput): Group {
    const t = this.clock();
    const workspaceId = input.workspace_id ?? this.primaryWorkspace().id;
    if (!this.workspaceMap.has(workspaceId)) throw new Error(`No workspace ${workspaceId}`);
    for (const member of input.members ?? []) if (!this.agentMap.has(member)) throw new Error(`No agent ${member}`);
    const group: Group = {
      id: this.nextGroupId++,
      name: input.name,
      description: input.description ?? null,
      workspace_id: workspaceId,
      members: [...(input.members ?? [])],
      observers: [],
      leaders: [],
      created_at: t,
      updated_at: t,
    };
    this.groupMap.set(group.id, group);
    return group;
  }

  addMember(groupId: number, agentId: number): void {
    const group = this.groupMap.get(groupId);
    if (!group) throw new Error(`No group ${groupId}`);
    if (!this.agentMap.has(agentId)) throw new Error(`No agent ${agentId}`);
    if (!group.members.includes(agentId)) group.members.push(agentId);
    group.updated_at = this.clock();
  }

  groups(): Group[] {
    return [...this.groupMap.values()];
  }

  group(id: number): Group | undefined {
    return this.groupMap.get(id);
  }

  /** By name, case-insensitive; within a workspace when one is given. */
  groupByName(name: string, workspaceId?: number): Group | undefined {
    return this.groups().find((g) => g.name.toLowerCase() === name.toLowerCase() && (workspaceId === undefined || g.workspace_id === workspaceId));
  }

  // ---- tickets ---------------------------------------------------------------------------

  createTicket(input: CreateTicketInput): StoredTicket {
    const t = this.clock();
    const createdAt = input.created_at ?? t;
    const priority = input.priority ?? 1;
    const [resolveHours, responseHours] = SLA_HOURS[priority] ?? [72, 24];
    const workspaceId = input.workspace_id ?? this.primaryWorkspace().id;
    if (!this.workspaceMap.has(workspaceId)) throw new Error(`No workspace ${workspaceId}`);
    if (!this.userExists(input.requester_id)) throw new Error(`No requester ${input.requester_id}`);
    const description = textToHtml(input.description);
    const ticket: StoredTicket = {
      id: this.nextTicketId++,
      workspace_id: workspaceId,
      subject: input.subject,
      description,
      description_text: htmlToText(description),
      status: input.status ?? 2,
      priority,
      urgency: input.urgency ?? 1,
      impact: input.impact ?? 1,
      source: input.source ?? 2,
      type: input.type ?? 'Incident',
      requester_id: input.requester_id,
      requested_for_id: input.requester_id,
      responder_id: input.responder_id ?? null,
      group_id: input.group_id ?? null,
      department_id: null,
      category: input.category ?? null,
      sub_category: input.sub_category ?? null,
      item_category: input.item_category ?? null,
      tags: [...(input.tags ?? [])],
      custom_fields: { ...Object.fromEntries(this.customFields.map((f) => [f.name, null])), ...(input.custom_fields ?? {}) },
      due_by: createdAt + resolveHours * HOUR,
      fr_due_by: createdAt + responseHours * HOUR,
      is_escalated: false,
      fr_escalated: false,
      spam: false,
      deleted: false,
      problem_id: null,
      created_at: createdAt,
      updated_at: input.updated_at ?? createdAt,
      resolved_at: null,
      closed_at: null,
      first_responded_at: null,
    };
    this.stampStatus(ticket, ticket.updated_at);
    this.ticketMap.set(ticket.id, ticket);
    return ticket;
  }

  ticket(id: number): StoredTicket | undefined {
    return this.ticketMap.get(id);
  }

  /** Every ticket, in id order (spam and deleted included). */
  tickets(): StoredTicket[] {
    return [...this.ticketMap.values()];
  }

  count(): number {
    return this.ticketMap.size;
  }

  /**
   * Applies a change, as the API or a person in the agent UI would: `updated_at` moves to the
   * store's clock when anything actually changed. Nothing records who changed it (Freshservice
   * tickets have no such field). Returns undefined for an unknown id.
   */
  updateTicket(id: number, patch: TicketPatch): StoredTicket | undefined {
    const ticket = this.ticketMap.get(id);
    if (!ticket) return undefined;
    let changed = false;
    const record = ticket as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (key === 'custom_fields') {
        const next = { ...ticket.custom_fields, ...(value as Record<string, unknown>) };
        if (JSON.stringify(next) !== JSON.stringify(ticket.custom_fields)) {
          ticket.custom_fields = next;
          changed = true;
        }
        continue;
      }
      if (key === 'description') {
        const html = textToHtml(String(value));
        if (html !== ticket.description) {
          ticket.description = html;
          ticket.description_text = htmlToText(html);
          changed = true;
        }
        continue;
      }
      if (JSON.stringify(record[key]) !== JSON.stringify(value)) {
        record[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
        changed = true;
      }
    }
    if (changed) {
      ticket.updated_at = Math.max(this.clock(), ticket.updated_at);
      this.stampStatus(ticket, ticket.updated_at);
    }
    return ticket;
  }

  /** Keeps the stats timestamps in step with the status. */
  private stampStatus(ticket: StoredTicket, at: number): void {
    if (ticket.status === 4 || ticket.status === 5) ticket.resolved_at ??= at;
    else ticket.resolved_at = null;
    if (ticket.status === 5) ticket.closed_at ??= at;
    else ticket.closed_at = null;
  }

  // ---- conversations ---------------------------------------------------------------------

  /** Adds a note; moves the ticket's `updated_at`. Undefined for an unknown ticket. */
  addNote(ticketId: number, input: NoteInput): StoredConversation | undefined {
    const ticket = this.ticketMap.get(ticketId);
    if (!ticket) return undefined;
    const t = this.clock();
    const userId = input.user_id ?? this.agents()[0]?.id ?? ticket.requester_id;
    const body = textToHtml(input.body);
    const note: StoredConversation = {
      id: this.nextConversationId++,
      ticket_id: ticketId,
      user_id: userId,
      body,
      body_text: htmlToText(body),
      private: input.private ?? true,
      incoming: input.incoming ?? false,
      source: 2,
      notify_emails: [...(input.notify_emails ?? [])],
      created_at: t,
      updated_at: t,
    };
    this.conversationMap.set(note.id, note);
    ticket.updated_at = Math.max(t, ticket.updated_at);
    if (this.agentMap.has(userId) && ticket.first_responded_at === null && !note.private) ticket.first_responded_at = t;
    return note;
  }

  /** A ticket's conversations (notes), oldest first. */
  conversations(ticketId: number): StoredConversation[] {
    return [...this.conversationMap.values()].filter((c) => c.ticket_id === ticketId).sort((a, b) => a.created_at - b.created_at || a.id - b.id);
  }

  /** Only the notes (every conversation the sandbox stores is a note). */
  notes(ticketId: number): StoredConversation[] {
    return this.conversations(ticketId);
  }

  // ---- problems --------------------------------------------------------------------------

  createProblem(input: CreateProblemInput): StoredProblem {
    const t = this.clock();
    const description = textToHtml(input.description);
    const problem: StoredProblem = {
      id: this.nextProblemId++,
      workspace_id: input.workspace_id ?? this.primaryWorkspace().id,
      subject: input.subject,
      description,
      description_text: htmlToText(description),
      requester_id: input.requester_id,
      agent_id: input.agent_id ?? null,
      group_id: input.group_id ?? null,
      priority: input.priority,
      status: input.status,
      impact: input.impact,
      due_by: input.due_by,
      known_error: input.known_error ?? false,
      department_id: null,
      category: input.category ?? null,
      sub_category: input.sub_category ?? null,
      item_category: input.item_category ?? null,
      custom_fields: { ...(input.custom_fields ?? {}) },
      created_at: t,
      updated_at: t,
    };
    this.problemMap.set(problem.id, problem);
    return problem;
  }

  problem(id: number): StoredProblem | undefined {
    return this.problemMap.get(id);
  }

  problems(): StoredProblem[] {
    return [...this.problemMap.values()];
  }

  updateProblem(id: number, patch: ProblemPatch): StoredProblem | undefined {
    const problem = this.problemMap.get(id);
    if (!problem) return undefined;
    let changed = false;
    const record = problem as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (key === 'description') {
        const html = textToHtml(String(value));
        if (html !== problem.description) {
          problem.description = html;
          problem.description_text = htmlToText(html);
          changed = true;
        }
        continue;
      }
      if (JSON.stringify(record[key]) !== JSON.stringify(value)) {
        record[key] = value;
        changed = true;
      }
    }
    if (changed) problem.updated_at = Math.max(this.clock(), problem.updated_at);
    return problem;
  }

  /** Associates a ticket with a problem (replacing any earlier problem); moves the ticket's `updated_at`. */
  associateTicket(ticketId: number, problemId: number | null): StoredTicket | undefined {
    if (problemId !== null && !this.problemMap.has(problemId)) throw new Error(`No problem ${problemId}`);
    return this.updateTicket(ticketId, { problem_id: problemId });
  }

  /** Tickets associated with a problem, in id order. */
  problemTickets(problemId: number): StoredTicket[] {
    return this.tickets().filter((t) => t.problem_id === problemId);
  }
}
