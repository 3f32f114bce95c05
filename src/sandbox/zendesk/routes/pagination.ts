import { HttpError } from '../http.js';

/**
 * The two pagination styles of the list endpoints
 * (https://developer.zendesk.com/api-reference/introduction/pagination/): cursor pagination when
 * the request names `page[size]`, `page[after]` or `page[before]` (`meta.has_more`,
 * `meta.after_cursor`, `links.next`; at most 100 per page), else offset pagination (`page`,
 * `per_page`, `next_page`, `previous_page`, `count`; at most 100 per page).
 */

const MAX_PAGE = 100;

function encode(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

function decode(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^id:(\d+)$/.exec(text);
  if (!match) throw new HttpError(400, { error: 'InvalidPaginationParameter', description: 'cursor is invalid' });
  return Number(match[1]);
}

function size(value: string | null, name: string): number {
  if (value === null) return MAX_PAGE;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new HttpError(400, { error: 'InvalidPaginationParameter', description: `${name} must be an integer from 1 to ${MAX_PAGE}` });
  return n;
}

/** One page of `items` (in the order given) under `key`, with the links a client follows. */
export function paginate<T extends { id: number }>(url: URL, key: string, items: readonly T[], render: (item: T) => unknown): Record<string, unknown> {
  const q = url.searchParams;
  const link = (params: Record<string, string>): string => {
    const next = new URL(url.toString());
    for (const [name, value] of Object.entries(params)) next.searchParams.set(name, value);
    for (const name of ['page[after]', 'page[before]']) if (!(name in params)) next.searchParams.delete(name);
    return next.toString();
  };
  const cursorMode = q.has('page[size]') || q.has('page[after]') || q.has('page[before]');
  if (cursorMode) {
    const pageSize = size(q.get('page[size]'), 'page[size]');
    const after = q.get('page[after]');
    const before = q.get('page[before]');
    let window: T[];
    let hasMore: boolean;
    // Cursors name a record; the page starts after (or ends before) its position in `items`,
    // so the same code serves ascending and descending orders.
    const position = (cursor: string): number => {
      const id = decode(cursor);
      const index = items.findIndex((i) => i.id === id);
      if (index < 0) throw new HttpError(400, { error: 'InvalidPaginationParameter', description: 'cursor is invalid' });
      return index;
    };
    if (before !== null) {
      const earlier = items.slice(0, position(before));
      window = earlier.slice(Math.max(0, earlier.length - pageSize));
      hasMore = earlier.length > pageSize;
    } else {
      const rest = after === null ? [...items] : items.slice(position(after) + 1);
      window = rest.slice(0, pageSize);
      hasMore = rest.length > pageSize;
    }
    const first = window[0];
    const last = window[window.length - 1];
    return {
      [key]: window.map(render),
      meta: { has_more: hasMore, after_cursor: last ? encode(last.id) : null, before_cursor: first ? encode(first.id) : null },
      links: {
        prev: first ? link({ 'page[size]': String(pageSize), 'page[before]': encode(first.id) }) : null,
        next: last && hasMore ? link({ 'page[size]': String(pageSize), 'page[after]': encode(last.id) }) : null,
      },
    };
  }
  const perPage = size(q.get('per_page'), 'per_page');
  const page = Math.max(1, Number(q.get('page') ?? '1') || 1);
  const window = items.slice((page - 1) * perPage, page * perPage);
  return {
    [key]: window.map(render),
    next_page: page * perPage < items.length ? link({ page: String(page + 1), per_page: String(perPage) }) : null,
    previous_page: page > 1 ? link({ page: String(page - 1), per_page: String(perPage) }) : null,
    count: items.length,
  };
}
