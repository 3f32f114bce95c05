import { setMaxListeners } from 'node:events';
import { schedule, type ScheduledTask } from 'node-cron';
import { mappingName, type DaemonConfig } from '../config/schema.js';
import { createDryRunWriter, createConnectorWriter, type ActionWriter } from '../outbox/writer.js';
import { withEscalations } from '../outbox/escalation-writer.js';
import { SourceStoppedError } from '../outbox/executor.js';
import { createRedactor, type Logger } from '../observability/logger.js';
import { createConnector } from '../platforms/api.js';
import type { Connector } from '../platforms/types.js';
import { openSqliteStore } from '../state/sqlite/store.js';
import { dryRunStatePath } from '../state/dry-run-path.js';
import { describeState, dryRunStateOf, liveStateOf, openState } from '../state/open.js';
import { SourceClaims } from './source-claims.js';
import { packageVersion } from '../util/package-files.js';
import type { PassLogEntry, StateStore } from '../state/types.js';
import { LeaseUnconfirmedError, StateLeaseLostError } from '../state/lease.js';
import { StateLock, type HoldOptions } from './state-lock.js';
import { AuditTrail, dryRunAuditDir } from './audit-trail.js';
import { ConfigReloader, type ConfigSet } from './reload.js';
import { teamCalendars, type Team } from '../team/index.js';
import type { SlaCalendar } from '../engine/types.js';
import { SourceSync, type PassResult, type SyncEvent } from './sync-loop.js';
import { dryRunPlanIn, readDryRunPlan, type DryRunPlan } from './dry-run-plan.js';
import { PlatformError } from '../http/errors.js';
import { DaemonMetrics, startMetricsServer } from '../observability/metrics.js';
import { onEvaluationLimit, runCancellable, setEvaluationLimits } from '../mapping/limits.js';

export interface DaemonOptions {
  config: DaemonConfig;
  logger: Logger;
  onEvent?: (event: SyncEvent) => void;
  onPass?: (result: PassResult) => void;
  /** The clock rules decide by (shifts, SLA); tests set it, the daemon uses the system clock. */
  ruleNow?: () => Date;
  /** The clock of the sync loop and outbox (retry times, start point); tests advance it instead of sleeping. */
  now?: () => Date;
  /** `deskbridge run --from`: every source's start point for acting (ISO; see start-point.ts). */
  actFrom?: string;
  /** Every source has stopped (credentials refused): `run` exits non-zero instead of idling. */
  onAllSourcesStopped?: () => void;
  /** Values the config took from the environment: never shown by the console (the logger redacts them too). */
  secrets?: readonly string[];
  /** The states, already open (Daemon.open opens them from the config; a PostgreSQL state can only be opened that way). */
  stores?: { live: StateStore; dryRun?: StateStore | undefined };
}

interface SourceRunner {
  sync: SourceSync;
  connector: Connector;
  /** The state the source plans into (the dry-run state for a dry-run source): its passes are logged there. */
  store: StateStore;
  dryRun: boolean;
  running: Promise<PassResult | undefined> | undefined;
  stopped: boolean;
}

/**
 * Owns the state store, one SourceSync per enabled source, and the schedule. `runOnce` does one
 * pass of every source; `start` runs them on their cron schedules until `stop`.
 */
/** Writes still in flight this long after a stop request are aborted (the outbox makes that safe). */
const SHUTDOWN_GRACE_MS = 8_000;

export class Daemon {
  readonly store: StateStore;
  readonly metrics = new DaemonMetrics();
  private metricsServer: { url: string; close(): Promise<void> } | undefined;
  private consoleServer: { url: string; close(): Promise<void> } | undefined;
  private consoleSampler: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date();
  /** Outcome of each source's last pass, for `/healthz`. */
  private readonly lastOutcome = new Map<string, string>();
  /** Dry-run sources plan into their own state file, so switching dry-run off starts fresh. */
  private dryRunStore: StateStore | undefined;
  private readonly runners: SourceRunner[] = [];
  private readonly reloader: ConfigReloader;
  private readonly abort = new AbortController();
  private readonly writeAbort = new AbortController();
  private readonly tasks: ScheduledTask[] = [];
  /** One writer per state: the lock on the state files, held from `hold` (or `runOnce`) until stop. */
  private lock: StateLock | undefined;
  /** Instead of `lock`, on a state several daemons share: this daemon's leases on its share of the sources. */
  private claims: SourceClaims | undefined;
  /** Connectors of escalation targets, one per (origin, target) pair: see `escalationWriter`. */
  private readonly escalationConnectors = new Map<string, { writer: ActionWriter | undefined; connector: Connector | undefined }>();
  /** `start` was called: a source taken later gets its first pass at once. */
  private started = false;
  private readonly onLost: ((error: StateLeaseLostError) => void)[] = [];
  /** Live and dry-run audit trails: broken or unwritable means unhealthy, and `--once` fails. */
  private readonly auditTrails: AuditTrail[] = [];
  private readonly stopCountingLimits: () => void;
  /** Scrubs the config's secrets from text the daemon keeps or shows (pass log errors, console pages). */
  readonly redact: (text: string) => string;

  /** `reloader`: the rules and mappings already loaded (Daemon.open loads them before it opens a state, so a bad config creates none). */
  constructor(
    private readonly options: DaemonOptions,
    reloader?: ConfigReloader,
  ) {
    const { config, logger } = options;
    // Every request, pacing wait and retry of every source listens to these two signals while it
    // runs: dozens at once with several sources is normal, not a leak (Node warns above 10).
    setMaxListeners(0, this.abort.signal, this.writeAbort.signal);
    setEvaluationLimits(config.limits);
    const redactor = createRedactor(options.secrets ?? []);
    this.redact = (text) => String(redactor(text));
    this.stopCountingLimits = onEvaluationLimit((limit) => this.metrics.evaluationLimits.inc({ limit }));
    const sources = config.sources.filter((s) => s.enabled);
    this.reloader = reloader ?? Daemon.loadRules(options, (result) => this.metrics.reloads.inc({ result }));
    if (config.state.url !== undefined && !options.stores) throw new Error('a PostgreSQL state (state.url) is opened asynchronously: create the daemon with Daemon.open(options)');
    this.store = options.stores?.live ?? openSqliteStore(config.state.path);
    const auditTrail = new AuditTrail(this.store, config.audit.dir, logger, config.audit.maxBytes, { metrics: this.metrics });
    this.auditTrails.push(auditTrail);
    let dryRunAuditTrail: AuditTrail | undefined;
    for (const source of sources) {
      const sourceLogger = logger.child({ source: source.id });
      // On a shared state, no write leaves for a source whose lease this daemon has not confirmed lately.
      const connector = createConnector(source, { logger: sourceLogger, writeGate: () => this.claims?.assertFresh(source.id) });
      const dryRun = source.dryRun ?? config.dryRun;
      const mappings = () => {
        const m = this.reloader.set.mappings.get(mappingName(source));
        if (!m) throw new Error(`no mappings loaded for ${mappingName(source)}`);
        return m;
      };
      const store = dryRun ? undefined : this.store;
      const writer =
        dryRun || !store
          ? createDryRunWriter(sourceLogger)
          : withEscalations(createConnectorWriter(connector, mappings), source.id, {
              writerFor: (to) => this.escalationWriter(source.id, to),
              link: (key) => store.escalations.get(key),
            });
      if (dryRun) {
        this.dryRunStore ??= options.stores ? options.stores.dryRun : openSqliteStore(dryRunStatePath(config.state.path));
        if (!this.dryRunStore) throw new Error(`source ${source.id} is in dry-run: Daemon.open needs its dry-run state too`);
        if (!dryRunAuditTrail)
          this.auditTrails.push((dryRunAuditTrail = new AuditTrail(this.dryRunStore, dryRunAuditDir(config.audit.dir), logger, config.audit.maxBytes, { metrics: this.metrics, mode: 'dry-run' })));
      }
      const sync = new SourceSync({
        source,
        connector,
        store: dryRun && this.dryRunStore ? this.dryRunStore : this.store,
        audit: dryRun && dryRunAuditTrail ? dryRunAuditTrail : auditTrail,
        writeSignal: this.writeAbort.signal,
        writer,
        logger: sourceLogger,
        rules: () => this.reloader.set.rules,
        team: () => this.teamOf(this.reloader.set),
        mappings,
        outbox: config.outbox,
        keepVersionsDays: config.state.keepVersionsDays,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.ruleNow ? { ruleNow: options.ruleNow } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.actFrom ? { actFrom: options.actFrom } : {}),
        // A live source's first pass quotes what a dry run of it planned, as the volume to expect.
        ...(dryRun ? {} : { dryRunPlan: () => this.dryRunPlan(source.id) }),
        // A dry-run source has no escalations to keep in step: its copies are never made.
        ...(dryRun ? {} : { platformOf: (id: string) => config.sources.find((s) => s.id === id)?.platform }),
      });
      this.runners.push({ sync, connector, store: dryRun && this.dryRunStore ? this.dryRunStore : this.store, dryRun, running: undefined, stopped: false });
    }
  }

  /**
   * Opens the config's states (the dry-run one only when a source runs in dry-run) and creates the
   * daemon on them: the way to start one on PostgreSQL (`state.url`), and equally on SQLite.
   */
  static async open(options: DaemonOptions): Promise<Daemon> {
    const { config } = options;
    let daemon: Daemon | undefined;
    const reloader = Daemon.loadRules(options, (result) => daemon?.metrics.reloads.inc({ result }));
    // A daemon paused inside a transaction must not hold its locks past its lease's TTL: the server ends its session sooner.
    const pg = { idleInTransactionTimeoutMs: Math.min(10_000, (config.state.lease.ttlSeconds * 1000) / 2) };
    const live = await openState(liveStateOf(config), pg);
    let dryRun: StateStore | undefined;
    try {
      const dryLocation = dryRunStateOf(config);
      if (dryLocation && config.sources.some((s) => s.enabled && (s.dryRun ?? config.dryRun))) dryRun = await openState(dryLocation, pg);
      daemon = new Daemon({ ...options, stores: { live, dryRun } }, reloader);
      return daemon;
    } catch (error) {
      await dryRun?.close();
      await live.close();
      throw error;
    }
  }

  /** Loads the rules and mappings the enabled sources need; throws ConfigSetError (with positions) when they do not load. */
  private static loadRules(options: DaemonOptions, onReload: (result: 'accepted' | 'rejected') => void): ConfigReloader {
    const { config, logger } = options;
    const sources = config.sources.filter((s) => s.enabled);
    return new ConfigReloader(
      config.rules,
      config.mappings,
      sources.map((s) => mappingName(s)),
      config.sources.map((s) => s.id),
      logger,
      onReload,
      () => options.now?.() ?? new Date(),
    );
  }

  /**
   * The writer that opens escalated copies on `to` for tickets of `origin`. Its own connector, so the
   * copy is written under the origin's lease (the escalation is the origin's work: on a shared state
   * the daemon holding the origin sends it, whoever holds the target); pacing is shared per host.
   * Undefined for a source that is not configured, disabled or in dry-run (nothing is sent there).
   */
  private escalationWriter(origin: string, to: string): ActionWriter | undefined {
    const key = `${origin}>${to}`;
    const known = this.escalationConnectors.get(key);
    if (known) return known.writer;
    const { config, logger } = this.options;
    const target = config.sources.find((s) => s.id === to && s.enabled && !(s.dryRun ?? config.dryRun));
    let made: { writer: ActionWriter | undefined; connector: Connector | undefined } = { writer: undefined, connector: undefined };
    if (target) {
      const connector = createConnector(target, { logger: logger.child({ source: to, onBehalfOf: origin }), writeGate: () => this.claims?.assertFresh(origin) });
      const mappings = () => {
        const m = this.reloader.set.mappings.get(mappingName(target));
        if (!m) throw new Error(`no mappings loaded for ${mappingName(target)}`);
        return m;
      };
      const writer = createConnectorWriter(connector, mappings);
      // Checked once, as a source's own connector is at its first pass (credentials, the integration user).
      let ready: Promise<unknown> | undefined;
      made = {
        writer: {
          ...writer,
          async write(entry, signal, current) {
            ready ??= connector.init(signal).catch((error: unknown) => {
              ready = undefined;
              throw error;
            });
            await ready;
            return writer.write(entry, signal, current);
          },
        },
        connector,
      };
    }
    this.escalationConnectors.set(key, made);
    return made.writer;
  }

  /** What a dry run planned for a source: from the dry-run state this daemon holds open, else from its file. */
  private async dryRunPlan(sourceId: string): Promise<DryRunPlan | undefined> {
    const location = dryRunStateOf(this.options.config);
    if (!location) return undefined;
    return this.dryRunStore ? dryRunPlanIn(this.dryRunStore, describeState(location), sourceId) : readDryRunPlan(location, sourceId);
  }

  private readonly teams = new WeakMap<ConfigSet, { team: Team | undefined; calendars: (name: string) => SlaCalendar | undefined }>();

  /** The team and its calendars for a rules set, built once per reload. */
  private teamOf(set: ConfigSet): { team: Team | undefined; calendars: (name: string) => SlaCalendar | undefined } {
    let entry = this.teams.get(set);
    if (!entry) {
      entry = { team: set.team, calendars: teamCalendars(set.team) };
      this.teams.set(set, entry);
    }
    return entry;
  }

  /**
   * Takes the lock on the state (and the dry-run state) for the daemon's lifetime, renewed by a
   * heartbeat until `stop`. Rejects with StateHeldError when another live daemon holds it, or with
   * `wait` polls until it is released or stale. `runOnce` takes it itself; `start` needs it taken.
   */
  hold(options: HoldOptions = {}): Promise<void> {
    if (this.store.shared) return this.holdShare();
    this.lock ??= new StateLock(this.dryRunStore ? [this.store, this.dryRunStore] : [this.store], this.options.config.state.lease, this.options.logger, (error) => {
      // Another daemon has taken the state over: commit nothing more, stop.
      void this.stop().catch(() => undefined);
      for (const callback of this.onLost.splice(0)) callback(error);
    });
    return this.lock.hold(options);
  }

  private sharing: Promise<void> | undefined;

  /** On a shared state: joins the daemons and takes this daemon's share of the sources (not all of them). */
  private holdShare(): Promise<void> {
    const registry = this.store.shared;
    if (!registry) throw new Error('not a shared state');
    this.claims ??= new SourceClaims({
      registry,
      sources: this.runners.map((r) => {
        const state = r.store.shared;
        if (!state) throw new Error(`source ${r.sync.sourceId}: its dry-run state cannot be shared while the live one is`);
        const source = this.options.config.sources.find((s) => s.id === r.sync.sourceId);
        return { sourceId: r.sync.sourceId, state, quietMs: Math.min(source?.retry.timeoutMs ?? 10_000, 10_000) };
      }),
      settings: this.options.config.state.lease,
      logger: this.options.logger,
      busy: (sourceId) => this.runners.some((r) => r.sync.sourceId === sourceId && r.running !== undefined),
      onAcquired: (sourceId) => {
        const runner = this.runners.find((r) => r.sync.sourceId === sourceId);
        if (runner && this.started && !runner.running && !runner.stopped && !this.abort.signal.aborted) void this.runPass(runner);
      },
      ...(this.options.now ? { clock: this.options.now } : {}),
      version: packageVersion(),
      onHeld: (held) => {
        for (const r of this.runners) {
          const source = r.sync.sourceId;
          this.metrics.sourceHeld.set({ source }, held.includes(source) ? 1 : 0);
          if (held.includes(source)) continue;
          // Another daemon's source now: its health and last pass are reported there, not here.
          this.lastOutcome.delete(source);
          this.metrics.lastSuccessfulPass.remove({ source });
        }
      },
    });
    const claims = this.claims;
    this.sharing ??= claims.start().catch((error: unknown) => {
      this.sharing = undefined;
      throw error;
    });
    return this.sharing;
  }

  /** On a shared state, the sources this daemon holds now (undefined: it holds the whole state). */
  heldSources(): string[] | undefined {
    return this.claims?.heldSources();
  }

  /** The daemon's id among those sharing the state (undefined on a state it holds alone). */
  get daemonId(): string | undefined {
    return this.claims?.daemonId;
  }

  /** The error that stopped the daemon because another daemon took its state over, if that happened. */
  get leaseLost(): StateLeaseLostError | undefined {
    return this.lock?.lost;
  }

  /** Calls back (once) when the daemon loses its lock and stops itself. */
  onLeaseLost(callback: (error: StateLeaseLostError) => void): void {
    if (this.leaseLost) callback(this.leaseLost);
    else this.onLost.push(callback);
  }

  /** One pass over every source, in parallel. Resolves true when every source succeeded. */
  /** `settle` (default true): wait up to a minute for writes whose retry falls due, as `run --once` should. */
  async runOnce(options: { settle?: boolean } = {}): Promise<{ ok: boolean; results: PassResult[] }> {
    await this.hold();
    // On a shared state, one pass of the sources this daemon holds: the others are other daemons' work.
    const mine = this.claims ? this.runners.filter((r) => this.claims?.holds(r.sync.sourceId)) : this.runners;
    const outcomes = await Promise.all(mine.map((r) => this.runPass(r, { settle: options.settle ?? true })));
    const results = outcomes.filter((r): r is PassResult => r !== undefined);
    // A pass that leaves writes waiting for a retry did not finish its job.
    return {
      ok: results.length === mine.length && results.every((r) => r.pendingWrites === 0 && r.written.dead === 0 && !r.interrupted) && this.auditProblem() === undefined,
      results,
    };
  }

  /** Starts `/metrics` and `/healthz` when the config asks for them; returns their base URL. */
  async serveMetrics(): Promise<string | undefined> {
    const { metrics } = this.options.config;
    if (!metrics) return undefined;
    this.metricsServer = await startMetricsServer(
      this.metrics,
      metrics.port,
      () => {
        const detail = Object.fromEntries(this.lastOutcome);
        const audit = this.auditProblem();
        return { ok: [...this.lastOutcome.values()].every((o) => o === 'ok') && audit === undefined, detail: audit ? { ...detail, audit } : detail };
      },
      metrics.host,
    );
    return this.metricsServer.url;
  }

  /**
   * Starts the web console when the config asks for it (`console:`); returns its URL. It reads
   * this daemon's stores and live state, and changes only what the CLI's outbox and quarantine
   * retries change.
   */
  async serveConsole(): Promise<string | undefined> {
    const consoleConfig = this.options.config.console;
    if (!consoleConfig) return undefined;
    const [{ startConsole }, { daemonConsoleView, RequestRate }] = await Promise.all([import('../console/server.js'), import('./console-view.js')]);
    const { config } = this.options;
    const stateFiles = [
      { mode: 'live' as const, path: describeState(liveStateOf(config)), store: this.store },
      ...(this.dryRunStore ? [{ mode: 'dry-run' as const, path: describeState(dryRunStateOf(config) ?? liveStateOf(config)), store: this.dryRunStore }] : []),
    ];
    const rate = new RequestRate();
    const runners = () =>
      this.runners.flatMap((r) => {
        const source = config.sources.find((s) => s.id === r.sync.sourceId);
        const state = stateFiles.find((f) => f.store === r.store);
        const held = this.claims?.heldSources().includes(r.sync.sourceId);
        return source && state ? [{ source, connector: r.connector, state, dryRun: r.dryRun, running: r.running !== undefined, stopped: r.stopped, held }] : [];
      });
    const now = () => this.wallClock();
    // Sampled while nobody looks too, so the first page view already has a minute to compare with.
    this.consoleSampler = setInterval(() => {
      for (const r of this.runners) rate.sample(r.sync.sourceId, r.connector.requestCount(), now().getTime());
    }, 5_000);
    this.consoleSampler.unref();
    const view = daemonConsoleView({
      config,
      startedAt: this.startedAt,
      now,
      runners,
      stateFiles,
      reloader: this.reloader,
      lastOutcome: this.lastOutcome,
      auditProblem: () => this.auditProblem(),
      dryRunAuditDir: dryRunAuditDir(config.audit.dir),
      redact: this.redact,
      rate,
      stopping: this.abort.signal,
    });
    this.consoleServer = await startConsole({ config: consoleConfig, view, logger: this.options.logger });
    return this.consoleServer.url;
  }

  start(): void {
    if (!this.lock?.held && !this.claims) throw new Error('Daemon.start() needs the state lock: await daemon.hold() first');
    this.started = true;
    for (const runner of this.runners) {
      const source = this.options.config.sources.find((s) => s.id === runner.sync.sourceId);
      if (!source) continue;
      const task = schedule(
        source.schedule,
        () => {
          // A pass still running when the next tick comes is not started twice.
          if (runner.running || runner.stopped || this.abort.signal.aborted) return;
          void this.runPass(runner);
        },
        { noOverlap: true, name: source.id },
      );
      this.tasks.push(task);
      void this.runPass(runner);
    }
  }

  private stopping: Promise<void> | undefined;

  /** Stops scheduling, lets in-flight writes finish and be recorded, then closes the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    // Sources still held are renewed while in-flight writes finish; none is taken any more.
    this.claims?.stopTaking();
    for (const task of this.tasks) await task.stop();
    this.abort.abort();
    const grace = setTimeout(() => this.writeAbort.abort(), SHUTDOWN_GRACE_MS);
    await Promise.allSettled(this.runners.flatMap((r) => (r.running ? [r.running] : [])));
    clearTimeout(grace);
    // The console first: a page still reading (a live explain) is cut short, not left without its connector.
    clearInterval(this.consoleSampler);
    await this.consoleServer?.close();
    for (const runner of this.runners) await runner.connector.close();
    for (const { connector } of this.escalationConnectors.values()) await connector?.close();
    await this.metricsServer?.close();
    // Nothing commits any more: the next daemon may start at once (on a shared state, the others take our sources now).
    await this.lock?.release();
    await this.claims?.stop();
    this.stopCountingLimits();
    await this.store.close();
    await this.dryRunStore?.close();
  }

  /** Why the audit trail holds writes (broken or not writable), or undefined. */
  auditProblem(): string | undefined {
    const problems = this.auditTrails.map((t) => t.problem).filter((p): p is string => p !== undefined);
    return problems.length > 0 ? problems.join('; ') : undefined;
  }

  totalRequests(): number {
    return this.runners.reduce((sum, r) => sum + r.connector.requestCount(), 0);
  }

  private wallClock(): Date {
    return this.options.now?.() ?? new Date();
  }

  private recordPass(result: PassResult): void {
    const source = result.sourceId;
    const m = this.metrics;
    m.passes.inc({ source, outcome: 'ok' });
    m.recordsPulled.inc({ source }, result.pulled);
    m.actionsPlanned.inc({ source }, result.planned);
    m.ticketsSkipped.inc({ source }, result.skipped);
    m.quarantined.inc({ source }, result.quarantined);
    for (const outcome of ['sent', 'unchanged', 'superseded', 'failed', 'dead'] as const) m.writes.inc({ source, outcome }, result.written[outcome]);
    // Never counted as sent: a dashboard of writes must not show a dry run as traffic.
    m.writes.inc({ source, outcome: 'would_send' }, result.written.wouldSend);
    m.pendingWrites.set({ source }, result.pendingWrites);
    m.lastPassSeconds.set({ source }, result.durationMs / 1000);
    // What an alert watches ("no successful pass for 15 minutes"): a pass stopped by a shutdown did not finish its job.
    if (!result.interrupted) m.lastSuccessfulPass.set({ source }, this.wallClock().getTime() / 1000);
    // A first live pass held by its catch waits for an admin: /healthz says so until it is released.
    this.lastOutcome.set(source, result.firstLivePass?.held ? 'first-live-pass-held' : 'ok');
  }

  /**
   * Keeps the pass in the state's pass log, which the console shows and which outlives this
   * process. A log that cannot be written does not fail the pass; after a takeover the new holder
   * logs, not us.
   */
  private async logPass(runner: SourceRunner, pass: { startedAt: Date; requestsBefore: number; outcome: PassOutcome; result?: PassResult; error?: string }): Promise<void> {
    const finishedAt = this.wallClock();
    const r = pass.result;
    const w = r?.written;
    try {
      await runner.store.recordPass({
        sourceId: runner.sync.sourceId,
        startedAt: pass.startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        outcome: pass.outcome,
        durationMs: r?.durationMs ?? finishedAt.getTime() - pass.startedAt.getTime(),
        pulled: r?.pulled ?? 0,
        planned: r?.planned ?? 0,
        skipped: r?.skipped ?? 0,
        quarantined: r?.quarantined ?? 0,
        written: { sent: w?.sent ?? 0, unchanged: w?.unchanged ?? 0, superseded: w?.superseded ?? 0, failed: w?.failed ?? 0, dead: w?.dead ?? 0, wouldSend: w?.wouldSend ?? 0 },
        pendingWrites: r?.pendingWrites ?? 0,
        requests: runner.connector.requestCount() - pass.requestsBefore,
        dryRun: runner.dryRun,
        error: pass.error !== undefined ? this.redact(pass.error) : undefined,
      });
    } catch (error) {
      if (!(error instanceof StateLeaseLostError))
        this.options.logger.warn('Could not record the pass in the pass log', { source: runner.sync.sourceId, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private runPass(runner: SourceRunner, options: { settle?: boolean } = {}): Promise<PassResult | undefined> {
    const { logger } = this.options;
    // Another daemon's source now (or not yet ours): its schedule ticks here too, and passes.
    if (this.claims && !this.claims.holds(runner.sync.sourceId)) return Promise.resolve(undefined);
    const startedAt = this.wallClock();
    const requestsBefore = runner.connector.requestCount();
    const run = (async () => {
      try {
        this.reloader.check();
        const result = await runCancellable(this.abort.signal, () => runner.sync.runPass(this.abort.signal, options));
        await this.logPass(runner, { startedAt, requestsBefore, outcome: result.interrupted ? 'interrupted' : result.firstLivePass?.held ? 'held' : 'ok', result });
        if (result.dryRun) logger.info('Pass complete (dry run: nothing was sent)', dryRunSummary(result));
        else logger.info('Pass complete', { ...result });
        this.recordPass(result);
        this.options.onPass?.(result);
        return result;
      } catch (error) {
        if (error instanceof StateLeaseLostError) {
          // Shared: only this source went to another daemon (or is unconfirmed until the next heartbeat). Alone: the whole state did, so stop.
          if (error instanceof LeaseUnconfirmedError) logger.warn('Pass stopped: the source lease is not confirmed', { source: runner.sync.sourceId, error: error.message });
          if (this.claims) this.claims.lose(runner.sync.sourceId, error);
          else this.lock?.lose(error);
          return undefined;
        }
        const stopped = error instanceof SourceStoppedError || (error instanceof PlatformError && (error.details.code === 'auth' || error.details.code === 'forbidden'));
        this.metrics.passes.inc({ source: runner.sync.sourceId, outcome: stopped ? 'stopped' : 'failed' });
        const reason = error instanceof SourceStoppedError ? error.platformError.message : error instanceof Error ? error.message : String(error);
        await this.logPass(runner, { startedAt, requestsBefore, outcome: stopped ? 'stopped' : 'failed', error: reason });
        this.lastOutcome.set(runner.sync.sourceId, stopped ? 'stopped' : 'failed');
        if (stopped) {
          runner.stopped = true;
          const e = error instanceof SourceStoppedError ? error.platformError : error;
          logger.error('Source stopped: the platform refused our credentials', { source: runner.sync.sourceId, error: e.message, hint: e.details.hint });
          if (this.runners.every((r) => r.stopped)) this.options.onAllSourcesStopped?.();
        } else {
          logger.error('Pass failed', { source: runner.sync.sourceId, error: error instanceof Error ? error.message : String(error) });
        }
        return undefined;
      } finally {
        runner.running = undefined;
      }
    })();
    runner.running = run;
    return run;
  }
}

type PassOutcome = PassLogEntry['outcome'];

/** A dry-run pass summary says what would have been sent; `sent` is always 0 there and would mislead. */
export function dryRunSummary(result: PassResult): Record<string, unknown> {
  const { sent: _alwaysZero, ...written } = result.written;
  return { ...result, written };
}

export { dryRunStatePath };
