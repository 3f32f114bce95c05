import { z } from 'zod';
import { Jsonata, NoteSpec, RuleBase } from '../../model/rule.js';

export const RoutingStrategy = z.enum(['fixed', 'round-robin', 'least-loaded', 'skill-match', 'on-call']);
export type RoutingStrategy = z.infer<typeof RoutingStrategy>;

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
    /**
     * Pick from the group's members in the team file instead, skipping people off shift, on leave
     * or at capacity (always so for `skill-match` and `on-call`).
     */
    team: z.boolean().default(false),
    /** JSONata: the skills the ticket needs — `{"network": 3}` (minimum levels) or `["vpn"]` (any level). */
    skills: Jsonata.optional(),
  }),
  note: NoteSpec.optional(),
  /** Keep evaluating later rules after this one matched. */
  continue: z.boolean().default(false),
  /**
   * Reassign tickets that already have a group — only when `when` newly becomes true for the
   * ticket (false at its previous judgement, or never judged by this rule): a person who moves the
   * ticket afterwards is not overruled for the same trigger.
   */
  override: z.boolean().default(false),
  /** Apply at most once per ticket, ever. */
  once: z.boolean().default(false),
});
export type RoutingRule = z.infer<typeof RoutingRule>;
