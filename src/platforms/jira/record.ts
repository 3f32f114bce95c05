import type { PulledRecord, UnreadableRecord } from '../types.js';
import { History, IssueEnvelope } from './schema.js';

/** Which user property identifies a person: `accountId` on Cloud, `name` (username) on Data Center. */
export type UserKey = 'accountId' | 'name';

/** How close (ms) an issue's `updated` must be to a change for that change to count as the last one. */
export const SAME_CHANGE_TOLERANCE_MS = 1_000;

export interface ReadContext {
  userKey: UserKey;
  integrationUser: string | undefined;
  /**
   * When the connector itself last made a change that leaves no changelog entry (a comment) on
   * this issue, as epoch ms; lets such an update be recognised as our own.
   */
  ownUntrackedWriteAt(issueId: string): number | undefined;
}

export interface ReadIssue {
  record: PulledRecord;
  updatedMs: number;
}

export interface LatestHistory {
  createdMs: number;
  author: string | undefined;
  raw: unknown;
}

/** The most recent readable history entry (by `created`, then numeric id), whatever order Jira listed them in. */
export function latestHistory(histories: readonly unknown[], userKey: UserKey): LatestHistory | undefined {
  let latest: { history: History; raw: unknown } | undefined;
  for (const raw of histories) {
    const parsed = History.safeParse(raw);
    if (!parsed.success) {
      continue;
    }
    const history = parsed.data;
    if (
      latest === undefined ||
      history.created.ms > latest.history.created.ms ||
      (history.created.ms === latest.history.created.ms && Number(history.id ?? 0) > Number(latest.history.id ?? 0))
    ) {
      latest = { history, raw };
    }
  }
  return latest === undefined
    ? undefined
    : { createdMs: latest.history.created.ms, author: latest.history.author?.[userKey], raw: latest.raw };
}

/** Every readable history entry created after `afterMs`, with its author. */
export function historiesAfter(histories: readonly unknown[], afterMs: number, userKey: UserKey): { createdMs: number; author: string | undefined }[] {
  const out: { createdMs: number; author: string | undefined }[] = [];
  for (const raw of histories) {
    const parsed = History.safeParse(raw);
    if (parsed.success && parsed.data.created.ms > afterMs) {
      out.push({ createdMs: parsed.data.created.ms, author: parsed.data.author?.[userKey] });
    }
  }
  return out;
}

/**
 * Reads an issue's envelope into a PulledRecord; anything without a numeric id, a key or a
 * readable `updated` is quarantined.
 *
 * `raw` is the issue with its `fields` lifted to the top level (`summary`, `status`,
 * `customfield_10001`, …) next to `id`, `key` and `self`, so that mappings and rules address a
 * Jira field the way they address a ServiceNow column (`raw.customfield_10050`) — and so the
 * field names they read are exactly the ones the pull asks Jira for. `changelog` is cut to the
 * one most recent history entry.
 *
 * `updatedBy` is the author of the most recent changelog entry. A comment (like a worklog)
 * changes `updated` without a changelog entry, so after a comment the author of the last *field*
 * change is reported instead — unless the connector itself posted a comment at that very time.
 */
export function readIssue(raw: unknown, context: ReadContext): ReadIssue | UnreadableRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { raw, error: 'issue is not a JSON object' };
  }
  const parsed = IssueEnvelope.safeParse(raw);
  if (!parsed.success) {
    const error = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'issue'}: ${issue.message}`).join('; ');
    return { raw, error };
  }
  const issue = parsed.data;
  const source = raw as { self?: unknown; fields: Record<string, unknown> };
  const updated = issue.fields.updated;
  const latest = latestHistory(issue.changelog?.histories ?? [], context.userKey);
  const ownAt = context.ownUntrackedWriteAt(issue.id);
  const ownUntracked =
    context.integrationUser !== undefined &&
    ownAt !== undefined &&
    Math.abs(ownAt - updated.ms) <= SAME_CHANGE_TOLERANCE_MS &&
    (latest === undefined || latest.createdMs < updated.ms - SAME_CHANGE_TOLERANCE_MS || latest.author === context.integrationUser);
  const flat: Record<string, unknown> = {
    ...source.fields,
    id: issue.id,
    key: issue.key,
    ...(typeof source.self === 'string' ? { self: source.self } : {}),
    ...(latest === undefined ? {} : { changelog: { histories: [latest.raw] } }),
  };
  return {
    record: {
      nativeId: issue.id,
      // Exactly as Jira sent it: (id, updated) is the ledger key and the ticket's version.
      version: updated.text,
      updatedAt: new Date(updated.ms).toISOString(),
      updatedBy: ownUntracked ? context.integrationUser : latest?.author,
      raw: flat,
    },
    updatedMs: updated.ms,
  };
}
