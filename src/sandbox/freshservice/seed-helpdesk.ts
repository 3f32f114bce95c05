import { readFile } from 'node:fs/promises';
import { dataPath } from '../data-dir.js';
import { mulberry32 } from '../faults.js';
import { parseCsvRecords } from './csv.js';
import type { FreshserviceStore, StoredTicket, TicketStatus } from './store.js';

/**
 * Seeds tickets from the real help-desk texts released by Endava (../shared/data/helpdesk-tickets-text/all_tickets.csv,
 * see that folder's README): title and body are real (lower-cased, stop words and personal data
 * removed by the publisher); the integer label codes are mapped deterministically onto Freshservice
 * values — ticket_type 0/1 → Incident / Service Request, category code → a category name and the
 * agent group that handles it, urgency and impact codes (0 most severe) → Freshservice's 1–3
 * scales, priority from the two as an ITIL matrix would. Same file and options, same tickets.
 */

export const DEFAULT_HELPDESK_TICKETS_PATH = dataPath('helpdesk-tickets-text', 'all_tickets.csv');

export interface HelpdeskTicketRow {
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

export interface SeedHelpdeskOptions {
  /** How many tickets (rows from `offset`); default 200. */
  count?: number;
  /** Same as `count` (the name the Zendesk sandbox's seeder uses); `count` wins when both are given. */
  limit?: number;
  /** Rows to skip first; default 0. */
  offset?: number;
  /** Default DEFAULT_HELPDESK_TICKETS_PATH (DESKBRIDGE_DATA_DIR or ../shared/data). */
  path?: string;
  /** Workspace of the tickets; default the primary one. */
  workspaceId?: number;
  /** Creation times spread evenly over this many days before the store's clock (newest last); default 20, inside the list's 30-day default window. */
  spanDays?: number;
  /** Share (0..1) of tickets given the group their category maps to (and one of its members); default 0.5. */
  assignedShare?: number;
  /** Requesters to spread the tickets over (created as needed, requester-001@example.com …); default 25. */
  requesterCount?: number;
}

export interface SeedHelpdeskResult {
  tickets: StoredTicket[];
  /** Rows read from the file (before offset/count). */
  rowsRead: number;
}

/** Category code → [Freshservice category, group that handles it]. */
const CATEGORIES: Readonly<Record<string, readonly [string, string]>> = {
  '1': ['Facilities', 'Service Desk'],
  '4': ['Software', 'Applications'],
  '5': ['Hardware', 'Hardware'],
  '6': ['Access', 'Access Management'],
  '7': ['Network', 'Network'],
  '8': ['Printing', 'Hardware'],
  '9': ['Security', 'Access Management'],
  '11': ['Email', 'Applications'],
  '12': ['Telephony', 'Network'],
};

/** Codes run 0 (most severe) upwards; Freshservice's scales run 1 (low) to 3 (high). */
function level(code: string, lowestSevere: number): 1 | 2 | 3 {
  const n = Number(code);
  if (!Number.isFinite(n) || n <= lowestSevere) return 3;
  if (n === lowestSevere + 1) return 2;
  return 1;
}

function priorityOf(urgency: number, impact: number): 1 | 2 | 3 | 4 {
  const sum = urgency + impact;
  if (sum >= 6) return 4;
  if (sum >= 5) return 3;
  if (sum >= 4) return 2;
  return 1;
}

/** A stable draw in [0, 1) per row, so the same row always gets the same choices. */
function draw(index: number, salt: number): number {
  return mulberry32(index * 7919 + salt * 104_729)();
}

export async function readHelpdeskTickets(path: string = DEFAULT_HELPDESK_TICKETS_PATH): Promise<HelpdeskTicketRow[]> {
  const text = await readFile(path, 'utf8');
  return parseCsvRecords(text) as unknown as HelpdeskTicketRow[];
}

export async function seedHelpdeskTickets(store: FreshserviceStore, options: SeedHelpdeskOptions = {}): Promise<SeedHelpdeskResult> {
  const rows = await readHelpdeskTickets(options.path);
  const offset = options.offset ?? 0;
  const selected = rows.slice(offset, offset + (options.count ?? options.limit ?? 200));
  const workspaceId = options.workspaceId ?? store.primaryWorkspace().id;
  const span = (options.spanDays ?? 20) * 86_400_000;
  const assignedShare = options.assignedShare ?? 0.5;
  const requesterIds: number[] = [];
  for (let i = 1; i <= (options.requesterCount ?? 25); i++) {
    const email = `requester-${String(i).padStart(3, '0')}@example.com`;
    const existing = store.requesterByEmail(email);
    requesterIds.push((existing ?? store.addRequester({ first_name: 'Requester', last_name: String(i).padStart(3, '0'), primary_email: email })).id);
  }
  const now = Math.floor(store.now().getTime() / 1000) * 1000;
  const step = selected.length > 0 ? Math.floor(span / selected.length / 1000) * 1000 : 0;
  const tickets = selected.map((row, i) => {
    const index = offset + i;
    const [category, groupName] = CATEGORIES[row.category] ?? ['Other', 'Service Desk'];
    const urgency = level(row.urgency, 1);
    const impact = level(row.impact, 2);
    const group = draw(index, 1) < assignedShare ? store.groupByName(groupName, workspaceId) : undefined;
    const members = group?.members ?? [];
    const responder = members.length > 0 && draw(index, 2) < 0.6 ? members[Math.floor(draw(index, 3) * members.length)] : undefined;
    const r = draw(index, 4);
    const status: TicketStatus = r < 0.1 ? 4 : r < 0.2 ? 3 : 2;
    const body = row.body.trim();
    const subject = row.title.trim() || body.split(/\s+/).slice(0, 6).join(' ') || `Ticket ${index + 1}`;
    const createdAt = now - span + i * step;
    return store.createTicket({
      subject,
      description: body || subject,
      requester_id: requesterIds[index % requesterIds.length] ?? requesterIds[0] ?? 0,
      workspace_id: workspaceId,
      type: row.ticket_type === '0' ? 'Incident' : 'Service Request',
      category,
      sub_category: row.sub_category1 === '' ? null : `Subcategory ${row.sub_category1}`,
      urgency,
      impact,
      priority: priorityOf(urgency, impact),
      status,
      source: [1, 2, 3][index % 3] ?? 2,
      group_id: group?.id ?? null,
      responder_id: responder ?? null,
      created_at: createdAt,
      updated_at: createdAt,
    });
  });
  return { tickets, rowsRead: rows.length };
}
