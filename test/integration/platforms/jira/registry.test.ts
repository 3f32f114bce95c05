import { describe, expect, it } from 'vitest';
import { createConnector, platformIds } from '../../../../src/platforms/api.js';
import { source } from './setup.js';

describe('Jira in the connector registry', () => {
  it('builds a Jira Cloud connector whose capabilities follow its configuration', () => {
    const connector = createConnector(source('cloud', { problems: { projectKey: 'PRB' } }));

    expect(connector.platform).toBe('jira');
    expect(connector.sourceId).toBe('jsm-cloud');
    expect(connector.capabilities).toEqual({
      internalComments: true,
      problemRecords: true,
      linkTypes: ['Problem/Incident', 'Duplicate'],
      resolveAsDuplicate: false,
      maxCommentLength: 32_767,
      commentFormat: 'adf',
      escalationTarget: true,
    });
  });

  it('builds a Data Center connector that writes wiki markup and, without JSM, has no internal comments or problems', () => {
    const connector = createConnector(source('datacenter', { serviceDesk: false }));

    expect(connector.capabilities).toMatchObject({ internalComments: false, problemRecords: false, commentFormat: 'wiki' });
  });

  it('is listed among the platform ids', () => {
    expect(platformIds()).toContain('jira');
  });
});
