import { randomBytes } from 'node:crypto';
import { JOURNAL_FIELDS, SYSTEM_COLUMNS, TABLE_COLUMNS, TASK_COLUMNS, TASK_TABLES, choiceList, displayField, priorityFor, referenceTable } from './dictionary.js';
import { type ParsedQuery, compileFilter, parseEncodedQuery, sortByOrder } from './encoded-query.js';
import { toGlideDateTime } from './glide-date-time.js';

/** A stored row: every value is a string, as the Table API returns them; reference fields hold sys_ids. */
export type SandboxRecord = Record<string, string>;

/** A row of sys_journal_field (one work note or comment). */
export interface JournalEntry {
  sys_id: string;
  /** sys_id of the task the entry belongs to. */
  element_id: string;
  element: 'work_notes' | 'comments';
  /** Table of the task, e.g. `incident`. */
  name: string;
  value: string;
  sys_created_on: string;
  sys_created_by: string;
}

export interface WriteOptions {
  /**
   * Treat values as display values, like `sysparm_input_display_value=true`: a reference field
   * given a name resolves to that record's sys_id, a choice field given its label stores the value.
   * A reference whose name matches no record creates one (sandbox convenience, so names from the
   * event log such as "Group 56" or "Caller 2403" just work).
   */
  inputDisplayValue?: boolean;
  /**
   * Seeding / replay: `sys_*` fields in the input are kept as given (timestamps, sys_mod_count,
   * sys_created_by…) and the task business rules (reassignment counter, active flag, resolved_at)
   * do not run. Without it, `sys_*` input is ignored as on a real instance.
   */
  system?: boolean;
}

export interface ServiceNowStoreOptions {
  /** Clock for sys_created_on / sys_updated_on; defaults to real time. */
  now?: () => Date;
  /**
   * Fields this instance's dictionary does not have, per table (e.g. `{problem: ['correlation_id']}`
   * for an instance without it on problem): written values are ignored, reads leave them out, and
   * query conditions on them are dropped — the instance then answers with everything the rest
   * of the query matches, as a real one does.
   */
  missingFields?: Readonly<Record<string, readonly string[]>>;
  /** The system property glide.invalid_query.returns_no_rows: a query with a dropped condition returns nothing. */
  invalidQueryReturnsNoRows?: boolean;
}

const SYS_ID = /^[0-9a-f]{32}$/;
const QUERY_CACHE_SIZE = 8;

/** A fresh sys_id: 32 lower-case hex characters. */
export function newSysId(): string {
  return randomBytes(16).toString('hex');
}

function toFieldString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // A client echoing back a reference object ({link, value}) or a display_value=all pair.
  if (typeof value === 'object' && 'value' in value) return toFieldString(value.value);
  return JSON.stringify(value);
}

/**
 * The in-memory ServiceNow database behind the sandbox. Tables spring into existence on first
 * write; any table name works. Task tables (incident, problem, change_request) get numbers,
 * defaults and journal fields. Records returned are the live rows: read them, do not mutate them.
 */
export class ServiceNowStore {
  readonly now: () => Date;
  private readonly tables = new Map<string, Map<string, SandboxRecord>>();
  private readonly listCache = new Map<string, SandboxRecord[]>();
  private readonly columnsByTable = new Map<string, Set<string>>();
  /** table → display text (or alias) → sys_id. */
  private readonly displayIndex = new Map<string, Map<string, string>>();
  private readonly userNameIndex = new Map<string, string>();
  private readonly numberIndex = new Map<string, { table: string; sysId: string }>();
  private readonly journalIndex = new Map<string, JournalEntry[]>();
  private readonly numberCounters = new Map<string, number>();
  /** Bumped on every write to a table; keys the query cache. */
  private readonly versions = new Map<string, number>();
  /** Last few query results: paging through one query with sysparm_offset re-runs it per page. */
  private readonly queryCache = new Map<string, { version: number; rows: Readonly<SandboxRecord>[] }>();

  /** table → fields its dictionary lacks (see ServiceNowStoreOptions.missingFields). */
  private readonly missing: ReadonlyMap<string, ReadonlySet<string>>;
  private readonly invalidQueryReturnsNoRows: boolean;

  constructor(options: ServiceNowStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.missing = new Map(Object.entries(options.missingFields ?? {}).map(([table, fields]) => [table, new Set(fields)]));
    this.invalidQueryReturnsNoRows = options.invalidQueryReturnsNoRows ?? false;
  }

  /** Whether the table has this field (`ref.field`: whether it has `ref`); system fields always exist. */
  hasField(table: string, field: string): boolean {
    const dot = field.indexOf('.');
    const head = dot < 0 ? field : field.slice(0, dot);
    return SYSTEM_COLUMNS.has(head) || this.columnSet(table).has(head);
  }

  /** Current clock in ServiceNow's internal format. */
  timestamp(): string {
    return toGlideDateTime(this.now());
  }

  tableNames(): string[] {
    return [...this.tables.keys()];
  }

  get(table: string, sysId: string): Readonly<SandboxRecord> | undefined {
    return this.tables.get(table)?.get(sysId);
  }

  /** All rows of a table in insertion order (cached until the next insert or delete). */
  list(table: string): readonly Readonly<SandboxRecord>[] {
    let rows = this.listCache.get(table);
    if (!rows) {
      rows = [...(this.tables.get(table)?.values() ?? [])];
      this.listCache.set(table, rows);
    }
    return rows;
  }

  count(table: string): number {
    return this.tables.get(table)?.size ?? 0;
  }

  /** Columns a record of this table shows: out-of-box task columns plus every field ever written. */
  columns(table: string): readonly string[] {
    return [...this.columnSet(table)];
  }

  findByNumber(number: string): { table: string; record: Readonly<SandboxRecord> } | undefined {
    const hit = this.numberIndex.get(number);
    if (!hit) return undefined;
    const record = this.get(hit.table, hit.sysId);
    return record ? { table: hit.table, record } : undefined;
  }

  /** Journal entries of a task record, oldest first; optionally only one element. */
  journal(sysId: string, element?: 'work_notes' | 'comments'): readonly JournalEntry[] {
    const entries = this.journalIndex.get(sysId) ?? [];
    return element ? entries.filter((entry) => entry.element === element) : entries;
  }

  /** Records matching an encoded query, ordered by its ORDERBY terms (else insertion order). */
  query(table: string, encodedQuery = ''): readonly Readonly<SandboxRecord>[] {
    const key = `${table}\u0000${encodedQuery}`;
    const version = this.versions.get(table) ?? 0;
    const cached = this.queryCache.get(key);
    if (cached && cached.version === version) return cached.rows;
    const rows = this.runQuery(table, encodedQuery);
    this.queryCache.delete(key);
    this.queryCache.set(key, { version, rows });
    if (this.queryCache.size > QUERY_CACHE_SIZE) {
      const oldest = this.queryCache.keys().next().value;
      if (oldest !== undefined) this.queryCache.delete(oldest);
    }
    return rows;
  }

  private runQuery(table: string, encodedQuery: string): Readonly<SandboxRecord>[] {
    const { parsed, dropped } = this.dropUnknownFields(table, parseEncodedQuery(encodedQuery));
    if (dropped && this.invalidQueryReturnsNoRows) return [];
    const read = (record: Readonly<SandboxRecord>, field: string): string => this.read(record, field);
    const filter = compileFilter(parsed, read);
    return sortByOrder(this.list(table).filter(filter), parsed, read);
  }

  /**
   * A real instance drops every condition on a field the table does not have and runs the rest
   * ("the invalid part of the query condition is dropped … which may return all records"), so a
   * lookup by a missing field answers with the whole table. An OR group loses only its invalid
   * members; a branch left without conditions matches everything.
   */
  private dropUnknownFields(table: string, parsed: ParsedQuery): { parsed: ParsedQuery; dropped: boolean } {
    let dropped = false;
    const branches = parsed.branches.map((branch) =>
      branch
        .map((clause) =>
          clause.filter((condition) => {
            const known = this.hasField(table, condition.field);
            if (!known) dropped = true;
            return known;
          }),
        )
        .filter((clause) => clause.length > 0),
    );
    // A branch that lost every condition matches every record; so does the whole query then.
    const everything = branches.some((branch) => branch.length === 0);
    return { parsed: { branches: everything ? [] : branches, orderBy: parsed.orderBy.filter((o) => this.hasField(table, o.field)) }, dropped };
  }

  /** A field's stored value; `ref.field` dot-walks through a reference. Missing = ''. */
  read(record: Readonly<SandboxRecord>, field: string): string {
    const dot = field.indexOf('.');
    if (dot < 0) return record[field] ?? '';
    const head = field.slice(0, dot);
    const target = referenceTable(head);
    const id = record[head];
    if (!target || !id) return '';
    const referenced = this.get(target, id);
    return referenced ? this.read(referenced, field.slice(dot + 1)) : '';
  }

  /** Display value of a record (its number or name), as a reference field pointing at it shows. */
  recordDisplayValue(table: string, record: Readonly<SandboxRecord>): string {
    const field = displayField(table);
    if (field) return record[field] ?? '';
    return record['name'] ?? record['number'] ?? record['sys_id'] ?? '';
  }

  /** Display value of one field of a record, as `sysparm_display_value=true` returns it. */
  displayValue(table: string, record: Readonly<SandboxRecord>, field: string): string {
    const journalLabel = JOURNAL_FIELDS.get(field);
    if (journalLabel && table !== 'sys_journal_field') {
      const id = record['sys_id'];
      return id ? this.formatJournal(id, field as 'work_notes' | 'comments', journalLabel) : '';
    }
    const value = this.read(record, field);
    if (value === '') return '';
    const leaf = field.slice(field.lastIndexOf('.') + 1);
    const target = field.includes('.') ? undefined : referenceTable(field);
    if (target) {
      const referenced = this.get(target, value);
      return referenced ? this.recordDisplayValue(target, referenced) : '';
    }
    const choices = field.includes('.') ? undefined : choiceList(table, leaf);
    return choices?.[value] ?? value;
  }

  /**
   * sys_id for a reference given as sys_id or display text. With `create`, a missing record is
   * created (named after the text) so seeded display names resolve.
   */
  resolveReference(table: string, text: string, options: { create?: boolean } = {}): string | undefined {
    if (text === '') return '';
    if (SYS_ID.test(text) && this.tables.get(table)?.has(text)) return text;
    const hit = this.displayIndex.get(table)?.get(text) ?? (table === 'sys_user' ? this.userNameIndex.get(text) : undefined);
    if (hit) return hit;
    if (!options.create) return undefined;
    const fields: Record<string, string> = {};
    const field = displayField(table) ?? 'name';
    const task = TASK_TABLES.get(table);
    if (field === 'number' && task && !new RegExp(`^${task.prefix}\\d+$`).test(text)) {
      fields['short_description'] = text; // e.g. "Problem ID  14" from the event log
    } else {
      fields[field] = text;
    }
    if (table === 'sys_user') fields['user_name'] = text;
    const created = this.insert(table, fields, 'system');
    const sysId = created['sys_id'] ?? '';
    this.indexFor(this.displayIndex, table).set(text, sysId);
    return sysId;
  }

  insert(table: string, input: Record<string, unknown>, user = 'system', options: WriteOptions = {}): Readonly<SandboxRecord> {
    const rows = this.tableFor(table);
    const { fields, journal } = this.prepare(table, input, options);
    const now = this.timestamp();
    const requestedId = fields['sys_id'];
    const sysId = requestedId && SYS_ID.test(requestedId) && !rows.has(requestedId) ? requestedId : newSysId();
    const record: SandboxRecord = { ...fields };
    const task = TASK_TABLES.get(table);
    if (task) this.applyTaskDefaults(table, record, user, now);
    record['sys_id'] = sysId;
    record['sys_created_on'] = (options.system && fields['sys_created_on']) || now;
    record['sys_created_by'] = (options.system && fields['sys_created_by']) || user;
    record['sys_updated_on'] = (options.system && fields['sys_updated_on']) || record['sys_created_on'];
    record['sys_updated_by'] = (options.system && fields['sys_updated_by']) || record['sys_created_by'];
    record['sys_mod_count'] = (options.system && fields['sys_mod_count']) || '0';
    rows.set(sysId, record);
    this.listCache.delete(table);
    this.touch(table);
    this.noteColumns(table, record);
    this.indexRecord(table, record, undefined);
    for (const [element, text] of journal) this.addJournal(table, sysId, element, text, user, record['sys_created_on']);
    return record;
  }

  /** Applies a change; returns undefined when the record does not exist. A no-op write is not a modification. */
  update(table: string, sysId: string, input: Record<string, unknown>, user = 'system', options: WriteOptions = {}): Readonly<SandboxRecord> | undefined {
    const record = this.tables.get(table)?.get(sysId);
    if (!record) return undefined;
    const { fields, journal } = this.prepare(table, input, options);
    delete fields['sys_id'];
    const changes: SandboxRecord = {};
    for (const [field, value] of Object.entries(fields)) {
      if (field.startsWith('sys_')) continue;
      if ((record[field] ?? '') !== value) changes[field] = value;
    }
    // Like GlideRecord.update(): nothing changed → nothing written, sys_mod_count stays.
    if (Object.keys(changes).length === 0 && journal.length === 0) return record;
    const now = (options.system && fields['sys_updated_on']) || this.timestamp();
    if (!options.system && TASK_TABLES.has(table)) this.applyTaskRules(table, record, changes, fields, user, now);
    const previous = { ...record };
    Object.assign(record, changes);
    this.touch(table);
    record['sys_updated_on'] = now;
    record['sys_updated_by'] = (options.system && fields['sys_updated_by']) || user;
    record['sys_mod_count'] = (options.system && fields['sys_mod_count']) || String(Number(record['sys_mod_count'] ?? '0') + 1);
    this.noteColumns(table, record);
    this.indexRecord(table, record, previous);
    for (const [element, text] of journal) this.addJournal(table, sysId, element, text, user, now);
    return record;
  }

  delete(table: string, sysId: string): boolean {
    const rows = this.tables.get(table);
    const record = rows?.get(sysId);
    if (!rows || !record) return false;
    rows.delete(sysId);
    this.listCache.delete(table);
    this.touch(table);
    const number = record['number'];
    if (number && this.numberIndex.get(number)?.sysId === sysId) this.numberIndex.delete(number);
    const display = this.recordDisplayValue(table, record);
    if (this.displayIndex.get(table)?.get(display) === sysId) this.displayIndex.get(table)?.delete(display);
    return true;
  }

  /** Normalises input to strings, splits off journal text, resolves display values. */
  private prepare(table: string, input: Record<string, unknown>, options: WriteOptions): { fields: SandboxRecord; journal: ['work_notes' | 'comments', string][] } {
    const fields: SandboxRecord = {};
    const journal: ['work_notes' | 'comments', string][] = [];
    const missing = this.missing.get(table);
    for (const [field, raw] of Object.entries(input)) {
      // The instance ignores a field its dictionary does not have.
      if (missing?.has(field)) continue;
      let value = toFieldString(raw);
      if (JOURNAL_FIELDS.has(field) && table !== 'sys_journal_field') {
        if (value.trim() !== '') journal.push([field as 'work_notes' | 'comments', value]);
        continue;
      }
      if (field.startsWith('sys_') && field !== 'sys_id' && !options.system) continue;
      if (options.inputDisplayValue) {
        const target = referenceTable(field);
        if (target) {
          value = this.resolveReference(target, value, { create: true }) ?? '';
        } else {
          const choices = choiceList(table, field);
          const match = choices && Object.entries(choices).find(([, label]) => label === value);
          if (match) value = match[0];
        }
      }
      fields[field] = value;
    }
    return { fields, journal };
  }

  private applyTaskDefaults(table: string, record: SandboxRecord, user: string, now: string): void {
    record['number'] ||= this.nextNumber(table);
    record['sys_class_name'] ||= table;
    record['active'] ||= 'true';
    record['opened_at'] ||= now;
    if (!record['opened_by']) {
      const opener = this.userNameIndex.get(user);
      if (opener) record['opened_by'] = opener;
    }
    if (table === 'incident') {
      record['state'] ||= '1';
      record['incident_state'] ||= record['state'];
      record['impact'] ||= '3';
      record['urgency'] ||= '3';
      record['reassignment_count'] ||= '0';
      record['reopen_count'] ||= '0';
      // "Made SLA" defaults to true; the SLA engine sets it false when an SLA of the incident breaches.
      record['made_sla'] ||= 'true';
    }
    if (table === 'problem') record['state'] ||= '101';
    if (table === 'incident_task') record['state'] ||= '1';
    if (record['impact'] && record['urgency']) record['priority'] ||= priorityFor(record['impact'], record['urgency']);
  }

  /** The out-of-box task business rules a connector can observe. */
  private applyTaskRules(table: string, record: SandboxRecord, changes: SandboxRecord, given: SandboxRecord, user: string, now: string): void {
    if ('assignment_group' in changes && record['assignment_group'] && !('reassignment_count' in given)) {
      changes['reassignment_count'] = String(Number(record['reassignment_count'] || '0') + 1);
    }
    if (('impact' in changes || 'urgency' in changes) && !('priority' in given)) {
      changes['priority'] = priorityFor(changes['impact'] ?? record['impact'] ?? '3', changes['urgency'] ?? record['urgency'] ?? '3');
    }
    if (table === 'problem' && 'state' in changes) {
      // Problem state model: Closed (107, cancelled problems included) is inactive; Resolved (106)
      // stamps resolved_at/resolved_by; moving back to an open state reactivates the problem.
      const state = changes['state'] ?? '';
      if (!('active' in given)) changes['active'] = state === '107' ? 'false' : 'true';
      const userId = this.userNameIndex.get(user) ?? '';
      if (state === '106' || state === '107') {
        if (!record['resolved_at'] && !('resolved_at' in given)) changes['resolved_at'] = now;
        if (!record['resolved_by'] && !('resolved_by' in given) && userId) changes['resolved_by'] = userId;
      }
      if (state === '107' && !record['closed_at'] && !('closed_at' in given)) changes['closed_at'] = now;
      if (!['106', '107'].includes(state) && ['106', '107'].includes(record['state'] ?? '')) {
        if (!('resolved_at' in given)) changes['resolved_at'] = '';
        if (!('closed_at' in given)) changes['closed_at'] = '';
      }
      return;
    }
    if (table !== 'incident' || !('state' in changes)) return;
    const state = changes['state'] ?? '';
    if (!('incident_state' in given)) changes['incident_state'] = state;
    if (!('active' in given)) changes['active'] = state === '7' || state === '8' ? 'false' : 'true';
    const userId = this.userNameIndex.get(user) ?? '';
    if (state === '6' || state === '7') {
      if (!record['resolved_at'] && !('resolved_at' in given)) changes['resolved_at'] = now;
      if (!record['resolved_by'] && !('resolved_by' in given) && userId) changes['resolved_by'] = userId;
    }
    if (state === '7' && !record['closed_at'] && !('closed_at' in given)) changes['closed_at'] = now;
    const wasResolved = record['state'] === '6' || record['state'] === '7';
    if (wasResolved && ['1', '2', '3'].includes(state) && !('reopen_count' in given)) {
      changes['reopen_count'] = String(Number(record['reopen_count'] || '0') + 1);
    }
  }

  /** Next free number for a task table; skips numbers already taken (seeded INC0000045…). */
  private nextNumber(table: string): string {
    const task = TASK_TABLES.get(table);
    if (!task) return '';
    let next = this.numberCounters.get(table) ?? task.start;
    let number: string;
    do {
      number = `${task.prefix}${String(next).padStart(7, '0')}`;
      next++;
    } while (this.numberIndex.has(number));
    this.numberCounters.set(table, next);
    return number;
  }

  private addJournal(table: string, sysId: string, element: 'work_notes' | 'comments', value: string, user: string, createdOn: string): void {
    const entry = this.insert(
      'sys_journal_field',
      {
        element_id: sysId,
        element,
        name: table,
        value,
        sys_created_on: createdOn,
        sys_created_by: user,
        sys_updated_on: createdOn,
        sys_updated_by: user,
      },
      user,
      { system: true },
    ) as unknown as JournalEntry;
    let entries = this.journalIndex.get(sysId);
    if (!entries) {
      entries = [];
      this.journalIndex.set(sysId, entries);
    }
    entries.push(entry);
  }

  /** Journal text as the form shows it: newest first, "<when> - <who> (<label>)\n<text>\n\n". */
  private formatJournal(sysId: string, element: 'work_notes' | 'comments', label: string): string {
    const entries = this.journal(sysId, element);
    let text = '';
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (!entry) continue;
      const userId = this.userNameIndex.get(entry.sys_created_by);
      const user = userId ? this.get('sys_user', userId) : undefined;
      const who = user?.['name'] || entry.sys_created_by;
      text += `${entry.sys_created_on} - ${who} (${label})\n${entry.value}\n\n`;
    }
    return text;
  }

  private touch(table: string): void {
    this.versions.set(table, (this.versions.get(table) ?? 0) + 1);
  }

  private tableFor(table: string): Map<string, SandboxRecord> {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = new Map();
      this.tables.set(table, rows);
    }
    return rows;
  }

  private columnSet(table: string): Set<string> {
    let columns = this.columnsByTable.get(table);
    if (!columns) {
      const missing = this.missing.get(table);
      columns = new Set([...(TASK_TABLES.has(table) ? TASK_COLUMNS : []), ...(TABLE_COLUMNS.get(table) ?? [])].filter((f) => !missing?.has(f)));
      this.columnsByTable.set(table, columns);
    }
    return columns;
  }

  private noteColumns(table: string, record: SandboxRecord): void {
    const columns = this.columnSet(table);
    const missing = this.missing.get(table);
    for (const field of Object.keys(record)) if (!missing?.has(field)) columns.add(field);
  }

  private indexFor<V>(index: Map<string, Map<string, V>>, table: string): Map<string, V> {
    let map = index.get(table);
    if (!map) {
      map = new Map();
      index.set(table, map);
    }
    return map;
  }

  private indexRecord(table: string, record: SandboxRecord, previous: SandboxRecord | undefined): void {
    const sysId = record['sys_id'] ?? '';
    const number = record['number'];
    if (number && number !== previous?.['number']) {
      if (previous?.['number']) this.numberIndex.delete(previous['number']);
      this.numberIndex.set(number, { table, sysId });
    }
    const display = this.recordDisplayValue(table, record);
    const before = previous ? this.recordDisplayValue(table, previous) : undefined;
    if (display && display !== before) {
      const index = this.indexFor(this.displayIndex, table);
      if (before && index.get(before) === sysId) index.delete(before);
      if (!index.has(display)) index.set(display, sysId);
    }
    if (table === 'sys_user') {
      const userName = record['user_name'];
      if (userName && userName !== previous?.['user_name']) {
        if (previous?.['user_name']) this.userNameIndex.delete(previous['user_name']);
        this.userNameIndex.set(userName, sysId);
      }
    }
  }
}
