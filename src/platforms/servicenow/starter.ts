import type { StarterOptions, StarterSource } from '../descriptor.js';

/** A YAML line with its comment in the starter's comment column. */
function commented(text: string, comment: string): string {
  return `${text.padEnd(34)} # ${comment}`;
}

/** The ServiceNow source `deskbridge init --platform servicenow` writes: basic auth from the environment. */
export function serviceNowStarter(_mappingName: string, options: StarterOptions): StarterSource {
  const baseUrl = options.url ?? '${SN_URL}';
  return {
    yaml: [
      commented('  - id: servicenow', 'names this source in logs, state and rules (scope.sources)'),
      '    platform: servicenow',
      options.url === undefined ? commented(`    baseUrl: ${JSON.stringify(baseUrl)}`, 'e.g. https://acme.service-now.com') : `    baseUrl: ${JSON.stringify(baseUrl)}`,
      '    table: incident',
      '    # Encoded query ANDed to every pull: only open incidents. To work one queue only, add',
      '    # ^assignment_group=<sys_id of the group>.',
      '    query: active=true',
      '    auth:',
      '      type: basic',
      '      username: ${SN_USER}',
      '      password: ${SN_PASSWORD}',
      commented('    schedule: "*/5 * * * *"', 'node-cron: a pass every five minutes'),
    ].join('\n'),
    env: [
      ...(options.url === undefined ? [{ name: 'SN_URL', holds: 'the instance address, e.g. https://acme.service-now.com' }] : []),
      { name: 'SN_USER', holds: 'the integration user (e.g. deskbridge)' },
      { name: 'SN_PASSWORD', holds: "the integration user's password" },
    ],
    setup: [
      'create an integration user (e.g. deskbridge) with the itil role, time zone UTC (roles and ACLs: README "Admin quick-start")',
      'create the assignment groups the rules name (Network Operations, Service Desk), or rename them in rules/routing.yaml',
    ],
  };
}
