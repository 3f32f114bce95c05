import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Action } from '../../../model/action.js';
import type { WriteResult } from '../../types.js';
import { API, type FreshserviceRest } from '../rest.js';
import type { FreshserviceWrite } from '../schema.js';
import type { Session } from '../session.js';

type EscalateAction = Extract<Action, { type: 'escalate' }>;

/** Status Open (2) and type Incident: a copy is new work for this desk. */
const OPEN = 2;
/**
 * Tags on Freshdesk-family products are short (Freshdesk documents 32 characters a tag), so the
 * marker keeps to 31: the prefix the engine recognises a copy by (COPY_LABEL_PREFIX) and 16 hex
 * digits of SHA-256 of the correlation key, 64 bits, enough to keep two escalations apart.
 */
const MARKER_HEX = 16;

/** The tag that marks the copy of one escalation, `deskbridge-esc-<16 hex>`; the inbound mapping turns tags into labels. */
export function escalationTag(correlationKey: string): string {
  return `deskbridge-esc-${createHash('sha256').update(correlationKey, 'utf8').digest('hex').slice(0, MARKER_HEX)}`;
}

/** What the create and the filter answer carry of a ticket; `tags` is checked when the answer has it. */
const CopyTicket = z.looseObject({ id: z.number().int().positive(), tags: z.array(z.string()).nullish().catch(undefined), created_at: z.string().optional() });
const CreatedTicket = z.looseObject({ ticket: CopyTicket });
const FilteredTickets = z.looseObject({ tickets: z.array(CopyTicket) });

/** Escalate-branch keys the connector owns: where the copy goes and what marks it. */
const OWNED_FIELDS = ['requester_id', 'email', 'workspace_id', 'status', 'type'];

/**
 * `escalate` to a Freshservice source: a copy of a ticket of another source, opened as an
 * Incident. `request.planned.target` is the origin ticket on the other source, so nothing here
 * reads or writes it.
 *
 * The marker is a ticket tag, `deskbridge-esc-<hash>`: tags are writable on Create Ticket
 * (https://api.freshservice.com/#create_ticket, `tags` array of strings) and `tag` is one of the
 * documented fields of Filter Tickets (https://api.freshservice.com/#filter_tickets,
 * `GET /api/v2/tickets/filter?query="tag:'…'"`). A custom field would need one created in the
 * account and named in the source config; a tag needs nothing, and it becomes a canonical label,
 * which is how the engine tells a copy from an original. Filter Tickets lists the primary workspace
 * unless `workspace_id` is given, so the look-up names the workspace the copy is opened in.
 */
export class EscalationWriter {
  /** Marker tag → copy id, created or found in this process (the filter index may lag a create). */
  private readonly copies = new Map<string, number>();
  private readonly rest: FreshserviceRest;

  constructor(rest: FreshserviceRest) {
    this.rest = rest;
  }

  /** Refused before any request: the mapping shapes the copy (subject, description, fields), not where it goes or who asks. */
  check(write: FreshserviceWrite): { subject: string; description: string; fields: Record<string, unknown> } {
    const { rest } = this;
    if (write.group !== undefined || write.responder !== undefined || write.note !== undefined || write.private !== undefined || write.taskGroup !== undefined) {
      throw rest.badRequest(
        'The escalate branch of the outbound mapping may only produce "subject", "description" and "fields"',
        `Fix ${rest.mappingFile()}; its header describes the escalate branch`,
      );
    }
    const fields = write.fields ?? {};
    const owned = OWNED_FIELDS.filter((field) => field in fields);
    if (owned.length > 0) {
      throw rest.badRequest(
        `The escalate branch of the outbound mapping set ${owned.join(', ')}`,
        `Leave ${OWNED_FIELDS.join(', ')} out of ${rest.mappingFile()}: the connector sets them (requester = the API key's agent, the source's first workspace, status Open)`,
      );
    }
    if (fields.tags !== undefined && !(Array.isArray(fields.tags) && fields.tags.every((tag) => typeof tag === 'string'))) {
      throw rest.badRequest('The escalate branch of the outbound mapping set fields.tags to something other than a list of strings', `Fix ${rest.mappingFile()}`);
    }
    const subject = (write.subject ?? '').trim();
    if (subject === '') throw rest.badRequest('The escalate branch of the outbound mapping produced no "subject"', `Fix ${rest.mappingFile()}: Freshservice refuses a ticket without one`);
    // Freshservice refuses an empty description on create; a blank one still says where it came from.
    return { subject, description: write.description !== undefined && write.description.trim() !== '' ? write.description : '<div></div>', fields };
  }

  /**
   * Remembered → `unchanged`, no request. Else `GET /api/v2/tickets/filter?query="tag:'<marker>'"`
   * (oldest match) → `unchanged`; none → one `POST /api/v2/tickets` → `created`. A POST that timed
   * out is not re-sent here (it may have landed): the outbox retries the whole step, look-up first.
   */
  async ensure(action: EscalateAction, write: FreshserviceWrite, session: () => Promise<Session>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { rest } = this;
    const copy = this.check(write);
    const tag = escalationTag(action.correlationKey);
    const workspace = this.workspace(action);
    const known = this.copies.get(tag) ?? (await this.find(tag, workspace, signal));
    if (known !== undefined) return this.result('unchanged', known);
    const { agentId } = await session();
    const mappedTags = (copy.fields.tags as string[] | undefined) ?? [];
    const data: Record<string, unknown> = {
      ...copy.fields,
      subject: copy.subject,
      description: copy.description,
      requester_id: agentId,
      status: OPEN,
      type: 'Incident',
      // Freshservice defaults priority to Low; the mapping's is kept when it gave one.
      priority: copy.fields.priority ?? 1,
      // Source 2 (Portal) is the default; the ticket did not come by mail or phone.
      source: copy.fields.source ?? 2,
      tags: [...new Set([...mappedTags, tag])],
      ...(workspace !== undefined ? { workspace_id: workspace } : {}),
    };
    const response = await rest.request({ method: 'POST', url: `${API}/tickets`, data, operation: 'escalate', signal });
    const created = rest.parse(CreatedTicket, response.data, 'escalated ticket').ticket;
    this.copies.set(tag, created.id);
    return this.result('created', created.id);
  }

  /**
   * The rule's container when it names a workspace id, else the source's first workspace (unset:
   * none is sent, and Freshservice opens the ticket in the primary one). Anything else — a name, an
   * id of a workspace the source does not list — is refused before any request: a copy in a
   * workspace the source does not read would never be seen again.
   */
  workspace(action: EscalateAction): number | undefined {
    const { rest } = this;
    const workspaces = rest.source.workspaces;
    if (action.container === undefined) return workspaces?.[0];
    const id = /^\d+$/.test(action.container) ? Number(action.container) : undefined;
    if (id === undefined || workspaces === undefined || !workspaces.includes(id)) {
      throw rest.badRequest(
        `The escalate rule's container "${action.container}" is not a workspace source ${rest.sourceId} reads`,
        `Name one of the source's workspace ids (${(workspaces ?? []).join(', ') || 'none configured'}) as the container, or leave it out for the first one`,
      );
    }
    return id;
  }

  private result(outcome: 'created' | 'unchanged', id: number): WriteResult {
    const base = this.rest.source.baseUrl.replace(/\/+$/, '');
    // Numbered as freshservice.inbound.jsonata numbers an Incident.
    return { outcome, ref: String(id), created: { number: `INC-${id}`, url: `${base}/a/tickets/${id}` } };
  }

  /** The oldest ticket carrying the tag; the answer is checked for it (a dropped condition would match everything). */
  private async find(tag: string, workspace: number | undefined, signal: AbortSignal | undefined): Promise<number | undefined> {
    const { rest } = this;
    const response = await rest.request({
      method: 'GET',
      url: `${API}/tickets/filter`,
      params: { query: `"tag:'${tag}'"`, ...(workspace !== undefined ? { workspace_id: workspace } : {}) },
      operation: 'escalation-lookup',
      signal,
    });
    const found = rest.parse(FilteredTickets, response.data, 'escalation lookup').tickets;
    const tagged = found.filter((ticket) => ticket.tags === undefined || ticket.tags === null || ticket.tags.includes(tag));
    if (found.length > 0 && tagged.length === 0) throw rest.badResponse(`Freshservice answered the tag filter for ${tag} with tickets that do not carry it`);
    // Newest first in the answer; the oldest is the one a first attempt opened.
    const oldest = tagged.reduce<number | undefined>((min, ticket) => (min === undefined || ticket.id < min ? ticket.id : min), undefined);
    if (oldest !== undefined) this.copies.set(tag, oldest);
    return oldest;
  }
}
