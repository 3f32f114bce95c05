import { isoWeekLabel, isoWeekStart, nextIsoWeek } from './iso-week.js';
import type { AuditEntry, QaVerdict } from './schema.js';

/** Pass counts for one value of one dimension (a check, a group, an assignee, a week). */
export interface RateRow {
  value: string;
  verdicts: number;
  passed: number;
  /** passed / verdicts; undefined when there were no verdicts (weeks without any). */
  rate: number | undefined;
  /** Checks only: severities the check was reported with, e.g. `error`. */
  severity?: string;
}

export interface SampledTicket {
  number: string;
  source: string;
  key: string;
  rule: string;
  passed: boolean;
  failedChecks: string[];
  group: string | undefined;
  assignee: string | undefined;
  /** The verdict's reference time (resolvedAt, else the entry's `at`), ISO. */
  when: string;
}

export interface QaStats {
  since: Date | undefined;
  until: Date | undefined;
  verdicts: number;
  passed: number;
  rate: number | undefined;
  tickets: number;
  /** Earlier verdicts on the same ticket version and rule, replaced by a later one. */
  superseded: number;
  byCheck: RateRow[];
  byGroup: RateRow[];
  byAssignee: RateRow[];
  /** Chronological, with empty weeks between the first and last filled in. */
  byWeek: RateRow[];
  sampled: SampledTicket[];
}

export interface PeriodOptions {
  /** Inclusive; ISO date or date-time (a bare date means 00:00 UTC). */
  since?: string | Date;
  /** Exclusive; same forms. `since 2026-11-01 until 2026-12-01` is November. */
  until?: string | Date;
}

export const NO_VALUE = '(none)';

const MAX_FILLED_WEEKS = 260;

/**
 * Aggregates QA verdict entries. Period and week use the verdict's reference time: the ticket's
 * `resolvedAt`, or the entry's `at` when that is absent or unreadable. When one ticket version was
 * judged by the same rule more than once (e.g. after a rules change), only the latest verdict counts.
 */
export function aggregateQa(entries: Iterable<AuditEntry>, options: PeriodOptions = {}): QaStats {
  const since = toDate(options.since, 'since');
  const until = toDate(options.until, 'until');
  const latest = new Map<string, { verdict: QaVerdict; when: Date }>();
  let superseded = 0;
  for (const entry of entries) {
    if (entry.data.kind !== 'qa-verdict') continue;
    const verdict = entry.data;
    const when = referenceTime(verdict, entry.at);
    if ((since && when < since) || (until && when >= until)) continue;
    const key = `${verdict.ticket.key}\u0000${verdict.version}\u0000${verdict.rule}`;
    if (latest.has(key)) superseded += 1;
    // Delete first so Map order follows the latest verdict (the sampled list reads in log order).
    latest.delete(key);
    latest.set(key, { verdict, when });
  }

  const checks = new Map<string, Counter & { severities: Set<string> }>();
  const groups = new Map<string, Counter>();
  const assignees = new Map<string, Counter>();
  const weeks = new Map<number, Counter>();
  const tickets = new Set<string>();
  const sampled: SampledTicket[] = [];
  const total: Counter = { verdicts: 0, passed: 0 };

  for (const { verdict, when } of latest.values()) {
    tickets.add(verdict.ticket.key);
    count(total, verdict.passed);
    count(bucket(groups, verdict.group ?? NO_VALUE), verdict.passed);
    count(bucket(assignees, verdict.assignee ?? NO_VALUE), verdict.passed);
    count(bucket(weeks, isoWeekStart(when).getTime()), verdict.passed);
    for (const check of verdict.checks) {
      let row = checks.get(check.id);
      if (!row) checks.set(check.id, (row = { verdicts: 0, passed: 0, severities: new Set() }));
      row.severities.add(check.severity);
      count(row, check.passed);
    }
    if (verdict.sampled) {
      sampled.push({
        number: verdict.ticket.number,
        source: verdict.ticket.source,
        key: verdict.ticket.key,
        rule: verdict.rule,
        passed: verdict.passed,
        failedChecks: verdict.checks.filter((c) => !c.passed).map((c) => c.id),
        group: verdict.group,
        assignee: verdict.assignee,
        when: when.toISOString(),
      });
    }
  }

  return {
    since,
    until,
    verdicts: total.verdicts,
    passed: total.passed,
    rate: rate(total),
    tickets: tickets.size,
    superseded,
    byCheck: worstFirst(
      [...checks].map(([value, c]) => ({ ...row(value, c), severity: [...c.severities].sort().join('/') })),
    ),
    byGroup: worstFirst([...groups].map(([value, c]) => row(value, c))),
    byAssignee: worstFirst([...assignees].map(([value, c]) => row(value, c))),
    byWeek: weekRows(weeks),
    sampled,
  };
}

interface Counter {
  verdicts: number;
  passed: number;
}

function count(counter: Counter, passed: boolean): void {
  counter.verdicts += 1;
  if (passed) counter.passed += 1;
}

function bucket<K>(map: Map<K, Counter>, key: K): Counter {
  let counter = map.get(key);
  if (!counter) map.set(key, (counter = { verdicts: 0, passed: 0 }));
  return counter;
}

function rate(counter: Counter): number | undefined {
  return counter.verdicts === 0 ? undefined : counter.passed / counter.verdicts;
}

function row(value: string, counter: Counter): RateRow {
  return { value, verdicts: counter.verdicts, passed: counter.passed, rate: rate(counter) };
}

/** Lowest pass rate first, then the busiest, then by name: what needs attention is on top. */
function worstFirst(rows: RateRow[]): RateRow[] {
  return rows.sort((a, b) => (a.rate ?? 1) - (b.rate ?? 1) || b.verdicts - a.verdicts || a.value.localeCompare(b.value));
}

function weekRows(weeks: Map<number, Counter>): RateRow[] {
  const starts = [...weeks.keys()].sort((a, b) => a - b);
  const first = starts[0];
  const last = starts.at(-1);
  if (first === undefined || last === undefined) return [];
  // A stray resolvedAt decades off would otherwise fill the chart with thousands of empty weeks.
  if ((last - first) / (7 * 86_400_000) > MAX_FILLED_WEEKS) {
    return starts.map((start) => row(isoWeekLabel(new Date(start)), weeks.get(start) ?? { verdicts: 0, passed: 0 }));
  }
  const rows: RateRow[] = [];
  for (let week = new Date(first); week.getTime() <= last; week = nextIsoWeek(week)) {
    rows.push(row(isoWeekLabel(week), weeks.get(week.getTime()) ?? { verdicts: 0, passed: 0 }));
  }
  return rows;
}

function referenceTime(verdict: QaVerdict, at: string): Date {
  const resolved = verdict.resolvedAt === undefined ? Number.NaN : Date.parse(verdict.resolvedAt);
  return new Date(Number.isNaN(resolved) ? Date.parse(at) : resolved);
}

function toDate(value: string | Date | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`--${name} must be an ISO date or date-time, got "${String(value)}"`);
  return date;
}
