import { z } from 'zod';
import type { HttpClient } from '../../http/client.js';
import type { FieldDictionary, NameCheck, PlatformDirectory } from '../types.js';
import { and, condition, inList, orderBy, type EncodedQuery } from './query.js';
import { FieldValue } from './schema.js';

/**
 * `validate --online` for ServiceNow, through the connector's own client: GETs on the Table API
 * only. A table's columns are in sys_dictionary under the table that defines them, so incident's
 * `assignment_group` is a row of task: the hierarchy comes from sys_db_object (`super_class`
 * points at the parent's sys_db_object record), then one sys_dictionary query covers every table
 * of it. Groups are looked up by name in sys_user_group and people by name or user_name in
 * sys_user, because writes send them as display values (`sysparm_input_display_value=true`).
 */

/** Rows per sys_dictionary page; incident with task is about 150 rows, a customised one a few hundred. */
const DICTIONARY_PAGE = 1000;
/** A table hierarchy deeper than this is a loop in sys_db_object, not a real one. */
const MAX_DEPTH = 10;
/** Names per `nameIN` query: keeps the URL well under instance and proxy limits. */
const NAME_CHUNK = 50;
/** Groups listed for "did you mean" when a name is missing; one request, however many groups. */
const GROUP_LIST_LIMIT = 2000;

const Rows = z.object({ result: z.array(z.record(z.string(), z.unknown())) });

export interface DirectoryContext {
  http: HttpClient;
  table: string;
  /** Runs a query-building step, turning a refused value into the connector's error. */
  guard<T>(build: () => T): T;
  parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T;
}

export class ServiceNowDirectory implements PlatformDirectory {
  private readonly context: DirectoryContext;
  readonly requests = {
    fields: 'GET /api/now/table/sys_db_object and /api/now/table/sys_dictionary',
    groups: 'GET /api/now/table/sys_user_group',
    people: 'GET /api/now/table/sys_user',
  } as const;

  constructor(context: DirectoryContext) {
    this.context = context;
  }

  async fields(signal?: AbortSignal): Promise<FieldDictionary> {
    const tables = await this.hierarchy(signal);
    const names = new Set<string>();
    const labels = new Map<string, string>();
    const query = orderBy(and(inList('name', tables), 'elementISNOTEMPTY' as EncodedQuery), 'sys_id');
    for (let offset = 0; ; offset += DICTIONARY_PAGE) {
      const rows = await this.rows(
        'sys_dictionary',
        { sysparm_query: query, sysparm_fields: 'name,element,column_label,internal_type', sysparm_limit: DICTIONARY_PAGE, sysparm_offset: offset },
        signal,
      );
      for (const row of rows) {
        const element = text(row['element']);
        if (element === '') continue;
        names.add(element);
        const label = text(row['column_label']);
        if (label !== '' && !labels.has(label)) labels.set(label, element);
      }
      if (rows.length < DICTIONARY_PAGE) break;
    }
    const [own, ...parents] = tables;
    return { names, labels, checkedAgainst: `sys_dictionary of ${own ?? this.context.table}${parents.length > 0 ? ` (extends ${parents.join(', ')})` : ''}` };
  }

  async groups(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const found = await this.existing('sys_user_group', ['name'], names, signal);
    const missing = names.filter((name) => !found.has(name.toLowerCase()));
    if (missing.length === 0) return { missing: [], checkedAgainst: 'sys_user_group' };
    const listed = await this.rows('sys_user_group', { sysparm_query: orderBy('' as EncodedQuery, 'name'), sysparm_fields: 'name', sysparm_limit: GROUP_LIST_LIMIT }, signal);
    return { missing: missing.map((name) => ({ name })), known: listed.map((row) => text(row['name'])).filter((name) => name !== ''), checkedAgainst: 'sys_user_group' };
  }

  async people(names: readonly string[], signal?: AbortSignal): Promise<NameCheck> {
    const found = await this.existing('sys_user', ['name', 'user_name'], names, signal);
    return { missing: names.filter((name) => !found.has(name.toLowerCase())).map((name) => ({ name })), checkedAgainst: 'sys_user (name or user_name)' };
  }

  /** The table and the tables it extends, nearest first: incident → [incident, task]. */
  private async hierarchy(signal: AbortSignal | undefined): Promise<string[]> {
    const tables: string[] = [];
    let next: EncodedQuery = this.context.guard(() => condition('name', '=', this.context.table));
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const [row] = await this.rows('sys_db_object', { sysparm_query: next, sysparm_fields: 'sys_id,name,super_class', sysparm_limit: 1 }, signal);
      const name = row === undefined ? '' : text(row['name']);
      if (name === '' || tables.includes(name)) break;
      tables.push(name);
      const parent = text(row?.['super_class']);
      if (parent === '') break;
      next = this.context.guard(() => condition('sys_id', '=', parent));
    }
    // No sys_db_object row readable: the table's own dictionary rows are still worth reading.
    return tables.length > 0 ? tables : [this.context.table];
  }

  /** Lower-cased values of `fields` among the rows whose fields hold one of `names` (`=` follows the database collation: case-insensitive). */
  private async existing(table: string, fields: readonly string[], names: readonly string[], signal: AbortSignal | undefined): Promise<Set<string>> {
    const found = new Set<string>();
    // A comma or `^` cannot sit in an IN list; such a name is looked up on its own.
    const listable = names.filter((name) => !/[,^\r\n]/.test(name) && name !== '');
    for (let i = 0; i < listable.length; i += NAME_CHUNK) {
      const chunk = listable.slice(i, i + NAME_CHUNK);
      const query = this.context.guard(() => fields.map((field) => inList(field, chunk)).join('^OR') as EncodedQuery);
      const rows = await this.rows(table, { sysparm_query: query, sysparm_fields: fields.join(','), sysparm_limit: chunk.length * fields.length * 2 }, signal);
      for (const row of rows) for (const field of fields) found.add(text(row[field]).toLowerCase());
    }
    for (const name of names.filter((candidate) => !listable.includes(candidate) && !/[\^\r\n]/.test(candidate) && candidate !== '')) {
      const query = this.context.guard(() => fields.map((field) => condition(field, '=', name)).join('^OR') as EncodedQuery);
      const rows = await this.rows(table, { sysparm_query: query, sysparm_fields: fields.join(','), sysparm_limit: 2 }, signal);
      for (const row of rows) for (const field of fields) found.add(text(row[field]).toLowerCase());
    }
    return found;
  }

  private async rows(table: string, params: Record<string, string | number>, signal: AbortSignal | undefined): Promise<Record<string, unknown>[]> {
    const response = await this.context.http.request({
      method: 'GET',
      url: `/api/now/table/${table}`,
      params: { ...params, sysparm_exclude_reference_link: 'true', sysparm_no_count: 'true' },
      operation: `${table}-read`,
      signal,
    });
    return this.context.parse(Rows, response.data, `${table} list`).result;
  }
}

function text(raw: unknown): string {
  const parsed = FieldValue.safeParse(raw ?? '');
  return parsed.success ? (parsed.data ?? '') : '';
}
