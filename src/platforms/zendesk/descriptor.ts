import { definePlatform } from '../descriptor.js';
import { createZendeskConnector, zendeskCapabilities } from './index.js';
import { ZendeskSource, ZENDESK_SOURCE_DESCRIPTIONS } from './source.js';
import { zendeskMappingFunctions } from './mapping-functions.js';
import { zendeskStarter } from './starter.js';

/** Zendesk Support (REST API v2). */
export const zendesk = definePlatform({
  id: 'zendesk',
  title: 'Zendesk',
  sourceSchema: ZendeskSource,
  sourceDescriptions: ZENDESK_SOURCE_DESCRIPTIONS,
  mappingNames: ['zendesk'],
  mappingName: () => 'zendesk',
  sourceBinding: (source) => ({ id: source.id, baseUrl: source.baseUrl, duplicates: source.duplicates.link }),
  capabilities: zendeskCapabilities,
  createConnector: createZendeskConnector,
  mappingFunctions: zendeskMappingFunctions,
  starterSource: zendeskStarter,
});
