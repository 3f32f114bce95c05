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
export function reanchorMinute(
  boundMs: number | null,
  pageUpdatedMs: readonly (number | undefined)[],
  safeBound: (minuteMs: number) => number,
): number | undefined {
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
 * @param pageUpdatedMs each issue's `updated` (epoch ms) in page order, undefined where unreadable
 * @param safeBound the JQL bound that can stand for a minute (see `safeLowerBound`); a value below
 *        the minute means the wall-clock time is ambiguous (DST), and offsets are used instead
 */
export function nextDcCursor(
  cursor: DcCursor,
  pageUpdatedMs: readonly (number | undefined)[],
  pageSize: number,
  safeBound: (minuteMs: number) => number,
): DcCursor | undefined {
  const length = pageUpdatedMs.length;
  // Re-read this many issues around each page boundary; always less than a page, so paging advances.
  const margin = Math.min(length - 1, Math.max(1, Math.floor(pageSize / 10)));
  if (lastReadableMinute(pageUpdatedMs) === undefined) {
    return undefined;
  }
  const minute = reanchorMinute(cursor.boundMs, pageUpdatedMs, safeBound);
  if (minute === undefined) {
    return { boundMs: cursor.boundMs, startAt: cursor.startAt + length - margin };
  }
  // Issues of that minute already seen; an unreadable one ends the count (fewer = safer).
  let tail = 0;
  for (let i = length - 1; i >= 0; i--) {
    const ms = pageUpdatedMs[i];
    if (ms === undefined || floorToMinute(ms) !== minute) {
      break;
    }
    tail++;
  }
  return { boundMs: minute, startAt: Math.max(0, tail - margin) };
}
