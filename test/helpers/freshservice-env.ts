import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_SANDBOX_API_KEY, type FreshserviceSandbox } from '../../src/sandbox/freshservice/index.js';
import { MAPPINGS, SEEDED_HISTORY_START } from './sandbox-env.js';

/** The environment variable the configs below read the sandbox's API key from. */
export const FS_KEY_ENV = 'E2E_FS_API_KEY';
process.env[FS_KEY_ENV] = CLI_SANDBOX_API_KEY;

/**
 * A deskbridge.yaml with one Freshservice source on the sandbox (the given workspaces) and the
 * given rules text written as `rules/rules.yaml` next to it; returns its path. Seeded tickets are
 * acted on (actFrom long ago, no first-live-pass catch); pacing is off, retries are quick.
 */
export function writeFreshserviceConfig(dir: string, sandbox: FreshserviceSandbox, options: { rules: string; workspaces: readonly number[]; pageSize?: number }): string {
  const rules = join(dir, 'rules');
  mkdirSync(rules, { recursive: true });
  writeFileSync(join(rules, 'rules.yaml'), options.rules);
  const path = join(dir, 'deskbridge.yaml');
  writeFileSync(
    path,
    [
      'state: { path: ./state.db }',
      `rules: ${JSON.stringify(rules)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'log: { level: info, format: json }',
      'sources:',
      '  - id: sandbox-fs',
      '    platform: freshservice',
      `    baseUrl: ${sandbox.url}`,
      `    auth: { type: apiKey, apiKey: "\${${FS_KEY_ENV}}" }`,
      `    workspaces: [${options.workspaces.join(', ')}]`,
      `    actFrom: "${SEEDED_HISTORY_START}"`,
      ...(options.pageSize !== undefined ? [`    pageSize: ${options.pageSize}`] : []),
      '    firstLivePass: { maxWrites: off }',
      '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
      '    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000, timeoutMs: 3000 }',
      '',
    ].join('\n'),
  );
  return path;
}

/** Requests of the sandbox's log that change something (everything but GET). */
export function freshserviceWrites(sandbox: FreshserviceSandbox): number {
  return sandbox.requestLog.filter((entry) => entry.method !== 'GET').length;
}
