import { z } from 'zod';
import type { Route } from '../../route-table.js';
import { HttpError, badRequest, notFound, readJsonObject, recordInvalid, sendJson } from '../http.js';
import { renderAudit, renderComment, renderJob, renderTicket, renderUser } from '../render.js';
import type { Call } from '../site.js';
import { type StoredTicket, type TicketInput, ZendeskValidationError } from '../store.js';
import { checkTicketUpdateLimit } from './auth.js';
import { paginate } from './pagination.js';

/**
 * The Tickets API subset a connector uses
 * (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/): show, show_many, list
 * by external_id, create, update (with safe_update), merge + job status, and the comments and audits
 * of a ticket (…/ticket_comments/, …/ticket_audits/). Every path also answers with `.json`.
 */

const Id = z.number().int().positive();
const Comment = z.object({
  body: z.string().optional(),
  html_body: z.string().optional(),
  public: z.boolean().optional(),
  author_id: Id.optional(),
});
const TicketBody = z.object({
  subject: z.string().optional(),
  status: z.string().optional(),
  priority: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  requester_id: Id.optional(),
  assignee_id: Id.nullable().optional(),
  group_id: Id.nullable().optional(),
  problem_id: Id.nullable().optional(),
  external_id: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
  additional_tags: z.array(z.string()).optional(),
  remove_tags: z.array(z.string()).optional(),
  custom_fields: z.array(z.object({ id: Id, value: z.unknown() })).optional(),
  fields: z.array(z.object({ id: Id, value: z.unknown() })).optional(),
  comment: Comment.optional(),
  safe_update: z.boolean().optional(),
  updated_stamp: z.string().optional(),
});
type TicketBody = z.infer<typeof TicketBody>;

const MergeBody = z.object({
  ids: z.array(Id).min(1),
  target_comment: z.string().optional(),
  source_comment: z.string().optional(),
  target_comment_is_public: z.boolean().optional(),
  source_comment_is_public: z.boolean().optional(),
});

/** The `ticket` object of a create/update body; a wrong shape is 400 like Zendesk's parameter errors. */
async function readTicketBody(call: Call): Promise<TicketBody> {
  const body = await readJsonObject(call.req);
  call.entry.body = body;
  const parsed = TicketBody.safeParse(body['ticket']);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest('InvalidValue', `ticket${issue ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'is required'}`);
  }
  return parsed.data;
}

function toInput(body: TicketBody): TicketInput {
  const input: TicketInput = {};
  for (const key of ['subject', 'status', 'priority', 'type', 'requester_id', 'assignee_id', 'group_id', 'problem_id', 'external_id', 'tags', 'additional_tags', 'remove_tags', 'comment'] as const) {
    if (body[key] !== undefined) (input as Record<string, unknown>)[key] = body[key];
  }
  // `fields` is the documented alias of `custom_fields`.
  const custom = body.custom_fields ?? body.fields;
  if (custom !== undefined) input.custom_fields = custom.map((f) => ({ id: f.id, value: f.value }));
  return input;
}

/** Runs a store write and answers its validation errors as Zendesk does. */
function storeWrite<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof ZendeskValidationError) {
      if (error.status === 404) throw notFound();
      throw recordInvalid(error.errors);
    }
    throw error;
  }
}

function liveTicket(call: Call, id: string | undefined): StoredTicket {
  const ticket = call.site.store.ticket(Number(id));
  if (!ticket) throw notFound();
  return ticket;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

const J = '(?:\\.json)?';

export const ticketRoutes: readonly Route<Call>[] = [
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/tickets/show_many${J}$`),
    handle(call) {
      const raw = call.url.searchParams.get('ids');
      if (raw === null || raw.trim() === '') throw badRequest('InvalidValue', 'ids is required');
      const ids = raw.split(',').map((s) => Number(s.trim()));
      if (ids.some((id) => !Number.isInteger(id) || id <= 0)) throw badRequest('InvalidValue', 'ids must be a comma-separated list of ticket ids');
      if (ids.length > 100) throw badRequest('InvalidValue', 'ids accepts at most 100 ticket ids');
      // Unknown and deleted ids are left out, not an error.
      const tickets = ids.map((id) => call.site.store.ticket(id)).filter((t): t is StoredTicket => t !== undefined);
      sendJson(call.res, 200, { tickets: tickets.map((t) => renderTicket(call.site.baseUrl, call.site.store, t)), next_page: null, previous_page: null, count: tickets.length });
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/tickets${J}$`),
    handle(call) {
      const { store, baseUrl } = call.site;
      const externalId = call.url.searchParams.get('external_id');
      // external_id is an exact database lookup, unlike search (eventually consistent).
      const tickets = store.tickets().filter((t) => externalId === null || t.external_id === externalId);
      sendJson(
        call.res,
        200,
        paginate(call.url, 'tickets', tickets, (t) => renderTicket(baseUrl, store, t)),
      );
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/api/v2/tickets${J}$`),
    async handle(call) {
      const body = await readTicketBody(call);
      const { store, baseUrl } = call.site;
      const { ticket, audit } = storeWrite(() => store.createTicket(toInput(body), call.user.id));
      sendJson(call.res, 201, { ticket: renderTicket(baseUrl, store, ticket), audit: renderAudit(audit) }, { Location: `${baseUrl}/api/v2/tickets/${ticket.id}.json` });
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/tickets/(\\d+)${J}$`),
    handle(call, [id]) {
      const ticket = liveTicket(call, id);
      sendJson(call.res, 200, { ticket: renderTicket(call.site.baseUrl, call.site.store, ticket) });
    },
  },
  {
    method: 'PUT',
    path: new RegExp(`^/api/v2/tickets/(\\d+)${J}$`),
    async handle(call, [id]) {
      const ticket = liveTicket(call, id);
      const body = await readTicketBody(call);
      const site = call.site;
      const { store, baseUrl } = site;
      checkTicketUpdateLimit(site, ticket.id, call.user.id);
      if (body.safe_update === true) {
        // https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#protecting-against-ticket-update-collisions
        const stamp = body.updated_stamp === undefined ? NaN : Date.parse(body.updated_stamp);
        if (Number.isNaN(stamp)) throw badRequest('InvalidValue', 'updated_stamp is required with safe_update and must be an ISO 8601 time');
        if (seconds(ticket.updated_at) !== seconds(stamp)) {
          throw new HttpError(409, { error: 'UpdateConflict', description: 'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.' });
        }
      }
      const result = storeWrite(() => store.updateTicket(ticket.id, toInput(body), call.user.id));
      sendJson(call.res, 200, { ticket: renderTicket(baseUrl, store, result.ticket), ...(result.audit ? { audit: renderAudit(result.audit) } : {}) });
    },
  },
  {
    method: 'DELETE',
    path: new RegExp(`^/api/v2/tickets/(\\d+)${J}$`),
    handle(call, [id]) {
      // Soft delete: the ticket is gone from the API and shows as "deleted" in the incremental export.
      const ticket = liveTicket(call, id);
      call.site.store.deleteTicket(ticket.id);
      call.res.writeHead(204);
      call.res.end();
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/tickets/(\\d+)/comments${J}$`),
    handle(call, [id]) {
      const ticket = liveTicket(call, id);
      const order = call.url.searchParams.get('sort_order') ?? 'asc';
      if (order !== 'asc' && order !== 'desc') throw badRequest('InvalidValue', 'sort_order must be asc or desc');
      const comments = [...call.site.store.comments(ticket.id)];
      if (order === 'desc') comments.reverse();
      const page = paginate(call.url, 'comments', comments, renderComment);
      // Side-loading (https://developer.zendesk.com/documentation/ticketing/using-the-zendesk-api/side_loading/):
      // `include=users` adds the authors of the comments on this page as a top-level `users` list.
      const include = (call.url.searchParams.get('include') ?? '').split(',').map((s) => s.trim());
      if (include.includes('users')) {
        const { store, baseUrl } = call.site;
        const shown = new Set((page['comments'] as { author_id: number }[]).map((c) => c.author_id));
        page['users'] = [...shown].flatMap((id) => {
          const user = store.user(id);
          return user === undefined ? [] : [renderUser(baseUrl, user)];
        });
      }
      sendJson(call.res, 200, page);
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/tickets/(\\d+)/audits${J}$`),
    handle(call, [id]) {
      const ticket = liveTicket(call, id);
      const audits = [...call.site.store.audits(ticket.id)];
      if (call.url.searchParams.get('sort_order') === 'desc') audits.reverse();
      sendJson(call.res, 200, paginate(call.url, 'audits', audits, renderAudit));
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^/api/v2/tickets/(\\d+)/merge${J}$`),
    async handle(call, [id]) {
      const target = liveTicket(call, id);
      const raw = await readJsonObject(call.req);
      call.entry.body = raw;
      const parsed = MergeBody.safeParse(raw);
      if (!parsed.success) throw badRequest('InvalidValue', 'ids: must be a non-empty array of ticket ids');
      const body = parsed.data;
      const { store, baseUrl } = call.site;
      // Merging is a background job: the answer is the queued job; its outcome is read from the job status.
      const job = store.createJob('bulk_merge_tickets', body.ids.length);
      const queued = renderJob(baseUrl, job);
      try {
        store.merge(target.id, body.ids, call.user.id, {
          ...(body.target_comment === undefined ? {} : { target: body.target_comment }),
          ...(body.source_comment === undefined ? {} : { source: body.source_comment }),
          ...(body.target_comment_is_public === undefined ? {} : { targetPublic: body.target_comment_is_public }),
          ...(body.source_comment_is_public === undefined ? {} : { sourcePublic: body.source_comment_is_public }),
        });
        job.status = 'completed';
        job.progress = body.ids.length;
        job.message = `Completed at ${new Date(call.site.now().getTime()).toISOString()}`;
        job.results = body.ids.map((source) => ({ id: source, success: true, status: 'merged', target: target.id }));
      } catch (error) {
        if (!(error instanceof ZendeskValidationError)) throw error;
        job.status = 'failed';
        job.message = error.message;
      }
      sendJson(call.res, 200, { job_status: queued });
    },
  },
  {
    method: 'GET',
    path: new RegExp(`^/api/v2/job_statuses/([^/.]+)${J}$`),
    handle(call, [id]) {
      const job = call.site.store.job(id ?? '');
      if (!job) throw notFound();
      sendJson(call.res, 200, { job_status: renderJob(call.site.baseUrl, job) });
    },
  },
];
