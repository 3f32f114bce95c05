import type { FieldValues, TicketRef, WriteEntry } from '../audit/schema.js';

/** Which writes `deskbridge revert` undoes: every given filter must match (none given: every write). */
export interface RevertFilter {
  rule?: string | undefined;
  source?: string | undefined;
  /** ISO 8601; writes recorded at or after it. */
  since?: string | undefined;
  /** ISO 8601; writes recorded before it. */
  until?: string | undefined;
  /** Ticket numbers (or ticket keys). */
  tickets?: readonly string[] | undefined;
}

/** A write that landed on a platform, as the action log recorded it. */
export interface LandedWrite {
  actionId: string;
  at: string;
  ticket: TicketRef;
  rule: string;
  type: string;
  /** The human description, e.g. `assign to Network / Jane Doe`. */
  action: string;
  values: FieldValues | undefined;
  previous: FieldValues | undefined;
  /** Set on writes made by `deskbridge revert`: the write they undid. */
  reverts: string | undefined;
}

/** Put one ticket's assignment back to what the first selected write replaced. */
export interface RevertCandidate {
  ticket: TicketRef;
  /** The selected writes undone, oldest first; the last one is deskbridge's latest assignment of the ticket. */
  writes: LandedWrite[];
  /** What the first of them replaced: what the ticket gets back (null: empty, the field is cleared). */
  restore: { group: string | null; assignee: string | null };
  /** What the last of them wrote: the ticket must still hold it, or a person has changed it since. */
  expect: { group: string | null; assignee: string | null };
}

/** A selected write that is not undone, and why. */
export interface NotReverted {
  ticket: TicketRef;
  write: LandedWrite;
  reason: string;
}

export interface RevertSelection {
  candidates: RevertCandidate[];
  notReverted: NotReverted[];
}

/** Outcomes of a write that changed something on the platform. */
const LANDED = new Set(['created', 'updated']);

/** Why each kind of write other than an assignment is not undone. */
const NOT_REVERTIBLE: Readonly<Record<string, string>> = {
  comment: 'comments and work notes cannot be unposted: delete it on the platform if it must go',
  'link-duplicate': 'the duplicate link is not removed automatically: clear it on the ticket by hand',
  'link-problem': 'the problem link is not removed automatically: clear it on the ticket by hand',
  'create-problem': 'a created problem is not deleted: close or cancel it on the platform',
  'update-problem': "a problem's earlier text is not recorded: edit it on the platform",
  'create-task': 'a created task is not deleted: close or cancel it on the platform',
  'set-field': 'the value a set-field replaced is not recorded: set it back by hand',
};

/** Whether a recorded write is one the filter asks to revert (revert writes never are). */
export function matches(write: LandedWrite, filter: RevertFilter): boolean {
  if (write.reverts !== undefined) return false;
  if (filter.rule !== undefined && write.rule !== filter.rule) return false;
  if (filter.source !== undefined && write.ticket.source !== filter.source) return false;
  const at = Date.parse(write.at);
  if (filter.since !== undefined && at < Date.parse(filter.since)) return false;
  if (filter.until !== undefined && at >= Date.parse(filter.until)) return false;
  if (filter.tickets !== undefined && filter.tickets.length > 0) {
    const wanted = new Set(filter.tickets.map((t) => t.toLowerCase()));
    if (!wanted.has(write.ticket.number.toLowerCase()) && !wanted.has(write.ticket.key.toLowerCase())) return false;
  }
  return true;
}

/** Writes that landed, once each (the action log has one entry per attempt and outcome), in log order. */
export function landedWrites(entries: Iterable<WriteEntry>): LandedWrite[] {
  const seen = new Set<string>();
  const out: LandedWrite[] = [];
  for (const { at, data } of entries) {
    if (!LANDED.has(data.outcome) || seen.has(data.actionId)) continue;
    seen.add(data.actionId);
    out.push({
      actionId: data.actionId,
      at,
      ticket: data.ticket,
      rule: data.rule,
      type: data.type,
      action: data.action,
      values: data.values,
      previous: data.previous,
      reverts: data.reverts,
    });
  }
  return out;
}

/**
 * Decides, from the action log alone, what reverting the selected writes means for each ticket.
 *
 * Per ticket, only deskbridge's latest run of selected assignments is undone: walking back from its
 * last assignment while the writes are selected, the ticket gets back what the earliest of them
 * replaced. A ticket whose last assignment by deskbridge is not selected (another rule moved it
 * later, or a revert already did) is left alone: undoing the selected write would undo that one too.
 */
export function selectReverts(writes: readonly LandedWrite[], filter: RevertFilter): RevertSelection {
  const candidates: RevertCandidate[] = [];
  const notReverted: NotReverted[] = [];
  const assignsByTicket = new Map<string, LandedWrite[]>();
  for (const write of writes) {
    if (write.type === 'assign') {
      const list = assignsByTicket.get(write.ticket.key) ?? [];
      list.push(write);
      assignsByTicket.set(write.ticket.key, list);
    } else if (matches(write, filter)) {
      notReverted.push({ ticket: write.ticket, write, reason: NOT_REVERTIBLE[write.type] ?? `a ${write.type} write is not undone automatically` });
    }
  }
  for (const assigns of assignsByTicket.values()) {
    const selected = assigns.filter((w) => matches(w, filter));
    const last = assigns[assigns.length - 1];
    if (selected.length === 0 || last === undefined) continue;
    if (!matches(last, filter)) {
      const why =
        last.reverts !== undefined
          ? `already reverted at ${last.at} (revert write ${short(last.actionId)})`
          : `reassigned later by rule ${last.rule} at ${last.at} (write ${short(last.actionId)}, not selected): select that write too, or leave the ticket`;
      for (const write of selected) notReverted.push({ ticket: write.ticket, write, reason: why });
      continue;
    }
    let start = assigns.length - 1;
    while (start > 0 && matches(assigns[start - 1] as LandedWrite, filter)) start--;
    const run = assigns.slice(start);
    // Selected writes before the run: undoing them would also undo the unselected write after them.
    for (const write of assigns.slice(0, start).filter((w) => matches(w, filter))) {
      notReverted.push({ ticket: write.ticket, write, reason: 'a later assignment that is not selected came after it: only the latest run of selected assignments is undone' });
    }
    const first = run[0] as LandedWrite;
    if (first.previous === undefined) {
      notReverted.push({ ticket: first.ticket, write: first, reason: 'written before deskbridge recorded the values a write replaced: nothing to put back' });
      continue;
    }
    candidates.push({
      ticket: last.ticket,
      writes: run,
      // A ticket that had no group (or no assignee) gets that back: the field is cleared.
      restore: { group: first.previous['group'] ?? null, assignee: first.previous['assignee'] ?? null },
      expect: { group: last.values?.['group'] ?? null, assignee: last.values?.['assignee'] ?? null },
    });
  }
  return { candidates, notReverted };
}

/** Outbox ids are long; people see their first 12 characters (as `outbox list` shows them). */
export function short(id: string): string {
  return id.slice(0, 12);
}
