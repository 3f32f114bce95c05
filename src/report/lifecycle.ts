import type { LifecycleVersion } from '../model/lifecycle-version.js';
import { isOpen, type TicketStatus } from '../model/ticket.js';

/**
 * What the help-desk figures need to know of one ticket, folded from its versions in time order:
 * when it was opened, picked up, resolved and reopened, who held it and how often that changed.
 * Compact on purpose: a year of a large desk is hundreds of thousands of these.
 */
export interface TicketLifecycle {
  key: string;
  number: string;
  createdMs: number;
  /** Latest values. */
  priority: number;
  category: string | undefined;
  group: string | undefined;
  assignee: string | undefined;
  status: TicketStatus;
  /** Times the group changed after it was first set (a group cleared and set again counts once). */
  groupChanges: number;
  /** Times the person changed after one was first set. */
  assigneeChanges: number;
  /** The platform's own reassignment count (ServiceNow `reassignment_count`), the highest seen. */
  nativeReassignments: number;
  /** Reopens: the platform's count (`reopen_count`) or the resolved → open steps seen, whichever is more. */
  reopens: number;
  /** When a person first had it: the first version with a person assigned, or in progress, on hold, resolved or closed. */
  firstResponseMs: number | undefined;
  /** When it was resolved (the platform's resolution time when it gives one), undefined while open. */
  resolvedMs: number | undefined;
  /** Group and person holding it when it was resolved. */
  resolvedGroup: string | undefined;
  resolvedBy: string | undefined;
  /** Ended as cancelled (not counted as resolved). */
  cancelled: boolean;
  /** The platform says an SLA was breached (true), met (false) or nothing (undefined). */
  slaBreached: boolean | undefined;
  /** Open spans as flat [start, end) pairs; end = Infinity while open. */
  openSpans: number[];
  /** Group changes as flat [time, group index] pairs (indexes into LifecycleBuilder.groupNames; -1 = none). */
  groupTimeline: number[];
}

/**
 * Statuses that mean somebody worked on the ticket. Not `open`: Jira's Open and To Do are
 * untouched tickets (Freshservice's open only says a group has it).
 */
const WORKED_ON: ReadonlySet<TicketStatus> = new Set(['in_progress', 'on_hold', 'resolved', 'closed']);

/** A version that cannot be placed (no parseable time): counted, never fatal. */
export interface LifecycleProblem {
  key: string;
  reason: string;
}

/**
 * Folds ticket versions (in time order, as `readHistory` or the state gives them) into lifecycles.
 * A version older than one already seen for the same ticket is ignored: figures follow the
 * ticket's own order of events.
 */
export class LifecycleBuilder {
  private readonly byKey = new Map<string, TicketLifecycle & { lastMs: number; observedReopens: number; nativeReopens: number }>();
  readonly groupNames: string[] = [];
  private readonly groupIndex = new Map<string, number>();
  readonly problems: LifecycleProblem[] = [];
  versions = 0;
  /** Earliest opening and latest update folded in: a report's default period. */
  firstCreatedMs = Infinity;
  lastUpdatedMs = -Infinity;

  /** A report's default end: the minute after the last update, so the period reads in whole minutes and includes it. */
  get defaultEndMs(): number {
    return (Math.floor(this.lastUpdatedMs / 60_000) + 1) * 60_000;
  }

  add(ticket: LifecycleVersion): void {
    const at = Date.parse(ticket.updatedAt);
    const created = Date.parse(ticket.createdAt);
    if (!Number.isFinite(at) || !Number.isFinite(created)) {
      this.problems.push({ key: ticket.key, reason: `unparseable time (created ${ticket.createdAt}, updated ${ticket.updatedAt})` });
      return;
    }
    this.versions++;
    this.firstCreatedMs = Math.min(this.firstCreatedMs, created);
    this.lastUpdatedMs = Math.max(this.lastUpdatedMs, at);
    const open = isOpen(ticket.status);
    let life = this.byKey.get(ticket.key);
    if (life === undefined) {
      life = {
        key: ticket.key,
        number: ticket.number,
        createdMs: created,
        priority: ticket.priority,
        category: ticket.category,
        group: undefined,
        assignee: undefined,
        // Folded from 'new' so the first version's own status is a step like any other (an export
        // that starts with the ticket already resolved still closes its open span).
        status: 'new',
        groupChanges: 0,
        assigneeChanges: 0,
        nativeReassignments: 0,
        reopens: 0,
        observedReopens: 0,
        nativeReopens: 0,
        firstResponseMs: undefined,
        resolvedMs: undefined,
        resolvedGroup: undefined,
        resolvedBy: undefined,
        cancelled: false,
        slaBreached: undefined,
        openSpans: [created, Infinity],
        groupTimeline: [],
        lastMs: at,
      };
      this.byKey.set(ticket.key, life);
    } else if (at < life.lastMs) return;
    life.lastMs = at;

    if (ticket.group !== undefined && ticket.group !== life.group) {
      if (life.group !== undefined) life.groupChanges++;
      life.group = ticket.group;
      life.groupTimeline.push(Math.max(at, life.createdMs), this.groupNo(ticket.group));
    }
    if (ticket.assignee !== undefined && ticket.assignee !== life.assignee) {
      if (life.assignee !== undefined) life.assigneeChanges++;
      life.assignee = ticket.assignee;
    }
    if (life.firstResponseMs === undefined && (ticket.assignee !== undefined || WORKED_ON.has(ticket.status))) life.firstResponseMs = Math.max(at, life.createdMs);

    const wasOpen = isOpen(life.status);
    if (wasOpen && !open) {
      const resolved = ticket.status === 'resolved' || ticket.status === 'closed';
      const resolvedAt = ticket.resolvedAt !== undefined ? Date.parse(ticket.resolvedAt) : NaN;
      // The platform's resolution time, unless it is older than this open span (an export that
      // repeats a reopened ticket's first resolution): then this version's own time.
      const spanStart = life.openSpans[life.openSpans.length - 2] ?? life.createdMs;
      const end = resolved && Number.isFinite(resolvedAt) && resolvedAt >= spanStart ? resolvedAt : Math.max(at, spanStart);
      life.openSpans[life.openSpans.length - 1] = end;
      life.cancelled = ticket.status === 'cancelled';
      life.resolvedMs = resolved ? end : undefined;
      life.resolvedGroup = resolved ? life.group : undefined;
      life.resolvedBy = resolved ? life.assignee : undefined;
    } else if (!wasOpen && open) {
      if (life.resolvedMs !== undefined) life.observedReopens++;
      life.openSpans.push(Math.max(at, life.createdMs), Infinity);
      life.resolvedMs = undefined;
      life.resolvedGroup = undefined;
      life.resolvedBy = undefined;
      life.cancelled = false;
    }
    life.status = ticket.status;
    life.priority = ticket.priority;
    if (ticket.category !== undefined) life.category = ticket.category;
    if (ticket.slaBreached !== undefined) life.slaBreached = ticket.slaBreached;
    if (ticket.reassignmentCount !== undefined) life.nativeReassignments = Math.max(life.nativeReassignments, ticket.reassignmentCount);
    if (ticket.reopenCount !== undefined) life.nativeReopens = Math.max(life.nativeReopens, ticket.reopenCount);
    life.reopens = Math.max(life.observedReopens, life.nativeReopens);
  }

  lifecycles(): TicketLifecycle[] {
    return [...this.byKey.values()];
  }

  get tickets(): number {
    return this.byKey.size;
  }

  private groupNo(name: string): number {
    let no = this.groupIndex.get(name);
    if (no === undefined) {
      no = this.groupNames.length;
      this.groupNames.push(name);
      this.groupIndex.set(name, no);
    }
    return no;
  }
}

/** The group a ticket was in at `ms` (its first group when it had none yet; undefined if never). */
export function groupAt(life: TicketLifecycle, ms: number, names: readonly string[]): string | undefined {
  const t = life.groupTimeline;
  if (t.length === 0) return undefined;
  let no = t[1] ?? -1;
  for (let i = 0; i < t.length; i += 2) {
    if ((t[i] ?? Infinity) > ms) break;
    no = t[i + 1] ?? -1;
  }
  return no >= 0 ? names[no] : undefined;
}

/** Whether the ticket was open at `ms`. */
export function openAt(life: TicketLifecycle, ms: number): boolean {
  const s = life.openSpans;
  for (let i = 0; i < s.length; i += 2) if ((s[i] ?? Infinity) <= ms && ms < (s[i + 1] ?? -Infinity)) return true;
  return false;
}
