/**
 * What every rule shares, whatever its kind: the common fields, scope, durations, notes. Each
 * kind's own schema lives with its handler (src/engine/<kind>/schema.ts); the `Rule` union and
 * the rules file schema are built from the registry of kinds (src/engine/kinds.ts).
 */
import { z } from 'zod';
import { CommentVisibility } from './action.js';

/** A JSONata expression kept as source text; compiled (and positioned on error) by the loader. */
export const Jsonata = z.string().min(1);

export const RuleScope = z.strictObject({
  /** Source ids this rule applies to; unset = every source. */
  sources: z.array(z.string().min(1)).min(1).optional(),
  /** Assignment groups: the rule applies only to tickets currently in one of them (the group earlier rules gave counts); unset = any group or none. */
  groups: z.array(z.string().min(1)).min(1, 'list at least one group, or leave groups out').optional(),
});
export type RuleScope = z.infer<typeof RuleScope>;

/** The fields every rule has, whatever its kind: spread into each kind's schema. */
export const RuleBase = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  /** JSONata condition over the canonical ticket; a truthy result means the rule applies. */
  when: Jsonata,
  scope: RuleScope.optional(),
};

export const NoteSpec = z.strictObject({
  visibility: CommentVisibility.default('internal'),
  /** Text with `{{ jsonata }}` placeholders evaluated over the ticket, `$group`, `$assignee`, `$rule`. */
  template: z.string().min(1),
});
export type NoteSpec = z.infer<typeof NoteSpec>;

/** A span of time written the way admins think of it: `{ days: 28 }`, `{ hours: 24 }`. */
export const Duration = z
  .strictObject({
    days: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    minutes: z.number().min(0).optional(),
  })
  .refine((d) => (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0, 'give a positive number of days, hours or minutes');
export type Duration = z.infer<typeof Duration>;

export function durationMs(duration: Duration): number {
  return (((duration.days ?? 0) * 24 + (duration.hours ?? 0)) * 60 + (duration.minutes ?? 0)) * 60_000;
}

/** A similarity score, 0..1. */
export const Score = z.number().min(0).max(1);
