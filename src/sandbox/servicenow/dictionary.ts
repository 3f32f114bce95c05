/**
 * The sandbox's stand-in for ServiceNow's data dictionary (sys_dictionary / sys_choice): which
 * fields are references and to which table, which fields are choice lists, which are journal
 * fields, and what each table shows as a record's display value. Only the out-of-box fields the
 * deskbridge connector, demo and benchmarks touch are described; every other field is a plain
 * string column, which is how the sandbox stays generic over any table name.
 */

/** Reference fields (stored value = sys_id of a row in the target table), shared by all tables. */
const REFERENCE_FIELDS: ReadonlyMap<string, string> = new Map([
  ['assignment_group', 'sys_user_group'],
  ['assigned_to', 'sys_user'],
  ['caller_id', 'sys_user'],
  ['opened_by', 'sys_user'],
  ['resolved_by', 'sys_user'],
  ['closed_by', 'sys_user'],
  ['manager', 'sys_user'],
  ['problem_id', 'problem'],
  // incident.parent_incident ("Parent Incident"): the original a duplicate or child points at.
  ['parent_incident', 'incident'],
  // incident_task.incident: the incident a follow-up task belongs to.
  ['incident', 'incident'],
  ['rfc', 'change_request'],
  ['caused_by', 'change_request'],
  ['cmdb_ci', 'cmdb_ci'],
  ['location', 'cmn_location'],
  ['vendor', 'core_company'],
  ['company', 'core_company'],
]);

/** The field a table shows as a record's display value (sys_dictionary "display" flag). */
const DISPLAY_FIELDS: ReadonlyMap<string, string> = new Map([
  ['sys_user', 'name'],
  ['sys_user_group', 'name'],
  ['cmdb_ci', 'name'],
  ['cmn_location', 'name'],
  ['core_company', 'name'],
  ['incident', 'number'],
  ['problem', 'number'],
  ['change_request', 'number'],
  ['incident_task', 'number'],
  ['task', 'number'],
]);

/** Task tables: auto-numbered, carry journal fields. Prefix and first number as on a fresh instance. */
export const TASK_TABLES: ReadonlyMap<string, { prefix: string; start: number }> = new Map([
  ['incident', { prefix: 'INC', start: 10001 }],
  ['problem', { prefix: 'PRB', start: 40001 }],
  ['change_request', { prefix: 'CHG', start: 30001 }],
  ['incident_task', { prefix: 'TASK', start: 10001 }],
]);

/** Journal fields: written values go to sys_journal_field, never onto the record itself. */
export const JOURNAL_FIELDS: ReadonlyMap<string, string> = new Map([
  ['work_notes', 'Work notes'],
  ['comments', 'Additional comments'],
]);

const IMPACT_URGENCY = { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' };
const PRIORITY = { '1': '1 - Critical', '2': '2 - High', '3': '3 - Moderate', '4': '4 - Low', '5': '5 - Planning' };
const INCIDENT_STATE = {
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '6': 'Resolved',
  '7': 'Closed',
  '8': 'Canceled',
};
/** The task table's state choices, which incident_task inherits. */
const TASK_STATE = {
  '-5': 'Pending',
  '1': 'Open',
  '2': 'Work in Progress',
  '3': 'Closed Complete',
  '4': 'Closed Incomplete',
  '7': 'Closed Skipped',
};
const PROBLEM_STATE = {
  '101': 'New',
  '102': 'Assess',
  '103': 'Root Cause Analysis',
  '104': 'Fix in Progress',
  '106': 'Resolved',
  '107': 'Closed',
};

/** Choice lists per table.field; `*` applies to every table. */
const CHOICES: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map<string, Readonly<Record<string, string>>>([
  ['*.impact', IMPACT_URGENCY],
  ['*.urgency', IMPACT_URGENCY],
  ['*.priority', PRIORITY],
  ['incident.state', INCIDENT_STATE],
  ['incident.incident_state', INCIDENT_STATE],
  ['problem.state', PROBLEM_STATE],
  ['incident_task.state', TASK_STATE],
  // Out-of-box incident categories; values outside the list (the event log's "Category 55")
  // are kept and shown as they are.
  ['incident.category', { inquiry: 'Inquiry / Help', software: 'Software', hardware: 'Hardware', network: 'Network', database: 'Database' }],
  ['incident.notify', { '1': 'Do Not Notify', '2': 'Send Email', '3': 'Send SMS' }],
]);

/** Integer columns: compared and sorted numerically, like the database does. */
const INTEGER_FIELDS: ReadonlySet<string> = new Set([
  'sys_mod_count',
  'priority',
  'impact',
  'urgency',
  'state',
  'incident_state',
  'reassignment_count',
  'reopen_count',
  'severity',
  'escalation',
  'notify',
]);

/** System fields every table has. */
export const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(['sys_id', 'sys_created_on', 'sys_created_by', 'sys_updated_on', 'sys_updated_by', 'sys_mod_count']);

/** Columns every task record shows (empty string when unset), as the Table API does. */
export const TASK_COLUMNS: readonly string[] = [
  'number',
  'short_description',
  'description',
  'state',
  'active',
  'impact',
  'urgency',
  'priority',
  'category',
  'subcategory',
  'contact_type',
  'assignment_group',
  'assigned_to',
  'caller_id',
  'opened_by',
  'opened_at',
  'resolved_by',
  'resolved_at',
  'closed_at',
  'close_code',
  'close_notes',
  'cmdb_ci',
  'location',
  'problem_id',
  'reassignment_count',
  'reopen_count',
  'work_notes',
  'comments',
  'sys_class_name',
];

/** Out-of-box columns of one table beyond the task columns (shown as "" while unset). */
export const TABLE_COLUMNS: ReadonlyMap<string, readonly string[]> = new Map([
  ['incident', ['parent_incident', 'incident_state', 'correlation_id', 'correlation_display', 'made_sla']],
  ['incident_task', ['incident', 'correlation_id', 'correlation_display']],
  ['problem', ['correlation_id', 'correlation_display', 'resolution_code', 'known_error']],
]);

export function referenceTable(field: string): string | undefined {
  return REFERENCE_FIELDS.get(field);
}

export function displayField(table: string): string | undefined {
  return DISPLAY_FIELDS.get(table);
}

export function choiceList(table: string, field: string): Readonly<Record<string, string>> | undefined {
  return CHOICES.get(`${table}.${field}`) ?? CHOICES.get(`*.${field}`);
}

export function isIntegerField(field: string): boolean {
  return INTEGER_FIELDS.has(field);
}

/**
 * ServiceNow's default priority lookup (dl_u_priority): impact × urgency → priority.
 * Unknown combinations fall back to 5 - Planning.
 */
export function priorityFor(impact: string, urgency: string): string {
  const sum = Number(impact) + Number(urgency);
  if (!Number.isInteger(sum) || sum < 2) return '5';
  return String(Math.min(sum - 1, 5));
}
