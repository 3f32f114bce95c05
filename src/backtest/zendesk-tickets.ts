import { readTicket, type TicketNames } from '../platforms/zendesk/record.js';
import type { PulledRecord } from '../platforms/types.js';

/** The tickets of a Zendesk JSON export, and the names its `users` / `groups` sideloads give. */
export interface ZendeskExport {
  tickets: unknown[];
  names: TicketNames;
}

/**
 * An array of tickets, or `{"tickets": [...]}` as the incremental export and the ticket list return
 * them, with `users` and `groups` when sideloaded (`?include=users,groups`); undefined otherwise.
 */
export function zendeskExport(data: unknown): ZendeskExport | undefined {
  if (Array.isArray(data)) return { tickets: data, names: namesFrom(undefined, undefined) };
  if (typeof data !== 'object' || data === null) return undefined;
  const body = data as { tickets?: unknown; users?: unknown; groups?: unknown };
  if (!Array.isArray(body.tickets)) return undefined;
  return { tickets: body.tickets, names: namesFrom(body.users, body.groups) };
}

/** Whether an array's first element looks like a Zendesk ticket (id, subject, status; no Jira key, no sys_id). */
export function looksLikeZendeskTicket(first: object): boolean {
  return 'id' in first && 'status' in first && ('subject' in first || 'raw_subject' in first) && !('key' in first) && !('sys_id' in first);
}

/** The account address, from the first ticket's API `url` (`https://acme.zendesk.com/api/v2/tickets/1.json`). */
export function zendeskBaseUrl(tickets: readonly unknown[]): string | undefined {
  const url = (tickets[0] as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** One exported ticket → the record the Zendesk connector would hand the mapping, via its own reader. */
export function zendeskTicketToRecord(ticket: unknown, names: TicketNames): PulledRecord | { error: string } {
  const read = readTicket(ticket, { names, integrationUser: undefined, ownVersion: () => false });
  return 'error' in read ? { error: read.error } : read;
}

function namesFrom(users: unknown, groups: unknown): TicketNames {
  const byId = (list: unknown): Map<number, string> => {
    const out = new Map<number, string>();
    if (!Array.isArray(list)) return out;
    for (const item of list) {
      const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
      if (typeof id === 'number' && typeof name === 'string') out.set(id, name);
    }
    return out;
  };
  const userNames = byId(users);
  const groupNames = byId(groups);
  return {
    groupName: (id) => (typeof id === 'number' ? groupNames.get(id) : undefined),
    userName: (id) => (typeof id === 'number' ? userNames.get(id) : undefined),
  };
}
