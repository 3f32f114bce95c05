import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/diagnostics/diagnostics.js';
import { loadConfig, readConfig } from '../../../src/config/load-config.js';
import { configFixture, where } from './fixtures.js';

const env = { SN_PASSWORD: 'correct horse battery staple' };

describe('loadConfig', () => {
  it('loads a valid config without diagnostics and returns the interpolated secrets', () => {
    const { config, secrets, diagnostics } = loadConfig(configFixture('valid.yaml'), env);

    expect(diagnostics).toEqual([]);
    expect(secrets).toEqual(['correct horse battery staple']);
    const [source] = config.sources;
    expect(source?.auth).toEqual({ type: 'basic', username: 'deskbridge.integration', password: 'correct horse battery staple' });
    expect(source?.pageSize).toBe(100);
    expect(config.dryRun).toBe(true);
  });

  it('resolves state, rules and mappings paths against the config file folder', () => {
    const dir = path.resolve(path.dirname(configFixture('valid.yaml')));

    const { config } = loadConfig(configFixture('valid.yaml'), env);

    expect(config.state.path).toBe(path.join(dir, 'state', 'deskbridge.db'));
    expect(config.rules).toBe(path.resolve(dir, '../rules/valid.yaml'));
    expect(config.mappings).toBe(path.join(dir, 'mappings'));
  });

  it('throws a ConfigError carrying every diagnostic', () => {
    let caught: unknown;
    try {
      loadConfig(configFixture('three-errors.yaml'), {});
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).diagnostics).toHaveLength(3);
    expect((caught as ConfigError).message).toContain('three-errors.yaml:12:17 error env-missing');
  });
});

describe('readConfig reports each failure mode at its exact position', () => {
  it.each([
    ['malformed.yaml', '4:14 yaml-syntax'],
    ['unknown-key.yaml', '5:5 unknown-field'],
    ['wrong-type.yaml', '1:9 bad-type'],
    ['missing-env.yaml', '8:21 env-missing'],
    ['missing-field.yaml', '2:5 missing-field'],
    ['duplicate-source.yaml', '6:9 duplicate-id'],
    ['unknown-platform.yaml', '3:15 bad-value'],
  ])('%s → %s', (name, expected) => {
    const file = configFixture(name);

    const { diagnostics, config } = readConfig(file, {});

    expect(config).toBeUndefined();
    expect(diagnostics.map(where)).toEqual([`${file}:${expected}`]);
  });

  it('suggests the field the user probably meant for an unknown key', () => {
    const [diagnostic] = readConfig(configFixture('unknown-key.yaml'), {}).diagnostics;

    expect(diagnostic?.message).toBe('Unknown field "pageSze" in sources[0]');
    expect(diagnostic?.hint).toBe('did you mean "pageSize"?');
  });

  it('lists the valid platforms for an unknown one', () => {
    const [diagnostic] = readConfig(configFixture('unknown-platform.yaml'), {}).diagnostics;

    expect(diagnostic?.message).toContain('Must be one of: servicenow');
  });

  it('reports all three problems of a file with three different errors', () => {
    const file = configFixture('three-errors.yaml');

    const { diagnostics } = readConfig(file, {});

    expect(diagnostics.map(where)).toEqual([`${file}:2:1 unknown-field`, `${file}:8:15 bad-type`, `${file}:12:17 env-missing`]);
  });

  it('reports a config file that does not exist', () => {
    const file = configFixture('nope.yaml');

    expect(readConfig(file, {}).diagnostics.map(where)).toEqual([`${file}:1:1 file-not-found`]);
  });

  it('still collects source ids and folders from an invalid config', () => {
    const result = readConfig(configFixture('three-errors.yaml'), {});

    expect(result.sourceIds).toEqual(['sn-prod']);
    expect(result.platforms).toEqual(['servicenow']);
    expect(result.rulesPath).toBe(path.resolve(path.dirname(configFixture('three-errors.yaml')), 'rules'));
  });
});
