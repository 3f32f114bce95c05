import { JOURNAL_FIELDS, referenceTable } from './dictionary.js';
import type { SandboxRecord, ServiceNowStore } from './store.js';

/** `sysparm_display_value`: actual values, display values, or both. */
export type DisplayMode = 'false' | 'true' | 'all';

export interface RenderOptions {
  displayValue: DisplayMode;
  /** `sysparm_exclude_reference_link=true`: reference fields are plain strings, no `{link, value}` object. */
  excludeReferenceLink: boolean;
  /** `sysparm_fields`; unknown fields are ignored, as on a real instance. */
  fields?: readonly string[] | undefined;
  /** Base of the `link` URLs, e.g. http://127.0.0.1:4010 */
  baseUrl: string;
}

/**
 * Serialises a record the way the Table API does (docs: Table API GET, response examples):
 * reference fields are `{link, value}` unless links are excluded; with display_value=true a
 * reference is `{display_value, link}`; with display_value=all every field is
 * `{display_value, value}` (plus `link` on references). Journal fields have an empty value and
 * their history as display value.
 */
export function renderRecord(store: ServiceNowStore, table: string, record: Readonly<SandboxRecord>, options: RenderOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const columns = store.columns(table);
  const fields = options.fields ?? columns;
  const known = options.fields ? new Set(columns) : undefined;
  for (const field of fields) {
    if (known && !known.has(field) && !isDotWalk(field)) continue;
    out[field] = renderField(store, table, record, field, options);
  }
  return out;
}

function isDotWalk(field: string): boolean {
  const dot = field.indexOf('.');
  return dot > 0 && referenceTable(field.slice(0, dot)) !== undefined;
}

function renderField(store: ServiceNowStore, table: string, record: Readonly<SandboxRecord>, field: string, options: RenderOptions): unknown {
  const journal = JOURNAL_FIELDS.has(field) && table !== 'sys_journal_field';
  const value = journal ? '' : store.read(record, field);
  const mode = options.displayValue;
  const display = mode === 'false' ? '' : store.displayValue(table, record, field);
  const target = field.includes('.') ? undefined : referenceTable(field);
  if (target && value !== '' && !options.excludeReferenceLink) {
    const link = `${options.baseUrl}/api/now/table/${target}/${value}`;
    if (mode === 'false') return { link, value };
    if (mode === 'true') return { display_value: display, link };
    return { display_value: display, link, value };
  }
  if (mode === 'false') return value;
  if (mode === 'true') return display;
  return { display_value: display, value };
}
