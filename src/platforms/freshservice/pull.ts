import type { PulledRecord, PullPage, UnreadableRecord } from '../types.js';
import type { FreshserviceNames } from './names.js';
import { readTicket } from './record.js';
import { API, type FreshserviceRest, listPages } from './rest.js';
import { TicketList } from './schema.js';
import type { KnownTickets } from './known-tickets.js';

/**
 * Seconds before the first list page was served from which tickets are held back to the next
 * pass: an edit made while the pass pages may carry any `updated_at` from then on.
 */
export const CUT_SLACK_SECONDS = 2;
/** A ticket stamped this far past the pass's end is not an edit during paging but a skewed clock: handed out (the sync loop clamps its watermark). */
const FUTURE_SLACK_MS = 60_000;
/** Tickets one pass holds in memory before it warns (every ticket of a pass is sorted before any is handed out). */
const LARGE_PASS = 50_000;
/** `updated_since` when the pull has no lower bound: without it Freshservice lists only the last 30 days. */
const EPOCH = '1970-01-01T00:00:00Z';

/**
 * One incremental pull.
 *
 * `GET /api/v2/tickets?updated_since=…` is ordered by creation time (`order_type` only flips
 * it; there is no ordering by update time: https://api.freshservice.com/#view_all_ticket), so
 * a cursor on the largest `updated_at` seen would skip tickets edited while later pages are read.
 * Instead every page of the pass (each configured workspace in turn, `order_type=asc`) is read
 * first, then the tickets are handed out sorted by (`updated_at`, id) — oldest first, as the sync
 * loop's watermark needs. Tickets updated at or after the cut (the first page's server time less
 * a little slack) are held back: an edit during paging may have been read in its old version or
 * not at all, and the next pass — which starts at or below the watermark, so below the cut —
 * reads them whole. Nothing below the cut can change without moving above it, so the pass is
 * complete up to the cut. A ticket in two workspaces' lists (moved while paging) is handed out
 * once, in its newest version; re-reads across passes are absorbed by the (id, version) ledger.
 */
export async function* pullTickets(rest: FreshserviceRest, names: FreshserviceNames, from: string | null, signal: AbortSignal | undefined, known?: KnownTickets): AsyncIterable<PullPage> {
  const since = from === null ? (rest.source.startFrom ?? EPOCH) : from;
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) throw rest.badRequest(`Pull lower bound "${since}" is not an ISO 8601 date-time`, 'This is a bug in the caller');
  const updatedSince = updatedSinceParam(sinceMs);
  await names.ensure(signal);

  const startedMs = rest.now();
  let cutMs: number | undefined;
  let endMs = startedMs;
  const raws: unknown[] = [];
  const workspaces: (number | undefined)[] = rest.source.workspaces ?? [undefined];
  for (const workspace of workspaces) {
    const params: Record<string, string | number> = { updated_since: updatedSince, per_page: rest.source.pageSize, order_type: 'asc' };
    if (workspace !== undefined) params.workspace_id = workspace;
    for await (const response of listPages(rest, `${API}/tickets`, params, 'pull', signal)) {
      const served = serverTime(response.header('date'));
      if (cutMs === undefined) cutMs = Math.min(startedMs, served ?? startedMs) - CUT_SLACK_SECONDS * 1000;
      endMs = Math.max(rest.now(), served ?? 0);
      raws.push(...rest.parse(TicketList, response.data, 'ticket list').tickets);
      if (raws.length === LARGE_PASS) {
        rest.logger?.warn('A Freshservice pass holds many tickets in memory before handing them out', {
          source: rest.sourceId,
          tickets: raws.length,
          hint: 'set startFrom to read less history on the first pass',
        });
      }
    }
  }
  const cut = cutMs ?? startedMs - CUT_SLACK_SECONDS * 1000;

  // Group and agent names of tickets pointing at ones created since the directory was read.
  const unknown = { groups: [] as number[], agents: [] as number[] };
  for (const raw of raws) {
    const ticket = raw as { group_id?: unknown; responder_id?: unknown };
    if (typeof ticket.group_id === 'number' && names.group(ticket.group_id) === undefined) unknown.groups.push(ticket.group_id);
    if (typeof ticket.responder_id === 'number' && names.agent(ticket.responder_id) === undefined) unknown.agents.push(ticket.responder_id);
  }
  if (unknown.groups.length > 0 || unknown.agents.length > 0) await names.ensure(signal, unknown);

  const unreadable: UnreadableRecord[] = [];
  const newest = new Map<string, { record: PulledRecord; updatedMs: number }>();
  let held = 0;
  for (const raw of raws) {
    const read = readTicket(raw, names);
    if ('error' in read) {
      unreadable.push(read);
      continue;
    }
    // Every ticket read is remembered as of the cut, held-back ones too: what readVersions starts from.
    known?.learn(read.record.nativeId, { version: read.record.version, raw: read.record.raw, asOfMs: cut });
    if (read.updatedMs >= cut && read.updatedMs <= endMs + FUTURE_SLACK_MS) {
      held++;
      continue;
    }
    const seen = newest.get(read.record.nativeId);
    if (seen === undefined || seen.updatedMs < read.updatedMs) newest.set(read.record.nativeId, read);
  }
  // A complete list since `since`: a ticket known from then on that it did not name is unchanged.
  known?.confirm(Math.floor(sinceMs / 1000) * 1000, cut);
  if (held > 0) rest.logger?.debug('Tickets updated while the pass listed them are left to the next pass', { source: rest.sourceId, held });
  const records = [...newest.values()].sort((a, b) => a.updatedMs - b.updatedMs || Number(a.record.nativeId) - Number(b.record.nativeId)).map((read) => read.record);
  const size = Math.max(1, rest.source.pageSize);
  // Always at least one page, even empty: the sync loop checks for an abort between pages.
  for (let i = 0; i === 0 || i < records.length; i += size) {
    yield { records: records.slice(i, i + size), unreadable: i === 0 ? unreadable : [] };
  }
}

/** `updated_since` for a lower bound: floored to the second (Freshservice times have no fractions; the bound is inclusive). */
export function updatedSinceParam(sinceMs: number): string {
  return new Date(Math.floor(sinceMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The `Date` header of a response (epoch ms), or undefined. */
export function serverTime(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : ms;
}
