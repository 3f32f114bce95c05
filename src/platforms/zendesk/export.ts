import type { PullPage } from '../types.js';
import type { ZendeskRest } from './rest.js';
import { ExportPage } from './schema.js';
import { readTicket, type ReadTicketOptions } from './record.js';

const EXPORT_PATH = '/api/v2/incremental/tickets/cursor.json';
/**
 * The export refuses a start_time within the last minute (400 "Too recent start_time") and leaves
 * that minute out anyway; a start this far back is accepted even with a few seconds of clock skew.
 */
const NEWEST_START_SECONDS = 70;

/**
 * Spaces the export's requests: it allows about 10 a minute for the whole account, apart from the
 * account's general limit (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#rate-limits).
 * Kept per connector across passes, so a pass a minute with one page never waits.
 */
export class ExportPacer {
  private lastAt: number | undefined;
  private readonly intervalMs: number;
  private readonly rest: ZendeskRest;

  constructor(rest: ZendeskRest, requestsPerMinute: number) {
    this.rest = rest;
    this.intervalMs = Math.ceil(60_000 / requestsPerMinute);
  }

  async wait(signal: AbortSignal | undefined): Promise<void> {
    const now = this.rest.now();
    if (this.lastAt !== undefined && now - this.lastAt < this.intervalMs) {
      await this.rest.sleep(this.intervalMs - (now - this.lastAt), signal);
    }
    this.lastAt = Math.max(this.rest.now(), (this.lastAt ?? 0) + this.intervalMs);
  }
}

/** Export start (Unix seconds) for a lower bound: floored to the second, never within the last minute. */
export function exportStart(from: string | null, nowMs: number): number {
  const newest = Math.floor(nowMs / 1000) - NEWEST_START_SECONDS;
  if (from === null) return 0;
  return Math.max(0, Math.min(Math.floor(Date.parse(from) / 1000), newest));
}

export interface ExportOptions extends ReadTicketOptions {
  from: string | null;
  pageSize: number;
  /** Ticket ids seen with status `deleted`, so no write is ever sent to them. */
  deleted: Set<string>;
  signal?: AbortSignal | undefined;
}

/**
 * The cursor-based incremental ticket export: `start_time` on the first request, then `cursor`
 * (`after_cursor`) until `end_of_stream`. Unlike the offset list and search it is ordered by change
 * time and stable while tickets change (a ticket edited during paging comes again, later in the
 * stream), so nothing is skipped; a ticket that changed again is handed out again only when its
 * version differs from one already handed out in this pass.
 * https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api/#cursor-based-incremental-exports
 */
export async function* exportTickets(rest: ZendeskRest, pacer: ExportPacer, options: ExportOptions): AsyncIterable<PullPage> {
  const { signal } = options;
  const seen = new Set<string>();
  let params: Record<string, string | number> = { start_time: exportStart(options.from, rest.now()), per_page: options.pageSize };
  let steppedBack = false;
  for (;;) {
    await pacer.wait(signal);
    const response = await rest.request({ method: 'GET', url: EXPORT_PATH, params, operation: 'export', signal, acceptStatuses: 'start_time' in params && !steppedBack ? [400] : [] });
    if (response.status === 400) {
      // "Too recent start_time": our clock is behind Zendesk's. Step back a minute once; the ledger absorbs the re-read.
      steppedBack = true;
      params = { ...params, start_time: Math.max(0, Number(params['start_time']) - 60) };
      rest.logger?.warn('Zendesk refused the export start as too recent; starting a minute earlier', { source: rest.sourceId, startTime: params['start_time'] });
      continue;
    }
    const page = rest.parse(ExportPage, response.data, 'incremental export page');
    const out: PullPage = { records: [], unreadable: [] };
    for (const raw of page.tickets) {
      const read = readTicket(raw, options);
      if ('error' in read) {
        out.unreadable.push(read);
        continue;
      }
      const key = `${read.nativeId}@${read.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if ((read.raw as { status?: unknown }).status === 'deleted') options.deleted.add(read.nativeId);
      out.records.push(read);
    }
    yield out;
    if (page.end_of_stream || page.after_cursor === undefined || page.after_cursor === null || page.after_cursor === '') return;
    params = { cursor: page.after_cursor, per_page: options.pageSize };
  }
}
