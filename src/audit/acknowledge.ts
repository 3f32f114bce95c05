import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { AuditLog } from './audit-log.js';
import { readHead } from './audit-log.js';
import type { ChainHead } from './chain.js';
import { AuditLogError } from './errors.js';
import type { AuditKey } from './hmac.js';
import type { AuditLogName } from './schema.js';
import { verifyAuditLog, type QueuedEvent, type VerifyProblem, type VerifyResult } from './verify.js';

export interface AcknowledgeOptions {
  /** The head the state file records for the log (undefined: none, e.g. the row was deleted). */
  recordedHead: ChainHead | undefined;
  /** Events still queued in the state file (see VerifyOptions.queued). */
  queued?: readonly QueuedEvent[];
  hmacKey?: AuditKey;
  /** Who acknowledges, and why: both recorded in the log. */
  by: string;
  reason: string;
  now?: () => Date;
}

export type AcknowledgeResult =
  | { acknowledged: true; problem: VerifyProblem; head: ChainHead; linkedTo: ChainHead; file: string; after: VerifyResult }
  | { acknowledged: false; why: 'intact' | 'changed-after-acknowledgment'; verify: VerifyResult };

/**
 * Accepts a broken log as it is: verifies it, and when it fails, starts a new segment (a new file)
 * whose first entry records the break — the head the state file had recorded, what verify found
 * and where, who and why — chained onto that recorded head (or onto the last entry on disk when no
 * head was recorded). The caller must then record the returned head in the state file. Old files
 * are not touched. Refuses when the log verifies, and when the problem lies in a segment an
 * earlier break already acknowledged (it changed since: that needs a restore, not a new break).
 */
export function acknowledgeBreak(dir: string, log: AuditLogName, options: AcknowledgeOptions): AcknowledgeResult {
  const key = options.hmacKey ? { hmacKey: options.hmacKey } : {};
  const verifyOptions = { headRequired: true, queued: options.queued ?? [], ...key };
  const recorded = options.recordedHead;
  const before = verifyAuditLog(dir, log, { ...verifyOptions, ...(recorded ? { expectedHead: recorded } : {}) });
  const problem = before.problem;
  if (before.ok || !problem) return { acknowledged: false, why: 'intact', verify: before };
  if (before.problemBeforeBreak) return { acknowledged: false, why: 'changed-after-acknowledgment', verify: before };
  if (options.reason.trim() === '' || options.by.trim() === '') throw new AuditLogError('invalid-event', 'an acknowledgment needs who (by) and why (reason)');
  let foundHead: ChainHead;
  try {
    foundHead = readHead(dir, log);
  } catch {
    // The last line is unreadable: the last entry verify could read is what was found.
    foundHead = before.head;
  }
  const linkedTo = recorded ?? foundHead;
  const at = (options.now ?? (() => new Date()))().toISOString();
  const appended = new AuditLog(dir, log, key).startSegment(
    {
      id: `audit-break:${randomUUID()}`,
      at,
      data: {
        kind: 'audit-break',
        recordedHead: recorded ? { seq: recorded.seq, hash: recorded.hash } : null,
        linkedTo: { seq: linkedTo.seq, hash: linkedTo.hash },
        foundHead: { seq: foundHead.seq, hash: foundHead.hash },
        found: { kind: problem.kind, file: basename(problem.file), line: problem.line, message: problem.message },
        by: options.by.trim(),
        reason: options.reason.trim(),
      },
    },
    linkedTo,
  );
  const after = verifyAuditLog(dir, log, { ...verifyOptions, expectedHead: appended.head });
  return { acknowledged: true, problem, head: appended.head, linkedTo, file: appended.files[0] ?? '', after };
}
