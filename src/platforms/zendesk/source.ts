import { z } from 'zod';
import { RateLimit } from '../../http/settings.js';
import { FIRST_LIVE_PASS_DESCRIPTION, SECRET_DESCRIPTION, SKIP_DESCRIPTION, BUDGET_DESCRIPTION, SOURCE_ID_DESCRIPTION, sourceFields } from '../source-base.js';

/**
 * API token: Basic auth with `{email}/token` as the user name and the token as the password
 * (https://developer.zendesk.com/api-reference/introduction/security-and-auth/).
 */
export const ZendeskTokenAuth = z.strictObject({
  type: z.literal('token'),
  /** E-mail of the agent the token acts as (the integration user). */
  email: z.string().min(1),
  token: z.string().min(1),
});

/** An OAuth access token (Admin Center > Apps and integrations > APIs > OAuth clients), sent as Bearer. */
export const ZendeskBearerAuth = z.strictObject({
  type: z.literal('bearer'),
  token: z.string().min(1),
});

/** Zendesk tag characters: no spaces (a space separates tags), lower-case by Zendesk's own normalisation. */
const Tag = z.string().regex(/^[a-z0-9_\-:./]+$/, 'a Zendesk tag: lower-case letters, digits and _ - : . / (no spaces)');

/** Marks a duplicate with a tag on it (default). */
const DuplicateByTag = z.strictObject({ link: z.literal('tag'), tag: Tag.default('deskbridge_duplicate') });
/** Writes the original's ticket id into a custom ticket field (a text or numeric field). */
const DuplicateByField = z.strictObject({ link: z.literal('field'), fieldId: z.number().int().positive() });
/**
 * Merges the duplicate into the original: destructive (the duplicate is closed and its comments
 * move) and asynchronous (a job). Only when the connector's own measure of the two texts reaches
 * `minSimilarity`; below it the duplicate is tagged instead.
 */
const DuplicateByMerge = z.strictObject({ link: z.literal('merge'), minSimilarity: z.number().min(0).max(1), tag: Tag.default('deskbridge_duplicate') });

export const ZendeskDuplicates = z.discriminatedUnion('link', [DuplicateByTag, DuplicateByField, DuplicateByMerge]);
export type ZendeskDuplicates = z.infer<typeof ZendeskDuplicates>;

/** The incremental export answers at most 1000 tickets a page, and 1000 is its default. */
export const ZENDESK_MAX_PAGE_SIZE = 1000;
/** Incremental exports allow 10 requests a minute (30 with the High Volume API add-on). */
export const ZENDESK_EXPORT_REQUESTS_PER_MINUTE = 10;

const common = sourceFields();

/** A `platform: zendesk` source in deskbridge.yaml. */
export const ZendeskSource = z.strictObject({
  id: common.id,
  platform: z.literal('zendesk'),
  /** `https://<subdomain>.zendesk.com`. */
  baseUrl: common.baseUrl,
  auth: z.discriminatedUnion('type', [ZendeskTokenAuth, ZendeskBearerAuth]),
  /** How a `link-duplicate` is written: a tag (default), a custom field, or a merge above a similarity. */
  duplicates: ZendeskDuplicates.default({ link: 'tag', tag: 'deskbridge_duplicate' }),
  /** Tag added to every ticket deskbridge creates (problems, tasks), so people can find them. */
  createdTag: Tag.default('deskbridge'),
  /** Requests a minute to the incremental export (10 by Zendesk's limit; 30 with High Volume API; more only for a sandbox). */
  exportRequestsPerMinute: z.number().int().min(1).max(6000).default(ZENDESK_EXPORT_REQUESTS_PER_MINUTE),
  schedule: common.schedule,
  /** The export compares whole seconds and leaves out the last minute; re-read a little to be safe. */
  overlapSeconds: z.number().int().min(1).default(120),
  pageSize: z.number().int().min(1).max(ZENDESK_MAX_PAGE_SIZE).default(ZENDESK_MAX_PAGE_SIZE),
  startFrom: common.startFrom,
  actFrom: common.actFrom,
  // Zendesk Support's account limit is 200 requests a minute on Team, 400 on Professional, 700 on Enterprise.
  rateLimit: RateLimit.prefault({ requestsPerMinute: 200 }),
  budget: common.budget,
  retry: common.retry,
  dryRun: common.dryRun,
  enabled: common.enabled,
  skip: common.skip,
  firstLivePass: common.firstLivePass,
});
export type ZendeskSource = z.infer<typeof ZendeskSource>;

/** Texts of the editor JSON Schema (schemas/deskbridge.schema.json), keyed by the schema they describe. */
export const ZENDESK_SOURCE_DESCRIPTIONS: readonly (readonly [z.core.$ZodType, string])[] = [
  [ZendeskSource, 'A Zendesk Support account (REST API v2).'],
  [ZendeskSource.shape.id, SOURCE_ID_DESCRIPTION],
  [ZendeskSource.shape.baseUrl, 'Account URL, `https://<subdomain>.zendesk.com`.'],
  [ZendeskSource.shape.auth, '`token`: an agent e-mail + API token (Admin Center > Apps and integrations > APIs > Zendesk API). `bearer`: an OAuth access token.'],
  [ZendeskTokenAuth, 'API token auth: Basic with `{email}/token` as user name and the token as password.'],
  [ZendeskTokenAuth.shape.email, 'E-mail of the agent the token acts as; deskbridge writes as this agent (its writes are recognised as its own).'],
  [ZendeskTokenAuth.shape.token, `The API token; ${SECRET_DESCRIPTION}.`],
  [ZendeskBearerAuth, 'An OAuth access token (scopes `read write`), sent as `Authorization: Bearer`.'],
  [ZendeskBearerAuth.shape.token, `The access token; ${SECRET_DESCRIPTION}.`],
  [
    ZendeskSource.shape.duplicates,
    "How a duplicate is linked to its original. `tag` (default): a tag on the duplicate. `field`: the original's id in a custom ticket field (`fieldId`). `merge`: Zendesk merges the duplicate into the original — destructive (the duplicate is closed, its comments copied) and asynchronous — only when deskbridge measures the two texts at least `minSimilarity` (0–1) alike; below it the duplicate gets `tag`. The suggestion itself is the dedup rule's internal note.",
  ],
  [DuplicateByTag, 'Tag the duplicate.'],
  [DuplicateByField, "Write the original's ticket id into a custom ticket field (`fieldId`: the field's numeric id, Admin Center > Objects and rules > Ticket fields)."],
  [DuplicateByMerge, 'Merge the duplicate into the original above `minSimilarity`, else tag it. Destructive: off unless configured.'],
  [ZendeskSource.shape.createdTag, 'Tag added to every ticket deskbridge creates (problem tickets, follow-up tasks).'],
  [
    ZendeskSource.shape.exportRequestsPerMinute,
    "Requests a minute to the incremental ticket export: 10 by Zendesk's limit (30 with the High Volume API add-on); more only makes sense against a sandbox.",
  ],
  [
    ZendeskSource.shape.overlapSeconds,
    'Each pass re-reads tickets changed this many seconds before the watermark. The export compares whole seconds (`generated_timestamp`), so keep at least a few seconds; re-read versions are skipped by the ledger.',
  ],
  [ZendeskSource.shape.pageSize, 'Tickets per export page (`per_page`, at most 1000, the default).'],
  [ZendeskSource.shape.startFrom, 'What to read: the first pull starts here (ISO UTC); unset = all tickets. Older tickets are never seen.'],
  [
    ZendeskSource.shape.actFrom,
    'What to act on: ticket versions updated before this instant (ISO UTC) are history — they teach baselines but trigger no writes. Unset = the moment the source was first synced (recorded in the state); `deskbridge run --from` sets it too.',
  ],
  [
    ZendeskSource.shape.rateLimit,
    "Pacing of requests to this account; default 200 a minute (Zendesk Team plan). Raise it to your plan's limit (Professional 400, Enterprise 700) minus what other integrations use.",
  ],
  [ZendeskSource.shape.retry, 'Retries of failed requests (429, 5xx, timeouts) with exponential backoff that honours Retry-After.'],
  [ZendeskSource.shape.dryRun, 'Plan and log every write, send none. Overrides the top-level switch when set.'],
  [ZendeskSource.shape.skip, SKIP_DESCRIPTION],
  [ZendeskSource.shape.budget, BUDGET_DESCRIPTION],
  [ZendeskSource.shape.firstLivePass, FIRST_LIVE_PASS_DESCRIPTION],
  [ZendeskSource.shape.enabled, 'Set to false to stop syncing this source without removing it.'],
];
