import { PlatformError } from '../../../http/errors.js';
import type { PullPage } from '../../types.js';
import { nextDcCursor, type DcCursor } from '../pagination.js';
import { lastMinuteOf, type PullPass } from '../pull.js';
import type { JiraRest } from '../rest.js';
import { SearchResponse, type JiraUser } from '../schema.js';
import type { JiraFlavour, SearchQuery } from './flavour.js';

/**
 * Jira Data Center: REST v2 with wiki-markup strings, people by username (`name`), and
 * `POST /rest/api/2/search`, which pages by `startAt` (the server may cap `maxResults`).
 * There is no `reconcileIssues`: Data Center's index is updated with the write.
 */
export const dataCenterFlavour: JiraFlavour = {
  id: 'datacenter',
  label: 'Jira Data Center',
  api: '/rest/api/2',
  userKey: 'name',

  commentBody: (text) => text,

  richTextFields: (fields) => fields,

  userSearchParams: (displayName) => ({ username: displayName, maxResults: 50 }),

  canBeAssignee: (user: JiraUser) => user.active !== false && user.name !== undefined,

  pullPages: pullDataCenter,

  async searchFirst(rest: JiraRest, { jql, fields, operation, signal }: SearchQuery): Promise<unknown> {
    const response = await rest.request({ method: 'POST', url: '/rest/api/2/search', data: { jql, startAt: 0, maxResults: 1, fields }, idempotent: true, operation, signal });
    return response.data;
  },

  async *searchAll(rest: JiraRest, { jql, fields, operation, signal, expand }: SearchQuery, pageSize: number): AsyncIterable<unknown[]> {
    let startAt = 0;
    for (;;) {
      const response = await rest.request({
        method: 'POST',
        url: '/rest/api/2/search',
        data: { jql, startAt, maxResults: pageSize, fields, ...(expand === undefined || expand.length === 0 ? {} : { expand: [...expand] }) },
        idempotent: true,
        operation,
        signal,
      });
      const page = rest.parse(SearchResponse, response.data, 'search page');
      yield page.issues;
      const limit = Math.min(pageSize, page.maxResults ?? pageSize);
      startAt += page.issues.length;
      if (page.issues.length === 0 || page.issues.length < limit || (page.total !== undefined && startAt >= page.total)) {
        return;
      }
    }
  },
};

/**
 * `startAt` shifts when an issue is edited mid-pass, so after each full page the query is
 * re-anchored on the minute of the last issue seen, skipping only the issues of that minute
 * already read (see pagination.ts); offsets are used only inside one minute.
 */
async function* pullDataCenter(rest: JiraRest, pass: PullPass, signal: AbortSignal | undefined): AsyncIterable<PullPage> {
  const pageSize = pass.pageSize;
  let cursor: DcCursor = { boundMs: pass.boundMs, startAt: 0 };
  for (;;) {
    const response = await rest.request({
      method: 'POST',
      url: '/rest/api/2/search',
      data: {
        jql: pass.jql(cursor.boundMs),
        startAt: cursor.startAt,
        maxResults: pageSize,
        fields: pass.fields,
        expand: ['changelog'],
      },
      idempotent: true,
      operation: 'pull',
      signal,
    });
    const page = rest.parse(SearchResponse, response.data, 'search page');
    const read = pass.read(page.issues);
    // The server may cap maxResults below what we asked for; a page is full at its own limit.
    const limit = Math.min(pageSize, page.maxResults ?? pageSize);
    const length = page.issues.length;
    if (length === 0 || length < limit || (page.total !== undefined && cursor.startAt + length >= page.total)) {
      yield* pass.release(read.unreadable, undefined);
      return;
    }
    yield* pass.release(read.unreadable, lastMinuteOf(read.updatedMs));
    const next = nextDcCursor(cursor, read.updatedMs, limit, pass.lowerBound, (minute) => pass.held.readInMinute(minute));
    if (next === undefined) {
      throw new PlatformError(`${rest.label} returned a full page of issues that does not advance the pull for source ${rest.sourceId}`, {
        platform: 'jira',
        sourceId: rest.sourceId,
        code: 'bad-response',
        retryable: false,
        hint: 'No issue on the page had a readable id/updated; check the field configuration hides neither',
      });
    }
    cursor = next;
  }
}
