/**
 * The sandbox site's configuration: statuses, workflow, priorities, resolutions, issue types,
 * link types, projects, teams and users. Ids follow Jira's out-of-box defaults where Atlassian
 * documents them (classic workflow statuses 1/3/4/5/6, transitions 2/3/4/5/301, status
 * categories 2/3/4); the rest are plausible stand-ins.
 */

export type JiraFlavour = 'cloud' | 'datacenter';

export interface StatusCategory {
  id: number;
  /** `new` (To Do), `indeterminate` (In Progress) or `done`. */
  key: 'new' | 'indeterminate' | 'done';
  name: string;
  colorName: string;
}

export const STATUS_CATEGORIES: readonly StatusCategory[] = [
  { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  { id: 3, key: 'done', name: 'Done', colorName: 'green' },
];

export interface StatusDef {
  id: string;
  name: string;
  category: StatusCategory['key'];
}

export const STATUSES: readonly StatusDef[] = [
  { id: '1', name: 'Open', category: 'new' },
  { id: '3', name: 'In Progress', category: 'indeterminate' },
  { id: '4', name: 'Reopened', category: 'new' },
  { id: '5', name: 'Resolved', category: 'done' },
  { id: '6', name: 'Closed', category: 'done' },
  // Apache's Jira has it; seeded Hadoop reports use it.
  { id: '10002', name: 'Patch Available', category: 'indeterminate' },
];

export interface TransitionDef {
  id: string;
  name: string;
  from: readonly string[];
  to: string;
  /** Sets a resolution (the one given in the transition's fields, else the flavour's default). */
  resolves?: boolean;
  /** Clears resolution and resolutiondate. */
  reopens?: boolean;
  /** Only issues of these types offer the transition (default: every type not in `exceptIssueTypes`). */
  issueTypes?: readonly string[];
  exceptIssueTypes?: readonly string[];
}

/** Whether an issue of this type offers the transition. */
export function transitionApplies(transition: TransitionDef, issueType: string): boolean {
  if (transition.issueTypes !== undefined && !transition.issueTypes.includes(issueType)) return false;
  return !(transition.exceptIssueTypes ?? []).includes(issueType);
}

/** Jira's classic workflow, reduced: Open → In Progress → Resolved → Closed, plus reopen. */
export const TRANSITIONS: readonly TransitionDef[] = [
  { id: '4', name: 'Start Progress', from: ['Open', 'Reopened'], to: 'In Progress' },
  { id: '301', name: 'Stop Progress', from: ['In Progress'], to: 'Open' },
  { id: '5', name: 'Resolve Issue', from: ['Open', 'In Progress', 'Reopened', 'Patch Available'], to: 'Resolved', resolves: true },
  {
    id: '2',
    name: 'Close Issue',
    from: ['Open', 'In Progress', 'Reopened', 'Resolved', 'Patch Available'],
    to: 'Closed',
    resolves: true,
  },
  { id: '3', name: 'Reopen Issue', from: ['Resolved', 'Closed'], to: 'Reopened', reopens: true, exceptIssueTypes: ['Problem'] },
  // Problems run a copy of the workflow whose way back from a done status is called plain "Reopen"
  // (a site's own problem workflow names it as it likes; deskbridge's problems.reopenTransition follows it).
  { id: '711', name: 'Reopen', from: ['Resolved', 'Closed'], to: 'Reopened', reopens: true, issueTypes: ['Problem'] },
];

export interface NamedDef {
  id: string;
  name: string;
}

/** Cloud's default priority scheme. */
export const CLOUD_PRIORITIES: readonly NamedDef[] = [
  { id: '1', name: 'Highest' },
  { id: '2', name: 'High' },
  { id: '3', name: 'Medium' },
  { id: '4', name: 'Low' },
  { id: '5', name: 'Lowest' },
];

/** Data Center's default priority scheme (also Apache's Jira). */
export const DATACENTER_PRIORITIES: readonly NamedDef[] = [
  { id: '1', name: 'Blocker' },
  { id: '2', name: 'Critical' },
  { id: '3', name: 'Major' },
  { id: '4', name: 'Minor' },
  { id: '5', name: 'Trivial' },
];

export function prioritiesFor(flavour: JiraFlavour): readonly NamedDef[] {
  return flavour === 'cloud' ? CLOUD_PRIORITIES : DATACENTER_PRIORITIES;
}

/** Resolution a resolving transition sets when the request names none. */
export function defaultResolution(flavour: JiraFlavour): string {
  return flavour === 'cloud' ? 'Done' : 'Fixed';
}

/** Data Center defaults (1–5) and Cloud defaults (10000+); seeding adds any others it meets. */
export const RESOLUTIONS: readonly NamedDef[] = [
  { id: '1', name: 'Fixed' },
  { id: '2', name: "Won't Fix" },
  { id: '3', name: 'Duplicate' },
  { id: '4', name: 'Incomplete' },
  { id: '5', name: 'Cannot Reproduce' },
  { id: '10000', name: 'Done' },
  { id: '10001', name: "Won't Do" },
];

export const ISSUE_TYPES: readonly (NamedDef & { subtask: false })[] = [
  { id: '1', name: 'Bug', subtask: false },
  { id: '3', name: 'Task', subtask: false },
  { id: '4', name: 'Improvement', subtask: false },
  { id: '10001', name: 'Incident', subtask: false },
  { id: '10002', name: 'Service Request', subtask: false },
  { id: '10003', name: 'Problem', subtask: false },
  { id: '10004', name: 'Change', subtask: false },
];

export interface LinkTypeDef {
  id: string;
  name: string;
  inward: string;
  outward: string;
}

/** Cloud's default link types plus Jira Service Management's Problem/Incident. */
export const LINK_TYPES: readonly LinkTypeDef[] = [
  { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' },
  { id: '10001', name: 'Cloners', inward: 'is cloned by', outward: 'clones' },
  { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' },
  { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' },
  { id: '10004', name: 'Problem/Incident', inward: 'is caused by', outward: 'causes' },
];

export interface ProjectDef {
  id: string;
  key: string;
  name: string;
  /** `service_desk` projects also answer on /rest/servicedeskapi. */
  projectTypeKey: 'service_desk' | 'software';
  issueTypes: readonly string[];
  components: readonly string[];
}

export const DEFAULT_PROJECTS: readonly ProjectDef[] = [
  {
    id: '10000',
    key: 'ITSM',
    name: 'IT Service Desk',
    projectTypeKey: 'service_desk',
    issueTypes: ['Incident', 'Service Request', 'Problem', 'Change', 'Task'],
    components: ['Network', 'Email', 'Hardware', 'Software', 'Access', 'Database'],
  },
  {
    id: '10001',
    key: 'PRB',
    name: 'Problem Management',
    projectTypeKey: 'service_desk',
    issueTypes: ['Problem'],
    components: ['Network', 'Email', 'Hardware', 'Software', 'Access', 'Database'],
  },
  {
    id: '10002',
    key: 'HADOOP',
    name: 'Hadoop Common',
    projectTypeKey: 'software',
    issueTypes: ['Bug', 'Improvement', 'Task'],
    components: [],
  },
];

/** Atlassian's Team field; the id differs per site, here it is the one Atlassian's docs use. */
export const TEAM_FIELD_ID = 'customfield_10001';
export const TEAM_FIELD_TYPE = 'com.atlassian.teams:rm-teams-custom-field-team';

export interface TeamDef {
  /** Team ids are UUIDs on Cloud. */
  id: string;
  name: string;
}

export const DEFAULT_TEAMS: readonly TeamDef[] = [
  { id: '36885b3c-1bf0-4f85-a357-c5b858c31de4', name: 'Network Operations' },
  { id: '9f1c2a7e-5b3d-4c8e-a2f1-7d6e5c4b3a21', name: 'Messaging' },
  { id: 'c4d5e6f7-0a1b-4c2d-9e3f-405162738495', name: 'End User Computing' },
  { id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', name: 'Service Desk' },
  { id: '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b', name: 'Database Team' },
];

export interface JiraUserInput {
  /** Cloud identity; generated from `name` when absent. */
  accountId?: string;
  /** Username (Data Center identity and Basic-auth login). */
  name: string;
  displayName: string;
  email: string;
  /** Data Center password; on Cloud the API token used with the email. */
  password: string;
  /** Cloud: API token, if different from `password`. */
  apiToken?: string;
  /** IANA zone; JQL dates are read in it. Default UTC. */
  timeZone?: string;
  /** Default true. */
  active?: boolean;
}

/** The integration user first, then agents and requesters. */
export const DEFAULT_USERS: readonly JiraUserInput[] = [
  {
    accountId: '557058:deskbridge',
    name: 'deskbridge',
    displayName: 'deskbridge bot',
    email: 'deskbridge@example.com',
    password: 'deskbridge',
    timeZone: 'UTC',
  },
  {
    accountId: '712020:2c9a3e1b-0d4f-4a6b-9c8e-1f2a3b4c5d6e',
    name: 'tbecker',
    displayName: 'Tom Becker',
    email: 'tom.becker@example.com',
    password: 'tom',
    timeZone: 'Europe/Berlin',
  },
  {
    accountId: '712020:5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
    name: 'aokafor',
    displayName: 'Ada Okafor',
    email: 'ada.okafor@example.com',
    password: 'ada',
    timeZone: 'Europe/London',
  },
  {
    accountId: '712020:8b9c0d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e',
    name: 'rsingh',
    displayName: 'Ravi Singh',
    email: 'ravi.singh@example.com',
    password: 'ravi',
    timeZone: 'Asia/Kolkata',
  },
  {
    accountId: '712020:0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a',
    name: 'mgarcia',
    displayName: 'Maria Garcia',
    email: 'maria.garcia@example.com',
    password: 'maria',
    timeZone: 'America/New_York',
  },
  {
    accountId: '712020:3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d',
    name: 'praman',
    displayName: 'Priya Raman',
    email: 'priya.raman@example.com',
    password: 'priya',
    timeZone: 'Europe/Berlin',
  },
  {
    accountId: '712020:6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a',
    name: 'mhale',
    displayName: 'Marcus Hale',
    email: 'marcus.hale@example.com',
    password: 'marcus',
    timeZone: 'Europe/London',
  },
  {
    accountId: '712020:9a0b1c2d-3e4f-4a5b-9c6d-7e8f9a0b1c2d',
    name: 'lnovak',
    displayName: 'Lena Novak',
    email: 'lena.novak@example.com',
    password: 'lena',
    timeZone: 'Europe/Prague',
  },
];

/** Field list for /rest/api/{2,3}/field and the `names` expand. */
export interface FieldDef {
  id: string;
  name: string;
  custom: boolean;
  /** JQL names (first is the canonical one). */
  clauseNames: readonly string[];
  schema?: Record<string, unknown>;
  /** Rendered by *navigable (search default on Data Center). */
  navigable: boolean;
}

export const FIELDS: readonly FieldDef[] = [
  { id: 'summary', name: 'Summary', custom: false, clauseNames: ['summary'], schema: { type: 'string', system: 'summary' }, navigable: true },
  { id: 'description', name: 'Description', custom: false, clauseNames: ['description'], schema: { type: 'string', system: 'description' }, navigable: true },
  { id: 'issuetype', name: 'Issue Type', custom: false, clauseNames: ['issuetype', 'type'], schema: { type: 'issuetype', system: 'issuetype' }, navigable: true },
  { id: 'project', name: 'Project', custom: false, clauseNames: ['project'], schema: { type: 'project', system: 'project' }, navigable: true },
  { id: 'status', name: 'Status', custom: false, clauseNames: ['status'], schema: { type: 'status', system: 'status' }, navigable: true },
  { id: 'priority', name: 'Priority', custom: false, clauseNames: ['priority'], schema: { type: 'priority', system: 'priority' }, navigable: true },
  { id: 'resolution', name: 'Resolution', custom: false, clauseNames: ['resolution'], schema: { type: 'resolution', system: 'resolution' }, navigable: true },
  { id: 'assignee', name: 'Assignee', custom: false, clauseNames: ['assignee'], schema: { type: 'user', system: 'assignee' }, navigable: true },
  { id: 'reporter', name: 'Reporter', custom: false, clauseNames: ['reporter'], schema: { type: 'user', system: 'reporter' }, navigable: true },
  { id: 'creator', name: 'Creator', custom: false, clauseNames: ['creator'], schema: { type: 'user', system: 'creator' }, navigable: true },
  { id: 'components', name: 'Component/s', custom: false, clauseNames: ['component'], schema: { type: 'array', items: 'component', system: 'components' }, navigable: true },
  { id: 'labels', name: 'Labels', custom: false, clauseNames: ['labels'], schema: { type: 'array', items: 'string', system: 'labels' }, navigable: true },
  { id: 'versions', name: 'Affects versions', custom: false, clauseNames: ['affectedVersion'], schema: { type: 'array', items: 'version', system: 'versions' }, navigable: true },
  { id: 'created', name: 'Created', custom: false, clauseNames: ['created', 'createdDate'], schema: { type: 'datetime', system: 'created' }, navigable: true },
  { id: 'updated', name: 'Updated', custom: false, clauseNames: ['updated', 'updatedDate'], schema: { type: 'datetime', system: 'updated' }, navigable: true },
  { id: 'resolutiondate', name: 'Resolved', custom: false, clauseNames: ['resolved', 'resolutiondate'], schema: { type: 'datetime', system: 'resolutiondate' }, navigable: true },
  { id: 'issuelinks', name: 'Linked Issues', custom: false, clauseNames: ['issueLink'], schema: { type: 'array', items: 'issuelinks', system: 'issuelinks' }, navigable: true },
  { id: 'comment', name: 'Comment', custom: false, clauseNames: ['comment'], schema: { type: 'comments-page', system: 'comment' }, navigable: false },
  {
    id: TEAM_FIELD_ID,
    name: 'Team',
    custom: true,
    clauseNames: ['cf[10001]', 'Team', 'Team[Team]'],
    schema: { type: 'team', custom: TEAM_FIELD_TYPE, customId: 10001, configuration: { 'com.atlassian.jira.plugin.system.customfieldtypes:atlassian-team': true } },
    navigable: true,
  },
];
