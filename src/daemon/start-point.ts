import type { Source } from '../config/schema.js';
import type { StateStore } from '../state/types.js';

/**
 * A source's start point for acting. Ticket versions updated before it are *history*: they teach
 * the baselines (similarity index, pattern rates, loads, SLA steps already past) but trigger no
 * writes. Without one, pointing deskbridge at a desk with a year of closed tickets would route,
 * link and open problems on all of it on day one.
 *
 * Which start point applies, first match wins:
 *  1. `deskbridge run --from` (recorded, so later runs keep it);
 *  2. the source's `actFrom` in the config;
 *  3. the one recorded in the state: by default the moment the source was first synced.
 *
 * It is independent of `startFrom`, which bounds what is *read* at all (older records are never
 * seen and teach nothing); `actFrom` bounds what is *acted on*.
 *
 * What history teaches: the similarity index (a live duplicate finds a history original), pattern
 * events (the normal rate a live spike is measured against), open loads (who holds what), the
 * status each ticket was last seen in (so a later resolved → closed is not judged by QA), and
 * SLA steps already past (recorded as missed: the sweep never sends them; a step that falls due
 * after the start point fires live, as it would for any open ticket). What it never does: route,
 * note, link, open or update problems, write QA verdicts or QA notes — deskbridge did not watch
 * that work — or send SLA steps. Pattern rules open a problem only for a spike whose window
 * reaches the start point (a burst still going on); one that lies entirely in history does not.
 *
 * Dry run: a dry-run source keeps its own state file, so its first pass is a first sync too and
 * reports the same; its plan shows exactly what the real first sync will do.
 * The `staleAfter` (SLA) and `writeBackWithin` (QA) guards still apply after the start point, so
 * `--from 90d` cannot make deskbridge post a breach note for a step due two months ago, nor a QA
 * note on a resolution older than the rule allows.
 */
export interface StartPoint {
  /** ISO UTC instant: versions updated before it are history. */
  actFrom: string;
  /** Where it came from, for the log. */
  origin: 'flag' | 'config' | 'recorded' | 'first-sync';
  /**
   * Set when `--from` moved the start point back on a source that had synced already: the pass
   * reads again from `actFrom`, and versions before `previous` (processed as history then) are
   * evaluated again, this time to act.
   */
  rewind?: { previous: string };
}

export async function resolveStartPoint(
  store: Pick<StateStore, 'getStartPoint' | 'setStartPoint' | 'getWatermark'>,
  source: Pick<Source, 'id' | 'actFrom' | 'overlapSeconds'>,
  options: { override?: string | undefined; now: Date },
): Promise<StartPoint> {
  const recorded = await store.getStartPoint(source.id);
  if (options.override !== undefined) {
    const actFrom = normalise(options.override);
    const watermark = await store.getWatermark(source.id);
    const rewind = recorded !== null && watermark !== null && actFrom < recorded ? { previous: recorded } : undefined;
    // A rewind is recorded only once a pass has read that history again (`rewindDone`): until
    // then the previous start point stays, so running with the same --from after a failed pass
    // rewinds again.
    if (!rewind) await store.setStartPoint(source.id, actFrom);
    return { actFrom, origin: 'flag', ...(rewind ? { rewind } : {}) };
  }
  if (source.actFrom !== undefined) return { actFrom: normalise(source.actFrom), origin: 'config' };
  if (recorded !== null) return { actFrom: recorded, origin: 'recorded' };
  // A state synced before start points existed: everything after what it processed is live.
  const watermark = await store.getWatermark(source.id);
  const actFrom = watermark !== null ? new Date(Date.parse(watermark) - source.overlapSeconds * 1000).toISOString() : wholeSecond(options.now);
  await store.setStartPoint(source.id, actFrom);
  return { actFrom, origin: watermark !== null ? 'recorded' : 'first-sync' };
}

/** A pass with `rewind` completed: the new start point is recorded and later passes just keep it. */
export async function rewindDone(store: Pick<StateStore, 'setStartPoint'>, sourceId: string, startPoint: StartPoint): Promise<StartPoint> {
  if (!startPoint.rewind) return startPoint;
  await store.setStartPoint(sourceId, startPoint.actFrom);
  const { rewind: _done, ...rest } = startPoint;
  return rest;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(m|min|h|d|w)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * `--from`: an ISO date or date-time (`2026-03-01`, `2026-03-01T08:00:00Z`) or a duration back
 * from now (`90m`, `12h`, `7d`, `2w`). Throws an error that says what it accepts.
 */
export function parseFrom(text: string, now: Date): string {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    const unit = UNIT_MS[(duration[2] ?? '').toLowerCase()] ?? 0;
    return new Date(now.getTime() - Number(duration[1]) * unit).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    // A date without a zone is read as UTC, like every instant deskbridge stores.
    const withZone = /T|\s/.test(trimmed) && !/(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? `${trimmed.replace(' ', 'T')}Z` : trimmed.replace(' ', 'T');
    const ms = Date.parse(withZone);
    if (Number.isFinite(ms)) {
      if (ms > now.getTime()) throw new Error(`--from ${text} is in the future; give a date in the past or a duration such as 7d`);
      return new Date(ms).toISOString();
    }
  }
  throw new Error(`--from ${JSON.stringify(text)} is not an ISO date (2026-03-01, 2026-03-01T08:00:00Z) or a duration back from now (90m, 12h, 7d, 2w)`);
}

function normalise(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

/**
 * The first-sync moment floored to the second: platforms stamp versions to the second, so a ticket
 * changed in the same second as the first sync (18:47:45 against 18:47:45.899) is live, not history.
 */
function wholeSecond(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString();
}
