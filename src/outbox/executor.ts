import PQueue from 'p-queue';
import { PlatformError } from '../http/errors.js';
import type { Logger } from '../observability/logger.js';
import type { OutboxEntry, StateStore } from '../state/types.js';
import type { ActionWriter } from './writer.js';

export interface DrainOptions {
  store: StateStore;
  sourceId: string;
  writer: ActionWriter;
  logger: Logger;
  concurrency: number;
  maxAttempts: number;
  /** Once aborted, no new write starts; writes already sent are allowed to finish and be recorded. */
  signal?: AbortSignal | undefined;
  now?: () => Date;
  onWritten?: (entry: OutboxEntry, outcome: string) => void;
}

export interface DrainSummary {
  sent: number;
  unchanged: number;
  failed: number;
  dead: number;
}

/** Thrown when the platform refuses our credentials: the source must stop, other sources go on. */
export class SourceStoppedError extends Error {
  override readonly name = 'SourceStoppedError';
  constructor(readonly platformError: PlatformError) {
    super(platformError.message);
  }
}

/**
 * Sends every due outbox entry of a source. Tickets are written in parallel (bounded), but the
 * entries of one ticket go strictly in order, and a failure holds back that ticket's later
 * entries so a note never lands before the assignment it describes.
 */
export async function drainOutbox(options: DrainOptions): Promise<DrainSummary> {
  const { store, sourceId, writer, logger, maxAttempts } = options;
  const now = options.now ?? (() => new Date());
  const summary: DrainSummary = { sent: 0, unchanged: 0, failed: 0, dead: 0 };
  const queue = new PQueue({ concurrency: options.concurrency });
  let stopped: SourceStoppedError | undefined;

  for (;;) {
    if (options.signal?.aborted || stopped) break;
    const due = await store.outbox.due(sourceId, now(), 500);
    if (due.length === 0) break;
    const byTicket = new Map<string, OutboxEntry[]>();
    for (const entry of due) {
      const list = byTicket.get(entry.ticketKey) ?? [];
      list.push(entry);
      byTicket.set(entry.ticketKey, list);
    }
    let progressed = false;
    for (const entries of byTicket.values()) {
      void queue.add(async () => {
        for (const entry of entries) {
          if (options.signal?.aborted || stopped) return;
          const ok = await sendOne(entry);
          progressed ||= ok;
          if (!ok) return;
        }
      });
    }
    await queue.onIdle();
    // Entries that failed are rescheduled into the future, so an iteration without progress means
    // everything left is waiting for its retry time.
    if (!progressed) break;
  }
  if (stopped) throw stopped;
  return summary;

  async function sendOne(entry: OutboxEntry): Promise<boolean> {
    try {
      if (!writer.dryRun) await store.outbox.markAttempt(entry.id);
      const result = await writer.write(entry);
      await store.outbox.markDone(entry.id, { outcome: result.outcome, ref: result.ref });
      if (result.outcome === 'unchanged') summary.unchanged++;
      else summary.sent++;
      options.onWritten?.(entry, result.outcome);
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Refused credentials stop the source: every other write would fail the same way. A 403 on
      // one write is usually a data policy or ACL on that record, so only that entry dies.
      if (error instanceof PlatformError && error.details.code === 'auth') {
        await store.outbox.markFailed(entry.id, message, now());
        stopped = new SourceStoppedError(error);
        return false;
      }
      const retryable = error instanceof PlatformError ? error.retryable : false;
      const attempts = entry.attempts + 1;
      if (!retryable || attempts >= maxAttempts) {
        await store.outbox.markDead(entry.id, message);
        summary.dead++;
        logger.error('Outbox entry dead-lettered', { source: sourceId, ticket: entry.planned.target.number, ruleId: entry.ruleId, attempts, error: message });
        return false;
      }
      const delayMs = Math.min(300_000, 1_000 * 2 ** (attempts - 1));
      await store.outbox.markFailed(entry.id, message, new Date(now().getTime() + delayMs));
      summary.failed++;
      logger.warn('Outbox write failed, will retry', { source: sourceId, ticket: entry.planned.target.number, ruleId: entry.ruleId, attempts, retryInMs: delayMs, error: message });
      return false;
    }
  }
}
