import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initCommand } from '../../../src/cli/init.js';
import { runTestCommand } from '../../../src/cli/test.js';
import { readConfig } from '../../../src/config/load-config.js';
import { runValidate } from '../../../src/config/validate.js';
import { mappingNames } from '../../../src/platforms/registry.js';
import { SHIPPED_MAPPINGS } from '../../../src/util/package-files.js';

/** Every variable any platform's starter reads, set as an admin would before `validate`. */
const ENV = {
  SN_URL: 'https://acme.service-now.com',
  SN_USER: 'deskbridge',
  SN_PASSWORD: 'secret-1',
  JIRA_URL: 'https://acme.atlassian.net',
  JIRA_EMAIL: 'deskbridge@acme.com',
  JIRA_API_TOKEN: 'secret-2',
  JIRA_PAT: 'secret-3',
  ZENDESK_URL: 'https://acme.zendesk.com',
  ZENDESK_EMAIL: 'deskbridge@acme.com',
  ZENDESK_API_TOKEN: 'secret-4',
  FS_URL: 'https://acme.freshservice.com',
  FS_API_KEY: 'secret-5',
};

function init(options: { platform: string; dir: string; url?: string; force?: boolean }): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = initCommand(
    options,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err };
}

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'deskbridge-init-'));
}

describe('deskbridge init', () => {
  it.each(mappingNames())('writes a %s starter that validates and whose rule tests pass', async (platform) => {
    const dir = freshDir();

    const result = init({ platform, dir });

    expect(result.code).toBe(0);
    expect(result.err).toEqual([]);
    const config = readConfig(join(dir, 'deskbridge.yaml'), ENV);
    expect(config.diagnostics).toEqual([]);
    expect(config.config).toMatchObject({ dryRun: true, state: { path: join(dir, 'deskbridge.db') }, audit: { dir: join(dir, 'audit') }, rules: join(dir, 'rules'), mappings: SHIPPED_MAPPINGS });
    expect(config.config?.sources).toHaveLength(1);
    expect(config.secrets.length).toBeGreaterThan(0);
    const validateOut: string[] = [];
    expect(await runValidate([join(dir, 'deskbridge.yaml')], (line) => validateOut.push(line), { env: ENV })).toBe(0);
    expect(validateOut.join('\n')).toContain('no problems found');
    const testOut: string[] = [];
    expect(await runTestCommand([join(dir, 'rules')], (line) => testOut.push(line))).toBe(0);
    expect(testOut.at(-1)).toBe('4 tests, 4 passed, 0 failed');
    // Next steps: the variables to set and the commands, in order.
    const steps = result.out.join('\n');
    const text = readFileSync(join(dir, 'deskbridge.yaml'), 'utf8');
    const referenced = Object.keys(ENV).filter((key) => text.includes(`\${${key}}`));
    expect(referenced.length).toBeGreaterThan(1);
    for (const name of referenced) expect(steps).toContain(`export ${name}=`);
    expect(steps.indexOf('deskbridge validate')).toBeLessThan(steps.indexOf('deskbridge test rules/'));
    expect(steps.indexOf('deskbridge test rules/')).toBeLessThan(steps.indexOf('deskbridge run --once'));
  });

  it('keeps secrets out of the file: every credential is an environment reference', () => {
    const dir = freshDir();
    init({ platform: 'servicenow', dir });

    const text = readFileSync(join(dir, 'deskbridge.yaml'), 'utf8');

    expect(text).toContain('password: ${SN_PASSWORD}');
    expect(text).toContain('dryRun: true');
    expect(readConfig(join(dir, 'deskbridge.yaml'), {}).diagnostics.map((d) => d.code)).toEqual(['env-missing', 'env-missing', 'env-missing']);
  });

  it('writes the instance address given with --url instead of a variable', () => {
    const dir = freshDir();
    init({ platform: 'jira-datacenter', dir, url: 'https://jira.acme.com' });

    const config = readConfig(join(dir, 'deskbridge.yaml'), { JIRA_PAT: 'p' });

    expect(config.diagnostics).toEqual([]);
    expect(config.config?.sources[0]).toMatchObject({ platform: 'jira', flavour: 'datacenter', baseUrl: 'https://jira.acme.com' });
  });

  it('refuses to overwrite existing files and writes nothing, unless --force', () => {
    const dir = freshDir();
    init({ platform: 'servicenow', dir });
    writeFileSync(join(dir, 'deskbridge.yaml'), '# mine\n');
    writeFileSync(join(dir, 'rules', 'routing.yaml'), '# my rules\n');

    const refused = init({ platform: 'jira-cloud', dir });

    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/deskbridge\.yaml, .*routing\.yaml already exist; nothing written \(--force overwrites\)/);
    expect(readFileSync(join(dir, 'deskbridge.yaml'), 'utf8')).toBe('# mine\n');
    expect(readFileSync(join(dir, 'rules', 'routing.yaml'), 'utf8')).toBe('# my rules\n');

    const forced = init({ platform: 'jira-cloud', dir, force: true });

    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'deskbridge.yaml'), 'utf8')).toContain('platform: jira');
    expect(forced.out.join('\n')).toContain('deskbridge.yaml (overwritten)');
  });

  it('refuses when only one of the files exists, naming it', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'deskbridge.yaml'), '# mine\n');

    const refused = init({ platform: 'servicenow', dir });

    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([`deskbridge init: ${join(dir, 'deskbridge.yaml')} already exists; nothing written (--force overwrites)`]);
    expect(readFileSync(join(dir, 'deskbridge.yaml'), 'utf8')).toBe('# mine\n');
  });

  it('names the platforms it knows when given another', () => {
    const result = init({ platform: 'remedy', dir: freshDir() });

    expect(result.code).toBe(2);
    expect(result.err).toEqual([`deskbridge init: unknown platform "remedy"; choose one of ${mappingNames().join(', ')}`]);
  });
});
