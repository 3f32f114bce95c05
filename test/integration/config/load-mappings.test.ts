import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappings } from '../../../src/config/load-rules.js';
import { configFixture, where } from './fixtures.js';

describe('loadMappings', () => {
  it('returns one entry per mapping file with platform and direction', () => {
    const dir = configFixture('mappings');

    const result = loadMappings(dir);

    expect(result.diagnostics).toEqual([]);
    expect(result.mappings.map(({ platform, direction, path: file }) => [platform, direction, file])).toEqual([
      ['servicenow', 'inbound', path.join(dir, 'servicenow.inbound.jsonata')],
      ['servicenow', 'outbound', path.join(dir, 'servicenow.outbound.jsonata')],
    ]);
    expect(result.mappings[0]?.source).toContain('short_description.display_value');
  });

  it('reports a JSONata syntax error at its line and column inside the file', () => {
    const file = path.join(configFixture('mappings-broken'), 'servicenow.inbound.jsonata');

    const result = loadMappings(configFixture('mappings-broken'));

    expect(result.diagnostics.map(where)).toEqual([`${file}:4:3 bad-jsonata`]);
    expect(result.diagnostics[0]?.message).toBe('Invalid JSONata: Expected "}", got "priority" (S0202)');
    expect(result.mappings).toEqual([]);
  });

  it('reports a mappings folder that does not exist', () => {
    const dir = configFixture('no-such-mappings');

    expect(loadMappings(dir).diagnostics.map(where)).toEqual([`${dir}:1:1 file-not-found`]);
  });
});
