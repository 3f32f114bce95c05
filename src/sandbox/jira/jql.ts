import { adfToText, richToText } from './adf.js';
import { STATUS_CATEGORIES, STATUSES, TEAM_FIELD_ID } from './catalogue.js';
import type { JiraStore, JiraUser, StoredIssue } from './store.js';
import { parseJqlDate } from './time.js';

/**
 * The JQL subset an incremental sync needs, written from Atlassian's JQL reference: clauses
 * `field op value`, `AND` / `OR` / `NOT` / parentheses, `ORDER BY`. Anything outside the
 * subset is a 400 with Jira-style messages rather than a silent "match everything".
 */

export class JqlError extends Error {}

type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~' | 'in' | 'not in' | 'is' | 'is not';

type Value = { kind: 'literal'; text: string } | { kind: 'function'; name: string; args: string[] } | { kind: 'empty' } | { kind: 'list'; items: Value[] };

type Node = { type: 'clause'; field: string; operator: Operator; value: Value } | { type: 'and' | 'or'; left: Node; right: Node } | { type: 'not'; node: Node };

export interface OrderTerm {
  field: string;
  direction: 'ASC' | 'DESC';
}

export interface JqlQuery {
  where: Node | null;
  orderBy: OrderTerm[];
}

interface Token {
  kind: 'word' | 'string' | 'op' | 'punct';
  text: string;
  position: number;
}

const OPERATORS = ['!=', '!~', '>=', '<=', '=', '>', '<', '~'];
const WORD_STOP = /[\s()=!<>~,"']/;
const RESERVED = new Set(['and', 'or', 'not', 'in', 'is', 'empty', 'null', 'order', 'by', 'asc', 'desc', 'was', 'changed']);
const VALID_OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'";

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const ch = jql.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, position: i });
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let text = '';
      let j = i + 1;
      while (j < jql.length && jql.charAt(j) !== ch) {
        if (jql.charAt(j) === '\\' && j + 1 < jql.length) j++;
        text += jql.charAt(j);
        j++;
      }
      if (j >= jql.length) throw new JqlError(`Error in the JQL Query: The quoted string '${text}' has not been completed. (line 1, character ${i + 1})`);
      tokens.push({ kind: 'string', text, position: i });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((candidate) => jql.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, position: i });
      i += op.length;
      continue;
    }
    if (ch === '&' && jql.charAt(i + 1) === '&') {
      tokens.push({ kind: 'word', text: 'AND', position: i });
      i += 2;
      continue;
    }
    if (ch === '|' && jql.charAt(i + 1) === '|') {
      tokens.push({ kind: 'word', text: 'OR', position: i });
      i += 2;
      continue;
    }
    let j = i;
    while (j < jql.length && !WORD_STOP.test(jql.charAt(j))) j++;
    if (j === i) throw new JqlError(`Error in the JQL Query: The character '${ch}' is a reserved JQL character. (line 1, character ${i + 1})`);
    tokens.push({ kind: 'word', text: jql.slice(i, j), position: i });
    i = j;
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token | undefined {
    return this.tokens[this.index++];
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  private fail(expecting: string): never {
    const token = this.peek();
    if (!token) throw new JqlError(`Error in the JQL Query: Expecting ${expecting} but reached the end of the query.`);
    throw new JqlError(`Error in the JQL Query: Expecting ${expecting} but got '${token.text}'. (line 1, character ${token.position + 1})`);
  }

  parse(): JqlQuery {
    let where: Node | null = null;
    if (this.peek() && !this.isWord(this.peek(), 'order')) where = this.parseOr();
    const orderBy: OrderTerm[] = [];
    if (this.isWord(this.peek(), 'order')) {
      this.next();
      if (!this.isWord(this.next(), 'by')) {
        this.index--;
        this.fail("'by'");
      }
      do {
        const field = this.next();
        if (!field || (field.kind !== 'word' && field.kind !== 'string')) {
          this.index--;
          this.fail('a field name');
        }
        let direction: OrderTerm['direction'] = 'ASC';
        if (this.isWord(this.peek(), 'asc') || this.isWord(this.peek(), 'desc')) {
          direction = (this.next()?.text.toUpperCase() ?? 'ASC') as OrderTerm['direction'];
        }
        orderBy.push({ field: field.text, direction });
      } while (this.peek()?.text === ',' && this.next());
    }
    if (this.peek()) this.fail(where ? "either 'OR' or 'AND'" : 'a field name');
    return { where, orderBy };
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseNot();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { type: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): Node {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.next();
      return { type: 'not', node: this.parseNot() };
    }
    if (token?.text === '(' && token.kind === 'punct') {
      this.next();
      const inner = this.parseOr();
      if (this.next()?.text !== ')') {
        this.index--;
        this.fail("')'");
      }
      return inner;
    }
    return this.parseClause();
  }

  private parseClause(): Node {
    const field = this.next();
    if (!field || (field.kind !== 'word' && field.kind !== 'string') || (field.kind === 'word' && RESERVED.has(field.text.toLowerCase()))) {
      this.index--;
      this.fail('a field name');
    }
    const operator = this.parseOperator();
    const value = operator === 'in' || operator === 'not in' ? this.parseList() : this.parseValue();
    return { type: 'clause', field: field.text, operator, value };
  }

  private parseOperator(): Operator {
    const token = this.next();
    if (token?.kind === 'op') return token.text as Operator;
    const word = token?.kind === 'word' ? token.text.toLowerCase() : '';
    if (word === 'in') return 'in';
    if (word === 'is') {
      if (this.isWord(this.peek(), 'not')) {
        this.next();
        return 'is not';
      }
      return 'is';
    }
    if (word === 'not' && this.isWord(this.peek(), 'in')) {
      this.next();
      return 'not in';
    }
    if (word === 'was' || word === 'changed') {
      throw new JqlError(`The sandbox does not support the history operator '${token?.text.toUpperCase()}'.`);
    }
    this.index--;
    this.fail(`operator. The valid operators are ${VALID_OPERATORS}`);
  }

  private parseList(): Value {
    if (this.peek()?.text !== '(') return this.parseValue();
    this.next();
    const items: Value[] = [this.parseValue()];
    while (this.peek()?.text === ',') {
      this.next();
      items.push(this.parseValue());
    }
    if (this.next()?.text !== ')') {
      this.index--;
      this.fail("')' or ','");
    }
    return { kind: 'list', items };
  }

  private parseValue(): Value {
    const token = this.next();
    if (!token || token.kind === 'op' || (token.kind === 'punct' && token.text !== '(')) {
      this.index--;
      this.fail('either a value, list or function');
    }
    if (token.kind === 'punct') {
      this.index--;
      return this.parseList();
    }
    if (token.kind === 'string') return { kind: 'literal', text: token.text };
    const lower = token.text.toLowerCase();
    if (lower === 'empty' || lower === 'null') return { kind: 'empty' };
    if (this.peek()?.text === '(' && this.peek()?.kind === 'punct') {
      this.next();
      const args: string[] = [];
      while (this.peek() && this.peek()?.text !== ')') {
        const arg = this.next();
        if (arg && arg.text !== ',') args.push(arg.text);
      }
      if (this.next()?.text !== ')') this.fail("')'");
      return { kind: 'function', name: token.text, args };
    }
    if (RESERVED.has(lower)) {
      this.index--;
      this.fail('either a value, list or function');
    }
    return { kind: 'literal', text: token.text };
  }
}

/** Parses JQL; throws {@link JqlError} with Jira-style messages. */
export function parseJql(jql: string): JqlQuery {
  return new Parser(tokenize(jql)).parse();
}

export interface JqlContext {
  store: JiraStore;
  /** The searching user: `currentUser()`, and the zone JQL dates are read in. */
  user: JiraUser;
  now: number;
}

type FieldKind = 'enum' | 'user' | 'date' | 'issue' | 'text' | 'list';

interface FieldSpec {
  name: string;
  kind: FieldKind;
  read: (issue: StoredIssue, ctx: JqlContext) => unknown;
  /** enum/list: canonical value for a JQL literal, undefined = no such value. */
  resolve?: (literal: string, ctx: JqlContext) => string | undefined;
}

const OPERATORS_BY_KIND: Record<FieldKind, readonly Operator[]> = {
  enum: ['=', '!=', 'in', 'not in', 'is', 'is not'],
  user: ['=', '!=', 'in', 'not in', 'is', 'is not'],
  list: ['=', '!=', 'in', 'not in', 'is', 'is not'],
  date: ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'is', 'is not'],
  issue: ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in'],
  text: ['~', '!~', 'is', 'is not'],
};

function userField(name: 'assignee' | 'reporter' | 'creator'): FieldSpec {
  return {
    name,
    kind: 'user',
    read: (issue) => issue[name],
    resolve: (literal, ctx) => {
      // Cloud in GDPR strict mode knows users by accountId only; Data Center by username.
      const user = ctx.store.flavour === 'cloud' ? ctx.store.userById(literal) : ctx.store.users().find((u) => u.name.toLowerCase() === literal.toLowerCase());
      return user?.accountId;
    },
  };
}

function dateField(name: string, read: (issue: StoredIssue) => number | null): FieldSpec {
  return { name, kind: 'date', read };
}

const FIELD_SPECS: Record<string, FieldSpec> = {};
function define(spec: FieldSpec, ...aliases: string[]): void {
  for (const alias of [spec.name, ...aliases]) FIELD_SPECS[alias.toLowerCase()] = spec;
}

define({ name: 'project', kind: 'enum', read: (i) => i.projectKey, resolve: (v, ctx) => ctx.store.project(v)?.key });
define({ name: 'issuetype', kind: 'enum', read: (i) => i.issueType, resolve: (v, ctx) => ctx.store.issueType(v)?.name }, 'type');
define({ name: 'status', kind: 'enum', read: (i) => i.status, resolve: (v, ctx) => ctx.store.status(v)?.name });
define({
  name: 'statusCategory',
  kind: 'enum',
  read: (i) => STATUSES.find((s) => s.name === i.status)?.category ?? null,
  resolve: (v) => STATUS_CATEGORIES.find((c) => c.key === v.toLowerCase() || c.name.toLowerCase() === v.toLowerCase() || String(c.id) === v)?.key,
});
define({ name: 'priority', kind: 'enum', read: (i) => i.priority, resolve: (v, ctx) => ctx.store.priority(v)?.name });
define({
  name: 'resolution',
  kind: 'enum',
  read: (i) => i.resolution,
  resolve: (v, ctx) => (v.toLowerCase() === 'unresolved' ? '\u0000unresolved' : ctx.store.resolution(v)?.name),
});
define(userField('assignee'));
define(userField('reporter'));
define(userField('creator'));
define(
  dateField('created', (i) => i.created),
  'createdDate',
);
define(
  dateField('updated', (i) => i.updated),
  'updatedDate',
);
define(
  dateField('resolved', (i) => i.resolutiondate),
  'resolutiondate',
);
define({ name: 'issuekey', kind: 'issue', read: (i) => i }, 'key', 'id', 'issue');
define({ name: 'summary', kind: 'text', read: (i) => i.summary });
define({ name: 'description', kind: 'text', read: (i) => (i.description ? richToText(i.description) : null) });
define({
  name: 'comment',
  kind: 'text',
  read: (i, ctx) =>
    ctx.store
      .comments(i.id)
      .map((c) => (c.body.kind === 'text' ? c.body.text : adfToText(c.body.doc)))
      .join('\n') || null,
});
define({
  name: 'text',
  kind: 'text',
  read: (i, ctx) => [i.summary, i.description ? richToText(i.description) : '', ...ctx.store.comments(i.id).map((c) => (c.body.kind === 'text' ? c.body.text : adfToText(c.body.doc)))].join('\n'),
});
define({ name: 'labels', kind: 'list', read: (i) => i.labels, resolve: (v) => v }, 'label');
define(
  {
    name: 'component',
    kind: 'list',
    read: (i) => i.components,
    resolve: (v, ctx) => {
      for (const project of ctx.store.projects()) {
        const hit = project.components.find((c) => c.toLowerCase() === v.toLowerCase());
        if (hit) return hit;
      }
      return undefined;
    },
  },
  'components',
);
define(
  {
    name: 'Team',
    kind: 'enum',
    read: (i) => i.team,
    resolve: (v, ctx) => ctx.store.team(v)?.id ?? ctx.store.teams().find((t) => t.name.toLowerCase() === v.toLowerCase())?.id,
  },
  'cf[10001]',
  'Team[Team]',
  TEAM_FIELD_ID,
);

function keyParts(key: string): { project: string; number: number } | undefined {
  const match = /^([A-Z][A-Z0-9_]*)-(\d+)$/i.exec(key);
  return match ? { project: (match[1] ?? '').toUpperCase(), number: Number(match[2]) } : undefined;
}

function textMatches(haystack: string, needle: string): boolean {
  const lower = haystack.toLowerCase();
  const terms = needle
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  return terms.length > 0 && terms.every((term) => lower.includes(term));
}

type Predicate = (issue: StoredIssue) => boolean;

function compileClause(clause: Extract<Node, { type: 'clause' }>, ctx: JqlContext): Predicate {
  const spec = FIELD_SPECS[clause.field.toLowerCase()];
  if (!spec) throw new JqlError(`Field '${clause.field}' does not exist or you do not have permission to view it.`);
  const { operator } = clause;
  if (!OPERATORS_BY_KIND[spec.kind].includes(operator)) {
    throw new JqlError(`The operator '${operator.toUpperCase()}' is not supported by the '${clause.field}' field.`);
  }
  const read = (issue: StoredIssue): unknown => spec.read(issue, ctx);
  const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

  if (operator === 'is' || operator === 'is not') {
    if (clause.value.kind !== 'empty') throw new JqlError(`The operator '${operator.toUpperCase()}' only supports EMPTY or NULL.`);
    return operator === 'is' ? (issue) => isEmpty(read(issue)) : (issue) => !isEmpty(read(issue));
  }
  if (clause.value.kind === 'empty') {
    if (operator === '=') return (issue) => isEmpty(read(issue));
    if (operator === '!=') return (issue) => !isEmpty(read(issue));
    throw new JqlError(`The operator '${operator.toUpperCase()}' does not support the EMPTY value.`);
  }
  const literals = clause.value.kind === 'list' ? clause.value.items : [clause.value];
  if ((operator === 'in' || operator === 'not in') && clause.value.kind !== 'list') {
    throw new JqlError(`The operator '${operator.toUpperCase()}' requires a list of values.`);
  }
  if (clause.value.kind === 'list' && operator !== 'in' && operator !== 'not in') {
    throw new JqlError(`The operator '${operator}' does not support multiple values.`);
  }

  const literalText = (value: Value): string | null => {
    if (value.kind === 'literal') return value.text;
    if (value.kind === 'empty') return null;
    if (value.kind === 'function') {
      const name = value.name.toLowerCase();
      if (name === 'currentuser' && spec.kind === 'user') return ctx.store.userRef(ctx.user);
      if (name === 'now' && spec.kind === 'date') return String(ctx.now);
      throw new JqlError(`Unable to find JQL function '${value.name}(${value.args.join(', ')})'.`);
    }
    throw new JqlError(`Nested lists are not supported.`);
  };

  if (spec.kind === 'text') {
    const needle = literalText(clause.value) ?? '';
    const match = (issue: StoredIssue): boolean => {
      const text = read(issue);
      return typeof text === 'string' && textMatches(text, needle.replace(/[*?]/g, ''));
    };
    return operator === '~' ? match : (issue) => !match(issue);
  }

  if (spec.kind === 'date') {
    const bounds = literals.map((value) => {
      const text = literalText(value);
      const ms = text === null ? null : parseJqlDate(text, ctx.user.timeZone, ctx.now);
      if (ms === undefined) {
        throw new JqlError(
          `Date value '${text}' for field '${clause.field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
        );
      }
      return ms;
    });
    const bound = bounds[0] ?? null;
    return (issue) => {
      const value = read(issue) as number | null;
      if (value === null) return operator === 'in' ? bounds.includes(null) : false;
      switch (operator) {
        case '=':
          return value === bound;
        case '!=':
          return value !== bound;
        case '>':
          return bound !== null && value > bound;
        case '>=':
          return bound !== null && value >= bound;
        case '<':
          return bound !== null && value < bound;
        case '<=':
          return bound !== null && value <= bound;
        case 'in':
          return bounds.includes(value);
        default:
          return !bounds.includes(value);
      }
    };
  }

  if (spec.kind === 'issue') {
    const refs = literals.map((value) => {
      const text = literalText(value) ?? '';
      if (/^\d+$/.test(text)) return { id: Number(text), key: undefined };
      const key = keyParts(text);
      if (!key) throw new JqlError(`The issue key '${text}' for field '${clause.field}' is invalid.`);
      return { id: undefined, key };
    });
    const compare = (issue: StoredIssue, ref: (typeof refs)[number]): number | undefined => {
      if (ref.id !== undefined) return Number(issue.id) - ref.id;
      const own = keyParts(issue.key);
      if (!own || !ref.key || own.project !== ref.key.project) return undefined;
      return own.number - ref.key.number;
    };
    return (issue) => {
      if (operator === 'in') return refs.some((ref) => compare(issue, ref) === 0);
      if (operator === 'not in') return refs.every((ref) => compare(issue, ref) !== 0);
      const ref = refs[0];
      const diff = ref ? compare(issue, ref) : undefined;
      if (operator === '!=') return diff !== 0;
      if (diff === undefined) return false;
      if (operator === '=') return diff === 0;
      if (operator === '>') return diff > 0;
      if (operator === '>=') return diff >= 0;
      if (operator === '<') return diff < 0;
      return diff <= 0;
    };
  }

  // enum, user, list: resolve every literal, rejecting unknown values as Jira does.
  const wanted = literals.map((value) => {
    const text = literalText(value);
    if (text === null) return null;
    const resolved = spec.resolve?.(text, ctx);
    if (resolved === undefined) throw new JqlError(`The value '${text}' does not exist for the field '${clause.field}'.`);
    return resolved;
  });
  const holds = (issue: StoredIssue): boolean => {
    const value = read(issue);
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    return wanted.some((w) => (w === '\u0000unresolved' ? value === null : w === null ? isEmpty(value) : values.includes(w)));
  };
  if (operator === '=' || operator === 'in') return holds;
  // Jira's negative operators never match an empty field.
  return (issue) => {
    const value = read(issue);
    if (isEmpty(value) && !wanted.includes('\u0000unresolved')) return false;
    return !holds(issue);
  };
}

function compileNode(node: Node, ctx: JqlContext): Predicate {
  if (node.type === 'clause') return compileClause(node, ctx);
  if (node.type === 'not') {
    const inner = compileNode(node.node, ctx);
    return (issue) => !inner(issue);
  }
  const left = compileNode(node.left, ctx);
  const right = compileNode(node.right, ctx);
  return node.type === 'and' ? (issue) => left(issue) && right(issue) : (issue) => left(issue) || right(issue);
}

type SortKey = (issue: StoredIssue, ctx: JqlContext) => string | number | null;

const SORT_KEYS: Record<string, SortKey> = {
  created: (i) => i.created,
  createddate: (i) => i.created,
  updated: (i) => i.updated,
  updateddate: (i) => i.updated,
  resolved: (i) => i.resolutiondate,
  resolutiondate: (i) => i.resolutiondate,
  id: (i) => Number(i.id),
  key: (i) => i.key,
  issuekey: (i) => i.key,
  priority: (i, ctx) => (i.priority === null ? null : Number(ctx.store.priority(i.priority)?.id ?? 0)),
  status: (i) => i.status,
  summary: (i) => i.summary.toLowerCase(),
  project: (i) => i.projectKey,
  issuetype: (i) => i.issueType,
  assignee: (i, ctx) => (i.assignee === null ? null : (ctx.store.userById(i.assignee)?.displayName ?? null)),
};

function compareKeys(a: StoredIssue, b: StoredIssue, key: string, sortKey: SortKey, ctx: JqlContext): number {
  if (key === 'key' || key === 'issuekey') {
    const ka = keyParts(a.key);
    const kb = keyParts(b.key);
    if (ka && kb) return ka.project === kb.project ? ka.number - kb.number : ka.project < kb.project ? -1 : 1;
  }
  const va = sortKey(a, ctx);
  const vb = sortKey(b, ctx);
  if (va === vb) return 0;
  // Empty values sort last ascending (first descending).
  if (va === null) return 1;
  if (vb === null) return -1;
  return va < vb ? -1 : 1;
}

export interface CompiledJql {
  filter: Predicate;
  compare: (a: StoredIssue, b: StoredIssue) => number;
}

/**
 * Compiles a parsed query against the store: unknown fields, operators a field does not support,
 * values that do not exist (project, status, user…) and bad dates throw {@link JqlError}. With no
 * ORDER BY results come newest id first; every order ends with `id ASC` as a tie-breaker.
 */
export function compileJql(query: JqlQuery, ctx: JqlContext): CompiledJql {
  const filter = query.where ? compileNode(query.where, ctx) : () => true;
  const terms = query.orderBy.length > 0 ? query.orderBy : [{ field: 'id', direction: 'DESC' as const }];
  const comparators = terms.map((term) => {
    const key = term.field.toLowerCase();
    const sortKey = SORT_KEYS[key];
    if (!sortKey) throw new JqlError(`Not able to sort using field '${term.field}'.`);
    const sign = term.direction === 'DESC' ? -1 : 1;
    return (a: StoredIssue, b: StoredIssue) => sign * compareKeys(a, b, key, sortKey, ctx);
  });
  return {
    filter,
    compare: (a, b) => {
      for (const comparator of comparators) {
        const result = comparator(a, b);
        if (result !== 0) return result;
      }
      return Number(a.id) - Number(b.id);
    },
  };
}
