import { z } from 'zod';
import { Duration, NoteSpec, RuleBase } from '../../model/rule.js';
import { TicketStatus } from '../../model/ticket.js';

export const SlaTarget = z.strictObject({
  priority: z.number().int().min(1).max(5),
  /** Until someone responds (the ticket leaves `new`). */
  response: Duration.optional(),
  /** Until it is resolved. */
  resolution: Duration.optional(),
});

export type SlaTarget = z.infer<typeof SlaTarget>;

export const SlaStep = z.strictObject({
  /** Names the step in notes, marks and the audit trail; each step fires once per ticket. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  at: z.union([
    /** A share of the ticket's target: `{ percent: 75, of: resolution }`. */
    z.strictObject({ percent: z.number().gt(0).max(1000), of: z.enum(['response', 'resolution']) }),
    /** Time spent in a state: `{ age: { days: 5 }, status: [on_hold] }` (any open state when unset). */
    z.strictObject({ age: Duration, status: z.array(TicketStatus).min(1).optional() }),
  ]),
  /** A note, e.g. mentioning the person or group to act: `{{ }}` templates see the ticket and `$sla` (`elapsed`, `targetTime`, `dueAt` = this step, `resolutionDueAt`, `responseDueAt`, `step`). */
  note: NoteSpec.optional(),
  /** Reassign (e.g. to the next support level). */
  assign: z.strictObject({ group: z.string().min(1), assignee: z.string().min(1).optional() }).optional(),
  /** Set a native field, e.g. to raise the urgency: `{ field: urgency, value: "1" }`. */
  setField: z.strictObject({ field: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
  /** Open an escalation record: a follow-up task on the ticket. */
  task: z.strictObject({ title: z.string().min(1), description: z.string().default(''), group: z.string().min(1).optional() }).optional(),
});
export type SlaStep = z.infer<typeof SlaStep>;

export const SlaRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('sla'),
  /**
   * `24x7`, or the name of a group in the team file whose working hours, time zone and holidays
   * the targets are counted in (business hours).
   */
  calendar: z.string().min(1).default('24x7'),
  targets: z.array(SlaTarget).min(1),
  escalations: z.array(SlaStep).min(1),
  /**
   * A step that fell due longer ago than this when deskbridge first gets to it (a backlog synced
   * for the first time) is recorded as missed instead of written: nobody needs a warning about a
   * target that passed last year.
   */
  staleAfter: Duration.prefault({ days: 7 }),
});
export type SlaRule = z.infer<typeof SlaRule>;
