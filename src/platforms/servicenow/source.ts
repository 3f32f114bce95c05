import { z } from 'zod';
import { FIRST_LIVE_PASS_DESCRIPTION, SECRET_DESCRIPTION, SKIP_DESCRIPTION, BUDGET_DESCRIPTION, SOURCE_ID_DESCRIPTION, sourceFields } from '../source-base.js';

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

const common = sourceFields();

/** A `platform: servicenow` source in deskbridge.yaml. */
export const ServiceNowSource = z.strictObject({
  id: common.id,
  platform: z.literal('servicenow'),
  baseUrl: common.baseUrl,
  table: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .default('incident'),
  /** Extra encoded query ANDed to the incremental filter, e.g. `active=true^assignment_groupISEMPTY`. */
  query: z.string().optional(),
  auth: Auth,
  /** Login the connector writes as (defaults to the basic/OAuth username); its updates are ignored. */
  integrationUser: z.string().min(1).optional(),
  /** Reference field that points a duplicate at its original (`parent_incident` on incident). */
  duplicateField: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .default('parent_incident'),
  schedule: common.schedule,
  overlapSeconds: z.number().int().min(0).default(120),
  /**
   * Records per page: the Table API's own default `sysparm_limit` (10,000) — fewest requests per
   * changed record; large values only "can impact system performance", and the keyset paging stays
   * correct at any size. https://www.servicenow.com/docs/r/yokohama/api-reference/rest-apis/c_TableAPI.html
   */
  pageSize: z.number().int().min(1).max(10_000).default(10_000),
  startFrom: common.startFrom,
  actFrom: common.actFrom,
  rateLimit: common.rateLimit,
  budget: common.budget,
  retry: common.retry,
  dryRun: common.dryRun,
  enabled: common.enabled,
  skip: common.skip,
  firstLivePass: common.firstLivePass,
});
export type ServiceNowSource = z.infer<typeof ServiceNowSource>;

/** Texts of the editor JSON Schema (schemas/deskbridge.schema.json), keyed by the schema they describe. */
export const SERVICENOW_SOURCE_DESCRIPTIONS: readonly (readonly [z.core.$ZodType, string])[] = [
  [ServiceNowSource, 'A ServiceNow instance, read and written through the Table API.'],
  [ServiceNowSource.shape.id, SOURCE_ID_DESCRIPTION],
  [ServiceNowSource.shape.baseUrl, 'Instance URL, e.g. `https://example.service-now.com`.'],
  [ServiceNowSource.shape.table, 'Table to sync.'],
  [ServiceNowSource.shape.query, 'Extra encoded query ANDed to the incremental filter, e.g. `active=true^assignment_groupISEMPTY`.'],
  [ServiceNowSource.shape.auth, '`basic` (username + password) or `oauth` (client credentials, or password grant when `username` is set).'],
  [BasicAuth.shape.username, 'Login of the integration user.'],
  [BasicAuth.shape.password, `Password; ${SECRET_DESCRIPTION}.`],
  [OAuthAuth.shape.tokenUrl, 'Token endpoint. Defaults to `<baseUrl>/oauth_token.do` for ServiceNow.'],
  [OAuthAuth.shape.clientSecret, `OAuth client secret; ${SECRET_DESCRIPTION}.`],
  [OAuthAuth.shape.username, 'Password grant when set; otherwise client_credentials.'],
  [OAuthAuth.shape.password, `Password for the password grant; ${SECRET_DESCRIPTION}.`],
  [OAuthAuth.shape.refreshSkewSeconds, 'Refresh the token this many seconds before it expires.'],
  [ServiceNowSource.shape.integrationUser, 'Login the connector writes as (defaults to the basic/OAuth username); its updates are ignored.'],
  [ServiceNowSource.shape.overlapSeconds, 'Each pass re-reads records updated this many seconds before the watermark, so nothing is lost at polling boundaries.'],
  [
    ServiceNowSource.shape.pageSize,
    "Records per page (`sysparm_limit`); default and maximum 10,000, the Table API's own default page. Lower it if pages time out (the instance cancels a Table API request after 60 s).",
  ],
  [ServiceNowSource.shape.startFrom, 'What to read: the first pull starts here (ISO UTC); unset = all records. Older records are never seen.'],
  [
    ServiceNowSource.shape.actFrom,
    'What to act on: ticket versions updated before this instant (ISO UTC) are history — they teach baselines (duplicates index, pattern rates, loads) but trigger no writes. Unset = the moment the source was first synced (recorded in the state); `deskbridge run --from` sets it too.',
  ],
  [ServiceNowSource.shape.rateLimit, 'Pacing of requests to this source.'],
  [ServiceNowSource.shape.retry, 'Retries of failed requests (429, 5xx, timeouts) with exponential backoff that honours Retry-After.'],
  [ServiceNowSource.shape.dryRun, 'Plan and log every write, send none. Overrides the top-level switch when set.'],
  [ServiceNowSource.shape.skip, SKIP_DESCRIPTION],
  [ServiceNowSource.shape.budget, BUDGET_DESCRIPTION],
  [ServiceNowSource.shape.firstLivePass, FIRST_LIVE_PASS_DESCRIPTION],
  [ServiceNowSource.shape.enabled, 'Set to false to stop syncing this source without removing it.'],
];
