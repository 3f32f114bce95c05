import { z } from 'zod';
import { Jsonata, RuleBase } from '../../model/rule.js';

/** The default title of the copy: the original's number first, so people on either side recognise it. */
export const DEFAULT_COPY_TITLE = '{{ source.number }}: {{ title }}';
/** The default description: the original's text and where it lives. */
export const DEFAULT_COPY_DESCRIPTION = '{{ description }}\n\nEscalated by the service desk from {{ source.number }}{{ source.url ? " (" & source.url & ")" : "" }}.';
/** The default note on the original; the executor adds the copy's number and link to it. */
export const DEFAULT_ANNOUNCEMENT = 'Escalated to {{ $to }}.';

export const EscalateRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('escalate'),
  /** Id of the configured source the copy is opened on (ServiceNow or Jira). */
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
});
export type EscalateRule = z.infer<typeof EscalateRule>;
