import type { Action } from '../../../model/action.js';
import { PlatformError } from '../../../http/errors.js';
import type { PreviousValues, WriteRequest, WriteResult } from '../../types.js';
import type { FreshserviceNames } from '../names.js';
import type { OwnVersions } from '../own-versions.js';
import { ticketVersion } from '../record.js';
import { API, type FreshserviceRest } from '../rest.js';
import { type FreshserviceWrite, IncludedProblem, TicketEnvelope, TicketResponse } from '../schema.js';

/** The writes {@link TicketWriter.combined} can send as one PUT: fields of the ticket itself. */
export const TICKET_GROUPABLE: ReadonlySet<Action['type']> = new Set<Action['type']>(['assign', 'set-field']);

/** Whether the ticket already holds every field value (JSON-equal; absent counts as null). */
function holds(current: CurrentTicket, data: Record<string, unknown>): boolean {
  return Object.entries(data).every(([field, value]) => JSON.stringify(current.raw[field] ?? null) === JSON.stringify(value ?? null));
}

/** How a ticket points at its problem on `PUT /api/v2/tickets/{id}` (https://api.freshservice.com/#update_ticket_priority). */
export function problemLink(problemId: number): Record<string, unknown> {
  return { problem: { display_id: problemId } };
}

export interface CurrentTicket {
  ticket: TicketEnvelope;
  version: string;
  raw: Record<string, unknown>;
}

/**
 * Writes to a ticket's own fields with `PUT /api/v2/tickets/{id}`. Freshservice has no
 * conditional update, so each write first checks the ticket — as the executor's batched version
 * read found it (`request.current`, versions.ts), else by `GET /api/v2/tickets/{id}` — and reports
 * `superseded` when someone else changed it since the version the action was planned from; the
 * window between that check and the PUT stays open. Every PUT answers with the ticket as it is
 * after the write, whose version (record.ts) is the write's `ownVersion`.
 */
export class TicketWriter {
  private readonly rest: FreshserviceRest;
  private readonly names: FreshserviceNames;
  private readonly own: OwnVersions;

  constructor(rest: FreshserviceRest, names: FreshserviceNames, own: OwnVersions) {
    this.rest = rest;
    this.names = names;
    this.own = own;
  }

  async read(nativeId: string, signal: AbortSignal | undefined, include?: 'problem'): Promise<CurrentTicket> {
    const response = await this.rest.request({
      method: 'GET',
      url: `${API}/tickets/${nativeId}`,
      params: include !== undefined ? { include } : undefined,
      operation: 'version-check',
      signal,
    });
    const parsed = this.rest.parse(TicketResponse, response.data, `ticket ${nativeId}`);
    return { ticket: parsed.ticket, version: ticketVersion(parsed.ticket), raw: parsed.ticket };
  }

  /**
   * The ticket as the write checks it: the batched version read's (`request.current`, see
   * versions.ts) when the executor handed one over, else one `GET /api/v2/tickets/{id}`.
   */
  async currentOf(nativeId: string, request: WriteRequest, signal: AbortSignal | undefined): Promise<CurrentTicket> {
    if (request.current !== undefined) {
      const parsed = TicketEnvelope.safeParse(request.current.raw);
      if (parsed.success) return { ticket: parsed.data, version: request.current.version, raw: request.current.raw };
    }
    return this.read(nativeId, signal);
  }

  changedByOthers(nativeId: string, request: WriteRequest, current: CurrentTicket): boolean {
    return !this.own.unchangedByOthers(nativeId, request.planned.target.version, current.version);
  }

  async put(nativeId: string, data: Record<string, unknown>, signal: AbortSignal | undefined, operation: string): Promise<string> {
    const response = await this.rest.request({ method: 'PUT', url: `${API}/tickets/${nativeId}`, data, operation, signal });
    const version = ticketVersion(this.rest.parse(TicketResponse, response.data, `ticket ${nativeId} after the update`).ticket);
    this.own.remember(nativeId, version);
    return version;
  }

  /**
   * Group and agent by name → `group_id` / `responder_id`. The check before the PUT also reads
   * what it replaces, by name, for `deskbridge revert`. Already so → `unchanged`.
   */
  async assign(nativeId: string, request: WriteRequest, write: FreshserviceWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const data = await this.assignment(write, signal);
    if (Object.keys(data).length === 0) return { outcome: 'unchanged', ref: nativeId };
    const current = await this.currentOf(nativeId, request, signal);
    await this.inTicketWorkspace(data, write, current, signal);
    if (this.changedByOthers(nativeId, request, current)) return this.landedBefore(nativeId, request, current, data) ?? { outcome: 'superseded', ref: nativeId };
    const previous = await this.previous(current, signal);
    if (holds(current, data)) return { outcome: 'unchanged', ref: nativeId };
    const ownVersion = await this.put(nativeId, data, signal, 'assign');
    return { outcome: 'updated', ref: nativeId, previous, ownVersion };
  }

  /**
   * Several assign / set-field writes of one plan as ONE `PUT /api/v2/tickets/{id}` (the fields of
   * all of them), after one check against the ticket as the batched read found it. Undefined,
   * having sent nothing, when they cannot go as one: a retry (alone, each write looks whether its
   * earlier attempt landed), two writes setting one field differently, or a name Freshservice does
   * not have (alone, that write is refused with what to fix).
   */
  async combined(nativeId: string, writes: readonly { request: WriteRequest; write: FreshserviceWrite }[], signal: AbortSignal | undefined): Promise<WriteResult[] | undefined> {
    const first = writes[0];
    if (first === undefined || writes.some(({ request }) => !request.firstAttempt || !TICKET_GROUPABLE.has(request.action.type))) return undefined;
    const data: Record<string, unknown> = {};
    const own: Record<string, unknown>[] = [];
    for (const { request, write } of writes) {
      let fields: Record<string, unknown>;
      try {
        fields = request.action.type === 'assign' ? await this.assignment(write, signal) : { ...(write.fields ?? {}) };
      } catch (error) {
        if (error instanceof PlatformError && !error.retryable) return undefined;
        throw error;
      }
      for (const [field, value] of Object.entries(fields)) {
        if (field in data && JSON.stringify(data[field]) !== JSON.stringify(value)) return undefined;
        data[field] = value;
      }
      own.push(fields);
    }
    if (Object.keys(data).length === 0) return undefined;
    const current = await this.currentOf(nativeId, first.request, signal);
    const assign = writes.find(({ request }) => request.action.type === 'assign');
    if (assign !== undefined) await this.inTicketWorkspace(data, assign.write, current, signal);
    if (this.changedByOthers(nativeId, first.request, current)) return writes.map(() => ({ outcome: 'superseded', ref: nativeId }));
    const previous = assign !== undefined ? await this.previous(current, signal) : undefined;
    if (holds(current, data)) return writes.map(() => ({ outcome: 'unchanged', ref: nativeId }));
    const ownVersion = await this.put(nativeId, data, signal, writes.map(({ request }) => request.action.type).join('+'));
    return writes.map(({ request }, i): WriteResult => {
      if (holds(current, own[i] ?? {})) return { outcome: 'unchanged', ref: nativeId };
      return { outcome: 'updated', ref: nativeId, ...(request.action.type === 'assign' && previous ? { previous } : {}), ownVersion };
    });
  }

  /** An assign's fields: the mapping's `fields`, and group and agent by name; an unknown name is refused before any request. */
  private async assignment(write: FreshserviceWrite, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    const data: Record<string, unknown> = { ...(write.fields ?? {}) };
    if (write.group !== undefined) data.group_id = write.group === null || write.group === '' ? null : await this.required('group', write.group, signal);
    if (write.responder !== undefined) data.responder_id = write.responder === null || write.responder === '' ? null : await this.required('agent', write.responder, signal);
    return data;
  }

  /** The group of that name in the ticket's own workspace, when the name exists in several. */
  private async inTicketWorkspace(data: Record<string, unknown>, write: FreshserviceWrite, current: CurrentTicket, signal: AbortSignal | undefined): Promise<void> {
    if (typeof data.group_id === 'number' && write.group != null && current.ticket.workspace_id != null) {
      data.group_id = (await this.names.groupId(write.group, signal, current.ticket.workspace_id)) ?? data.group_id;
    }
  }

  /** What an assign replaces, by name (for `deskbridge revert`). */
  private async previous(current: CurrentTicket, signal: AbortSignal | undefined): Promise<PreviousValues> {
    const { group_id: groupId, responder_id: responderId } = current.ticket;
    await this.names.ensure(signal, { groups: groupId != null ? [groupId] : [], agents: responderId != null ? [responderId] : [] });
    return {
      group: groupId != null ? (this.names.group(groupId) ?? String(groupId)) : null,
      assignee: responderId != null ? (this.names.agent(responderId) ?? String(responderId)) : null,
    };
  }

  /** Native fields as the mapping gave them (`status`, `priority`, `custom_fields`…); equal already → `unchanged`. */
  async setFields(nativeId: string, request: WriteRequest, write: FreshserviceWrite, signal: AbortSignal | undefined): Promise<WriteResult> {
    const data = write.fields ?? {};
    if (Object.keys(data).length === 0) return { outcome: 'unchanged', ref: nativeId };
    const current = await this.currentOf(nativeId, request, signal);
    if (this.changedByOthers(nativeId, request, current)) return this.landedBefore(nativeId, request, current, data) ?? { outcome: 'superseded', ref: nativeId };
    if (holds(current, data)) return { outcome: 'unchanged', ref: nativeId };
    const ownVersion = await this.put(nativeId, data, signal, 'set-field');
    return { outcome: 'updated', ref: nativeId, ownVersion };
  }

  /**
   * Associates the incident with a problem (`problem: { display_id }` on the ticket). The ticket is
   * read with `include=problem` (one extra API credit) to see what it points at now: the same
   * problem → `unchanged`; another one a person chose → `skipped` unless the rule asked to overwrite.
   */
  async linkProblem(nativeId: string, action: Extract<Action, { type: 'link-problem' }>, problemId: number, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const current = await this.read(nativeId, signal, 'problem');
    const linked = IncludedProblem.safeParse(current.raw);
    const now = linked.success ? (linked.data.problem?.display_id ?? linked.data.problem?.id) : undefined;
    if (now === problemId) return { outcome: 'unchanged', ref: nativeId };
    if (now !== undefined && action.overwrite !== true) {
      return { outcome: 'skipped', ref: nativeId, reason: `the ticket is already associated with problem ${now}, not ${problemId}; deskbridge does not replace a link someone set` };
    }
    if (this.changedByOthers(nativeId, request, current)) return { outcome: 'superseded', ref: nativeId };
    const ownVersion = await this.put(nativeId, problemLink(problemId), signal, 'link-problem');
    return { outcome: 'updated', ref: nativeId, ownVersion };
  }

  /** Sets the source's `duplicateField` custom field to the original's ticket id; one already set elsewhere is left (`skipped`). */
  async linkDuplicate(nativeId: string, field: string, original: string, request: WriteRequest, signal: AbortSignal | undefined): Promise<WriteResult> {
    const current = await this.currentOf(nativeId, request, signal);
    const custom = current.raw.custom_fields;
    const value: unknown = typeof custom === 'object' && custom !== null ? (custom as Record<string, unknown>)[field] : undefined;
    const now = typeof value === 'string' || typeof value === 'number' ? (String(value) === '' ? undefined : String(value)) : undefined;
    if (now === original) return { outcome: 'unchanged', ref: nativeId };
    if (now !== undefined) return { outcome: 'skipped', ref: nativeId, reason: `${field} already points to ${now}, not ${original}; deskbridge does not replace a link someone set` };
    if (this.changedByOthers(nativeId, request, current)) return { outcome: 'superseded', ref: nativeId };
    const ownVersion = await this.put(nativeId, { custom_fields: { [field]: /^\d+$/.test(original) ? Number(original) : original } }, signal, 'link-duplicate');
    return { outcome: 'updated', ref: nativeId, ownVersion };
  }

  /**
   * A retried write that finds the ticket changed but already holding every value it sets: most
   * likely its own earlier attempt landed and the process died before recording it (a crash
   * between the PUT and the outbox commit; the in-memory own versions died with it). `unchanged`,
   * with the version found taken as our own, so the rest of the plan (the note explaining the
   * assignment) still goes out; `superseded` here would lose that note for good, because the next
   * pass sees an assigned ticket and plans nothing. A first attempt never sent anything, so there
   * a change is someone else's. Undefined: superseded.
   */
  private landedBefore(nativeId: string, request: WriteRequest, current: CurrentTicket, data: Record<string, unknown>): WriteResult | undefined {
    if (request.firstAttempt || !holds(current, data)) return undefined;
    this.own.remember(nativeId, current.version);
    return { outcome: 'unchanged', ref: nativeId, ownVersion: current.version };
  }

  private async required(kind: 'group' | 'agent', name: string, signal: AbortSignal | undefined): Promise<number> {
    const id = kind === 'group' ? await this.names.groupId(name, signal) : await this.names.agentId(name, signal);
    if (id === undefined) {
      throw this.rest.badRequest(
        `Freshservice has no ${kind} named "${name}" for source ${this.rest.sourceId}`,
        kind === 'group'
          ? 'Create the agent group (Admin → Groups) or rename it in the rule; deskbridge validate --online lists the groups it cannot find'
          : 'Name an active agent by full name or e-mail, as Admin → Agents shows it',
      );
    }
    return id;
  }
}
