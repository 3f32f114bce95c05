import { PlannedAction } from '../model/action.js';
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
