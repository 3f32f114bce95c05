import { definePlatform } from '../descriptor.js';
import { createServiceNowConnector, SERVICENOW_CAPABILITIES } from './index.js';
import { ServiceNowSource, SERVICENOW_SOURCE_DESCRIPTIONS } from './source.js';
import { serviceNowStarter } from './starter.js';

/**
 * ServiceNow column names are lower-case letters, digits and underscores (custom ones start `u_`
 * or `x_<scope>_`); a name outside that is one no instance has, and a stricter instance refuses
 * the whole query, so every pass would fail.
 */
const COLUMN = /^[a-z0-9_]+$/;

/** ServiceNow (Table API): one instance, one table, per source. */
export const servicenow = definePlatform({
  id: 'servicenow',
  title: 'ServiceNow',
  sourceSchema: ServiceNowSource,
  sourceDescriptions: SERVICENOW_SOURCE_DESCRIPTIONS,
  mappingNames: ['servicenow'],
  mappingName: () => 'servicenow',
  sourceBinding: (source) => ({ id: source.id, table: source.table, baseUrl: source.baseUrl }),
  capabilities: () => SERVICENOW_CAPABILITIES,
  createConnector: createServiceNowConnector,
  mappingFunctions: {},
  starterSource: serviceNowStarter,
  rawFieldProblem: (field) =>
    COLUMN.test(field)
      ? undefined
      : {
          message: `ServiceNow has no column "${field}": column names are lower-case letters, digits and underscores`,
          hint: `use the column's name, not its label (e.g. raw.${snakeCase(field)} or a custom raw.u_${snakeCase(field)}); ServiceNow refuses the query, so every pass would fail`,
        },
});

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
