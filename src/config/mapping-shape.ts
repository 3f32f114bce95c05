import jsonata from 'jsonata';
import { Ticket, TicketSource } from '../model/ticket.js';

/** A problem with what an inbound mapping produces, at a character index of the mapping text. */
export interface MappingShapeProblem {
  index: number;
  message: string;
  hint: string;
}

/** Fields the mapper sets itself (see `mapInbound`): a mapping need not, and cannot, provide them. */
const SET_BY_MAPPER: ReadonlySet<string> = new Set(['key', 'raw']);
const SOURCE_SET_BY_MAPPER: ReadonlySet<string> = new Set(['platform', 'instance']);

function requiredKeys(shape: Record<string, { safeParse(value: unknown): { success: boolean } }>, skip: ReadonlySet<string>): string[] {
  return Object.entries(shape)
    .filter(([key, schema]) => !skip.has(key) && !schema.safeParse(undefined).success)
    .map(([key]) => key);
}

/** The canonical ticket's required fields that an inbound mapping must produce. */
export const REQUIRED_TICKET_FIELDS: readonly string[] = requiredKeys(Ticket.shape, SET_BY_MAPPER);
export const REQUIRED_SOURCE_FIELDS: readonly string[] = requiredKeys(TicketSource.shape, SOURCE_SET_BY_MAPPER);

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
  expressions?: AstNode[];
  lhs?: AstNode | [AstNode, AstNode][];
  then?: AstNode;
  else?: AstNode;
  steps?: AstNode[];
  stages?: unknown;
  group?: unknown;
}

/**
 * Checks, without data, that an inbound mapping's result can be a ticket: the value it ends with
 * must be an object (a string, number, list or concatenation never is; `mapInbound` would
 * quarantine every record and `run` would still exit 0), and an object written out literally
 * must have every required field of the canonical ticket. Results it cannot see through (a
 * function call, a path) are left to run time.
 */
export function inboundShapeProblems(text: string): MappingShapeProblem[] {
  let ast: AstNode;
  try {
    ast = jsonata(text).ast() as AstNode;
  } catch {
    return []; // Syntax errors are reported by the syntax check.
  }
  const problems: MappingShapeProblem[] = [];
  for (const result of resultNodes(ast)) {
    const index = startIndex(text, result);
    if (isObjectConstructor(result)) {
      problems.push(...missingFields(result, index, REQUIRED_TICKET_FIELDS, ''));
      continue;
    }
    const kind = nonObjectKind(result);
    if (kind !== undefined) {
      problems.push({
        index,
        message: `Inbound mapping produces ${kind}, not an object: every record would be quarantined`,
        hint: `end the mapping with an object holding the ticket's fields: { "source": {…}, ${REQUIRED_TICKET_FIELDS.filter((f) => f !== 'source')
          .map((f) => `"${f}"`)
          .join(', ')} }`,
      });
    }
  }
  return problems;
}

/** The expressions whose value is the mapping's result: the last of a block, both branches of a condition. */
function resultNodes(node: AstNode): AstNode[] {
  if (node.type === 'block' && node.expressions !== undefined && node.expressions.length > 0) {
    return resultNodes(node.expressions[node.expressions.length - 1] as AstNode);
  }
  if (node.type === 'condition') {
    const none: AstNode = { type: 'undefined', ...(node.position === undefined ? {} : { position: node.position }) };
    return [...(node.then ? resultNodes(node.then) : []), ...(node.else ? resultNodes(node.else) : [none])];
  }
  return [node];
}

function isObjectConstructor(node: AstNode): boolean {
  return node.type === 'unary' && node.value === '{' && Array.isArray(node.lhs) && node.stages === undefined && node.group === undefined;
}

function nonObjectKind(node: AstNode): string | undefined {
  switch (node.type) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'value':
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a JSONata 'value' node is true, false or null
      return node.value === null ? 'null' : `the value ${String(node.value)}`;
    case 'regex':
      return 'a regular expression';
    case 'lambda':
      return 'a function';
    case 'undefined':
      return 'nothing when the condition is false';
    case 'unary':
      return node.value === '[' ? 'a list' : node.value === '-' ? 'a number' : undefined;
    case 'binary':
      if (node.value === '&') return 'a string (a "&" concatenation)';
      if (['+', '-', '*', '/', '%'].includes(String(node.value))) return 'a number';
      if (['=', '!=', '<', '<=', '>', '>=', 'and', 'or', 'in'].includes(String(node.value))) return 'a boolean';
      if (node.value === '..') return 'a list';
      return undefined;
    default:
      return undefined;
  }
}

function missingFields(node: AstNode, index: number, required: readonly string[], prefix: string): MappingShapeProblem[] {
  const pairs = Array.isArray(node.lhs) ? node.lhs : [];
  const keys = new Map<string, AstNode>();
  for (const [key, value] of pairs) {
    // A computed key could be anything; then the object cannot be judged without data.
    if (key.type !== 'string' || typeof key.value !== 'string') return [];
    keys.set(key.value, value);
  }
  const problems: MappingShapeProblem[] = [];
  const missing = required.filter((field) => !keys.has(field));
  if (missing.length > 0) {
    problems.push({
      index,
      message: `Inbound mapping's ${prefix === '' ? 'ticket' : `"${prefix}"`} object has no ${missing.map((f) => `"${f}"`).join(', ')}: every record would be quarantined as an invalid ticket`,
      hint: `add ${missing.length === 1 ? 'it' : 'them'} (the shipped mappings/*.inbound.jsonata show every field; README "Rules reference" lists the canonical ticket)`,
    });
  }
  const source = keys.get('source');
  if (prefix === '' && source !== undefined && isObjectConstructor(source)) {
    problems.push(...missingFields(source, index, REQUIRED_SOURCE_FIELDS, 'source'));
  }
  return problems;
}

/** JSONata positions point just past a token; for `{`, `[` and literals walk back to their start. */
function startIndex(text: string, node: AstNode): number {
  const lhs = node.lhs as AstNode | undefined;
  if (node.type === 'binary' && lhs !== undefined && !Array.isArray(lhs)) return startIndex(text, lhs);
  if (node.type === 'path' && node.steps?.[0] !== undefined) return startIndex(text, node.steps[0]);
  const end = typeof node.position === 'number' ? Math.min(node.position, text.length) : 0;
  if (node.type === 'unary' && (node.value === '{' || node.value === '[')) return Math.max(0, end - 1);
  if (node.type === 'string' && typeof node.value === 'string') {
    const open = text.lastIndexOf(text[end - 1] ?? '"', end - 2);
    return open >= 0 ? open : Math.max(0, end - 1);
  }
  if (typeof node.value === 'string' || typeof node.value === 'number') return Math.max(0, end - String(node.value).length);
  return Math.max(0, end - 1);
}
