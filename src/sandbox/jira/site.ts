import type { FaultConfig, FaultInjector, FaultKind, FaultLogEntry, FaultCounts, ResolvedFaultConfig } from '../faults.js';
import type { JiraFlavour, JiraUserInput } from './catalogue.js';
import type { RenderContext } from './render.js';
import type { JiraStore, JiraUser } from './store.js';

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

/** What one request is served as: the authenticated user and the REST version it called. */
export interface RequestState {
  user: JiraUser;
  apiVersion: '2' | '3';
  render: RenderContext;
}

/** The running site's state that every route shares. */
export interface JiraSite {
  flavour: JiraFlavour;
  options: JiraSandboxOptions;
  store: JiraStore;
  now: () => Date;
  /** How far the search index lags behind writes (ms). */
  lagMs: number;
  requestLog: JiraRequestLogEntry[];
  /** The fixed rate-limit window: when it started and how many requests it has counted. */
  rateWindow: { start: number; count: number };
  faults: FaultInjector;
  /** The index's cutoff never moves backwards, even when the clock does. */
  lastCutoff: number;
  /** http://host:port once listening. */
  baseUrl: string;
}
