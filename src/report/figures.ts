import { isoWeekLabel, isoWeekStart } from '../audit/iso-week.js';
import { groupAt, openAt, type TicketLifecycle } from './lifecycle.js';

/**
 * The figures a help-desk manager reports, each defined once here (and in the README in one line):
 *
 * - created: tickets opened in the period.
 * - resolved: tickets whose (last) resolution falls in the period; cancelled ones are not resolved.
 * - first-contact resolution (FCR): of the resolved, the share resolved by the group and person
 *   first assigned (no group or person change after the first, platform reassignment count 0)
 *   and never reopened.
 * - time to first response: creation → first version with a person assigned, or in progress, on
 *   hold or resolved (Jira's Open and To Do are untouched tickets).
 * - time to resolution: creation → resolution, calendar hours (not business hours).
 * - SLA attainment: of the resolved whose platform says, the share with no SLA breached.
 * - reassignments: per resolved ticket, group changes after the first group, or the platform's
 *   reassignment count when that is higher.
 * - reopen rate: of the resolved, the share reopened at least once.
 * - backlog: tickets open at an instant, by age since creation (0–1 d, 1–3 d, 3–7 d, 7–30 d, > 30 d)
 *   and by the group holding them then.
 */

export type Granularity = 'week' | 'month';

export interface ReportPeriod {
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  by: Granularity;
}

export interface Rate {
  /** Tickets meeting the condition. */
  count: number;
  /** Tickets it was judged on. */
  of: number;
  /** count / of, undefined when of = 0. */
  rate: number | undefined;
}

export interface DurationStats {
  count: number;
  medianHours: number | undefined;
  meanHours: number | undefined;
  p90Hours: number | undefined;
}

export const AGE_BUCKETS = ['0-1d', '1-3d', '3-7d', '7-30d', '>30d'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];
export type Aging = Record<AgeBucket, number> & { total: number };

/** Resolution figures of a set of resolved tickets. */
export interface ResolutionFigures {
  resolved: number;
  fcr: Rate;
  firstResponse: DurationStats;
  resolution: DurationStats;
  sla: Rate;
  reopened: Rate;
  reassignmentsPerTicket: number | undefined;
}

export interface IntervalFigures extends ResolutionFigures {
  /** `2026-W49` or `2026-12`. */
  label: string;
  fromMs: number;
  toMs: number;
  created: number;
  /** Backlog at the end of the interval (or at the report's end, for the last one). */
  backlogAtEnd: Aging;
}

export interface BreakdownRow extends ResolutionFigures {
  key: string;
}

export interface GroupBacklog {
  group: string;
  atStart: Aging;
  atEnd: Aging;
}

export interface PersonRow {
  person: string;
  resolved: number;
  fcr: Rate;
  resolution: DurationStats;
  /** QA verdicts on the person's tickets in the period that passed (from the QA audit log, when read). */
  qa?: Rate;
}

/** QA verdicts per assignee in the period: passed of all. */
export type QaByPerson = ReadonlyMap<string, { passed: number; verdicts: number }>;

export interface HelpdeskFigures {
  period: { from: string; to: string; by: Granularity };
  tickets: number;
  created: number;
  overall: ResolutionFigures;
  trend: IntervalFigures[];
  byPriority: BreakdownRow[];
  byGroup: BreakdownRow[];
  byCategory: BreakdownRow[];
  backlog: { atStart: Aging; atEnd: Aging; byGroup: GroupBacklog[] };
  topCategories: { category: string; created: number; share: number }[];
  people: PersonRow[];
  /** From the state only: tickets resolved in the period that deskbridge routed, against the rest. */
  effect?: { routed: ResolutionFigures; notRouted: ResolutionFigures };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const NONE = '(none)';

export function computeFigures(
  lifecycles: readonly TicketLifecycle[],
  groupNames: readonly string[],
  period: ReportPeriod,
  top = 10,
  extra: { routed?: ReadonlySet<string>; qa?: QaByPerson } = {},
): HelpdeskFigures {
  const { routed, qa } = extra;
  const inPeriod = (ms: number | undefined): boolean => ms !== undefined && ms >= period.fromMs && ms < period.toMs;
  const resolved = lifecycles.filter((l) => !l.cancelled && inPeriod(l.resolvedMs));
  const created = lifecycles.filter((l) => inPeriod(l.createdMs));

  const trend = intervals(period).map(({ label, fromMs, toMs }) => {
    const within = (ms: number | undefined): boolean => ms !== undefined && ms >= fromMs && ms < toMs;
    return {
      label,
      fromMs,
      toMs,
      created: lifecycles.filter((l) => within(l.createdMs)).length,
      ...resolutionFigures(resolved.filter((l) => within(l.resolvedMs))),
      backlogAtEnd: aging(lifecycles, Math.min(toMs, period.toMs) - 1),
    };
  });

  const categoryCounts = countBy(created, (l) => l.category ?? NONE);
  return {
    period: { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString(), by: period.by },
    tickets: lifecycles.length,
    created: created.length,
    overall: resolutionFigures(resolved),
    trend,
    byPriority: breakdown(resolved, (l) => `P${l.priority}`).sort((a, b) => a.key.localeCompare(b.key)),
    byGroup: breakdown(resolved, (l) => l.resolvedGroup ?? NONE).slice(0, Math.max(top, 1) * 3),
    byCategory: breakdown(resolved, (l) => l.category ?? NONE).slice(0, Math.max(top, 1) * 3),
    backlog: {
      atStart: aging(lifecycles, period.fromMs),
      atEnd: aging(lifecycles, period.toMs - 1),
      byGroup: groupBacklog(lifecycles, groupNames, period),
    },
    topCategories: [...categoryCounts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, top)
      .map(([category, n]) => ({ category, created: n, share: n / Math.max(created.length, 1) })),
    people: people(resolved, qa).slice(0, Math.max(top, 1) * 3),
    ...(routed ? { effect: { routed: resolutionFigures(resolved.filter((l) => routed.has(l.key))), notRouted: resolutionFigures(resolved.filter((l) => !routed.has(l.key))) } } : {}),
  };
}

/** Whether a resolved ticket was resolved first time: first group and person kept, platform count 0, never reopened. */
export function firstContactResolved(l: TicketLifecycle): boolean {
  return l.groupChanges === 0 && l.assigneeChanges === 0 && l.nativeReassignments === 0 && l.reopens === 0;
}

export function reassignments(l: TicketLifecycle): number {
  return Math.max(l.groupChanges, l.nativeReassignments);
}

export function resolutionFigures(resolved: readonly TicketLifecycle[]): ResolutionFigures {
  const slaKnown = resolved.filter((l) => l.slaBreached !== undefined);
  return {
    resolved: resolved.length,
    fcr: rate(resolved.filter(firstContactResolved).length, resolved.length),
    firstResponse: durationStats(resolved.flatMap((l) => (l.firstResponseMs !== undefined ? [l.firstResponseMs - l.createdMs] : []))),
    resolution: durationStats(resolved.map((l) => (l.resolvedMs ?? l.createdMs) - l.createdMs)),
    sla: rate(slaKnown.filter((l) => l.slaBreached === false).length, slaKnown.length),
    reopened: rate(resolved.filter((l) => l.reopens > 0).length, resolved.length),
    reassignmentsPerTicket: resolved.length ? resolved.reduce((s, l) => s + reassignments(l), 0) / resolved.length : undefined,
  };
}

/** A period bound for people: the date alone at midnight UTC, else date and minute (`2016-03-01 08:30 UTC`). */
export function periodBound(iso: string): string {
  return iso.slice(11, 23) === '00:00:00.000' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The report's period in words: `2016-03-01 to 2016-04-01 (exclusive)`. */
export function describePeriod(f: HelpdeskFigures): string {
  return `${periodBound(f.period.from)} to ${periodBound(f.period.to)} (exclusive)`;
}

export function rate(count: number, of: number): Rate {
  return { count, of, rate: of > 0 ? count / of : undefined };
}

/** Median and p90 by nearest rank (the value at or below which that share of tickets fall). */
export function durationStats(ms: readonly number[]): DurationStats {
  if (ms.length === 0) return { count: 0, medianHours: undefined, meanHours: undefined, p90Hours: undefined };
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (p: number): number => (sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0) / HOUR_MS;
  return { count: ms.length, medianHours: rank(0.5), meanHours: sorted.reduce((s, x) => s + x, 0) / sorted.length / HOUR_MS, p90Hours: rank(0.9) };
}

export function ageBucket(ageMs: number): AgeBucket {
  if (ageMs < DAY_MS) return '0-1d';
  if (ageMs < 3 * DAY_MS) return '1-3d';
  if (ageMs < 7 * DAY_MS) return '3-7d';
  return ageMs < 30 * DAY_MS ? '7-30d' : '>30d';
}

function emptyAging(): Aging {
  return { '0-1d': 0, '1-3d': 0, '3-7d': 0, '7-30d': 0, '>30d': 0, total: 0 };
}

/** Tickets open at `ms`, by age. */
export function aging(lifecycles: readonly TicketLifecycle[], ms: number): Aging {
  const out = emptyAging();
  for (const l of lifecycles) {
    if (!openAt(l, ms)) continue;
    out[ageBucket(ms - l.createdMs)]++;
    out.total++;
  }
  return out;
}

function groupBacklog(lifecycles: readonly TicketLifecycle[], names: readonly string[], period: ReportPeriod): GroupBacklog[] {
  const rows = new Map<string, GroupBacklog>();
  const row = (group: string): GroupBacklog => {
    let r = rows.get(group);
    if (r === undefined) rows.set(group, (r = { group, atStart: emptyAging(), atEnd: emptyAging() }));
    return r;
  };
  for (const l of lifecycles) {
    for (const [ms, side] of [
      [period.fromMs, 'atStart'],
      [period.toMs - 1, 'atEnd'],
    ] as const) {
      if (!openAt(l, ms)) continue;
      const a = row(groupAt(l, ms, names) ?? NONE)[side];
      a[ageBucket(ms - l.createdMs)]++;
      a.total++;
    }
  }
  return [...rows.values()].sort((a, b) => b.atEnd.total - a.atEnd.total || b.atStart.total - a.atStart.total || a.group.localeCompare(b.group));
}

function breakdown(resolved: readonly TicketLifecycle[], keyOf: (l: TicketLifecycle) => string): BreakdownRow[] {
  const groups = new Map<string, TicketLifecycle[]>();
  for (const l of resolved) {
    const key = keyOf(l);
    const list = groups.get(key);
    if (list) list.push(l);
    else groups.set(key, [l]);
  }
  return [...groups].map(([key, list]) => ({ key, ...resolutionFigures(list) })).sort((a, b) => b.resolved - a.resolved || a.key.localeCompare(b.key));
}

function people(resolved: readonly TicketLifecycle[], qa: QaByPerson | undefined): PersonRow[] {
  const byPerson = new Map<string, TicketLifecycle[]>();
  for (const l of resolved) {
    if (l.resolvedBy === undefined) continue;
    const list = byPerson.get(l.resolvedBy);
    if (list) list.push(l);
    else byPerson.set(l.resolvedBy, [l]);
  }
  return [...byPerson]
    .map(([person, list]) => ({
      person,
      resolved: list.length,
      fcr: rate(list.filter(firstContactResolved).length, list.length),
      resolution: durationStats(list.map((l) => (l.resolvedMs ?? l.createdMs) - l.createdMs)),
      ...(qa ? { qa: rate(qa.get(person)?.passed ?? 0, qa.get(person)?.verdicts ?? 0) } : {}),
    }))
    .sort((a, b) => b.resolved - a.resolved || a.person.localeCompare(b.person));
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(keyOf(item), (out.get(keyOf(item)) ?? 0) + 1);
  return out;
}

/** The report's weeks (ISO, Monday 00:00 UTC) or calendar months (UTC), clipped to the period. */
export function intervals(period: ReportPeriod): { label: string; fromMs: number; toMs: number }[] {
  const out: { label: string; fromMs: number; toMs: number }[] = [];
  let start = period.by === 'week' ? isoWeekStart(new Date(period.fromMs)).getTime() : monthStart(period.fromMs);
  while (start < period.toMs) {
    const next = period.by === 'week' ? start + 7 * DAY_MS : monthStart(start, 1);
    const label = period.by === 'week' ? isoWeekLabel(new Date(start)) : new Date(start).toISOString().slice(0, 7);
    out.push({ label, fromMs: Math.max(start, period.fromMs), toMs: Math.min(next, period.toMs) });
    start = next;
  }
  return out;
}

function monthStart(ms: number, add = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
}
