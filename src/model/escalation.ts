import { z } from 'zod';

/** One end of an escalation: a ticket on one configured source. */
export const EscalationEnd = z.strictObject({
  sourceId: z.string().min(1),
  nativeId: z.string().min(1),
  number: z.string().min(1),
  url: z.string().optional(),
});
export type EscalationEnd = z.infer<typeof EscalationEnd>;

/**
 * A ticket and the linked copy an `escalate` rule opened for it on another source. Recorded in the
 * state in the same transaction that marks the `escalate` write done, so the link is never lost
 * and never recorded for a copy that does not exist; `correlationKey` (the write's) is its identity.
 */
export const EscalationLink = z.strictObject({
  correlationKey: z.string().min(1),
  ruleId: z.string().min(1),
  origin: EscalationEnd,
  copy: EscalationEnd,
  createdAt: z.iso.datetime({ offset: false }),
});
export type EscalationLink = z.infer<typeof EscalationLink>;
