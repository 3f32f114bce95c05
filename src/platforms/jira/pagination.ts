import { floorToMinute } from './time.js';

/**
 * Paging through `ORDER BY updated ASC, id ASC` without trusting offsets — neither Data Center's
 * startAt nor Cloud's nextPageToken, which encodes a position in the result as well.
 *
 * An offset shifts when an issue is edited mid-pass: the edited issue moves to the end of the
 * `updated` order, everything after its old place moves up one, and the next `startAt` skips an
 * issue. So after every full page the query is re-issued from the minute of the last issue seen
 * (JQL bounds have minute resolution), skipping only the issues of that minute already seen —
 * minus a safety margin, so a few shifts inside that minute re-read issues rather than skip them.
 * Re-read issues are de-duplicated by (id, updated) within the pass. Only when a single minute
 * holds more than a page of issues does paging fall back to offsets inside that minute.
 */
/**
 * The minute to re-anchor the query on after a full page: the minute of the page's last readable
 * issue, when that is later than the current bound and unambiguous in the user's zone. Undefined
 * means "keep paging this query" (the whole page sits in the bound's minute, or a DST change
 * makes the minute's wall-clock time ambiguous).
 */
export function reanchorMinute(boundMs: number | null, pageUpdatedMs: readonly (number | undefined)[], safeBound: (minuteMs: number) => number): number | undefined {
  const lastMinute = lastReadableMinute(pageUpdatedMs);
  if (lastMinute === undefined || (boundMs !== null && lastMinute <= boundMs) || safeBound(lastMinute) !== lastMinute) {
    return undefined;
  }
  return lastMinute;
}

function lastReadableMinute(pageUpdatedMs: readonly (number | undefined)[]): number | undefined {
  for (let i = pageUpdatedMs.length - 1; i >= 0; i--) {
    const ms = pageUpdatedMs[i];
    if (ms !== undefined) {
      return floorToMinute(ms);
    }
  }
  return undefined;
}

export interface DcCursor {
  /** Epoch ms of the JQL lower bound (minute-floored, DST-safe), or null for no bound. */
  boundMs: number | null;
  startAt: number;
}

/**
 * The cursor for the page after a full one.
 *
 * The query restarts from the minute of the page's last issue (or stays on the bound's minute when
 * the whole page sits in it), at `startAt` = the issues of that minute read so far in this pass,
 * less a margin. That count is exact under deskbridge's own writes because the puller holds the
 * issues of the last minute back (see {@link HeldMinute}) until the minute is read to its end: no
 * write can move one of them out of the minute and shift the offsets. The margin absorbs edits by
 * other people between two requests.
 *
 * @param pageUpdatedMs each issue's `updated` (epoch ms) in page order, undefined where unreadable
 * @param safeBound the JQL bound that can stand for a minute (see `safeLowerBound`); a value below
 *        the minute means the wall-clock time is ambiguous (DST), and offsets are used instead
 * @param readInMinute distinct readable issues of a minute read so far in this pass (unreadable
 *        ones are not counted, so they are re-read rather than skipped)
 */
export function nextDcCursor(
  cursor: DcCursor,
  pageUpdatedMs: readonly (number | undefined)[],
  pageSize: number,
  safeBound: (minuteMs: number) => number,
  readInMinute: (minuteMs: number) => number,
): DcCursor | undefined {
  const length = pageUpdatedMs.length;
  // Re-read this many issues around each page boundary; always less than a page, so paging advances.
  const margin = Math.min(length - 1, Math.max(1, Math.floor(pageSize / 10)));
  const lastMinute = lastReadableMinute(pageUpdatedMs);
  if (lastMinute === undefined) {
    return undefined;
  }
  if (safeBound(lastMinute) !== lastMinute) {
    // Ambiguous wall-clock minute (DST): keep the bound and page by offset.
    return { boundMs: cursor.boundMs, startAt: cursor.startAt + length - margin };
  }
  const minute = reanchorMinute(cursor.boundMs, pageUpdatedMs, safeBound) ?? lastMinute;
  const startAt = Math.max(0, readInMinute(minute) - margin);
  if (minute === cursor.boundMs && startAt <= cursor.startAt) {
    // Cannot happen while the count is right; never loop on one offset.
    return { boundMs: cursor.boundMs, startAt: cursor.startAt + length - margin };
  }
  return { boundMs: minute, startAt };
}

/**
 * The issues of the most recent minute read, held back from the sync loop until the pull has
 * read past that minute (or reached the end). Writes happen between pages; were these issues
 * handed out, deskbridge's own writes would move them out of their minute and shift the offsets
 * (Data Center `startAt`, Cloud's position-encoding `nextPageToken`) the next request relies on.
 * Earlier minutes are complete once a later one has been seen, so their issues are released.
 */
export class HeldMinute<T> {
  private held: { item: T; minute: number; id: string }[] = [];
  private readonly idsByMinute = new Map<number, Set<string>>();

  add(item: T, id: string, updatedMs: number): void {
    const minute = floorToMinute(updatedMs);
    this.held.push({ item, minute, id });
    this.noteRead(id, updatedMs);
  }

  /** Counts an issue as read in its minute without holding it (re-read duplicates). */
  noteRead(id: string, updatedMs: number): void {
    const minute = floorToMinute(updatedMs);
    let ids = this.idsByMinute.get(minute);
    if (ids === undefined) {
      ids = new Set();
      this.idsByMinute.set(minute, ids);
    }
    ids.add(id);
  }

  readInMinute(minuteMs: number): number {
    return this.idsByMinute.get(floorToMinute(minuteMs))?.size ?? 0;
  }

  get size(): number {
    return this.held.length;
  }

  /** Every held item, keeping the per-minute counts (the minute is still being paged through). */
  handOut(): T[] {
    const out = this.held.map((entry) => entry.item);
    this.held = [];
    return out;
  }

  /** Items of minutes before `minuteMs` (all of them when undefined), in the order read. */
  release(beforeMinuteMs?: number): T[] {
    const out: T[] = [];
    const keep: typeof this.held = [];
    for (const entry of this.held) {
      if (beforeMinuteMs === undefined || entry.minute < beforeMinuteMs) out.push(entry.item);
      else keep.push(entry);
    }
    this.held = keep;
    for (const minute of [...this.idsByMinute.keys()]) {
      if (beforeMinuteMs === undefined || minute < beforeMinuteMs) this.idsByMinute.delete(minute);
    }
    return out;
  }
}
