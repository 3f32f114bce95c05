import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import {
  type FaultConfig,
  FaultConfigError,
  type FaultCounts,
  FaultInjector,
  type FaultKind,
  type FaultLogEntry,
  type FaultVendor,
  type ResolvedFaultConfig,
  faultControl,
} from '../faults.js';
import { listen, sandboxHandle } from '../server-handle.js';
import { type RichText, isAdfDoc } from './adf.js';
import {
  FIELDS,
  ISSUE_TYPES,
  type JiraFlavour,
  type JiraUserInput,
  LINK_TYPES,
  type ProjectDef,
  STATUSES,
  TEAM_FIELD_ID,
  TRANSITIONS,
} from './catalogue.js';
import { JqlError, compileJql, parseJql } from './jql.js';
import {
  FieldSelection,
  type RenderContext,
  parseFieldList,
  renderComment,
  renderCommentPage,
  renderField,
  renderHistory,
  renderIssue,
  renderServiceDeskComment,
  renderStatus,
  renderUser,
} from './render.js';
import { type IssuePatch, type JiraUser, JiraStore, JiraValidationError, type StoredIssue } from './store.js';

export interface JiraSandboxToken {
  token: string;
  /** accountId, username or email of the user the token acts as. */
  user: string;
}

export interface JiraSandboxOptions {
  /** Cloud: REST v3 (+v2), accountIds, /search/jql. Data Center: REST v2, usernames, /search with startAt. */
  flavour: JiraFlavour;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Accounts added to (or replacing same-named ones in) the store. Basic auth is
   * email + API token on Cloud and username + password on Data Center. The store's defaults
   * (catalogue.ts DEFAULT_USERS) include the integration user deskbridge@example.com / deskbridge
   * (username deskbridge, accountId 557058:deskbridge).
   */
  users?: readonly JiraUserInput[];
  /** Data Center personal access tokens (`Authorization: Bearer <token>`). */
  personalAccessTokens?: readonly JiraSandboxToken[];
  /** Cloud OAuth 2.0 access tokens (`Authorization: Bearer <token>`), accepted at the site URL. */
  bearerTokens?: readonly JiraSandboxToken[];
  /**
   * Search index lag: a write becomes visible to JQL search only this many ms later (default 0).
   * Until then search matches and returns the issue as it was. GET /issue is always current.
   * On Cloud, `reconcileIssues` (issue ids) makes the listed issues current in that search.
   */
  searchLagMs?: number;
  /** More than `limit` REST requests in a fixed window of `windowSeconds` → 429 + Retry-After. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Clock for writes, search lag and rate-limit windows; default the store's clock or real time. */
  now?: () => Date;
  /** A pre-seeded store (its flavour must match). Default: a fresh store with the default users. */
  store?: JiraStore;
  /** Zone of rendered timestamps: `UTC` (default, `+0000`) or each requesting user's zone. */
  renderTimeZone?: 'UTC' | 'user';
  /** Fault injection for reliability tests (see readme.md, "Fault injection"). Default: none. */
  faults?: FaultConfig | null;
}

export interface JiraRequestLogEntry {
  method: string;
  /** Path without the query string, e.g. /rest/api/3/search/jql */
  path: string;
  /** Raw query string including the leading `?`, or ''. */
  query: string;
  status: number;
  /** Parsed JSON request body of writes (POST/PUT/PATCH), when there was one. */
  body?: unknown;
  /** Authenticated user's accountId (Cloud) or username (Data Center). */
  user?: string;
  /** The fault injected into this request, if any (status 0 when nothing was answered). */
  fault?: FaultKind;
}

export interface JiraSandbox {
  /** http://host:port, no trailing slash (the site's base URL). */
  url: string;
  flavour: JiraFlavour;
  store: JiraStore;
  /** Every request served, in order (control API included). */
  requestLog: JiraRequestLogEntry[];
  resetRequestLog(): void;
  /** Every injected fault, in order (live array). */
  faultLog: FaultLogEntry[];
  /** Eligible requests and injected faults by kind and phase since the log was last cleared. */
  faultCounts(): FaultCounts;
  clearFaultLog(): void;
  /** Replaces the fault configuration (null turns faults off) and restarts its PRNG; throws FaultConfigError. */
  setFaults(config: FaultConfig | null): ResolvedFaultConfig | null;
  /** The active fault configuration with defaults (and the seed) filled in, or null. */
  getFaults(): ResolvedFaultConfig | null;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'object' && body !== null ? JSON.stringify(body) : String(body));
  }
}

function jiraError(status: number, errorMessages: readonly string[], errors: Record<string, string> = {}, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, { errorMessages: [...errorMessages], errors }, headers);
}

function serviceDeskError(status: number, message: string): HttpError {
  return new HttpError(status, { errorMessage: message, i18nErrorMessage: { i18nKey: 'sd.request.error', parameters: [] } });
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const REMOVED_SEARCH_MESSAGE =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';
const NOT_FOUND_ISSUE = 'Issue does not exist or you do not have permission to see it.';
/** Issue search (Cloud /search/jql, Data Center /search): the list responses bad-record breaks. */
const SEARCH_PATH = /^\/rest\/api\/(?:2|3|latest)\/search(?:\/jql)?\/?$/;
/** The auth check and version probe a connector's init() makes; exempt from faults unless includeAuth. */
const HANDSHAKE_PATH = /^\/rest\/api\/(?:2|3|latest)\/(?:myself|serverInfo)\/?$/;
const GDPR_MESSAGE = "'accountId' must be the only user identifying query parameter in GDPR strict mode.";

interface RequestState {
  user: JiraUser;
  apiVersion: '2' | '3';
  render: RenderContext;
}

/**
 * Starts a simulated Jira site (Cloud or Data Center) over real HTTP: the platform REST API
 * subset an ITSM connector uses, Jira Service Management comments, Basic / Bearer auth, rate
 * limiting, a lagging search index, and a small `/__sandbox/` control API. Written from
 * Atlassian's documentation; see readme.md for what is and is not simulated.
 */
export async function startJiraSandbox(options: JiraSandboxOptions): Promise<JiraSandbox> {
  const flavour = options.flavour;
  const now = options.now ?? options.store?.now ?? (() => new Date());
  const store = options.store ?? new JiraStore({ flavour, now });
  if (store.flavour !== flavour) throw new Error(`Store flavour ${store.flavour} does not match sandbox flavour ${flavour}`);
  for (const user of options.users ?? []) store.upsertUser(user);
  const lagMs = options.searchLagMs ?? 0;
  const requestLog: JiraRequestLogEntry[] = [];
  const window = { start: 0, count: 0 };
  const faults = new FaultInjector(faultVendor(options, now), now, options.faults);
  let lastCutoff = 0;
  let baseUrl = '';

  function tokenUser(tokens: readonly JiraSandboxToken[] | undefined, given: string): JiraUser | undefined {
    const hit = tokens?.find((t) => safeEqual(t.token, given));
    return hit ? store.findUser(hit.user) : undefined;
  }

  function authenticate(req: IncomingMessage): JiraUser {
    const header = req.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    const credentials = space > 0 ? header.slice(space + 1).trim() : '';
    if (scheme === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const login = decoded.slice(0, colon).toLowerCase();
      const secret = decoded.slice(colon + 1);
      // Cloud: email + API token. Data Center: username + password.
      const user = store
        .users()
        .find((u) => (flavour === 'cloud' ? u.email.toLowerCase() === login : u.name.toLowerCase() === login));
      const expected = user ? (flavour === 'cloud' ? user.apiToken : user.password) : undefined;
      if (colon > 0 && user?.active && expected !== undefined && safeEqual(expected, secret)) return user;
    } else if (scheme === 'bearer') {
      const user = tokenUser(flavour === 'cloud' ? options.bearerTokens : options.personalAccessTokens, credentials);
      if (user?.active) return user;
    }
    const headers: Record<string, string> = { 'WWW-Authenticate': 'Basic realm="protected-area"' };
    if (flavour === 'datacenter') headers['X-Seraph-LoginReason'] = 'AUTHENTICATED_FAILED';
    throw jiraError(401, ['You are not authenticated. Authentication required to perform this operation.'], {}, headers);
  }

  function checkRateLimit(res: ServerResponse): void {
    const limit = options.rateLimit;
    if (!limit) return;
    const t = now().getTime();
    const windowMs = limit.windowSeconds * 1000;
    if (t >= window.start + windowMs) {
      window.start = t;
      window.count = 0;
    }
    const remaining = Math.max(0, limit.limit - window.count - 1);
    res.setHeader('X-RateLimit-Limit', String(limit.limit));
    res.setHeader('X-RateLimit-Remaining', String(window.count >= limit.limit ? 0 : remaining));
    if (flavour === 'datacenter') {
      // Data Center's token-bucket headers; a fixed window refills `limit` tokens per interval.
      res.setHeader('X-RateLimit-Interval-Seconds', String(limit.windowSeconds));
      res.setHeader('X-RateLimit-FillRate', String(limit.limit));
    }
    if (window.count >= limit.limit) {
      const retryAfter = Math.max(1, Math.ceil((window.start + windowMs - t) / 1000));
      const headers: Record<string, string> = { 'Retry-After': String(retryAfter) };
      if (flavour === 'cloud') {
        // "the timestamp (in ISO 8601 format) when the rate limit will reset … yyyy-MM-ddTHH:mmZ"
        headers['X-RateLimit-Reset'] = new Date(t + retryAfter * 1000).toISOString().slice(0, 16) + 'Z';
        headers['RateLimit-Reason'] = 'jira-burst-based';
      }
      throw jiraError(429, ['Rate limit exceeded.'], {}, headers);
    }
    window.count++;
  }

  function renderContext(user: JiraUser, apiVersion: '2' | '3'): RenderContext {
    return { store, baseUrl, apiVersion, flavour, timeZone: options.renderTimeZone === 'user' ? user.timeZone : 'UTC' };
  }

  function requireIssue(idOrKey: string): StoredIssue {
    const issue = store.get(decodeURIComponent(idOrKey));
    if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
    return issue;
  }

  // ---- wire → store ------------------------------------------------------------------------

  /** A user reference in a write body: `{accountId}` (or `{id}`) on Cloud, `{name}` (or `{key}`) on Data Center. */
  function readUserRef(field: string, value: unknown, errors: Record<string, string>): string | null | undefined {
    if (value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) {
      errors[field] = `expected Object for '${field}'`;
      return undefined;
    }
    const ref = value as Record<string, unknown>;
    if (flavour === 'cloud') {
      const accountId = ref['accountId'] ?? ref['id'];
      if (accountId === null) return null;
      if (typeof accountId !== 'string') {
        errors[field] = 'name' in ref || 'key' in ref ? GDPR_MESSAGE : `expected Object containing an 'accountId' property`;
        return undefined;
      }
      if (accountId === '-1') return null;
      if (!store.userById(accountId)) {
        errors[field] = 'Specified user does not exist or you do not have required permissions';
        return undefined;
      }
      return accountId;
    }
    const name = ref['name'] ?? ref['key'];
    if (name === null) return null;
    if (typeof name !== 'string') {
      errors[field] = "expected Object containing a 'name' property";
      return undefined;
    }
    const user = store.users().find((u) => u.name.toLowerCase() === name.toLowerCase());
    if (!user) {
      errors[field] = `User '${name}' does not exist.`;
      return undefined;
    }
    return user.accountId;
  }

  function readNamed(field: string, value: unknown, errors: Record<string, string>): string | undefined {
    if (typeof value === 'object' && value !== null) {
      const ref = value as Record<string, unknown>;
      const named = ref['name'] ?? ref['id'] ?? ref['key'];
      if (typeof named === 'string' || typeof named === 'number') return String(named);
    }
    errors[field] = `Could not find valid 'id' or 'name' in ${field} object.`;
    return undefined;
  }

  function readRichText(field: string, value: unknown, apiVersion: '2' | '3', errors: Record<string, string>): RichText | null | undefined {
    if (value === null) return null;
    if (apiVersion === '3') {
      if (isAdfDoc(value)) return { kind: 'adf', doc: value };
      errors[field] = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
      return undefined;
    }
    if (typeof value === 'string') return { kind: 'text', text: value };
    errors[field] = 'Operation value must be a string';
    return undefined;
  }

  interface ParsedWrite {
    patch: IssuePatch;
    project?: string;
    issueType?: string;
    comments: RichText[];
  }

  /** `fields` and `update` of a create/edit body → a store patch; collects Jira-style field errors. */
  function readWrite(body: Record<string, unknown>, apiVersion: '2' | '3', isCreate: boolean, current?: StoredIssue): ParsedWrite {
    const errors: Record<string, string> = {};
    const patch: IssuePatch = {};
    const parsed: ParsedWrite = { patch, comments: [] };
    const fields = body['fields'];
    if (fields !== undefined && (typeof fields !== 'object' || fields === null || Array.isArray(fields))) {
      throw jiraError(400, ["Can not deserialize 'fields': expected an object"]);
    }
    for (const [field, value] of Object.entries((fields ?? {}) as Record<string, unknown>)) {
      switch (field) {
        case 'project':
          if (!isCreate) errors[field] = cannotSet(field);
          else parsed.project = readNamed(field, value, errors);
          break;
        case 'issuetype':
          if (!isCreate) errors[field] = cannotSet(field);
          else parsed.issueType = readNamed(field, value, errors);
          break;
        case 'summary':
          if (typeof value === 'string') patch.summary = value;
          else errors[field] = 'Operation value must be a string';
          break;
        case 'description': {
          const text = readRichText(field, value, apiVersion, errors);
          if (text !== undefined) patch.description = text;
          break;
        }
        case 'priority':
          if (value === null) patch.priority = null;
          else {
            const named = readNamed(field, value, errors);
            if (named !== undefined) patch.priority = named;
          }
          break;
        case 'assignee':
        case 'reporter': {
          const ref = readUserRef(field, value, errors);
          if (ref !== undefined) patch[field] = ref;
          break;
        }
        case 'components':
          if (!Array.isArray(value)) errors[field] = 'Operation value must be an array';
          else patch.components = value.map((c) => componentName(c, current?.projectKey ?? parsed.project, errors)).filter((c): c is string => c !== undefined);
          break;
        case 'labels':
          if (!Array.isArray(value) || !value.every((l) => typeof l === 'string')) errors[field] = 'Operation value must be an array of strings';
          else patch.labels = value;
          break;
        case 'versions':
          if (!Array.isArray(value)) errors[field] = 'Operation value must be an array';
          else patch.versions = value.map((v) => String((v as { name?: unknown })?.name ?? ''));
          break;
        case TEAM_FIELD_ID:
          // "Team field in Jira REST API": set with the team id as a plain string.
          if (value === null || typeof value === 'string') patch.team = value;
          else errors[field] = 'Team id must be provided as a string.';
          break;
        default:
          errors[field] = cannotSet(field);
      }
    }
    const update = body['update'];
    if (update !== undefined && (typeof update !== 'object' || update === null || Array.isArray(update))) {
      throw jiraError(400, ["Can not deserialize 'update': expected an object"]);
    }
    for (const [field, ops] of Object.entries((update ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(ops)) {
        errors[field] = 'Operations must be an array';
        continue;
      }
      if (field === 'labels') {
        let labels = [...(patch.labels ?? current?.labels ?? [])];
        for (const op of ops as Record<string, unknown>[]) {
          if (typeof op['add'] === 'string') labels = [...labels.filter((l) => l !== op['add']), op['add']];
          else if (typeof op['remove'] === 'string') labels = labels.filter((l) => l !== op['remove']);
          else if (Array.isArray(op['set'])) labels = op['set'].map(String);
          else errors[field] = 'Unsupported labels operation';
        }
        patch.labels = labels;
      } else if (field === 'components') {
        let components = [...(patch.components ?? current?.components ?? [])];
        const project = current?.projectKey ?? parsed.project;
        for (const op of ops as Record<string, unknown>[]) {
          if (op['add'] !== undefined) {
            const name = componentName(op['add'], project, errors);
            if (name !== undefined && !components.includes(name)) components.push(name);
          } else if (op['remove'] !== undefined) {
            const name = componentName(op['remove'], project, errors);
            components = components.filter((c) => c !== name);
          } else if (Array.isArray(op['set'])) {
            components = op['set'].map((c) => componentName(c, project, errors)).filter((c): c is string => c !== undefined);
          } else errors[field] = 'Unsupported components operation';
        }
        patch.components = components;
      } else if (field === 'comment') {
        for (const op of ops as Record<string, unknown>[]) {
          const add = op['add'] as Record<string, unknown> | undefined;
          const text = readCommentBody(add?.['body'], apiVersion);
          if (text) parsed.comments.push(text);
          else errors['comment'] = 'Comment body is not valid!';
        }
      } else {
        errors[field] = cannotSet(field);
      }
    }
    if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
    return parsed;
  }

  function componentName(value: unknown, projectKey: string | undefined, errors: Record<string, string>): string | undefined {
    const ref = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const project = projectKey ? store.project(projectKey) : undefined;
    if (typeof ref['name'] === 'string') return ref['name'];
    if (typeof ref['id'] === 'string' && project) {
      const byId = project.components.find((c) => store.componentId(project.key, c) === ref['id']);
      if (byId) return byId;
      errors['components'] = `Component with id '${ref['id']}' does not exist.`;
      return undefined;
    }
    errors['components'] = "Could not find valid 'id' or 'name' in components object.";
    return undefined;
  }

  /** v3 comments must be ADF; v2 comments are strings (wiki markup). */
  function readCommentBody(body: unknown, apiVersion: '2' | '3'): RichText | undefined {
    if (apiVersion === '3') return isAdfDoc(body) && body.content.length > 0 ? { kind: 'adf', doc: body } : undefined;
    return typeof body === 'string' && body.trim() !== '' ? { kind: 'text', text: body } : undefined;
  }

  function storeWrite<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (error instanceof JiraValidationError) throw jiraError(error.status, error.errorMessages, error.errors);
      throw error;
    }
  }

  // ---- search ------------------------------------------------------------------------------

  /** Issues as the (possibly lagging) index sees them; `reconcile` ids read current instead. */
  function searchable(reconcile: ReadonlySet<string>): StoredIssue[] {
    const t = now().getTime();
    const cutoff = Math.max(lastCutoff, t - lagMs);
    lastCutoff = cutoff;
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

  // ---- routes ------------------------------------------------------------------------------

  async function handleRestApi(req: IncomingMessage, res: ServerResponse, url: URL, state: RequestState, rest: string, entry: JiraRequestLogEntry): Promise<void> {
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    const body = method === 'POST' || method === 'PUT' ? await readJsonObject(req, entry) : {};
    const { render } = state;
    const segments = rest.split('/').filter(Boolean);
    const [head, second, third, fourth] = segments;

    if (head === 'search' && !second) {
      if (flavour === 'cloud') throw jiraError(410, [REMOVED_SEARCH_MESSAGE]);
      if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
      const params = method === 'GET' ? Object.fromEntries(q) : body;
      return sendJson(res, 200, searchOffset(params, state));
    }
    if (head === 'search' && second === 'jql' && !third) {
      if (flavour !== 'cloud') throw notFoundRoute(url);
      if (method === 'GET') {
        const params: Record<string, unknown> = Object.fromEntries(q);
        return sendJson(res, 200, searchJql(params, state));
      }
      if (method === 'POST') return sendJson(res, 200, searchJql(body, state));
      throw methodNotAllowed();
    }
    if (head === 'myself' && method === 'GET') {
      return sendJson(res, 200, { ...renderUser(state.user, render), locale: 'en_US', groups: { size: 1, items: [] }, applicationRoles: { size: 1, items: [] } });
    }
    if (head === 'serverInfo' && method === 'GET') {
      return sendJson(res, 200, {
        baseUrl,
        version: flavour === 'cloud' ? '1001.0.0-SNAPSHOT' : '9.12.15',
        versionNumbers: flavour === 'cloud' ? [1001, 0, 0] : [9, 12, 15],
        deploymentType: flavour === 'cloud' ? 'Cloud' : 'Server',
        buildNumber: 100000,
        serverTitle: 'deskbridge sandbox',
      });
    }
    if (head === 'user' && second === 'search' && method === 'GET') return sendJson(res, 200, searchUsers(q, state));
    if (head === 'user' && !second && method === 'GET') {
      const ref = flavour === 'cloud' ? q.get('accountId') : (q.get('username') ?? q.get('key'));
      if (flavour === 'cloud' && (q.has('username') || q.has('key'))) throw jiraError(400, [GDPR_MESSAGE]);
      const user = ref ? (flavour === 'cloud' ? store.userById(ref) : store.findUser(ref)) : undefined;
      if (!user) throw jiraError(404, [`The user with ${flavour === 'cloud' ? 'account ID' : 'username'} '${ref ?? ''}' does not exist.`]);
      return sendJson(res, 200, renderUser(user, render));
    }
    if (head === 'field' && !second && method === 'GET') return sendJson(res, 200, FIELDS.map(renderField));
    if (head === 'issueLinkType' && method === 'GET') {
      const types = LINK_TYPES.map((t) => ({ ...t, self: `${baseUrl}/rest/api/${state.apiVersion}/issueLinkType/${t.id}` }));
      if (second) {
        const type = types.find((t) => t.id === second || t.name === decodeURIComponent(second));
        if (!type) throw jiraError(404, [`No issue link type with id '${second}' found.`]);
        return sendJson(res, 200, type);
      }
      return sendJson(res, 200, { issueLinkTypes: types });
    }
    if (head === 'priority' && method === 'GET') {
      return sendJson(res, 200, store.priorities().map((p) => ({ self: `${baseUrl}/rest/api/${state.apiVersion}/priority/${p.id}`, id: p.id, name: p.name })));
    }
    if (head === 'resolution' && method === 'GET') {
      return sendJson(res, 200, store.resolutions().map((r) => ({ self: `${baseUrl}/rest/api/${state.apiVersion}/resolution/${r.id}`, id: r.id, name: r.name, description: '' })));
    }
    if (head === 'status' && method === 'GET') return sendJson(res, 200, STATUSES.map((s) => renderStatus(s.name, render)));
    if (head === 'issuetype' && method === 'GET') {
      return sendJson(res, 200, ISSUE_TYPES.map((t) => ({ self: `${baseUrl}/rest/api/${state.apiVersion}/issuetype/${t.id}`, id: t.id, name: t.name, subtask: false })));
    }
    if (head === 'project' && method === 'GET') {
      const renderProject = (p: ProjectDef): Record<string, unknown> => ({
        self: `${baseUrl}/rest/api/${state.apiVersion}/project/${p.id}`,
        id: p.id,
        key: p.key,
        name: p.name,
        projectTypeKey: p.projectTypeKey,
        components: p.components.map((name) => ({ id: store.componentId(p.key, name), name })),
        issueTypes: p.issueTypes.map((name) => ({ id: ISSUE_TYPES.find((t) => t.name === name)?.id, name })),
      });
      if (second) {
        const project = store.project(decodeURIComponent(second));
        if (!project) throw jiraError(404, [`No project could be found with key '${second}'.`]);
        return sendJson(res, 200, renderProject(project));
      }
      return sendJson(res, 200, store.projects().map(renderProject));
    }
    if (head === 'issueLink' && !second && method === 'POST') {
      const type = readNamed('type', body['type'], {});
      const inward = (body['inwardIssue'] as Record<string, unknown> | undefined)?.['key'] ?? (body['inwardIssue'] as Record<string, unknown> | undefined)?.['id'];
      const outward = (body['outwardIssue'] as Record<string, unknown> | undefined)?.['key'] ?? (body['outwardIssue'] as Record<string, unknown> | undefined)?.['id'];
      if (!type || (typeof inward !== 'string' && typeof inward !== 'number') || (typeof outward !== 'string' && typeof outward !== 'number')) {
        throw jiraError(400, ['Issue link type, inward issue and outward issue are required.']);
      }
      const { link } = storeWrite(() => store.addLink(type, String(inward), String(outward), state.user.accountId));
      res.setHeader('Location', `${baseUrl}/rest/api/${state.apiVersion}/issueLink/${link.id}`);
      res.writeHead(201);
      res.end();
      return;
    }
    if (head === 'issueLink' && second && method === 'GET') {
      const link = store.links().find((l) => l.id === second);
      if (!link) throw jiraError(404, [`No issue link with id '${second}' exists.`]);
      const type = LINK_TYPES.find((t) => t.name === link.type);
      const issueRef = (id: string): Record<string, unknown> => {
        const issue = store.get(id);
        return { id, key: issue?.key, self: `${baseUrl}/rest/api/${state.apiVersion}/issue/${id}`, fields: { summary: issue?.summary, status: issue ? renderStatus(issue.status, render) : null } };
      };
      return sendJson(res, 200, { id: link.id, type, inwardIssue: issueRef(link.inwardId), outwardIssue: issueRef(link.outwardId) });
    }
    if (head === 'issue' && !second && method === 'POST') {
      const parsed = readWrite(body, state.apiVersion, true);
      const errors: Record<string, string> = {};
      if (!parsed.project) errors['project'] = 'Specify a valid project ID or key';
      if (!parsed.issueType) errors['issuetype'] = 'Specify an issue type';
      if (parsed.patch.summary === undefined) errors['summary'] = 'You must specify a summary of the issue.';
      if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
      const created = storeWrite(() =>
        store.createIssue(
          { ...parsed.patch, project: parsed.project ?? '', issueType: parsed.issueType ?? '', summary: parsed.patch.summary ?? '' },
          state.user.accountId,
        ),
      );
      for (const comment of parsed.comments) store.addComment(created.id, { body: comment }, state.user.accountId);
      return sendJson(res, 201, { id: created.id, key: created.key, self: `${baseUrl}/rest/api/${state.apiVersion}/issue/${created.id}` });
    }
    if (head === 'issue' && second) {
      const issue = requireIssue(second);
      if (!third) {
        if (method === 'GET') {
          const selection = new FieldSelection(parseFieldList(q.get('fields')) ?? ['*all']);
          return sendJson(res, 200, renderIssue(issue, render, selection, parseExpand(q.get('expand'))));
        }
        if (method === 'PUT') {
          const parsed = readWrite(body, state.apiVersion, false, issue);
          storeWrite(() => store.updateIssue(issue.id, parsed.patch, state.user.accountId));
          for (const comment of parsed.comments) store.addComment(issue.id, { body: comment }, state.user.accountId);
          if (flavour === 'cloud' && q.get('returnIssue') === 'true') {
            return sendJson(res, 200, renderIssue(issue, render, new FieldSelection(['*all']), parseExpand(q.get('expand'))));
          }
          res.writeHead(204);
          res.end();
          return;
        }
        throw methodNotAllowed();
      }
      if (third === 'assignee' && method === 'PUT') {
        const errors: Record<string, string> = {};
        const ref = readUserRef('assignee', body, errors);
        if (ref === undefined) throw jiraError(400, Object.values(errors));
        storeWrite(() => store.updateIssue(issue.id, { assignee: ref }, state.user.accountId));
        res.writeHead(204);
        res.end();
        return;
      }
      if (third === 'comment' && !fourth) {
        if (method === 'GET') {
          const startAt = parseInteger(q.get('startAt'), 0, 'startAt');
          const maxResults = Math.min(parseInteger(q.get('maxResults'), 5000, 'maxResults'), 5000);
          let comments = [...store.comments(issue.id)];
          if (q.get('orderBy') === '-created') comments = comments.reverse();
          return sendJson(res, 200, renderCommentPage(comments, render, startAt, maxResults, parseExpand(q.get('expand')).has('properties')));
        }
        if (method === 'POST') {
          const text = readCommentBody(body['body'], state.apiVersion);
          if (!text) {
            const empty = body['body'] === undefined || body['body'] === '' || (isAdfDoc(body['body']) && body['body'].content.length === 0);
            throw jiraError(400, [], { comment: empty ? 'Comment body can not be empty!' : 'Comment body is not valid!' });
          }
          const properties = Array.isArray(body['properties']) ? (body['properties'] as Record<string, unknown>[]) : [];
          // Jira Service Management keeps the internal flag in the sd.public.comment entity property.
          const internal = properties.some(
            (p) => p['key'] === 'sd.public.comment' && (p['value'] as Record<string, unknown> | undefined)?.['internal'] === true,
          );
          const visibility = readVisibility(body['visibility']);
          const comment = store.addComment(
            issue.id,
            { body: text, public: !internal, ...(visibility ? { visibility } : {}) },
            state.user.accountId,
          );
          if (!comment) throw jiraError(404, [NOT_FOUND_ISSUE]);
          return sendJson(res, 201, renderComment(comment, render, internal));
        }
        throw methodNotAllowed();
      }
      if (third === 'comment' && fourth && method === 'GET') {
        const comment = store.comments(issue.id).find((c) => c.id === fourth);
        if (!comment) throw jiraError(404, ["Can not find a comment for the id: " + fourth + '.']);
        return sendJson(res, 200, renderComment(comment, render, parseExpand(q.get('expand')).has('properties')));
      }
      if (third === 'transitions') {
        if (method === 'GET') {
          return sendJson(res, 200, {
            expand: 'transitions',
            transitions: store.transitions(issue.id).map((t) => ({
              id: t.id,
              name: t.name,
              to: renderStatus(t.to, render),
              hasScreen: Boolean(t.resolves),
              isGlobal: false,
              isInitial: false,
              isAvailable: true,
              isConditional: false,
              isLooped: false,
            })),
          });
        }
        if (method === 'POST') {
          const transition = body['transition'] as Record<string, unknown> | undefined;
          const id = transition?.['id'];
          if (typeof id !== 'string' && typeof id !== 'number') throw jiraError(400, ["Missing 'transition' identifier"]);
          const fields = (body['fields'] ?? {}) as Record<string, unknown>;
          const errors: Record<string, string> = {};
          const resolution = fields['resolution'] === undefined ? undefined : readNamed('resolution', fields['resolution'], errors);
          for (const field of Object.keys(fields)) if (field !== 'resolution') errors[field] = cannotSet(field);
          if (Object.keys(errors).length > 0) throw jiraError(400, [], errors);
          if (!TRANSITIONS.some((t) => t.id === String(id))) throw jiraError(400, [`Transition id '${String(id)}' is not valid for this issue.`]);
          const comments = readWrite({ update: body['update'] ?? {} }, state.apiVersion, false, issue).comments;
          storeWrite(() => store.transition(issue.id, String(id), state.user.accountId, resolution === undefined ? {} : { resolution }));
          for (const comment of comments) store.addComment(issue.id, { body: comment }, state.user.accountId);
          res.writeHead(204);
          res.end();
          return;
        }
        throw methodNotAllowed();
      }
      if (third === 'changelog' && method === 'GET' && flavour === 'cloud') {
        const startAt = parseInteger(q.get('startAt'), 0, 'startAt');
        const maxResults = Math.min(parseInteger(q.get('maxResults'), 100, 'maxResults'), 100);
        const values = issue.histories.slice(startAt, startAt + maxResults);
        return sendJson(res, 200, {
          self: `${baseUrl}${url.pathname}${url.search}`,
          maxResults,
          startAt,
          total: issue.histories.length,
          isLast: startAt + values.length >= issue.histories.length,
          values: values.map((h) => renderHistory(h, render)),
        });
      }
    }
    throw notFoundRoute(url);
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

  async function handleServiceDesk(req: IncomingMessage, res: ServerResponse, url: URL, state: RequestState, entry: JiraRequestLogEntry): Promise<void> {
    const match = /^\/rest\/servicedeskapi\/request\/([^/]+)\/comment\/?$/.exec(url.pathname);
    if (!match) throw serviceDeskError(404, `null for uri: ${url.pathname}`);
    const issue = store.get(decodeURIComponent(match[1] ?? ''));
    if (!issue || store.project(issue.projectKey)?.projectTypeKey !== 'service_desk') {
      throw serviceDeskError(404, 'The request could not be found or you do not have permission to view it.');
    }
    const render: RenderContext = { ...state.render, apiVersion: '2' };
    if (req.method === 'POST') {
      const body = await readJsonObject(req, entry);
      if (typeof body['body'] !== 'string' || body['body'].trim() === '') {
        throw serviceDeskError(400, 'The comment body must be a non-empty string.');
      }
      const isPublic = body['public'] === undefined ? true : body['public'];
      if (typeof isPublic !== 'boolean') throw serviceDeskError(400, "The 'public' field must be a boolean.");
      const comment = store.addComment(issue.id, { body: body['body'], public: isPublic }, state.user.accountId);
      if (!comment) throw serviceDeskError(404, 'The request could not be found.');
      return sendJson(res, 201, renderServiceDeskComment(comment, render));
    }
    if (req.method === 'GET') {
      const q = url.searchParams;
      const wantPublic = q.get('public') !== 'false';
      const wantInternal = q.get('internal') !== 'false';
      const start = parseInteger(q.get('start'), 0, 'start');
      const limit = Math.min(parseInteger(q.get('limit'), 50, 'limit'), 100);
      const all = store.comments(issue.id).filter((c) => (c.public ? wantPublic : wantInternal));
      const values = all.slice(start, start + limit);
      const self = `${baseUrl}${url.pathname}`;
      return sendJson(res, 200, {
        _expands: [],
        size: values.length,
        start,
        limit,
        isLastPage: start + values.length >= all.length,
        _links: {
          base: baseUrl,
          context: '',
          self,
          ...(start + values.length < all.length ? { next: `${self}?start=${start + limit}&limit=${limit}` } : {}),
          ...(start > 0 ? { prev: `${self}?start=${Math.max(0, start - limit)}&limit=${limit}` } : {}),
        },
        values: values.map((c) => renderServiceDeskComment(c, render)),
      });
    }
    throw methodNotAllowed();
  }

  /** Test/demo control API: no auth, store-shaped values, clearly not part of Jira. */
  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, entry: JiraRequestLogEntry): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/__sandbox'.length);
    const q = url.searchParams;
    const actor = (): string => {
      const ref = q.get('user');
      const user = ref ? store.findUser(ref) : store.users()[0];
      if (!user) throw jiraError(400, [`Unknown user ${ref ?? ''}`]);
      return user.accountId;
    };
    if (method === 'GET' && path === '/health') {
      return sendJson(res, 200, { status: 'ok', flavour, issues: store.count(), searchLagMs: lagMs });
    }
    const fault = await faultControl(faults, method, path, () => readJsonObject(req, entry)).catch((error: unknown) => {
      if (error instanceof FaultConfigError) throw jiraError(400, [error.message]);
      throw error;
    });
    if (fault) return sendJson(res, fault.status, fault.body);
    if (method === 'GET' && path === '/requests') return sendJson(res, 200, { requests: requestLog });
    if (method === 'DELETE' && path === '/requests') {
      requestLog.length = 0;
      return sendJson(res, 200, { cleared: true });
    }
    if (method === 'POST' && path === '/rate-limit/reset') {
      window.start = 0;
      window.count = 0;
      return sendJson(res, 200, { reset: true });
    }
    if (method === 'GET' && path === '/issues') {
      return sendJson(res, 200, { issues: store.list() });
    }
    if (method === 'POST' && path === '/issues') {
      const body = await readJsonObject(req, entry);
      const issue = storeWrite(() => store.createIssue(body as unknown as Parameters<JiraStore['createIssue']>[0], actor()));
      return sendJson(res, 201, issue);
    }
    const issuePath = /^\/issues\/([^/]+)(\/comments|\/transitions\/([^/]+))?$/.exec(path);
    if (issuePath && (method === 'PATCH' || method === 'POST')) {
      const idOrKey = decodeURIComponent(issuePath[1] ?? '');
      const body = await readJsonObject(req, entry);
      if (method === 'PATCH' && !issuePath[2]) {
        const issue = storeWrite(() => store.updateIssue(idOrKey, body as IssuePatch, actor()));
        if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
        return sendJson(res, 200, issue);
      }
      if (method === 'POST' && issuePath[2] === '/comments') {
        const text = typeof body['body'] === 'string' ? body['body'] : '';
        const comment = store.addComment(idOrKey, { body: text, public: body['public'] !== false }, actor());
        if (!comment) throw jiraError(404, [NOT_FOUND_ISSUE]);
        return sendJson(res, 201, comment);
      }
      if (method === 'POST' && issuePath[3]) {
        const resolution = typeof body['resolution'] === 'string' ? body['resolution'] : undefined;
        const issue = storeWrite(() => store.transition(idOrKey, issuePath[3] ?? '', actor(), resolution ? { resolution } : {}));
        if (!issue) throw jiraError(404, [NOT_FOUND_ISSUE]);
        return sendJson(res, 200, issue);
      }
    }
    throw jiraError(404, [`Unknown sandbox control endpoint ${method} ${url.pathname}`]);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, entry: JiraRequestLogEntry): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    if (url.pathname.startsWith('/__sandbox/')) return handleControl(req, res, url, entry);
    const restMatch = /^\/rest\/api\/(2|3|latest)(\/.*)?$/.exec(url.pathname);
    const serviceDesk = url.pathname.startsWith('/rest/servicedeskapi/');
    if (!restMatch && !serviceDesk) throw notFoundRoute(url);
    const user = authenticate(req);
    entry.user = store.userRef(user);
    res.setHeader(flavour === 'cloud' ? 'X-AACCOUNTID' : 'X-AUSERNAME', store.userRef(user));
    checkRateLimit(res);
    const version = restMatch?.[1] === '3' ? '3' : '2';
    // Data Center has no REST v3.
    if (version === '3' && flavour === 'datacenter') throw notFoundRoute(url);
    const state: RequestState = { user, apiVersion: version, render: renderContext(user, version) };
    if (serviceDesk) return handleServiceDesk(req, res, url, state, entry);
    return handleRestApi(req, res, url, state, restMatch?.[2] ?? '/', entry);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const entry: JiraRequestLogEntry = { method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0 };
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      // 'close' without 'finish': a reset or an unanswered timeout.
      entry.status = res.writableFinished ? res.statusCode : 0;
      requestLog.push(entry);
    };
    res.on('finish', log);
    res.on('close', log);
    const serve = (): void => {
      handle(req, res, entry).catch((error: unknown) => {
        if (error instanceof HttpError) {
          for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
          return sendJson(res, error.status, error.body);
        }
        return sendJson(res, 500, { errorMessages: [`Internal sandbox error: ${error instanceof Error ? error.message : String(error)}`], errors: {} });
      });
    };
    const method = req.method ?? 'GET';
    // Only the REST APIs fault; the control API never does, the auth handshake only with includeAuth.
    const search = SEARCH_PATH.test(url.pathname);
    const decision = url.pathname.startsWith('/rest/')
      ? faults.decide({
          method,
          path: url.pathname,
          read: method === 'GET' || method === 'HEAD' || search,
          list: search,
          auth: HANDSHAKE_PATH.test(url.pathname),
        })
      : null;
    if (!decision) return serve();
    void faults.inject(decision, req, res, serve, (kind) => {
      entry.fault = kind;
    });
  });

  baseUrl = await listen(server, options.port, options.host);
  return {
    url: baseUrl,
    flavour,
    store,
    ...sandboxHandle(server, faults, requestLog),
  };
}

/** Jira's error body, rate-limit headers and issue shape for injected faults. */
function faultVendor(options: JiraSandboxOptions, now: () => Date): FaultVendor {
  const messages: Record<number, string> = {
    429: 'Rate limit exceeded.',
    500: 'Internal server error',
    502: 'Bad gateway',
    503: 'Service unavailable',
    504: 'Gateway timeout',
  };
  return {
    maintenanceTitle: options.flavour === 'cloud' ? 'Jira' : 'Jira Data Center',
    errorBody(status) {
      return { errorMessages: [messages[status] ?? 'Internal server error'], errors: {} };
    },
    rateLimitHeaders(retryAfterSeconds) {
      const limit = options.rateLimit;
      const headers: Record<string, string> = { 'X-RateLimit-Limit': String(limit?.limit ?? 100), 'X-RateLimit-Remaining': '0' };
      if (options.flavour === 'cloud') {
        headers['X-RateLimit-Reset'] = new Date(now().getTime() + retryAfterSeconds * 1000).toISOString().slice(0, 16) + 'Z';
        headers['RateLimit-Reason'] = 'jira-burst-based';
      } else {
        headers['X-RateLimit-Interval-Seconds'] = String(limit?.windowSeconds ?? 60);
        headers['X-RateLimit-FillRate'] = String(limit?.limit ?? 100);
      }
      return headers;
    },
    breakRecord(body, pick) {
      const issues = (body as { issues?: unknown } | null)?.issues;
      if (!Array.isArray(issues) || issues.length === 0) return null;
      const index = Math.min(issues.length - 1, Math.floor(pick[0] * issues.length));
      const issue = issues[index] as Record<string, unknown>;
      const fields = issue['fields'];
      // A bad `updated` only where the response has one (a key-only search has no fields).
      if (pick[1] >= 0.5 && typeof fields === 'object' && fields !== null && 'updated' in fields) {
        (fields as Record<string, unknown>)['updated'] = 'not a date';
        return `issues[${index}]: fields.updated set to "not a date"`;
      }
      delete issue['id'];
      return `issues[${index}]: id removed`;
    },
  };
}

function cannotSet(field: string): string {
  return `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
}

function readVisibility(value: unknown): { type: 'role' | 'group'; value: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const type = v['type'];
  const name = v['value'] ?? v['identifier'];
  return (type === 'role' || type === 'group') && typeof name === 'string' ? { type, value: name } : undefined;
}

function methodNotAllowed(): HttpError {
  return new HttpError(405, { errorMessages: ['Method Not Allowed'], errors: {} });
}

function notFoundRoute(url: URL): HttpError {
  return jiraError(404, [`null for uri: ${url.pathname}`]);
}

function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw jiraError(413, ['Request body too large']);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJsonObject(req: IncomingMessage, entry: JiraRequestLogEntry): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw jiraError(400, [`Unexpected character in JSON body: ${error instanceof Error ? error.message : 'invalid JSON'}`]);
  }
  entry.body = parsed;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw jiraError(400, ['Can not deserialize instance of the request body out of a non-object JSON value']);
  }
  return parsed as Record<string, unknown>;
}
