import type { StarterOptions, StarterSource } from '../descriptor.js';

function commented(text: string, comment: string): string {
  return `${text.padEnd(34)} # ${comment}`;
}

/** The Zendesk source `deskbridge init --platform zendesk` writes: an agent e-mail + API token from the environment. */
export function zendeskStarter(_mappingName: string, options: StarterOptions): StarterSource {
  const baseUrl = options.url ?? '${ZENDESK_URL}';
  return {
    yaml: [
      commented('  - id: zendesk', 'names this source in logs, state and rules (scope.sources)'),
      '    platform: zendesk',
      options.url === undefined ? commented(`    baseUrl: ${JSON.stringify(baseUrl)}`, 'e.g. https://acme.zendesk.com') : `    baseUrl: ${JSON.stringify(baseUrl)}`,
      commented('    auth:', 'an agent e-mail + API token (Basic {email}/token)'),
      '      type: token',
      '      email: ${ZENDESK_EMAIL}',
      '      token: ${ZENDESK_API_TOKEN}',
      '    # Duplicates are tagged; `link: merge` with `minSimilarity: 0.9` merges them instead (destructive).',
      '    duplicates:',
      '      link: tag',
      '      tag: deskbridge_duplicate',
      commented('    schedule: "*/1 * * * *"', 'node-cron: a pass every minute (the export allows 10 requests a minute)'),
    ].join('\n'),
    env: [
      ...(options.url === undefined ? [{ name: 'ZENDESK_URL', holds: 'the account address, e.g. https://acme.zendesk.com' }] : []),
      { name: 'ZENDESK_EMAIL', holds: "the integration agent's e-mail (an admin: the incremental export is admin-only)" },
      { name: 'ZENDESK_API_TOKEN', holds: 'an API token (Admin Center > Apps and integrations > APIs > Zendesk API, token access on)' },
    ],
    setup: [
      'create an admin for deskbridge (the incremental export needs the admin role) and an API token for it (src/platforms/zendesk/readme.md)',
      'create the groups the rules name (Network Operations, Service Desk) and add the agents rules assign to them as members, or rename them in rules/routing.yaml',
    ],
  };
}
