import type { WeeklyHours } from './hours.js';
import { DAY_MS, isoDay, localDay, localToInstant, weekdayOf } from './zone.js';

/** [start, end) in ms since epoch. Lists are sorted, non-overlapping and non-touching. */
export interface Interval {
  start: number;
  end: number;
}

/** Sorts and merges overlapping or touching intervals, dropping empty ones. */
export function normalize(list: readonly Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval;
    const y = b[j] as Interval;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  let out = a.map((i) => ({ ...i }));
  for (const cut of b) {
    const next: Interval[] = [];
    for (const i of out) {
      if (cut.end <= i.start || cut.start >= i.end) next.push(i);
      else {
        if (cut.start > i.start) next.push({ start: i.start, end: cut.start });
        if (cut.end < i.end) next.push({ start: cut.end, end: i.end });
      }
    }
    out = next;
  }
  return out;
}

export function containing(list: readonly Interval[], at: number): Interval | undefined {
  return list.find((i) => i.start <= at && at < i.end);
}

/**
 * Instants covered by weekly hours in `timeZone` between `from` and `to`, clipped to that window.
 * Each range is placed on its local day and converted on its own, so a range keeps its wall-clock
 * times across DST changes (01:00-03:00 on a fall-back night lasts three hours). A range belongs
 * to the day it starts on: a holiday cancels the ranges starting that day, including the overnight
 * part after midnight. Cost is per day, not per minute.
 */
export function hoursIntervals(timeZone: string, hours: WeeklyHours, holidays: ReadonlySet<string>, from: number, to: number): Interval[] {
  if (to <= from) return [];
  const out: Interval[] = [];
  const first = localDay(from, timeZone) - 1;
  const last = localDay(to, timeZone);
  for (let day = first; day <= last; day++) {
    const ranges = hours[weekdayOf(day)] ?? [];
    if (ranges.length === 0 || (holidays.size > 0 && holidays.has(isoDay(day)))) continue;
    for (const r of ranges) {
      const start = localToInstant(day, r.start, timeZone);
      const end = localToInstant(r.end > r.start ? day : day + 1, r.end, timeZone);
      const s = Math.max(start, from);
      const e = Math.min(end, to);
      if (e > s) out.push({ start: s, end: e });
    }
  }
  return normalize(out);
}

export { DAY_MS };
