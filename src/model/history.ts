import type { Ticket } from './ticket.js';

/**
 * What the daemon knows of earlier tickets (similarity index, duplicate families, pattern history),
 * as facts: the engine reads them through {@link HistoryStore}, the state store keeps them.
 */

/** A ticket as the similarity index sees it: identity, creation time, text and a few exact-match fields. */
export interface SimilarityDoc {
  /** Unique ticket key, e.g. "servicenow:snow-prod:abc123". */
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  title: string;
  description: string;
  /** Exact-match attributes such as requester, ci, category, location. */
  fields: Record<string, string | undefined>;
}

/**
 * Kinds of index terms a dedup rule can mask (`mask:`), as similarity/term-kind.ts classifies
 * them; listed here because the query that carries them is a history fact.
 */
export const MASKABLE_TERM_KINDS = ['urls', 'domains', 'emails', 'ips', 'issueRefs', 'ids', 'codeRefs'] as const;
export type MaskableTermKind = (typeof MASKABLE_TERM_KINDS)[number];

export interface CandidateQuery {
  /** The new ticket. It need not be indexed; if it is, it is never returned as its own candidate. */
  doc: SimilarityDoc;
  /** Look-back lower bound (ISO, inclusive). */
  createdAfter?: string;
  /** Only tickets created strictly before this (the original is the earlier report). */
  createdBefore: string;
  /** Restrict to these sources; default: the doc's own source. */
  sourceIds?: readonly string[];
  /** Candidates must have these fields present and equal to the query's. */
  equalFields?: readonly string[];
  /** Fields whose equality raises the score (each weight in 0..1, see similarity's `combineScore`). */
  fieldWeights?: Readonly<Record<string, number>>;
  /**
   * Recency prior applied to `score` (see similarity/scoring.ts `recencyFactor`); `{ weight: 0 }` turns it
   * off. Default: weight 0.2, half-life 90 days, age measured from the query's createdAt.
   */
  recency?: { weight: number; halfLifeDays: number };
  /** Kinds of terms not counted as evidence, on either side (a dedup rule's `mask:`; see similarity/term-kind.ts). */
  mask?: readonly MaskableTermKind[];
  limit: number;
}

/**
 * How a resolved or closed ticket was resolved, as history keeps it for dedup rules that show a
 * technician the fix of an earlier look-alike (`resolved` on a dedup rule).
 */
export interface ResolvedRecord {
  /** ISO, UTC: the platform's resolution time, else the update that found it resolved (no earlier). */
  resolvedAt: string;
  code?: string;
  /** Close notes / resolution text, at most {@link RESOLUTION_NOTES_MAX} characters. */
  notes?: string;
}

/** Longest resolution text history keeps per ticket (notes quote an excerpt of it). */
export const RESOLUTION_NOTES_MAX = 1000;

/** What indexing a ticket records: its text for the similarity index and, when resolved, how. */
export type IndexDoc = SimilarityDoc & {
  title: string;
  /** Absent: the ticket is not resolved (or was reopened), so any earlier record is removed. */
  resolved?: ResolvedRecord;
};

/** A ticket as history holds it: enough to address it and show it to a person. */
export interface IndexedTicket {
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  createdAt: string;
  title: string;
  /** Set when the ticket was last indexed resolved or closed with a resolution code or notes. */
  resolved?: ResolvedRecord;
}

/** An indexed ticket as a history store hands it out: the index's identity fields, its title and, when it was resolved, how. */
export function indexedTicket(doc: Omit<IndexedTicket, 'title' | 'resolved'>, title: string, resolved: ResolvedRecord | undefined): IndexedTicket {
  return { key: doc.key, sourceId: doc.sourceId, nativeId: doc.nativeId, number: doc.number, version: doc.version, createdAt: doc.createdAt, title, ...(resolved ? { resolved } : {}) };
}

export interface DuplicateCandidate extends IndexedTicket {
  score: number;
  textScore: number;
  sharedTerms: string[];
  matchedFields: string[];
}

export interface CandidateSearch {
  ticket: Ticket;
  sourceIds: readonly string[];
  createdAfter: string;
  createdBefore: string;
  equalFields: readonly string[];
  fieldWeights: Readonly<Record<string, number>>;
  /** Kinds of terms not counted as evidence (the rule's `mask:`). */
  mask?: readonly MaskableTermKind[];
  limit: number;
}

/** One incident counted in a pattern group, at its creation time. */
export interface PatternEvent {
  ruleId: string;
  sourceId: string;
  groupKey: string;
  ticketKey: string;
  nativeId: string;
  number: string;
  version: string;
  createdAt: string;
  title: string;
  /** Field values shown as evidence (ci, location, group, category…). */
  details: Record<string, string>;
}

/** The problem record a pattern opened; `generation` counts the problems one group has had. */
export interface PatternProblem {
  correlationKey: string;
  ruleId: string;
  sourceId: string;
  groupKey: string;
  /** The values the group was formed by, e.g. `["Configuration Item 1"]`. */
  groupValues: string[];
  generation: number;
  status: 'open' | 'closed';
  openedAt: string;
  /** The departure from normal that opened it, in words. */
  trigger: string;
}

/** What one batch's dedup and pattern rules decided to remember; committed with the batch. */
export interface HistoryChanges {
  /** `plan`: the evaluation that decided it (see PlannedAction.plan); released if its writes fail. */
  marks: { ruleId: string; key: string; mark: string; plan: string | undefined }[];
  duplicates: { key: string; rootKey: string; ruleId: string; plan: string | undefined }[];
  patternEvents: PatternEvent[];
  /** Inserted or updated (status) by correlation key. */
  problems: PatternProblem[];
  members: { correlationKey: string; ticketKey: string; ruleId: string }[];
}

/**
 * What dedup and pattern rules know of earlier tickets. The similarity index is derived data and
 * is written directly (re-indexing a ticket is harmless); everything else changes only through
 * a batch commit, with the outbox entries it explains.
 */
export interface HistoryStore {
  /** Indexes the ticket's text and keeps (or, when absent, removes) its resolution. */
  index(doc: IndexDoc): Promise<void>;
  candidates(query: CandidateQuery): Promise<DuplicateCandidate[]>;
  indexed(key: string): Promise<IndexedTicket | undefined>;
  indexedCount(): Promise<number>;
  /**
   * The ticket's text cluster (indexing it): the cluster it was given before, else its best earlier
   * candidate's at or above `threshold`, else a new one it leads. Returns the leader's key and number.
   */
  cluster(doc: SimilarityDoc & { title: string }, options: { threshold: number; createdAfter: string }): Promise<{ key: string; number: string }>;
  /** Which of these ticket keys a committed batch has seen (the index may hold more). */
  committedTickets(keys: readonly string[]): Promise<Set<string>>;
  duplicateRoot(key: string): Promise<string | undefined>;
  hasDuplicates(key: string): Promise<boolean>;
  hasMark(ruleId: string, key: string, mark: string): Promise<boolean>;
  /** The rule (any rule, enabled or not) that set one of these marks on the ticket, if any. */
  markedBy(key: string, marks: readonly string[]): Promise<string | undefined>;
  patternEvent(ruleId: string, ticketKey: string): Promise<PatternEvent | undefined>;
  /** Events of a group created in [from, to), oldest first. */
  patternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<PatternEvent[]>;
  countPatternEvents(ruleId: string, groupKey: string, from: string, to: string): Promise<number>;
  firstPatternEventAt(ruleId: string): Promise<string | undefined>;
  latestProblem(ruleId: string, groupKey: string): Promise<PatternProblem | undefined>;
  members(correlationKey: string): Promise<PatternEvent[]>;
  /** Problems a source's pattern rules opened that are open as far as the daemon knows. */
  openProblems(sourceId: string): Promise<PatternProblem[]>;
  /** Records that people resolved/closed a problem on the platform (or reopened it). */
  setProblemStatus(correlationKey: string, status: PatternProblem['status']): Promise<void>;
}
