import { createHash } from 'node:crypto';
import { jiraError, GDPR_MESSAGE } from '../http.js';
import { JqlError, compileJql, parseJql } from '../jql.js';
import { FieldSelection, parseFieldList, renderIssue, renderUser } from '../render.js';
import type { JiraSite, RequestState } from '../site.js';
import { type JiraUser, type StoredIssue } from '../store.js';

/** Issue search (Cloud /search/jql with page tokens, Data Center /search with startAt), the lagging index, and user search. */
export function createSearch(site: JiraSite) {
  const { store, flavour, now, lagMs } = site;

  // ---- search ------------------------------------------------------------------------------

  /** Issues as the (possibly lagging) index sees them; `reconcile` ids read current instead. */
  function searchable(reconcile: ReadonlySet<string>): StoredIssue[] {
    const t = now().getTime();
    const cutoff = Math.max(site.lastCutoff, t - lagMs);
    site.lastCutoff = cutoff;
    const indexed = store.indexedAt(cutoff);
    if (reconcile.size === 0) return indexed;
    const result = indexed.filter((issue) => !reconcile.has(issue.id));
    for (const id of reconcile) {
      const current = store.get(id);
      if (current) result.push(current);
    }
    return result;
  }

  function runJql(jql: string, user: JiraUser, reconcile: ReadonlySet<string>, requireBounded: boolean): StoredIssue[] {
    try {
      const query = parseJql(jql);
      if (requireBounded && query.where === null) {
        throw new JqlError('Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
      }
      const compiled = compileJql(query, { store, user, now: now().getTime() });
      return searchable(reconcile).filter(compiled.filter).sort(compiled.compare);
    } catch (error) {
      if (error instanceof JqlError) throw jiraError(400, [error.message]);
      throw error;
    }
  }

  function parseExpand(raw: unknown): Set<string> {
    if (raw === undefined || raw === null) return new Set();
    const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
    return new Set(list.map((e) => e.trim()).filter(Boolean));
  }

  function parseInteger(raw: unknown, fallback: number, name: string): number {
    if (raw === undefined || raw === null || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw jiraError(400, [`The value '${String(raw)}' is invalid for the ${name} parameter.`]);
    return value;
  }

  function pageToken(offset: number, jql: string): string {
    const digest = createHash('sha256').update(jql).digest('base64url').slice(0, 12);
    return Buffer.from(JSON.stringify({ o: offset, q: digest })).toString('base64url');
  }

  function readPageToken(token: string, jql: string): number {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
      const digest = createHash('sha256').update(jql).digest('base64url').slice(0, 12);
      if (typeof decoded.o === 'number' && Number.isInteger(decoded.o) && decoded.o >= 0 && decoded.q === digest) return decoded.o;
    } catch {
      // fall through
    }
    throw jiraError(400, ['The provided next page token is invalid or expired.']);
  }

  /** Cloud enhanced search: POST/GET /rest/api/{2,3}/search/jql. */
  function searchJql(params: Record<string, unknown>, state: RequestState): Record<string, unknown> {
    const jql = typeof params['jql'] === 'string' ? params['jql'] : '';
    const fieldList = parseFieldList(params['fields']);
    const selection = fieldList ? new FieldSelection(fieldList) : undefined;
    const idOrKeyOnly = !fieldList || fieldList.every((f) => f.trim() === 'id' || f.trim() === 'key');
    // "The greatest number of items returned per page is achieved when requesting id or key only."
    const cap = idOrKeyOnly ? 5000 : 100;
    const maxResults = Math.min(parseInteger(params['maxResults'], 50, 'maxResults'), cap);
    const reconcileRaw = params['reconcileIssues'];
    const reconcileList = Array.isArray(reconcileRaw) ? reconcileRaw : typeof reconcileRaw === 'string' ? reconcileRaw.split(',') : [];
    const reconcile = new Set(reconcileList.map((id) => String(id).trim()).filter(Boolean));
    const token = typeof params['nextPageToken'] === 'string' && params['nextPageToken'] !== '' ? params['nextPageToken'] : undefined;
    const offset = token ? readPageToken(token, jql) : 0;
    const matches = runJql(jql, state.user, reconcile, true);
    const page = matches.slice(offset, offset + Math.max(maxResults, 1));
    const expand = parseExpand(params['expand']);
    const isLast = offset + page.length >= matches.length;
    const body: Record<string, unknown> = {
      issues: page.map((issue) => renderIssue(issue, state.render, selection, expand)),
      isLast,
    };
    if (!isLast) body['nextPageToken'] = pageToken(offset + page.length, jql);
    return body;
  }

  /** Data Center search: GET/POST /rest/api/2/search with startAt/maxResults/total. */
  function searchOffset(params: Record<string, unknown>, state: RequestState): Record<string, unknown> {
    const jql = typeof params['jql'] === 'string' ? params['jql'] : '';
    const startAt = parseInteger(params['startAt'], 0, 'startAt');
    const maxResults = Math.min(parseInteger(params['maxResults'], 50, 'maxResults'), 1000);
    const selection = new FieldSelection(parseFieldList(params['fields']) ?? ['*navigable']);
    const expand = parseExpand(params['expand']);
    const matches = runJql(jql, state.user, new Set(), false);
    return {
      expand: 'schema,names',
      startAt,
      maxResults,
      total: matches.length,
      issues: matches.slice(startAt, startAt + maxResults).map((issue) => renderIssue(issue, state.render, selection, expand)),
    };
  }

  function searchUsers(q: URLSearchParams, state: RequestState): Record<string, unknown>[] {
    let term: string | null;
    if (flavour === 'cloud') {
      if (q.has('username')) throw jiraError(400, [GDPR_MESSAGE]);
      const accountId = q.get('accountId');
      if (accountId) {
        const user = store.userById(accountId);
        return user ? [renderUser(user, state.render)] : [];
      }
      term = q.get('query');
      if (term === null) throw jiraError(400, ["One of 'query' or 'accountId' query parameters must be provided."]);
    } else {
      term = q.get('username');
      if (term === null) throw jiraError(400, ['The username query parameter was not provided']);
    }
    const startAt = parseInteger(q.get('startAt'), 0, 'startAt');
    const maxResults = Math.min(parseInteger(q.get('maxResults'), 50, 'maxResults'), 1000);
    const needle = term.toLowerCase().trim();
    // Matches the start of the display name, of any word in it, of the email or (DC) of the username.
    const matches = store.users().filter((u) => {
      if (!u.active) return false;
      if (needle === '' || needle === '.') return true;
      const words = u.displayName.toLowerCase().split(/\s+/);
      return (
        u.displayName.toLowerCase().startsWith(needle) ||
        words.some((w) => w.startsWith(needle)) ||
        u.email.toLowerCase().startsWith(needle) ||
        (flavour === 'datacenter' && u.name.toLowerCase().startsWith(needle))
      );
    });
    return matches.slice(startAt, startAt + maxResults).map((u) => renderUser(u, state.render));
  }

  return { searchable, runJql, parseExpand, parseInteger, pageToken, readPageToken, searchJql, searchOffset, searchUsers };
}
