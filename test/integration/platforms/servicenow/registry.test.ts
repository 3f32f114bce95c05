import { describe, expect, it } from 'vitest';
import type { Source } from '../../../../src/config/schema.js';
import { UnknownPlatformError, createConnector, platformIds } from '../../../../src/platforms/api.js';
import { source } from './setup.js';

describe('connector registry', () => {
  it('builds a ServiceNow connector with its capabilities', () => {
    const connector = createConnector(source());

    expect(connector.platform).toBe('servicenow');
    expect(connector.sourceId).toBe('snow-prod');
    expect(connector.capabilities).toEqual({
      internalComments: true,
      problemRecords: true,
      linkTypes: ['problem', 'parent'],
      resolveAsDuplicate: false,
      maxCommentLength: 4000,
      commentFormat: 'text',
      escalationTarget: true,
    });
  });

  it('lists the valid platforms for an unknown one', () => {
    const bogus = { ...source(), platform: 'remedy' } as unknown as Source;

    expect(() => createConnector(bogus)).toThrow(UnknownPlatformError);
    expect(() => createConnector(bogus)).toThrow('Unknown platform "remedy" for source snow-prod. Must be one of: servicenow, jira, zendesk, freshservice');
    expect(platformIds()).toEqual(['servicenow', 'jira', 'zendesk', 'freshservice']);
  });

  it('rejects a source query that would break incremental pulls when the connector is built', () => {
    expect(() => createConnector(source({ query: 'active=true^NQpriority=1' }))).toThrow('^NQ');
  });
});
