import type { Source } from '../config/schema.js';
import type { BatchContext, BatchTicket, PassMemory, PlannedEvent, RuleFailure } from '../engine/batch-plan.js';
import { emptyHistoryReport, formatHistoryReport, mergeHistoryReports, type HistoryReport } from '../engine/history-report.js';
import { needsSimilarityIndex } from '../engine/index.js';
import { needsProblemStates, needsSlaSweep } from '../engine/needs.js';
import { indexPulled, newPassMemory, planBatch } from '../engine/plan-batch.js';
import { laterDuplicateSuspects, planDuplicateRecheck } from '../engine/plan-duplicate-recheck.js';
import { planSlaSweep } from '../engine/plan-sla-sweep.js';
import { skipRawFields } from '../engine/skip.js';
import { rulesOfKind, type CompiledRuleSet } from '../engine/rule-set.js';
import { otherSourcesLoads, takeSnapshot } from '../engine/snapshot.js';
import { mapInbound, MappingError, type PlatformMappings } from '../mapping/mapper.js';
import { EvaluationCancelledError } from '../mapping/expression.js';
import type { PlannedAction } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import { lifecycleVersionOf } from '../model/lifecycle-version.js';
import type { Logger } from '../observability/logger.js';
import { drainOutbox, emptyDrainSummary, type DrainSummary } from '../outbox/executor.js';
import type { ActionWriter } from '../outbox/writer.js';
import { budgetPerMinute, parseBudget } from '../http/budget.js';
import type { Connector, PulledRecord, PullPage } from '../platforms/types.js';
import { mappingSourceBinding } from '../platforms/registry.js';

/** How long a one-off pass waits for writes that are waiting for a retry. */
const SETTLE_MAX_MS = 60_000;

function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** How far ahead of our clock a record's update time may pull the watermark. */
const WATERMARK_FUTURE_SLACK_MS = 5 * 60_000;
import type { LedgerEntry, QuarantineInput, StateStore } from '../state/types.js';
import type { SlaCalendar } from '../engine/types.js';
import type { Team } from '../team/index.js';
import { resolveStartPoint, rewindDone, type StartPoint } from './start-point.js';
import { EscalationSync } from './escalation-sync.js';
import { judgeFirstLivePass, summariseVolume, type VolumeSummary, type WriteVolume } from './go-live.js';
import { DEFAULT_FIRST_LIVE_PASS_MAX_WRITES } from '../platforms/source-base.js';

/**
 * Tickets a pass pulls and indexes before judging any of them (duplicates look among everything
 * already pulled); a larger pass is judged in chunks of about this many.
 */
const PASS_INDEX_LIMIT = 5_000;

/** What one pass shares across its pages: the start point and what history taught it. */
interface PassScope {
  startPoint: StartPoint;
  /** What the engine carries from batch to batch (tickets pulled and indexed, problems history would have opened). */
  memory: PassMemory;
  report: HistoryReport;
  /** The native fields the pass asks for (a ticket read again is read the same way). */
  fields: string[];
  /** An earlier pass committed tickets of this source (every batch commit moves the watermark). */
  judgedBefore: boolean;
}

/** One page mapped, before any rule has seen it. */
interface PreparedPage {
  tickets: Ticket[];
  ledger: LedgerEntry[];
  quarantine: QuarantineInput[];
  /** Last editor per native id, from the record's envelope (loop prevention must not depend on the mapping). */
  updatedBy: Map<string, string | undefined>;
  watermark: string | undefined;
  /** Quarantine entries this page retries: resolved in its commit. */
  resolveQuarantine?: number[];
}

/** What one pass did, for logs, the demo summary and benchmarks. */
export interface PassResult {
  sourceId: string;
  pulled: number;
  alreadySeen: number;
  ownWrites: number;
  evaluated: number;
  /** Tickets the source's `skip:` condition left alone (nothing judged, nothing written). */
  skipped: number;
  planned: number;
  routedByGroup: Record<string, number>;
  quarantined: number;
  /** QA verdicts reached (each one an entry in the QA log). */
  verdicts: number;
  /** The source plans into the dry-run state and sends nothing: `written` counts `wouldSend`, never `sent`. */
  dryRun: boolean;
  written: DrainSummary;
  watermark: string | null;
  /** Writes still waiting for a retry when the pass ended. */
  pendingWrites: number;
  /** The pass was stopped (shutdown) before it finished. */
  interrupted: boolean;
  durationMs: number;
  /** The source's start point for acting (ISO): versions updated before it are history. */
  actFrom?: string;
  /** What history (versions before the start point) taught this pass and what acting on it would have done; absent when the pass met none. */
  history?: HistoryReport;
  /**
   * Set on a source's first live pass: the writes it was about to make when planning ended, and
   * whether the catch held them (nothing sent, all pending) because there were more than `maxWrites`.
   */
  firstLivePass?: { writes: WriteVolume; total: number; held: boolean; maxWrites: number | 'off' };
}

/** Things a pass reports as they happen (the demo prints them; tests count them). */
export type SyncEvent =
  /** `ticket`: the ticket being evaluated; undefined for batch summaries (a problem's evidence rewritten). */
  | { type: 'planned'; sourceId: string; ticket: Ticket | undefined; action: PlannedAction }
  | { type: 'written'; sourceId: string; action: PlannedAction; outcome: string }
  | { type: 'quarantined'; sourceId: string; nativeId: string | undefined; error: string };

export interface SourceSyncDeps {
  source: Source;
  connector: Connector;
  store: StateStore;
  writer: ActionWriter;
  logger: Logger;
  rules: () => CompiledRuleSet;
  mappings: () => PlatformMappings;
  outbox: { concurrency: number; maxAttempts: number };
  /** Days of ticket versions the state keeps for `deskbridge report` (0 or absent: all). */
  keepVersionsDays?: number;
  now?: () => Date;
  /** The clock rules decide by, when it is not `now` (tests of shifts and SLA). */
  ruleNow?: () => Date;
  onEvent?: (event: SyncEvent) => void;
  /** Aborts writes in flight when the shutdown grace period is over. */
  writeSignal?: AbortSignal;
  /** The team file as currently loaded (reloaded with the rules), and its groups' business calendars. */
  team?: () => { team: Team | undefined; calendars: (name: string) => SlaCalendar | undefined };
  /** Appends queued audit records to the hash-chained logs (absent: they wait in the state store). */
  audit?: {
    flush(options?: { force?: boolean }): Promise<void>;
    /** Why nothing may be written to the platform now (the audit trail is broken), or undefined. */
    holdWrites?(): Promise<string | undefined>;
    /** `signal`, also aborted the moment the audit trail breaks. */
    writeSignal?(signal: AbortSignal | undefined): AbortSignal;
  };
  /** `deskbridge run --from`: a start point for acting that replaces the recorded one (see start-point.ts). */
  actFrom?: string;
  /** What a dry run of this source planned (the dry-run state beside the live one), for the first live pass's warning. */
  dryRunPlan?: () => Promise<(VolumeSummary & { path: string }) | undefined>;
  /** The platform of a configured source, for the ticket keys of escalation copies (absent: escalations are not kept in step). */
  platformOf?: (sourceId: string) => string | undefined;
}

/**
 * One source's incremental sync. Per page: map, skip versions already processed, evaluate the
 * rules, then commit outbox entries + ledger + watermark in one transaction; only then write.
 * A crash anywhere leaves either the whole page to redo or its writes durable in the outbox.
 */
export class SourceSync {
  private integrationUser: string | undefined;
  /** A first live pass is being planned (or was held): nothing is sent until it is released. */
  private holdingWrites = false;
  /** Writes planned this pass, by kind (as the outbox volume counts them). */
  private plannedKinds: Record<string, number> = {};

  /** Keeps escalated tickets and their copies in step (absent without `platformOf`). */
  private readonly escalations: EscalationSync | undefined;
  /** The running pass's signal, for the reads escalation sync makes while a page is planned. */
  private passSignal: AbortSignal | undefined;

  constructor(private readonly deps: SourceSyncDeps) {
    const { platformOf } = deps;
    this.escalations = platformOf
      ? new EscalationSync({ sourceId: deps.source.id, connector: deps.connector, store: deps.store, logger: deps.logger, platformOf, overlapSeconds: deps.source.overlapSeconds })
      : undefined;
  }

  get sourceId(): string {
    return this.deps.source.id;
  }

  /**
   * One pass. `settle`: before returning, wait for and send writes whose retry falls due within
   * `SETTLE_MAX_MS` (a one-off run should leave nothing half-done that it could still finish).
   */
  async runPass(signal?: AbortSignal, options: { settle?: boolean } = {}): Promise<PassResult> {
    const started = Date.now();
    this.passSignal = signal;
    const { source, connector, store, logger } = this.deps;
    const now = this.deps.now ?? (() => new Date());
    if (this.integrationUser === undefined) {
      this.integrationUser = (await connector.init(signal)).integrationUser;
      logger.info('Source connected', { source: source.id, integrationUser: this.integrationUser });
    }
    const result: PassResult = {
      sourceId: source.id,
      pulled: 0,
      alreadySeen: 0,
      ownWrites: 0,
      evaluated: 0,
      skipped: 0,
      planned: 0,
      routedByGroup: {},
      quarantined: 0,
      verdicts: 0,
      dryRun: this.deps.writer.dryRun,
      written: emptyDrainSummary(),
      watermark: null,
      pendingWrites: 0,
      interrupted: false,
      durationMs: 0,
    };

    // A live source that never completed a pass plans the whole pass before sending anything, so
    // its volume can be announced (and held above the limit). Whatever an earlier, interrupted or
    // held, first pass left in the outbox counts as part of it.
    const firstLive = !this.deps.writer.dryRun && (await store.passRecord(source.id)) === null;
    // Without a catch (`maxWrites: off`) nothing needs holding: it writes as it goes, as any pass.
    this.holdingWrites = firstLive && this.maxWrites() !== 'off';
    this.plannedKinds = {};

    // Whatever an earlier (possibly killed) run left in the outbox goes first.
    this.addWritten(result, await this.drain(signal));

    // One rules/mappings snapshot per pass: the fields asked for match what is evaluated, even
    // when a hot reload happens mid-pass.
    const ruleSet = this.deps.rules();
    const mappings = this.deps.mappings();
    const fields = [...new Set([...mappings.inbound.rootFields, ...ruleSet.rawFields, ...skipRawFields(source.skip)])];
    const startPoint = await this.startPoint(now());
    const watermark = await store.getWatermark(source.id);
    let from = watermark ? new Date(Date.parse(watermark) - source.overlapSeconds * 1000).toISOString() : (source.startFrom ?? null);
    // `--from` moved the start point back: read that history again, this time to act on it.
    if (startPoint.rewind && from !== null && startPoint.actFrom < from) from = startPoint.actFrom;
    const scope: PassScope = { startPoint, memory: newPassMemory(), report: emptyHistoryReport(startPoint.actFrom), fields, judgedBefore: watermark !== null };
    result.actFrom = startPoint.actFrom;

    if (needsProblemStates(ruleSet)) await this.refreshProblemStates(signal);
    // Rules decide by their own clock (shifts, SLA): tests move it without moving the outbox's.
    const decideNow = this.deps.ruleNow ?? now;
    await this.retryQuarantined(fields, result, decideNow(), ruleSet, mappings, scope, signal);

    // Everything pulled is indexed before any of it is judged (up to PASS_INDEX_LIMIT tickets at a
    // time), so a duplicate finds an original that arrives later in the pass.
    let buffered: PreparedPage[] = [];
    let bufferedTickets = 0;
    for await (const page of connector.pull({ from, fields, signal })) {
      const prepared = await this.preparePage(page, result, decideNow(), mappings, scope);
      buffered.push(prepared);
      bufferedTickets += prepared.tickets.length;
      if (signal?.aborted) break;
      if (bufferedTickets >= PASS_INDEX_LIMIT) {
        await this.processPages(buffered, result, decideNow(), ruleSet, scope, {}, signal);
        buffered = [];
        bufferedTickets = 0;
      }
    }
    // Stopped mid-pull: nothing of the buffer is committed, so the next pass reads it again.
    if (!signal?.aborted) await this.processPages(buffered, result, decideNow(), ruleSet, scope, {}, signal);
    if (scope.report.tickets > 0) {
      result.history = scope.report;
      logger.info('History before the start point was learned from, not acted on', { source: source.id, actFrom: startPoint.actFrom, report: formatHistoryReport(source.id, scope.report) });
    }
    if (!signal?.aborted && needsSlaSweep(ruleSet)) await this.sweepSla(result, decideNow(), ruleSet);
    if (firstLive && !signal?.aborted) await this.judgeFirstLivePass(result, startPoint, scope);
    this.addWritten(result, await this.drain(signal));
    // Everything from the rewound start point is committed: record it, read history again no more.
    if (startPoint.rewind && !signal?.aborted) this.resolvedStart = await rewindDone(store, source.id, startPoint);
    if (options.settle && !this.holdingWrites) await this.settle(result, signal, now);
    result.pendingWrites = (await store.outbox.counts(source.id)).pending;
    result.interrupted = signal?.aborted ?? false;
    // A live pass that ran to its end with its writes released has gone live (a dry run records
    // its passes in its own state: `status` tells a dry run that planned nothing from none at all).
    if (!result.interrupted && !this.holdingWrites) await store.recordPassCompleted(source.id);
    // Whatever the pass recorded is in the logs when it ends.
    await this.deps.audit?.flush({ force: true });

    result.watermark = await store.getWatermark(source.id);
    if (result.watermark) {
      // Ledger rows older than the overlap window (plus a day of slack) can never be re-read.
      const horizon = new Date(Date.parse(result.watermark) - (source.overlapSeconds + 86_400) * 1000).toISOString();
      await store.pruneLedger(source.id, horizon);
      const keepDays = this.deps.keepVersionsDays ?? 0;
      if (keepDays > 0) await store.pruneVersions(source.id, new Date(Date.parse(result.watermark) - keepDays * 86_400_000).toISOString());
    }
    result.durationMs = Date.now() - started;
    return result;
  }

  /**
   * The first live pass, planned in full: one warning with what it is about to write, then the
   * catch — above `firstLivePass.maxWrites` the writes stay pending (nothing sent) and an error
   * says how to release them; otherwise they are released and sent now.
   */
  private async judgeFirstLivePass(result: PassResult, startPoint: StartPoint, scope: PassScope): Promise<void> {
    const { source, store, logger } = this.deps;
    const maxWrites = this.maxWrites();
    // Held: everything waiting in the outbox (an earlier held pass's too). Written as it went: what this pass planned.
    const pending =
      maxWrites === 'off'
        ? { writes: { ...this.plannedKinds }, total: Object.values(this.plannedKinds).reduce((a, b) => a + b, 0) }
        : summariseVolume(await store.outbox.volume({ sourceId: source.id, status: 'pending' }));
    const dryRun = await this.deps.dryRunPlan?.().catch(() => undefined);
    const verdict = judgeFirstLivePass({
      sourceId: source.id,
      ticketsRead: result.pulled,
      historyTickets: scope.report.tickets,
      pending,
      startPoint,
      startFrom: source.startFrom,
      dryRun,
      maxWrites,
    });
    logger.warn(verdict.summary, {
      source: source.id,
      event: 'first-live-pass',
      ticketsRead: result.pulled,
      writes: pending.writes,
      total: pending.total,
      actFrom: startPoint.actFrom,
      actFromOrigin: startPoint.origin,
      ...(source.startFrom ? { startFrom: source.startFrom } : {}),
      ...(dryRun ? { dryRunPlanned: { writes: dryRun.writes, total: dryRun.total, first: dryRun.first, last: dryRun.last, state: dryRun.path } } : {}),
      maxWrites,
    });
    result.firstLivePass = { writes: pending.writes, total: pending.total, held: verdict.held, maxWrites };
    if (verdict.held) {
      logger.error('First live pass held: more writes than firstLivePass.maxWrites, nothing was sent', { source: source.id, total: pending.total, maxWrites, hint: verdict.hint });
      return;
    }
    this.holdingWrites = false;
  }

  private maxWrites(): number | 'off' {
    return this.deps.source.firstLivePass?.maxWrites ?? DEFAULT_FIRST_LIVE_PASS_MAX_WRITES;
  }

  private countPlanned(result: PassResult, actions: readonly PlannedAction[]): void {
    result.planned += actions.length;
    for (const { action } of actions) {
      const kind = action.type === 'comment' && action.visibility === 'public' ? 'comment:public' : action.type;
      this.plannedKinds[kind] = (this.plannedKinds[kind] ?? 0) + 1;
    }
  }

  /** The source's start point for acting, resolved (and recorded) once per daemon run. */
  private resolvedStart: StartPoint | undefined;

  private async startPoint(now: Date): Promise<StartPoint> {
    // A rewind stays until a pass has read that history again without error or interruption.
    if (this.resolvedStart) return this.resolvedStart;
    const { source, store, logger } = this.deps;
    this.resolvedStart = await resolveStartPoint(store, source, { override: this.deps.actFrom, now });
    logger.info('Start point for acting', {
      source: source.id,
      actFrom: this.resolvedStart.actFrom,
      origin: this.resolvedStart.origin,
      ...(this.resolvedStart.rewind ? { readingAgainFrom: this.resolvedStart.actFrom, previous: this.resolvedStart.rewind.previous } : {}),
    });
    return this.resolvedStart;
  }

  /**
   * Pattern rules must know when people resolved or closed a problem they opened: a closed
   * problem no longer gains members. One query for all of the source's open problems per pass.
   */
  private async refreshProblemStates(signal: AbortSignal | undefined): Promise<void> {
    const { store, connector, source, logger } = this.deps;
    const open = await store.history.openProblems(source.id);
    if (open.length === 0) return;
    try {
      const states = await connector.problemStates(
        open.map((p) => p.correlationKey),
        signal,
      );
      for (const problem of open) {
        // Absent: not created yet (its create-problem may still be in the outbox), so still open.
        if (states.get(problem.correlationKey)?.state === 'closed') {
          await store.history.setProblemStatus(problem.correlationKey, 'closed');
          logger.info('Pattern problem closed on the platform', { source: source.id, correlationKey: problem.correlationKey, problem: states.get(problem.correlationKey)?.number });
        }
      }
    } catch (error) {
      // Not fatal: the problems stay open here until the next pass can ask again.
      logger.warn('Could not read the state of pattern problems', { source: source.id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Records an admin sent back with `deskbridge quarantine retry` (after fixing a mapping, say):
   * read again as they are now and processed like a fresh page, ledger or not.
   */
  private async retryQuarantined(
    fields: string[],
    result: PassResult,
    now: Date,
    ruleSet: CompiledRuleSet,
    mappings: PlatformMappings,
    scope: PassScope,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { source, store, connector, logger } = this.deps;
    const entries = await store.quarantineList({ sourceId: source.id, status: 'retry' });
    if (entries.length === 0) return;
    const records: PulledRecord[] = [];
    const gone: number[] = [];
    for (const entry of entries) {
      const record = entry.nativeId ? await connector.get(entry.nativeId, fields, signal) : null;
      if (record) records.push(record);
      else gone.push(entry.id);
    }
    // Resolved in the same transaction as the batch that processes them (a record that fails again
    // is quarantined afresh there: the same row reopened, or a new row for a newer version), so
    // nothing is retried forever, and a pass that fails before that commit leaves them to retry.
    const prepared = await this.preparePage({ records, unreadable: [] }, result, now, mappings, scope, { ignoreLedger: true });
    prepared.resolveQuarantine = entries.map((e) => e.id);
    await this.processPages([prepared], result, now, ruleSet, scope, { keepWatermark: true }, undefined);
    logger.info('Quarantined records retried', { source: source.id, retried: entries.length, mapped: prepared.tickets.length, gone: gone.length });
  }

  /**
   * Maps a page and drops versions already processed; nothing is judged or written yet.
   * `ignoreLedger`: every record counts as fresh (a quarantine retry).
   */
  private async preparePage(page: PullPage, result: PassResult, now: Date, mappings: PlatformMappings, scope: PassScope, options: { ignoreLedger?: boolean } = {}): Promise<PreparedPage> {
    const { source, store } = this.deps;
    result.pulled += page.records.length + page.unreadable.length;

    const quarantine: QuarantineInput[] = page.unreadable.map((u) => ({ sourceId: source.id, nativeId: undefined, version: undefined, error: u.error, raw: u.raw }));
    const ledger: LedgerEntry[] = [];
    // A record stamped in the future (an import, a skewed clock) must not carry the watermark past
    // updates that have not happened yet.
    const ceiling = new Date(now.getTime() + WATERMARK_FUTURE_SLACK_MS).toISOString();
    let watermark: string | undefined;
    for (const record of page.records) {
      const at = record.updatedAt < ceiling ? record.updatedAt : ceiling;
      if (!watermark || at > watermark) watermark = at;
    }

    const seen = options.ignoreLedger ? new Set<string>() : await store.seenVersions(source.id, page.records);
    // After `--from` moved the start point back, versions processed as history are judged again.
    const { rewind, actFrom } = scope.startPoint;
    const again = (r: PulledRecord): boolean => rewind !== undefined && r.updatedAt >= actFrom && r.updatedAt < rewind.previous;
    const fresh = page.records.filter((r) => !seen.has(`${r.nativeId}@${r.version}`) || again(r));
    result.alreadySeen += page.records.length - fresh.length;

    const tickets: Ticket[] = [];
    // Platforms that do not name a record's last editor report the versions our writes produced;
    // a record at one of them is our own change, whoever the envelope names.
    const own = await store.ownVersions(source.id, fresh);
    // From the record's envelope, not the editable mapping: loop prevention must not depend on it.
    const updatedBy = new Map<string, string | undefined>();
    for (const record of fresh) {
      updatedBy.set(record.nativeId, own.has(`${record.nativeId}@${record.version}`) ? this.integrationUser : record.updatedBy);
      ledger.push({ nativeId: record.nativeId, version: record.version, updatedAt: record.updatedAt });
      try {
        tickets.push(await mapInbound(mappings, record.raw, { platform: this.deps.connector.platform, sourceId: source.id, source: mappingSourceBinding(source) }));
      } catch (error) {
        // Shutdown is not a mapping failure: the page is not committed and is read again.
        if (error instanceof EvaluationCancelledError) throw error;
        const message = error instanceof MappingError ? error.message : `unexpected mapping failure: ${String(error)}`;
        quarantine.push({ sourceId: source.id, nativeId: record.nativeId, version: record.version, error: message, raw: record.raw });
      }
    }
    return { tickets, ledger, quarantine, updatedBy, watermark };
  }

  /**
   * Judges prepared pages, each committed on its own (then its writes are sent): every ticket of
   * every page goes into the similarity index first, so a duplicate finds its original wherever
   * the original is in the pass. `keepWatermark`: not read in watermark order (a quarantine retry).
   */
  private async processPages(
    pages: readonly PreparedPage[],
    result: PassResult,
    now: Date,
    ruleSet: CompiledRuleSet,
    scope: PassScope,
    options: { keepWatermark?: boolean },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await indexPulled(
      pages.flatMap((p) => p.tickets),
      ruleSet,
      this.deps.store,
      scope.memory,
      this.deps.source.skip,
    );
    const newcomers: Ticket[] = [];
    for (const page of pages) {
      newcomers.push(...(await this.processPage(page, result, now, ruleSet, scope, options)));
      if (signal) this.addWritten(result, await this.drain(signal));
    }
    // Only a ticket judged in an earlier pass can have missed an original that arrives now: on a
    // first sync every candidate is in this pass, so the re-check would query the index for nothing.
    if (scope.judgedBefore && needsSimilarityIndex(ruleSet) && newcomers.length > 0) {
      await this.recheckLaterDuplicates(newcomers, new Set(pages.flatMap((p) => p.tickets.map((t) => t.key))), result, now, ruleSet, scope, signal);
    }
  }

  /**
   * Tickets judged in earlier passes that the engine suspects are duplicates of an original seen
   * only now are read again (unchanged since: a newer version is the next pull's) and judged for
   * duplicates only.
   */
  private async recheckLaterDuplicates(
    newcomers: readonly Ticket[],
    judgedWithThem: ReadonlySet<string>,
    result: PassResult,
    now: Date,
    ruleSet: CompiledRuleSet,
    scope: PassScope,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { source, store, connector, logger } = this.deps;
    const suspects = await laterDuplicateSuspects(newcomers, judgedWithThem, ruleSet, source.id, store);
    const records: PulledRecord[] = [];
    for (const suspect of suspects) {
      const record = await connector.get(suspect.nativeId, scope.fields, signal);
      // Changed since it was judged: the next pull brings that version, judged with the original known.
      if (record && record.version === suspect.version) records.push(record);
    }
    if (records.length === 0) return;
    const mappings = this.deps.mappings();
    const tickets: Ticket[] = [];
    for (const record of records) {
      try {
        tickets.push(await mapInbound(mappings, record.raw, { platform: connector.platform, sourceId: source.id, source: mappingSourceBinding(source) }));
      } catch (error) {
        // Shutdown: no re-judgement is committed (an empty one would drop the suggestion for good).
        if (error instanceof EvaluationCancelledError) throw error;
        // It mapped when it was judged; a mapping changed since is for the next pull to find.
      }
    }
    const plan = await planDuplicateRecheck({ tickets, ruleSet, context: this.batchContext(now, scope), pass: scope.memory }, store);
    this.announce(plan.events);
    await store.commitBatch({ sourceId: source.id, watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: plan.actions, quarantine: [], history: plan.history });
    this.countPlanned(result, plan.actions);
    if (plan.actions.length > 0) logger.info('Tickets judged again for duplicates: their original arrived later', { source: source.id, tickets: records.length, writes: plan.actions.length });
    if (signal) this.addWritten(result, await this.drain(signal));
  }

  /** Plans one prepared page and commits it. Returns the tickets seen for the first time and judged live (possible originals of tickets judged before). */
  private async processPage(page: PreparedPage, result: PassResult, now: Date, ruleSet: CompiledRuleSet, scope: PassScope, options: { keepWatermark?: boolean }): Promise<Ticket[]> {
    const { source, store, logger } = this.deps;
    const { ledger, quarantine, updatedBy, watermark } = page;
    const snapshot = await takeSnapshot(
      store,
      source.id,
      page.tickets.map((t) => t.key),
      { otherLoads: this.needsOtherLoads() },
    );
    // From the record's envelope, not the editable mapping: loop prevention must not depend on it.
    const tickets: BatchTicket[] = page.tickets.map((ticket) => {
      const lastEditor = updatedBy.get(ticket.source.nativeId);
      return { ticket, ownWrite: lastEditor !== undefined && lastEditor === this.integrationUser };
    });
    // Failures and planned actions are reported as each ticket is judged, not once the batch is.
    const observer = {
      ruleFailed: (failure: RuleFailure) => logger.warn('Rule evaluation failed', { source: source.id, ticketKey: failure.ticketKey, ruleId: failure.ruleId, reason: failure.reason }),
      planned: (event: PlannedEvent) => this.announce([event]),
    };
    // Without an escalate rule loaded there is nothing to keep in step and no escalation to hold
    // back: no read of the links on every page of every source.
    const links = this.escalations && rulesOfKind(ruleSet, 'escalate').length > 0 ? await this.escalations.links() : undefined;
    const context = { ...this.batchContext(now, scope), ...(links && links.copies.size > 0 ? { escalationCopies: links.copies } : {}) };
    const plan = await planBatch({ tickets, ruleSet, context, pass: scope.memory, observer }, snapshot);
    // Escalated tickets and their copies: comments and status kept in step, committed with the page.
    const synced = this.escalations && links ? await this.escalations.plan(tickets, links, ruleSet, this.passSignal) : [];
    for (const action of synced) this.announce([{ ticket: undefined, action }]);

    await store.commitBatch({
      sourceId: source.id,
      watermark: options.keepWatermark ? undefined : watermark,
      ledger,
      tickets: plan.tickets,
      roundRobin: plan.roundRobin,
      actions: synced.length > 0 ? [...plan.actions, ...synced] : plan.actions,
      quarantine,
      history: plan.history,
      audit: plan.audit,
      versions: page.tickets.map(lifecycleVersionOf),
      ...(page.resolveQuarantine ? { resolveQuarantine: page.resolveQuarantine } : {}),
    });
    result.ownWrites += plan.ownWrites;
    result.evaluated += plan.evaluated;
    result.skipped += plan.skipped.length;
    for (const { ticket, reason } of plan.skipped) logger.debug('Ticket skipped: left alone', { source: source.id, ticketKey: ticket.key, number: ticket.source.number, reason });
    for (const [group, n] of Object.entries(plan.routedByGroup)) result.routedByGroup[group] = (result.routedByGroup[group] ?? 0) + n;
    scope.report = mergeHistoryReports(scope.report, plan.historyReport) ?? scope.report;
    result.verdicts += plan.audit.length;
    this.countPlanned(result, synced.length > 0 ? [...plan.actions, ...synced] : plan.actions);
    result.quarantined += quarantine.length;
    for (const q of quarantine) {
      logger.warn('Record quarantined', { source: source.id, nativeId: q.nativeId, error: q.error });
      this.deps.onEvent?.({ type: 'quarantined', sourceId: source.id, nativeId: q.nativeId, error: q.error });
    }
    return plan.newcomers;
  }

  /** Open SLA steps that fell due are planned and committed 200 tickets at a time, then sent. */
  private async sweepSla(result: PassResult, now: Date, ruleSet: CompiledRuleSet): Promise<void> {
    const { source, store, logger } = this.deps;
    for (;;) {
      const due = await store.slaDue(source.id, now.toISOString(), 200);
      if (due.length === 0) return;
      const snapshot = {
        openLoads: await store.openLoads(source.id),
        otherLoads: this.needsOtherLoads() ? await otherSourcesLoads(store, source.id) : new Map<string, Map<string, number>>(),
        history: store.history,
      };
      const plan = await planSlaSweep({ due, ruleSet, context: { sourceId: source.id, now, skip: source.skip, ...this.teamContext() } }, snapshot);
      this.announce(plan.events);
      await store.commitBatch({
        sourceId: source.id,
        watermark: undefined,
        ledger: [],
        tickets: plan.tickets,
        roundRobin: plan.roundRobin,
        actions: plan.actions,
        quarantine: [],
        history: plan.history,
      });
      this.countPlanned(result, plan.actions);
      if (plan.actions.length > 0) logger.info('SLA steps fell due', { source: source.id, tickets: due.length, writes: plan.actions.length });
      this.addWritten(result, await this.drain(undefined));
      if (due.length < 200) return;
    }
  }

  /** Every batch of the pass is planned at `now`, from the pass's start point, with the team as loaded now. */
  private batchContext(now: Date, scope: PassScope): BatchContext {
    const { source } = this.deps;
    return { sourceId: source.id, now, actFrom: scope.startPoint.actFrom, rewinding: scope.startPoint.rewind !== undefined, skip: source.skip, ...this.teamContext() };
  }

  /** Open tickets per person on the other sources count only when some rule picks people from the team file. */
  private needsOtherLoads(): boolean {
    return this.deps.team?.().team !== undefined;
  }

  private teamContext(): { team?: Team; calendars?: (name: string) => SlaCalendar | undefined } {
    const current = this.deps.team?.();
    if (!current) return {};
    return { ...(current.team ? { team: current.team } : {}), calendars: current.calendars };
  }

  private announce(events: readonly PlannedEvent[]): void {
    for (const { ticket, action } of events) this.deps.onEvent?.({ type: 'planned', sourceId: this.deps.source.id, ticket, action });
  }

  private async settle(result: PassResult, signal: AbortSignal | undefined, now: () => Date): Promise<void> {
    const deadline = now().getTime() + SETTLE_MAX_MS;
    for (;;) {
      const next = await this.deps.store.outbox.nextAttemptAt(this.deps.source.id);
      if (next === null || signal?.aborted) return;
      const at = Date.parse(next);
      if (at > deadline) return;
      const wait = at - now().getTime();
      if (wait > 0) await sleepUnlessAborted(wait, signal);
      const summary = await this.drain(signal);
      this.addWritten(result, summary);
      // Nothing moved although something was due: whatever is left waits on something other
      // than time (an entry held behind a failed one). Never spin.
      if (wait <= 0 && summary.sent + summary.wouldSend + summary.unchanged + summary.superseded + summary.failed + summary.dead === 0) return;
    }
  }

  /** Sends due writes, then appends what the batch and the writes recorded to the audit logs. */
  private async drain(signal: AbortSignal | undefined): Promise<DrainSummary> {
    const summary = this.holdingWrites ? emptyDrainSummary() : await this.drainOutbox(signal);
    await this.deps.audit?.flush();
    return summary;
  }

  private async drainOutbox(signal: AbortSignal | undefined): Promise<DrainSummary> {
    const writeSignal = this.deps.writeSignal;
    const { store, source, writer, logger, outbox } = this.deps;
    // Fail closed: a write the audit trail cannot record is not made (the outbox keeps it).
    if (await this.deps.audit?.holdWrites?.()) return emptyDrainSummary();
    return drainOutbox({
      store,
      sourceId: source.id,
      writer,
      logger,
      concurrency: outbox.concurrency,
      maxAttempts: outbox.maxAttempts,
      signal: this.deps.audit?.writeSignal?.(signal) ?? signal,
      writeSignal,
      ...(this.deps.now ? { now: this.deps.now } : {}),
      onWritten: (entry, outcome) => this.deps.onEvent?.({ type: 'written', sourceId: source.id, action: entry.planned, outcome }),
      versionReadChunk: versionReadChunk(Math.min(source.rateLimit.requestsPerMinute, source.budget ? budgetPerMinute(parseBudget(source.budget)) : Infinity)),
    });
  }

  private addWritten(result: PassResult, summary: DrainSummary): void {
    result.written.sent += summary.sent;
    result.written.wouldSend += summary.wouldSend;
    result.written.unchanged += summary.unchanged;
    result.written.superseded += summary.superseded;
    result.written.failed += summary.failed;
    result.written.dead += summary.dead;
  }
}

/**
 * Tickets per batched version read: about 20 seconds of the source's request budget, so what the
 * read saw is at most that old when the last write of the chunk goes out (a person's edit inside
 * that window is the one a write can still overwrite), between 10 and 100 tickets (a read per 10
 * tickets at the smallest budgets, a per-ticket cost of 0.01–0.1 requests).
 */
export function versionReadChunk(requestsPerMinute: number): number {
  return Math.min(100, Math.max(10, Math.floor(requestsPerMinute / 3)));
}
