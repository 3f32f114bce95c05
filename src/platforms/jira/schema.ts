import { z } from 'zod';
import { jiraTimeToMs } from './time.js';

/**
 * Wire shapes of the Jira platform REST API (v3 on Cloud, v2 on Data Center) and the Service
 * Desk API, only as far as the connector reads them. Issues stay `unknown` apart from their
 * envelope (id, key, updated, changelog): the mappings read the rest.
 */

/** Issue ids are numeric strings on both flavours. */
export const IssueId = z.string().regex(/^\d+$/, 'issue id is not numeric');

const JiraTime = z.string().transform((value, ctx) => {
  const ms = jiraTimeToMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a Jira date-time (yyyy-MM-ddTHH:mm:ss.SSS+hhmm)` });
    return z.NEVER;
  }
  return { text: value, ms };
});

/** A user as Jira shows it: Cloud identifies people by `accountId`, Data Center by `name`. */
export const JiraUser = z.looseObject({
  accountId: z.string().optional().catch(undefined),
  accountType: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
  key: z.string().optional().catch(undefined),
  displayName: z.string().optional().catch(undefined),
  active: z.boolean().optional().catch(undefined),
  timeZone: z.string().nullish().catch(undefined),
});
export type JiraUser = z.infer<typeof JiraUser>;

/** `GET /rest/api/{2|3}/myself`. */
export const Myself = JiraUser;
export type Myself = JiraUser;

/** `GET /rest/api/{2|3}/user/search`: a bare array. Odd elements are dropped, not fatal. */
export const UserSearchResponse = z.array(z.unknown()).transform((users) =>
  users.flatMap((user) => {
    const parsed = JiraUser.safeParse(user);
    return parsed.success ? [parsed.data] : [];
  }),
);

/** One changelog history: who changed what, when. `author` is absent for anonymous/system changes. */
export const History = z.looseObject({
  id: z.string().optional().catch(undefined),
  created: JiraTime,
  author: JiraUser.optional().catch(undefined),
});
export type History = z.infer<typeof History>;

/**
 * One comment in an issue's `comment` field: who wrote it when, and who last edited it when.
 * Comments leave no changelog entry but move `updated`, so they are how a comment's author is told.
 */
export const CommentEvent = z.looseObject({
  created: JiraTime,
  updated: JiraTime.optional().catch(undefined),
  author: JiraUser.optional().catch(undefined),
  updateAuthor: JiraUser.optional().catch(undefined),
});

/** The `comment` field (`{comments, total, maxResults, startAt}`); comments are checked one by one. */
export const CommentField = z.looseObject({
  comments: z.array(z.unknown()),
  total: z.number().optional().catch(undefined),
});

/** `changelog` of an issue with `expand=changelog`; histories are checked one by one. */
export const Changelog = z.looseObject({
  total: z.number().optional().catch(undefined),
  histories: z.array(z.unknown()).catch([]),
});

/** What every pulled issue must have to be tracked; anything else makes it unreadable. */
export const IssueEnvelope = z.looseObject({
  id: IssueId,
  key: z.string().min(1),
  fields: z.looseObject({ updated: JiraTime }),
  changelog: Changelog.optional().catch(undefined),
});
export type IssueEnvelope = z.infer<typeof IssueEnvelope>;

/** Cloud `POST /rest/api/3/search/jql`: no total, a continuation token instead of offsets. */
export const SearchJqlResponse = z.looseObject({
  issues: z.array(z.unknown()),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().optional(),
});
export type SearchJqlResponse = z.infer<typeof SearchJqlResponse>;

/** Data Center `POST /rest/api/2/search`: offset paging. */
export const SearchResponse = z.looseObject({
  issues: z.array(z.unknown()),
  startAt: z.number().optional(),
  maxResults: z.number().optional(),
  total: z.number().optional(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

/** `GET /issue/{id}?fields=updated,status&expand=changelog`, the read-before-overwrite check. */
export const VersionCheck = z.looseObject({
  id: IssueId,
  fields: z.looseObject({
    updated: z.string(),
    status: z.looseObject({ name: z.string() }).optional().catch(undefined),
    comment: z.unknown().optional(),
  }),
  changelog: Changelog.optional().catch(undefined),
});
export type VersionCheck = z.infer<typeof VersionCheck>;

/** `GET /issue/{id}/comment`: bodies are ADF on v3, wiki-markup strings on v2. */
export const CommentPage = z.looseObject({
  comments: z.array(z.looseObject({ id: z.string(), body: z.unknown() })),
  total: z.number().optional(),
});
export type CommentPage = z.infer<typeof CommentPage>;

/** `POST /issue/{id}/comment` answer. */
export const CreatedComment = z.looseObject({ id: z.string(), created: z.string().optional().catch(undefined) });
export type CreatedComment = z.infer<typeof CreatedComment>;

/** `POST /rest/servicedeskapi/request/{id}/comment` answer; `created` is a DateDTO. */
export const ServiceDeskComment = z.looseObject({
  id: z.string(),
  public: z.boolean().optional(),
  created: z.looseObject({ epochMillis: z.number().optional(), iso8601: z.string().optional() }).optional().catch(undefined),
});
export type ServiceDeskComment = z.infer<typeof ServiceDeskComment>;

/** `POST /issue` answer. */
export const CreatedIssue = z.looseObject({ id: IssueId, key: z.string() });
export type CreatedIssue = z.infer<typeof CreatedIssue>;

/** An escalated copy as its label search returns it: id and key, nothing else is read. */
export const FoundIssue = z.looseObject({ id: IssueId, key: z.string().min(1) });
export type FoundIssue = z.infer<typeof FoundIssue>;

/** `POST /issue/{id}/remotelink` answer (201 created, 200 updated): the link's numeric id. */
export const RemoteLinkWritten = z.looseObject({ id: z.union([z.number(), z.string()]), self: z.string().optional() });
export type RemoteLinkWritten = z.infer<typeof RemoteLinkWritten>;

/** A search that only asked for ids (problem lookups). */
export const IssueIdList = z.looseObject({ issues: z.array(z.looseObject({ id: IssueId })) });
export type IssueIdList = z.infer<typeof IssueIdList>;

const LinkedIssue = z.looseObject({ id: z.string(), key: z.string().optional() });

/** `GET /issue/{id}?fields=issuelinks`. */
export const IssueLinks = z.looseObject({
  id: IssueId,
  fields: z.looseObject({
    issuelinks: z
      .array(
        z.looseObject({
          type: z.looseObject({ name: z.string() }),
          inwardIssue: LinkedIssue.optional(),
          outwardIssue: LinkedIssue.optional(),
        }),
      )
      .catch([]),
  }),
});
export type IssueLinks = z.infer<typeof IssueLinks>;

/** A status with its category: `done` is every status in which nobody works on the issue any more. */
const StatusWithCategory = z.looseObject({
  name: z.string(),
  statusCategory: z.looseObject({ key: z.string() }).optional().catch(undefined),
});

/** `GET /issue/{id}?fields=status`: the problem's status before `update-problem` decides to reopen it. */
export const IssueStatus = z.looseObject({
  id: IssueId,
  key: z.string().optional(),
  fields: z.looseObject({ status: StatusWithCategory.optional().catch(undefined) }),
});
export type IssueStatus = z.infer<typeof IssueStatus>;

/** One issue of a `problemStates` search (`fields: labels, status`); checked one by one. */
export const ProblemIssue = z.looseObject({
  id: IssueId,
  key: z.string(),
  fields: z.looseObject({
    labels: z.array(z.string()).catch([]),
    status: StatusWithCategory.optional().catch(undefined),
  }),
});
export type ProblemIssue = z.infer<typeof ProblemIssue>;

/** `GET /issue/{id}/transitions`: what the workflow allows from the current status. */
export const TransitionList = z.looseObject({
  transitions: z.array(z.looseObject({ id: z.string(), name: z.string(), to: z.looseObject({ name: z.string() }).optional() })),
});
export type TransitionList = z.infer<typeof TransitionList>;

/** `GET /rest/api/{2|3}/field`: every field with its type, used to shape a group value. */
export const FieldList = z.array(
  z.looseObject({
    id: z.string(),
    name: z.string().optional(),
    schema: z.looseObject({ type: z.string().optional(), custom: z.string().optional(), items: z.string().optional() }).optional(),
  }),
);
export type FieldList = z.infer<typeof FieldList>;

/** Platform error body: `{"errorMessages": [...], "errors": {"field": "message"}}`. */
export const ErrorBody = z.looseObject({
  errorMessages: z.array(z.string()).optional(),
  errors: z.record(z.string(), z.unknown()).optional(),
});

/** Service Desk API error body: `{"errorMessage": "...", "i18nErrorMessage": {...}}`. */
export const ServiceDeskError = z.looseObject({ errorMessage: z.string() });

/** The platform's error text from either error shape, for messages; never includes request data. */
export function vendorMessage(body: unknown): string | undefined {
  const platform = ErrorBody.safeParse(body);
  if (platform.success) {
    const parts = [...(platform.data.errorMessages ?? []), ...Object.entries(platform.data.errors ?? {}).map(([field, message]) => `${field}: ${String(message)}`)].filter((part) => part !== '');
    if (parts.length > 0) {
      return parts.join('; ');
    }
  }
  const serviceDesk = ServiceDeskError.safeParse(body);
  return serviceDesk.success && serviceDesk.data.errorMessage !== '' ? serviceDesk.data.errorMessage : undefined;
}

const FieldId = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'not a Jira field id');

/**
 * What the outbound mapping (`jira-<flavour>.outbound.jsonata`) produces for one action; see the
 * contract at the top of those files. Strict, so a misspelt key is an error rather than ignored.
 */
export const JiraWrite = z.strictObject({
  /** assign: the group's name, written to `groupField` (or the components) in the shape that field takes; "" or null clears it. */
  group: z.string().nullable().optional(),
  /** assign: a display name, resolved to an accountId (Cloud) / username (DC); null unassigns. */
  assignee: z.string().min(1).nullable().optional(),
  /** Native fields by id, sent as they are (custom fields included); descriptions as plain text. */
  fields: z.record(FieldId, z.unknown()).optional(),
  /** comment: plain text that must contain the marker. */
  comment: z.string().min(1).optional(),
  /** comment: true = visible to the customer. */
  public: z.boolean().optional(),
  /** set-field `status`: a transition name or a target status name. */
  transition: z.string().min(1).optional(),
});
export type JiraWrite = z.infer<typeof JiraWrite>;
