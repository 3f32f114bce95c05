import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultConfig, FaultCounts, FaultInjector, FaultKind, FaultLogEntry, ResolvedFaultConfig } from '../faults.js';
import type { RateLimitOption, RateLimiter } from './rate-limit.js';
import type { Agent, FreshserviceStore } from './store.js';

export interface FreshserviceSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A pre-seeded store (give it the same clock). Default: an empty store with one primary workspace. */
  store?: FreshserviceStore;
  /** Clock for records and the rate-limit minute; default the store's clock or real time. */
  now?: () => Date;
  /**
   * Per-minute limits: a plan's documented figures (default `pro`: 400 overall, 120 for listing
   * tickets), explicit figures, `{ perMinute, listTicketsPerMinute }`, or null for no limit.
   */
  rateLimit?: RateLimitOption;
  /**
   * More API keys, each mapped to the email of the agent it belongs to: the agent's key is set
   * (one key per agent, as in Freshservice), or an active agent with that email is created.
   * Lets a test act as a person through the API next to the integration's key.
   */
  apiKeys?: Readonly<Record<string, string>>;
  /** Fault injection for reliability tests (see readme.md, "Fault injection"). Default: none. */
  faults?: FaultConfig | null;
}

export interface FreshserviceRequestLogEntry {
  method: string;
  /** Path without the query string, e.g. /api/v2/tickets */
  path: string;
  /** Raw query string including the leading `?`, or ''. */
  query: string;
  status: number;
  /** Parsed JSON body of writes, when there was one. */
  body?: unknown;
  /** Id of the agent whose API key authenticated the request. */
  agentId?: number;
  /** API credits charged (1 + embeds). */
  credits?: number;
  fault?: FaultKind;
}

export interface FreshserviceSandbox {
  /** http://host:port, no trailing slash (stands for https://<domain>.freshservice.com). */
  url: string;
  /** Same as url (the other sandboxes' handles call it url; the brief calls it baseUrl). */
  baseUrl: string;
  store: FreshserviceStore;
  requestLog: FreshserviceRequestLogEntry[];
  resetRequestLog(): void;
  /** Starts a fresh rate-limit minute. */
  resetRateLimit(): void;
  faultLog: FaultLogEntry[];
  faultCounts(): FaultCounts;
  clearFaultLog(): void;
  setFaults(config: FaultConfig | null): ResolvedFaultConfig | null;
  getFaults(): ResolvedFaultConfig | null;
  close(): Promise<void>;
}

export interface FreshserviceSite {
  store: FreshserviceStore;
  now: () => Date;
  limiter: RateLimiter;
  faults: FaultInjector;
  requestLog: FreshserviceRequestLogEntry[];
  baseUrl: string;
}

/** One API request as a route sees it. */
export interface Call {
  site: FreshserviceSite;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  entry: FreshserviceRequestLogEntry;
  /** The authenticated agent (API routes only). */
  agent: Agent;
  /** Rate-limit headers to send with the answer. */
  headers: Record<string, string>;
}
