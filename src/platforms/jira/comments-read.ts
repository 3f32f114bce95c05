import { z } from 'zod';
import { newComments, oldestFirstSince, sinceMs } from '../comment-page.js';
import type { RecordComment } from '../types.js';
import { adfToText } from './adf.js';
import type { UserKey } from './record.js';
import { ISSUE_ID } from './refs.js';
import type { JiraRest } from './rest.js';
import { JiraUser } from './schema.js';
import type { JiraSession } from './session.js';
import { jiraTimeToMs } from './time.js';

/**
 * Reading the comments of several issues for escalation sync (`Connector.comments`).
 *
 * Jira has no cross-issue comment search, so each issue is read with "Get comments",
 * `GET /rest/api/{3|2}/issue/{id}/comment?startAt=&maxResults=&orderBy=created&expand=properties`
 * (Cloud: https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-get,
 * `orderBy` accepts `created`, `-created`, `+created`; Data Center documents the same parameters for
 * /rest/api/2 — "Results can be ordered by the 'created' field"). The answer is a PageOfComments,
 * `{startAt, maxResults, total, comments}`, paged by offset. Neither flavour is trusted on the
 * details: Data Center ignores its documented default page size (JRASERVER-74572, it answers with
 * maxResults 1048576), so paging follows what the page says (`startAt` + comments received vs
 * `total`), and the comments are sorted by `created` here as well. Comments are append-only, so a
 * comment added while we page lands after the offset and is read on a later page or the next call.
 */

/** Comments per request; Cloud's documented page maximum for this call is 100. */
export const COMMENT_PAGE_SIZE = 100;

/** Comment property the Service Desk keeps the internal flag in (Cloud and Data Center alike). */
const SD_PUBLIC_COMMENT = 'sd.public.comment';

const JiraTime = z.string().transform((value, ctx) => {
  const ms = jiraTimeToMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a Jira date-time (yyyy-MM-ddTHH:mm:ss.SSS+hhmm)` });
    return z.NEVER;
  }
  return ms;
});

/**
 * One comment as "Get comments" returns it. `body` is ADF on v3 (Cloud) and wiki markup on v2
 * (Data Center); `jsdPublic` (Cloud) is false for a Service Management internal comment;
 * `visibility` ({type: group|role, value}) restricts it to a group or project role; `properties`
 * (with `expand=properties`) carries `sd.public.comment: {internal: true}` on both flavours.
 */
const Comment = z.looseObject({
  id: z.string().min(1),
  author: JiraUser.nullish().catch(undefined),
  body: z.unknown(),
  created: JiraTime,
  jsdPublic: z.boolean().optional().catch(undefined),
  visibility: z.looseObject({ type: z.string().optional(), value: z.string().optional() }).nullish().catch(undefined),
  properties: z
    .array(z.looseObject({ key: z.string(), value: z.unknown() }))
    .optional()
    .catch(undefined),
});
type Comment = z.infer<typeof Comment>;

/** PageOfComments; comments are checked one by one, so one odd comment is not fatal. */
const CommentList = z.looseObject({
  startAt: z.number().int().nonnegative().optional().catch(undefined),
  maxResults: z.number().int().optional().catch(undefined),
  total: z.number().int().nonnegative().optional().catch(undefined),
  comments: z.array(z.unknown()),
});

/**
 * The comments of `nativeIds` created at or after `since`, oldest first per issue: one request per
 * issue per 100 comments. An issue Jira does not show (deleted, or not browsable) has no comments.
 */
export async function readComments(
  rest: JiraRest,
  session: JiraSession,
  nativeIds: readonly string[],
  since: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Map<string, RecordComment[]>> {
  const ids = [...new Set(nativeIds)].filter((id) => ISSUE_ID.test(id));
  const result = new Map<string, RecordComment[]>();
  if (ids.length === 0) return result;
  const from = sinceMs(since, rest);
  // Who we are decides `own`: accountId on Cloud, username on Data Center (GET /myself, once).
  const { integrationUser } = await session.ensure(signal);
  const { userKey } = rest.flavour;
  for (const issueId of ids) {
    const read = oldestFirstSince(await issueComments(rest, issueId, signal), (comment) => comment.created, from).map(({ comment }) => toRecordComment(issueId, comment, userKey, integrationUser));
    if (read.length > 0) result.set(issueId, read);
  }
  return result;
}

/** Every readable comment of one issue, in Jira's order; none when the issue is not there (404). */
async function issueComments(rest: JiraRest, issueId: string, signal: AbortSignal | undefined): Promise<Comment[]> {
  const out: Comment[] = [];
  const seen = new Set<string>();
  let startAt = 0;
  for (;;) {
    const response = await rest.request({
      method: 'GET',
      url: `${rest.api}/issue/${issueId}/comment`,
      params: { startAt, maxResults: COMMENT_PAGE_SIZE, orderBy: 'created', expand: 'properties' },
      // Deleted since it was linked, or moved out of the integration user's sight.
      acceptStatuses: [404],
      operation: 'comment-lookup',
      signal,
    });
    if (response.status === 404) return out;
    const page = rest.parse(CommentList, response.data, 'comment list');
    out.push(...newComments(page.comments, Comment, seen, (error) => rest.logger?.debug('Unreadable comment skipped', { source: rest.sourceId, issue: issueId, error })));
    // Offsets advance by what was received, not by what was asked: Jira may cap the page lower.
    startAt = (page.startAt ?? startAt) + page.comments.length;
    const done = page.comments.length === 0 || (page.total !== undefined ? startAt >= page.total : page.comments.length < COMMENT_PAGE_SIZE);
    if (done) return out;
  }
}

function toRecordComment(issueId: string, comment: Comment, userKey: UserKey, integrationUser: string): RecordComment {
  const authorId = comment.author?.[userKey];
  return {
    id: comment.id,
    nativeId: issueId,
    // A comment by a deleted or anonymous user has no author object; the login stands in for a missing name.
    author: comment.author?.displayName ?? authorId ?? '',
    createdAt: new Date(comment.created).toISOString(),
    // ADF (v3) flattened to text; a v2 body is wiki markup, a string, and passes through.
    body: adfToText(comment.body),
    visibility: isInternal(comment) ? 'internal' : 'public',
    own: authorId !== undefined && authorId === integrationUser,
  };
}

/**
 * Internal when the customer cannot see it: a Service Management internal comment (`jsdPublic`
 * false on Cloud, the `sd.public.comment` property on both flavours) or a comment restricted to a
 * group or project role. Everything else is public (outside JSM, any comment).
 */
function isInternal(comment: Comment): boolean {
  if (comment.jsdPublic === false) return true;
  if (comment.visibility?.type !== undefined || comment.visibility?.value !== undefined) return true;
  return (comment.properties ?? []).some((property) => property.key === SD_PUBLIC_COMMENT && isInternalFlag(property.value));
}

function isInternalFlag(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'internal' in value && (value.internal === true || value.internal === 'true');
}
