import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import { loadConfig } from '../config/load-config.js';
import { Daemon } from '../daemon/daemon.js';
import { ConfigSetError } from '../daemon/reload.js';
import { createLogger } from '../observability/logger.js';
import { parseFrom } from '../daemon/start-point.js';
import { formatHistoryReport } from '../daemon/history-report.js';

export interface RunOptions {
  config: string;
  once?: boolean;
  /** Start point for acting: an ISO date or a duration back from now (see start-point.ts). */
  from?: string;
}

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
  const logger = createLogger({ ...config.log, secrets });
  let daemon: Daemon;
  try {
    daemon = new Daemon({ config, logger, ...(actFrom ? { actFrom } : {}) });
  } catch (error) {
    if (error instanceof ConfigSetError) {
      for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      return 2;
    }
    throw error;
  }

  if (options.once) {
    // A signal during a one-off pass stops it the same graceful way; the exit code says it failed.
    const interrupt = (): void => void daemon.stop().catch(() => undefined);
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    const { ok, results } = await daemon.runOnce();
    // A first sync learns from history without acting on it: say what acting would have done.
    for (const r of results) if (r.history) for (const line of formatHistoryReport(r.sourceId, r.history)) process.stdout.write(`${line}\n`);
    await daemon.stop().catch((error: unknown) => logger.error('Shutdown failed', { error: String(error) }));
    return ok ? 0 : 1;
  }

  const metricsUrl = await daemon.serveMetrics();
  daemon.start();
  logger.info('Daemon started', { sources: config.sources.map((s) => s.id), ...(metricsUrl ? { metrics: `${metricsUrl}/metrics` } : {}) });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      logger.info('Stopping: finishing in-flight writes', { signal });
      void daemon.stop().then(
        () => {
          logger.info('Stopped');
          resolve(0);
        },
        (error: unknown) => {
          logger.error('Shutdown failed', { error: String(error) });
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
