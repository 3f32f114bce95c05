import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate, validatePaths } from '../../../src/config/validate.js';
import { configFixture, rulesFixture, where } from './fixtures.js';

const env = { SN_PASSWORD: 'secret' };
const REPO = resolve(import.meta.dirname, '..', '..', '..');

describe('validatePaths', () => {
  it('follows a config to its rules and mappings and finds nothing wrong in the valid fixtures', () => {
    const result = validatePaths([configFixture('valid.yaml')], { env });

    expect(result.diagnostics).toEqual([]);
    expect(result.filesChecked).toBe(4);
  });

  it('checks scope.sources against the ids of a config given alongside', () => {
    const file = rulesFixture('broken-unknown-source.yaml');

    const result = validatePaths([configFixture('valid.yaml'), file], { env });

    expect(result.diagnostics.map(where)).toEqual([`${file}:6:26 unknown-source`]);
  });

  it('tells rules files, configs and mapping files apart by content', () => {
    const result = validatePaths([rulesFixture('broken-unknown-kind.yaml'), configFixture('wrong-type.yaml'), configFixture('mappings-broken')], { env });

    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code).sort()).toEqual(['bad-jsonata', 'bad-type', 'unknown-kind']);
    // wrong-type.yaml brings its (existing) mappings folder along: 3 given + 2 mapping files.
    expect(result.filesChecked).toBe(5);
  });

  it('validates every rules file of a folder together so duplicate ids are found', () => {
    const result = validatePaths([rulesFixture('duplicate-id')], { env });

    expect(result.diagnostics.map((d) => d.code)).toEqual(['duplicate-id']);
  });
});

describe('runValidate', () => {
  it('prints a summary and exits 0 when everything is valid', async () => {
    const lines: string[] = [];

    const code = await runValidate([configFixture('valid.yaml')], (line) => lines.push(line), { env });

    expect(code).toBe(0);
    expect(lines).toEqual(['4 files checked, no problems found']);
  });

  it('prints one formatted line per problem and exits 1 on errors', async () => {
    const lines: string[] = [];
    const file = rulesFixture('broken-members.yaml');

    const code = await runValidate([file], (line) => lines.push(line), { env });

    expect(code).toBe(1);
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.\\]/g, '\\$&')}:7:17 error missing-field: `));
    expect(lines.at(-1)).toBe('1 file checked: 1 error, 0 warnings');
  });

  // (This fixture used to be a missing rules folder, a warning then; `run` refuses that, so it is an error now.)
  it('does not fail on warnings alone', async () => {
    const lines: string[] = [];
    const config = configFixture('warnings-only.yaml');

    const code = await runValidate([config], (line) => lines.push(line), { env });

    expect(code).toBe(0);
    expect(lines[0]).toMatch(/warnings-only\.yaml:7:14 warning insecure-url: baseUrl uses http:\/\//);
    expect(lines.at(-1)).toBe('4 files checked: 0 errors, 1 warning');
  });
});

describe('validatePaths with a team file beside the rules', () => {
  it('reports a broken team file at its line and column, and an SLA calendar that is not one of its groups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-validate-team-'));
    for (const file of ['routing.yaml', 'sla.yaml', 'team.yaml']) copyFileSync(join(REPO, 'rules', file), join(dir, file));
    writeFileSync(join(dir, 'team.yaml'), readFileSync(join(dir, 'team.yaml'), 'utf8').replace('members: [ana, rui, marta, joao]', 'members: [ana, rui, marta, joao, zed]'));
    writeFileSync(join(dir, 'sla.yaml'), readFileSync(join(dir, 'sla.yaml'), 'utf8').replace('    calendar: 24x7', '    calendar: Servce Desk'));

    const result = validatePaths([dir], { env });

    const codes = result.diagnostics.map((d) => `${d.file.split('/').pop()}:${d.line} ${d.code}`);
    expect(codes).toContain('team.yaml:59 bad-value');
    expect(result.diagnostics.find((d) => d.file.endsWith('team.yaml'))?.message).toContain('Unknown person "zed"');
    expect(result.diagnostics.find((d) => d.file.endsWith('sla.yaml'))).toMatchObject({ severity: 'error', code: 'unknown-reference' });
    expect(result.filesChecked).toBe(3);
  });
});
