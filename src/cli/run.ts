import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import { loadConfig } from '../config/load-config.js';
import { Daemon } from '../daemon/daemon.js';
import { ConfigSetError } from '../daemon/reload.js';
import { createLogger } from '../observability/logger.js';

export interface RunOptions {
  config: string;
  once?: boolean;
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
  const { config, secrets } = loaded;
  const logger = createLogger({ ...config.log, secrets });
  let daemon: Daemon;
  let allSourcesStopped = (): void => undefined;
  try {
    daemon = new Daemon({ config, logger, onAllSourcesStopped: () => allSourcesStopped() });
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
    const { ok } = await daemon.runOnce();
    await daemon.stop().catch((error: unknown) => logger.error('Shutdown failed', { error: String(error) }));
    return ok ? 0 : 1;
  }

  const metricsUrl = await daemon.serveMetrics();
  daemon.start();
  logger.info('Daemon started', { sources: config.sources.map((s) => s.id), ...(metricsUrl ? { metrics: `${metricsUrl}/metrics` } : {}) });
  return new Promise<number>((resolve) => {
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
