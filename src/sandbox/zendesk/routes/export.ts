import type { Route } from '../../route-table.js';
import { HttpError, badRequest } from '../http.js';
import { sendJson } from '../http.js';
import { renderTicket } from '../render.js';
import type { Call } from '../site.js';
import type { StoredTicket } from '../store.js';
import { checkIncrementalLimit } from './auth.js';

/**
 * Cursor-based incremental ticket export, `GET /api/v2/incremental/tickets/cursor.json`
 * (https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/,
 * https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api/):
 * the first request names `start_time` (unix seconds), the following ones `cursor` (the previous
 * page's `after_cursor`). Tickets are ordered by `generated_timestamp`, which every change moves,
 * so a ticket changed after it was exported comes again later in the stream; deleted tickets come
 * with `status: "deleted"`; changes of the last minute are left out; admins only.
 */

const EXCLUDED_MS = 60_000;
const MAX_PER_PAGE = 1000;

/** A position in the stream: after the change (generated_at, generation). */
interface Position {
  generatedAt: number;
  generation: number;
}

function encodeCursor(p: Position): string {
  return Buffer.from(`${p.generatedAt}.${p.generation}`).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const match = /^(-?\d+)\.(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badRequest('InvalidValue', 'cursor is invalid');
  return { generatedAt: Number(match[1]), generation: Number(match[2]) };
}

function after(t: StoredTicket, p: Position): boolean {
  return t.generated_at > p.generatedAt || (t.generated_at === p.generatedAt && t.generation > p.generation);
}

function startPosition(call: Call, nowMs: number): Position {
  const q = call.url.searchParams;
  const cursor = q.get('cursor');
  if (cursor !== null) return decodeCursor(cursor);
  const raw = q.get('start_time');
  if (raw === null) throw badRequest('InvalidValue', 'start_time or cursor is required');
  const start = Number(raw);
  if (!Number.isInteger(start) || start < 0) throw badRequest('InvalidValue', 'start_time must be a unix time in seconds');
  if (start * 1000 > nowMs - EXCLUDED_MS) {
    throw badRequest('InvalidValue', 'Too recent start_time. Use a start_time older than one minute.');
  }
  // Everything generated at or after start_time: just before its first millisecond.
  return { generatedAt: start * 1000 - 1, generation: Number.MAX_SAFE_INTEGER };
}

function perPage(call: Call): number {
  const raw = call.url.searchParams.get('per_page');
  if (raw === null) return MAX_PER_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE) throw badRequest('InvalidPaginationParameter', `per_page must be an integer from 1 to ${MAX_PER_PAGE}`);
  return n;
}

export const exportRoutes: readonly Route<Call>[] = [
  {
    method: 'GET',
    path: /^\/api\/v2\/incremental\/tickets\/cursor(?:\.json)?$/,
    handle(call) {
      const { site } = call;
      if (call.user.role !== 'admin') {
        throw new HttpError(403, { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' });
      }
      checkIncrementalLimit(site);
      const nowMs = site.now().getTime();
      const from = startPosition(call, nowMs);
      const size = perPage(call);
      const cutoff = nowMs - EXCLUDED_MS;
      const excludeDeleted = call.url.searchParams.get('exclude_deleted') === 'true';
      const pending = site.store
        .allTickets()
        .filter((t) => t.generated_at <= cutoff && after(t, from) && !(excludeDeleted && t.deleted))
        .sort((a, b) => a.generated_at - b.generated_at || a.generation - b.generation);
      const page = pending.slice(0, size);
      const last = page[page.length - 1];
      const first = page[0];
      // At the end of the stream the cursor still points past the last record, for the next poll.
      const afterCursor = encodeCursor(last ? { generatedAt: last.generated_at, generation: last.generation } : from);
      const link = (cursor: string): string => {
        const url = new URL(`${site.baseUrl}/api/v2/incremental/tickets/cursor.json`);
        url.searchParams.set('cursor', cursor);
        if (call.url.searchParams.has('per_page')) url.searchParams.set('per_page', String(size));
        if (excludeDeleted) url.searchParams.set('exclude_deleted', 'true');
        return url.toString();
      };
      const beforeCursor = first ? encodeCursor({ generatedAt: first.generated_at, generation: first.generation - 1 }) : null;
      sendJson(call.res, 200, {
        tickets: page.map((t) => renderTicket(site.baseUrl, site.store, t, { generated: true })),
        after_url: link(afterCursor),
        after_cursor: afterCursor,
        before_url: beforeCursor === null ? null : link(beforeCursor),
        before_cursor: beforeCursor,
        end_of_stream: pending.length <= size,
      });
    },
  },
];
