import type { SandboxCommandOptions } from './sandbox.js';

/**
 * The sandboxes `deskbridge sandbox --platform` can start, keyed by platform id, with the seeds
 * each accepts. A new platform's sandbox adds a line here (and a branch in sandbox.ts to start
 * it). Its own module so the CLI can list the choices without loading the sandboxes.
 */
export const SANDBOX_SEEDS = {
  servicenow: ['fixtures', 'event-log', 'none'],
  jira: ['fixtures', 'hadoop', 'none'],
  zendesk: ['fixtures', 'helpdesk', 'none'],
  freshservice: ['fixtures', 'helpdesk', 'none'],
} as const satisfies Record<string, readonly SandboxCommandOptions['seed'][]>;

export type SandboxPlatform = keyof typeof SANDBOX_SEEDS;

/** What `--platform` defaults to. */
export const DEFAULT_SANDBOX: SandboxPlatform = 'servicenow';
