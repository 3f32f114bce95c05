import { dayNumber, type Weekday } from './zone.js';

/** A daily time range in minutes after local midnight. `end <= start` means it ends the next day. */
export interface TimeRange {
  start: number;
  end: number;
}

/** Working hours per weekday, Monday first (7 entries). */
export type WeeklyHours = readonly (readonly TimeRange[])[];

/** How the YAML spells weekly hours: `{ mon-fri: "08:00-17:00", sat: ["09:00-12:00"], sun: off }`. */
export type HoursSpec = Readonly<Record<string, string | readonly string[]>>;

export const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string, hint?: string): Parsed<T> => (hint === undefined ? { ok: false, message } : { ok: false, message, hint });

/** `HH:MM` → minutes; `24:00` only when `allowMidnightEnd`. */
export function parseClock(text: string, allowMidnightEnd = false): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return undefined;
  if (h === 24 && min === 0 && allowMidnightEnd) return 1440;
  if (h > 23) return undefined;
  return h * 60 + min;
}

/** `08:00-17:00`, `22:00-06:00` (overnight), `00:00-24:00` (whole day). */
export function parseTimeRange(text: string): Parsed<TimeRange> {
  const parts = text.split('-');
  const hint = 'write "HH:MM-HH:MM", e.g. "08:00-17:00"; an end before the start (22:00-06:00) runs overnight';
  if (parts.length !== 2) return fail(`Time range "${text}" is not "HH:MM-HH:MM"`, hint);
  const start = parseClock(parts[0] ?? '');
  const end = parseClock(parts[1] ?? '', true);
  if (start === undefined) return fail(`Time range "${text}" has a bad start time`, hint);
  if (end === undefined) return fail(`Time range "${text}" has a bad end time`, hint);
  if (start === end) {
    return fail(`Time range "${text}" is empty`, 'use "00:00-24:00" for a whole day');
  }
  return ok({ start, end });
}

/** `mon`, `mon-fri`, `fri-mon`, `mon,wed,fri`, `daily`, `weekdays`, `weekends`. */
export function parseDayKey(key: string): Parsed<Weekday[]> {
  const hint = `use ${WEEKDAY_KEYS.join(', ')}, a range like "mon-fri", a list like "mon,wed", "daily", "weekdays" or "weekends"`;
  const k = key.trim().toLowerCase();
  if (k === 'daily' || k === 'everyday') return ok([0, 1, 2, 3, 4, 5, 6]);
  if (k === 'weekdays') return ok([0, 1, 2, 3, 4]);
  if (k === 'weekends') return ok([5, 6]);
  const days: Weekday[] = [];
  for (const piece of k.split(',')) {
    const [a, b, ...rest] = piece.trim().split('-');
    const from = weekdayIndex(a ?? '');
    const to = b === undefined ? from : weekdayIndex(b);
    if (from === undefined || to === undefined || rest.length > 0) return fail(`Unknown day "${key}"`, hint);
    for (let d = from; ; d = ((d + 1) % 7) as Weekday) {
      if (!days.includes(d)) days.push(d);
      if (d === to) break;
    }
  }
  return ok(days);
}

export function weekdayIndex(name: string): Weekday | undefined {
  const i = (WEEKDAY_KEYS as readonly string[]).indexOf(name.trim().toLowerCase().slice(0, 3));
  return i < 0 || name.trim().length < 3 ? undefined : (i as Weekday);
}

/** Ranges of one entry: a string, a list of strings, or `off` / `[]` for no hours. */
export function parseRangeList(value: string | readonly string[]): Parsed<TimeRange[]> {
  const items = typeof value === 'string' ? (value.trim().toLowerCase() === 'off' ? [] : value.split(',')) : value;
  const ranges: TimeRange[] = [];
  for (const item of items) {
    const r = parseTimeRange(item.trim());
    if (!r.ok) return r;
    ranges.push(r.value);
  }
  return ok(ranges.sort((x, y) => x.start - y.start));
}

/**
 * Builds weekly hours from the YAML map. Keys apply in order and a later key replaces the days it
 * names, so `daily: 08:00-20:00` followed by `sun: off` closes Sundays. Throws on bad input; the
 * loader reports the same problems as positioned diagnostics first.
 */
export function weeklyHours(spec: HoursSpec): WeeklyHours {
  const week: TimeRange[][] = [[], [], [], [], [], [], []];
  for (const [key, value] of Object.entries(spec)) {
    const days = parseDayKey(key);
    if (!days.ok) throw new Error(days.message);
    const ranges = parseRangeList(value);
    if (!ranges.ok) throw new Error(ranges.message);
    for (const d of days.value) week[d] = [...ranges.value];
  }
  return week;
}

export const ALWAYS: WeeklyHours = Array.from({ length: 7 }, () => [{ start: 0, end: 1440 }]);

export function isAlways(hours: WeeklyHours): boolean {
  return hours.every((day) => day.length === 1 && day[0]?.start === 0 && day[0].end === 1440);
}

/** `YYYY-MM-DD` → day number, rejecting impossible dates. */
export function parseIsoDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = dayNumber(y, mo, d);
  const check = new Date(day * 86_400_000);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() + 1 !== mo || check.getUTCDate() !== d) return undefined;
  return day;
}

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM` (local) → day + minutes. */
export function parseLocalDateTime(text: string): { day: number; minutes: number; dateOnly: boolean } | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}))?$/.exec(text.trim());
  if (m === null) return undefined;
  const day = parseIsoDay(m[1] ?? '');
  if (day === undefined) return undefined;
  if (m[2] === undefined) return { day, minutes: 0, dateOnly: true };
  const minutes = parseClock(m[2], true);
  return minutes === undefined ? undefined : { day, minutes, dateOnly: false };
}
