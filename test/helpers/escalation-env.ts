import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JiraSandbox } from '../../src/sandbox/jira/index.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { CLI_SANDBOX_ACCOUNT, type ZendeskSandbox } from '../../src/sandbox/zendesk/index.js';
import { MAPPINGS, REPO } from './sandbox-env.js';
import { ZENDESK_TOKEN_ENV } from './zendesk-env.js';

/** Everything the escalation tests create is to be acted on, also what they created in the second before the first pass. */
const ACT_FROM = '2020-01-01T00:00:00Z';
export const ESCALATION_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-escalate');
export const BOTH_WAYS_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-escalate-both');
export const ZENDESK_ESCALATION_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-escalate-zendesk', 'to-jira');
export const ZENDESK_BOTH_WAYS_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-escalate-zendesk', 'both');
export const FRESHSERVICE_ESCALATION_RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-escalate-freshservice');

/** What every source of these configs shares: acted on from ACT_FROM, no first-pass catch, fast retries. */
function sharedSourceLines(retryExtra = ''): string[] {
  return [
    `    actFrom: "${ACT_FROM}"`,
    '    firstLivePass: { maxWrites: off }',
    '    overlapSeconds: 60',
    '    rateLimit: { requestsPerMinute: 60000, concurrency: 4 }',
    `    retry: { maxRetries: 6, baseDelayMs: 50, maxDelayMs: 1000${retryExtra} }`,
  ];
}

/**
 * A deskbridge.yaml with one desk source (its lines given) and the developers' Jira
 * (`sandbox-jira`, project HADOOP), and the escalate rules in `rules`; returns its path.
 */
function writeDeskAndJiraConfig(options: { prefix: string; rules: string; desk: readonly string[]; jira: JiraSandbox; state?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), options.prefix));
  const path = join(dir, 'deskbridge.yaml');
  const cloud = options.jira.flavour === 'cloud';
  writeFileSync(
    path,
    [
      options.state ?? 'state: { path: ./state.db }',
      `audit: { dir: ${JSON.stringify(join(dir, 'audit'))} }`,
      `rules: ${JSON.stringify(options.rules)}`,
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'log: { level: info, format: json }',
      'sources:',
      ...options.desk,
      '  - id: sandbox-jira',
      '    platform: jira',
      `    flavour: ${options.jira.flavour}`,
      `    baseUrl: ${options.jira.url}`,
      '    jql: project in (HADOOP)',
      `    auth: { type: basic, username: ${cloud ? 'deskbridge@example.com' : 'deskbridge'}, password: "\${E2E_JIRA_TOKEN}" }`,
      '    groupField: customfield_10001',
      ...sharedSourceLines(),
      '',
    ].join('\n'),
  );
  return path;
}

/**
 * A deskbridge.yaml with the desk's ServiceNow (`sandbox-snow`) and the developers' Jira
 * (`sandbox-jira`, project HADOOP), and escalate rules between them; returns its path.
 * `state`: a SQLite file beside the config (default) or a PostgreSQL URL shared by several daemons.
 */
export function writeEscalationConfig(snow: ServiceNowSandbox, jira: JiraSandbox, options: { rules?: string; state?: { url: string; ttlSeconds: number; heartbeatSeconds: number } } = {}): string {
  const { state } = options;
  return writeDeskAndJiraConfig({
    prefix: 'deskbridge-escalation-',
    rules: options.rules ?? ESCALATION_RULES,
    jira,
    ...(state ? { state: `state: { url: ${JSON.stringify(state.url)}, lease: { ttlSeconds: ${state.ttlSeconds}, heartbeatSeconds: ${state.heartbeatSeconds} } }` } : {}),
    desk: ['  - id: sandbox-snow', '    platform: servicenow', `    baseUrl: ${snow.url}`, '    auth: { type: basic, username: deskbridge, password: "${E2E_SN_PASSWORD}" }', ...sharedSourceLines()],
  });
}

/**
 * A deskbridge.yaml with the support team's Zendesk (`sandbox-zendesk`, the sandbox's CLI account,
 * its API token from ZENDESK_TOKEN_ENV as startSeededZendesk sets it) and the developers' Jira (`sandbox-jira`, project HADOOP), and escalate rules
 * between them; returns its path. The Zendesk fixtures' tickets predate ACT_FROM's passes as the
 * ServiceNow ones do: the rules' `when` decides which are escalated.
 */
export function writeZendeskEscalationConfig(zendesk: ZendeskSandbox, jira: JiraSandbox, options: { rules?: string } = {}): string {
  return writeDeskAndJiraConfig({
    prefix: 'deskbridge-escalation-zendesk-',
    rules: options.rules ?? ZENDESK_ESCALATION_RULES,
    jira,
    desk: [
      '  - id: sandbox-zendesk',
      '    platform: zendesk',
      `    baseUrl: ${zendesk.url}`,
      `    auth: { type: token, email: ${CLI_SANDBOX_ACCOUNT.email}, token: "\${${ZENDESK_TOKEN_ENV}}" }`,
      // The sandbox has no export limit in these tests; Zendesk's 10 a minute would make them wait.
      '    exportRequestsPerMinute: 6000',
      ...sharedSourceLines(),
    ],
  });
}

/**
 * A deskbridge.yaml with the desk's Freshservice (`sandbox-fs`, the given workspaces, the first of
 * which takes escalated copies) and the developers' Jira (`sandbox-jira`, project HADOOP), and
 * escalate rules between them (default FRESHSERVICE_ESCALATION_RULES); returns its path. The API
 * key is read from `E2E_FS_API_KEY`, the Jira password from `E2E_JIRA_TOKEN`.
 */
export function writeFreshserviceEscalationConfig(fs: { url: string }, jira: JiraSandbox, options: { workspaces: readonly number[]; rules?: string }): string {
  return writeDeskAndJiraConfig({
    prefix: 'deskbridge-escalation-fs-',
    rules: options.rules ?? FRESHSERVICE_ESCALATION_RULES,
    jira,
    desk: [
      '  - id: sandbox-fs',
      '    platform: freshservice',
      `    baseUrl: ${fs.url}`,
      '    auth: { type: apiKey, apiKey: "${E2E_FS_API_KEY}" }',
      `    workspaces: [${options.workspaces.join(', ')}]`,
      ...sharedSourceLines(', timeoutMs: 3000'),
    ],
  });
}
