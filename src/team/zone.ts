/**
 * Time-zone arithmetic on top of `Intl` (Node ships full ICU). Local calendar days are handled as
 * "day numbers" (days since 1970-01-01) and local times as minutes after midnight, so no code here
 * ever steps minute by minute.
 */

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** Weekday index used throughout the team code: 0 = Monday … 6 = Sunday. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `Intl` knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock reading of `instant` (ms since epoch) in `timeZone`. */
export function localParts(instant: number, timeZone: string): LocalDateTime {
  const local = new Date(instant + offsetMs(instant, timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/** What `Intl` reads for a whole second: the one slow step, hence the offset cache below. */
function intlParts(instant: number, timeZone: string): LocalDateTime {
  const out: LocalDateTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type in out) out[part.type as keyof LocalDateTime] = Number(part.value);
  }
  if (out.hour === 24) out.hour = 0;
  return out;
}

/**
 * Offsets only change at transitions, which fall on whole minutes, so one `Intl` reading per zone
 * and minute serves every instant in it (routing asks for the same instant once per person).
 */
const OFFSETS = new Map<string, number>();
const OFFSETS_MAX = 100_000;

/** UTC offset of `timeZone` at `instant`, in ms (local = instant + offset). */
export function offsetMs(instant: number, timeZone: string): number {
  const minute = Math.floor(instant / 60_000);
  const key = `${timeZone}|${minute}`;
  const cached = OFFSETS.get(key);
  if (cached !== undefined) return cached;
  const whole = minute * 60_000;
  const p = intlParts(whole, timeZone);
  const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
  if (OFFSETS.size >= OFFSETS_MAX) OFFSETS.clear();
  OFFSETS.set(key, offset);
  return offset;
}

export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** Local calendar day (day number) of `instant` in `timeZone`. */
export function localDay(instant: number, timeZone: string): number {
  return Math.floor((instant + offsetMs(instant, timeZone)) / DAY_MS);
}

/** Minutes after local midnight of `instant` in `timeZone`. */
export function localMinutes(instant: number, timeZone: string): number {
  const local = instant + offsetMs(instant, timeZone);
  return Math.floor((local - Math.floor(local / DAY_MS) * DAY_MS) / MINUTE_MS);
}

export function weekdayOf(day: number): Weekday {
  // 1970-01-01 was a Thursday (index 3).
  return ((((day + 3) % 7) + 7) % 7) as Weekday;
}

/** `YYYY-MM-DD` of a day number. */
export function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instant at which the wall clock in `timeZone` reads `minutes` after midnight of local `day`
 * (`minutes` may be 1440 or more: it rolls into the following days).
 *
 * Like Temporal's `disambiguation: 'compatible'`: a time inside a spring-forward gap moves forward
 * by the gap (02:30 → 03:30), and a repeated fall-back time means its first occurrence.
 */
export function localToInstant(day: number, minutes: number, timeZone: string): number {
  const local = day * DAY_MS + minutes * MINUTE_MS;
  const before = offsetMs(local - DAY_MS, timeZone);
  const after = offsetMs(local + DAY_MS, timeZone);
  const early = local - before;
  if (before === after) return early;
  const late = local - after;
  const earlyValid = offsetMs(early, timeZone) === before;
  const lateValid = offsetMs(late, timeZone) === after;
  if (earlyValid && lateValid) return Math.min(early, late);
  if (lateValid) return late;
  // Valid with the earlier offset, or inside a gap: reading the time with the offset in force
  // before the transition lands just after the gap, by as much as the time was into it.
  return early;
}

/** `2026-03-30 08:00` in `timeZone`. */
export function formatLocal(instant: number, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${isoDay(dayNumber(p.year, p.month, p.day))} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** `08:00` when `instant` is on the same local day as `reference`, else `Mon 2026-03-30 08:00`. */
export function formatLocalRelative(instant: number, reference: number, timeZone: string): string {
  const day = localDay(instant, timeZone);
  const text = formatLocal(instant, timeZone);
  if (day === localDay(reference, timeZone)) return text.slice(11);
  return `${WEEKDAY_NAMES[weekdayOf(day)]} ${text}`;
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
