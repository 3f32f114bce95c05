import { isIntegerField } from './dictionary.js';

/**
 * Encoded queries as ServiceNow documents them (Table API `sysparm_query`, "Operators available
 * for filters and queries"): `^` is AND, `^OR` ORs a condition with the one before it, `^NQ`
 * starts a new query whose result is ORed with the others, `ORDERBY<f>` / `ORDERBYDESC<f>` sort
 * the whole result. A literal caret inside a value is written `^^`.
 *
 * A condition on a field the table does not have is dropped by the store, as on a real instance
 * (see ServiceNowStore). An operator the sandbox does not know, though, is an error (an instance
 * drops it too): a malformed query silently returning everything would hide connector bugs.
 */

export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'NOT LIKE' | 'STARTSWITH' | 'ENDSWITH' | 'IN' | 'NOT IN' | 'ISEMPTY' | 'ISNOTEMPTY' | 'ANYTHING' | 'EMPTYSTRING';

export interface Condition {
  field: string;
  operator: Operator;
  value: string;
}

export interface OrderBy {
  field: string;
  descending: boolean;
}

/** One `^NQ` branch: every clause must hold; a clause holds when any of its conditions does. */
export type QueryBranch = Condition[][];

export interface ParsedQuery {
  /** Empty = no filter (every record matches). */
  branches: QueryBranch[];
  orderBy: OrderBy[];
}

export class EncodedQueryError extends Error {
  override readonly name = 'EncodedQueryError';
}

/** Longest first, so `NOT LIKE` wins over `NOT` and `>=` over `>`. Spaceless aliases are accepted too. */
const OPERATOR_TOKENS: readonly (readonly [string, Operator])[] = [
  ['EMPTYSTRING', 'EMPTYSTRING'],
  ['ISNOTEMPTY', 'ISNOTEMPTY'],
  ['STARTSWITH', 'STARTSWITH'],
  ['ENDSWITH', 'ENDSWITH'],
  ['NOT LIKE', 'NOT LIKE'],
  ['NOTLIKE', 'NOT LIKE'],
  ['ANYTHING', 'ANYTHING'],
  ['ISEMPTY', 'ISEMPTY'],
  ['NOT IN', 'NOT IN'],
  ['NOTIN', 'NOT IN'],
  ['LIKE', 'LIKE'],
  ['>=', '>='],
  ['<=', '<='],
  ['!=', '!='],
  ['IN', 'IN'],
  ['=', '='],
  ['>', '>'],
  ['<', '<'],
];

/** Splits on single carets; `^^` is an escaped literal caret. */
function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < query.length; i++) {
    const ch = query[i];
    if (ch !== '^') {
      current += ch;
      continue;
    }
    if (query[i + 1] === '^') {
      current += '^';
      i++;
      continue;
    }
    terms.push(current);
    current = '';
  }
  terms.push(current);
  return terms;
}

function parseCondition(term: string): Condition {
  // Field names are lower-case in ServiceNow and operators are upper-case words or symbols, so
  // the field ends at the first character that is not lower-case, a digit, `_` or `.`.
  const field = /^[a-z0-9_.]+/.exec(term)?.[0];
  if (!field) throw new EncodedQueryError(`Condition "${term}" has no field name`);
  const rest = term.slice(field.length);
  for (const [token, operator] of OPERATOR_TOKENS) {
    if (rest.startsWith(token)) {
      return { field, operator, value: normaliseValue(rest.slice(token.length)) };
    }
  }
  throw new EncodedQueryError(`Unsupported operator in condition "${term}"`);
}

/** Turns `javascript:gs.dateGenerate('2024-01-02','10:11:12')` into the internal date-time form. */
function normaliseValue(value: string): string {
  const generated = /^javascript:gs\.dateGenerate\('(\d{4}-\d{2}-\d{2})',\s*'(\d{2}:\d{2}:\d{2})'\)$/.exec(value);
  if (generated) return `${generated[1]} ${generated[2]}`;
  if (value.startsWith('javascript:')) {
    throw new EncodedQueryError(`Script values are not supported by the sandbox: "${value}"`);
  }
  return value;
}

export function parseEncodedQuery(query: string): ParsedQuery {
  const branches: QueryBranch[] = [];
  const orderBy: OrderBy[] = [];
  let branch: QueryBranch = [];
  for (const rawTerm of splitTerms(query)) {
    let term = rawTerm;
    if (term === '' || term === 'EQ') continue;
    if (term.startsWith('ORDERBYDESC')) {
      orderBy.push({ field: term.slice('ORDERBYDESC'.length), descending: true });
      continue;
    }
    if (term.startsWith('ORDERBY')) {
      orderBy.push({ field: term.slice('ORDERBY'.length), descending: false });
      continue;
    }
    if (term.startsWith('NQ')) {
      if (branch.length > 0) branches.push(branch);
      branch = [];
      term = term.slice(2);
      if (term === '') continue;
    }
    if (term.startsWith('OR')) {
      const previous = branch.at(-1);
      if (!previous) throw new EncodedQueryError(`"^OR${term.slice(2)}" has no condition before it`);
      previous.push(parseCondition(term.slice(2)));
      continue;
    }
    branch.push([parseCondition(term)]);
  }
  if (branch.length > 0) branches.push(branch);
  return { branches, orderBy };
}

/** Reads a field of a record (dot-walked fields included); missing = empty string. */
export type FieldReader<T> = (record: T, field: string) => string;

type Compare = (a: string, b: string) => number;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareIntegers(a: string, b: string): number {
  const x = a === '' ? Number.NEGATIVE_INFINITY : Number(a);
  const y = b === '' ? Number.NEGATIVE_INFINITY : Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return compareStrings(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Integer columns compare numerically; everything else (date-times included) as strings. */
function comparerFor(field: string): Compare {
  return isIntegerField(field.slice(field.lastIndexOf('.') + 1)) ? compareIntegers : compareStrings;
}

function conditionPredicate<T>(condition: Condition, read: FieldReader<T>): (record: T) => boolean {
  const { field, operator, value } = condition;
  const compare = comparerFor(field);
  // LIKE and friends are case-insensitive on a real instance (database collation).
  const lower = value.toLowerCase();
  switch (operator) {
    case '=':
      return (r) => compare(read(r, field), value) === 0;
    case '!=':
      return (r) => compare(read(r, field), value) !== 0;
    case '>':
      return (r) => compare(read(r, field), value) > 0;
    case '>=':
      return (r) => compare(read(r, field), value) >= 0;
    case '<':
      return (r) => compare(read(r, field), value) < 0;
    case '<=':
      return (r) => compare(read(r, field), value) <= 0;
    case 'LIKE':
      return (r) => read(r, field).toLowerCase().includes(lower);
    case 'NOT LIKE':
      return (r) => !read(r, field).toLowerCase().includes(lower);
    case 'STARTSWITH':
      return (r) => read(r, field).toLowerCase().startsWith(lower);
    case 'ENDSWITH':
      return (r) => read(r, field).toLowerCase().endsWith(lower);
    case 'IN': {
      const set = new Set(value.split(','));
      return (r) => set.has(read(r, field));
    }
    case 'NOT IN': {
      const set = new Set(value.split(','));
      return (r) => !set.has(read(r, field));
    }
    case 'ISEMPTY':
    case 'EMPTYSTRING':
      return (r) => read(r, field) === '';
    case 'ISNOTEMPTY':
      return (r) => read(r, field) !== '';
    case 'ANYTHING':
      return () => true;
  }
}

/** Compiles the filter part once; the returned predicate is called per record. */
export function compileFilter<T>(parsed: ParsedQuery, read: FieldReader<T>): (record: T) => boolean {
  if (parsed.branches.length === 0) return () => true;
  const branches = parsed.branches.map((branch) => branch.map((clause) => clause.map((condition) => conditionPredicate(condition, read))));
  return (record) => branches.some((branch) => branch.every((clause) => clause.some((predicate) => predicate(record))));
}

/**
 * Sorts records by the ORDERBY terms, in the order given (stable: ties keep their order). Sort
 * keys are read once per record, not once per comparison: a 25k-row page query stays cheap.
 */
export function sortByOrder<T>(records: T[], parsed: ParsedQuery, read: FieldReader<T>): T[] {
  const terms = parsed.orderBy.map(({ field, descending }) => ({
    field,
    compare: comparerFor(field),
    sign: descending ? -1 : 1,
  }));
  if (terms.length === 0) return records;
  const keyed = records.map((record, index) => ({ record, index, keys: terms.map((t) => read(record, t.field)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < terms.length; i++) {
      const term = terms[i];
      if (!term) continue;
      const result = term.compare(a.keys[i] ?? '', b.keys[i] ?? '');
      if (result !== 0) return result * term.sign;
    }
    return a.index - b.index;
  });
  return keyed.map((entry) => entry.record);
}
