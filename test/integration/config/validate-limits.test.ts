import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { runValidate } from '../../../src/config/validate.js';
import { runTestCommand } from '../../../src/cli/test.js';
import { runBacktestCommand } from '../../../src/cli/backtest.js';
import { evaluationLimits, setEvaluationLimits } from '../../../src/mapping/limits.js';
import { configFixture } from './fixtures.js';

const env = { SN_PASSWORD: 'secret' };
/** Mutual recursion: the lint cannot see it, only the probe stops it (at the time budget). */
const ENDLESS = '($a := function($x){ $b($x) }; $b := function($x){ $a($x) }; $a(1))';

/** The valid fixture config with its own `limits:` and one rules file, in a temp folder. */
function configWith(limits: string, when: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-limits-'));
  writeFileSync(
    join(dir, 'rules.yaml'),
    [
      'rules:',
      '  - id: probe',
      '    kind: routing',
      `    when: '${when}'`,
      '    assign: { group: Desk }',
      'tests:',
      '  - name: routes',
      '    ticket: { title: x }',
      '    expect: { actions: [{ type: assign, group: Desk }] }',
      '',
    ].join('\n'),
  );
  const base = readFileSync(configFixture('valid.yaml'), 'utf8')
    .replace('rules: ../rules/valid.yaml', `rules: ${join(dir, 'rules.yaml')}`)
    .replace('mappings: ./mappings', `mappings: ${resolve(configFixture('mappings'))}`);
  const file = join(dir, 'deskbridge.yaml');
  writeFileSync(file, `${base}\nlimits: ${limits}\n`);
  return file;
}

afterEach(() => {
  vi.unstubAllEnvs();
  setEvaluationLimits();
});

describe('validate evaluates under the config’s limits, as run does', () => {
  it('a low evaluationMs: the endless rule is reported against the config’s budget, the one run applies', async () => {
    const file = configWith('{ evaluationMs: 100 }', ENDLESS);
    const lines: string[] = [];

    expect(await runValidate([file], (line) => lines.push(line), { env })).toBe(1);

    expect(lines.join('\n')).toMatch(/evaluation-limit: rules\[0\]\.when evaluation stopped: it ran longer than the budget of 100 ms/);
    // The same limits the daemon sets from this config (daemon.ts: setEvaluationLimits(config.limits)).
    expect(evaluationLimits()).toEqual(loadConfig(file, env).config.limits);
  });

  it('a raised sequence: a range run accepts is not rejected by validate', async () => {
    const when = 'false and $count([1..2000000]) > 0';
    const lines: string[] = [];

    expect(await runValidate([configWith('{ sequence: 5000000 }', when)], (line) => lines.push(line), { env })).toBe(0);
    expect(lines.join('\n')).not.toMatch(/range-too-long/);

    // Under the default sequence the same range is refused, in validate as in run.
    const refused: string[] = [];
    expect(await runValidate([configWith('{ sequence: 1000000 }', when)], (line) => refused.push(line), { env })).toBe(1);
    expect(refused.join('\n')).toMatch(/range-too-long/);
  });
});

describe('deskbridge test --config evaluates under the config’s limits', () => {
  it('the endless rule errors against the config’s budget, as in run; an unloadable config exits 2', async () => {
    vi.stubEnv('SN_PASSWORD', 'secret');
    const file = configWith('{ evaluationMs: 100 }', ENDLESS);
    const lines: string[] = [];

    expect(await runTestCommand([join(file, '..', 'rules.yaml')], (line) => lines.push(line), { config: file })).toBe(1);

    expect(lines.join('\n')).toMatch(/budget of 100 ms/);
    expect(evaluationLimits().evaluationMs).toBe(100);
    const bad: string[] = [];
    expect(await runTestCommand([join(file, '..', 'rules.yaml')], (line) => bad.push(line), { config: join(file, '..', 'missing.yaml') })).toBe(2);
  });
});

describe('deskbridge backtest --config evaluates under the config’s limits', () => {
  it('applies the config’s limits before the rules run; an unloadable config exits 2', async () => {
    vi.stubEnv('SN_PASSWORD', 'secret');
    const file = configWith('{ evaluationMs: 100, sequence: 5000000 }', 'true');
    const base = { input: join(file, '..', 'no-such-export.csv'), rules: join(file, '..', 'rules.yaml'), mappings: resolve(configFixture('mappings')), progress: false };

    const out: string[] = [];
    expect(await runBacktestCommand({ ...base, config: join(file, '..', 'missing.yaml') }, (line) => out.push(line))).toBe(2);
    expect(out.join('\n')).toMatch(/missing\.yaml/);
    expect(evaluationLimits()).toMatchObject({ evaluationMs: 1000, sequence: 1_000_000 });

    // (The export is missing, so it stops there: after the limits were applied.)
    await runBacktestCommand({ ...base, config: file }, () => undefined);
    expect(evaluationLimits()).toMatchObject({ evaluationMs: 100, sequence: 5_000_000 });
  });
});
