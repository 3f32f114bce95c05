import { PlannedAction } from '../model/action.js';
import { EscalationLink, type EscalationEnd } from '../model/escalation.js';
import { TicketStatus } from '../model/ticket.js';
import type { OutboxEntry, PassLogEntry, PassOutcome, OutboxStatus, TicketState } from './types.js';

/**
 * The rows both stores read back, and how each becomes the model's object: one mapping for SQLite
 * and PostgreSQL, which differ only in how the driver hands values over (bigint ids as strings,
 * booleans as 0/1, JSON as text or already parsed).
 */

export interface OutboxRow {
  seq: number | string;
  id: string;
  source_id: string;
  ticket_key: string;
  rule_id: string;
  /** JSON text (SQLite) or the parsed value (PostgreSQL jsonb). */
  planned: unknown;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  outcome: string | null;
  ref: string | null;
  created_at: string;
  updated_at: string;
}

export interface TicketRow {
  key: string;
  source_id: string;
  native_id: string;
  number: string;
  version: string;
  status: string;
  grp: string | null;
  assignee: string | null;
  updated_at: string;
  status_since: string | null;
  sla_due_at: string | null;
  snapshot: string | null;
  resolved_at: string | null;
  rules_triggered: unknown;
  rules_applied: unknown;
}

export interface PassLogRow {
  id: number | string;
  source_id: string;
  started_at: string;
  finished_at: string;
  outcome: PassOutcome;
  duration_ms: number;
  pulled: number;
  planned: number;
  skipped: number;
  quarantined: number;
  sent: number;
  unchanged: number;
  superseded: number;
  failed: number;
  dead: number;
  would_send: number;
  pending_writes: number;
  requests: number;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  dry_run: number | boolean;
  error: string | null;
}

export function toPassLogEntry(row: PassLogRow): PassLogEntry & { id: number } {
  return {
    id: Number(row.id),
    sourceId: row.source_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    durationMs: row.duration_ms,
    pulled: row.pulled,
    planned: row.planned,
    skipped: row.skipped,
    quarantined: row.quarantined,
    written: { sent: row.sent, unchanged: row.unchanged, superseded: row.superseded, failed: row.failed, dead: row.dead, wouldSend: row.would_send },
    pendingWrites: row.pending_writes,
    requests: row.requests,
    dryRun: row.dry_run === true || row.dry_run === 1,
    error: row.error ?? undefined,
  };
}

export function toTicketState(row: TicketRow): TicketState {
  return {
    key: row.key,
    sourceId: row.source_id,
    nativeId: row.native_id,
    number: row.number,
    version: row.version,
    status: TicketStatus.parse(row.status),
    group: row.grp ?? undefined,
    assignee: row.assignee ?? undefined,
    updatedAt: row.updated_at,
    statusSince: row.status_since ?? undefined,
    slaDueAt: row.sla_due_at ?? undefined,
    snapshot: row.snapshot ?? undefined,
    resolvedAt: row.resolved_at ?? undefined,
    triggered: ruleIds(row.rules_triggered),
    applied: ruleIds(row.rules_applied),
  };
}

/** A JSON array of rule ids as stored, as text or parsed (anything else reads as nothing remembered). */
export function ruleIds(stored: unknown): string[] | undefined {
  if (stored === null || stored === undefined) return undefined;
  const parsed: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : undefined;
}

export function toOutboxEntry(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    seq: Number(row.seq),
    sourceId: row.source_id,
    ticketKey: row.ticket_key,
    ruleId: row.rule_id,
    planned: PlannedAction.parse(typeof row.planned === 'string' ? JSON.parse(row.planned) : row.planned),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error ?? undefined,
    outcome: row.outcome ?? undefined,
    ref: row.ref ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface EscalationLinkRow {
  correlation_key: string;
  rule_id: string;
  origin_source: string;
  origin_native_id: string;
  origin_number: string;
  origin_url: string | null;
  copy_source: string;
  copy_native_id: string;
  copy_number: string;
  copy_url: string | null;
  created_at: string;
}

/** The columns of `escalation_links`, in the order {@link escalationLinkValues} gives their values. */
export const ESCALATION_LINK_COLUMNS = [
  'correlation_key',
  'rule_id',
  'origin_source',
  'origin_native_id',
  'origin_number',
  'origin_url',
  'copy_source',
  'copy_native_id',
  'copy_number',
  'copy_url',
  'created_at',
] as const satisfies readonly (keyof EscalationLinkRow)[];

/**
 * A link's row values (see ESCALATION_LINK_COLUMNS). Parsed first: a link the schema refuses throws
 * here, inside markDone's transaction, rather than being stored and failing every later read.
 */
export function escalationLinkValues(link: EscalationLink): (string | null)[] {
  const l = EscalationLink.parse(link);
  return [l.correlationKey, l.ruleId, l.origin.sourceId, l.origin.nativeId, l.origin.number, l.origin.url ?? null, l.copy.sourceId, l.copy.nativeId, l.copy.number, l.copy.url ?? null, l.createdAt];
}

/** Parsed with the model's schema, so a row the stores did not write as a link never passes for one. */
export function toEscalationLink(row: EscalationLinkRow): EscalationLink {
  // A NULL url is an end without one: the key is left out, as the link was written.
  const end = (sourceId: string, nativeId: string, number: string, url: string | null): EscalationEnd => ({ sourceId, nativeId, number, ...(url !== null ? { url } : {}) });
  return EscalationLink.parse({
    correlationKey: row.correlation_key,
    ruleId: row.rule_id,
    origin: end(row.origin_source, row.origin_native_id, row.origin_number, row.origin_url),
    copy: end(row.copy_source, row.copy_native_id, row.copy_number, row.copy_url),
    createdAt: row.created_at,
  });
}
