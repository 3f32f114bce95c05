import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, hasErrors, sortDiagnostics } from '../diagnostics/diagnostics.js';
import type { Diagnostic, DiagnosticCode, DiagnosticSeverity } from '../diagnostics/diagnostics.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { diagnosticAtNode, keyNodeAt, nearestNode, nodeAt, parseYamlSource, positionAt, nodeStart } from '../diagnostics/yaml-source.js';
import type { YamlPath, YamlSource } from '../diagnostics/yaml-source.js';
import { closest, issuesToDiagnostics } from '../diagnostics/zod-issues.js';
import { ALWAYS, parseClock, parseDayKey, parseIsoDay, parseLocalDateTime, parseRangeList, weekdayIndex, weeklyHours, WEEKDAY_KEYS } from './hours.js';
import type { HoursSpec } from './hours.js';
import type { Absence, Group, OnCallOverride, OnCallRotation, Person, Team } from './model.js';
import { TeamFile } from './schema.js';
import type { GroupEntry, PersonEntry } from './schema.js';
import { isoDay, isValidTimeZone, localToInstant, weekdayOf } from './zone.js';

export const DEFAULT_TEAM_FILE = 'rules/team.yaml';

/** The team file beside the rules: in a rules folder, or beside a single rules file (`team.yaml` or `team.yml`). */
export function findTeamFile(rulesPath: string): string | undefined {
  const dir = existsSync(rulesPath) && statSync(rulesPath).isDirectory() ? rulesPath : dirname(rulesPath);
  return ['team.yaml', 'team.yml'].map((name) => join(dir, name)).find((file) => existsSync(file));
}

export interface LoadTeamResult {
  file: string;
  /** Present only when the file has no errors. */
  team?: Team;
  diagnostics: Diagnostic[];
}

/** Reads and validates a team file. Never throws on bad input; every problem is a diagnostic. */
export function loadTeam(file: string = DEFAULT_TEAM_FILE): LoadTeamResult {
  const read = readTextFile(file);
  if ('diagnostic' in read) return { file, diagnostics: [read.diagnostic] };
  return parseTeam(file, read.text);
}

/** `loadTeam`, throwing a `ConfigError` with every diagnostic when any is an error. */
export function loadTeamOrThrow(file: string = DEFAULT_TEAM_FILE): { file: string; team: Team; diagnostics: Diagnostic[] } {
  const result = loadTeam(file);
  if (result.team === undefined || hasErrors(result.diagnostics)) throw new ConfigError(result.diagnostics, 'Invalid team file');
  return { file, team: result.team, diagnostics: result.diagnostics };
}

/** Validates team YAML given as text (`file` is only used in diagnostics). */
export function parseTeam(file: string, text: string): LoadTeamResult {
  const { source, diagnostics } = parseYamlSource(file, text);
  if (hasErrors(diagnostics)) return { file, diagnostics };
  const data: unknown = source.doc.toJS() ?? {};
  const parsed = TeamFile.safeParse(data);
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, { source, schema: TeamFile, data }));
    return { file, diagnostics: sortDiagnostics(diagnostics) };
  }
  diagnostics.push(...lint(source, parsed.data));
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { file, diagnostics: sorted };
  return { file, team: compile(parsed.data), diagnostics: sorted };
}

// ---- lint -------------------------------------------------------------------------------------

const ZONE_HINT = 'use an IANA zone name such as "Europe/Lisbon" or "America/New_York"';
const DATE_HINT = 'write dates as YYYY-MM-DD, date-times as "YYYY-MM-DD HH:MM" (local to the zone)';

class Linter {
  readonly out: Diagnostic[] = [];
  constructor(readonly source: YamlSource) {}

  at(path: YamlPath, message: string, hint?: string, code: DiagnosticCode = 'bad-value', severity: DiagnosticSeverity = 'error'): void {
    const node = nodeAt(this.source, path) ?? nearestNode(this.source, path).node;
    this.out.push(diagnosticAtNode(this.source, node, severity, code, message, { hint }));
  }

  atKey(mapPath: YamlPath, key: string, message: string, hint?: string): void {
    const node = keyNodeAt(this.source, mapPath, key) ?? nodeAt(this.source, mapPath);
    this.out.push(diagnosticAtNode(this.source, node, 'error', 'bad-value', message, { hint }));
  }

  where(path: YamlPath): string {
    const node = nodeAt(this.source, path);
    const { line, column } = positionAt(this.source, nodeStart(node));
    return `line ${line}:${column}`;
  }

  zone(path: YamlPath, zone: string): boolean {
    if (isValidTimeZone(zone)) return true;
    this.at(path, `Unknown time zone "${zone}"`, ZONE_HINT);
    return false;
  }

  hours(path: YamlPath, spec: HoursSpec): void {
    for (const [key, value] of Object.entries(spec)) {
      const days = parseDayKey(key);
      if (!days.ok) this.atKey(path, key, days.message, days.hint);
      const ranges = parseRangeList(value);
      if (!ranges.ok) this.at([...path, key], ranges.message, ranges.hint);
    }
  }

  personRef(path: YamlPath, id: string, people: ReadonlySet<string>, what: string): boolean {
    if (people.has(id)) return true;
    const suggestion = closest(id, [...people]);
    const hint = suggestion !== undefined ? `did you mean "${suggestion}"?` : `add a person with id "${id}" under people:, or fix the id`;
    this.at(path, `Unknown person "${id}" in ${what}`, hint);
    return false;
  }

  duplicate(path: YamlPath, kind: string, value: string, firstPath: YamlPath): void {
    this.at(path, `Duplicate ${kind} "${value}" (first defined at ${this.where(firstPath)})`, `${kind}s must be unique in the team file`, 'duplicate-id');
  }
}

function lint(source: YamlSource, file: TeamFile): Diagnostic[] {
  const l = new Linter(source);
  const people = new Map<string, number>();
  for (const [i, p] of file.people.entries()) {
    const path = ['people', i];
    const first = people.get(p.id);
    if (first !== undefined) l.duplicate([...path, 'id'], 'person id', p.id, ['people', first, 'id']);
    else people.set(p.id, i);
    l.zone([...path, 'timeZone'], p.timeZone);
    if (p.workingHours !== undefined) l.hours([...path, 'workingHours'], p.workingHours);
    for (const [j, a] of p.absences.entries()) lintSpan(l, [...path, 'absences', j], a.from, a.to);
  }
  const ids = new Set(people.keys());

  const groups = new Map<string, number>();
  for (const [i, g] of file.groups.entries()) {
    const path = ['groups', i];
    const first = groups.get(g.name);
    if (first !== undefined) l.duplicate([...path, 'name'], 'group name', g.name, ['groups', first, 'name']);
    else groups.set(g.name, i);
    const zoneOk = l.zone([...path, 'timeZone'], g.timeZone);
    const seen = new Set<string>();
    for (const [j, m] of g.members.entries()) {
      l.personRef([...path, 'members', j], m, ids, `members of group "${g.name}"`);
      if (seen.has(m)) l.at([...path, 'members', j], `"${m}" is listed twice in group "${g.name}"`, 'remove the repeated entry', 'duplicate-id', 'warning');
      seen.add(m);
    }
    if (g.workingHours !== undefined) l.hours([...path, 'workingHours'], g.workingHours);
    for (const [j, h] of g.holidays.entries()) {
      if (parseIsoDay(h) === undefined) l.at([...path, 'holidays', j], `Bad holiday date "${h}"`, DATE_HINT);
    }
    const shiftNames = new Map<string, number>();
    for (const [k, s] of g.shifts.entries()) {
      const sp = [...path, 'shifts', k];
      const firstShift = shiftNames.get(s.name);
      if (firstShift !== undefined) l.duplicate([...sp, 'name'], 'shift name', s.name, [...path, 'shifts', firstShift, 'name']);
      else shiftNames.set(s.name, k);
      l.hours([...sp, 'hours'], s.hours);
      for (const [j, m] of s.members.entries()) {
        if (!l.personRef([...sp, 'members', j], m, ids, `shift "${s.name}" of group "${g.name}"`)) continue;
        if (!g.members.includes(m)) l.at([...sp, 'members', j], `"${m}" is on shift "${s.name}" but not a member of group "${g.name}"`, `add "${m}" to groups[${i}].members`);
      }
    }
    if (g.onCall !== undefined) lintOnCall(l, [...path, 'onCall'], g, ids, zoneOk);
  }
  return l.out;
}

function lintSpan(l: Linter, path: YamlPath, from: string, to: string): void {
  const a = parseLocalDateTime(from);
  const b = parseLocalDateTime(to);
  if (a === undefined) l.at([...path, 'from'], `Bad date "${from}"`, DATE_HINT);
  if (b === undefined) l.at([...path, 'to'], `Bad date "${to}"`, DATE_HINT);
  if (a === undefined || b === undefined) return;
  if (spanEnd(b) <= a.day * 1440 + a.minutes) l.at([...path, 'to'], `"to" (${to}) is not after "from" (${from})`, 'a date alone in "to" includes that whole day');
}

/** A date alone as the end of a span means the end of that day. */
function spanEnd(p: { day: number; minutes: number; dateOnly: boolean }): number {
  return (p.dateOnly ? p.day + 1 : p.day) * 1440 + (p.dateOnly ? 0 : p.minutes);
}

function lintOnCall(l: Linter, path: YamlPath, g: GroupEntry, ids: ReadonlySet<string>, zoneOk: boolean): void {
  const oc = g.onCall;
  if (oc === undefined) return;
  const handoff = parseHandoff(oc.handoff, oc.rotation);
  if (!handoff.ok) l.at([...path, 'handoff'], handoff.message, handoff.hint);
  const start = parseIsoDay(oc.start);
  if (start === undefined) l.at([...path, 'start'], `Bad start date "${oc.start}"`, DATE_HINT);
  if (handoff.ok && start !== undefined && handoff.weekday !== undefined && weekdayOf(start) !== handoff.weekday) {
    const name = WEEKDAY_KEYS[handoff.weekday] ?? '';
    l.at([...path, 'start'], `Rotation start ${oc.start} is a ${WEEKDAY_KEYS[weekdayOf(start)]}, but handoffs happen on ${name}`, `start the rotation on a ${name}, the day of the first handoff`);
  }
  for (const [j, m] of oc.members.entries()) l.personRef([...path, 'members', j], m, ids, `the on-call rotation of "${g.name}"`);
  const spans: { index: number; start: number; end: number }[] = [];
  for (const [j, o] of oc.overrides.entries()) {
    const op = [...path, 'overrides', j];
    l.personRef([...op, 'person'], o.person, ids, `an on-call override of "${g.name}"`);
    lintSpan(l, op, o.from, o.to);
    const a = parseLocalDateTime(o.from);
    const b = parseLocalDateTime(o.to);
    if (a !== undefined && b !== undefined) spans.push({ index: j, start: a.day * 1440 + a.minutes, end: spanEnd(b) });
  }
  if (!zoneOk) return;
  const sorted = [...spans].sort((x, y) => x.start - y.start);
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1];
    const cur = sorted[k];
    if (prev === undefined || cur === undefined || cur.start >= prev.end) continue;
    const later = Math.max(prev.index, cur.index);
    const earlier = Math.min(prev.index, cur.index);
    l.at(
      [...path, 'overrides', later],
      `On-call override overlaps the override at ${l.where([...path, 'overrides', earlier])}`,
      'make one end where the other starts; only one person can hold an override at a time',
    );
  }
}

type Handoff = { ok: true; weekday?: number; minutes: number } | { ok: false; message: string; hint: string };

/** `mon 09:00` for weekly rotations, `09:00` for daily ones. */
function parseHandoff(text: string, rotation: 'weekly' | 'daily'): Handoff {
  const hint = rotation === 'weekly' ? 'write the weekday and local time, e.g. "mon 09:00"' : 'write the local time, e.g. "09:00"';
  const parts = text.trim().split(/\s+/);
  if (rotation === 'weekly') {
    const weekday = parts.length === 2 ? weekdayIndex(parts[0] ?? '') : undefined;
    const minutes = parts.length === 2 ? parseClock(parts[1] ?? '') : undefined;
    if (weekday === undefined || minutes === undefined) return { ok: false, message: `Bad weekly handoff "${text}"`, hint };
    return { ok: true, weekday, minutes };
  }
  const minutes = parts.length === 1 ? parseClock(parts[0] ?? '') : undefined;
  if (minutes === undefined) return { ok: false, message: `Bad daily handoff "${text}"`, hint };
  return { ok: true, minutes };
}

// ---- compile ----------------------------------------------------------------------------------

function compile(file: TeamFile): Team {
  const people = new Map<string, Person>();
  for (const p of file.people) people.set(p.id, compilePerson(p));
  const groups = new Map<string, Group>();
  for (const g of file.groups) groups.set(g.name, compileGroup(g, people));
  return { people, groups };
}

function instant(text: string, zone: string, asEnd: boolean): Date {
  const p = parseLocalDateTime(text);
  if (p === undefined) throw new Error(`unreachable: bad date ${text}`);
  const day = asEnd && p.dateOnly ? p.day + 1 : p.day;
  return new Date(localToInstant(day, p.minutes, zone));
}

function compilePerson(p: PersonEntry): Person {
  const absences: Absence[] = p.absences.map((a) => {
    const end = parseLocalDateTime(a.to);
    const until = end === undefined ? a.to : end.dateOnly ? isoDay(end.day) : `${a.to.replace('T', ' ')} ${p.timeZone}`;
    return { start: instant(a.from, p.timeZone, false), end: instant(a.to, p.timeZone, true), reason: a.reason, until };
  });
  absences.sort((x, y) => x.start.getTime() - y.start.getTime());
  const person: Person = { id: p.id, name: p.name, accounts: p.accounts, skills: p.skills, timeZone: p.timeZone, capacity: p.capacity, absences };
  if (p.workingHours !== undefined) person.workingHours = weeklyHours(p.workingHours);
  return person;
}

function compileGroup(g: GroupEntry, people: ReadonlyMap<string, Person>): Group {
  const members = [...new Set(g.members)].map((id) => people.get(id)).filter((p): p is Person => p !== undefined);
  const group: Group = {
    name: g.name,
    timeZone: g.timeZone,
    members,
    hours: g.workingHours === undefined ? ALWAYS : weeklyHours(g.workingHours),
    holidays: new Set(g.holidays),
    shifts: g.shifts.map((s) => ({ name: s.name, hours: weeklyHours(s.hours), members: s.members })),
  };
  const oc = g.onCall;
  if (oc !== undefined) {
    const handoff = parseHandoff(oc.handoff, oc.rotation);
    if (!handoff.ok) throw new Error(handoff.message);
    const overrides: OnCallOverride[] = oc.overrides
      .map((o) => {
        const entry: OnCallOverride = { start: instant(o.from, g.timeZone, false), end: instant(o.to, g.timeZone, true), person: o.person };
        if (o.reason !== undefined) entry.reason = o.reason;
        return entry;
      })
      .sort((x, y) => x.start.getTime() - y.start.getTime());
    const rotation: OnCallRotation = {
      rotation: oc.rotation,
      handoffMinutes: handoff.minutes,
      startDay: parseIsoDay(oc.start) ?? 0,
      members: oc.members,
      overrides,
    };
    if (handoff.weekday !== undefined) rotation.handoffWeekday = handoff.weekday;
    group.onCall = rotation;
  }
  return group;
}
