import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseCsvObjects } from './csv.js';
import type { ServiceNowStore } from './store.js';
import { readZipEntry } from '../../util/zip.js';
import { dataPath } from '../data-dir.js';

/**
 * Seeds the sandbox from the UCI "Incident management process enriched event log" (data set
 * #498, CC BY 4.0): an anonymised audit log exported from a real ServiceNow instance, one row per
 * update of an incident, values in display form ("Group 56", "2 - Medium"). The log has no free
 * text; optionally each incident borrows a title and body from the Endava help-desk tickets
 * (MIT), picked deterministically by incident number.
 */

export const DEFAULT_EVENT_LOG_PATH = dataPath('servicenow-incident-event-log', 'incident_event_log.zip');
export const DEFAULT_TICKET_TEXT_PATH = dataPath('helpdesk-tickets-text', 'all_tickets.csv');

export const EVENT_LOG_COLUMNS = [
  'number',
  'incident_state',
  'active',
  'reassignment_count',
  'reopen_count',
  'sys_mod_count',
  'made_sla',
  'caller_id',
  'opened_by',
  'opened_at',
  'sys_created_by',
  'sys_created_at',
  'sys_updated_by',
  'sys_updated_at',
  'contact_type',
  'location',
  'category',
  'subcategory',
  'u_symptom',
  'cmdb_ci',
  'impact',
  'urgency',
  'priority',
  'assignment_group',
  'assigned_to',
  'knowledge',
  'u_priority_confirmation',
  'notify',
  'problem_id',
  'rfc',
  'vendor',
  'caused_by',
  'closed_code',
  'resolved_by',
  'resolved_at',
  'closed_at',
] as const;

/** One event (one update of one incident) as in the CSV, except that the missing marker `?` is ''. */
export type EventRow = Record<(typeof EVENT_LOG_COLUMNS)[number], string>;

/** A help-desk ticket text used to give seeded incidents a short_description and description. */
export interface TicketText {
  title: string;
  body: string;
}

/** incident_state labels in the log → ServiceNow incident `state` values. */
const STATE_VALUES: Readonly<Record<string, string>> = {
  New: '1',
  Active: '2',
  'In Progress': '2',
  'Awaiting User Info': '3',
  'Awaiting Evidence': '3',
  'Awaiting Problem': '3',
  'Awaiting Vendor': '3',
  'On Hold': '3',
  Resolved: '6',
  Closed: '7',
  Canceled: '8',
};

/** Reads and parses the event log (the zip is read whole and inflated with node:zlib). */
export async function readEventLog(path: string = DEFAULT_EVENT_LOG_PATH): Promise<EventRow[]> {
  const csv = (await readZipEntry(path)).toString('utf8');
  const objects = parseCsvObjects(csv);
  const first = objects[0];
  const missing = first ? EVENT_LOG_COLUMNS.filter((column) => !(column in first)) : [];
  if (missing.length > 0) throw new Error(`${path} lacks columns: ${missing.join(', ')}`);
  return objects.map((object) => {
    const row = {} as EventRow;
    for (const column of EVENT_LOG_COLUMNS) {
      const value = object[column] ?? '';
      row[column] = value === '?' ? '' : value;
    }
    return row;
  });
}

/** Loads ticket texts with a non-empty title (rows with an empty title are skipped). */
export async function loadTicketTexts(path: string = DEFAULT_TICKET_TEXT_PATH): Promise<TicketText[]> {
  const rows = parseCsvObjects(await readFile(path, 'utf8'));
  return rows.filter((row) => (row['title'] ?? '').trim() !== '').map((row) => ({ title: row['title']?.trim() ?? '', body: row['body']?.trim() ?? '' }));
}

/** `d/m/yyyy HH:MM` (treated as UTC) → `yyyy-MM-dd HH:mm:ss`; '' when absent or malformed. */
export function eventLogDate(value: string): string {
  const match = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!match) return '';
  const [, d = '', m = '', y = '', h = '', mi = ''] = match;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')} ${h.padStart(2, '0')}:${mi}:00`;
}

/** Leading number of a choice label: "3 - Moderate" → "3". */
function choiceValue(label: string): string {
  return /^(\d+)\s*-/.exec(label)?.[1] ?? label;
}

/** 32-bit FNV-1a, for picking ticket texts deterministically by incident number. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function textFor(number: string, texts: readonly TicketText[]): Record<string, string> {
  const text = texts[fnv1a(number) % texts.length];
  if (!text) return {};
  const title = text.title.charAt(0).toUpperCase() + text.title.slice(1);
  return { short_description: title, description: text.body };
}

/**
 * An event as incident fields in display form (write with `inputDisplayValue`). Resolution and
 * closure fields are only filled once the incident is resolved / closed: the log repeats the
 * final values on every row, and an open incident carrying its future close code would mislead.
 */
export function incidentFields(row: EventRow): Record<string, string> {
  const state = STATE_VALUES[row.incident_state] ?? row.incident_state; // e.g. the log's "-100"
  const fields: Record<string, string> = {
    number: row.number,
    state,
    incident_state: state,
    active: row.active,
    reassignment_count: row.reassignment_count,
    reopen_count: row.reopen_count,
    made_sla: row.made_sla,
    caller_id: row.caller_id,
    opened_by: row.opened_by,
    opened_at: eventLogDate(row.opened_at),
    contact_type: row.contact_type,
    location: row.location,
    category: row.category,
    subcategory: row.subcategory,
    u_symptom: row.u_symptom,
    cmdb_ci: row.cmdb_ci,
    impact: choiceValue(row.impact),
    urgency: choiceValue(row.urgency),
    priority: choiceValue(row.priority),
    assignment_group: row.assignment_group,
    assigned_to: row.assigned_to,
    knowledge: row.knowledge,
    u_priority_confirmation: row.u_priority_confirmation,
    notify: row.notify,
    problem_id: row.problem_id,
    rfc: row.rfc,
    vendor: row.vendor,
    caused_by: row.caused_by,
  };
  if (state === '6' || state === '7') {
    fields['close_code'] = row.closed_code;
    fields['resolved_by'] = row.resolved_by;
    fields['resolved_at'] = eventLogDate(row.resolved_at);
  }
  if (state === '7') fields['closed_at'] = eventLogDate(row.closed_at);
  return fields;
}

/** The event's own audit fields, for writes that keep the log's timestamps. */
function systemFields(row: EventRow): Record<string, string> {
  const updatedOn = eventLogDate(row.sys_updated_at);
  const createdOn = eventLogDate(row.sys_created_at) || eventLogDate(row.opened_at) || updatedOn;
  return {
    sys_created_on: createdOn,
    sys_created_by: row.sys_created_by || row.opened_by || 'system',
    sys_updated_on: updatedOn || createdOn,
    sys_updated_by: row.sys_updated_by || 'system',
    sys_mod_count: row.sys_mod_count || '0',
  };
}

export interface SeedFromEventLogOptions {
  /** Number of incidents (not events) to seed, in log order; default all 24,918. */
  limit?: number;
  /** Each incident as of its first event (open, as it arrived) or its last (final state). */
  stage: 'first' | 'last';
  /** Give each incident a short_description / description from the help-desk ticket texts. */
  titles?: boolean;
  /** Rows already read with readEventLog (saves re-reading the 46 MB CSV). */
  rows?: readonly EventRow[];
  /** Event log zip; default <data dir>/servicenow-incident-event-log/incident_event_log.zip (see data-dir.ts) */
  path?: string;
  /** Ticket texts CSV; default <data dir>/helpdesk-tickets-text/all_tickets.csv (see data-dir.ts) */
  ticketTextPath?: string;
}

export interface SeedResult {
  incidents: number;
  /** Incident numbers seeded, in log order. */
  numbers: string[];
}

/** Inserts incidents (with their referenced groups, users, CIs… created on the fly) into the store. */
export async function seedFromEventLog(store: ServiceNowStore, options: SeedFromEventLogOptions): Promise<SeedResult> {
  const rows = options.rows ?? (await readEventLog(options.path));
  const texts = options.titles ? await loadTicketTexts(options.ticketTextPath) : undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const chosen = new Map<string, EventRow>();
  for (const row of rows) {
    if (!chosen.has(row.number)) {
      if (chosen.size >= limit) continue;
      chosen.set(row.number, row);
    } else if (options.stage === 'last') {
      chosen.set(row.number, row);
    }
  }
  for (const [number, row] of chosen) {
    const fields = { ...incidentFields(row), ...systemFields(row), ...(texts ? textFor(number, texts) : {}) };
    // sys_id derived from the number, so two sandboxes seeded alike hold identical records
    // (the crash test compares a killed run with an uninterrupted one record by record).
    store.insert('incident', { ...fields, sys_id: stableSysId(number) }, fields['sys_created_by'], { system: true, inputDisplayValue: true });
  }
  return { incidents: chosen.size, numbers: [...chosen.keys()] };
}

/** A sys_id that is a pure function of the incident number. */
export function stableSysId(number: string): string {
  return createHash('md5').update(`incident:${number}`).digest('hex');
}

export interface ReplayEventLogOptions {
  /**
   * `clock` (default): events are written as ordinary updates at the sandbox clock, so a polling
   * connector sees them arrive (dates from the log are dropped and set by the store).
   * `event`: the log's own timestamps and sys_mod_count are kept.
   */
  timestamps?: 'clock' | 'event';
  /** Texts for incidents the replay inserts (see loadTicketTexts). */
  titles?: readonly TicketText[];
}

export interface ReplayedEvent {
  number: string;
  action: 'inserted' | 'updated' | 'unchanged' | 'skipped';
  sysId: string;
  /** sys_updated_at of the event in the log, internal format. */
  eventTime: string;
}

export interface EventLogReplay {
  /** Applies the next `count` events (default 1) in time order and reports each. */
  applyNext(count?: number): ReplayedEvent[];
  /** Events applied (or skipped) so far. */
  readonly position: number;
  readonly total: number;
  readonly done: boolean;
}

const DATE_FIELDS = ['opened_at', 'resolved_at', 'closed_at'] as const;

/**
 * Replays the event log in time order against the store: an incident's first event inserts it
 * (or is skipped when the incident was already seeded), later events update it. Pair with
 * `seedFromEventLog({stage: 'first'})` for a demo where incidents move through their lifecycle.
 */
export function replayEventLog(store: ServiceNowStore, rows: readonly EventRow[], options: ReplayEventLogOptions = {}): EventLogReplay {
  const mode = options.timestamps ?? 'clock';
  const firstIndex = new Map<string, number>();
  rows.forEach((row, index) => {
    if (!firstIndex.has(row.number)) firstIndex.set(row.number, index);
  });
  const keyed = rows.map((row, index) => ({ row, index, time: eventLogDate(row.sys_updated_at) }));
  keyed.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.index - b.index));
  const touched = new Set<string>();
  let position = 0;

  function apply(row: EventRow, index: number, time: string): ReplayedEvent {
    const existing = store.findByNumber(row.number);
    const fields: Record<string, string> = incidentFields(row);
    if (mode === 'clock') for (const field of DATE_FIELDS) delete fields[field];
    const system = mode === 'event' ? systemFields(row) : {};
    const user = row.sys_updated_by || 'system';
    const writeOptions = { inputDisplayValue: true, system: mode === 'event' };
    if (!existing) {
      touched.add(row.number);
      const texts = options.titles && options.titles.length > 0 ? textFor(row.number, options.titles) : {};
      const record = store.insert('incident', { ...fields, ...system, ...texts }, user, writeOptions);
      return { number: row.number, action: 'inserted', sysId: record['sys_id'] ?? '', eventTime: time };
    }
    const sysId = existing.record['sys_id'] ?? '';
    if (!touched.has(row.number) && firstIndex.get(row.number) === index) {
      touched.add(row.number);
      return { number: row.number, action: 'skipped', sysId, eventTime: time };
    }
    touched.add(row.number);
    delete fields['number'];
    const before = existing.record['sys_mod_count'];
    const record = store.update(existing.table, sysId, { ...fields, ...system }, user, writeOptions);
    const changed = mode === 'event' || record?.['sys_mod_count'] !== before;
    return { number: row.number, action: changed ? 'updated' : 'unchanged', sysId, eventTime: time };
  }

  return {
    applyNext(count = 1) {
      const applied: ReplayedEvent[] = [];
      while (applied.length < count && position < keyed.length) {
        const next = keyed[position++];
        if (next) applied.push(apply(next.row, next.index, next.time));
      }
      return applied;
    },
    get position() {
      return position;
    },
    get total() {
      return keyed.length;
    },
    get done() {
      return position >= keyed.length;
    },
  };
}
