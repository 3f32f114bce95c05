import type { RevertCandidate } from './select.js';

/** A ticket's assignment as the platform shows it now (canonical group and assignee, null when empty). */
export interface CurrentTicket {
  nativeId: string;
  version: string;
  group: string | null;
  assignee: string | null;
}

export type RevertDecision =
  | { kind: 'revert'; candidate: RevertCandidate; current: CurrentTicket }
  | { kind: 'skip'; candidate: RevertCandidate; reason: string }
  | { kind: 'unchanged'; candidate: RevertCandidate; reason: string };

/**
 * Whether a candidate is reverted, given the ticket as it is now. A ticket that no longer holds
 * what deskbridge wrote was changed since, by a person (or another tool): their decision wins, so
 * it is skipped.
 */
export function decide(candidate: RevertCandidate, current: CurrentTicket | null): RevertDecision {
  if (current === null) return { kind: 'skip', candidate, reason: 'the ticket is no longer found on the platform' };
  const { expect, restore } = candidate;
  const changed: string[] = [];
  if (!same(current.group, expect.group)) changed.push(`group is now ${shown(current.group)} (deskbridge set ${shown(expect.group)})`);
  if (!same(current.assignee, expect.assignee)) changed.push(`assignee is now ${shown(current.assignee)} (deskbridge set ${shown(expect.assignee)})`);
  if (changed.length > 0 && same(current.group, restore.group) && same(current.assignee, restore.assignee)) {
    return { kind: 'unchanged', candidate, reason: 'it already has the previous assignment again' };
  }
  if (changed.length > 0) return { kind: 'skip', candidate, reason: `changed since deskbridge's write: ${changed.join(', ')}` };
  return { kind: 'revert', candidate, current };
}

/** Names compared as a person reads them: surrounding spaces and case do not make a change. */
function same(a: string | null, b: string | null): boolean {
  return (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();
}

export function shown(value: string | null): string {
  return value === null || value === '' ? '(none)' : JSON.stringify(value);
}
