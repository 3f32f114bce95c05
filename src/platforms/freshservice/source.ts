import { z } from 'zod';
import { RateLimit } from '../../http/settings.js';
import { FIRST_LIVE_PASS_DESCRIPTION, SECRET_DESCRIPTION, SKIP_DESCRIPTION, BUDGET_DESCRIPTION, SOURCE_ID_DESCRIPTION, sourceFields } from '../source-base.js';

/** The API key is sent as the Basic user name (any password; Freshservice ignores it). */
export const ApiKeyAuth = z.strictObject({
  type: z.literal('apiKey'),
  apiKey: z.string().min(1),
});

/**
 * What a problem deskbridge opens (create-problem) carries besides its subject and description:
 * Freshservice refuses a problem without requester, priority, impact, status and due date.
 */
export const ProblemSettings = z.strictObject({
  /** Agent id recorded as the problem's initiator; unset = the agent the API key belongs to. */
  requesterId: z.number().int().positive().optional(),
  /** 1 Low, 2 Medium, 3 High, 4 Urgent. */
  priority: z.number().int().min(1).max(4).default(2),
  /** 1 Low, 2 Medium, 3 High. */
  impact: z.number().int().min(1).max(3).default(2),
  /** `due_by` = creation time plus this many days. */
  dueInDays: z.number().int().min(1).default(7),
  /** Agent group the problem is assigned to (id). */
  groupId: z.number().int().positive().optional(),
  /** Workspace the problem is created in; unset = the account's primary workspace. */
  workspaceId: z.number().int().positive().optional(),
});

const common = sourceFields();

/** A `platform: freshservice` source in deskbridge.yaml. */
export const FreshserviceSource = z.strictObject({
  id: common.id,
  platform: z.literal('freshservice'),
  baseUrl: common.baseUrl.regex(/^https?:\/\/[^/]+\/?$/, 'the account address only, e.g. https://acme.freshservice.com'),
  auth: ApiKeyAuth,
  /**
   * Workspace ids to read. Unset: what Freshservice lists without `workspace_id` — the primary
   * workspace only (https://api.freshservice.com/#view_all_ticket).
   */
  workspaces: z.array(z.number().int().min(0)).min(1).optional(),
  /** Custom field (its `cf_…` name) that points a duplicate at its original's ticket id; unset = link-duplicate unsupported. */
  duplicateField: z
    .string()
    .regex(/^cf_[a-z0-9_]+$/)
    .optional(),
  problems: ProblemSettings.prefault({}),
  schedule: common.schedule,
  overlapSeconds: z.number().int().min(0).default(120),
  /** `per_page` of the ticket list; Freshservice allows at most 100. */
  pageSize: z.number().int().min(1).max(100).default(100),
  startFrom: common.startFrom,
  actFrom: common.actFrom,
  // The Starter plan's account-wide limit; raise it to your plan's (Growth 200, Pro 400, Enterprise 500).
  rateLimit: RateLimit.prefault({ requestsPerMinute: 100, concurrency: 2 }),
  budget: common.budget,
  retry: common.retry,
  dryRun: common.dryRun,
  enabled: common.enabled,
  skip: common.skip,
  firstLivePass: common.firstLivePass,
});
export type FreshserviceSource = z.infer<typeof FreshserviceSource>;

/** Texts of the editor JSON Schema (schemas/deskbridge.schema.json), keyed by the schema they describe. */
export const FRESHSERVICE_SOURCE_DESCRIPTIONS: readonly (readonly [z.core.$ZodType, string])[] = [
  [FreshserviceSource, 'A Freshservice account, read and written through API v2.'],
  [FreshserviceSource.shape.id, SOURCE_ID_DESCRIPTION],
  [FreshserviceSource.shape.baseUrl, 'Account address, e.g. `https://acme.freshservice.com` (the freshservice.com address, not a custom portal domain).'],
  [FreshserviceSource.shape.auth, '`apiKey`: the API key of the agent deskbridge acts as (Profile settings → API key), sent as the Basic user name.'],
  [ApiKeyAuth.shape.apiKey, `API key; ${SECRET_DESCRIPTION}.`],
  [
    FreshserviceSource.shape.workspaces,
    'Workspace ids to read (accounts with Workspaces). Unset = the primary workspace only, as Freshservice lists tickets without `workspace_id`. Each is listed on its own, so workspace-level fields stay in the records.',
  ],
  [FreshserviceSource.shape.duplicateField, 'Custom ticket field (`cf_…`) that link-duplicate sets to the original ticket id. Unset: duplicates are only suggested in notes.'],
  [FreshserviceSource.shape.problems, 'What problems deskbridge opens for recurring incidents carry besides subject and description (Freshservice requires them).'],
  [ProblemSettings.shape.requesterId, "Agent id recorded as the problem's initiator; unset = the agent the API key belongs to."],
  [ProblemSettings.shape.priority, 'Problem priority: 1 Low, 2 Medium, 3 High, 4 Urgent.'],
  [ProblemSettings.shape.impact, 'Problem impact: 1 Low, 2 Medium, 3 High.'],
  [ProblemSettings.shape.dueInDays, '`due_by` of a new problem: this many days after it is opened.'],
  [ProblemSettings.shape.groupId, 'Agent group (id) a new problem is assigned to.'],
  [ProblemSettings.shape.workspaceId, 'Workspace (id) problems are created in; unset = the primary workspace.'],
  [FreshserviceSource.shape.overlapSeconds, 'Each pass re-reads tickets updated this many seconds before the watermark, so nothing is lost at polling boundaries.'],
  [FreshserviceSource.shape.pageSize, 'Tickets per list page (`per_page`, at most 100).'],
  [FreshserviceSource.shape.startFrom, 'What to read: the first pull starts here (ISO UTC); unset = all tickets (sent as `updated_since`, without which Freshservice lists only the last 30 days).'],
  [
    FreshserviceSource.shape.actFrom,
    'What to act on: ticket versions updated before this instant (ISO UTC) are history — they teach baselines but trigger no writes. Unset = the moment the source was first synced; `deskbridge run --from` sets it too.',
  ],
  [FreshserviceSource.shape.rateLimit, "Pacing of requests to this account. Default 100 a minute (the Starter plan's whole limit, which every API client of the account shares); set your plan's."],
  [FreshserviceSource.shape.retry, 'Retries of failed requests (429, 5xx, timeouts) with exponential backoff that honours Retry-After.'],
  [FreshserviceSource.shape.dryRun, 'Plan and log every write, send none. Overrides the top-level switch when set.'],
  [FreshserviceSource.shape.skip, SKIP_DESCRIPTION],
  [FreshserviceSource.shape.budget, BUDGET_DESCRIPTION],
  [FreshserviceSource.shape.firstLivePass, FIRST_LIVE_PASS_DESCRIPTION],
  [FreshserviceSource.shape.enabled, 'Set to false to stop syncing this source without removing it.'],
];
