import { z } from 'zod';
import { Duration, RuleBase, Score } from '../../model/rule.js';
import { MASKABLE_TERM_KINDS } from '../../similarity/term-kind.js';

/** Canonical ticket fields that dedup rules can require to be equal or count as evidence. */
export const MatchField = z.enum(['requester', 'ci', 'category', 'subcategory', 'location', 'group', 'contactType', 'kind', 'priority']);
export type MatchField = z.infer<typeof MatchField>;

export const DedupRule = z.strictObject({
  ...RuleBase,
  kind: z.literal('dedup'),
  /** How far back to look for the original; a year by default (duplicates are often weeks apart). */
  lookBack: Duration.prefault({ days: 365 }),
  /** Candidates must have the same value in these fields (a missing value never matches). */
  equalFields: z.array(MatchField).default([]),
  /** Equal values in these fields add to the score (weight relative to the text, 0..1). */
  fieldWeights: z.partialRecord(MatchField, z.number().min(0).max(1)).default({}),
  /**
   * Kinds of terms this rule does not count as evidence, on either side: `domains`, `urls`,
   * `emails`, `ips`, `issueRefs`, `ids`, `codeRefs` (see similarity/term-kind.ts). Say `domains`
   * on a desk where every ticket names the company's own sites. Default: none beyond what the
   * tokeniser always masks (e-mail addresses, IPs, URL paths, long ids).
   */
  mask: z.array(z.enum(MASKABLE_TERM_KINDS)).default([]),
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
  /**
   * Also list earlier look-alikes that were resolved before this ticket was reported, with how
   * (resolution code, close notes), so the fix is found without diagnosing again. Off unless given.
   * They go in the rule's note; when nothing else qualifies the note is just this list.
   */
  resolved: z
    .strictObject({
      /** Look-alikes scoring at least this are listed (the same score as `suggest`). */
      threshold: Score,
      /** How many resolved look-alikes the note lists, best first. */
      limit: z.number().int().min(1).max(10).default(3),
      /** Characters of each resolution's notes quoted (history keeps up to 1,000). */
      maxChars: z.number().int().min(40).max(1000).default(300),
    })
    .optional(),
});
export type DedupRule = z.infer<typeof DedupRule>;
