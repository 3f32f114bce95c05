import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import type { DaemonConfig } from '../../src/config/schema.js';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import type { Logger } from '../../src/observability/logger.js';
import { startJiraSandbox, type JiraSandbox } from '../../src/sandbox/jira/index.js';
import { startServiceNowSandbox, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import type { ProcessIdentity } from '../../src/state/lease.js';
import { openSqliteStore, type SqliteStateStore } from '../../src/state/sqlite/store.js';
import { BIN, finished, spawnCommand, spawnNode, type Finished, type SpawnedProcess, type SpawnOptions } from './cli-process.js';
import { startSeededJira } from './jira-env.js';
import { captureLogger } from './log-capture.js';
import { startSeededSandbox, type SeedSpec } from './sandbox-env.js';

/** A loaded deskbridge.yaml: what `loadConfig` returns, and where it was written. */
export interface LoadedConfig {
  path: string;
  config: DaemonConfig;
  secrets: string[];
}

/** A daemon the harness built, with the log lines it wrote (secrets redacted). */
export interface RunningDaemon {
  daemon: Daemon;
  config: DaemonConfig;
  logger: Logger;
  lines: string[];
}

/**
 * The e2e harness: starts sandboxes, loads configs, builds daemons, opens state stores, makes temp
 * dirs and runs the CLI as a child process, and cleans all of it up after each test (CLI processes
 * still running are SIGKILLed first, then daemons are stopped, then whatever else was registered is
 * closed, newest first). Call it in a `describe` (or at file level); everything it hands out is
 * cleaned up by its `afterEach`. Only public entry points are used (sandbox start functions,
 * loadConfig, Daemon, openSqliteStore, bin/deskbridge.js).
 */
export interface E2eHarness {
  /** A ServiceNow sandbox seeded as `spec` says (see startSeededSandbox), closed after the test. */
  serviceNow(spec?: SeedSpec, options?: Parameters<typeof startSeededSandbox>[1]): Promise<ServiceNowSandbox>;
  /** A Jira sandbox with the fixtures (and `hadoopIssues`) seeded (see startSeededJira), closed after the test. */
  jira(flavour: 'cloud' | 'datacenter', spec?: Parameters<typeof startSeededJira>[1]): Promise<JiraSandbox>;
  /** A ServiceNow sandbox on a store (and options) the test built itself, closed after the test. */
  serviceNowOn(options: Parameters<typeof startServiceNowSandbox>[0]): Promise<ServiceNowSandbox>;
  /** A Jira sandbox on a store (and options) the test built itself, closed after the test. */
  jiraOn(options: Parameters<typeof startJiraSandbox>[0]): Promise<JiraSandbox>;
  /** Registers anything with `close()` (a sandbox started directly, a proxy) to be closed after the test. */
  closeAfter<T extends { close(): Promise<unknown> }>(closable: T): T;
  /** `loadConfig` of a config path (from writeConfig / writeJiraConfig). */
  load(path: string): LoadedConfig;
  /** A Daemon on a config (a path or one already loaded), logging into captured lines; stopped after the test. */
  daemon(config: string | LoadedConfig | { config: DaemonConfig; secrets?: readonly string[] }, options?: Omit<DaemonOptions, 'config' | 'logger'> & { logger?: Logger }): RunningDaemon;
  /** A SQLite state store opened as the CLI opens it (openSqliteStore), closed after the test. */
  store(path: string, clock?: () => Date, identity?: ProcessIdentity): SqliteStateStore;
  /** A fresh temporary directory, removed after the test. */
  tempDir(prefix?: string): string;
  /** `deskbridge <args>` started as a child process (bin/deskbridge.js); SIGKILLed after the test if still running. */
  spawnCli(args: readonly string[], options?: SpawnOptions): SpawnedProcess;
  /** `node <nodeArgs>` as a child process (a helper script, say); SIGKILLed after the test if still running. */
  spawnNode(nodeArgs: readonly string[], options?: SpawnOptions): SpawnedProcess;
  /** Any program as a child process (`bash -c …`, say); SIGKILLed after the test if still running. */
  spawnCommand(file: string, args: readonly string[], options?: SpawnOptions): SpawnedProcess;
  /** `deskbridge <args>` run to its end: exit code and output. */
  cli(args: readonly string[], options?: SpawnOptions): Promise<Finished>;
}

export function useE2e(): E2eHarness {
  const daemons: Daemon[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const children: SpawnedProcess[] = [];
  afterEach(async () => {
    // Child processes first: they may still be talking to a sandbox or holding a state file.
    for (const spawned of children.splice(0)) {
      if (spawned.child.exitCode === null && spawned.child.signalCode === null) spawned.child.kill('SIGKILL');
      await spawned.exited;
    }
    for (const daemon of daemons.splice(0)) await daemon.stop().catch(() => undefined);
    for (const close of closers.splice(0).reverse()) await close();
  });

  const harness: E2eHarness = {
    async serviceNow(spec = {}, options = {}) {
      return harness.closeAfter(await startSeededSandbox(spec, options));
    },
    async jira(flavour, spec = {}) {
      return harness.closeAfter(await startSeededJira(flavour, spec));
    },
    async serviceNowOn(options) {
      return harness.closeAfter(await startServiceNowSandbox(options));
    },
    async jiraOn(options) {
      return harness.closeAfter(await startJiraSandbox(options));
    },
    closeAfter(closable) {
      closers.push(() => closable.close());
      return closable;
    },
    load(path) {
      const { config, secrets } = loadConfig(path);
      return { path, config, secrets: [...secrets] };
    },
    daemon(given, options = {}) {
      const loaded = typeof given === 'string' ? harness.load(given) : given;
      const captured = captureLogger([...(loaded.secrets ?? [])]);
      const logger = options.logger ?? captured.logger;
      const daemon = new Daemon({ ...options, config: loaded.config, logger });
      daemons.push(daemon);
      return { daemon, config: loaded.config, logger, lines: captured.lines };
    },
    store(path, clock, identity) {
      // Closing twice is harmless (better-sqlite3), so a test may also close it itself.
      return harness.closeAfter(openSqliteStore(path, clock, identity));
    },
    tempDir(prefix = 'deskbridge-e2e-') {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      closers.push(async () => rmSync(dir, { recursive: true, force: true }));
      return dir;
    },
    spawnCli(args, options) {
      return harness.spawnNode([BIN, ...args], options);
    },
    spawnNode(nodeArgs, options) {
      const spawned = spawnNode(nodeArgs, options);
      children.push(spawned);
      return spawned;
    },
    spawnCommand(file, args, options) {
      const spawned = spawnCommand(file, args, options);
      children.push(spawned);
      return spawned;
    },
    cli(args, options) {
      return finished(harness.spawnCli(args, options));
    },
  };
  return harness;
}
