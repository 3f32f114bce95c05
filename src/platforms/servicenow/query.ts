/**
 * Encoded-query building. In an encoded query `^` separates conditions (`^OR`, `^NQ` join them),
 * so a value containing `^` — a ticket number, a marker, anything a rule or a record supplied —
 * could append conditions of its own: `INC001^NQactive=true` would widen a lookup to every active
 * record. Values are therefore checked and rejected before any request is made; there is no
 * escape syntax to fall back on.
 */

/** An encoded query assembled from checked parts (a plain string could hold anything). */
export type EncodedQuery = string & { readonly __brand: 'EncodedQuery' };

export class EncodedQueryError extends Error {
  override readonly name = 'EncodedQueryError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'STARTSWITH';

const FIELD_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/;
// Longest alternatives first: `^ORDERBY…` must not be read as `^OR`.
const TOKEN_AFTER_CARET = /\^(ORDERBYDESC|ORDERBY|GROUPBY|NQ|EQ|OR)?/;

/** Throws unless `value` can sit in an encoded query without changing its structure. */
export function assertSafeValue(field: string, value: string): string {
  if (value.includes('^')) {
    throw new EncodedQueryError(`Value for ${field} contains "^", which would add conditions to a ServiceNow query`, field);
  }
  if (/[\r\n]/.test(value)) {
    throw new EncodedQueryError(`Value for ${field} contains a line break, which ServiceNow queries cannot carry`, field);
  }
  return value;
}

/** Throws unless `field` is a (possibly dot-walked) field name, e.g. `assignment_group.name`. */
export function assertFieldName(field: string): string {
  if (!FIELD_NAME.test(field)) {
    throw new EncodedQueryError(`"${field}" is not a valid ServiceNow field name`, field);
  }
  return field;
}

/** One checked condition, e.g. `condition('number', '=', 'INC0010001')` → `number=INC0010001`. */
export function condition(field: string, operator: Operator, value: string): EncodedQuery {
  assertFieldName(field);
  return `${field}${operator}${assertSafeValue(field, value)}` as EncodedQuery;
}

/**
 * `field` is one of `values`: `correlation_idINa,b,c`. The IN list is comma-separated with no
 * escape, so a value containing a comma (or nothing at all) is refused like a `^`.
 */
export function inList(field: string, values: readonly string[]): EncodedQuery {
  assertFieldName(field);
  if (values.length === 0) {
    throw new EncodedQueryError(`An IN condition on ${field} needs at least one value`, field);
  }
  for (const value of values) {
    assertSafeValue(field, value);
    if (value.includes(',') || value === '') {
      throw new EncodedQueryError(`Value for ${field} is empty or contains ",", which an IN list cannot carry`, field);
    }
  }
  return `${field}IN${values.join(',')}` as EncodedQuery;
}

/** Joins conditions with AND (`^`), skipping empty parts. */
export function and(...parts: readonly (EncodedQuery | undefined)[]): EncodedQuery {
  return parts.filter((part): part is EncodedQuery => part !== undefined && part !== '').join('^') as EncodedQuery;
}

/**
 * Joins whole branches with `^NQ` ("new query"), ServiceNow's top-level OR. Every branch must
 * repeat any shared filter itself: `A^B^NQC` means (A and B) or C, not A and (B or C).
 */
export function anyOf(...branches: readonly EncodedQuery[]): EncodedQuery {
  return branches.filter((branch) => branch !== '').join('^NQ') as EncodedQuery;
}

/** Appends `ORDERBY` clauses, which apply to the whole query wherever they appear. */
export function orderBy(query: EncodedQuery, ...fields: readonly string[]): EncodedQuery {
  for (const field of fields) {
    assertFieldName(field);
  }
  return and(query, ...fields.map((field) => `ORDERBY${field}` as EncodedQuery));
}

/**
 * Accepts the admin's own `query` from the source configuration. It is trusted to use `^` and
 * `^OR` (that is its purpose), but not `^NQ` or `ORDERBY`: the incremental pull ANDs its time
 * bounds onto this filter and repeats it in each `^NQ` branch, which a top-level OR or a second
 * ordering inside it would silently break. A trailing `^EQ` (what the list-filter "copy query"
 * produces) is dropped, since conditions after it would be ignored.
 */
export function configuredQuery(query: string | undefined): EncodedQuery | undefined {
  if (query === undefined) {
    return undefined;
  }
  const trimmed = query.trim().replace(/\^EQ$/, '');
  if (trimmed === '') {
    return undefined;
  }
  if (/[\r\n]/.test(trimmed)) {
    throw new EncodedQueryError('source query contains a line break; put the whole encoded query on one line', 'query');
  }
  for (const match of trimmed.matchAll(new RegExp(TOKEN_AFTER_CARET, 'g'))) {
    const token = match[1];
    if (token === 'NQ' || token === 'EQ' || token === 'GROUPBY' || token?.startsWith('ORDERBY')) {
      throw new EncodedQueryError(`source query may not contain ^${token}: the connector adds its own ordering and time bounds to it`, 'query');
    }
  }
  if (/^(ORDERBY|NQ)/.test(trimmed)) {
    throw new EncodedQueryError('source query may not start with ORDERBY or NQ', 'query');
  }
  return trimmed as EncodedQuery;
}
