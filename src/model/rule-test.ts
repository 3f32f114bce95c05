import { z } from 'zod';
import { CommentVisibility } from './action.js';

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
  z.strictObject({ type: z.literal('set-field'), field: z.string().optional(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('create-problem'), title: z.string().optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('link-problem'), on: z.string().optional(), rule: z.string().optional() }),
  /** `original`: the number of the ticket it is linked to as a duplicate. */
  z.strictObject({ type: z.literal('link-duplicate'), original: z.string().optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('update-problem'), reopen: z.boolean().optional(), rule: z.string().optional() }),
  z.strictObject({ type: z.literal('create-task'), title: z.string().optional(), group: z.string().optional(), rule: z.string().optional() }),
]);
export type ExpectedAction = z.infer<typeof ExpectedAction>;

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
  expect: z.union([z.strictObject({ actions: z.array(ExpectedAction).min(1), exact: z.boolean().default(true) }), z.strictObject({ noActions: z.literal(true) })]),
});
export type RuleTest = z.infer<typeof RuleTest>;
