import type { CurrentRecord } from '../types.js';
import type { CurrentIssue } from './own-writes.js';
import type { ReadContext } from './record.js';
import { readIssue } from './record.js';
import type { JiraRest } from './rest.js';
import { VersionCheck } from './schema.js';

/**
 * Ids per batched read: Cloud's `reconcileIssues` takes at most 50 ids, and each read reconciles
 * exactly the issues it asks for (see {@link readVersions}).
 */
export const VERSION_READ_BATCH = 50;

/**
 * The current state of many issues in one search per 50 ids — what the read-before-overwrite check
 * (`OwnWrites.changedByOthers`) and an assign's `previous` need: `updated`, status, the comments, the
 * changelog (`expand=changelog`), the assignee and the group field; and the links a link write looks at. JQL `id in (…)` on the flavour's
 * search endpoint (Cloud `POST /rest/api/3/search/jql`, Data Center `POST /rest/api/2/search`).
 *
 * Cloud's search index is eventually consistent: a person's edit of a second ago might be missing
 * from a plain search, and the check would overwrite it. So every id read is also sent as
 * `reconcileIssues` ("strong consistency issue ids to be reconciled with search results", max 50,
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post),
 * which makes the answer as current as `GET /issue/{id}`. Data Center's index is updated with the write.
 *
 * `version` is `fields.updated` exactly as Jira printed it — the same text `pull` reports, since both
 * come from the same user's rendering. An id Jira does not return (deleted, no longer visible) is
 * absent; an id Jira refuses in JQL fails the read (a 400), and the executor then lets each write
 * check its issue itself.
 */
export async function readVersions(rest: JiraRest, nativeIds: readonly string[], context: ReadContext, signal: AbortSignal | undefined): Promise<Map<string, CurrentRecord>> {
  const out = new Map<string, CurrentRecord>();
  // `issuelinks` serves the link writes' look-up (link-duplicate, link-problem) the same way.
  const fields = ['updated', 'status', 'comment', 'assignee', rest.groupFieldId(), 'issuelinks'];
  for (let i = 0; i < nativeIds.length; i += VERSION_READ_BATCH) {
    const ids = nativeIds.slice(i, i + VERSION_READ_BATCH);
    const query = {
      jql: `id in (${ids.join(', ')})`,
      fields,
      expand: ['changelog'],
      operation: 'version-check' as const,
      signal,
      reconcileIssues: ids.map(Number),
    };
    for await (const issues of rest.flavour.searchAll(rest, query, ids.length)) {
      for (const raw of issues) {
        const record = currentRecord(raw, context);
        if (record !== undefined) out.set(record.nativeId, record.current);
      }
    }
  }
  return out;
}

/** One search hit as a CurrentRecord: `raw` holds the fields lifted to the top level and the whole changelog. */
function currentRecord(raw: unknown, context: ReadContext): { nativeId: string; current: CurrentRecord } | undefined {
  const parsed = VersionCheck.safeParse(raw);
  const read = readIssue(raw, context);
  if (!parsed.success || 'error' in read) return undefined;
  const issue = parsed.data;
  return {
    nativeId: issue.id,
    current: {
      version: read.record.version,
      updatedBy: read.record.updatedBy,
      raw: { ...issue.fields, id: issue.id, changelog: { histories: issue.changelog?.histories ?? [] } },
    },
  };
}

/** A CurrentRecord from {@link readVersions} as the check reads it (what `readCurrent` returns from a GET). */
export function currentIssueOf(current: CurrentRecord): CurrentIssue {
  const parsed = VersionCheck.safeParse({ id: current.raw['id'], fields: current.raw, changelog: current.raw['changelog'] });
  if (!parsed.success) {
    // Not what readVersions made: the version alone decides (unchanged → write, else superseded).
    return { updated: current.version, status: undefined, histories: [], comment: undefined, fields: current.raw };
  }
  const { fields, changelog } = parsed.data;
  return { updated: current.version, status: fields.status?.name, histories: changelog?.histories ?? [], comment: fields.comment, fields: current.raw };
}
