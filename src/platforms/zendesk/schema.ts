import { z } from 'zod';

/**
 * Wire shapes of the Zendesk Support API v2 parts the connector reads, with only the fields it
 * uses. Loose objects: Zendesk adds attributes over time and a new one must not fail a pull.
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format
 */

/** Zendesk ids are 64-bit integers; JSON numbers hold them exactly up to 2^53, which account ids stay under. */
const Id = z.number().int().nonnegative();

/** The envelope of a ticket: what the connector needs before any mapping runs. */
export const TicketEnvelope = z.looseObject({
  id: Id,
  updated_at: z.iso.datetime({ offset: true }),
  /** Incremental export only: Unix seconds of the last change, system updates included. */
  generated_timestamp: z.number().int().optional(),
  status: z.string(),
});
export type TicketEnvelope = z.infer<typeof TicketEnvelope>;

/** The ticket attributes a write decision reads. */
export const TicketState = z.looseObject({
  id: Id,
  updated_at: z.string(),
  status: z.string(),
  type: z.string().nullish(),
  subject: z.string().nullish(),
  description: z.string().nullish(),
  group_id: Id.nullish(),
  assignee_id: Id.nullish(),
  problem_id: Id.nullish(),
  external_id: z.string().nullish(),
  tags: z.array(z.string()).catch([]),
  custom_fields: z.array(z.looseObject({ id: Id, value: z.unknown() })).catch([]),
});
export type TicketState = z.infer<typeof TicketState>;

/** GET /api/v2/incremental/tickets/cursor.json (cursor-based incremental ticket export). */
export const ExportPage = z.looseObject({
  tickets: z.array(z.unknown()),
  after_cursor: z.string().nullish(),
  end_of_stream: z.boolean(),
});

/** One ticket: GET /api/v2/tickets/{id}, or the answer to a PUT/POST (with the update's audit). */
export const TicketResponse = z.looseObject({
  ticket: z.unknown(),
  audit: z
    .looseObject({
      events: z.array(z.looseObject({ type: z.string(), field_name: z.string().optional(), value: z.unknown(), previous_value: z.unknown() })).catch([]),
    })
    .optional(),
});

/** Several tickets: show_many, or the ticket list filtered by external_id. */
export const TicketList = z.looseObject({ tickets: z.array(z.unknown()) });

/** Cursor pagination of list endpoints (`page[size]`, `page[after]`). */
const CursorMeta = z.looseObject({ has_more: z.boolean().catch(false), after_cursor: z.string().nullish() }).optional();

export const GroupPage = z.looseObject({
  groups: z.array(z.looseObject({ id: Id, name: z.string(), deleted: z.boolean().optional() })),
  meta: CursorMeta,
});

export const User = z.looseObject({ id: Id, name: z.string(), email: z.string().nullish(), role: z.string().optional(), active: z.boolean().optional() });
export type User = z.infer<typeof User>;

export const UserPage = z.looseObject({ users: z.array(User), meta: CursorMeta });

/** GET /api/v2/users/me: an unauthenticated caller gets the anonymous user, whose id is null. */
export const Me = z.looseObject({ user: z.looseObject({ id: Id.nullable(), name: z.string().nullish(), email: z.string().nullish(), role: z.string().nullish() }) });

export const MembershipPage = z.looseObject({
  group_memberships: z.array(z.looseObject({ user_id: Id, group_id: Id })),
  meta: CursorMeta,
});

export const CommentPage = z.looseObject({ comments: z.array(z.looseObject({ body: z.string().nullish(), public: z.boolean().optional() })) });

export const TicketFieldList = z.looseObject({ ticket_fields: z.array(z.looseObject({ id: Id, title: z.string().optional(), type: z.string().optional(), active: z.boolean().optional() })) });

export const JobStatusResponse = z.looseObject({ job_status: z.looseObject({ id: z.string(), status: z.string().optional() }) });

/**
 * What the outbound mapping hands the connector for one action (see the contract at the top of
 * mappings/zendesk.outbound.jsonata). Unknown keys are refused: a typo must not be ignored.
 */
export const ZendeskWrite = z.strictObject({
  /** assign, create-task: a group name, resolved to `group_id`; "" or null clears the group. */
  group: z.string().nullish(),
  /** assign: an agent's name or e-mail, resolved to `assignee_id`; null unassigns. */
  assignee: z.string().nullish(),
  /** Native ticket attributes sent as they are (subject, priority, status, custom_fields …). */
  ticket: z.record(z.string(), z.unknown()).optional(),
  /** A comment; `public` must be given, and is false for everything but a public comment action. */
  comment: z.strictObject({ body: z.string().min(1), public: z.boolean() }).optional(),
});
export type ZendeskWrite = z.infer<typeof ZendeskWrite>;

/** Zendesk's error text: `description` plus the per-field `details` descriptions of a RecordInvalid. */
export function vendorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return typeof body === 'string' && body.length < 300 ? body : undefined;
  const record = body as Record<string, unknown>;
  const parts: string[] = [];
  const error = record['error'];
  if (typeof error === 'string') parts.push(error);
  else if (typeof error === 'object' && error !== null) {
    const title = (error as Record<string, unknown>)['title'];
    const message = (error as Record<string, unknown>)['message'];
    if (typeof title === 'string') parts.push(title);
    if (typeof message === 'string') parts.push(message);
  }
  if (typeof record['description'] === 'string') parts.push(record['description']);
  const details = record['details'];
  if (typeof details === 'object' && details !== null) {
    for (const entries of Object.values(details as Record<string, unknown>)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        const description = (entry as Record<string, unknown> | null)?.['description'];
        if (typeof description === 'string') parts.push(description);
      }
    }
  }
  return parts.length === 0 ? undefined : parts.join(': ');
}
