import { z } from 'zod';
import { RuleTest } from '../model/rule-test.js';
import { dedupKind } from './dedup/index.js';
import { escalateKind } from './escalate/index.js';
import { patternKind } from './patterns/index.js';
import { qaKind } from './qa/index.js';
import type { RuleCommon, RuleKind } from './rule-kind.js';
import { routingKind } from './routing/index.js';
import { slaKind } from './sla/index.js';

/**
 * Every rule kind, one line each. The order is behaviour: a ticket is judged by the kinds in this
 * order (routing first, so later kinds see the group it gave; SLA last, see DESIGN.md), and the
 * rules file's `kind:` union lists them in it.
 */
export const RULE_KINDS = [routingKind, dedupKind, patternKind, qaKind, escalateKind, slaKind] as const satisfies readonly RuleKind[];

type SchemasOf<K extends readonly RuleKind[]> = { -readonly [I in keyof K]: K[I]['schema'] };

/** One rule of the rules file, any kind: the union of the registered kinds' schemas, in registry order. */
export const Rule = z.discriminatedUnion('kind', RULE_KINDS.map((k) => k.schema) as SchemasOf<typeof RULE_KINDS>);
export type Rule = z.infer<typeof Rule>;

export const RulesFile = z.strictObject({
  rules: z.array(Rule),
  /** Example tickets and the actions the rules above must take; run with `deskbridge test`. */
  tests: z.array(RuleTest).optional(),
});
export type RulesFile = z.infer<typeof RulesFile>;

/** The `Rule` union of a list of kinds (a test registry builds its own). */
export function ruleSchemaOf(kinds: readonly RuleKind[]): z.ZodType<RuleCommon> {
  const [first, ...rest] = kinds.map((k) => k.schema);
  if (first === undefined) throw new Error('a rule registry needs at least one kind');
  return z.discriminatedUnion('kind', [first, ...rest]);
}

/** The kind a rule belongs to, or undefined when no registered kind has that name. */
export function kindNamed(kinds: readonly RuleKind[], name: string): RuleKind | undefined {
  return kinds.find((k) => k.kind === name);
}
