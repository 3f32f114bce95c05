import { SAME_CHANGE_TOLERANCE_MS, commentEvents, historiesAfter, type UserKey } from './record.js';
import type { JiraRest } from './rest.js';
import { VersionCheck } from './schema.js';
import type { Session } from './session.js';
import { jiraTimeToMs } from './time.js';

/** Search consistency: ids written within this window are passed as `reconcileIssues` (Cloud allows 50). */
const RECONCILE_WINDOW_MS = 10 * 60_000;
const RECONCILE_MAX = 50;

/** What the read-before-overwrite check reads of an issue. */
export interface CurrentIssue {
  updated: string;
  status: string | undefined;
  histories: readonly unknown[];
  /** The issue's `comment` field as Jira returned it (undefined when it did not). */
  comment: unknown;
  /** Every field Jira returned, as it returned it (the `extraFields` asked for among them). */
  fields: Record<string, unknown>;
}

/**
 * What this process wrote lately: recent writes make Cloud's search reconcile them, and comments
 * (which leave no changelog entry) let an `updated` move be recognised as our own.
 */
export class OwnWrites {
  /** Issue id → when we last wrote it; fed to `reconcileIssues` so our own writes are searchable at once. */
  private readonly recentWrites = new Map<string, number>();
  /** Issue id → when we last posted a comment on it (comments leave no changelog entry). */
  private readonly untrackedWrites = new Map<string, number>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  noteWrite(issueId: string): void {
    const now = this.now();
    this.recentWrites.delete(issueId);
    this.recentWrites.set(issueId, now);
    for (const [id, at] of this.recentWrites) {
      if (at >= now - RECONCILE_WINDOW_MS && this.recentWrites.size <= RECONCILE_MAX * 4) {
        break;
      }
      this.recentWrites.delete(id);
    }
    if (this.untrackedWrites.size > 1_000) {
      for (const [id, at] of this.untrackedWrites) {
        if (at < now - RECONCILE_WINDOW_MS) {
          this.untrackedWrites.delete(id);
        }
      }
    }
  }

  /** Records a comment posted at `createdMs` (Jira's time when it said, else ours). */
  noteComment(issueId: string, createdMs: number | undefined): void {
    this.untrackedWrites.set(issueId, createdMs ?? this.now());
  }

  /** When this process last commented on the issue (epoch ms), if it did lately. */
  commentedAt(issueId: string): number | undefined {
    return this.untrackedWrites.get(issueId);
  }

  /** Ids written within the reconcile window, newest first, at most RECONCILE_MAX. */
  reconcileIds(): number[] {
    const cutoff = this.now() - RECONCILE_WINDOW_MS;
    return [...this.recentWrites.entries()]
      .filter(([, at]) => at >= cutoff)
      .sort((a, b) => b[1] - a[1])
      .slice(0, RECONCILE_MAX)
      .map(([id]) => Number(id));
  }

  /**
   * Jira has no conditional update, so before overwriting we read `updated`, the changelog and the
   * comments. The decision is stale only when someone else changed the issue since the planned
   * version: a changelog history or a comment (written or edited) after it by anyone but the
   * integration user. Our own changes — an earlier attempt of this write that Jira applied but
   * answered with an error, an earlier step of the same plan, our comments — are not a reason to
   * drop the plan, whichever process made them. `updated` moving with no such trace (a worklog, an
   * edit that changed nothing, such as a repeated PUT) changes nothing a rule read. Only when Jira
   * does not list the comments (field hidden, list cut short) is an unexplained move treated as
   * someone else's, unless this process just posted a comment at that time.
   */
  changedByOthers(nativeId: string, current: CurrentIssue, plannedVersion: string, session: Session, userKey: UserKey): boolean {
    if (current.updated === plannedVersion) {
      return false;
    }
    const updatedMs = jiraTimeToMs(current.updated);
    const plannedMs = jiraTimeToMs(plannedVersion);
    if (updatedMs === undefined || plannedMs === undefined) {
      return true;
    }
    // The same instant printed with another offset (the user's time zone changed).
    if (updatedMs <= plannedMs) {
      return false;
    }
    const changes = historiesAfter(current.histories, plannedMs, userKey);
    if (changes.some((change) => change.author !== session.integrationUser)) {
      return true;
    }
    const comments = commentEvents(current.comment, userKey);
    if (comments !== undefined) {
      return comments.some((event) => event.createdMs > plannedMs && event.author !== session.integrationUser);
    }
    const lastOwnChange = Math.max(...changes.map((change) => change.createdMs), Number.NEGATIVE_INFINITY);
    const ownComment = this.untrackedWrites.get(nativeId);
    const explained = updatedMs - lastOwnChange <= SAME_CHANGE_TOLERANCE_MS || (ownComment !== undefined && Math.abs(ownComment - updatedMs) <= SAME_CHANGE_TOLERANCE_MS);
    return !explained;
  }
}

/**
 * `updated`, status, changelog and comments of an issue: what `changedByOthers` decides on; and
 * `extraFields`, read in the same request (an assign reads what it replaces).
 */
export async function readCurrent(rest: JiraRest, nativeId: string, signal: AbortSignal | undefined, extraFields: readonly string[] = []): Promise<CurrentIssue> {
  const response = await rest.request({
    method: 'GET',
    url: `${rest.api}/issue/${nativeId}`,
    params: { fields: ['updated', 'status', 'comment', ...extraFields].join(','), expand: 'changelog' },
    operation: 'version-check',
    signal,
  });
  const issue = rest.parse(VersionCheck, response.data, 'version check');
  return { updated: issue.fields.updated, status: issue.fields.status?.name, histories: issue.changelog?.histories ?? [], comment: issue.fields.comment, fields: issue.fields };
}
