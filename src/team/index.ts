export { findTeamFile, loadTeam, loadTeamOrThrow, parseTeam, DEFAULT_TEAM_FILE } from './load-team.js';
export type { LoadTeamResult } from './load-team.js';
export { TeamFile } from './schema.js';
export { personForAccount } from './model.js';
export type { Absence, Group, OnCallOverride, OnCallRotation, Person, Shift, Span, Team } from './model.js';
export { availability, isWorking, nextChange, onCall, onShift, workingIntervals } from './availability.js';
export type { Availability, AvailabilityState, OnCallState } from './availability.js';
export { addBusinessMs, businessMsBetween, calendar24x7, groupCalendar, isBusinessTime, makeCalendar } from './business-time.js';
export type { Calendar } from './business-time.js';
export { chooseAssignee } from './choose.js';
export type { Candidate, ChooseInput, ChooseResult, SkillRequirement, Strategy } from './choose.js';
export { weeklyHours, parseTimeRange, parseDayKey } from './hours.js';
export type { HoursSpec, TimeRange, WeeklyHours } from './hours.js';
export type { Interval } from './intervals.js';
export { isValidTimeZone } from './zone.js';
export { teamCalendars } from './calendars.js';

/** The team file sits beside the rules files (`rules/team.yaml`); the rules loader leaves it to the team loader. */
export function isTeamFile(file: string): boolean {
  return /(^|[/\\])team\.ya?ml$/.test(file);
}
