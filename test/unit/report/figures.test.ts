import { describe, expect, it } from 'vitest';
import { lifecycleVersionOf, type LifecycleVersion } from '../../../src/model/lifecycle-version.js';
import type { Ticket, TicketStatus } from '../../../src/model/ticket.js';
import { aging, computeFigures, durationStats, intervals } from '../../../src/report/figures.js';
import { LifecycleBuilder, groupAt, openAt } from '../../../src/report/lifecycle.js';

const T0 = Date.parse('2026-03-02T00:00:00Z'); // a Monday
const h = (hours: number): string => new Date(T0 + hours * 3_600_000).toISOString().replace('.000Z', 'Z');
const HOUR = 3_600_000;

/** One version of ticket `n` at hour `at` (opened at hour `opened`). */
function version(n: number, opened: number, at: number, status: TicketStatus, fields: Partial<Ticket> = {}): LifecycleVersion {
  return lifecycleVersionOf({
    key: `snow:test:${n}`,
    source: { platform: 'servicenow', instance: 'test', container: 'incident', nativeId: String(n), number: `INC${n}` },
    version: String(at),
    kind: 'incident',
    title: '',
    description: '',
    status,
    nativeStatus: status,
    priority: 3,
    createdAt: h(opened),
    updatedAt: h(at),
    labels: [],
    raw: {},
    ...fields,
  });
}

/**
 * A week of a small desk, hand-built so every figure has a known answer:
 * 1: Service Desk / ann from the start, resolved at 10 h, SLA met               → FCR
 * 2: Service Desk / bob, moved to Network at 5 h, carl resolves at 30 h, SLA breached
 * 3: Network / carl, resolved at 4 h, reopened at 20 h, resolved again at 50 h
 * 4: new at 0, picked up by ann at 2 h, still open at the end
 * 5: cancelled at 3 h (never resolved)
 * 6: Service Desk / ann, resolved at 6 h, platform reassignment count 1          → not FCR
 */
function desk(): LifecycleBuilder {
  const b = new LifecycleBuilder();
  const versions: LifecycleVersion[] = [
    version(1, 0, 0, 'in_progress', { group: 'Service Desk', assignee: 'ann', category: 'network' }),
    version(2, 0, 0, 'in_progress', { group: 'Service Desk', assignee: 'bob', category: 'network' }),
    version(3, 1, 1, 'in_progress', { group: 'Network', assignee: 'carl', priority: 1, category: 'hardware' }),
    version(4, 0, 0, 'new', { category: 'software' }),
    version(5, 1, 1, 'new'),
    version(6, 2, 2, 'in_progress', { group: 'Service Desk', assignee: 'ann', category: 'network' }),
    version(4, 0, 2, 'in_progress', { assignee: 'ann', group: 'Service Desk', category: 'software' }),
    version(5, 1, 3, 'cancelled'),
    version(3, 1, 4, 'resolved', { group: 'Network', assignee: 'carl', priority: 1, category: 'hardware', resolvedAt: h(4) }),
    version(2, 0, 5, 'in_progress', { group: 'Network', category: 'network' }),
    version(6, 2, 6, 'resolved', { group: 'Service Desk', assignee: 'ann', category: 'network', resolvedAt: h(6), reassignmentCount: 1, slaBreached: false }),
    version(1, 0, 10, 'resolved', { group: 'Service Desk', assignee: 'ann', category: 'network', resolvedAt: h(10), slaBreached: false }),
    version(3, 1, 20, 'in_progress', { group: 'Network', assignee: 'carl', priority: 1, category: 'hardware' }),
    version(2, 0, 30, 'resolved', { group: 'Network', assignee: 'carl', category: 'network', resolvedAt: h(30), slaBreached: true }),
    version(3, 1, 50, 'resolved', { group: 'Network', assignee: 'carl', priority: 1, category: 'hardware', resolvedAt: h(50) }),
  ];
  for (const v of versions) b.add(v);
  return b;
}

const WEEK = { fromMs: T0, toMs: T0 + 7 * 24 * HOUR, by: 'week' as const };

describe('report lifecycle', () => {
  it('folds versions into when a ticket was picked up, resolved and reopened, and who held it', () => {
    const lives = new Map(
      desk()
        .lifecycles()
        .map((l) => [l.number, l]),
    );
    expect(lives.get('INC2')).toMatchObject({ groupChanges: 1, assigneeChanges: 1, resolvedMs: T0 + 30 * HOUR, resolvedGroup: 'Network', resolvedBy: 'carl', slaBreached: true });
    expect(lives.get('INC3')).toMatchObject({ reopens: 1, resolvedMs: T0 + 50 * HOUR, openSpans: [T0 + 1 * HOUR, T0 + 4 * HOUR, T0 + 20 * HOUR, T0 + 50 * HOUR] });
    expect(lives.get('INC4')).toMatchObject({ firstResponseMs: T0 + 2 * HOUR, resolvedMs: undefined, openSpans: [T0, Infinity] });
    expect(lives.get('INC5')).toMatchObject({ cancelled: true, resolvedMs: undefined });
  });

  it('knows which group held a ticket and whether it was open at any instant', () => {
    const b = desk();
    const inc2 = b.lifecycles().find((l) => l.number === 'INC2');
    expect(inc2 && groupAt(inc2, T0 + 4 * HOUR, b.groupNames)).toBe('Service Desk');
    expect(inc2 && groupAt(inc2, T0 + 5 * HOUR, b.groupNames)).toBe('Network');
    const inc3 = b.lifecycles().find((l) => l.number === 'INC3');
    expect(inc3 && [openAt(inc3, T0 + 3 * HOUR), openAt(inc3, T0 + 10 * HOUR), openAt(inc3, T0 + 30 * HOUR)]).toEqual([true, false, true]);
  });

  it('counts a first response only when a person has it or works on it: Open or To Do with a group is not one', () => {
    const b = new LifecycleBuilder();
    b.add(version(7, 0, 0, 'open', { group: 'Service Desk' }));
    b.add(version(7, 0, 1, 'open', { group: 'Network' }));
    b.add(version(7, 0, 3, 'in_progress', { group: 'Network' }));
    expect(b.lifecycles()[0]?.firstResponseMs).toBe(T0 + 3 * HOUR);
  });

  it("takes a reopened ticket's second resolution at its own time when the platform still gives the first", () => {
    const b = new LifecycleBuilder();
    b.add(version(8, 0, 2, 'resolved', { resolvedAt: h(2) }));
    b.add(version(8, 0, 5, 'in_progress'));
    b.add(version(8, 0, 9, 'resolved', { resolvedAt: h(2) }));
    expect(b.lifecycles()[0]).toMatchObject({ resolvedMs: T0 + 9 * HOUR, reopens: 1, openSpans: [T0, T0 + 2 * HOUR, T0 + 5 * HOUR, T0 + 9 * HOUR] });
  });

  it('closes the open span of a ticket first seen already resolved, and ignores a version older than one seen', () => {
    const b = new LifecycleBuilder();
    b.add(version(9, 0, 8, 'closed', { resolvedAt: h(6) }));
    b.add(version(9, 0, 7, 'in_progress'));
    expect(b.lifecycles()[0]).toMatchObject({ openSpans: [T0, T0 + 6 * HOUR], resolvedMs: T0 + 6 * HOUR, reopens: 0, status: 'closed' });
  });
});

describe('report figures', () => {
  const b = desk();
  const f = computeFigures(b.lifecycles(), b.groupNames, WEEK);

  it('counts resolved tickets by their last resolution in the period, never the cancelled', () => {
    expect(f.created).toBe(6);
    expect(f.overall.resolved).toBe(4);
  });

  it('first-contact resolution: resolved by the first group and person, platform count 0, never reopened', () => {
    // 1 only: 2 was moved, 3 reopened, 6 has a platform reassignment count of 1.
    expect(f.overall.fcr).toEqual({ count: 1, of: 4, rate: 0.25 });
  });

  it('time to resolution and first response: median, mean and p90 in hours by nearest rank', () => {
    // Resolution: 1 → 10 h, 2 → 30 h, 3 → 49 h (from 1 h to 50 h), 6 → 4 h.
    expect(f.overall.resolution).toEqual({ count: 4, medianHours: 10, meanHours: (10 + 30 + 49 + 4) / 4, p90Hours: 49 });
    // First response: all four were born assigned.
    expect(f.overall.firstResponse.medianHours).toBe(0);
    expect(durationStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => x * HOUR))).toMatchObject({ medianHours: 5, p90Hours: 9 });
  });

  it('SLA attainment over the tickets the platform reports on', () => {
    expect(f.overall.sla).toEqual({ count: 2, of: 3, rate: 2 / 3 });
  });

  it('reassignments per resolved ticket: group changes, or the platform count when higher; reopen rate', () => {
    expect(f.overall.reassignmentsPerTicket).toBe((0 + 1 + 0 + 1) / 4);
    expect(f.overall.reopened).toEqual({ count: 1, of: 4, rate: 0.25 });
  });

  it('backlog: tickets open at an instant by age, and by the group holding them then', () => {
    expect(aging(b.lifecycles(), T0 + 25 * HOUR)).toEqual({ '0-1d': 0, '1-3d': 3, '3-7d': 0, '7-30d': 0, '>30d': 0, total: 3 });
    expect(f.backlog.atEnd).toMatchObject({ '3-7d': 1, total: 1 });
    // At the start 1, 2 and 4 were open (4 counts for the group it was first given); 4 is left.
    expect(f.backlog.byGroup.map((g) => [g.group, g.atStart.total, g.atEnd.total])).toEqual([['Service Desk', 3, 1]]);
  });

  it('breaks resolution down by priority, resolving group and category, and throughput by person', () => {
    expect(f.byPriority.map((r) => [r.key, r.resolved])).toEqual([
      ['P1', 1],
      ['P3', 3],
    ]);
    expect(f.byGroup.map((r) => [r.key, r.resolved])).toEqual([
      ['Network', 2],
      ['Service Desk', 2],
    ]);
    expect(f.topCategories[0]).toEqual({ category: 'network', created: 3, share: 0.5 });
    expect(f.people.map((p) => [p.person, p.resolved, p.fcr.count])).toEqual([
      ['ann', 2, 1],
      ['carl', 2, 0],
    ]);
  });

  it("adds each person's QA pass rate from the QA log's verdicts when given", () => {
    const withQa = computeFigures(b.lifecycles(), b.groupNames, WEEK, 10, { qa: new Map([['ann', { passed: 3, verdicts: 4 }]]) });
    expect(withQa.people.map((p) => [p.person, p.qa])).toEqual([
      ['ann', { count: 3, of: 4, rate: 0.75 }],
      ['carl', { count: 0, of: 0, rate: undefined }],
    ]);
    expect(f.people[0]?.qa).toBeUndefined();
  });

  it('splits a period into ISO weeks or calendar months, clipped to the period', () => {
    expect(intervals({ fromMs: Date.parse('2026-02-26T00:00:00Z'), toMs: Date.parse('2026-03-10T00:00:00Z'), by: 'week' }).map((i) => i.label)).toEqual(['2026-W09', '2026-W10', '2026-W11']);
    const months = intervals({ fromMs: Date.parse('2026-01-15T00:00:00Z'), toMs: Date.parse('2026-03-01T00:00:00Z'), by: 'month' });
    expect(months.map((i) => [i.label, new Date(i.fromMs).toISOString().slice(0, 10)])).toEqual([
      ['2026-01', '2026-01-15'],
      ['2026-02', '2026-02-01'],
    ]);
    expect(f.trend).toHaveLength(1);
    expect(f.trend[0]).toMatchObject({ label: '2026-W10', created: 6, resolved: 4 });
  });
});
