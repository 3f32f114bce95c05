import { definePlatform } from '../descriptor.js';
import { createJiraConnector, jiraCapabilities } from './index.js';
import { jiraMappingFunctions } from './mapping-functions.js';
import { JiraSource, JIRA_SOURCE_DESCRIPTIONS } from './source.js';
import { jiraStarter } from './starter.js';

const FLAVOURS = JiraSource.shape.flavour.options;

/** Jira Service Management, Cloud (REST v3) or Data Center (REST v2). */
export const jira = definePlatform({
  id: 'jira',
  title: 'Jira',
  sourceSchema: JiraSource,
  sourceDescriptions: JIRA_SOURCE_DESCRIPTIONS,
  // The two flavours differ in wire shape (ADF vs wiki, accountId vs name), so each has its own pair.
  mappingNames: FLAVOURS.map((flavour) => `jira-${flavour}`),
  mappingName: (written) => `jira-${typeof written['flavour'] === 'string' && written['flavour'] !== '' ? written['flavour'] : 'cloud'}`,
  sourceBinding: (source) => ({ id: source.id, flavour: source.flavour, baseUrl: source.baseUrl, groupField: source.groupField ?? 'components' }),
  capabilities: jiraCapabilities,
  createConnector: createJiraConnector,
  mappingFunctions: jiraMappingFunctions,
  starterSource: jiraStarter,
});
