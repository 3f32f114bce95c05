import { z } from 'zod';
import { FIRST_LIVE_PASS_DESCRIPTION, SECRET_DESCRIPTION, SKIP_DESCRIPTION, BUDGET_DESCRIPTION, SOURCE_ID_DESCRIPTION, sourceFields } from '../source-base.js';

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

const common = sourceFields();

/** A `platform: jira` source in deskbridge.yaml. */
export const JiraSource = z.strictObject({
  id: common.id,
  platform: z.literal('jira'),
  /** `cloud` (REST v3, /search/jql with nextPageToken, ADF) or `datacenter` (REST v2, startAt, wiki markup). */
  flavour: z.enum(['cloud', 'datacenter']),
  baseUrl: common.baseUrl,
  /** Which issues to sync, ANDed to the incremental filter, e.g. `project = ITSM AND issuetype = Incident`. */
  jql: z.string().min(1),
  auth: z.discriminatedUnion('type', [JiraBasicAuth, JiraBearerAuth]),
  /** Cloud: accountId; Data Center: username. Defaults to the authenticated user (GET /myself). */
  integrationUser: z.string().min(1).optional(),
  /**
   * The field that holds the team an issue is assigned to, which routing rules call `group`
   * (e.g. `customfield_10001`, the Team field); unset = `group` maps to the first component.
   */
  groupField: z
    .string()
    .regex(/^(components|customfield_\d+)$/)
    .optional(),
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
  schedule: common.schedule,
  /** JQL dates have minute resolution, so the overlap must be at least a minute. */
  overlapSeconds: z.number().int().min(60).default(180),
  /**
   * Issues per search page. The default asks for the largest page the flavours' searches document:
   * Data Center's `jira.search.views.default.max` (default 1000; a lower server setting caps it and
   * paging follows `maxResults` of the answer), while Cloud's `/search/jql` answers fewer "where a
   * large number of fields … are requested" (100 with the fields a pull asks for) and pages on.
   */
  pageSize: z.number().int().min(1).max(1000).default(1000),
  startFrom: common.startFrom,
  /** Start point for acting (ISO UTC), as for ServiceNow. */
  actFrom: common.actFrom,
  rateLimit: common.rateLimit,
  budget: common.budget,
  retry: common.retry,
  dryRun: common.dryRun,
  enabled: common.enabled,
  skip: common.skip,
  firstLivePass: common.firstLivePass,
});
export type JiraSource = z.infer<typeof JiraSource>;

/** Texts of the editor JSON Schema (schemas/deskbridge.schema.json), keyed by the schema they describe. */
export const JIRA_SOURCE_DESCRIPTIONS: readonly (readonly [z.core.$ZodType, string])[] = [
  [JiraSource, 'A Jira Service Management site: Cloud (REST v3) or Data Center (REST v2).'],
  [JiraSource.shape.id, SOURCE_ID_DESCRIPTION],
  [JiraSource.shape.flavour, '`cloud` (REST v3, /search/jql with nextPageToken, ADF) or `datacenter` (REST v2, startAt, wiki markup).'],
  [JiraSource.shape.baseUrl, 'Site URL, e.g. `https://example.atlassian.net`.'],
  [JiraSource.shape.jql, 'Which issues to sync, ANDed to the incremental filter, e.g. `project = ITSM AND issuetype = Incident`.'],
  [JiraSource.shape.auth, 'Cloud: `basic` with e-mail + API token. Data Center: `basic` with username + password, or `bearer` with a personal access token.'],
  [JiraBasicAuth, 'Jira Cloud: email + API token (Basic). Data Center: username + password (Basic).'],
  [JiraBasicAuth.shape.username, 'Cloud: the Atlassian account e-mail. Data Center: the username.'],
  [
    JiraBasicAuth.shape.password,
    'Cloud: an API token (id.atlassian.com → Security → API tokens). Data Center: the password. Write `${ENV_VAR}` to keep it out of the file (the value is redacted from logs).',
  ],
  [JiraBearerAuth, 'Data Center personal access token, or a Cloud OAuth 2.0 (3LO) access token.'],
  [JiraBearerAuth.shape.token, `The token; ${SECRET_DESCRIPTION}.`],
  [JiraSource.shape.integrationUser, 'Cloud: accountId; Data Center: username. Defaults to the authenticated user (GET /myself).'],
  [
    JiraSource.shape.groupField,
    'The field that holds the team an issue is assigned to, which routing rules call `group` (e.g. `customfield_10001`, the Team field); unset = `group` maps to the first component.',
  ],
  [
    JiraSource.shape.teams,
    "Team name → team id for a Team group field. Jira has no API that finds a team by name, so name the teams your rules assign to here (the id is the last part of the team's profile URL).",
  ],
  [JiraSource.shape.serviceDesk, 'Jira Service Management: write comments through the Service Desk API (`public` true/false).'],
  [JiraSource.shape.problems, 'Where `create-problem` actions open Problem issues.'],
  [JiraSource.shape.problemLinkType, 'Link type used to link an incident to its problem (JSM ships "Problem/Incident").'],
  [JiraSource.shape.overlapSeconds, 'Each pass re-reads issues updated this many seconds before the watermark. JQL dates have minute resolution, so the overlap must be at least a minute.'],
  [
    JiraSource.shape.pageSize,
    'Issues per search page asked for. Jira answers at most its own limit (Cloud about 100 with the fields a pull reads; Data Center jira.search.views.default.max, default 1000) and paging follows.',
  ],
  [JiraSource.shape.startFrom, 'What to read: the first pull starts here (ISO UTC); unset = all issues. Older issues are never seen.'],
  [
    JiraSource.shape.actFrom,
    'What to act on: issue versions updated before this instant (ISO UTC) are history — they teach baselines but trigger no writes. Unset = the moment the source was first synced (recorded in the state); `deskbridge run --from` sets it too.',
  ],
  [JiraSource.shape.rateLimit, 'Pacing of requests to this source.'],
  [JiraSource.shape.retry, 'Retries of failed requests (429, 5xx, timeouts) with exponential backoff that honours Retry-After.'],
  [JiraSource.shape.dryRun, 'Plan and log every write, send none. Overrides the top-level switch when set.'],
  [JiraSource.shape.skip, SKIP_DESCRIPTION],
  [JiraSource.shape.budget, BUDGET_DESCRIPTION],
  [JiraSource.shape.firstLivePass, FIRST_LIVE_PASS_DESCRIPTION],
  [JiraSource.shape.enabled, 'Set to false to stop syncing this source without removing it.'],
];
