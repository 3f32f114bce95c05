import type { WeeklyHours } from './hours.js';

/** A time span [start, end) between two instants. */
export interface Span {
  start: Date;
  end: Date;
}

/** Holiday or leave of one person. `until` is how people say the end: the last day for whole days. */
export interface Absence extends Span {
  reason: string;
  until: string;
}

export interface Person {
  id: string;
  name: string;
  /** Platform user id (or display name) per source id, e.g. `{ servicenow-prod: "6816f79c…" }`. */
  accounts: Readonly<Record<string, string>>;
  /** Skill levels 1–5. */
  skills: Readonly<Record<string, number>>;
  timeZone: string;
  /** Most open tickets this person should hold. */
  capacity: number;
  /** Personal hours in the person's zone; intersected with the group's hours. */
  workingHours?: WeeklyHours;
  absences: readonly Absence[];
}

export interface Shift {
  name: string;
  /** In the group's zone. */
  hours: WeeklyHours;
  members: readonly string[];
}

export interface OnCallOverride extends Span {
  person: string;
  reason?: string;
}

export interface OnCallRotation {
  rotation: 'weekly' | 'daily';
  /** Handoff weekday (0 = Monday) for weekly rotations; the weekday of `startDay`. */
  handoffWeekday?: number;
  /** Handoff time, minutes after local midnight in the group's zone. */
  handoffMinutes: number;
  /** Local day number (days since 1970-01-01) of the first handoff; `members[0]` starts then. */
  startDay: number;
  members: readonly string[];
  /** Sorted by start; never overlapping (the loader rejects overlaps). */
  overrides: readonly OnCallOverride[];
}

export interface Group {
  /** The group's name as on the platform. */
  name: string;
  timeZone: string;
  /** Members, resolved, in file order (round-robin order). */
  members: readonly Person[];
  /** Opening hours in the group's zone; 24x7 when the file gives none. */
  hours: WeeklyHours;
  /** `YYYY-MM-DD` in the group's zone; ranges starting on these days do not happen. */
  holidays: ReadonlySet<string>;
  shifts: readonly Shift[];
  onCall?: OnCallRotation;
}

export interface Team {
  people: ReadonlyMap<string, Person>;
  groups: ReadonlyMap<string, Group>;
}

/** The person whose account on `sourceId` is `account` (platform user id or display name). */
export function personForAccount(team: Team, sourceId: string, account: string): Person | undefined {
  for (const person of team.people.values()) {
    if (person.accounts[sourceId] === account) return person;
  }
  return undefined;
}
