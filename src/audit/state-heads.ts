import type { AuditQueue } from '../state/types.js';
import type { ChainHead } from './chain.js';
import { AUDIT_LOG_NAMES, type AuditLogName } from './schema.js';
import type { QueuedEvent } from './verify.js';

/** Events the state still queues: the first batch may already be in the log (a crash before its head was recorded). */
const QUEUED_LOOKAHEAD = 1_000;

/** What `verify` checks the log files against: the heads the state recorded, and what it still queues. */
export interface AuditStateHeads {
  heads: Partial<Record<AuditLogName, ChainHead>>;
  queued: Partial<Record<AuditLogName, QueuedEvent[]>>;
}

/** Reads both logs' recorded heads and queued events from a state's audit queue (`audit verify`, the console). */
export async function auditStateHeads(audit: AuditQueue): Promise<AuditStateHeads> {
  const view: AuditStateHeads = { heads: {}, queued: {} };
  const pending = await audit.pending(QUEUED_LOOKAHEAD);
  for (const log of AUDIT_LOG_NAMES) {
    const head = await audit.head(log);
    if (head) view.heads[log] = head;
    view.queued[log] = pending.filter((e) => e.log === log).map((e) => ({ id: e.id, at: e.at, data: e.data }));
  }
  return view;
}
