import { isIntegerField, JOURNAL_FIELDS, referenceTable, SYSTEM_COLUMNS, TASK_COLUMNS, TASK_TABLES } from './dictionary.js';
import type { ServiceNowStore } from './store.js';

/**
 * sys_db_object and sys_dictionary as an instance serves them through the Table API, built from
 * the sandbox's own tables: one sys_db_object row per table (`super_class` = the sys_id of the
 * parent's row; incident, problem, change_request and incident_task extend task), and one
 * sys_dictionary row per column under the table that defines it — so incident's
 * `assignment_group` is a row of task, as on an instance, and a custom column such as
 * `u_symptom` is a row of incident. Every table also has its collection row (empty `element`,
 * internal_type `collection`). Rows are added as tables and columns appear, before each read.
 */

export const DICTIONARY_TABLES: ReadonlySet<string> = new Set(['sys_dictionary', 'sys_db_object']);
const BASE_TASK_TABLE = 'task';

export function syncDictionaryTables(store: ServiceNowStore): void {
  const objects = new Map(store.list('sys_db_object').map((row) => [row['name'] ?? '', row['sys_id'] ?? '']));
  const defined = new Set(store.list('sys_dictionary').map((row) => `${row['name'] ?? ''}.${row['element'] ?? ''}`));
  const ensureTable = (name: string, parent: string | undefined): void => {
    if (objects.has(name)) return;
    const row = store.insert('sys_db_object', { name, label: label(name), super_class: parent === undefined ? '' : (objects.get(parent) ?? '') });
    objects.set(name, row['sys_id'] ?? '');
  };
  const ensureColumn = (table: string, element: string): void => {
    const key = `${table}.${element}`;
    if (defined.has(key)) return;
    defined.add(key);
    store.insert('sys_dictionary', { name: table, element, column_label: element === '' ? label(table) : label(element), internal_type: element === '' ? 'collection' : internalType(element) });
  };

  ensureTable(BASE_TASK_TABLE, undefined);
  for (const column of ['', ...SYSTEM_COLUMNS, ...TASK_COLUMNS]) ensureColumn(BASE_TASK_TABLE, column);
  const inherited = new Set<string>([...SYSTEM_COLUMNS, ...TASK_COLUMNS]);
  for (const table of store.tableNames()) {
    if (DICTIONARY_TABLES.has(table) || table === BASE_TASK_TABLE) continue;
    const extendsTask = TASK_TABLES.has(table);
    ensureTable(table, extendsTask ? BASE_TASK_TABLE : undefined);
    ensureColumn(table, '');
    for (const column of [...(extendsTask ? [] : SYSTEM_COLUMNS), ...store.columns(table)]) {
      if (extendsTask && inherited.has(column)) continue;
      ensureColumn(table, column);
    }
  }
}

/** `assignment_group` → "Assignment group", `u_symptom` → "Symptom" (custom columns carry a u_ prefix, not in their label). */
function label(name: string): string {
  const words = name.replace(/^u_/, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** sys_dictionary.internal_type: the name of the field's sys_glide_object type. */
function internalType(element: string): string {
  if (element === 'sys_id') return 'GUID';
  if (referenceTable(element) !== undefined) return 'reference';
  if (JOURNAL_FIELDS.has(element)) return 'journal_input';
  if (isIntegerField(element)) return 'integer';
  if (element === 'active' || element === 'made_sla' || element === 'known_error') return 'boolean';
  if (/_(on|at)$/.test(element)) return 'glide_date_time';
  return 'string';
}
