import { containing, hoursIntervals, intersect, normalize, subtract } from './intervals.js';
import type { Interval } from './intervals.js';
import type { Absence, Group, OnCallOverride, Person } from './model.js';
import { DAY_MS, formatLocalRelative, isoDay, localDay, localToInstant } from './zone.js';

const NO_HOLIDAYS: ReadonlySet<string> = new Set();

/**
 * When `person` works for `group` between `from` and `to`: the hours of the person's named shifts
 * (or the group's hours when the person is in no shift), minus group holidays, intersected with
 * the person's own hours (in the person's zone) when set, minus the person's absences.
 */
export function workingIntervals(person: Person, group: Group, from: Date, to: Date): Interval[] {
  return schedule(person, group, from.getTime(), to.getTime(), { holidays: true, absences: true });
}

function schedule(person: Person, group: Group, from: number, to: number, include: { holidays: boolean; absences: boolean }): Interval[] {
  const holidays = include.holidays ? group.holidays : NO_HOLIDAYS;
  const shifts = group.shifts.filter((s) => s.members.includes(person.id));
  let base = shifts.length === 0 ? hoursIntervals(group.timeZone, group.hours, holidays, from, to) : normalize(shifts.flatMap((s) => hoursIntervals(group.timeZone, s.hours, holidays, from, to)));
  if (person.workingHours !== undefined) {
    base = intersect(base, hoursIntervals(person.timeZone, person.workingHours, NO_HOLIDAYS, from, to));
  }
  if (include.absences && person.absences.length > 0) {
    base = subtract(
      base,
      person.absences.map((a) => ({ start: a.start.getTime(), end: a.end.getTime() })),
    );
  }
  return base;
}

export function isWorking(person: Person, group: Group, at: Date): boolean {
  const t = at.getTime();
  return containing(workingIntervals(person, group, new Date(t - DAY_MS), new Date(t + DAY_MS)), t) !== undefined;
}

export type AvailabilityState = 'working' | 'off-shift' | 'holiday' | 'absent';

export interface Availability {
  state: AvailabilityState;
  working: boolean;
  /** When the state next changes (end of shift, next start, end of leave); absent if not within a year. */
  until?: Date;
  /** The named shift being worked, when the group has shifts. */
  shift?: string;
  absence?: Absence;
  /** Human text for notes and `explain`: "off shift until 08:00 Europe/Lisbon". */
  detail: string;
}

const HORIZONS_MS = [14 * DAY_MS, 400 * DAY_MS];

/** Whether `person` works for `group` at `at`, why not, and until when (in the group's zone). */
export function availability(person: Person, group: Group, at: Date): Availability {
  const t = at.getTime();
  const zone = group.timeZone;
  const when = (u: number): string => `${formatLocalRelative(u, t, zone)} ${zone}`;

  const absence = person.absences.find((a) => a.start.getTime() <= t && t < a.end.getTime());
  if (absence !== undefined) {
    return { state: 'absent', working: false, until: absence.end, absence, detail: `${absenceWord(absence.reason)} until ${absence.until}` };
  }

  for (const horizon of HORIZONS_MS) {
    const list = workingIntervals(person, group, new Date(t - DAY_MS), new Date(t + horizon));
    const now = containing(list, t);
    if (now !== undefined) {
      const result: Availability = { state: 'working', working: true, detail: `on shift until ${when(now.end)}` };
      if (now.end < t + horizon) result.until = new Date(now.end);
      const shift = group.shifts.find((s) => s.members.includes(person.id) && containing(hoursIntervals(zone, s.hours, group.holidays, t - DAY_MS, t + DAY_MS), t));
      if (shift !== undefined) {
        result.shift = shift.name;
        result.detail = `on the ${shift.name} shift until ${when(now.end)}`;
      }
      return result;
    }
    const next = list.find((i) => i.start > t);
    if (next === undefined) continue;
    const holiday = onHoliday(person, group, t);
    const state: AvailabilityState = holiday === undefined ? 'off-shift' : 'holiday';
    const lead = holiday === undefined ? 'off shift' : `holiday ${holiday}, off`;
    return { state, working: false, until: new Date(next.start), detail: `${lead} until ${when(next.start)}` };
  }
  return { state: 'off-shift', working: false, detail: 'off shift (no working hours in the next year)' };
}

/** The group holiday the person would otherwise be working through, if any. */
function onHoliday(person: Person, group: Group, t: number): string | undefined {
  if (group.holidays.size === 0) return undefined;
  const day = isoDay(localDay(t, group.timeZone));
  if (!group.holidays.has(day)) return undefined;
  const scheduled = schedule(person, group, t - 2 * DAY_MS, t + DAY_MS, { holidays: false, absences: false });
  const today = localToInstant(localDay(t, group.timeZone), 0, group.timeZone);
  const tomorrow = localToInstant(localDay(t, group.timeZone) + 1, 0, group.timeZone);
  return scheduled.some((i) => i.start < tomorrow && i.end > today) ? day : undefined;
}

function absenceWord(reason: string): string {
  const r = reason.trim().toLowerCase();
  if (r === 'holiday' || r === 'vacation') return 'on holiday';
  if (r === 'leave' || r === 'sick' || r === 'sick leave' || r === 'parental leave') return `on ${r}`;
  return `away (${reason})`;
}

/** Ids of the group's members working at `at`, in member order. */
export function onShift(group: Group, at: Date): string[] {
  return group.members.filter((p) => isWorking(p, group, at)).map((p) => p.id);
}

/** The next instant `person`'s working state for `group` flips, within `horizonDays`. */
export function nextChange(person: Person, group: Group, at: Date, horizonDays = 400): Date | undefined {
  const t = at.getTime();
  const list = workingIntervals(person, group, new Date(t - DAY_MS), new Date(t + horizonDays * DAY_MS));
  const now = containing(list, t);
  if (now !== undefined) return now.end < t + horizonDays * DAY_MS ? new Date(now.end) : undefined;
  const next = list.find((i) => i.start > t);
  return next === undefined ? undefined : new Date(next.start);
}

export interface OnCallState {
  /** Person id. */
  person: string;
  since: Date;
  /** Next handoff, or the start or end of an override, whichever comes first. */
  until: Date;
  reason: 'rotation' | 'override';
  /** The override's reason ("swap with Rui", "holiday cover"). */
  note?: string;
}

/**
 * Who is on call for `group` at `at`: an override covering `at` wins; otherwise the rotation
 * position counted in handoffs (at the handoff's local time in the group's zone, so handoffs stay
 * at 09:00 across DST) since the first one. Undefined when the group has no rotation or it has
 * not started yet.
 */
export function onCall(group: Group, at: Date): OnCallState | undefined {
  const rota = group.onCall;
  if (rota === undefined || rota.members.length === 0) return undefined;
  const t = at.getTime();
  const override = rota.overrides.find((o) => o.start.getTime() <= t && t < o.end.getTime());
  if (override !== undefined) {
    const state: OnCallState = { person: override.person, since: override.start, until: override.end, reason: 'override' };
    if (override.reason !== undefined) state.note = override.reason;
    return state;
  }
  const period = rota.rotation === 'weekly' ? 7 : 1;
  const zone = group.timeZone;
  const handoff = (k: number): number => localToInstant(rota.startDay + k * period, rota.handoffMinutes, zone);
  if (t < handoff(0)) return undefined;
  let k = Math.floor((localDay(t, zone) - rota.startDay) / period);
  if (t < handoff(k)) k -= 1;
  while (t >= handoff(k + 1)) k += 1;
  const person = rota.members[k % rota.members.length] as string;
  let since = handoff(k);
  let until = handoff(k + 1);
  const previous = lastBefore(rota.overrides, t);
  if (previous !== undefined && previous.end.getTime() > since) since = previous.end.getTime();
  const upcoming = rota.overrides.find((o) => o.start.getTime() > t);
  if (upcoming !== undefined && upcoming.start.getTime() < until) until = upcoming.start.getTime();
  return { person, since: new Date(since), until: new Date(until), reason: 'rotation' };
}

function lastBefore(overrides: readonly OnCallOverride[], t: number): OnCallOverride | undefined {
  let found: OnCallOverride | undefined;
  for (const o of overrides) if (o.end.getTime() <= t) found = o;
  return found;
}
