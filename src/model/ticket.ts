import { z } from 'zod';

/** Canonical lifecycle states every platform's native status maps onto. */
export const TicketStatus = z.enum(['new', 'open', 'in_progress', 'on_hold', 'resolved', 'closed', 'cancelled']);
export type TicketStatus = z.infer<typeof TicketStatus>;

export const TicketKind = z.enum(['incident', 'request', 'problem', 'change', 'task']);
export type TicketKind = z.infer<typeof TicketKind>;

const IsoUtc = z.iso.datetime({ offset: false });

/** Where a ticket lives on its platform; enough to address it again and to show a person a link. */
export const TicketSource = z.strictObject({
  platform: z.string().min(1),
  /** The configured source id (e.g. `snow-prod`), not the host name. */
  instance: z.string().min(1),
  /** Table (ServiceNow) or project (Jira) the record belongs to. */
  container: z.string().min(1),
  nativeId: z.string().min(1),
  number: z.string().min(1),
  url: z.string().optional(),
});
export type TicketSource = z.infer<typeof TicketSource>;

/**
 * The platform-neutral ticket every rule sees. Inbound mappings produce it from a native record;
 * the schema is strict so a mapping mistake is caught at the edge and the record quarantined.
 */
export const Ticket = z.strictObject({
  /** `platform:instance:nativeId` — stable across updates, unique across sources. */
  key: z.string().min(1),
  source: TicketSource,
  /** Native change counter (ServiceNow `sys_mod_count`, Jira `updated`); part of idempotency keys. */
  version: z.string().min(1),
  kind: TicketKind,
  title: z.string(),
  description: z.string(),
  status: TicketStatus,
  nativeStatus: z.string(),
  /** 1 (critical) … 5 (planning). */
  priority: z.number().int().min(1).max(5),
  category: z.string().optional(),
  subcategory: z.string().optional(),
  ci: z.string().optional(),
  location: z.string().optional(),
  requester: z.string().optional(),
  assignee: z.string().optional(),
  group: z.string().optional(),
  contactType: z.string().optional(),
  createdAt: IsoUtc,
  updatedAt: IsoUtc,
  resolvedAt: IsoUtc.optional(),
  /** Who made the last change; own-write detection compares it with the integration user. */
  updatedBy: z.string().optional(),
  resolution: z.strictObject({ code: z.string().optional(), notes: z.string().optional() }).optional(),
  reassignmentCount: z.number().int().min(0).optional(),
  reopenCount: z.number().int().min(0).optional(),
  problemRef: z.string().optional(),
  /** The ticket missed its SLA (ServiceNow `made_sla` false; Jira: a breached SLA cycle); unset = unknown. */
  slaBreached: z.boolean().optional(),
  /** How many customer-visible comments the ticket has (ServiceNow `comments`, Jira public comments); unset = unknown. */
  publicUpdates: z.number().int().min(0).optional(),
  labels: z.array(z.string()),
  /** The native record as pulled, so rules and outbound mappings can reach custom fields (`u_*`). */
  raw: z.unknown(),
});
export type Ticket = z.infer<typeof Ticket>;

/** Open means somebody still has work to do on it; least-loaded routing counts these. */
export function isOpen(status: TicketStatus): boolean {
  return status !== 'resolved' && status !== 'closed' && status !== 'cancelled';
}
