import { PlatformError } from '../../http/errors.js';
import { FieldValue } from './schema.js';

/**
 * An instance drops a query condition on a field the table does not have (or that the
 * integration user may not read) and answers with whatever the rest of the query matches — often
 * the whole table (GlideRecord docs: "the invalid part of the query condition is dropped … which
 * may return all records", unless glide.invalid_query.returns_no_rows is set). Taking the first row
 * of such an answer once linked 14,672 incidents to one unrelated 2016 problem. So every row a
 * lookup returns is checked against what was asked before anything acts on it.
 */
export type Asked = { field: string; equals: string } | { field: string; contains: string } | { field: string; oneOf: ReadonlySet<string> };

export interface Widened {
  table: string;
  field: string;
  /** What the lookup asked for, e.g. `correlation_id=pattern:vpn`. */
  condition: string;
  /** The row's value, or undefined when the row does not carry the field at all. */
  actual: string | undefined;
}

/** The first condition a returned row does not satisfy, or undefined when every row fits. */
export function widened(table: string, rows: readonly unknown[], asked: readonly Asked[]): Widened | undefined {
  for (const row of rows) {
    const record = typeof row === 'object' && row !== null && !Array.isArray(row) ? (row as Record<string, unknown>) : {};
    for (const condition of asked) {
      const parsed = condition.field in record ? FieldValue.safeParse(record[condition.field]) : undefined;
      const actual = parsed?.success ? (parsed.data ?? '') : undefined;
      if (actual === undefined || !fits(actual, condition)) {
        return { table, field: condition.field, condition: describe(condition), actual };
      }
    }
  }
  return undefined;
}

/** Fields a lookup must ask for (`sysparm_fields`) so its rows can be checked. */
export function askedFields(asked: readonly Asked[]): string[] {
  return asked.map((condition) => condition.field);
}

export function widenedLookupError(sourceId: string, found: Widened): PlatformError {
  const got = found.actual === undefined ? `a ${found.table} record without ${found.field}` : `a ${found.table} record whose ${found.field} is "${clip(found.actual)}"`;
  return new PlatformError(
    `ServiceNow answered a ${found.table} lookup by ${found.condition} with ${got} (source ${sourceId}): the instance probably ` +
      `has no ${found.field} field on ${found.table} (or the integration user may not read it), so it dropped the condition and ` +
      'returned other records; deskbridge did not act on the answer',
    {
      platform: 'servicenow',
      sourceId,
      code: 'bad-response',
      // Asking again gets the same answer until an admin changes the instance.
      retryable: false,
      hint:
        `Check that ${found.table}.${found.field} exists (System Definition > Dictionary) and that no field ACL hides it from the integration user; ` +
        'the system property glide.invalid_query.returns_no_rows=true makes such a query return nothing instead of everything',
    },
  );
}

function fits(actual: string, condition: Asked): boolean {
  if ('equals' in condition) {
    // `=` on a string column follows the database collation, which is usually case-insensitive.
    return actual.toLowerCase() === condition.equals.toLowerCase();
  }
  if ('contains' in condition) return actual.toLowerCase().includes(condition.contains.toLowerCase());
  return condition.oneOf.has(actual);
}

function describe(condition: Asked): string {
  if ('equals' in condition) return `${condition.field}=${clip(condition.equals)}`;
  if ('contains' in condition) return `${condition.field}LIKE${clip(condition.contains)}`;
  return `${condition.field}IN(${condition.oneOf.size} values)`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
