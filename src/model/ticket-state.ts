import type { TicketStatus } from './ticket.js';

/** What the daemon remembers about a ticket between passes (not the ticket itself). */
export interface TicketState {
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  status: TicketStatus;
  group: string | undefined;
  assignee: string | undefined;
  updatedAt: string;
  /** When the ticket entered its current status (ISO); SLA aging counts from it. */
  statusSince?: string | undefined;
  /** Its resolution time, if resolved: QA notices a ticket reopened and resolved again between two passes. */
  resolvedAt?: string | undefined;
  /** When its next SLA step falls due (ISO); the sweep looks at it then, changed or not. */
  slaDueAt?: string | undefined;
  /** The canonical ticket without `raw`, kept while an SLA step is due, for the sweep to judge. */
  snapshot?: string | undefined;
  /**
   * Rule ids whose `when` was true when deskbridge last judged the ticket (rules of the kinds that
   * remember their trigger: routing). Undefined: never judged since deskbridge began remembering.
   * An `override` rule re-applies only when its `when` newly becomes true (see README "People win").
   */
  triggered?: readonly string[] | undefined;
  /** Rule ids that ever wrote to the ticket (same kinds): a `once: true` rule never does again. */
  applied?: readonly string[] | undefined;
}
