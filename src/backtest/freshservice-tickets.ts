import { agentName } from '../platforms/freshservice/names.js';
import { type NameLookup, readTicket } from '../platforms/freshservice/record.js';
import type { PulledRecord } from '../platforms/types.js';

/** The tickets of a Freshservice JSON export, and the group and agent names it carries. */
export interface FreshserviceExport {
  tickets: unknown[];
  names: NameLookup;
}

/**
 * An array of tickets, or `{"tickets": [...]}` as `GET /api/v2/tickets` returns them, with the
 * bodies of `GET /api/v2/groups` / `GET /api/v2/agents` beside them as `groups` / `agents` when
 * the export has them (tickets carry only `group_id` / `responder_id`); undefined otherwise.
 */
export function freshserviceExport(data: unknown): FreshserviceExport | undefined {
  if (Array.isArray(data)) return { tickets: data, names: namesFrom(undefined, undefined) };
  if (typeof data !== 'object' || data === null) return undefined;
  const body = data as { tickets?: unknown; groups?: unknown; agents?: unknown };
  if (!Array.isArray(body.tickets)) return undefined;
  return { tickets: body.tickets, names: namesFrom(body.groups, body.agents) };
}

/**
 * Whether a ticket looks like Freshservice's rather than Zendesk's: both have id, subject and
 * status, but Freshservice's status and priority are numbers and its agent is `responder_id`.
 */
export function looksLikeFreshserviceTicket(first: object): boolean {
  const ticket = first as { status?: unknown; priority?: unknown };
  return 'id' in first && 'subject' in first && (typeof ticket.status === 'number' || typeof ticket.priority === 'number' || 'responder_id' in first) && !('key' in first) && !('sys_id' in first);
}

/** One exported ticket → the record the Freshservice connector would hand the mapping, via its own reader. */
export function freshserviceTicketToRecord(ticket: unknown, names: NameLookup): PulledRecord | { error: string } {
  const read = readTicket(ticket, names);
  return 'error' in read ? { error: read.error } : read.record;
}

function namesFrom(groups: unknown, agents: unknown): NameLookup {
  const groupNames = new Map<number, string>();
  const agentNames = new Map<number, string>();
  for (const item of Array.isArray(groups) ? groups : []) {
    const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
    if (typeof id === 'number' && typeof name === 'string') groupNames.set(id, name);
  }
  for (const item of Array.isArray(agents) ? agents : []) {
    const agent = (item ?? {}) as { id?: unknown; first_name?: unknown; last_name?: unknown; email?: unknown };
    if (typeof agent.id !== 'number') continue;
    const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
    agentNames.set(agent.id, agentName({ id: agent.id, first_name: text(agent.first_name), last_name: text(agent.last_name), email: text(agent.email) }));
  }
  return { group: (id) => groupNames.get(id), agent: (id) => agentNames.get(id) };
}
