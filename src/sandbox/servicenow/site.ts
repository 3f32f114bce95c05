import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultConfig, FaultCounts, FaultInjector, FaultKind, FaultLogEntry, ResolvedFaultConfig } from '../faults.js';
import type { OAuthTokens } from './routes/oauth.js';
import type { ServiceNowStore } from './store.js';

export interface SandboxUser {
  userName: string;
  password: string;
}

export interface SandboxOAuthClient {
  clientId: string;
  clientSecret: string;
}

/**
 * A data policy (sys_data_policy2) making `mandatory` required on `table` whenever `when` holds for
 * the record as the write would leave it: the Table API then refuses the write with 403 and
 * "Data Policy Exception", as an instance does for web-service writes.
 */
export interface SandboxDataPolicy {
  table: string;
  /** Field that must not be empty; its label in the message is the field name. */
  mandatory: string;
  /** The record as it would be after the write (stored values) and the fields the request sets. */
  when?: (record: Readonly<Record<string, string>>, changes: Readonly<Record<string, unknown>>) => boolean;
}

export interface ServiceNowSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Basic-auth accounts (also valid for the OAuth password grant). Default deskbridge/deskbridge. */
  users?: readonly SandboxUser[];
  /** OAuth clients for /oauth_token.do. None by default: every token request is refused. */
  oauthClients?: readonly SandboxOAuthClient[];
  /** Access-token lifetime; default 1800 s as on an instance. */
  tokenTtlSeconds?: number;
  /** More than `limit` Table API requests within a fixed window of `windowSeconds` → 429 + Retry-After. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Clock for records, tokens and rate-limit windows; default real time. */
  now?: () => Date;
  /** Shown in /__sandbox/health; default "dev-sandbox". */
  instanceName?: string;
  /**
   * A pre-seeded store to serve. Its own clock stamps records, so give it the same `now`.
   * Default: a fresh store on the sandbox clock.
   */
  store?: ServiceNowStore;
  /** Fault injection for reliability tests (see readme.md, "Fault injection"). Default: none. */
  faults?: FaultConfig | null;
  /** Data policies enforced on Table API writes (403 "Data Policy Exception"). Default: none. */
  dataPolicies?: readonly SandboxDataPolicy[];
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string, e.g. /api/now/table/incident */
  path: string;
  /** Raw query string including the leading `?`, or ''. */
  query: string;
  status: number;
  /** Authenticated user (user_name or OAuth client id), when there was one. */
  user?: string;
  /** The fault injected into this request, if any (status 0 when nothing was answered). */
  fault?: FaultKind;
  /** When the request arrived (ms since the epoch): tests line writes up with who held the source then. */
  at?: number;
  /** The user name of a Basic Authorization header, unverified: who sent it, also when a fault answered before authentication. */
  basicUser?: string;
}

export interface ServiceNowSandbox {
  /** http://host:port, no trailing slash. */
  url: string;
  instanceName: string;
  store: ServiceNowStore;
  /** Every request served, in order (Table API, OAuth and control API alike). */
  requestLog: RequestLogEntry[];
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

/** The running instance's state that every route shares. */
export interface ServiceNowSite {
  options: ServiceNowSandboxOptions;
  store: ServiceNowStore;
  now: () => Date;
  /** Basic-auth accounts (and OAuth password-grant users). */
  users: readonly SandboxUser[];
  instanceName: string;
  requestLog: RequestLogEntry[];
  /** Access and refresh tokens issued by /oauth_token.do. */
  tokens: OAuthTokens;
  /** The fixed rate-limit window: when it started and how many requests it has counted. */
  rateWindow: { start: number; count: number };
  faults: FaultInjector;
  /** http://host:port once listening. */
  baseUrl: string;
}

/** One request as a route sees it. */
export interface Call {
  site: ServiceNowSite;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
}
