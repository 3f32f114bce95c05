import type { PullPage } from '../../types.js';
import { textToAdf } from '../adf.js';
import { reanchorMinute } from '../pagination.js';
import { lastMinuteOf, type PullPass } from '../pull.js';
import type { JiraRest } from '../rest.js';
import { SearchJqlResponse, type JiraUser } from '../schema.js';
import type { JiraFlavour, SearchQuery } from './flavour.js';

/** Rich-text fields that REST v3 wants as ADF; mappings give plain text. */
const ADF_FIELDS = ['description', 'environment'] as const;

/**
 * Jira Cloud: REST v3 with ADF rich text, people by accountId, and the enhanced search
 * `POST /rest/api/3/search/jql` (the old /search answers 410 and is never called), which pages
 * by `nextPageToken` and takes `reconcileIssues` so our own recent writes are searchable at once.
 */
export const cloudFlavour: JiraFlavour = {
  id: 'cloud',
  label: 'Jira Cloud',
  api: '/rest/api/3',
  userKey: 'accountId',

  commentBody: (text) => textToAdf(text),

  /** REST v3 wants rich-text fields as ADF; mappings give plain text. */
  richTextFields(fields) {
    const out = { ...fields };
    for (const name of ADF_FIELDS) {
      const value = out[name];
      if (typeof value === 'string') {
        out[name] = textToAdf(value);
      }
    }
    return out;
  },

  userSearchParams: (displayName) => ({ query: displayName, maxResults: 50 }),

  // Customers and app accounts cannot be assignees on Cloud.
  canBeAssignee: (user: JiraUser) => user.active !== false && user.accountId !== undefined && (user.accountType === undefined || user.accountType === 'atlassian'),

  pullPages: pullCloud,

  async searchFirst(rest: JiraRest, { jql, fields, operation, signal, reconcileIssues }: SearchQuery): Promise<unknown> {
    const response = await rest.request({
      method: 'POST',
      url: '/rest/api/3/search/jql',
      data: { jql, fields, maxResults: 1, ...(reconcileIssues.length > 0 ? { reconcileIssues } : {}) },
      idempotent: true,
      operation,
      signal,
    });
    return response.data;
  },

  async *searchAll(rest: JiraRest, { jql, fields, operation, signal, reconcileIssues, expand }: SearchQuery, pageSize: number): AsyncIterable<unknown[]> {
    let token: string | undefined;
    for (;;) {
      const response = await rest.request({
        method: 'POST',
        url: '/rest/api/3/search/jql',
        data: {
          jql,
          fields,
          maxResults: pageSize,
          // A comma-separated string on /search/jql.
          ...(expand === undefined || expand.length === 0 ? {} : { expand: expand.join(',') }),
          ...(token === undefined ? {} : { nextPageToken: token }),
          ...(reconcileIssues.length > 0 ? { reconcileIssues } : {}),
        },
        idempotent: true,
        operation,
        signal,
      });
      const page = rest.parse(SearchJqlResponse, response.data, 'search page');
      yield page.issues;
      const next = page.nextPageToken ?? undefined;
      if (next === undefined || next === '' || page.isLast === true || next === token) {
        return;
      }
      token = next;
    }
  },
};

/**
 * `nextPageToken` encodes a position in the result, so it shifts like an offset when an issue is
 * edited mid-pass (our own writes between pages included). After each full page the query is
 * therefore re-anchored on the minute of the last issue seen, re-reading (and dropping) that
 * minute's issues already yielded; the token is followed only inside one minute holding more
 * than a page of issues.
 */
async function* pullCloud(rest: JiraRest, pass: PullPass, signal: AbortSignal | undefined, reconcileIssues: readonly number[]): AsyncIterable<PullPage> {
  let bound = pass.boundMs;
  let token: string | undefined;
  for (;;) {
    const response = await rest.request({
      method: 'POST',
      url: '/rest/api/3/search/jql',
      data: {
        jql: pass.jql(bound),
        fields: pass.fields,
        maxResults: pass.pageSize,
        // A comma-separated string here, unlike most `expand` parameters of the v3 API.
        expand: 'changelog',
        ...(token === undefined ? {} : { nextPageToken: token }),
        ...(reconcileIssues.length > 0 ? { reconcileIssues } : {}),
      },
      // A search changes nothing, so a timed-out page may simply be asked for again.
      idempotent: true,
      operation: 'pull',
      signal,
    });
    const page = rest.parse(SearchJqlResponse, response.data, 'search page');
    const read = pass.read(page.issues);
    const next = page.nextPageToken ?? undefined;
    if (next === undefined || next === '' || page.isLast === true) {
      yield* pass.release(read.unreadable, undefined);
      return;
    }
    yield* pass.release(read.unreadable, lastMinuteOf(read.updatedMs));
    const minute = reanchorMinute(bound, read.updatedMs, pass.lowerBound);
    if (minute !== undefined) {
      bound = minute;
      token = undefined;
      continue;
    }
    if (next === token) {
      throw rest.badResponse(`${rest.label} returned the same nextPageToken twice for source ${rest.sourceId}`);
    }
    token = next;
  }
}
