import { z } from 'zod';

/**
 * Wire schemas for audit log lines. Payloads are loose objects (unknown extra fields are kept and
 * stay covered by the hash) but every known field must have the right type: a log written by a
 * newer deskbridge still verifies, a corrupted one does not.
 */

/** The two logs deskbridge keeps; each lives in its own `<log>-YYYY-MM-DD[.n].jsonl` files. */
export const AuditLogName = z.enum(['qa', 'actions']);
export type AuditLogName = z.infer<typeof AuditLogName>;

export const AUDIT_LOG_NAMES: readonly AuditLogName[] = AuditLogName.options;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');

export const TicketRef = z.looseObject({
  /** `platform:instance:nativeId`. */
  key: z.string().min(1),
  /** Configured source id, e.g. `snow-prod`. */
  source: z.string().min(1),
  /** Human ticket number, e.g. `INC0012345`. */
  number: z.string().min(1),
});
export type TicketRef = z.infer<typeof TicketRef>;

export const QaCheckResult = z.looseObject({
  id: z.string().min(1),
  passed: z.boolean(),
  severity: z.string().min(1),
  message: z.string(),
});
export type QaCheckResult = z.infer<typeof QaCheckResult>;

/** One QA verdict on one ticket version (payload of the `qa` log). */
export const QaVerdict = z.looseObject({
  kind: z.literal('qa-verdict'),
  ticket: TicketRef,
  /** Ticket version the verdict is about. */
  version: z.string(),
  rule: z.string().min(1),
  /** sha256 of the rule set in force, so a verdict can be tied to the exact rules. */
  rulesHash: z.string(),
  passed: z.boolean(),
  /** Picked for manual review. */
  sampled: z.boolean(),
  checks: z.array(QaCheckResult),
  group: z.string().optional(),
  assignee: z.string().optional(),
  category: z.string().optional(),
  /** ISO 8601; the report's week and period use it, falling back to the entry's `at`. */
  resolvedAt: z.string().optional(),
});
export type QaVerdict = z.infer<typeof QaVerdict>;

/** Canonical field → value (null: empty), e.g. `{ group: "Network", assignee: null }`. */
export const FieldValues = z.record(z.string(), z.string().nullable());
export type FieldValues = z.infer<typeof FieldValues>;

export const WriteOutcome = z.enum(['created', 'updated', 'unchanged', 'superseded', 'skipped', 'failed', 'dead', 'dry-run']);
export type WriteOutcome = z.infer<typeof WriteOutcome>;

/** One write deskbridge made or tried (payload of the `actions` log). */
export const WriteRecord = z.looseObject({
  kind: z.literal('write'),
  /** Outbox entry id. */
  actionId: z.string().min(1),
  ticket: TicketRef,
  rule: z.string().min(1),
  /** Human description, e.g. `assign to Network Operations / Network Engineer 2`. */
  action: z.string(),
  type: z.string().min(1),
  outcome: WriteOutcome,
  attempt: z.number().int().nonnegative(),
  error: z.string().optional(),
  /** Assign: the group and assignee written (null: none). Absent in logs written before revert existed. */
  values: FieldValues.optional(),
  /** What an `updated` write replaced, by canonical field (null: it was empty); what `deskbridge revert` restores. */
  previous: FieldValues.optional(),
  /** A write made by `deskbridge revert`: the outbox id (`actionId`) of the write it undoes. */
  reverts: z.string().min(1).optional(),
});
export type WriteRecord = z.infer<typeof WriteRecord>;

const HeadRef = z.strictObject({ seq: z.number().int().nonnegative(), hash: Hex64 });

/**
 * First entry of a new segment, written by `deskbridge audit acknowledge` (never by the daemon):
 * the log did not match the head recorded in the state file, an operator looked at it and wrote
 * down why. The entry chains onto `linkedTo` (the recorded head when there was one, so the new
 * segment continues the history deskbridge vouched for), and `verify` checks the segment before it
 * against `recordedHead` and expects to find exactly the problem recorded in `found`.
 */
export const AuditBreak = z.looseObject({
  kind: z.literal('audit-break'),
  /** The head the state file recorded when the break was acknowledged (null: none was recorded). */
  recordedHead: HeadRef.nullable(),
  /** What this entry chains onto (its prev / seq - 1). */
  linkedTo: HeadRef,
  /** The last readable entry found on disk. */
  foundHead: HeadRef,
  /** The problem verify reported: kind, file name (no directory), 1-based line (0: a whole file). */
  found: z.looseObject({ kind: z.string().min(1), file: z.string(), line: z.number().int().nonnegative(), message: z.string() }),
  /** Who acknowledged it (operator name or OS user) and why. */
  by: z.string().min(1),
  reason: z.string().min(1),
});
export type AuditBreak = z.infer<typeof AuditBreak>;

export const AuditData = z.discriminatedUnion('kind', [QaVerdict, WriteRecord]);
export type AuditData = z.infer<typeof AuditData>;

/** Which payload each log holds; a `write` in the `qa` log is malformed. */
export const PAYLOAD_BY_LOG = {
  qa: QaVerdict,
  actions: WriteRecord,
} as const satisfies Record<AuditLogName, z.ZodType>;

export interface PayloadByLog {
  qa: QaVerdict;
  actions: WriteRecord;
}

/** What a line of each log may hold: its own payload, or a break record starting a new segment. */
export const LINE_PAYLOAD_BY_LOG = {
  qa: z.discriminatedUnion('kind', [QaVerdict, AuditBreak]),
  actions: z.discriminatedUnion('kind', [WriteRecord, AuditBreak]),
} as const satisfies Record<AuditLogName, z.ZodType>;

export function isBreak(data: unknown): data is AuditBreak {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === 'audit-break';
}

/**
 * One line of a log. Strict: a field added next to `data` would not be covered by the hash, so
 * it makes the line malformed. `data` is checked separately against the log's payload schema.
 */
export const AuditEnvelope = z.strictObject({
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** ISO 8601 UTC with `Z`; its UTC day names the file the entry is written to. */
  at: z.iso.datetime(),
  id: z.string().min(1),
  prev: Hex64,
  hash: Hex64,
  /** HMAC-SHA256 of `hash` under DESKBRIDGE_AUDIT_HMAC_KEY, when the writer had the key (README: "HMAC"). */
  mac: Hex64.optional(),
  data: z.record(z.string(), z.unknown()),
});
export type AuditEnvelope = z.infer<typeof AuditEnvelope>;

/** A parsed, schema-checked entry (hash not yet checked against the chain). */
export interface AuditEntry<T = AuditData> {
  seq: number;
  at: string;
  id: string;
  prev: string;
  hash: string;
  mac?: string;
  data: T;
}

export type QaEntry = AuditEntry<QaVerdict>;
export type WriteEntry = AuditEntry<WriteRecord>;
