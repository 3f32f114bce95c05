import { ALWAYS, isAlways, parseIsoDay, weeklyHours } from './hours.js';
import type { HoursSpec, WeeklyHours } from './hours.js';
import { containing, hoursIntervals } from './intervals.js';
import type { Group } from './model.js';
import { DAY_MS, isValidTimeZone } from './zone.js';

/** When work happens: a zone, weekly hours in that zone, and holidays (`YYYY-MM-DD`, local). */
export interface Calendar {
  timeZone: string;
  hours: WeeklyHours;
  holidays: ReadonlySet<string>;
}

/** Every minute counts (priority-1 SLAs); the zone only matters for display. */
export function calendar24x7(timeZone = 'UTC'): Calendar {
  return { timeZone, hours: ALWAYS, holidays: new Set() };
}

/** A calendar from YAML-shaped input; throws on a bad zone, day key, range or date. */
export function makeCalendar(input: { timeZone: string; hours: HoursSpec; holidays?: readonly string[] }): Calendar {
  if (!isValidTimeZone(input.timeZone)) throw new RangeError(`Unknown time zone "${input.timeZone}"`);
  for (const h of input.holidays ?? []) {
    if (parseIsoDay(h) === undefined) throw new RangeError(`Bad holiday date "${h}" (want YYYY-MM-DD)`);
  }
  return { timeZone: input.timeZone, hours: weeklyHours(input.hours), holidays: new Set(input.holidays ?? []) };
}

/** The group's opening hours and holidays as a calendar, for SLA clocks that follow the group. */
export function groupCalendar(group: Group): Calendar {
  return { timeZone: group.timeZone, hours: group.hours, holidays: group.holidays };
}

function is24x7(calendar: Calendar): boolean {
  return calendar.holidays.size === 0 && isAlways(calendar.hours);
}

export function isBusinessTime(calendar: Calendar, at: Date): boolean {
  if (is24x7(calendar)) return true;
  const t = at.getTime();
  return containing(hoursIntervals(calendar.timeZone, calendar.hours, calendar.holidays, t - DAY_MS, t + DAY_MS), t) !== undefined;
}

/** Chunk size for walking long spans; each chunk costs a few `Intl` calls per day. */
const CHUNK_MS = 31 * DAY_MS;
/** `addBusinessMs` gives up after this long without finding enough working time. */
const MAX_SEARCH_MS = 10 * 366 * DAY_MS;

/**
 * Working time between two instants under `calendar`, in ms. Negative when `to` is before `from`.
 */
export function businessMsBetween(calendar: Calendar, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b < a) return -businessMsBetween(calendar, to, from);
  if (is24x7(calendar)) return b - a;
  let total = 0;
  for (let start = a; start < b; start += CHUNK_MS) {
    const end = Math.min(b, start + CHUNK_MS);
    for (const i of hoursIntervals(calendar.timeZone, calendar.hours, calendar.holidays, start, end)) total += i.end - i.start;
  }
  return total;
}

/**
 * The instant at which `ms` of working time under `calendar` has elapsed after `from` (an SLA
 * target's due time). A target that is used up exactly at closing time falls due at closing time,
 * not at the next opening. `ms <= 0` returns `from`. Throws a RangeError when the calendar has no
 * working time within ten years (e.g. no hours at all).
 */
export function addBusinessMs(calendar: Calendar, from: Date, ms: number): Date {
  const a = from.getTime();
  if (ms <= 0) return new Date(a);
  if (is24x7(calendar)) return new Date(a + ms);
  let remaining = ms;
  for (let start = a; start < a + MAX_SEARCH_MS; start += CHUNK_MS) {
    for (const i of hoursIntervals(calendar.timeZone, calendar.hours, calendar.holidays, start, start + CHUNK_MS)) {
      const length = i.end - i.start;
      if (remaining <= length) return new Date(i.start + remaining);
      remaining -= length;
    }
  }
  throw new RangeError(`Calendar in ${calendar.timeZone} has too little working time to fit ${ms} ms`);
}
