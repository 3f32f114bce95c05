import { z } from 'zod';
import { CommentVisibility } from './action.js';
import { TicketStatus } from './ticket.js';
import { RuleTest } from './rule-test.js';

/** A JSONata expression kept as source text; compiled (and positioned on error) by the loader. */
export const Jsonata = z.string().min(1);

export const RuleScope = z.strictObject({
  /** Source ids this rule applies to; unset = every source. */
  sources: z.array(z.string().min(1)).min(1).optional(),
});

const RuleBase = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  /** JSONata condition over the canonical ticket; a truthy result means the rule applies. */
  when: Jsonata,
  scope: RuleScope.optional(),
};

export const RoutingStrategy = z.enum(['fixed', 'round-robin', 'least-loaded', 'skill-match', 'on-call']);
export type RoutingStrategy = z.infer<typeof RoutingStrategy>;

export const NoteSpec = z.strictObject({
  visibility: CommentVisibility.default('internal'),
  /** Text with `{{ jsonata }}` placeholders evaluated over the ticket, `$group`, `$assignee`, `$rule`. */
  template: z.string().min(1),
});
export type NoteSpec = z.infer<typeof NoteSpec>;

export const RoutingRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('routing'),
  assign: z.strictObject({
    group: z.string().min(1),
    strategy: RoutingStrategy.default('fixed'),
    /** Fixed person (strategy `fixed`). */
    assignee: z.string().min(1).optional(),
    /** People to pick from (strategies `round-robin`, `least-loaded`). */
    members: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Pick from the group's members in the team file instead, skipping people off shift, on leave
     * or at capacity (always so for `skill-match` and `on-call`).
     */
    team: z.boolean().default(false),
    /** JSONata: the skills the ticket needs — `{"network": 3}` (minimum levels) or `["vpn"]` (any level). */
    skills: Jsonata.optional(),
  }),
  note: NoteSpec.optional(),
  /** Keep evaluating later rules after this one matched. */
  continue: z.boolean().default(false),
  /** Reassign tickets that already have a group. */
  override: z.boolean().default(false),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

/** A span of time written the way admins think of it: `{ days: 28 }`, `{ hours: 24 }`. */
export const Duration = z
  .strictObject({
    days: z.number().min(0).optional(),
    hours: z.number().min(0).optional(),
    minutes: z.number().min(0).optional(),
  })
  .refine((d) => (d.days ?? 0) + (d.hours ?? 0) + (d.minutes ?? 0) > 0, 'give a positive number of days, hours or minutes');
export type Duration = z.infer<typeof Duration>;

export function durationMs(duration: Duration): number {
  return (((duration.days ?? 0) * 24 + (duration.hours ?? 0)) * 60 + (duration.minutes ?? 0)) * 60_000;
}

/** Canonical ticket fields that dedup rules can require to be equal or count as evidence. */
export const MatchField = z.enum(['requester', 'ci', 'category', 'subcategory', 'location', 'group', 'contactType', 'kind', 'priority']);
export type MatchField = z.infer<typeof MatchField>;

const Score = z.number().min(0).max(1);

export const DedupRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('dedup'),
  /** How far back to look for the original; a year by default (duplicates are often weeks apart). */
  lookBack: Duration.prefault({ days: 365 }),
  /** Candidates must have the same value in these fields (a missing value never matches). */
  equalFields: z.array(MatchField).default([]),
  /** Equal values in these fields add to the score (weight relative to the text, 0..1). */
  fieldWeights: z.partialRecord(MatchField, z.number().min(0).max(1)).default({}),
  /** Also look for originals on these other sources; by default a source only looks at itself. */
  alsoSources: z.array(z.string().min(1)).default([]),
  /** An internal note listing the likely originals for a person to check. */
  suggest: z.strictObject({
    threshold: Score,
    /** How many candidates the note lists. */
    limit: z.number().int().min(1).max(20).default(3),
  }),
  /** Link automatically above this (stricter) score, with a note on both tickets. */
  link: z
    .strictObject({
      threshold: Score,
      /** Also resolve the duplicate by setting these native fields (off unless given). */
      resolve: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()])).optional(),
    })
    .optional(),
});
export type DedupRule = z.infer<typeof DedupRule>;

export const PatternRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('pattern'),
  /**
   * JSONata expressions over the ticket; their values, joined, are the pattern's key. A missing
   * value means the ticket is not grouped. `$cluster` is the ticket's text cluster (the number of
   * the cluster's first ticket), for patterns the fields do not capture.
   */
  groupBy: z.array(Jsonata).min(1),
  /** How `$cluster` is formed: a ticket joins the cluster of its most similar earlier ticket scoring at least `threshold`. */
  cluster: z
    .strictObject({
      threshold: Score.default(0.5),
      lookBack: Duration.prefault({ days: 30 }),
    })
    .prefault({}),
  /** The recent window counted against the group's normal rate. */
  window: Duration,
  /** The period before the window over which the normal rate is measured. */
  baseline: Duration,
  /** Defaults chosen on the ServiceNow event log (bench/patterns.ts): see the README. */
  trigger: z
    .strictObject({
      /** Never fewer incidents than this in the window. */
      minCount: z.number().int().min(2).default(6),
      /** The window's count must be at least this many times the normal rate. */
      factor: z.number().min(1).default(5),
      /** Poisson tail probability of seeing the window's count at the normal rate must be below this. */
      maxPValue: z.number().gt(0).max(1).default(1e-5),
      /** Trigger at this count whatever the normal rate (unset: only departures trigger). */
      absoluteCount: z.number().int().min(2).optional(),
    })
    .prefault({}),
  problem: z.strictObject({
    /** `{{ }}` templates over the pattern's evidence (see README: pattern evidence). */
    title: z.string().min(1),
    description: z.string().min(1),
    /** Also link members whose problem field already points to another problem, replacing it (default: leave those alone, recorded as skipped). */
    overwrite: z.boolean().default(false),
  }),
  /** When the problem has been resolved or closed: open a `new` one at the next trigger, or `reopen` it at the next occurrence. */
  onClosed: z.enum(['new', 'reopen']).default('new'),
});
export type PatternRule = z.infer<typeof PatternRule>;

export const QaSeverity = z.enum(['error', 'warning', 'info']);
export type QaSeverity = z.infer<typeof QaSeverity>;

export const QaCheck = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  /** JSONata over the ticket; truthy = the check passes. */
  assert: Jsonata,
  /** Only `error` checks fail the verdict; warnings and info are logged with it. */
  severity: QaSeverity.default('error'),
  /** What a person reads when the check fails; `{{ }}` placeholders see the ticket. */
  message: z.string().min(1),
});
export type QaCheck = z.infer<typeof QaCheck>;

const QaWriteBack = {
  /** A note on the ticket; the default text lists the failed checks. */
  note: z.union([z.literal(true), NoteSpec]).optional(),
  /** Set a native field, e.g. `{ field: u_qa_status, value: failed }`. */
  setField: z.strictObject({ field: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
};

export const QaRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('qa'),
  checks: z.array(QaCheck).min(1),
  /** Pick this share of checked tickets for manual review — the same tickets on every run (by ticket key). */
  sample: z.strictObject({ percent: z.number().min(0).max(100) }).optional(),
  /** Written back when an `error` check fails. */
  onFail: z
    .strictObject({
      ...QaWriteBack,
      /** Open a follow-up task on the ticket (`{{ }}` templates see the ticket and `$failed`). */
      task: z.strictObject({ title: z.string().min(1), description: z.string().default(''), group: z.string().min(1).optional() }).optional(),
    })
    .optional(),
  /** Written back when the ticket is picked for manual review. */
  onSample: z.strictObject(QaWriteBack).optional(),
  /**
   * Write back only for tickets resolved this recently (the verdict is logged either way): a first
   * sync of years of closed tickets must not leave a note on each of them.
   */
  writeBackWithin: Duration.prefault({ days: 7 }),
});
export type QaRule = z.infer<typeof QaRule>;

export const SlaTarget = z.strictObject({
  priority: z.number().int().min(1).max(5),
  /** Until someone responds (the ticket leaves `new`). */
  response: Duration.optional(),
  /** Until it is resolved. */
  resolution: Duration.optional(),
});

export type SlaTarget = z.infer<typeof SlaTarget>;

export const SlaStep = z.strictObject({
  /** Names the step in notes, marks and the audit trail; each step fires once per ticket. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, dot, dash or underscore'),
  at: z.union([
    /** A share of the ticket's target: `{ percent: 75, of: resolution }`. */
    z.strictObject({ percent: z.number().gt(0).max(1000), of: z.enum(['response', 'resolution']) }),
    /** Time spent in a state: `{ age: { days: 5 }, status: [on_hold] }` (any open state when unset). */
    z.strictObject({ age: Duration, status: z.array(TicketStatus).min(1).optional() }),
  ]),
  /** A note, e.g. mentioning the person or group to act: `{{ }}` templates see the ticket and `$sla` (`elapsed`, `targetTime`, `dueAt` = this step, `resolutionDueAt`, `responseDueAt`, `step`). */
  note: NoteSpec.optional(),
  /** Reassign (e.g. to the next support level). */
  assign: z.strictObject({ group: z.string().min(1), assignee: z.string().min(1).optional() }).optional(),
  /** Set a native field, e.g. to raise the urgency: `{ field: urgency, value: "1" }`. */
  setField: z.strictObject({ field: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
  /** Open an escalation record: a follow-up task on the ticket. */
  task: z.strictObject({ title: z.string().min(1), description: z.string().default(''), group: z.string().min(1).optional() }).optional(),
});
export type SlaStep = z.infer<typeof SlaStep>;

export const SlaRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('sla'),
  /**
   * `24x7`, or the name of a group in the team file whose working hours, time zone and holidays
   * the targets are counted in (business hours).
   */
  calendar: z.string().min(1).default('24x7'),
  targets: z.array(SlaTarget).min(1),
  escalations: z.array(SlaStep).min(1),
  /**
   * A step that fell due longer ago than this when deskbridge first gets to it (a backlog synced
   * for the first time) is recorded as missed instead of written: nobody needs a warning about a
   * target that passed last year.
   */
  staleAfter: Duration.prefault({ days: 7 }),
});
export type SlaRule = z.infer<typeof SlaRule>;

export const Rule = z.discriminatedUnion('kind', [RoutingRule, DedupRule, PatternRule, QaRule, SlaRule]);
export type Rule = z.infer<typeof Rule>;

export const RulesFile = z.strictObject({
  rules: z.array(Rule),
  /** Example tickets and the actions the rules above must take; run with `deskbridge test`. */
  tests: z.array(RuleTest).optional(),
});
export type RulesFile = z.infer<typeof RulesFile>;
