import type { StarterOptions, StarterSource } from '../descriptor.js';

/** A YAML line with its comment in the starter's comment column. */
function commented(text: string, comment: string): string {
  return `${text.padEnd(34)} # ${comment}`;
}

/**
 * The Jira source `deskbridge init --platform jira-cloud|jira-datacenter` writes: an API token
 * (Cloud) or a personal access token (Data Center) from the environment.
 */
export function jiraStarter(mappingName: string, options: StarterOptions): StarterSource {
  const flavour = mappingName === 'jira-datacenter' ? 'datacenter' : 'cloud';
  const baseUrl = options.url ?? '${JIRA_URL}';
  const example = flavour === 'cloud' ? 'https://acme.atlassian.net' : 'https://jira.acme.com';
  const auth =
    flavour === 'cloud'
      ? [commented('    auth:', 'Atlassian account e-mail + API token'), '      type: basic', '      username: ${JIRA_EMAIL}', '      password: ${JIRA_API_TOKEN}']
      : [commented('    auth:', 'a personal access token (Profile → Personal Access Tokens)'), '      type: bearer', '      token: ${JIRA_PAT}'];
  return {
    yaml: [
      commented(`  - id: ${flavour === 'cloud' ? 'jira-cloud' : 'jira-dc'}`, 'names this source in logs, state and rules (scope.sources)'),
      '    platform: jira',
      `    flavour: ${flavour}`,
      options.url === undefined ? commented(`    baseUrl: ${JSON.stringify(baseUrl)}`, `e.g. ${example}`) : `    baseUrl: ${JSON.stringify(baseUrl)}`,
      '    # Which issues deskbridge reads: your service project (and issue types).',
      '    jql: project = ITSM AND statusCategory != Done',
      ...auth,
      '    # `group` in rules is the first component unless groupField names a field (e.g. the Team field).',
      '    # groupField: customfield_10001',
      commented('    schedule: "*/5 * * * *"', 'node-cron: a pass every five minutes'),
    ].join('\n'),
    env: [
      ...(options.url === undefined ? [{ name: 'JIRA_URL', holds: `the site address, e.g. ${example}` }] : []),
      ...(flavour === 'cloud'
        ? [
            { name: 'JIRA_EMAIL', holds: "the integration account's e-mail" },
            { name: 'JIRA_API_TOKEN', holds: 'its API token (id.atlassian.com → Security → API tokens)' },
          ]
        : [{ name: 'JIRA_PAT', holds: "the integration account's personal access token" }]),
    ],
    setup: [
      'give the integration account Browse projects, Edit, Assign and Transition issues, Add comments and Link issues in the project (README "Admin quick-start", its Jira part)',
      'set jql: to your service project, and create the components the rules name (Network Operations, Service Desk), or rename them in rules/routing.yaml',
    ],
  };
}
