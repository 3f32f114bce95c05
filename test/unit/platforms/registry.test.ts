import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load-config.js';
import { Source } from '../../../src/config/schema.js';
import { mappingFunctions } from '../../../src/mapping/functions.js';
import { capabilitiesOf, createConnector } from '../../../src/platforms/api.js';
import { mappingName, mappingNames, mappingSourceBinding, PLATFORMS, platformIds } from '../../../src/platforms/registry.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The smallest source each registered platform accepts, as a person would write it. */
const MINIMAL: Record<string, Record<string, unknown>> = {
  servicenow: { id: 'snow', platform: 'servicenow', baseUrl: 'https://example.service-now.com', auth: { type: 'basic', username: 'u', password: 'p' } },
  jira: { id: 'jsm', platform: 'jira', flavour: 'cloud', baseUrl: 'https://example.atlassian.net', jql: 'project = ITSM', auth: { type: 'bearer', token: 't' } },
  zendesk: { id: 'zd', platform: 'zendesk', baseUrl: 'https://example.zendesk.com', auth: { type: 'token', email: 'a@example.com', token: 't' } },
  freshservice: { id: 'fs', platform: 'freshservice', baseUrl: 'https://example.freshservice.com', auth: { type: 'apiKey', apiKey: 'k' } },
};

describe('platform registry', () => {
  it('has a minimal source example for every registered platform (a new platform adds one here)', () => {
    expect(Object.keys(MINIMAL).sort()).toEqual([...platformIds()].sort());
  });

  for (const platform of PLATFORMS) {
    describe(platform.id, () => {
      const written = MINIMAL[platform.id] ?? {};

      it('parses a minimal source with its own schema and through the config union alike', () => {
        const own = platform.sourceSchema.parse(written);
        const viaConfig = Source.parse(written);
        expect(viaConfig).toEqual(own);
        expect(own.platform).toBe(platform.id);
      });

      it('answers capabilities, a connector, a $source binding and a mapping name for it', () => {
        const source = Source.parse(written);
        expect(capabilitiesOf(source)).toEqual(platform.capabilities(source as never));
        expect(typeof capabilitiesOf(source).internalComments).toBe('boolean');
        const connector = createConnector(source);
        expect(connector.platform).toBe(platform.id);
        expect(connector.sourceId).toBe(source.id);
        expect(connector.capabilities).toEqual(capabilitiesOf(source));
        expect(mappingSourceBinding(source)).toMatchObject({ id: source.id, baseUrl: source.baseUrl });
        expect(platform.mappingNames).toContain(mappingName(source));
      });

      it('contributes its mapping functions to every mapping', () => {
        for (const [name, fn] of Object.entries(platform.mappingFunctions)) expect(mappingFunctions[name]).toBe(fn);
      });
    });
  }

  it('lists every mapping name once, in registry order', () => {
    expect(mappingNames()).toEqual(['servicenow', 'jira-cloud', 'jira-datacenter', 'zendesk', 'freshservice']);
    expect(new Set(mappingNames()).size).toBe(mappingNames().length);
  });

  it('accepts exactly the registered platforms in the config source union', () => {
    expect(Source.options.map((option) => option.shape.platform.value)).toEqual(platformIds());
    const unknown = Source.safeParse({ ...MINIMAL['servicenow'], platform: 'remedy' });
    expect(unknown.success).toBe(false);
  });

  it('reports an unregistered platform at its line and column, naming the registered ones', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'registry-'));
    mkdirSync(path.join(dir, 'rules'));
    mkdirSync(path.join(dir, 'mappings'));
    const file = path.join(dir, 'deskbridge.yaml');
    writeFileSync(file, ['sources:', '  - id: desk', '    platform: remedy', '    baseUrl: https://example.com', ''].join('\n'));
    const result = readConfig(file, {});
    const error = result.diagnostics.find((d) => d.severity === 'error');
    expect(error).toMatchObject({ file, line: 3, column: 15 });
    for (const id of platformIds()) expect(error?.message).toContain(id);
  });
});
