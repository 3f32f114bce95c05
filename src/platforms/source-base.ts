import { z } from 'zod';
import { Budget } from '../http/budget.js';
import { RateLimit, RetryPolicy } from '../http/settings.js';

/**
 * The fields every platform's source config has, whatever the platform: the daemon, the config
 * checks and the start point read these on any source without knowing its platform. A platform's
 * source schema (its `source.ts`) is built from {@link sourceFields} plus its own fields.
 */
export interface SourceBase {
  /** Keys the source's watermark and state; rules name it in `scope.sources`. */
  id: string;
  /** The registry key of the platform (`PlatformDescriptor.id`); the source union's discriminator. */
  platform: string;
  baseUrl: string;
  auth: { type: string };
  schedule: string;
  overlapSeconds: number;
  pageSize: number;
  startFrom?: string | undefined;
  actFrom?: string | undefined;
  rateLimit: RateLimit;
  /** This source's share of the platform's API budget (`60/min`); every request it sends counts. */
  budget?: string | undefined;
  retry: RetryPolicy;
  dryRun?: boolean | undefined;
  enabled: boolean;
  /** JSONata over the canonical ticket: when truthy, deskbridge leaves the ticket alone (no rule, no write). */
  skip?: string | undefined;
  /** The safety catch of a source's first live pass (src/daemon/go-live.ts); absent: the default. */
  firstLivePass?: { maxWrites: number | 'off' } | undefined;
}

/**
 * Writes a source's first live pass may make before it is held (writes kept in the outbox until
 * the admin raises the limit). About 250 tickets routed with a note each: more than a desk's
 * new tickets of a day or two, far less than a backlog acted on by mistake.
 */
export const DEFAULT_FIRST_LIVE_PASS_MAX_WRITES = 500;

const Schedule = z.string().min(1).describe('node-cron expression, e.g. "*/1 * * * *" (every minute); seconds field allowed');

/**
 * Fresh zod schemas for the common fields, to place in a platform's `z.strictObject({ … })` in the
 * order its documentation wants. Fresh on every call because the editor JSON Schema hangs each
 * field's description on the schema object: two platforms sharing one object would share its text.
 * `overlapSeconds` and `pageSize` have no common default (the platforms' APIs differ); the
 * platform writes those two itself.
 */
export function sourceFields() {
  return {
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
    baseUrl: z.url(),
    schedule: Schedule.default('*/1 * * * *'),
    /** Starting point on an empty state store (ISO UTC); unset = all records. */
    startFrom: z.iso.datetime().optional(),
    /**
     * Start point for acting (ISO UTC): ticket versions older than it are history — they teach
     * baselines but trigger no writes. Unset = the moment the source was first synced (recorded).
     */
    actFrom: z.iso.datetime().optional(),
    rateLimit: RateLimit.prefault({}),
    /**
     * The source's share of the platform's API budget, e.g. `60/min` when other integrations of the
     * account use the rest: reads, writes, look-ups and retries together never exceed it.
     */
    budget: Budget.optional(),
    retry: RetryPolicy.prefault({}),
    /** Plan and log every write, send none. Overrides the top-level switch when set. */
    dryRun: z.boolean().optional(),
    enabled: z.boolean().default(true),
    /**
     * Opt-out: JSONata over the canonical ticket, checked before any rule; when truthy the ticket
     * gets no write at all (routing, notes, SLA, QA, duplicates). E.g. `'vip' in labels`.
     */
    skip: z.string().min(1).optional(),
    /**
     * The first live pass (the live state has never completed a pass for the source) is planned in
     * full before anything is sent, logged as a warning with its volume, and held — writes kept
     * pending in the outbox, nothing sent — when it would make more than `maxWrites` writes.
     */
    firstLivePass: z.strictObject({ maxWrites: z.union([z.number().int().positive(), z.literal('off')]).default(DEFAULT_FIRST_LIVE_PASS_MAX_WRITES) }).prefault({}),
  };
}

/** Description texts shared by the platforms' editor-schema descriptions (see `PlatformDescriptor.descriptions`). */
export const SOURCE_ID_DESCRIPTION = 'Unique source id (lower-case letters, digits, dashes). Keys the watermark and state of the source; rules name it in `scope.sources`.';
export const SKIP_DESCRIPTION =
  "Opt-out: JSONata over the canonical ticket, checked before any rule. When it is truthy deskbridge leaves the ticket alone — no routing, note, SLA, QA or duplicate write — and `explain` says so. E.g. `'vip' in labels or raw.u_deskbridge_skip = true`; a condition that fails to evaluate leaves the ticket alone too.";
export const FIRST_LIVE_PASS_DESCRIPTION = `Safety catch for the source's first live pass (its live state has never completed a pass): the pass is planned in full before anything is sent and logged as a warning with what it is about to write. Above \`maxWrites\` (default ${DEFAULT_FIRST_LIVE_PASS_MAX_WRITES}) nothing is sent: the writes wait in the outbox (\`deskbridge outbox list --live\`) until you raise \`maxWrites\` and restart, or drop them with \`deskbridge outbox discard --source <id>\`. \`off\`: no catch, the first live pass writes as it goes and the warning reports what it planned.`;
export const BUDGET_DESCRIPTION =
  "This source's share of the platform's API budget, as `<requests>/<unit>` (`60/min`, `2/s`, `3000/h`): every request the source sends — reads, writes, look-ups, retries — counts, so the integrations that share the account keep the rest. Paced evenly, not in bursts. `rateLimit.requestsPerMinute` stays the pace of the whole host, shared by the sources on it.";
export const SECRET_DESCRIPTION = 'write `${ENV_VAR}` to keep it out of the file (the value is redacted from logs)';
