import { z } from 'zod';
import { Duration, Jsonata, NoteSpec, RuleBase } from '../../model/rule.js';

export const QaSeverity = z.enum(['error', 'warning', 'info']);
export type QaSeverity = z.infer<typeof QaSeverity>;

export const QaCheck = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  /** JSONata over the ticket; truthy = the check passes. */
  assert: Jsonata,
  /** Only `error` checks fail the verdict; warnings and info are logged with it. */
  severity: QaSeverity.default('error'),
  /** What a person reads when the check fails; `{{ }}` placeholders see the ticket. */
  message: z.string().min(1),
});
export type QaCheck = z.infer<typeof QaCheck>;

const QaWriteBack = {
  /** A note on the ticket; the default text lists the failed checks. */
  note: z.union([z.literal(true), NoteSpec]).optional(),
  /** Set a native field, e.g. `{ field: u_qa_status, value: failed }`. */
  setField: z.strictObject({ field: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
};

export const QaRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('qa'),
  checks: z.array(QaCheck).min(1),
  /** Pick this share of checked tickets for manual review — the same tickets on every run (by ticket key). */
  sample: z.strictObject({ percent: z.number().min(0).max(100) }).optional(),
  /** Written back when an `error` check fails. */
  onFail: z
    .strictObject({
      ...QaWriteBack,
      /** Open a follow-up task on the ticket (`{{ }}` templates see the ticket and `$failed`). */
      task: z.strictObject({ title: z.string().min(1), description: z.string().default(''), group: z.string().min(1).optional() }).optional(),
    })
    .optional(),
  /** Written back when the ticket is picked for manual review. */
  onSample: z.strictObject(QaWriteBack).optional(),
  /**
   * Write back only for tickets resolved this recently (the verdict is logged either way): a first
   * sync of years of closed tickets must not leave a note on each of them.
   */
  writeBackWithin: Duration.prefault({ days: 7 }),
});
export type QaRule = z.infer<typeof QaRule>;
