import { fieldError, sendJson, validationFailed } from '../http.js';
import { readWorkspaceParam, rejectUnknownParams } from '../params.js';
import { renderTicket } from '../render.js';
import type { Call } from '../site.js';
import type { StoredTicket } from '../store.js';
import { parseFreshserviceDate } from '../time.js';

/**
 * GET /api/v2/tickets/filter?query="…" (https://api.freshservice.com/#filter_tickets): the query
 * is wrapped in double quotes, at most 512 characters, conditions `field:value`, `field:>value`
 * (≥), `field:<value` (≤) joined by AND / OR with parentheses; strings in single quotes, numbers
 * bare, `null` for unassigned agent/group. Dates compare as 'yyyy-mm-dd' (the supported fields
 * table also shows date-times for created_at / updated_at; both are accepted). 30 tickets a
 * page, `total` in the body, primary workspace unless `workspace_id` (0 = all).
 */

const FIELDS: Record<string, (t: StoredTicket) => unknown> = {
  requester_id: (t) => t.requester_id,
  agent_id: (t) => t.responder_id,
  group_id: (t) => t.group_id,
  priority: (t) => t.priority,
  status: (t) => t.status,
  impact: (t) => t.impact,
  urgency: (t) => t.urgency,
  tag: (t) => t.tags,
  due_by: (t) => t.due_by,
  fr_due_by: (t) => t.fr_due_by,
  created_at: (t) => t.created_at,
  updated_at: (t) => t.updated_at,
  workspace_id: (t) => t.workspace_id,
};
const DATE_FIELDS = new Set(['due_by', 'fr_due_by', 'created_at', 'updated_at']);
const PER_PAGE = 30;

type Node = { op: 'and' | 'or'; left: Node; right: Node } | { field: string; cmp: ':' | ':>' | ':<'; value: string | number | null };

class QueryError extends Error {}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|'[^']*'|:>|:<|:|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?)/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new QueryError(`Unexpected character at position ${i}`);
    tokens.push(m[1] ?? '');
    i = re.lastIndex;
  }
  return tokens;
}

function parse(tokens: string[]): Node {
  let pos = 0;
  const peek = () => tokens[pos];
  const expr = (): Node => {
    let left = term();
    while (peek()?.toUpperCase() === 'OR') {
      pos++;
      left = { op: 'or', left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = factor();
    while (peek()?.toUpperCase() === 'AND') {
      pos++;
      left = { op: 'and', left, right: factor() };
    }
    return left;
  };
  const factor = (): Node => {
    if (peek() === '(') {
      pos++;
      const inner = expr();
      if (tokens[pos++] !== ')') throw new QueryError('Missing )');
      return inner;
    }
    const field = tokens[pos++];
    const cmp = tokens[pos++];
    const raw = tokens[pos++];
    if (!field || !/^[a-z_][a-z0-9_]*$/i.test(field) || (cmp !== ':' && cmp !== ':>' && cmp !== ':<') || raw === undefined) throw new QueryError('Expected field:value');
    const value = raw === 'null' ? null : raw.startsWith("'") ? raw.slice(1, -1) : /^-?\d/.test(raw) ? Number(raw) : raw === 'true' || raw === 'false' ? raw : undefined;
    if (value === undefined) throw new QueryError(`Bad value ${raw}`);
    return { field, cmp, value };
  };
  const node = expr();
  if (pos !== tokens.length) throw new QueryError(`Unexpected ${tokens[pos] ?? ''}`);
  return node;
}

function matches(node: Node, t: StoredTicket, customFields: readonly string[]): boolean {
  if ('op' in node)
    return node.op === 'and' ? matches(node.left, t, customFields) && matches(node.right, t, customFields) : matches(node.left, t, customFields) || matches(node.right, t, customFields);
  const get = FIELDS[node.field];
  const actual = get ? get(t) : t.custom_fields[node.field];
  if (node.value === null) return node.cmp === ':' && actual === null;
  if (DATE_FIELDS.has(node.field)) {
    const ms = parseFreshserviceDate(String(node.value));
    if (ms === null || typeof actual !== 'number') return false;
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(String(node.value));
    if (node.cmp === ':>') return actual >= ms;
    // "less than or equal to" a date covers that whole day.
    if (node.cmp === ':<') return actual <= (dateOnly ? ms + 86_399_999 : ms);
    return dateOnly ? actual >= ms && actual < ms + 86_400_000 : actual === ms;
  }
  if (Array.isArray(actual)) return node.cmp === ':' && actual.includes(node.value);
  const value = node.value === 'true' ? true : node.value === 'false' ? false : node.value;
  if (node.cmp === ':') return actual === value;
  if (typeof actual !== 'number' || typeof value !== 'number') return false;
  return node.cmp === ':>' ? actual >= value : actual <= value;
}

function fieldsOf(node: Node): string[] {
  return 'op' in node ? [...fieldsOf(node.left), ...fieldsOf(node.right)] : [node.field];
}

export function filterTickets(call: Call): void {
  const { url, res, site } = call;
  const params = url.searchParams;
  rejectUnknownParams(params, ['query', 'page', 'workspace_id']);
  const raw = params.get('query');
  if (raw === null) throw validationFailed([fieldError('query', 'missing_field', 'It should be a mandatory field')]);
  if (!(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"'))) throw validationFailed([fieldError('query', 'invalid_value', 'Query should be enclosed between a pair of double quotes')]);
  const text = raw.slice(1, -1);
  if (text.length > 512) throw validationFailed([fieldError('query', 'invalid_value', 'Query can have up to 512 characters')]);
  let node: Node;
  try {
    node = parse(tokenize(text));
  } catch (error) {
    throw validationFailed([fieldError('query', 'invalid_value', error instanceof Error ? error.message : 'Invalid query')]);
  }
  const store = site.store;
  const custom = store.customFieldNames();
  const unknown = fieldsOf(node).filter((f) => !(f in FIELDS) && !custom.includes(f));
  if (unknown.length > 0) throw validationFailed(unknown.map((f) => fieldError(f, 'invalid_field', 'Unexpected/invalid field in request')));
  const pageText = params.get('page') ?? '1';
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) throw validationFailed([fieldError('page', 'datatype_mismatch', 'It should be a/an Positive Integer')]);
  const page = Number(pageText);
  const workspaceId = readWorkspaceParam(params, store.primaryWorkspace().id, (id) => store.workspace(id) !== undefined);
  const found = store
    .tickets()
    .filter((t) => !t.spam && !t.deleted && (workspaceId === null || t.workspace_id === workspaceId) && matches(node, t, custom))
    .sort((a, b) => b.created_at - a.created_at || b.id - a.id);
  const items = found.slice((page - 1) * PER_PAGE, page * PER_PAGE).map((t) => renderTicket(t, { list: true }));
  sendJson(res, 200, { tickets: items, total: found.length });
}
