import { definePlatform } from '../descriptor.js';
import { createFreshserviceConnector, freshserviceCapabilities } from './index.js';
import { freshserviceMappingFunctions } from './mapping-functions.js';
import { FreshserviceSource, FRESHSERVICE_SOURCE_DESCRIPTIONS } from './source.js';
import { freshserviceStarter } from './starter.js';

/** Freshservice (API v2): one account, its primary workspace or the configured ones, per source. */
export const freshservice = definePlatform({
  id: 'freshservice',
  title: 'Freshservice',
  sourceSchema: FreshserviceSource,
  sourceDescriptions: FRESHSERVICE_SOURCE_DESCRIPTIONS,
  mappingNames: ['freshservice'],
  mappingName: () => 'freshservice',
  sourceBinding: (source) => ({ id: source.id, baseUrl: source.baseUrl, duplicateField: source.duplicateField }),
  capabilities: freshserviceCapabilities,
  createConnector: createFreshserviceConnector,
  mappingFunctions: freshserviceMappingFunctions,
  starterSource: freshserviceStarter,
});
