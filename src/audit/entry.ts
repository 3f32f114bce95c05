import type { z } from 'zod';
import { entryHash } from './chain.js';
import { AuditEnvelope, LINE_PAYLOAD_BY_LOG, type AuditBreak, type AuditEntry, type AuditLogName, type PayloadByLog } from './schema.js';

export type ParsedLine<L extends AuditLogName> =
  | {
      ok: true;
      /** A log's own payload, or a break record that starts a new segment. */
      entry: AuditEntry<PayloadByLog[L] | AuditBreak>;
      /** Whether `hash` matches the entry's own content and `prev`. */
      hashOk: boolean;
    }
  | { ok: false; reason: string };

/** Parse one log line; the hash is recomputed over the data exactly as read, not as re-parsed. */
export function parseLine<L extends AuditLogName>(text: string, log: L): ParsedLine<L> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: text.trim() === '' ? 'blank line' : 'not valid JSON' };
  }
  const envelope = AuditEnvelope.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `not an audit entry: ${describeIssues(envelope.error)}` };
  const payload = LINE_PAYLOAD_BY_LOG[log].safeParse(envelope.data.data);
  if (!payload.success) {
    return { ok: false, reason: `data is not a valid ${log} payload: ${describeIssues(payload.error)}` };
  }
  const { seq, at, id, prev, hash, mac, data } = envelope.data;
  return {
    ok: true,
    entry: { seq, at, id, prev, hash, ...(mac !== undefined ? { mac } : {}), data: payload.data as PayloadByLog[L] | AuditBreak },
    hashOk: entryHash(prev, { seq, at, id, data }) === hash,
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
