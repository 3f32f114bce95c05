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

export const SetFieldAction = z.strictObject({
  type: z.literal('set-field'),
  field: z.string().min(1),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
});

/** A platform-neutral write. Connectors turn it into native calls through the outbound mapping. */
export const Action = z.discriminatedUnion('type', [AssignAction, CommentAction, CreateProblemAction, LinkProblemAction, LinkDuplicateAction, UpdateProblemAction, CreateTaskAction, SetFieldAction]);
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
});

/** The plan an action belongs to (entries written before plans existed: their target version). */
export function planOf(action: PlannedAction): string {
  return action.plan ?? `${action.target.ticketKey}@${action.target.version}`;
}
export type PlannedAction = z.infer<typeof PlannedAction>;
