import { readFileSync } from 'node:fs';
import { ServiceNowSource } from '../../../../src/config/schema.js';
import { HostQueueRegistry } from '../../../../src/http/queue.js';
import type { Sleep } from '../../../../src/http/retry.js';
import type { ConnectorDeps } from '../../../../src/platforms/deps.js';
import { createServiceNowConnector } from '../../../../src/platforms/servicenow/index.js';
import type { Connector } from '../../../../src/platforms/types.js';

export const BASE_URL = 'https://acme.service-now.com';
export const PASSWORD = 'S3cret!pass-do-not-log';
export const CLIENT_SECRET = 'cl1ent-s3cret-do-not-log';

const fixtureDir = new URL('../../../fixtures/platforms/servicenow/', import.meta.url);

/** A vendor-shaped JSON body from test/fixtures/platforms/servicenow. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${name}.json`, fixtureDir), 'utf8')) as Record<string, unknown>;
}

/** A source as the config loader would produce it (defaults applied). */
export function source(overrides: Record<string, unknown> = {}): ServiceNowSource {
  return ServiceNowSource.parse({
    id: 'snow-prod',
    platform: 'servicenow',
    baseUrl: BASE_URL,
    auth: { type: 'basic', username: 'svc.deskbridge', password: PASSWORD },
    ...overrides,
  });
}

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

/** A connector with instant, recorded sleeps, a captured log and its own host queues. */
export function harness(src: ServiceNowSource = source(), deps: ConnectorDeps = {}): Harness {
  const sleeps: number[] = [];
  const logs: LogEntry[] = [];
  const sleep: Sleep = (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const connector = createServiceNowConnector(src, {
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
  for await (const page of pages) {
    out.push(page);
  }
  return out;
}

export const READ_PARAMS = {
  sysparm_display_value: 'all',
  sysparm_exclude_reference_link: 'true',
} as const;

export const WRITE_PARAMS = {
  sysparm_input_display_value: 'true',
  sysparm_exclude_reference_link: 'true',
  sysparm_fields: 'sys_id,sys_mod_count',
} as const;
