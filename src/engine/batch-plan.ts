import type { PlannedAction } from '../model/action.js';
import type { SlaCalendar } from '../model/calendar.js';
import type { HistoryChanges } from '../model/history.js';
import type { TicketState } from '../model/ticket-state.js';
import type { Ticket } from '../model/ticket.js';
import type { Team } from '../team/model.js';
import type { Decision, QaVerdict, RuleTrace } from './types.js';
import type { HistoryReport } from './history-report.js';
import type { ShadowProblems } from './shadow-state.js';
import type { SkippedTicket } from './skip.js';
import type { VerdictRecord } from './verdict-record.js';

/** What every batch of a source is planned in: where, when, from which start point, with which team. */
export interface BatchContext {
  sourceId: string;
  /** The rules' clock. */
  now: Date;
  /**
   * The source's start point for acting (ISO): versions updated before it are history, learned
   * from and never acted on. Undefined: everything is acted on (rule tests, explain, backtest).
   */
  actFrom?: string | undefined;
  /** `--from` moved the start point back: a version processed before as history is judged again. */
  rewinding?: boolean | undefined;
  team?: Team | undefined;
  calendars?: ((name: string) => SlaCalendar | undefined) | undefined;
  /** The source's `skip:` condition (JSONata): a ticket it holds for is left alone, before any rule. */
  skip?: string | undefined;
  /** Native ids of this batch's tickets that are copies an escalate rule opened: never escalated again (no copy of a copy, no ping-pong). */
  escalationCopies?: ReadonlySet<string> | undefined;
}

/** One mapped ticket of a batch, with what its record's envelope says about the last edit. */
export interface BatchTicket {
  ticket: Ticket;
  /** The platform says deskbridge itself made the last change (loop prevention: only SLA clocks run). */
  ownWrite: boolean;
}

/**
 * What a pass carries from one batch to the next: the tickets pulled (and indexed) so far, which
 * count as seen before their batch commits, and the problems history would have opened.
 */
export interface PassMemory {
  readonly pulled: Set<string>;
  readonly shadowProblems: ShadowProblems;
}

/** An action as it was planned, for whoever watches (the demo prints them; tests count them). */
export interface PlannedEvent {
  /** The ticket evaluated; undefined for batch summaries (a problem's evidence rewritten). */
  ticket: Ticket | undefined;
  action: PlannedAction;
}

/** A rule that failed on a ticket (the batch goes on; the caller logs it). */
export interface RuleFailure {
  ticketKey: string;
  ruleId: string;
  reason: string;
}

/**
 * Told as the batch is planned, ticket by ticket (a rule that burns its whole time budget on every
 * ticket must show in the logs while the batch is still being judged, not after it).
 */
export interface BatchObserver {
  ruleFailed?(failure: RuleFailure): void;
  planned?(event: PlannedEvent): void;
}

/**
 * A ticket judged live, with what every rule made of it: rule tests, explain and backtest report
 * from it what the daemon would do (the actions alone lose the rules that did not match).
 */
export interface JudgedTicket {
  ticket: Ticket;
  decisions: Decision[];
  trace: RuleTrace[];
  verdicts: QaVerdict[];
}

/** Everything a batch commit stores, and what the caller reports about it. */
export interface BatchPlan {
  actions: PlannedAction[];
  /** What is remembered of each ticket after this batch. */
  tickets: TicketState[];
  /** Rule id → new round-robin position. */
  roundRobin: Map<string, number>;
  history: HistoryChanges;
  /** Audit records (QA verdicts) for the append-only logs. */
  audit: VerdictRecord[];
  /** Actions announced as planned, in order (own-write SLA steps are not announced). */
  events: PlannedEvent[];
  ruleFailures: RuleFailure[];
  /** Tickets judged live. */
  evaluated: number;
  /** Tickets whose last change was deskbridge's own write (only their SLA clocks ran). */
  ownWrites: number;
  /** Assignments planned, per group. */
  routedByGroup: Record<string, number>;
  /** Tickets seen for the first time and judged live: possible originals of tickets judged before. */
  newcomers: Ticket[];
  /** Every ticket judged live, in the order judged. */
  judged: JudgedTicket[];
  /** What history versions of this batch taught and what acting on them would have done. */
  historyReport: HistoryReport;
  /** Tickets the source's `skip:` condition left alone (no rule judged them, nothing is written). */
  skipped: SkippedTicket[];
}
