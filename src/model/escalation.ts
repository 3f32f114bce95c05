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

/** A comment or work note on a record, as escalation sync reads it (a connector's `readComments`). */
export interface RecordComment {
  /** The comment's own native id (ServiceNow journal entry sys_id, Jira comment id): mirrored once per id. */
  id: string;
  /** The record it is on. */
  nativeId: string;
  /** Who wrote it, as a person reads it (display name; the login where the platform gives no name). */
  author: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** Plain text (Jira Cloud's ADF flattened). */
  body: string;
  /** `internal`: a ServiceNow work note, a JSM internal comment; `public`: visible to the requester (or, outside JSM, any Jira comment). */
  visibility: 'internal' | 'public';
  /** Written by the integration user, i.e. by deskbridge: never mirrored (no echo). */
  own: boolean;
}
