import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { E2E_RULES, MAPPINGS, SEEDED_HISTORY_START, snapshot, type PlatformSnapshot } from './sandbox-env.js';

/**
 * Several ServiceNow sources in one deskbridge.yaml (one sandbox each), for daemons that share
 * the sources: the state is a PostgreSQL URL or a SQLite path, the audit directory is shared, and
 * the basic-auth user comes from E2E_SN_USER so each daemon process can sign in as its own user
 * (the sandboxes' request logs then say which daemon sent each request).
 */
export function writeSharedConfig(
  sandboxUrls: readonly string[],
  options: {
    state: { url: string } | { path: string };
    ttlSeconds?: number;
    heartbeatSeconds?: number;
    schedule?: string;
    requestsPerMinute?: number;
    timeoutMs?: number;
    breakerCooldownSeconds?: number;
    dir?: string;
  },
): string {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'deskbridge-shared-'));
  const path = join(dir, 'deskbridge.yaml');
  const state = 'url' in options.state ? `url: ${JSON.stringify(options.state.url)}` : `path: ${JSON.stringify(options.state.path)}`;
  writeFileSync(
    path,
    [
      `state: { ${state}, lease: { ttlSeconds: ${options.ttlSeconds ?? 30}, heartbeatSeconds: ${options.heartbeatSeconds ?? 5} } }`,
      `audit: { dir: ${JSON.stringify(join(dir, 'audit'))} }`,
      `rules: ${JSON.stringify(E2E_RULES)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'log: { level: info, format: json }',
      'sources:',
      ...sandboxUrls.flatMap((url, i) => [
        `  - id: snow-${i + 1}`,
        '    platform: servicenow',
        `    baseUrl: ${url}`,
        '    auth: { type: basic, username: "${E2E_SN_USER:-deskbridge}", password: "${E2E_SN_PASSWORD}" }',
        `    schedule: "${options.schedule ?? '* * * * * *'}"`,
        '    pageSize: 50',
        `    actFrom: "${SEEDED_HISTORY_START}"`,
        '    firstLivePass: { maxWrites: off }',
        `    rateLimit: { requestsPerMinute: ${options.requestsPerMinute ?? 60000}, concurrency: 4 }`,
        `    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: ${options.timeoutMs ?? 30000}, breakerCooldownSeconds: ${options.breakerCooldownSeconds ?? 30} }`,
      ]),
      '',
    ].join('\n'),
  );
  return path;
}

/** Every sandbox's snapshot, by source id (snow-1, snow-2, …). */
export function snapshots(sandboxes: readonly ServiceNowSandbox[]): Record<string, PlatformSnapshot> {
  return Object.fromEntries(sandboxes.map((s, i) => [`snow-${i + 1}`, snapshot(s)]));
}

/** Notes deskbridge posted more than once on one incident, as `source/number`. */
export function doubledNotes(all: Record<string, PlatformSnapshot>): string[] {
  return Object.entries(all).flatMap(([source, snap]) => Object.entries(snap).flatMap(([number, t]) => (new Set(t.notes).size !== t.notes.length ? [`${source}/${number}`] : [])));
}
