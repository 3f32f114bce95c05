import type { Ticket } from './ticket.js';

/**
 * What the help-desk figures (`deskbridge report`) keep of each ticket version deskbridge pulls:
 * its status, holder and the platform's own counters at that time. The state store keeps one per
 * (ticket, version), so the figures can be rebuilt for any period without asking the platform.
 */
export type LifecycleVersion = Pick<
  Ticket,
  'key' | 'status' | 'priority' | 'category' | 'group' | 'assignee' | 'createdAt' | 'updatedAt' | 'resolvedAt' | 'slaBreached' | 'reassignmentCount' | 'reopenCount'
> & {
  number: string;
  version: string;
};

export function lifecycleVersionOf(t: Ticket): LifecycleVersion {
  const v: LifecycleVersion = { key: t.key, number: t.source.number, version: t.version, status: t.status, priority: t.priority, createdAt: t.createdAt, updatedAt: t.updatedAt };
  if (t.category !== undefined) v.category = t.category;
  if (t.group !== undefined) v.group = t.group;
  if (t.assignee !== undefined) v.assignee = t.assignee;
  if (t.resolvedAt !== undefined) v.resolvedAt = t.resolvedAt;
  if (t.slaBreached !== undefined) v.slaBreached = t.slaBreached;
  if (t.reassignmentCount !== undefined) v.reassignmentCount = t.reassignmentCount;
  if (t.reopenCount !== undefined) v.reopenCount = t.reopenCount;
  return v;
}
