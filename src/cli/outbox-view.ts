import { describeAction } from '../model/describe-action.js';
import { actionText } from '../outbox/write-view.js';
import type { OutboxEntry, QuarantineEntry } from '../state/types.js';

/**
 * Which state file a row comes from: `live` (the platform was, or will be, written) or `dry-run`
 * (planned by a dry-run source into its own state file; nothing of it is ever sent).
 */
export type StateMode = 'live' | 'dry-run';

/** How many characters of the id `outbox list` shows; `show` and `retry` take any unique prefix. */
export const SHORT_ID = 12;

const MODE_MEANING: Record<StateMode, string> = {
  live: 'live: written to the platform (or waiting to be)',
  'dry-run': 'dry-run: planned in a dry run, never sent to the platform',
};

/** An outbox entry as `--json` prints it: every field, the note's whole text, and the mode. */
export function outboxEntryJson(entry: OutboxEntry, mode: StateMode): Record<string, unknown> {
  const text = actionText(entry.planned.action);
  return {
    id: entry.id,
    mode,
    status: entry.status,
    outcome: entry.outcome ?? null,
    sourceId: entry.sourceId,
    ticket: entry.planned.target,
    ruleId: entry.ruleId,
    action: entry.planned.action,
    summary: describeAction(entry.planned.action),
    text: text?.text ?? null,
    explanation: entry.planned.explanation,
    attempts: entry.attempts,
    nextAttemptAt: entry.status === 'pending' ? entry.nextAttemptAt : null,
    error: entry.lastError ?? null,
    ref: entry.ref ?? null,
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
  };
}

/**
 * The one-line summary of a write, and whether it hides part of the write's text (a note's later
 * lines, a problem's description): then the row says how to see all of it.
 */
export function preview(entry: OutboxEntry): string {
  const summary = describeAction(entry.planned.action);
  const text = actionText(entry.planned.action);
  if (!text || summary.endsWith(text.text)) return summary;
  const hidden = entry.planned.action.type === 'comment' ? `${text.text.split('\n').length - 1} more line(s)` : text.label;
  return `${summary} … [+${hidden}: deskbridge outbox show ${entry.id.slice(0, SHORT_ID)}]`;
}

/** One row of `outbox list`. Dry-run rows say "would have": nothing of them was sent. */
export function outboxListLine(entry: OutboxEntry, mode: StateMode): string {
  const head = `${entry.id.slice(0, SHORT_ID)}  ${mode === 'dry-run' ? 'would have' : entry.status.padEnd(7)} ${entry.sourceId}  ${entry.planned.target.number}  ${entry.ruleId}  ${preview(entry)}`;
  if (mode === 'dry-run') return entry.status === 'done' ? head : `${head}  (${entry.status})`;
  const error = entry.lastError ? `  ${entry.status === 'done' ? 'reason' : 'error'}: ${entry.lastError}` : '';
  const outcome = entry.outcome ? ` (${entry.outcome})` : '';
  return `${head}${outcome}  attempts=${entry.attempts}${error}`;
}

/** The heading above a state file's rows in `outbox list`. */
export function outboxListHeading(mode: StateMode, path: string): string {
  return mode === 'dry-run' ? `dry-run outbox (${path}) — planned, nothing sent:` : `live outbox (${path}):`;
}

function indent(text: string): string[] {
  return text.split('\n').map((line) => `  ${line}`);
}

/** `deskbridge outbox show <id>`: the whole write, as a reviewer needs it. */
export function outboxShowLines(entry: OutboxEntry, mode: StateMode, statePath: string): string[] {
  const { target, action } = entry.planned;
  const text = actionText(action);
  const status =
    entry.status === 'pending'
      ? `pending, next attempt at ${entry.nextAttemptAt}`
      : mode === 'dry-run' && entry.status === 'done'
        ? 'done (dry run: not sent)'
        : `${entry.status}${entry.outcome ? ` (${entry.outcome})` : ''}`;
  const lines = [
    `outbox entry ${entry.id}`,
    `mode:        ${MODE_MEANING[mode]}`,
    `state file:  ${statePath}`,
    `source:      ${entry.sourceId}`,
    `ticket:      ${target.number} (native id ${target.nativeId}, planned from version ${target.version})`,
    `rule:        ${entry.ruleId}`,
    `action:      ${action.type} — ${describeAction(action)}`,
    `status:      ${status}`,
    `attempts:    ${entry.attempts}`,
  ];
  if (entry.lastError) lines.push(`${entry.status === 'done' ? 'reason' : 'error'}:       ${entry.lastError}`);
  if (entry.ref) lines.push(`written as:  ${entry.ref}`);
  lines.push(`planned at:  ${entry.createdAt}`, `updated at:  ${entry.updatedAt}`);
  lines.push('explanation:', ...indent(entry.planned.explanation || '(none)'));
  if (text) lines.push(`${text.label} (whole text):`, ...indent(text.text));
  return lines;
}

/** A quarantined record as `quarantine list --json` prints it. */
export function quarantineEntryJson(q: QuarantineEntry, mode: StateMode): Record<string, unknown> {
  return { ...q, nativeId: q.nativeId ?? null, version: q.version ?? null, mode };
}
