import { fieldDigest } from '../field-digest.js';
import type { PulledRecord, UnreadableRecord } from '../types.js';
import { TicketEnvelope } from './schema.js';

/** Names the connector adds to a ticket (Zendesk gives ids only), so rules and mappings read names. */
export interface TicketNames {
  groupName(id: unknown): string | undefined;
  userName(id: unknown): string | undefined;
}

/**
 * The attributes whose change makes a new version. `updated_at` has one-second resolution, so two
 * edits in one second would share it; a digest of what the edit can change tells them apart.
 * System updates that change none of these (SLA and metric recalculation move only
 * `generated_timestamp`) make no new version, so they never wake the rules.
 */
const VERSIONED = ['status', 'type', 'priority', 'subject', 'description', 'group_id', 'assignee_id', 'requester_id', 'organization_id', 'problem_id', 'external_id', 'due_at', 'is_public'] as const;

/**
 * `version`: `<updated_at>|<12 hex of SHA-256 over the versioned attributes, tags and custom
 * fields>`. The first part is the `updated_stamp` a safe update sends; the whole string is what
 * the ledger and `WriteResult.ownVersion` compare. The same ticket state gives the same version
 * from the export, GET /tickets/{id} and a PUT's answer alike (they serialise the same ticket).
 */
export function ticketVersion(ticket: Record<string, unknown>): string {
  const parts: unknown[] = VERSIONED.map((name) => ticket[name] ?? null);
  const tags = Array.isArray(ticket['tags']) ? [...(ticket['tags'] as unknown[])].map(String).sort() : [];
  const custom = Array.isArray(ticket['custom_fields'])
    ? (ticket['custom_fields'] as unknown[])
        .map((field) => (typeof field === 'object' && field !== null ? [(field as Record<string, unknown>)['id'], (field as Record<string, unknown>)['value'] ?? null] : null))
        .filter((field) => field !== null)
        .sort((a, b) => Number(a[0]) - Number(b[0]))
    : [];
  return `${String(ticket['updated_at'])}|${fieldDigest([parts, tags, custom])}`;
}

/** The `updated_stamp` of a version (its `updated_at` part). */
export function stampOf(version: string): string {
  const bar = version.indexOf('|');
  return bar < 0 ? version : version.slice(0, bar);
}

/**
 * The `updated_stamp` a planned write is sent with: the version it was planned at, so a person's
 * edit since wins (409, superseded). None for a write planned from another source's ticket
 * (`via`: escalation sync resolving an original because its copy was resolved, or keeping a copy's
 * priority in step): that decision does not rest on this ticket's state, and it is made once, on
 * the other ticket's change, so a 409 would lose it for good rather than defer it.
 */
export function plannedStamp(planned: { via?: string | undefined; target: { version: string } }): string | undefined {
  return planned.via === undefined ? stampOf(planned.target.version) : undefined;
}

export interface ReadTicketOptions {
  names: TicketNames | undefined;
  /** The integration user, reported as `updatedBy` when the ticket is at a version this connector wrote. */
  ownVersion: (nativeId: string, version: string) => boolean;
  integrationUser: string | undefined;
}

/**
 * One ticket as a record. `updatedAt` is the later of `updated_at` and `generated_timestamp`: the
 * export selects by `generated_timestamp` (it moves on system updates too, so `updated_at` may be
 * earlier than the start_time asked for), and the watermark must follow what the export compares.
 * https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api/
 */
export function readTicket(raw: unknown, options: ReadTicketOptions): PulledRecord | UnreadableRecord {
  const parsed = TicketEnvelope.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { raw, error: `not a readable Zendesk ticket: ${issue ? `${issue.path.join('.') || 'ticket'}: ${issue.message}` : 'unknown shape'}` };
  }
  const envelope = parsed.data;
  const ticket = { ...(raw as Record<string, unknown>) };
  const updatedMs = Date.parse(envelope.updated_at);
  const generatedMs = envelope.generated_timestamp === undefined ? 0 : envelope.generated_timestamp * 1000;
  const nativeId = String(envelope.id);
  const version = ticketVersion(ticket);
  if (options.names) {
    ticket['group_name'] = options.names.groupName(ticket['group_id']);
    ticket['assignee_name'] = options.names.userName(ticket['assignee_id']);
    ticket['requester_name'] = options.names.userName(ticket['requester_id']);
  }
  return {
    nativeId,
    version,
    updatedAt: new Date(Math.max(updatedMs, generatedMs)).toISOString(),
    updatedBy: options.integrationUser !== undefined && options.ownVersion(nativeId, version) ? options.integrationUser : undefined,
    raw: ticket,
  };
}
