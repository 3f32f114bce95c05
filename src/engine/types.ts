import type { Action, ActionTarget } from '../model/action.js';
import type { SlaCalendar } from '../model/calendar.js';
import type { CandidateSearch, DuplicateCandidate, IndexedTicket, PatternEvent, PatternProblem } from '../model/history.js';
import type { Ticket, TicketStatus } from '../model/ticket.js';
import type { Team } from '../team/model.js';
import type { RuleMemory, RuleMemoryChange } from './rule-memory.js';

// History facts and business calendars are the model's; re-exported for the rule kinds.
export type { CandidateSearch, DuplicateCandidate, IndexedTicket, PatternEvent, PatternProblem } from '../model/history.js';
export type { SlaCalendar } from '../model/calendar.js';

/** One action a rule decided on, before it gets an idempotency key. */
export interface Decision {
  ruleId: string;
  action: Action;
  /** One plain sentence a technician can read: why this happened. */
  explanation: string;
  /** Another ticket the action is written to (a note on a duplicate's original, a pattern's earlier members); default the evaluated ticket. */
  target?: ActionTarget;
  /** Writes sharing a lane go strictly in order (a problem's creation before its links); default the target ticket. */
  lane?: string;
  /** The plan it belongs to (see PlannedAction.plan), when not the evaluated ticket version's: an SLA step is its own. */
  plan?: string;
}

/** What happened to one rule for one ticket, for `explain` and debug logs. */
export interface RuleTrace {
  ruleId: string;
  kind: string;
  outcome: 'matched' | 'no-match' | 'not-applicable' | 'error';
  reason: string;
}

export interface Evaluation {
  decisions: Decision[];
  trace: RuleTrace[];
  /** QA verdicts reached for this ticket version (audit records, not writes). */
  verdicts: QaVerdict[];
  /** When the next SLA step of this ticket falls due (ISO), if any: the daemon looks again then. */
  slaDueAt: string | undefined;
  /** What the rules that remember their trigger learned about the ticket (stored in its row). */
  memory: RuleMemoryChange;
}

export interface QaCheckResult {
  id: string;
  passed: boolean;
  severity: 'error' | 'warning' | 'info';
  /** The check's message when it failed (or why it could not be evaluated); empty when it passed. */
  message: string;
}

/** One QA rule's judgement of one ticket version. */
export interface QaVerdict {
  ruleId: string;
  ticketKey: string;
  sourceId: string;
  number: string;
  version: string;
  passed: boolean;
  sampled: boolean;
  checks: QaCheckResult[];
  group: string | undefined;
  assignee: string | undefined;
  category: string | undefined;
  resolvedAt: string | undefined;
}

/**
 * The engine's window on durable state. Reads see earlier decisions of the same batch, and
 * changes are applied by the caller in the same transaction as the outbox entries, so a crash
 * before commit replays the batch with exactly the same choices.
 */
export interface EngineState {
  /** Returns the next round-robin position for a rule and advances it. */
  nextRoundRobin(ruleId: string, memberCount: number): number;
  /** The stored round-robin position of a rule (team-aware rotation skips people, so it sets it itself). */
  roundRobinPosition(ruleId: string): number;
  setRoundRobinPosition(ruleId: string, position: number): void;
  /** Open tickets the daemon knows of that are assigned to this person on this source. */
  openLoad(sourceId: string, assignee: string): number;
  /** Tells the state that the engine assigned a ticket, so later tickets in the batch see the load. */
  noteAssignment(ticket: Ticket, group: string, assignee: string | undefined): void;
  /** The group this batch already assigned the ticket to, if any (rules later in the evaluation see it). */
  plannedGroup?(ticketKey: string): string | undefined;
  /** Every source whose open tickets are counted (team capacity spans platforms); default the evaluated one. */
  loadSources?(ownSourceId: string): string[];
  /** What earlier tickets the daemon has seen: the similarity index, duplicate links, pattern history. */
  readonly history: HistoryState;
}

/**
 * Durable history the dedup and pattern rules read. Reads see what earlier tickets of the same
 * batch recorded; records are committed by the caller with the batch's outbox entries.
 */
export interface HistoryState {
  /** Adds or refreshes the ticket in the similarity index. */
  index(ticket: Ticket): Promise<void>;
  candidates(search: CandidateSearch): Promise<DuplicateCandidate[]>;
  indexed(key: string): Promise<IndexedTicket | undefined>;
  /** The ticket's text cluster (see pattern rules' `$cluster`): the number of the cluster's first ticket. */
  clusterOf(ticket: Ticket, options: { threshold: number; createdAfter: string }): Promise<string>;
  /** The original a ticket was linked to as a duplicate, if it was. */
  rootOf(key: string): Promise<string | undefined>;
  /** Whether other tickets were linked to this one as duplicates. */
  hasDuplicates(key: string): Promise<boolean>;
  recordDuplicate(key: string, rootKey: string, ruleId: string): void;
  hasMark(ruleId: string, key: string, mark: string): Promise<boolean>;
  /** `plan`: the plan whose failure releases the mark (default the ticket version being evaluated). */
  setMark(ruleId: string, key: string, mark: string, plan?: string): void;
  /** The rule (any rule, enabled or not) that set one of these marks on the ticket, if any. */
  markedBy(key: string, marks: readonly string[]): Promise<string | undefined>;

  patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined>;
  recordPatternEvent(event: PatternEvent): void;
  /** Events of a group created in [from, to). */
  patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]>;
  countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number>;
  /** The group's latest problem (open or closed). */
  latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined>;
  saveProblem(problem: PatternProblem): void;
  addMember(correlationKey: string, event: PatternEvent): void;
  members(correlationKey: string): Promise<PatternEvent[]>;
  /** When the rule counted its first incident (its history starts there). */
  firstPatternEventAt(ruleId: string): Promise<string | undefined>;
  /** Remembers, for this batch, that a problem gained a member (or was reopened). */
  touchProblem(problem: PatternProblem, member: PatternEvent, reopen: boolean): void;
  touchedProblems(): { problem: PatternProblem; lastMember: PatternEvent; reopen: boolean }[];
}

export interface EvaluationContext {
  sourceId: string;
  /** The ticket is a copy an escalate rule opened (deskbridge's state links it to its original). */
  escalationCopy?: boolean | undefined;
  /**
   * The ticket's status when the daemon last saw it (undefined: first time). QA rules run when a
   * ticket enters resolved/closed, which needs to know where it came from.
   */
  previousStatus?: TicketStatus | undefined;
  /** When the ticket entered its current status (ISO); SLA aging steps count from it. */
  statusSince?: string | undefined;
  /** Its `resolvedAt` when last seen: a different one means it was reopened and resolved again in between. */
  previousResolvedAt?: string | undefined;
  /** Business-hours calendars by name (the team file's groups); SLA rules fall back to 24x7. */
  calendars?: ((name: string) => SlaCalendar | undefined) | undefined;
  /** The team file: who works when, skills, capacity, on-call (team-aware routing strategies). */
  team?: Team | undefined;
  /** Fixed clock for reproducible evaluation (`$now()` in rules uses JSONata's own). */
  now: Date;
  /**
   * The source's start point for acting (ISO; see src/daemon/start-point.ts). Pattern rules open a
   * problem only for a spike whose window reaches it: a burst that lies entirely before it is
   * history (last March's outage is nobody's problem today), one still going on is not.
   * Undefined: no start point (rule tests, explain, and the report of what history would have done).
   */
  actFrom?: string | undefined;
  /**
   * This exact version was processed before as history and is judged again to act on it (the
   * start point moved back): what it taught (pattern counts) is already recorded.
   */
  rejudge?: boolean | undefined;
  /**
   * What rules remembered about this ticket at its previous judgement (its state row): an
   * `override` rule whose `when` was already true then, or a `once` rule that applied, holds back.
   * Undefined: nothing remembered (a ticket never judged).
   */
  memory?: RuleMemory | undefined;
}
