import { z } from 'zod';
import { RateLimit, RetryPolicy } from '../http/settings.js';

const Schedule = z.string().min(1).describe('node-cron expression, e.g. "*/1 * * * *" (every minute); seconds field allowed');

export const BasicAuth = z.strictObject({
  type: z.literal('basic'),
  username: z.string().min(1),
  password: z.string().min(1),
});

export const OAuthAuth = z.strictObject({
  type: z.literal('oauth'),
  /** Defaults to `<baseUrl>/oauth_token.do` for ServiceNow. */
  tokenUrl: z.url().optional(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Password grant when set; otherwise client_credentials. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Refresh the token this many seconds before it expires. */
  refreshSkewSeconds: z.number().int().min(0).default(60),
});

export const Auth = z.discriminatedUnion('type', [BasicAuth, OAuthAuth]);
export type Auth = z.infer<typeof Auth>;

export const ServiceNowSource = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  platform: z.literal('servicenow'),
  baseUrl: z.url(),
  table: z.string().regex(/^[a-z0-9_]+$/).default('incident'),
  /** Extra encoded query ANDed to the incremental filter, e.g. `active=true^assignment_groupISEMPTY`. */
  query: z.string().optional(),
  auth: Auth,
  /** Login the connector writes as (defaults to the basic/OAuth username); its updates are ignored. */
  integrationUser: z.string().min(1).optional(),
  /** Reference field that points a duplicate at its original (`parent_incident` on incident). */
  duplicateField: z.string().regex(/^[a-z0-9_]+$/).default('parent_incident'),
  schedule: Schedule.default('*/1 * * * *'),
  overlapSeconds: z.number().int().min(0).default(120),
  pageSize: z.number().int().min(1).max(10_000).default(200),
  /** Starting point on an empty state store (ISO UTC); unset = all records. */
  startFrom: z.iso.datetime().optional(),
  /**
   * Start point for acting (ISO UTC): ticket versions older than it are history — they teach
   * baselines but trigger no writes. Unset = the moment the source was first synced (recorded).
   */
  actFrom: z.iso.datetime().optional(),
  rateLimit: RateLimit.prefault({}),
  retry: RetryPolicy.prefault({}),
  /** Plan and log every write, send none. Overrides the top-level switch when set. */
  dryRun: z.boolean().optional(),
  enabled: z.boolean().default(true),
});
export type ServiceNowSource = z.infer<typeof ServiceNowSource>;

/** Jira Cloud: email + API token (Basic). Data Center: username + password (Basic). */
export const JiraBasicAuth = z.strictObject({
  type: z.literal('basic'),
  /** Cloud: the Atlassian account e-mail. Data Center: the username. */
  username: z.string().min(1),
  /** Cloud: an API token (id.atlassian.com → Security → API tokens). Data Center: the password. */
  password: z.string().min(1),
});

/** Data Center personal access token, or a Cloud OAuth 2.0 (3LO) access token. */
export const JiraBearerAuth = z.strictObject({
  type: z.literal('bearer'),
  token: z.string().min(1),
});

export const JiraSource = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  platform: z.literal('jira'),
  /** `cloud` (REST v3, /search/jql with nextPageToken, ADF) or `datacenter` (REST v2, startAt, wiki markup). */
  flavour: z.enum(['cloud', 'datacenter']),
  baseUrl: z.url(),
  /** Which issues to sync, ANDed to the incremental filter, e.g. `project = ITSM AND issuetype = Incident`. */
  jql: z.string().min(1),
  auth: z.discriminatedUnion('type', [JiraBasicAuth, JiraBearerAuth]),
  /** Cloud: accountId; Data Center: username. Defaults to the authenticated user (GET /myself). */
  integrationUser: z.string().min(1).optional(),
  /**
   * The field that holds the team an issue is assigned to, which routing rules call `group`
   * (e.g. `customfield_10001`, the Team field); unset = `group` maps to the first component.
   */
  groupField: z.string().regex(/^(components|customfield_\d+)$/).optional(),
  /**
   * Team name → team id for a Team group field. Jira has no API that finds a team by name, so
   * name the teams your rules assign to here (the id is the last part of the team's profile URL).
   */
  teams: z.record(z.string().min(1), z.string().min(1)).optional(),
  /** Jira Service Management: write comments through the Service Desk API (`public` true/false). */
  serviceDesk: z.boolean().default(true),
  /** Where `create-problem` actions open Problem issues. */
  problems: z
    .strictObject({
      projectKey: z.string().min(1),
      issueType: z.string().min(1).default('Problem'),
      /** Transition that moves a done problem back to work, for pattern rules that reopen instead of opening anew. */
      reopenTransition: z.string().min(1).default('Reopen'),
    })
    .optional(),
  /** Link type used to link an incident to its problem (JSM ships "Problem/Incident"). */
  problemLinkType: z.string().min(1).default('Problem/Incident'),
  /** Link type used to mark an issue as a duplicate of another (Jira ships "Duplicate": "duplicates" / "is duplicated by"). */
  duplicateLinkType: z.string().min(1).default('Duplicate'),
  schedule: Schedule.default('*/1 * * * *'),
  /** JQL dates have minute resolution, so the overlap must be at least a minute. */
  overlapSeconds: z.number().int().min(60).default(180),
  pageSize: z.number().int().min(1).max(100).default(100),
  startFrom: z.iso.datetime().optional(),
  /** Start point for acting (ISO UTC), as for ServiceNow. */
  actFrom: z.iso.datetime().optional(),
  rateLimit: RateLimit.prefault({}),
  retry: RetryPolicy.prefault({}),
  dryRun: z.boolean().optional(),
  enabled: z.boolean().default(true),
});
export type JiraSource = z.infer<typeof JiraSource>;

export const Source = z.discriminatedUnion('platform', [ServiceNowSource, JiraSource]);
export type Source = z.infer<typeof Source>;

/**
 * The mapping files a source uses: `<name>.inbound.jsonata` / `<name>.outbound.jsonata`. Jira's two
 * flavours differ in wire shape (ADF vs wiki, accountId vs name), so each has its own pair.
 */
export function mappingName(source: Pick<Source, 'platform'> & { flavour?: string }): string {
  return source.platform === 'jira' ? `jira-${source.flavour ?? 'cloud'}` : source.platform;
}

/** Every mapping name a valid config can ask for. */
export const MAPPING_NAMES: readonly string[] = ['servicenow', 'jira-cloud', 'jira-datacenter'];

export const LogConfig = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  format: z.enum(['json', 'pretty']).default('json'),
  file: z.string().optional(),
});

export const DaemonConfig = z.strictObject({
  /** SQLite file holding watermarks, the ledger, ticket state and the outbox. */
  state: z
    .strictObject({
      path: z.string().min(1).default('./deskbridge.db'),
      /** One writer per state: the daemon's lock is renewed every `heartbeatSeconds`; without a heartbeat for `ttlSeconds` another daemon may take it over. */
      lease: z
        .strictObject({ ttlSeconds: z.number().positive().default(30), heartbeatSeconds: z.number().positive().default(5) })
        .refine((l) => l.heartbeatSeconds * 2 <= l.ttlSeconds, { message: 'heartbeatSeconds must be at most half of ttlSeconds, or a busy daemon loses its lock' })
        .prefault({}),
    })
    .prefault({}),
  rules: z.string().min(1).default('./rules'),
  mappings: z.string().min(1).default('./mappings'),
  dryRun: z.boolean().default(false),
  log: LogConfig.prefault({}),
  /** Prometheus `/metrics` and `/healthz` on this port (127.0.0.1 unless `host` says otherwise); off when unset. */
  metrics: z.strictObject({ port: z.number().int().min(0).max(65535), host: z.string().min(1).default('127.0.0.1') }).optional(),
  outbox: z
    .strictObject({
      concurrency: z.number().int().positive().default(4),
      maxAttempts: z.number().int().positive().default(8),
    })
    .prefault({}),
  /**
   * The append-only, hash-chained audit logs: `qa-YYYY-MM-DD.jsonl` (every QA verdict) and
   * `actions-YYYY-MM-DD.jsonl` (every write made or tried). Dry-run sources log under `dry-run/`.
   */
  audit: z
    .strictObject({
      dir: z.string().min(1).default('./audit'),
      /** A day's file is continued in `…-YYYY-MM-DD.1.jsonl` past this size. */
      maxBytes: z.number().int().min(1024).default(50 * 1024 * 1024),
    })
    .prefault({}),
  /** Bounds of every rule and mapping evaluation: a rule that breaks one fails for that ticket (see src/mapping/limits.ts). */
  limits: z.strictObject({ evaluationMs: z.number().int().min(10).max(60_000).default(1000), depth: z.number().int().min(50).max(10_000).default(500), sequence: z.number().int().min(1000).max(10_000_000).default(1_000_000) }).prefault({}),
  sources: z.array(Source).min(1),
});
export type DaemonConfig = z.infer<typeof DaemonConfig>;
