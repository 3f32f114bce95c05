import { createHash } from 'node:crypto';

/** Issue keys as users type them (`ITSM-42`); ids are numeric. Anything else never reaches a URL. */
export const ISSUE_KEY = /^[A-Za-z][A-Za-z0-9_]*-\d+$/;
export const ISSUE_ID = /^\d+$/;

/** An issue named by id or key, as `POST /issueLink` takes it. */
export type IssueRef = { id: string } | { key: string };

/** `ITSM-42` → `ITSM`. */
export function projectOf(issueKey: string): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9_]*)-\d+$/.exec(issueKey);
  return match?.[1]?.toUpperCase();
}

/**
 * The label that makes a follow-up task findable: `deskbridge-task-` + 24 hex of SHA-256 over the
 * ticket id and the correlation key, so the same key on two tickets names two tasks.
 */
export function taskLabel(ticketId: string, correlationKey: string): string {
  return `deskbridge-task-${createHash('sha256').update(`${ticketId}\n${correlationKey}`, 'utf8').digest('hex').slice(0, 24)}`;
}

/** The label that makes a problem findable by its pattern: `deskbridge-` + 24 hex of SHA-256(key). */
export function correlationLabel(correlationKey: string): string {
  return `deskbridge-${createHash('sha256').update(correlationKey, 'utf8').digest('hex').slice(0, 24)}`;
}

/** Adds `label` to the string labels of a mapping's `fields.labels` (anything else there is dropped). */
export function labelsWith(labels: unknown, label: string): string[] {
  const set = new Set(Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : []);
  set.add(label);
  return [...set];
}

/**
 * The label that makes an escalated copy findable: `deskbridge-esc-` + 24 hex of SHA-256 over the
 * correlation key (stable per rule and origin ticket, so one key is one copy wherever it is searched).
 */
export function escalationLabel(correlationKey: string): string {
  return `deskbridge-esc-${createHash('sha256').update(correlationKey, 'utf8').digest('hex').slice(0, 24)}`;
}
