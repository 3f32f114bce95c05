import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FaultConfig } from '../../src/sandbox/faults.js';
import { readEventLog, seedFixtures, seedFromEventLog, ServiceNowStore, startServiceNowSandbox, type EventRow, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const E2E_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules');
export const MAPPINGS = join(REPO, 'mappings');
/** A start point for acting before anything the sandboxes are seeded with: act on all of it. */
export const SEEDED_HISTORY_START = '2000-01-01T00:00:00Z';

let rowsCache: Promise<EventRow[]> | undefined;
/** The UCI event log, read once per test file. */
export function eventLogRows(): Promise<EventRow[]> {
  rowsCache ??= readEventLog();
  return rowsCache;
}

export interface SeedSpec {
  fixtures?: boolean;
  eventLogIncidents?: number;
}

export async function startSeededSandbox(
  spec: SeedSpec,
  options: { rateLimit?: { limit: number; windowSeconds: number }; users?: { userName: string; password: string }[]; faults?: FaultConfig } = {},
): Promise<ServiceNowSandbox> {
  const store = new ServiceNowStore();
  if (spec.fixtures) seedFixtures(store);
  if (spec.eventLogIncidents) await seedFromEventLog(store, { stage: 'first', limit: spec.eventLogIncidents, titles: true, rows: await eventLogRows() });
  return startServiceNowSandbox({
    store,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.users ? { users: options.users } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
}

/** Writes a deskbridge.yaml for one sandbox source into a fresh temp folder; returns its path. */
export function writeConfig(
  sandboxUrl: string,
  extra: {
    rules?: string;
    requestsPerMinute?: number;
    dryRun?: boolean;
    pageSize?: number;
    username?: string;
    schedule?: string;
    logLevel?: string;
    timeoutMs?: number;
    breakerCooldownSeconds?: number;
    actFrom?: string | null;
    /** The first live pass's catch; these tests act on the seeded backlog on purpose, so off unless given. */
    firstLivePassMaxWrites?: number | 'off';
  } = {},
): string {
  // The sandboxes are seeded with tickets last updated years ago (the UCI event log is from 2016),
  // and these tests expect deskbridge to act on them: an explicit start point for acting, unless a
  // test passes `actFrom: null` to see what a first sync does without one.
  const actFrom = extra.actFrom === undefined ? SEEDED_HISTORY_START : extra.actFrom;
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-e2e-'));
  const path = join(dir, 'deskbridge.yaml');
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(extra.rules ?? E2E_RULES)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      `dryRun: ${extra.dryRun ?? false}`,
      `log: { level: ${extra.logLevel ?? 'info'}, format: json }`,
      'sources:',
      '  - id: sandbox-snow',
      '    platform: servicenow',
      `    baseUrl: ${sandboxUrl}`,
      `    auth: { type: basic, username: ${extra.username ?? 'deskbridge'}, password: "\${E2E_SN_PASSWORD}" }`,
      `    schedule: "${extra.schedule ?? '*/1 * * * *'}"`,
      `    pageSize: ${extra.pageSize ?? 50}`,
      ...(actFrom !== null ? [`    actFrom: "${actFrom}"`] : []),
      `    firstLivePass: { maxWrites: ${extra.firstLivePassMaxWrites ?? 'off'} }`,
      `    rateLimit: { requestsPerMinute: ${extra.requestsPerMinute ?? 60000}, concurrency: 4 }`,
      `    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: ${extra.timeoutMs ?? 30000}, breakerCooldownSeconds: ${extra.breakerCooldownSeconds ?? 30} }`,
      '',
    ].join('\n'),
  );
  return path;
}

/** What an observer sees on the platform: per incident number, assignment and deskbridge's notes. */
export interface PlatformSnapshot {
  [number: string]: { group: string; assignee: string; notes: string[]; modCount: string };
}

export function snapshot(sandbox: ServiceNowSandbox): PlatformSnapshot {
  const { store } = sandbox;
  const out: PlatformSnapshot = {};
  for (const record of store.list('incident')) {
    const sysId = record['sys_id'] ?? '';
    out[record['number'] ?? sysId] = {
      group: store.displayValue('incident', record, 'assignment_group'),
      assignee: store.displayValue('incident', record, 'assigned_to'),
      notes: store
        .journal(sysId)
        .filter((j) => j.value.includes('[deskbridge:'))
        .map((j) => `${j.element}:${j.value}`),
      modCount: record['sys_mod_count'] ?? '',
    };
  }
  return out;
}

export function writesIn(sandbox: ServiceNowSandbox): number {
  return sandbox.requestLog.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').length;
}
