import { z } from 'zod';

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

export const RateLimit = z.strictObject({
  requestsPerMinute: z.number().int().positive().default(600),
  concurrency: z.number().int().positive().default(4),
});
export type RateLimit = z.infer<typeof RateLimit>;

export const RetryPolicy = z.strictObject({
  maxRetries: z.number().int().min(0).default(5),
  baseDelayMs: z.number().int().min(0).default(500),
  maxDelayMs: z.number().int().min(0).default(30_000),
  /** A Retry-After longer than this fails the request instead of stalling the source. */
  maxRetryAfterSeconds: z.number().int().min(0).default(300),
  timeoutMs: z.number().int().positive().default(30_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

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
  schedule: Schedule.default('*/1 * * * *'),
  overlapSeconds: z.number().int().min(0).default(120),
  pageSize: z.number().int().min(1).max(10_000).default(200),
  /** Starting point on an empty state store (ISO UTC); unset = all records. */
  startFrom: z.iso.datetime().optional(),
  rateLimit: RateLimit.prefault({}),
  retry: RetryPolicy.prefault({}),
  /** Plan and log every write, send none. Overrides the top-level switch when set. */
  dryRun: z.boolean().optional(),
  enabled: z.boolean().default(true),
});
export type ServiceNowSource = z.infer<typeof ServiceNowSource>;

export const Source = z.discriminatedUnion('platform', [ServiceNowSource]);
export type Source = z.infer<typeof Source>;

export const LogConfig = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  format: z.enum(['json', 'pretty']).default('json'),
  file: z.string().optional(),
});

export const DaemonConfig = z.strictObject({
  /** SQLite file holding watermarks, the ledger, ticket state and the outbox. */
  state: z.strictObject({ path: z.string().min(1).default('./deskbridge.db') }).prefault({}),
  rules: z.string().min(1).default('./rules'),
  mappings: z.string().min(1).default('./mappings'),
  dryRun: z.boolean().default(false),
  log: LogConfig.prefault({}),
  outbox: z
    .strictObject({
      concurrency: z.number().int().positive().default(4),
      maxAttempts: z.number().int().positive().default(8),
    })
    .prefault({}),
  sources: z.array(Source).min(1),
});
export type DaemonConfig = z.infer<typeof DaemonConfig>;
