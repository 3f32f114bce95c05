import { createHash } from 'node:crypto';

/**
 * Turns exported ServiceNow data into what `servicenow.inbound.jsonata` reads: the Table API's
 * `sysparm_display_value=all` shape, every field `{ value, display_value }`.
 *
 * Exports carry one form per field — display values in a CSV export, stored values or display
 * values in a JSON export — so the other form is derived where ServiceNow's out-of-box choice
 * lists make that possible (state "In Progress" ↔ "2", priority "3 - Moderate" ↔ "3") and dates
 * are brought to the stored `yyyy-MM-dd HH:mm:ss` (read as UTC). A reference field keeps its one
 * form in both halves: a CSV has names but no sys_ids.
 */

/** A field as the Table API returns it with `sysparm_display_value=all`. */
export interface ServiceNowField {
  value: string;
  display_value: string;
}

export type ServiceNowRecord = Record<string, ServiceNowField>;

const INCIDENT_STATES: Readonly<Record<string, string>> = { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' };

/** State labels → values, including the event log's "Active" and "Awaiting …" (all on-hold reasons). */
const STATE_VALUES: Readonly<Record<string, string>> = {
  new: '1',
  active: '2',
  'in progress': '2',
  'on hold': '3',
  'awaiting user info': '3',
  'awaiting evidence': '3',
  'awaiting problem': '3',
  'awaiting vendor': '3',
  'awaiting change': '3',
  'awaiting caller': '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
  cancelled: '8',
};

const CHOICE_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  impact: { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' },
  urgency: { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' },
  priority: { '1': '1 - Critical', '2': '2 - High', '3': '3 - Moderate', '4': '4 - Low', '5': '5 - Planning' },
};

const STATE_FIELDS: ReadonlySet<string> = new Set(['state', 'incident_state']);

/**
 * Column names (or, lower-cased with `_` for spaces, list labels) that differ from the incident
 * field: the UCI event log's own names and the labels of a list export with label headers.
 */
const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  sys_updated_at: 'sys_updated_on',
  sys_created_at: 'sys_created_on',
  closed_code: 'close_code',
  short_description: 'short_description',
  caller: 'caller_id',
  configuration_item: 'cmdb_ci',
  opened: 'opened_at',
  updated: 'sys_updated_on',
  created: 'sys_created_on',
  updated_by: 'sys_updated_by',
  created_by: 'sys_created_by',
  updates: 'sys_mod_count',
  resolved: 'resolved_at',
  closed: 'closed_at',
  resolution_code: 'close_code',
  resolution_notes: 'close_notes',
  symptom: 'u_symptom',
  problem: 'problem_id',
};

/** Resolution data the event log repeats on every row; it only belongs on a resolved / closed version. */
const RESOLUTION_FIELDS = ['close_code', 'close_notes', 'resolved_by', 'resolved_at'] as const;

/** The incident field a CSV column holds: `sys_updated_at` → `sys_updated_on`, `Assignment group` → `assignment_group`. */
export function fieldForColumn(column: string): string {
  const name = column
    .trim()
    .toLowerCase()
    .replace(/[\s./-]+/g, '_');
  return COLUMN_ALIASES[name] ?? name;
}

/** `d/m/yyyy HH:MM[:ss]`, `yyyy-MM-dd HH:mm[:ss]` or ISO 8601 → `yyyy-MM-dd HH:mm:ss`; undefined when none of those. */
export function normaliseDateTime(text: string): string | undefined {
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (dmy) {
    const [, d = '', m = '', y = '', h = '', mi = '', s = '00'] = dmy;
    return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')} ${h.padStart(2, '0')}:${mi}:${s}`;
  }
  const ymd = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!ymd) return undefined;
  const [, date = '', h = '', mi = '', s = '00', zone] = ymd;
  if (zone === undefined || zone === 'Z') return `${date} ${h}:${mi}:${s}`;
  const ms = Date.parse(`${date}T${h}:${mi}:${s}${zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function isDateField(field: string): boolean {
  return field.endsWith('_at') || field.endsWith('_on') || field === 'due_date';
}

/** One exported value (display or stored form) as a `{ value, display_value }` pair. */
export function serviceNowField(field: string, text: string): ServiceNowField {
  if (text === '') return { value: '', display_value: '' };
  if (STATE_FIELDS.has(field)) {
    if (/^-?\d+$/.test(text)) return { value: text, display_value: INCIDENT_STATES[text] ?? text };
    return { value: STATE_VALUES[text.toLowerCase()] ?? text, display_value: text };
  }
  const labels = CHOICE_LABELS[field];
  if (labels) {
    if (/^\d+$/.test(text)) return { value: text, display_value: labels[text] ?? text };
    return { value: /^(\d+)\s*-/.exec(text)?.[1] ?? text, display_value: text };
  }
  if (isDateField(field)) {
    const stored = normaliseDateTime(text);
    if (stored !== undefined) return { value: stored, display_value: text };
  }
  return { value: text, display_value: text };
}

/** ServiceNow's time format (`yyyy-MM-dd HH:mm:ss`, UTC) → epoch ms; NaN when absent. */
export function storedTimeMs(field: ServiceNowField | undefined): number {
  const value = field?.value ?? '';
  return value === '' ? Number.NaN : Date.parse(`${value.replace(' ', 'T')}Z`);
}

/**
 * Field pairs already built, per column and cell text: an export repeats the same values
 * ("Group 70", "3 - Moderate") on most rows. The pairs are shared between records, which is
 * safe because mappings and rules only read them.
 */
export class CsvFieldCache {
  private readonly columns: Map<string, ServiceNowField>[] = [];

  get(column: number, text: string): ServiceNowField | undefined {
    return this.columns[column]?.get(text);
  }

  set(column: number, text: string, field: ServiceNowField): void {
    let map = this.columns[column];
    if (map === undefined) {
      map = new Map();
      this.columns[column] = map;
    }
    map.set(text, field);
  }
}

/**
 * One CSV row (display values, as a list export or the UCI event log holds them) → a record.
 * `fields[i]` is the incident field of column i (see `fieldForColumn`). A lone `?` is the UCI
 * log's "missing" marker and reads as empty. Without a `sys_id` column the sys_id is derived
 * from the number (see `stableSysId`), so a ticket keeps its key across exports.
 */
export function csvRowToRecord(fields: readonly string[], row: readonly string[], cache?: CsvFieldCache): ServiceNowRecord {
  const record: ServiceNowRecord = {};
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (field === undefined || field === '') continue;
    const raw = row[i] ?? '';
    // Two columns naming one field (a label and its alias): the first non-empty one wins.
    const existing = record[field];
    if (existing !== undefined && existing.value !== '') continue;
    let pair = cache?.get(i, raw);
    if (pair === undefined) {
      pair = serviceNowField(field, raw === '?' ? '' : raw.trim());
      cache?.set(i, raw, pair);
    }
    record[field] = pair;
  }
  // The UCI log has `incident_state` but no `state`, which is what the mapping reads.
  const incidentState = record['incident_state'];
  if (incidentState !== undefined && (record['state']?.value ?? '') === '') record['state'] = incidentState;
  const state = record['state']?.value;
  if (state !== undefined && state !== '6' && state !== '7') {
    for (const field of RESOLUTION_FIELDS) delete record[field];
  }
  if (state !== undefined && state !== '7') delete record['closed_at'];
  const number = record['number']?.value ?? '';
  if ((record['sys_id']?.value ?? '') === '' && number !== '') {
    const sysId = stableSysId(number);
    record['sys_id'] = { value: sysId, display_value: sysId };
  }
  return record;
}

/**
 * One record of a ServiceNow JSON export → a record. Accepts the Table API's shapes: plain
 * values (`sysparm_display_value=false|true`, or JSONv2's `records`), `{ value, display_value }`
 * pairs (`all`) and reference objects `{ link, value }` (links not excluded).
 */
export function jsonRecordToRecord(input: Record<string, unknown>): ServiceNowRecord {
  const record: ServiceNowRecord = {};
  for (const [name, raw] of Object.entries(input)) {
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const pair = raw as { value?: unknown; display_value?: unknown };
      const value = scalarText(pair.value);
      const display = scalarText(pair.display_value);
      if (value === undefined && display === undefined) continue;
      if (value !== undefined && display !== undefined) record[name] = { value, display_value: display };
      else record[name] = serviceNowField(name, value ?? display ?? '');
      continue;
    }
    const text = scalarText(raw);
    if (text !== undefined) record[name] = serviceNowField(name, text);
  }
  return record;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * A sys_id that is a pure function of the incident number, for exports without a `sys_id` column.
 * The ServiceNow sandbox seeds the same data set with the same derivation (its own copy: sandboxes
 * share no code with production), so a backtest and a sandbox run key a ticket alike;
 * test/unit/backtest/servicenow-record.test.ts holds the two to the same value.
 */
export function stableSysId(number: string): string {
  return createHash('md5').update(`incident:${number}`).digest('hex');
}
