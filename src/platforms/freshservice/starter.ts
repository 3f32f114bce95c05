import type { StarterOptions, StarterSource } from '../descriptor.js';

function commented(text: string, comment: string): string {
  return `${text.padEnd(34)} # ${comment}`;
}

/** The Freshservice source `deskbridge init --platform freshservice` writes: an API key from the environment. */
export function freshserviceStarter(_mappingName: string, options: StarterOptions): StarterSource {
  const baseUrl = options.url ?? '${FS_URL}';
  return {
    yaml: [
      commented('  - id: freshservice', 'names this source in logs, state and rules (scope.sources)'),
      '    platform: freshservice',
      options.url === undefined ? commented(`    baseUrl: ${JSON.stringify(baseUrl)}`, 'e.g. https://acme.freshservice.com') : `    baseUrl: ${JSON.stringify(baseUrl)}`,
      commented('    auth:', "the integration agent's API key (Profile settings)"),
      '      type: apiKey',
      '      apiKey: ${FS_API_KEY}',
      '    # Workspace ids to read; unset = the primary workspace only.',
      '    # workspaces: [2, 3]',
      commented('    rateLimit: { requestsPerMinute: 100 }', "your plan's per-minute limit, shared with other integrations"),
      commented('    schedule: "*/5 * * * *"', 'node-cron: a pass every five minutes'),
    ].join('\n'),
    env: [
      ...(options.url === undefined ? [{ name: 'FS_URL', holds: 'the account address, e.g. https://acme.freshservice.com' }] : []),
      { name: 'FS_API_KEY', holds: "the integration agent's API key" },
    ],
    setup: [
      'create an integration agent (e.g. deskbridge) with a role that can view, edit and assign tickets, add private notes and create problems; copy its API key (src/platforms/freshservice/readme.md)',
      'create the agent groups the rules name (Network Operations, Service Desk), or rename them in rules/routing.yaml',
    ],
  };
}
