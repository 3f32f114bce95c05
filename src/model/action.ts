import { z } from 'zod';

/** Who may read a comment: `internal` is a work note, `public` is visible to the requester. */
export const CommentVisibility = z.enum(['internal', 'public']);
export type CommentVisibility = z.infer<typeof CommentVisibility>;

export const AssignAction = z.strictObject({
  type: z.literal('assign'),
  /**
   * The group's name; '' clears the group (only `deskbridge revert` plans that: it puts back a
   * ticket that had no group). No assignee clears the assignee.
   */
  group: z.string(),
  assignee: z.string().min(1).optional(),
});

export const CommentAction = z.strictObject({
  type: z.literal('comment'),
  visibility: CommentVisibility,
  body: z.string().min(1),
});

export const CreateProblemAction = z.strictObject({
  type: z.literal('create-problem'),
  /** Stable key of the pattern the problem stands for; makes creation idempotent. */
  correlationKey: z.string().min(1),
  title: z.string().min(1),
  description: z.string(),
});

export const LinkProblemAction = z.strictObject({
  type: z.literal('link-problem'),
  /** Native id of the problem record, or the correlation key of one created earlier in the outbox. */
  problemRef: z.string().min(1).optional(),
  correlationKey: z.string().min(1).optional(),
  /** Replace a link to another problem a person set (the rule's `problem.overwrite`); absent = never. */
  overwrite: z.literal(true).optional(),
});

/**
 * Marks the target ticket as a duplicate of an earlier one on the same source (ServiceNow: the
 * configured parent field, `parent_incident` by default; Jira: an issue link of the Duplicate type).
 * `original` is always the root of its duplicate family, never another duplicate.
 */
export const LinkDuplicateAction = z.strictObject({
  type: z.literal('link-duplicate'),
  original: z.strictObject({ nativeId: z.string().min(1), number: z.string().min(1) }),
});

/**
 * Rewrites the title and description of a problem created earlier for a correlation key (new
 * members joined, the evidence changed); `reopen` also moves a resolved/closed problem back to open.
 */
export const UpdateProblemAction = z.strictObject({
  type: z.literal('update-problem'),
  correlationKey: z.string().min(1),
  title: z.string().min(1),
  description: z.string(),
  reopen: z.boolean(),
});

/**
 * Opens a follow-up task tied to the target ticket (ServiceNow: an `incident_task` of the
 * incident; Jira: a Task in the same project linked to the issue). `correlationKey` makes the
 * creation idempotent, like a problem's.
 */
export const CreateTaskAction = z.strictObject({
  type: z.literal('create-task'),
  correlationKey: z.string().min(1),
  title: z.string().min(1),
  description: z.string(),
  /** Group to assign the task to (its name); unset = the platform's default. */
  group: z.string().min(1).optional(),
});

/**
 * Opens a linked copy of the target ticket on another configured source (the `escalate` rule
 * kind): the write goes to `to`, not to the target's own source. `correlationKey` is stable for the
 * rule and the ticket, and the copy carries it (Jira and Freshservice: a `deskbridge-esc-<hash>`
 * label or tag; ServiceNow: `correlation_id`; Zendesk: `external_id` and the tag), so a retry after
 * a crash finds the copy instead of opening a second one.
 */
export const EscalateAction = z.strictObject({
  type: z.literal('escalate'),
  /** Id of the source the copy is opened on. */
  to: z.string().min(1),
  correlationKey: z.string().min(1),
  /**
   * Where on `to`: a Jira project key, a ServiceNow table, a Freshservice workspace id (Zendesk: none);
   * unset = the source's default (Jira: its first project; ServiceNow: incident; Freshservice: its first workspace).
   */
  container: z.string().min(1).optional(),
  /** Jira issue type (default Task); ignored by ServiceNow. */
  issueType: z.string().min(1).optional(),
  title: z.string().min(1),
  /** Carries the link back to the original ticket. */
  description: z.string(),
  /** 1 (critical) … 5 (planning), mapped by the target's outbound mapping. */
  priority: z.number().int().min(1).max(5).optional(),
  labels: z.array(z.string().min(1)).optional(),
  /** The origin ticket as a person finds it: its number and link, for the copy's own records. */
  origin: z.strictObject({ number: z.string().min(1), url: z.string().optional() }),
});

/**
 * The note on the original ticket that names its escalated copy. Planned with the `escalate` write
 * in the same lane (so after it); at write time the executor looks up the copy deskbridge
 * recorded for `correlationKey` and sends it as an internal comment with the copy's number and link.
 */
export const AnnounceEscalationAction = z.strictObject({
  type: z.literal('announce-escalation'),
  to: z.string().min(1),
  correlationKey: z.string().min(1),
  /** The note's text before the copy's number and link are added. */
  body: z.string().min(1),
});

export const SetFieldAction = z.strictObject({
  type: z.literal('set-field'),
  field: z.string().min(1),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

/** A platform-neutral write. Connectors turn it into native calls through the outbound mapping. */
export const Action = z.discriminatedUnion('type', [
  AssignAction,
  CommentAction,
  CreateProblemAction,
  LinkProblemAction,
  LinkDuplicateAction,
  UpdateProblemAction,
  CreateTaskAction,
  SetFieldAction,
  EscalateAction,
  AnnounceEscalationAction,
]);
export type Action = z.infer<typeof Action>;
export type ActionType = Action['type'];

/** Which ticket an action targets, without needing the whole ticket again at write time. */
export const ActionTarget = z.strictObject({
  ticketKey: z.string(),
  nativeId: z.string(),
  number: z.string(),
  version: z.string(),
});
export type ActionTarget = z.infer<typeof ActionTarget>;

/** An action the engine decided on, with why. `id` is the idempotency key. */
export const PlannedAction = z.strictObject({
  id: z.string(),
  sourceId: z.string(),
  ruleId: z.string(),
  target: ActionTarget,
  action: Action,
  explanation: z.string(),
  /** Writes sharing a lane are sent strictly in order; default the target ticket's key. */
  lane: z.string().optional(),
  /**
   * The plan this write belongs to — one evaluation of one ticket version. When one of its writes
   * is superseded (someone changed the ticket) or dead, the rest of the plan is not sent.
   * Default `<target ticket key>@<target version>`.
   */
  plan: z.string().optional(),
  /** Set by `deskbridge revert`: the outbox id of the write this one undoes (recorded in the action log). */
  reverts: z.string().min(1).optional(),
  /**
   * The write goes to a ticket of another source, through that source's connector: escalation
   * sync (a comment mirrored to the linked copy, the original resolved when its copy is). The entry
   * stays in the outbox of the source whose change planned it (`sourceId`); `target` is the other
   * source's ticket.
   */
  via: z.string().min(1).optional(),
});

/** The plan an action belongs to (entries written before plans existed: their target version). */
export function planOf(action: PlannedAction): string {
  return action.plan ?? `${action.target.ticketKey}@${action.target.version}`;
}
export type PlannedAction = z.infer<typeof PlannedAction>;
