import { HostQueueRegistry } from '../../src/http/queue.js';
import type { Sleep } from '../../src/http/retry.js';
import type { ConnectorDeps } from '../../src/platforms/deps.js';
import type { Connector } from '../../src/platforms/types.js';

export interface LogEntry {
  level: 'warn' | 'debug';
  message: string;
  meta: Record<string, unknown> | undefined;
}

export interface Harness {
  connector: Connector;
  /** Delays the retry layer asked to sleep, in order; nothing actually waits. */
  sleeps: number[];
  logs: LogEntry[];
}

/** Builds a connector with instant, recorded sleeps, a captured log and its own host queues. */
export function connectorHarness<S>(create: (source: S, deps: ConnectorDeps) => Connector, src: S, deps: ConnectorDeps = {}): Harness {
  const sleeps: number[] = [];
  const logs: LogEntry[] = [];
  const sleep: Sleep = (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const connector = create(src, {
    hostQueues: new HostQueueRegistry(),
    logger: {
      warn: (message, meta) => logs.push({ level: 'warn', message, meta }),
      debug: (message, meta) => logs.push({ level: 'debug', message, meta }),
    },
    ...deps,
    retryOverrides: { sleep, random: () => 0.5, ...deps.retryOverrides },
  });
  return { connector, sleeps, logs };
}

/** Collects every page of a pull. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
