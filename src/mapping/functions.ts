/**
 * Helper functions every mapping can call (`$display(caller_id)`). Written in TypeScript because
 * a JSONata lambda defined inside a mapping is re-created and interpreted on every record: the
 * same ServiceNow mapping ran 4x slower with its helpers written in JSONata.
 *
 * They take a ServiceNow-style field `{ value, display_value }` (what `sysparm_display_value=all`
 * returns) and treat "" as missing, so absent optional fields drop out of the ticket.
 */
import { adfToText } from '../platforms/jira/adf.js';
import { jiraTimeToIso } from '../platforms/jira/time.js';

type Field = { value?: unknown; display_value?: unknown } | null | undefined;

function text(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function asField(field: unknown): Field {
  return typeof field === 'object' ? (field as Field) : undefined;
}

export const mappingFunctions = {
  /** The display value (names, labels); `fallback` when empty. */
  display: (field: unknown, fallback?: string): string | undefined => text(asField(field)?.display_value) ?? fallback,
  /** The stored value (codes, sys_ids, internal UTC times). */
  value: (field: unknown, fallback?: string): string | undefined => text(asField(field)?.value) ?? fallback,
  /** `yyyy-MM-dd HH:mm:ss` (UTC) → ISO 8601; falls back to a second field when the first is empty. */
  utc: (field: unknown, fallbackField?: unknown): string | undefined => {
    const raw = text(asField(field)?.value) ?? text(asField(fallbackField)?.value);
    return raw ? `${raw.replace(' ', 'T')}Z` : undefined;
  },
  /** An integer value, or undefined when empty or not a number. */
  int: (field: unknown): number | undefined => {
    const raw = text(asField(field)?.value);
    const n = raw === undefined ? Number.NaN : Number(raw);
    return Number.isInteger(n) ? n : undefined;
  },
  /**
   * Plain text of a rich-text value: Atlassian Document Format (Jira Cloud REST v3) flattened,
   * a plain or wiki-markup string (Jira Data Center) as it is; "" when empty.
   */
  adfText: (doc: unknown): string => (doc === undefined || doc === null ? '' : adfToText(doc)),
  /** A date-time with an offset (`2024-05-14T11:15:42.123+0200`, Jira's form) → ISO 8601 UTC. */
  isoUtc: (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? jiraTimeToIso(value) : undefined),
  /**
   * The name people read from a Jira field value: a string as is; an option, group, component,
   * team or user object's `value` / `name` / `displayName` / `title`; the first of an array.
   */
  nameOf: (value: unknown): string | undefined => nameOf(value),
} as const;

function nameOf(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return value.length === 0 ? undefined : nameOf(value[0]);
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return text(value);
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  for (const key of ['value', 'name', 'displayName', 'title']) {
    const found = text(typeof v[key] === 'string' ? v[key] : undefined);
    if (found !== undefined) {
      return found;
    }
  }
  return undefined;
}
