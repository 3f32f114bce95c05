import { z } from 'zod';
import { CommentVisibility } from './action.js';
import { TicketStatus } from './ticket.js';

/**
 * An expected action in a rule test. Matching is by the fields given: leave a field out and any
 * value passes; `bodyContains` checks a comment's text without pinning all of it.
 */
export const ExpectedAction = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('assign'), group: z.string().optional(), assignee: z.string().optional(), rule: z.string().optional() }),
  z.strictObject({
    type: z.literal('comment'),
    visibility: CommentVisibility.optional(),
    body: z.string().optional(),
    bodyContains: z.string().optional(),
    /** Number of the ticket the note is written to, when it is not the test's ticket (a duplicate's original). */
    on: z.string().optional(),
    rule: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('set-field'),
    field: z.string().optional(),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    /** Number of the ticket the field is set on, when it is not the test's ticket (the other end of an escalation). */
    on: z.string().optional(),
    rule: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('create-problem'), title: z.string().optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('link-problem'), on: z.string().optional(), rule: z.string().optional() }),
  /** `original`: the number of the ticket it is linked to as a duplicate. */
  z.strictObject({ type: z.literal('link-duplicate'), original: z.string().optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('update-problem'), reopen: z.boolean().optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('create-task'), title: z.string().optional(), group: z.string().optional(), rule: z.string().optional() }),
  /** A linked copy opened on another source (`escalate` rule): `to` is that source's id, `priority` 1 … 5; `titleContains` checks part of the copy's title. */
  z.strictObject({
    type: z.literal('escalate'),
    to: z.string().optional(),
    title: z.string().optional(),
    titleContains: z.string().optional(),
    priority: z.number().int().min(1).max(5).optional(),
    rule: z.string().optional(),
  }),
  /** The note on the escalated ticket naming its copy (deskbridge adds the copy's number and link when it writes it). */
  z.strictObject({ type: z.literal('announce-escalation'), to: z.string().optional(), body: z.string().optional(), bodyContains: z.string().optional(), rule: z.string().optional() }),
]);
export type ExpectedAction = z.infer<typeof ExpectedAction>;

/** A comment on the test's ticket that escalation sync reads (`linked.comments`). */
export const LinkedComment = z.strictObject({
  /** Who wrote it, as a person reads it. */
  author: z.string().min(1),
  /** When it was written (ISO); default the ticket's `updatedAt` (the comment came with this version). */
  at: z.iso.datetime({ offset: true }).optional(),
  body: z.string().min(1),
  /** `internal` (a work note, the default) or `public` (visible to the requester). */
  visibility: CommentVisibility.default('internal'),
  /** Written by deskbridge itself (its integration user): never mirrored back. */
  own: z.boolean().default(false),
});
export type LinkedComment = z.infer<typeof LinkedComment>;

/**
 * The test's ticket is one end of an escalation an `escalate` rule made earlier, so the rule's
 * `sync` is tested offline: the ticket's new comments and its status are planned into writes to
 * the other end, exactly as the daemon does when it pulls the ticket, next to what the rules decide.
 * Expect the writes to the other end with `on: <other.number>`. The ticket counts as seen before (in
 * `previousStatus`), and as the original its escalate rule already wrote to it (as `state.applied`),
 * so the rule does not escalate it a second time:
 *
 * ```yaml
 * linked:
 *   as: original                 # the test's ticket is the escalated one (`copy`: it is the copy)
 *   rule: to-developers          # the escalate rule that opened the copy
 *   other: { source: jira-dev, number: DEV-42 }
 *   comments:
 *     - { author: Ann Lee, body: "#shared Root cause: the certificate expired" }
 * expect:
 *   actions:
 *     - { type: comment, on: DEV-42, bodyContains: Root cause }
 * ```
 */
export const LinkedEscalation = z.strictObject({
  /** Which end of the escalation the test's ticket is: `original` (the ticket that was escalated) or `copy` (the copy deskbridge opened). */
  as: z.enum(['original', 'copy']),
  /** Id of the `escalate` rule in this file that made the escalation (its `sync` settings apply). */
  rule: z.string().min(1),
  /** The ticket at the other end. */
  other: z.strictObject({
    /** Id of the source it is on. */
    source: z.string().min(1),
    /** Its number, as people see it (`DEV-42`, `INC0012345`); expect writes to it with `on:` this number. */
    number: z.string().min(1),
    /** Its id on the platform (Jira issue id, ServiceNow sys_id); default the number. */
    nativeId: z.string().min(1).optional(),
    /** Whether deskbridge has pulled it before (default true); when not, its fields are not set (`set:`), only notes are written. */
    pulled: z.boolean().default(true),
    /** Its status as deskbridge last pulled it (default open): an end that is done already is not told the other is. */
    status: TicketStatus.optional(),
  }),
  /** When the copy was opened (ISO; default the ticket's `createdAt`). The comments listed are those the daemon would read: since the ticket's previous version. */
  escalatedAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * The ticket's status when deskbridge saw it before: a change into resolved, closed or cancelled
   * is what tells the other end (`sync.copyResolved`, `sync.originalClosed`). Unset = its status now (no change).
   */
  previousStatus: TicketStatus.optional(),
  /** This version of the ticket is deskbridge's own write (e.g. it resolved the ticket itself): its status is not sent back, and rules do not judge it. */
  ownWrite: z.boolean().default(false),
  /** Comments on the ticket since deskbridge last saw it, oldest first. */
  comments: z.array(LinkedComment).default([]),
});
export type LinkedEscalation = z.infer<typeof LinkedEscalation>;

/**
 * A test inside a rules file (`tests:`): an example ticket, optional prior state, and what the
 * rules in the same file must do with it. Run offline with `deskbridge test`.
 */
export const RuleTest = z.strictObject({
  name: z.string().min(1),
  /** Source id the ticket comes from (for `scope.sources`); default `test`. */
  source: z.string().min(1).optional(),
  /**
   * The ticket: canonical fields (`title`, `category`, `priority`, `group`, …, and `raw` for
   * native fields). Fields left out get neutral defaults (a new, unassigned P3 incident).
   */
  ticket: z.record(z.string(), z.unknown()),
  /**
   * Tickets seen before this one, oldest first (numbers H1, H2, … unless given): they go through
   * the same rules and are remembered — similarity index, duplicate links, pattern counts — so
   * dedup and pattern rules can be tested. Their own actions are not checked.
   */
  history: z.array(z.record(z.string(), z.unknown())).optional(),
  /** The moment the rules decide at (ISO; default 2026-01-01T09:00:00Z): shifts, on-call and SLA clocks depend on it. */
  now: z.iso.datetime({ offset: true }).optional(),
  /** Rules of the file that are `enabled: false` but switched on for this test (try a rule before enabling it). */
  enable: z.array(z.string().min(1)).optional(),
  /**
   * State before the ticket arrives: round-robin positions per rule (over whatever the `history`
   * tickets moved), open tickets per person (on top of the history tickets still open).
   */
  state: z
    .strictObject({
      roundRobin: z.record(z.string(), z.number().int().min(0)).optional(),
      openTickets: z.record(z.string(), z.number().int().min(0)).optional(),
      /**
       * Rules whose trigger was already seen: the ticket was judged before (as it is now) and these
       * rules' `when` held then, so an `override` rule is held back (see README "People win").
       */
      triggered: z.array(z.string().min(1)).optional(),
      /** Rules that already wrote to the ticket (a `once` rule does not again). */
      applied: z.array(z.string().min(1)).optional(),
    })
    .optional(),
  /** The ticket is one end of an escalation made earlier: its comments and status are kept in step with the other end (see {@link LinkedEscalation}). */
  linked: LinkedEscalation.optional(),
  expect: z.union([z.strictObject({ actions: z.array(ExpectedAction).min(1), exact: z.boolean().default(true) }), z.strictObject({ noActions: z.literal(true) })]),
});
export type RuleTest = z.infer<typeof RuleTest>;
