import { describeVolume, type WriteVolume } from '../daemon/go-live.js';
import { ConfigError, formatDiagnostic } from '../diagnostics/diagnostics.js';
import { loadConfig } from '../config/load-config.js';
import type { Daemon } from '../daemon/daemon.js';
import type { Logger } from '../observability/logger.js';
import { parseFrom } from '../daemon/start-point.js';
import { formatHistoryReport } from '../engine/history-report.js';
import { describeHolder, StateHeldError } from '../state/lease.js';
import { StateOpenError } from '../state/open.js';

export interface RunOptions {
  config: string;
  once?: boolean;
  /** Start point for acting: an ISO date or a duration back from now (see start-point.ts). */
  from?: string;
  /** Wait for the daemon holding the state to stop (or go stale) instead of refusing. */
  wait?: boolean;
}

/**
 * Exit code when another daemon holds the state (or took it over from this one): EX_TEMPFAIL,
 * "try again later", so a supervisor can tell it from a failed pass (1) or a bad config (2).
 */
export const EXIT_STATE_HELD = 75;

/** `deskbridge run`: returns the process exit code. */
export async function runCommand(options: RunOptions): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(options.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      process.stderr.write(`deskbridge: ${options.config} has errors; fix them and run again (deskbridge validate ${options.config}).\n`);
      return 2;
    }
    throw error;
  }
  let actFrom: string | undefined;
  try {
    actFrom = options.from !== undefined ? parseFrom(options.from, new Date()) : undefined;
  } catch (error) {
    process.stderr.write(`deskbridge: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const { config, secrets } = loaded;
  // The daemon and what it needs load once the config is known good: a config error is reported
  // without paying for them.
  const [{ Daemon }, { ConfigSetError }, { createLogger }] = await Promise.all([import('../daemon/daemon.js'), import('../daemon/reload.js'), import('../observability/logger.js')]);
  const logger = createLogger({ ...config.log, secrets });
  let daemon: Daemon;
  let allSourcesStopped = (): void => undefined;
  try {
    daemon = await Daemon.open({ config, logger, secrets, onAllSourcesStopped: () => allSourcesStopped(), ...(actFrom ? { actFrom } : {}) });
  } catch (error) {
    if (error instanceof ConfigSetError) {
      for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      return 2;
    }
    if (error instanceof StateOpenError) {
      process.stderr.write(`deskbridge: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const held = await holdState(daemon, logger, options.wait ?? false);
  if (held !== undefined) return held;

  if (options.once) {
    // A signal during a one-off pass stops it the same graceful way; the exit code says it failed.
    const interrupt = (): void => void daemon.stop().catch(() => undefined);
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    const { ok, results } = await daemon.runOnce();
    // A first sync learns from history without acting on it: say what acting would have done.
    for (const r of results) if (r.history) for (const line of formatHistoryReport(r.sourceId, r.history)) process.stdout.write(`${line}\n`);
    // A held first live pass is why this run exits 1: say so where the admin is looking.
    for (const r of results) if (r.firstLivePass?.held) process.stdout.write(`${heldFirstPassLine(r.sourceId, r.firstLivePass)}\n`);
    await daemon.stop().catch((error: unknown) => logger.error('Shutdown failed', { error: String(error) }));
    if (daemon.leaseLost) {
      process.stderr.write(`deskbridge: ${daemon.leaseLost.message}\n`);
      return EXIT_STATE_HELD;
    }
    return ok ? 0 : 1;
  }

  const metricsUrl = await daemon.serveMetrics();
  const consoleUrl = await daemon.serveConsole();
  daemon.start();
  logger.info('Daemon started', { sources: config.sources.map((s) => s.id), ...(metricsUrl ? { metrics: `${metricsUrl}/metrics` } : {}), ...(consoleUrl ? { console: consoleUrl } : {}) });
  return new Promise<number>((resolve) => {
    daemon.onLeaseLost((error) => {
      process.stderr.write(`deskbridge: ${error.message}\n`);
      void daemon.stop().then(
        () => resolve(EXIT_STATE_HELD),
        () => resolve(EXIT_STATE_HELD),
      );
    });
    let stopping = false;
    const shutdown = (signal: string, exitCode = 0): void => {
      if (stopping) return;
      stopping = true;
      logger.info('Stopping: finishing in-flight writes', { signal });
      void daemon.stop().then(
        () => {
          logger.info('Stopped');
          resolve(exitCode);
        },
        (error: unknown) => {
          logger.error('Shutdown failed', { error: String(error) });
          resolve(1);
        },
      );
    };
    // Nothing left to do: exit non-zero so a supervisor restarts (or an operator notices) rather than idling unseen.
    allSourcesStopped = () => {
      logger.error('Every source has stopped; exiting', { hint: 'fix the credentials named above and start deskbridge again' });
      shutdown('all-sources-stopped', 1);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

/**
 * Takes the state lock before anything runs. Returns an exit code when the daemon must not run
 * (held by another daemon, or a signal while waiting), undefined when it holds the lock.
 */
async function holdState(daemon: Daemon, logger: Logger, wait: boolean): Promise<number | undefined> {
  const interrupted = new AbortController();
  const interrupt = (): void => interrupted.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await daemon.hold({
      wait,
      signal: interrupted.signal,
      onWait: (error) => {
        process.stderr.write(`deskbridge: ${error.message.replace(/; stop it or run with --wait$/, '')}; waiting for it to stop\n`);
        logger.info('Waiting for the state lock', { state: error.location, holder: describeHolder(error.holder, new Date()) });
      },
    });
    return undefined;
  } catch (error) {
    await daemon.stop().catch(() => undefined);
    if (error instanceof StateHeldError) {
      process.stderr.write(`deskbridge: ${error.message}\n`);
      return EXIT_STATE_HELD;
    }
    if (interrupted.signal.aborted) {
      logger.info('Stopped while waiting for the state lock');
      return 0;
    }
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** One line for `run --once` about a first live pass the catch held. */
export function heldFirstPassLine(sourceId: string, held: { writes: WriteVolume; total: number; maxWrites: number | 'off' }): string {
  return (
    `${sourceId}: first live pass held — ${held.total} writes (${describeVolume(held.writes)}) is more than firstLivePass.maxWrites (${held.maxWrites}); nothing was sent. ` +
    `Review: deskbridge outbox list --live. Send: raise firstLivePass.maxWrites and run again. Drop: deskbridge outbox discard --source ${sourceId}.`
  );
}
