import { z } from 'zod';
import { Jsonata, RuleBase } from '../../model/rule.js';

/** The default title of the copy: the original's number first, so people on either side recognise it. */
export const DEFAULT_COPY_TITLE = '{{ source.number }}: {{ title }}';
/** The default description: the original's text and where it lives. */
export const DEFAULT_COPY_DESCRIPTION = '{{ description }}\n\nEscalated by the service desk from {{ source.number }}{{ source.url ? " (" & source.url & ")" : "" }}.';
/** The default note on the original; the executor adds the copy's number and link to it. */
export const DEFAULT_ANNOUNCEMENT = 'Escalated to {{ $to }}.';

/** Which comments of one side are copied to the other: none, those carrying `tag`, public ones, internal ones, or all (deskbridge's own never). */
export const CommentShare = z.enum(['none', 'tagged', 'public', 'internal', 'all']);
export type CommentShare = z.infer<typeof CommentShare>;

export const DEFAULT_MIRROR = '{{ $comment.author }} on {{ $from.number }}, {{ $comment.at }}:\n\n{{ $comment.body }}';
export const DEFAULT_COPY_RESOLVED = '{{ $copy.number }} was {{ status }}{{ resolution.notes ? ": " & resolution.notes : "." }}';
export const DEFAULT_ORIGINAL_CLOSED = 'The original ticket {{ $original.number }} was {{ status }}{{ resolution.notes ? ": " & resolution.notes : "." }}';

/** What happens on one side when the other side is done: a note, and fields set (values are `{{ }}` templates over the side that changed). */
const whenDone = (body: string) =>
  z
    .strictObject({
      body: z.string().min(1).default(body),
      /** Native or canonical fields to set on the other side (ServiceNow `state`, `close_code`, `close_notes`; Jira `status` = a transition). */
      set: z.record(z.string().min(1), z.string()).default({}),
    })
    .prefault({});

export const EscalateRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('escalate'),
  /** Id of the configured source the copy is opened on (ServiceNow, Jira, Zendesk or Freshservice). */
  to: z.string().min(1),
  copy: z
    .strictObject({
      /** Jira project key or ServiceNow table; unset = the target source's default (Jira: its first project; ServiceNow: incident). */
      container: z.string().min(1).optional(),
      /** Jira issue type (default Task). */
      issueType: z.string().min(1).optional(),
      /** `{{ }}` template over the original ticket. */
      title: z.string().min(1).default(DEFAULT_COPY_TITLE),
      /** `{{ }}` template over the original ticket; keep a link back in it. */
      description: z.string().min(1).default(DEFAULT_COPY_DESCRIPTION),
      /** JSONata over the original ticket giving 1 (critical) … 5; unset = the original's priority. */
      priority: Jsonata.optional(),
      /** Labels (Jira) the copy gets besides deskbridge's own. */
      labels: z.array(z.string().regex(/^\S+$/, 'a label has no spaces')).default([]),
    })
    .prefault({}),
  /** The work note left on the original; deskbridge adds the copy's number and link. `$to` is the target source id. */
  note: z.strictObject({ body: z.string().min(1).default(DEFAULT_ANNOUNCEMENT) }).prefault({}),
  /** Keeping the two in step once the copy exists. */
  sync: z
    .strictObject({
      comments: z
        .strictObject({
          /** Comments on the original copied to the copy (default: those carrying `tag`, so the desk chooses what developers see). */
          fromOriginal: CommentShare.default('tagged'),
          /** Comments on the copy copied to the original (default: all of them, as internal notes). */
          fromCopy: CommentShare.default('all'),
          tag: z.string().min(1).default('#shared'),
          /** Visibility of the copies of comments posted on the original (default internal: a work note). */
          toOriginal: z.enum(['internal', 'public']).default('internal'),
          /** Visibility of the copies posted on the copy (default public: on a Jira software project every comment is). */
          toCopy: z.enum(['internal', 'public']).default('public'),
          /** `{{ }}` template of a mirrored comment: `$comment` (author, at, body), `$from` (number, url). */
          body: z.string().min(1).default(DEFAULT_MIRROR),
        })
        .prefault({}),
      /** A person changing the original's priority changes the copy's (`none`: the copy keeps its own). */
      priority: z.enum(['toCopy', 'none']).default('toCopy'),
      /** The copy was resolved or closed: a note on the original, and (`set`) resolve it. */
      copyResolved: whenDone(DEFAULT_COPY_RESOLVED),
      /** The original was resolved, closed or cancelled: a note on the copy, and (`set`) close it. */
      originalClosed: whenDone(DEFAULT_ORIGINAL_CLOSED),
    })
    .prefault({}),
});
export type EscalateRule = z.infer<typeof EscalateRule>;
