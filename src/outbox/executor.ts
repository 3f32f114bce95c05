import PQueue from 'p-queue';
import { planOf } from '../model/action.js';
import { PlatformError } from '../http/errors.js';
import { EvaluationCancelledError } from '../mapping/expression.js';
import type { Logger } from '../observability/logger.js';
import type { OutboxEntry, StateStore } from '../state/types.js';
import { StateLeaseLostError } from '../state/lease.js';
import { buildsOn, deadWith, notSentReason } from './dependencies.js';
import type { CurrentRecord, WriteResult } from '../platforms/types.js';
import type { ActionWriter } from './writer.js';
import { writeLogFields } from './write-view.js';
import { linkOf } from './escalation-writer.js';

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
  /**
   * Tickets written per batched version read. Smaller: the check is fresher (a person's edit made
   * after the read and before the write is overwritten); larger: fewer requests.
   */
  versionReadChunk?: number | undefined;
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

/** Tickets per batched version read (see `Connector.readVersions`) when the source does not say. */
export const DEFAULT_VERSION_READ_CHUNK = 50;

/** Writes that check the ticket's version (or read its fields) before changing it: the batched read serves these. */
const VERSION_CHECKED: ReadonlySet<string> = new Set(['assign', 'set-field', 'link-duplicate', 'link-problem']);
// A write to another source's ticket (`via`) is checked by that source's connector, not this source's batched read.
const readsTicket = (entry: OutboxEntry): boolean => VERSION_CHECKED.has(entry.planned.action.type) && entry.planned.via === undefined;

/** What became of the writes of one send: each entry's outcome, and (when it died) the entries dead-lettered with it. */
type Settled = { entry: OutboxEntry; outcome: string; reason?: string | undefined; with: readonly string[] }[];

/** Entries claimed per read of the due writes. */
const DUE_BATCH = 500;

/** Retries wait at least this long, at most `MAX_BACKOFF_MS`, doubling per attempt. */
const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 15 * 60_000;

/** Only a 429 or a request never sent proves nothing happened; a 503 may follow an applied write. */
function notProcessed(error: unknown): boolean {
  return error instanceof PlatformError && (error.code === 'rate-limited' || error.code === 'circuit-open');
}

/** The attempts an entry has made once this failure counts (a request the platform never processed does not). */
function attemptsAfter(entry: OutboxEntry, error: unknown): number {
  return notProcessed(error) ? entry.attempts : entry.attempts + 1;
}

/** How long a failed write waits: its backoff for the attempts it has made, or longer when the platform's Retry-After says so. */
function retryDelayMs(entry: OutboxEntry, error: unknown): number {
  const platformError = error instanceof PlatformError ? error : undefined;
  const attempts = attemptsAfter(entry, error);
  const backoffMs = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));
  return Math.max(backoffMs, (platformError?.details.retryAfterSeconds ?? 0) * 1000);
}

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
  const chunkSize = Math.max(1, options.versionReadChunk ?? DEFAULT_VERSION_READ_CHUNK);
  let stop: Error | undefined;
  let rateLimited = false;
  /** The daemon is stopping and cancelled an outbound mapping: start no further write. */
  let cancelled = false;
  const halted = (): boolean => options.signal?.aborted === true || stop !== undefined || rateLimited || cancelled;

  for (;;) {
    if (halted()) break;
    const due = await store.outbox.due(sourceId, now(), DUE_BATCH);
    if (due.length === 0) break;
    const byTicket = new Map<string, OutboxEntry[]>();
    for (const entry of due) {
      const list = byTicket.get(entry.ticketKey) ?? [];
      list.push(entry);
      byTicket.set(entry.ticketKey, list);
    }
    // A full batch may end in the middle of its last plan: that ticket waits for the next batch,
    // where its plan comes whole and goes as one request, as in an uninterrupted run.
    const last = due[due.length - 1];
    if (due.length === DUE_BATCH && last !== undefined && byTicket.size > 1) byTicket.delete(last.ticketKey);
    let progressed = false;
    const lanes = [...byTicket.values()];
    // Tickets are written a chunk at a time, each chunk right after one batched read of its
    // tickets' current versions: the lost-update check then costs a fraction of a request per
    // ticket, and what it read is at most one chunk's writes old.
    for (let i = 0; i < lanes.length && !halted(); i += chunkSize) {
      const chunk = lanes.slice(i, i + chunkSize);
      const current = await readVersions(chunk);
      if (halted()) break;
      for (const entries of chunk) {
        queue
          .add(async () => {
            if (await writeLane(entries, current)) progressed = true;
          })
          .catch((error: unknown) => {
            // Only bookkeeping (the state store) can fail here; stop rather than guess.
            stop ??= error instanceof Error ? error : new Error(String(error));
          });
      }
      await queue.onIdle();
    }
    // Entries that failed are rescheduled into the future, so an iteration without progress means
    // everything left is waiting for its retry time.
    if (!progressed) break;
  }
  if (stop) throw stop;
  return summary;

  /**
   * The tickets' current state in one batched read, keyed by native id; empty when the writer has
   * no such read or it failed (each write then checks for itself, as before).
   */
  async function readVersions(chunk: readonly OutboxEntry[][]): Promise<Map<string, CurrentRecord>> {
    if (!writer.readVersions) return new Map();
    const ids = [...new Set(chunk.map((entries) => entries[0]).flatMap((entry) => (entry && readsTicket(entry) ? [entry.planned.target.nativeId] : [])))];
    if (ids.length === 0) return new Map();
    try {
      return await writer.readVersions(ids, options.writeSignal);
    } catch (error) {
      const platformError = error instanceof PlatformError ? error : undefined;
      if (platformError?.code === 'auth') stop = new SourceStoppedError(platformError);
      else if (platformError?.code === 'rate-limited' || platformError?.code === 'circuit-open') rateLimited = true;
      else logger.warn('Could not read the current versions of the tickets about to be written; each write checks its ticket itself', { source: sourceId, tickets: ids.length, error: String(error) });
      return new Map();
    }
  }

  /** Writes one ticket's due entries in order; true when at least one was settled (sent, skipped or dead). */
  async function writeLane(entries: readonly OutboxEntry[], current: ReadonlyMap<string, CurrentRecord>): Promise<boolean> {
    let progressed = false;
    let supersededPlan: string | undefined;
    /** Writes of this lane not made here (skipped), with why: later writes building on one are not sent either. */
    const notMade: { entry: OutboxEntry; why: string }[] = [];
    /** Entries the store dead-lettered together with one that died. */
    const deadWithOthers = new Set<string>();
    /** The pre-read state is good for the first write to its record only: after it the record is at our version. */
    const unread = new Set(current.keys());
    /** Writes of a group the platform refused as a whole: sent alone now, they look for that attempt first. */
    const refusedTogether = new Set<string>();
    const asSent = (entry: OutboxEntry): OutboxEntry => (refusedTogether.has(entry.id) ? { ...entry, attempts: entry.attempts + 1 } : entry);
    const currentFor = (entry: OutboxEntry): CurrentRecord | undefined => {
      const id = entry.planned.target.nativeId;
      if (!readsTicket(entry) || !unread.has(id)) return undefined;
      unread.delete(id);
      return current.get(id);
    };
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as OutboxEntry;
      if (halted()) return progressed;
      if (deadWithOthers.has(entry.id)) continue;
      // The rest of a plan made from a version someone has since changed is stale too.
      if (supersededPlan === planOf(entry.planned)) {
        await store.outbox.markDone(entry.id, { outcome: 'superseded', ref: undefined });
        summary.superseded++;
        logger.info('Write superseded: the rest of a plan whose ticket changed since it was planned', { ...writeLogFields(entry), outcome: 'superseded' });
        continue;
      }
      const blockerOf = (e: OutboxEntry) => notMade.find((n) => buildsOn(e.planned, n.entry.planned));
      const blocker = blockerOf(entry);
      if (blocker) {
        const reason = notSentReason(blocker.entry.planned, 'skipped', blocker.why);
        await store.outbox.markDone(entry.id, { outcome: 'skipped', ref: undefined, reason });
        summary.unchanged++;
        logger.warn('Write skipped', { ...writeLogFields(entry), outcome: 'skipped', reason });
        continue;
      }
      const group = groupFrom(entries, i, (e) => deadWithOthers.has(e.id) || blockerOf(e) !== undefined);
      const state = currentFor(entry);
      // Writes of a group refused earlier in this lane go as retries: the connector looks for that attempt first.
      const together = group.length > 1 ? await sendGroup(group.map(asSent), state, refusedTogether) : 'one-by-one';
      if (together !== 'one-by-one') i += group.length - 1;
      // Not taken as one: its first write goes alone with what was read.
      const sent = together === 'one-by-one' ? await sendOne(asSent(entry), state) : together;
      if (sent === undefined) return progressed;
      progressed = true;
      for (const settled of sent) {
        if (settled.outcome === 'dead') {
          // Dead-lettering resolved what builds on it; the rest of the lane goes on.
          for (const id of settled.with) deadWithOthers.add(id);
          continue;
        }
        if (settled.outcome === 'superseded') supersededPlan = planOf(settled.entry.planned);
        if (settled.outcome === 'skipped') notMade.push({ entry: settled.entry, why: settled.reason ?? 'skipped' });
      }
    }
    return progressed;
  }

  /**
   * The writes from `entries[start]` on that can go to the platform as one request: consecutive,
   * of one plan, first attempts or not, each of a kind the writer can combine, none held back. One
   * entry: no group.
   */
  function groupFrom(entries: readonly OutboxEntry[], start: number, heldBack: (entry: OutboxEntry) => boolean): OutboxEntry[] {
    const first = entries[start] as OutboxEntry;
    if (!writer.writeGroup || !writer.groupable?.(first.planned.action.type)) return [first];
    const group = [first];
    for (let j = start + 1; j < entries.length; j++) {
      const next = entries[j] as OutboxEntry;
      // A write held back (dead with an earlier one, or building on one not made) ends the group: it is settled alone.
      if (planOf(next.planned) !== planOf(first.planned) || next.planned.target.nativeId !== first.planned.target.nativeId || !writer.groupable(next.planned.action.type) || heldBack(next)) break;
      group.push(next);
    }
    return group;
  }

  /**
   * Sends a group as one request. `one-by-one` when the platform would not take it as one, or refused
   * it outright (a 400 names one bad write: sent alone, each write gets its own outcome); undefined
   * when it failed and waits for a retry.
   */
  async function sendGroup(group: readonly OutboxEntry[], current: CurrentRecord | undefined, refusedTogether: Set<string>): Promise<Settled | undefined | 'one-by-one'> {
    if (!writer.writeGroup) return 'one-by-one';
    await store.outbox.markAttempts(group.map((e) => e.id));
    let results: WriteResult[] | undefined;
    let refusedAsOne = false;
    try {
      results = await writer.writeGroup(group, options.writeSignal, current);
    } catch (error) {
      const refused = error instanceof PlatformError && !error.retryable && error.code !== 'auth';
      if (!refused) return recordGroupFailure(group, error);
      logger.info('The platform refused the writes of a plan sent together; sending them one by one', { ...writeLogFields(group[0] as OutboxEntry), writes: group.length, error: error.message });
      results = undefined;
      refusedAsOne = true;
    }
    if (results === undefined) {
      // Declined before anything was sent: not attempts of these writes. (A refused request keeps
      // its attempts, so the writes sent alone look for an earlier attempt first.)
      if (refusedAsOne) for (const entry of group) refusedTogether.add(entry.id);
      else await store.outbox.releaseAttempts(group.map((e) => e.id));
      return 'one-by-one';
    }
    if (results.length !== group.length) throw new Error(`the ${sourceId} connector answered ${results.length} results for a group of ${group.length} writes`);
    const settled: Settled = [];
    for (const [k, entry] of group.entries()) settled.push(await recordResult(entry, results[k] as WriteResult));
    return settled;
  }

  async function recordGroupFailure(group: readonly OutboxEntry[], error: unknown): Promise<Settled | undefined> {
    const settled: Settled = [];
    const deadAlready = new Set<string>();
    let waiting = false;
    // One retry time for the whole group, read once: entries of a plan due at different instants
    // would be claimed apart and go as two requests (an assignment, then its note: two updates of
    // the record where an uninterrupted run makes one).
    const clock = now();
    const retryAt = new Date(Math.max(...group.map((entry) => clock.getTime() + retryDelayMs(entry, error))));
    for (const entry of group) {
      if (deadAlready.has(entry.id)) continue;
      const dead = await recordFailure(entry, error, retryAt);
      if (dead === undefined) {
        waiting = true;
        continue;
      }
      for (const id of dead) deadAlready.add(id);
      settled.push({ entry, outcome: 'dead', with: dead });
    }
    // A write of the group waits for its retry: the rest of the ticket's lane waits with it, in order.
    return waiting || settled.length === 0 ? undefined : settled;
  }

  /**
   * Returns the outcome (`dead` with the entries dead-lettered with it), or undefined when the entry
   * failed and waits for a retry (and so must the rest of its lane).
   */
  async function sendOne(entry: OutboxEntry, current: CurrentRecord | undefined): Promise<Settled | undefined> {
    if (!writer.dryRun) await store.outbox.markAttempt(entry.id);
    let result;
    try {
      result = await writer.write(entry, options.writeSignal, current);
    } catch (error) {
      const dead = await recordFailure(entry, error);
      return dead === undefined ? undefined : [{ entry, outcome: 'dead', with: dead }];
    }
    return [await recordResult(entry, result)];
  }

  /** Records what became of a write the platform answered. */
  async function recordResult(entry: OutboxEntry, result: WriteResult | { outcome: 'dry-run'; ref: undefined }): Promise<Settled[number]> {
    // Outside the try: a state-store failure after a confirmed write must not be mistaken for a
    // failed write (the marker makes the retry after a restart harmless).
    const reason = 'reason' in result ? result.reason : undefined;
    const previous = 'previous' in result ? result.previous : undefined;
    const ownVersion = 'ownVersion' in result ? result.ownVersion : undefined;
    // An escalated copy's link is recorded with the write that made it: never one without the other.
    const link = result.outcome === 'dry-run' ? undefined : linkOf(entry, result, now());
    await store.outbox.markDone(entry.id, { outcome: result.outcome, ref: result.ref, reason, previous, ownVersion, ...(link ? { link } : {}) });
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
    return { entry, outcome: result.outcome, reason, with: [] };
  }

  /**
   * Records a failed attempt; returns the ids dead-lettered with it when the entry died, undefined
   * when it waits for a retry: until `retryAt` when given (a group's common time), else its own backoff.
   */
  async function recordFailure(entry: OutboxEntry, error: unknown, retryAt?: Date): Promise<readonly string[] | undefined> {
    // This daemon may no longer hold the source: nothing more is recorded for it (the next holder retries the write).
    if (error instanceof StateLeaseLostError) throw error;
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
    const attempts = attemptsAfter(entry, error);
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
    const failedAt = now().getTime();
    const nextAttemptAt = retryAt ?? new Date(failedAt + retryDelayMs(entry, error));
    const delayMs = Math.max(0, nextAttemptAt.getTime() - failedAt);
    await store.outbox.markFailed(entry.id, message, nextAttemptAt, { notProcessed: notProcessed(error) });
    summary.failed++;
    // The platform is throttling us, or is down: every other write now would fail too.
    if (platformError.code === 'rate-limited' || platformError.code === 'circuit-open') rateLimited = true;
    logger.warn('Outbox write failed, will retry', { ...writeLogFields(entry), outcome: 'failed', attempts, retryInMs: delayMs, error: message });
    return undefined;
  }
}
