import { z } from 'zod';

/**
 * Freshservice API v2 response shapes (https://api.freshservice.com/), loose: only what the
 * connector reads is checked, everything else is passed on as the raw record.
 */

/** Freshservice times: ISO 8601 UTC with seconds, `2024-05-14T11:15:42Z`. */
export const FsTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a date-time');

export const TicketEnvelope = z.looseObject({
  id: z.number().int().positive(),
  updated_at: FsTime,
  created_at: FsTime.optional(),
  group_id: z.number().int().nullable().optional(),
  responder_id: z.number().int().nullable().optional(),
  workspace_id: z.number().int().nullable().optional(),
});
export type TicketEnvelope = z.infer<typeof TicketEnvelope>;

/** `GET /api/v2/tickets`: `{ tickets: […] }`. Items are checked one by one (an unreadable one is quarantined). */
export const TicketList = z.looseObject({ tickets: z.array(z.unknown()) });
/** `GET|PUT /api/v2/tickets/{id}`: `{ ticket: {…} }`. */
export const TicketResponse = z.looseObject({ ticket: TicketEnvelope });

export const Conversation = z.looseObject({
  id: z.number().int(),
  body: z.string().nullable().optional(),
  body_text: z.string().nullable().optional(),
  private: z.boolean().optional(),
  created_at: FsTime.optional(),
});
/** `POST /api/v2/tickets/{id}/notes`: `{ conversation: {…} }`. */
export const NoteResponse = z.looseObject({ conversation: Conversation });
/** `GET /api/v2/tickets/{id}/conversations`. */
export const ConversationList = z.looseObject({ conversations: z.array(Conversation) });

export const Problem = z.looseObject({
  id: z.number().int().positive(),
  subject: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  description_text: z.string().nullable().optional(),
  status: z.number().int().optional(),
});
export type Problem = z.infer<typeof Problem>;
export const ProblemList = z.looseObject({ problems: z.array(Problem) });
export const ProblemResponse = z.looseObject({ problem: Problem });

export const Task = z.looseObject({ id: z.number().int().positive(), title: z.string().nullable().optional(), description: z.string().nullable().optional() });
export const TaskList = z.looseObject({ tasks: z.array(Task) });
export const TaskResponse = z.looseObject({ task: Task });

export const Agent = z.looseObject({
  id: z.number().int().positive(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  active: z.boolean().optional(),
});
export type Agent = z.infer<typeof Agent>;
export const AgentResponse = z.looseObject({ agent: Agent });
export const AgentList = z.looseObject({ agents: z.array(Agent) });

export const Group = z.looseObject({ id: z.number().int().positive(), name: z.string(), workspace_id: z.number().int().nullable().optional() });
export const GroupList = z.looseObject({ groups: z.array(Group) });

const FieldName = z.looseObject({ name: z.string(), label: z.string().nullable().optional() });
/** A ticket form field; a dependent field (Category) lists its lower levels (sub_category, item_category) in `nested_fields`. */
export const TicketField = FieldName.extend({ nested_fields: z.array(FieldName).nullable().optional() });
export const TicketFieldList = z.looseObject({ ticket_fields: z.array(TicketField) });

/** The `ticket.problem` Freshservice returns with `include=problem`. */
export const IncludedProblem = z.looseObject({ problem: z.looseObject({ id: z.number().int().optional(), display_id: z.number().int().optional() }).nullable().optional() });

/**
 * Error bodies: `{ "description": "Validation failed", "errors": [{ "field": "group_id",
 * "message": "…", "code": "invalid_value" }] }`, or `{ "code": …, "message": … }`.
 */
const ErrorBody = z.looseObject({
  description: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.looseObject({ field: z.string().optional(), message: z.string().optional(), code: z.string().optional() })).optional(),
});

/** The platform's own error text: the description and every field error, e.g. `Validation failed: group_id: It should be …`. */
export function vendorMessage(body: unknown): string | undefined {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const head = parsed.data.description ?? parsed.data.message;
  const fields = (parsed.data.errors ?? []).map((error) =>
    [error.field, error.message, error.code !== undefined ? `(${error.code})` : undefined].filter((part) => part !== undefined && part !== '').join(': '),
  );
  const parts = [head, fields.length > 0 ? fields.join('; ') : undefined].filter((part): part is string => part !== undefined && part !== '');
  return parts.length > 0 ? parts.join(': ') : undefined;
}

/** The fields a 400 `Validation failed` names, for the permanent failure's message. */
export function invalidFields(body: unknown): string[] {
  const parsed = ErrorBody.safeParse(body);
  return parsed.success ? (parsed.data.errors ?? []).flatMap((error) => (error.field !== undefined ? [error.field] : [])) : [];
}

/** What the outbound mapping (`freshservice.outbound.jsonata`) produces; see its header. Strict: a misspelt key is an error. */
export const FreshserviceWrite = z.strictObject({
  /** assign: group name (resolved to `group_id`); "" or null clears it. */
  group: z.string().nullable().optional(),
  /** assign: agent name or e-mail (resolved to `responder_id`); null unassigns. */
  responder: z.string().nullable().optional(),
  /** Native ticket fields sent as they are (`status`, `priority`, `custom_fields`, …). */
  fields: z.record(z.string(), z.unknown()).optional(),
  /** comment: the note's HTML body; must contain the marker. */
  note: z.string().optional(),
  /** comment: true for a private note; deskbridge refuses to post a public one for an internal comment. */
  private: z.boolean().optional(),
  /** create-problem / update-problem / create-task: subject (title for a task) and description. */
  subject: z.string().optional(),
  description: z.string().optional(),
  /** create-task: group name for the task. */
  taskGroup: z.string().nullable().optional(),
});
export type FreshserviceWrite = z.infer<typeof FreshserviceWrite>;
