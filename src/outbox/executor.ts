import PQueue from 'p-queue';
import { planOf } from '../model/action.js';
import { PlatformError } from '../http/errors.js';
import { EvaluationCancelledError } from '../mapping/expression.js';
import type { Logger } from '../observability/logger.js';
import type { OutboxEntry, StateStore } from '../state/types.js';
import { buildsOn, deadWith, notSentReason } from './dependencies.js';
import type { ActionWriter } from './writer.js';
import { writeLogFields } from './write-view.js';

export interface DrainOptions {
  store: StateStore;
  sourceId: string;
  writer: ActionWriter;
  logger: Logger;
  concurrency: number;
  maxAttempts: number;
  /** Once aborted, no new write starts; writes already sent are allowed to finish and be recorded. */
  signal?: AbortSignal | undefined;
  /** Aborts writes in flight (shutdown grace period over); the outbox makes that safe. */
  writeSignal?: AbortSignal | undefined;
  now?: () => Date;
  onWritten?: (entry: OutboxEntry, outcome: string) => void;
}

export interface DrainSummary {
  sent: number;
  /** Dry run: writes planned and recorded but not sent (never counted as `sent`). */
  wouldSend: number;
  unchanged: number;
  superseded: number;
  failed: number;
  dead: number;
}

export function emptyDrainSummary(): DrainSummary {
  return { sent: 0, wouldSend: 0, unchanged: 0, superseded: 0, failed: 0, dead: 0 };
}

/** Thrown when the platform refuses our credentials: the source must stop, other sources go on. */
export class SourceStoppedError extends Error {
  override readonly name = 'SourceStoppedError';
  constructor(readonly platformError: PlatformError) {
    super(platformError.message);
  }
}

/** Retries wait at least this long, at most `MAX_BACKOFF_MS`, doubling per attempt. */
const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Sends every due outbox entry of a source. Tickets are written in parallel (bounded), but the
 * entries of one ticket go strictly in order, and a failure holds back that ticket's later
 * entries so a note never lands before the assignment it describes.
 */
export async function drainOutbox(options: DrainOptions): Promise<DrainSummary> {
  const { store, sourceId, writer, logger, maxAttempts } = options;
  const now = options.now ?? (() => new Date());
  const summary: DrainSummary = emptyDrainSummary();
  const queue = new PQueue({ concurrency: options.concurrency });
  let stop: Error | undefined;
  let rateLimited = false;
  /** The daemon is stopping and cancelled an outbound mapping: start no further write. */
  let cancelled = false;

  for (;;) {
    if (options.signal?.aborted || stop || rateLimited || cancelled) break;
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
      queue
        .add(async () => {
          let supersededPlan: string | undefined;
          /** Writes of this lane not made here (skipped), with why: later writes building on one are not sent either. */
          const notMade: { entry: OutboxEntry; why: string }[] = [];
          /** Entries the store dead-lettered together with one that died. */
          const deadWithOthers = new Set<string>();
          for (const entry of entries) {
            if (options.signal?.aborted || stop || rateLimited || cancelled) return;
            if (deadWithOthers.has(entry.id)) continue;
            // The rest of a plan made from a version someone has since changed is stale too.
            if (supersededPlan === planOf(entry.planned)) {
              await store.outbox.markDone(entry.id, { outcome: 'superseded', ref: undefined });
              summary.superseded++;
              logger.info('Write superseded: the rest of a plan whose ticket changed since it was planned', { ...writeLogFields(entry), outcome: 'superseded' });
              continue;
            }
            const blocker = notMade.find((n) => buildsOn(entry.planned, n.entry.planned));
            if (blocker) {
              const reason = notSentReason(blocker.entry.planned, 'skipped', blocker.why);
              await store.outbox.markDone(entry.id, { outcome: 'skipped', ref: undefined, reason });
              summary.unchanged++;
              logger.warn('Write skipped', { ...writeLogFields(entry), outcome: 'skipped', reason });
              continue;
            }
            const sent = await sendOne(entry);
            if (sent === undefined) return;
            progressed = true;
            if (sent.outcome === 'dead') {
              // Dead-lettering resolved what builds on it; the rest of the lane goes on.
              for (const id of sent.with) deadWithOthers.add(id);
              continue;
            }
            if (sent.outcome === 'superseded') supersededPlan = planOf(entry.planned);
            if (sent.outcome === 'skipped') notMade.push({ entry, why: sent.reason ?? 'skipped' });
          }
        })
        .catch((error: unknown) => {
          // Only bookkeeping (the state store) can fail here; stop rather than guess.
          stop ??= error instanceof Error ? error : new Error(String(error));
        });
    }
    await queue.onIdle();
    // Entries that failed are rescheduled into the future, so an iteration without progress means
    // everything left is waiting for its retry time.
    if (!progressed) break;
  }
  if (stop) throw stop;
  return summary;

  /**
   * Returns the outcome (`dead` with the entries dead-lettered with it), or undefined when the entry
   * failed and waits for a retry (and so must the rest of its lane).
   */
  async function sendOne(entry: OutboxEntry): Promise<{ outcome: string; reason?: string | undefined; with: readonly string[] } | undefined> {
    if (!writer.dryRun) await store.outbox.markAttempt(entry.id);
    let result;
    try {
      result = await writer.write(entry, options.writeSignal);
    } catch (error) {
      const dead = await recordFailure(entry, error);
      return dead === undefined ? undefined : { outcome: 'dead', with: dead };
    }
    // Outside the try: a state-store failure after a confirmed write must not be mistaken for a
    // failed write (the marker makes the retry after a restart harmless).
    const reason = 'reason' in result ? result.reason : undefined;
    const previous = 'previous' in result ? result.previous : undefined;
    const ownVersion = 'ownVersion' in result ? result.ownVersion : undefined;
    await store.outbox.markDone(entry.id, { outcome: result.outcome, ref: result.ref, reason, previous, ownVersion });
    // One line per write at info or above, whatever became of it (the dry-run writer logs its own).
    if (result.outcome === 'dry-run') summary.wouldSend++;
    else if (result.outcome === 'unchanged') {
      summary.unchanged++;
      logger.info('Write not needed: the ticket already was as planned', { ...writeLogFields(entry), outcome: 'unchanged' });
    } else if (result.outcome === 'skipped') {
      // Changed nothing on the platform, so it counts as unchanged; the outbox and the action log keep why.
      summary.unchanged++;
      logger.warn('Write skipped', { ...writeLogFields(entry), outcome: 'skipped', reason });
    } else if (result.outcome === 'superseded') {
      summary.superseded++;
      logger.info('Write skipped: ticket changed since it was planned', { ...writeLogFields(entry), outcome: 'superseded' });
    } else {
      summary.sent++;
      logger.info('Write sent', { ...writeLogFields(entry), outcome: 'sent', result: result.outcome, ...(result.ref ? { ref: result.ref } : {}) });
    }
    options.onWritten?.(entry, result.outcome);
    return { outcome: result.outcome, reason, with: [] };
  }

  /** Records a failed attempt; returns the ids dead-lettered with it when the entry died, undefined when it waits for a retry. */
  async function recordFailure(entry: OutboxEntry, error: unknown): Promise<readonly string[] | undefined> {
    const message = error instanceof Error ? error.message : String(error);
    // Cancelled before anything was sent (shutdown): not an attempt, and never a reason to dead-letter.
    if (error instanceof EvaluationCancelledError) {
      await store.outbox.markFailed(entry.id, message, now(), { notProcessed: true });
      cancelled = true;
      return undefined;
    }
    const platformError = error instanceof PlatformError ? error : undefined;
    // Refused credentials stop the source: every other write would fail the same way. A 403 on
    // one write is usually a data policy or ACL on that record, so only that entry dies.
    if (platformError?.code === 'auth') {
      await store.outbox.markFailed(entry.id, message, now());
      stop = new SourceStoppedError(platformError);
      return undefined;
    }
    // Only a 429 or a request never sent proves nothing happened; a 503 may follow an applied write.
    const notProcessed = platformError !== undefined && (platformError.code === 'rate-limited' || platformError.code === 'circuit-open');
    const attempts = notProcessed ? entry.attempts : entry.attempts + 1;
    if (!platformError?.retryable || attempts >= maxAttempts) {
      const withIt = await store.outbox.markDead(entry.id, message, deadWith(entry.planned, message));
      summary.dead += 1 + withIt.length;
      logger.error('Outbox entry dead-lettered', {
        ...writeLogFields(entry),
        outcome: 'dead',
        attempts,
        error: message,
        ...(withIt.length > 0 ? { notSent: withIt.length, hint: `the writes building on it were not sent; deskbridge outbox retry ${entry.id.slice(0, 12)} queues them all again` } : {}),
      });
      // Each write dead-lettered with it gets its own line too (same lane, so the same ticket).
      for (const id of withIt)
        logger.error('Write not sent: it builds on a dead-lettered write', {
          source: sourceId,
          ticket: entry.planned.target.number,
          outbox: id.slice(0, 12),
          outcome: 'dead',
          buildsOn: entry.id.slice(0, 12),
        });
      return withIt;
    }
    const backoffMs = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
    const delayMs = Math.max(backoffMs, (platformError.details.retryAfterSeconds ?? 0) * 1000);
    await store.outbox.markFailed(entry.id, message, new Date(now().getTime() + delayMs), { notProcessed });
    summary.failed++;
    // The platform is throttling us, or is down: every other write now would fail too.
    if (platformError.code === 'rate-limited' || platformError.code === 'circuit-open') rateLimited = true;
    logger.warn('Outbox write failed, will retry', { ...writeLogFields(entry), outcome: 'failed', attempts, retryInMs: delayMs, error: message });
    return undefined;
  }
}
