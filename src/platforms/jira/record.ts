import type { PulledRecord, UnreadableRecord } from '../types.js';
import { CommentEvent, CommentField, History, IssueEnvelope } from './schema.js';

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
    if (latest === undefined || history.created.ms > latest.history.created.ms || (history.created.ms === latest.history.created.ms && Number(history.id ?? 0) > Number(latest.history.id ?? 0))) {
      latest = { history, raw };
    }
  }
  return latest === undefined ? undefined : { createdMs: latest.history.created.ms, author: latest.history.author?.[userKey], raw: latest.raw };
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

/** A change that moved `updated`: a changelog history or a comment written or edited. */
export interface ChangeEvent {
  createdMs: number;
  author: string | undefined;
}

/**
 * The comment events (written, edited) of an issue's `comment` field, or undefined when the field
 * is absent or does not list every comment (`total` larger than the list): then who commented
 * last cannot be told from it.
 */
export function commentEvents(field: unknown, userKey: UserKey): ChangeEvent[] | undefined {
  const parsed = CommentField.safeParse(field);
  if (!parsed.success || (parsed.data.total !== undefined && parsed.data.total > parsed.data.comments.length)) {
    return undefined;
  }
  const events: ChangeEvent[] = [];
  for (const raw of parsed.data.comments) {
    const comment = CommentEvent.safeParse(raw);
    if (!comment.success) {
      // A comment we cannot read could be anyone's: the list no longer says who commented last.
      return undefined;
    }
    const { created, updated, author, updateAuthor } = comment.data;
    events.push({ createdMs: created.ms, author: author?.[userKey] });
    if (updated !== undefined && updated.ms - created.ms > SAME_CHANGE_TOLERANCE_MS) {
      events.push({ createdMs: updated.ms, author: (updateAuthor ?? author)?.[userKey] });
    }
  }
  return events;
}

/**
 * Who made the change that set `updated`, from the changes Jira lists: the changelog histories and
 * the comments written or edited within a second of it. All of them the integration user's →
 * the integration user (own write, whatever any process remembers); someone else's among them →
 * that person; none (a worklog, an edit that changed nothing, comments not listed) → undefined.
 */
export function authorOfUpdate(updatedMs: number, events: readonly ChangeEvent[], integrationUser: string | undefined): { known: true; author: string | undefined } | { known: false } {
  const explaining = events.filter((event) => Math.abs(event.createdMs - updatedMs) <= SAME_CHANGE_TOLERANCE_MS);
  if (explaining.length === 0) {
    return { known: false };
  }
  const other = explaining.find((event) => integrationUser === undefined || event.author !== integrationUser);
  return { known: true, author: other === undefined ? integrationUser : other.author };
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
  // Comments are listed with their authors: a comment of ours that set `updated` is recognised
  // after any restart, not only by the process that posted it.
  const comments = commentEvents(source.fields['comment'], context.userKey);
  const events = comments === undefined ? undefined : latest === undefined ? comments : [...comments, { createdMs: latest.createdMs, author: latest.author }];
  const byEvents = events === undefined ? ({ known: false } as const) : authorOfUpdate(updated.ms, events, context.integrationUser);
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
      updatedBy: byEvents.known ? byEvents.author : ownUntracked ? context.integrationUser : latest?.author,
      raw: flat,
    },
    updatedMs: updated.ms,
  };
}
