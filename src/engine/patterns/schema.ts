import { z } from 'zod';
import { Duration, Jsonata, RuleBase, Score } from '../../model/rule.js';

export const PatternRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('pattern'),
  /**
   * JSONata expressions over the ticket; their values, joined, are the pattern's key. A missing
   * value means the ticket is not grouped. `$cluster` is the ticket's text cluster (the number of
   * the cluster's first ticket), for patterns the fields do not capture.
   */
  groupBy: z.array(Jsonata).min(1),
  /** How `$cluster` is formed: a ticket joins the cluster of its most similar earlier ticket scoring at least `threshold`. */
  cluster: z
    .strictObject({
      threshold: Score.default(0.5),
      lookBack: Duration.prefault({ days: 30 }),
    })
    .prefault({}),
  /** The recent window counted against the group's normal rate. */
  window: Duration,
  /** The period before the window over which the normal rate is measured. */
  baseline: Duration,
  /** Defaults chosen on the ServiceNow event log (bench/patterns.ts): see the README. */
  trigger: z
    .strictObject({
      /** Never fewer incidents than this in the window. */
      minCount: z.number().int().min(2).default(6),
      /** The window's count must be at least this many times the normal rate. */
      factor: z.number().min(1).default(5),
      /** Poisson tail probability of seeing the window's count at the normal rate must be below this. */
      maxPValue: z.number().gt(0).max(1).default(1e-5),
      /** Trigger at this count whatever the normal rate (unset: only departures trigger). */
      absoluteCount: z.number().int().min(2).optional(),
    })
    .prefault({}),
  problem: z.strictObject({
    /** `{{ }}` templates over the pattern's evidence (see README: pattern evidence). */
    title: z.string().min(1),
    description: z.string().min(1),
    /** Also link members whose problem field already points to another problem, replacing it (default: leave those alone, recorded as skipped). */
    overwrite: z.boolean().default(false),
  }),
  /** When the problem has been resolved or closed: open a `new` one at the next trigger, or `reopen` it at the next occurrence. */
  onClosed: z.enum(['new', 'reopen']).default('new'),
});
export type PatternRule = z.infer<typeof PatternRule>;
