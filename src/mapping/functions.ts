/**
 * Helper functions every mapping can call (`$display(caller_id)`). Written in TypeScript because
 * a JSONata lambda defined inside a mapping is re-created and interpreted on every record: the
 * same ServiceNow mapping ran 4x slower with its helpers written in JSONata.
 *
 * They take a ServiceNow-style field `{ value, display_value }` (what `sysparm_display_value=all`
 * returns) and treat "" as missing, so absent optional fields drop out of the ticket.
 */

type Field = { value?: unknown; display_value?: unknown } | null | undefined;

function text(value: unknown): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- field values are JSON scalars; an object prints as the platform would show it
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function asField(field: unknown): Field {
  return typeof field === 'object' ? field : undefined;
}

const builtins = {
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
   * The name people read from a Jira field value: a string as is; an option, group, component,
   * team or user object's `value` / `name` / `displayName` / `title`; the first of an array.
   */
  nameOf: (value: unknown): string | undefined => nameOf(value),
} as const;

/** A helper a mapping calls as `$name(…)`. */
export type MappingFunction = (...args: never[]) => unknown;

/**
 * The functions bound in every mapping: the helpers above plus those the platforms contribute
 * (registered by src/platforms/registry.ts, e.g. Jira's `$adfText`). Live: a registration shows up
 * in every evaluation after it.
 */
export const mappingFunctions: Readonly<Record<string, MappingFunction>> & typeof builtins = { ...builtins };

const owners = new Map<string, string>(Object.keys(builtins).map((name) => [name, 'deskbridge']));

/**
 * Adds a platform's helpers to every mapping's functions. A name already taken by another owner is
 * refused: mappings call helpers by name, so two meanings of one name would silently swap one out.
 */
export function registerMappingFunctions(owner: string, functions: Readonly<Record<string, MappingFunction>>): void {
  for (const [name, fn] of Object.entries(functions)) {
    const taken = owners.get(name);
    if (taken !== undefined && taken !== owner) throw new Error(`mapping function $${name} of ${owner} is already defined by ${taken}`);
    owners.set(name, owner);
    (mappingFunctions as Record<string, MappingFunction>)[name] = fn;
  }
}

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
