import { readFileSync } from 'node:fs';
import { dataPath } from '../data-dir.js';
import { parseCsvObjects } from '../servicenow/csv.js';
import type { TicketPriority, ZendeskStore } from './store.js';

/**
 * Seeds tickets from the public help-desk ticket texts
 * (`<data dir>/helpdesk-tickets-text/all_tickets.csv`: title, body, ticket_type, category,
 * sub_category1, sub_category2, business_service, urgency, impact — the classes are integer codes).
 * Deterministic: row i becomes the i-th ticket, the codes become tags and attributes (below), and
 * creation times are spread evenly over the past `days`, oldest first.
 */

export const DEFAULT_HELPDESK_TICKETS_PATH = dataPath('helpdesk-tickets-text', 'all_tickets.csv');

/** urgency code → priority: 0 is the most urgent class of the data set. */
const PRIORITY_BY_URGENCY: Record<string, TicketPriority> = { '0': 'urgent', '1': 'high', '2': 'normal', '3': 'low' };

export interface SeedHelpdeskOptions {
  /** At most this many tickets (rows in file order); default all. */
  limit?: number;
  /** Default DEFAULT_HELPDESK_TICKETS_PATH (DESKBRIDGE_DATA_DIR, see data-dir.ts). */
  path?: string;
  /** Spread creation times over this many past days; default 30. */
  days?: number;
  /** End users the tickets are requested by (created as needed); default 25. */
  requesters?: number;
}

export interface HelpdeskRow {
  title: string;
  body: string;
  ticket_type: string;
  category: string;
  sub_category1: string;
  sub_category2: string;
  business_service: string;
  urgency: string;
  impact: string;
}

export function readHelpdeskTickets(path: string = DEFAULT_HELPDESK_TICKETS_PATH): HelpdeskRow[] {
  return parseCsvObjects(readFileSync(path, 'utf8')).map((row) => ({
    title: (row['title'] ?? '').trim(),
    body: (row['body'] ?? '').trim(),
    ticket_type: (row['ticket_type'] ?? '').trim(),
    category: (row['category'] ?? '').trim(),
    sub_category1: (row['sub_category1'] ?? '').trim(),
    sub_category2: (row['sub_category2'] ?? '').trim(),
    business_service: (row['business_service'] ?? '').trim(),
    urgency: (row['urgency'] ?? '').trim(),
    impact: (row['impact'] ?? '').trim(),
  }));
}

/**
 * Adds the rows as tickets: subject = title (or the body's first words when the title is empty),
 * description = body; ticket_type 0 → incident (the data set's issues, urgency 0–2), else question
 * (its requests, all urgency 3); urgency → priority; tags
 * `category_<n>`, `subcategory_<n>` and `service_<n>`. All new and unassigned. Returns the ids.
 */
export function seedHelpdeskTickets(store: ZendeskStore, options: SeedHelpdeskOptions = {}): number[] {
  const rows = readHelpdeskTickets(options.path).filter((r) => r.body !== '' || r.title !== '');
  const chosen = rows.slice(0, options.limit ?? rows.length);
  const requesterCount = Math.max(1, options.requesters ?? 25);
  const requesters = Array.from({ length: requesterCount }, (_, i) => {
    const email = `helpdesk.user${i + 1}@example.com`;
    return store.userByEmail(email) ?? store.addUser({ name: `Helpdesk User ${i + 1}`, email, role: 'end-user' });
  });
  const nowMs = store.now().getTime();
  const spanMs = (options.days ?? 30) * 86_400_000;
  // Newest a few minutes old, so a first export (which leaves out the last minute) sees all of them.
  const newestMs = nowMs - 5 * 60_000;
  const step = chosen.length > 1 ? Math.floor(spanMs / (chosen.length - 1)) : 0;
  const ids: number[] = [];
  chosen.forEach((row, i) => {
    const requester = requesters[i % requesters.length];
    if (!requester) return;
    const subject = row.title !== '' ? row.title : row.body.split(/\s+/).slice(0, 8).join(' ');
    const tags = [row.category && `category_${row.category}`, row.sub_category1 && `subcategory_${row.sub_category1}`, row.business_service && `service_${row.business_service}`].filter(
      (t) => t !== '',
    );
    const { ticket } = store.createTicket(
      {
        subject,
        type: row.ticket_type === '0' ? 'incident' : 'question',
        priority: PRIORITY_BY_URGENCY[row.urgency] ?? 'normal',
        tags,
        comment: { body: row.body !== '' ? row.body : row.title },
      },
      requester.id,
      { createdAt: newestMs - (chosen.length - 1 - i) * step, via: 'email' },
    );
    ids.push(ticket.id);
  });
  return ids;
}
