import { z } from 'zod';
import { Ticket } from '../model/ticket.js';
import { mappingFunctions } from '../mapping/functions.js';
// The registry adds every platform's helpers (Jira's `$adfText`, …) to `mappingFunctions`.
import '../platforms/registry.js';

/**
 * What an expression in a rules or mapping file can see when the daemon evaluates it: the
 * variables bound for it (a note template's `$group`, a pattern's `$cluster`) and the fields of its
 * input (the canonical ticket for most rule expressions). `validate` checks the names an
 * expression uses against this (see name-lint.ts).
 *
 * The bindings are the ones the rule kinds pass at evaluation (src/engine/<kind>/index.ts); a
 * place not listed here is not checked for names, only for syntax.
 */

/** A variable bound for an expression, and what a person should read about it. */
export interface BoundVariable {
  kind: 'function' | 'value';
  what: string;
}

/** Field names of an input, with the fields of those that are objects of known shape. */
export type InputFields = ReadonlyMap<string, InputFields | undefined>;

export interface ExpressionScope {
  variables: ReadonlyMap<string, BoundVariable>;
  /** The input's fields; undefined when the input is not a ticket (pattern evidence, a native record). */
  fields?: InputFields;
  /** What the input is called in messages ("ticket"). */
  inputName?: string;
  /** What an evaluation that fails costs, for hints ("the rule fails for that ticket"). */
  failure?: string;
}

/** The fields of a zod object schema, recursively; other schemas (strings, arrays, `raw`) have none to check. */
function fieldsOf(schema: z.ZodType): InputFields | undefined {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  if (!(inner instanceof z.ZodObject)) return undefined;
  return new Map(Object.entries(inner.shape as Record<string, z.ZodType>).map(([name, field]) => [name, fieldsOf(field)]));
}

/** The canonical ticket's fields (`raw` has none listed: native fields are not known offline). */
export const TICKET_FIELDS: InputFields = fieldsOf(Ticket) ?? new Map();

const value = (what: string): BoundVariable => ({ kind: 'value', what });
const RULE = ['rule', value('the rule (`$rule.id`, `$rule.description`)')] as const;

const NONE: ReadonlyMap<string, BoundVariable> = new Map();
const OVER_TICKET: ExpressionScope = { variables: NONE, fields: TICKET_FIELDS, inputName: 'ticket' };

const scope = (variables: ReadonlyArray<readonly [string, BoundVariable]>, input: 'ticket' | 'other' = 'ticket'): ExpressionScope => ({
  variables: new Map(variables),
  ...(input === 'ticket' ? { fields: TICKET_FIELDS, inputName: 'ticket' } : {}),
});

const ROUTING_NOTE = scope([['group', value('the group the rule assigns')], ['assignee', value('the person the rule assigns, or empty')], ['why', value('why this person was picked')], RULE]);
const QA_WRITE_BACK = scope([['failed', value('the failed checks (`$failed.id`, `$failed.message`)')], RULE]);
const SLA_NOTE = scope([['sla', value('the SLA step (`$sla.elapsed`, `$sla.targetTime`, `$sla.dueAt`, …)')], RULE]);
const ESCALATION = scope([['to', value('the id of the source the copy is opened on')], RULE]);
const PATTERN_GROUP_BY = scope([['cluster', value("the ticket's text cluster")]]);
// Pattern texts render over the pattern's evidence (README: pattern evidence), not a ticket.
const PATTERN_EVIDENCE = scope([], 'other');

/**
 * Paths inside a rule (after `rules[i]`) with their scope; `*` matches any list index. The
 * `when` of every kind is evaluated over the ticket alone.
 */
const RULE_SCOPES: Readonly<Record<string, ReadonlyArray<readonly [string, ExpressionScope]>>> = {
  routing: [
    ['assign.skills', OVER_TICKET],
    ['note.template', ROUTING_NOTE],
  ],
  escalate: [
    ['copy.title', ESCALATION],
    ['copy.description', ESCALATION],
    ['copy.priority', ESCALATION],
    ['note.body', ESCALATION],
  ],
  qa: [
    ['checks.*.assert', OVER_TICKET],
    ['checks.*.message', OVER_TICKET],
    ['onFail.note.template', QA_WRITE_BACK],
    ['onFail.task.title', QA_WRITE_BACK],
    ['onFail.task.description', QA_WRITE_BACK],
    ['onSample.note.template', QA_WRITE_BACK],
  ],
  sla: [['escalations.*.note.template', SLA_NOTE]],
  pattern: [
    ['groupBy.*', PATTERN_GROUP_BY],
    ['problem.title', PATTERN_EVIDENCE],
    ['problem.description', PATTERN_EVIDENCE],
  ],
};

/** The scope of the expression at `path` inside a rule of `kind`; undefined where names are not checked. */
export function ruleExpressionScope(kind: string | undefined, path: readonly (string | number)[]): ExpressionScope | undefined {
  const key = path.map((step) => (typeof step === 'number' ? '*' : step)).join('.');
  if (key === 'when') return OVER_TICKET;
  if (kind === undefined) return undefined;
  return RULE_SCOPES[kind]?.find(([pattern]) => pattern === key)?.[1];
}

/**
 * What a mapping sees: the helpers every mapping may call, and for an inbound mapping `$source`
 * (src/mapping/mapper.ts); its input is a native record, whose fields are not known offline.
 */
export function mappingScope(direction: 'inbound' | 'outbound'): ExpressionScope {
  const variables = new Map<string, BoundVariable>(Object.keys(mappingFunctions).map((name) => [name, { kind: 'function', what: 'a mapping helper' }]));
  if (direction === 'inbound') variables.set('source', value('the source the record came from (`$source.id`, `$source.baseUrl`, …)'));
  return { variables, failure: direction === 'inbound' ? 'every record that reaches it is quarantined' : 'every write that reaches it fails' };
}

/** The mapping helpers, for a hint when one is called where it is not bound (in a rule). */
export function isMappingHelper(name: string): boolean {
  return Object.hasOwn(mappingFunctions, name);
}
