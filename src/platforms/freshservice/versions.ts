import type { CurrentRecord } from '../types.js';
import type { KnownTickets } from './known-tickets.js';
import { CUT_SLACK_SECONDS, serverTime, updatedSinceParam } from './pull.js';
import { readTicket } from './record.js';
import { API, type FreshserviceRest, listPages } from './rest.js';
import { TicketList } from './schema.js';

/**
 * The current version of the tickets about to be written, without a `GET /api/v2/tickets/{id}`
 * each. Freshservice has no "tickets by id" list, but `GET /api/v2/tickets?updated_since=…` lists
 * every ticket changed since a time, 100 a page (https://api.freshservice.com/#view_all_ticket):
 * listed from the earliest time from which the connector's reading of these tickets holds
 * (known-tickets.ts — the last pull's or version read's cut), it names every one of them that
 * changed since, in its current version; one it does not name is still as last read. Each
 * configured workspace is listed, as the pull lists them. Typically one page per workspace per
 * batch: the tickets changed since the last look (the previous batch's own writes among them).
 *
 * Tickets the connector has not read since it started are absent: their writes read them
 * themselves. Known gap, as for the pull: a ticket that leaves the list while it pages (deleted,
 * spam, moved workspace) can shift another past a page boundary; that one is taken as unchanged.
 */
export async function readVersions(rest: FreshserviceRest, known: KnownTickets, nativeIds: readonly string[], signal: AbortSignal | undefined): Promise<Map<string, CurrentRecord>> {
  const current = new Map<string, CurrentRecord>();
  const since = known.since(nativeIds);
  if (since === undefined) return current;
  const startedMs = rest.now();
  let cutMs: number | undefined;
  const listed: unknown[] = [];
  for (const workspace of rest.source.workspaces ?? [undefined]) {
    const params: Record<string, string | number> = { updated_since: updatedSinceParam(since), per_page: rest.source.pageSize, order_type: 'asc' };
    if (workspace !== undefined) params.workspace_id = workspace;
    for await (const response of listPages(rest, `${API}/tickets`, params, 'version-check', signal)) {
      const served = serverTime(response.header('date'));
      cutMs ??= Math.min(startedMs, served ?? startedMs) - CUT_SLACK_SECONDS * 1000;
      listed.push(...rest.parse(TicketList, response.data, 'ticket list').tickets);
    }
  }
  const cut = cutMs ?? startedMs - CUT_SLACK_SECONDS * 1000;
  /** A listed ticket that could not be told apart: absence from the list then proves nothing. */
  let unsure = false;
  for (const raw of listed) {
    const read = readTicket(raw);
    if ('error' in read) {
      // Changed (it is listed) but unreadable: forgotten, so its write reads it itself.
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'number' || typeof id === 'string') known.forget(String(id));
      else unsure = true;
      continue;
    }
    known.learn(read.record.nativeId, { version: read.record.version, raw: read.record.raw, asOfMs: cut });
  }
  if (!unsure) known.confirm(Math.floor(since / 1000) * 1000, cut);
  for (const id of nativeIds) {
    const ticket = known.get(id);
    if (ticket !== undefined && ticket.asOfMs >= cut) current.set(id, { version: ticket.version, updatedBy: undefined, raw: ticket.raw });
  }
  return current;
}
