import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultConfig, FaultCounts, FaultInjector, FaultKind, FaultLogEntry, ResolvedFaultConfig } from '../faults.js';
import type { ZendeskStore, ZendeskUser, ZendeskUserInput } from './store.js';

export interface ZendeskOAuthToken {
  token: string;
  /** Email of the user the token acts as. */
  user: string;
}

/** A fixed window: more than `limit` requests within `windowSeconds` → 429 + Retry-After. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface ZendeskSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Shown in URLs and /__sandbox/health, like `{subdomain}.zendesk.com`; default "deskbridge". */
  subdomain?: string;
  /** A pre-seeded store (give it the same `now`). Default: a fresh store with the CLI account. */
  store?: ZendeskStore;
  /** Clock for writes, the export's one-minute cutoff and rate-limit windows; default the store's or real time. */
  now?: () => Date;
  /** Extra users (agents/admins with API tokens) added to the store at start, e.g. the CLI account. */
  users?: readonly ZendeskUserInput[];
  /** OAuth access tokens accepted as `Authorization: Bearer <token>`. */
  oauthTokens?: readonly ZendeskOAuthToken[];
  /** Account-wide limit; default 400/min (Support/Suite Professional). null: none. */
  rateLimit?: RateLimit | null;
  /** Incremental export endpoints, requests per minute: default 10 (documented; 30 with High Volume API). null: none. */
  exportRateLimit?: number | null;
  /** Update Ticket: default 30 updates per 10 minutes per user per ticket (documented). null: none. */
  ticketUpdateLimit?: RateLimit | null;
  /** Fault injection for reliability tests (see readme.md). Default: none. */
  faults?: FaultConfig | null;
}

export interface ZendeskRequestLogEntry {
  method: string;
  /** Path without the query string, e.g. /api/v2/tickets/1.json */
  path: string;
  /** Raw query string including the leading `?`, or ''. */
  query: string;
  status: number;
  /** Parsed JSON body of writes, when there was one. */
  body?: unknown;
  /** Email of the authenticated user. */
  user?: string;
  fault?: FaultKind;
}

export interface ZendeskSandbox {
  /** http://host:port, no trailing slash (stands for https://{subdomain}.zendesk.com). */
  url: string;
  /** Same as url. */
  baseUrl: string;
  subdomain: string;
  store: ZendeskStore;
  /** Every request served, in order (control API included). */
  requestLog: ZendeskRequestLogEntry[];
  resetRequestLog(): void;
  faultLog: FaultLogEntry[];
  faultCounts(): FaultCounts;
  clearFaultLog(): void;
  setFaults(config: FaultConfig | null): ResolvedFaultConfig | null;
  getFaults(): ResolvedFaultConfig | null;
  /** Forgets every rate-limit window (account, incremental, per ticket). */
  resetRateLimits(): void;
  close(): Promise<void>;
}

export interface Window {
  start: number;
  count: number;
}

/** The running account's state that every route shares. */
export interface ZendeskSite {
  options: ZendeskSandboxOptions;
  store: ZendeskStore;
  now: () => Date;
  subdomain: string;
  requestLog: ZendeskRequestLogEntry[];
  faults: FaultInjector;
  /** Rate-limit windows by key: `account`, `incremental`, `ticket:{id}:{user}`. */
  windows: Map<string, Window>;
  baseUrl: string;
}

/** One API request as a route sees it. */
export interface Call {
  site: ZendeskSite;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  /** The authenticated user (control API: the `?user=` email or the CLI account). */
  user: ZendeskUser;
  entry: ZendeskRequestLogEntry;
}
