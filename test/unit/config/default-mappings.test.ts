import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load-config.js';
import { SHIPPED_MAPPINGS } from '../../../src/util/package-files.js';

const SOURCE = ['sources:', '  - id: snow', '    platform: servicenow', '    baseUrl: https://acme.service-now.com', '    auth: { type: basic, username: u, password: p }'];

function configIn(lines: string[]): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-mappings-'));
  mkdirSync(join(dir, 'rules'));
  const file = join(dir, 'deskbridge.yaml');
  writeFileSync(file, [...lines, ...SOURCE, ''].join('\n'));
  return { dir, file };
}

describe('where a config finds its mappings', () => {
  it('uses the shipped mappings when mappings: is unset and no mappings/ folder is next to the config', () => {
    const { file } = configIn([]);

    const result = readConfig(file, {});

    expect(result.diagnostics).toEqual([]);
    expect(result.config?.mappings).toBe(SHIPPED_MAPPINGS);
    expect(result.mappingsPath).toBe(SHIPPED_MAPPINGS);
  });

  it('uses a mappings/ folder next to the config when there is one, as before', () => {
    const { dir, file } = configIn([]);
    mkdirSync(join(dir, 'mappings'));

    expect(readConfig(file, {}).config?.mappings).toBe(join(dir, 'mappings'));
  });

  it('resolves a written mappings: path against the config folder, and reports it missing', () => {
    const { dir, file } = configIn(['mappings: ./custom']);

    const missing = readConfig(file, {});

    expect(missing.config).toBeUndefined();
    expect(missing.diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(['1:11 file-not-found']);
    expect(missing.diagnostics[0]?.message).toBe(`Mappings folder "./custom" not found (resolved to ${join(dir, 'custom')})`);

    mkdirSync(join(dir, 'custom'));
    expect(readConfig(file, {}).config?.mappings).toBe(join(dir, 'custom'));
  });
});
