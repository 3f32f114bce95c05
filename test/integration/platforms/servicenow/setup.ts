import { readFileSync } from 'node:fs';
import { connectorHarness, type Harness } from '../../../helpers/connector-harness.js';
import { ServiceNowSource } from '../../../../src/platforms/servicenow/source.js';
import type { ConnectorDeps } from '../../../../src/platforms/deps.js';
import { createServiceNowConnector } from '../../../../src/platforms/servicenow/index.js';

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

export type { Harness, LogEntry } from '../../../helpers/connector-harness.js';
export { collect } from '../../../helpers/connector-harness.js';

/** A connector with instant, recorded sleeps, a captured log and its own host queues. */
export function harness(src: ServiceNowSource = source(), deps: ConnectorDeps = {}): Harness {
  return connectorHarness(createServiceNowConnector, src, deps);
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
