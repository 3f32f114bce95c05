import { z } from 'zod';
import { CommentVisibility } from './action.js';
import { RuleTest } from './rule-test.js';

/** A JSONata expression kept as source text; compiled (and positioned on error) by the loader. */
export const Jsonata = z.string().min(1);

export const RuleScope = z.strictObject({
  /** Source ids this rule applies to; unset = every source. */
  sources: z.array(z.string().min(1)).min(1).optional(),
});

const RuleBase = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  /** JSONata condition over the canonical ticket; a truthy result means the rule applies. */
  when: Jsonata,
  scope: RuleScope.optional(),
};

export const RoutingStrategy = z.enum(['fixed', 'round-robin', 'least-loaded']);
export type RoutingStrategy = z.infer<typeof RoutingStrategy>;

export const NoteSpec = z.strictObject({
  visibility: CommentVisibility.default('internal'),
  /** Text with `{{ jsonata }}` placeholders evaluated over the ticket, `$group`, `$assignee`, `$rule`. */
  template: z.string().min(1),
});
export type NoteSpec = z.infer<typeof NoteSpec>;

export const RoutingRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('routing'),
  assign: z.strictObject({
    group: z.string().min(1),
    strategy: RoutingStrategy.default('fixed'),
    /** Fixed person (strategy `fixed`). */
    assignee: z.string().min(1).optional(),
    /** People to pick from (strategies `round-robin`, `least-loaded`). */
    members: z.array(z.string().min(1)).min(1).optional(),
  }),
  note: NoteSpec.optional(),
  /** Keep evaluating later rules after this one matched. */
  continue: z.boolean().default(false),
  /** Reassign tickets that already have a group. */
  override: z.boolean().default(false),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

export const Rule = z.discriminatedUnion('kind', [RoutingRule]);
export type Rule = z.infer<typeof Rule>;

export const RulesFile = z.strictObject({
  rules: z.array(Rule),
  /** Example tickets and the actions the rules above must take; run with `deskbridge test`. */
  tests: z.array(RuleTest).optional(),
});
export type RulesFile = z.infer<typeof RulesFile>;
