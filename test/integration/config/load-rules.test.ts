import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/diagnostics/diagnostics.js';
import { loadRules, loadRulesOrThrow } from '../../../src/config/load-rules.js';
import { rulesFixture, where } from './fixtures.js';

const sourceIds = ['sn-prod'];

describe('loadRules', () => {
  it('loads valid rules in file order without diagnostics', () => {
    const result = loadRules([rulesFixture('valid.yaml')], { sourceIds });

    expect(result.diagnostics).toEqual([]);
    expect(result.rules.map((r) => r.id)).toEqual(['major-incident', 'network', 'hardware']);
    expect(result.files).toEqual([{ file: rulesFixture('valid.yaml'), rules: result.rules, ok: true }]);
  });

  it.each([
    ['broken-yaml.yaml', '6:3 yaml-syntax'],
    ['broken-unknown-key.yaml', '7:7 unknown-field'],
    ['broken-wrong-type.yaml', '5:15 bad-type'],
    ['broken-jsonata-when.yaml', '4:32 bad-jsonata'],
    ['broken-jsonata-quoted.yaml', '4:35 bad-jsonata'],
    ['broken-jsonata-block.yaml', '6:36 bad-jsonata'],
    ['broken-jsonata-template.yaml', '8:68 bad-jsonata'],
    ['broken-unknown-source.yaml', '6:26 unknown-source'],
    ['broken-missing-field.yaml', '6:7 missing-field'],
    ['broken-unknown-kind.yaml', '3:11 unknown-kind'],
    ['broken-members.yaml', '7:17 missing-field'],
  ])('%s → %s', (name, expected) => {
    const file = rulesFixture(name);

    const result = loadRules([file], { sourceIds });

    expect(result.diagnostics.map(where)).toEqual([`${file}:${expected}`]);
    expect(result.rules).toEqual([]);
    expect(result.files[0]?.ok).toBe(false);
  });

  it('reports a JSONata error in a `when` with its code and message', () => {
    const [diagnostic] = loadRules([rulesFixture('broken-jsonata-when.yaml')]).diagnostics;

    expect(diagnostic?.message).toBe('Invalid JSONata rules[0].when: Syntax error: "category" (S0201)');
  });

  it('names the template placeholder a JSONata error is in', () => {
    const [diagnostic] = loadRules([rulesFixture('broken-jsonata-template.yaml')]).diagnostics;

    expect(diagnostic?.message).toBe('Invalid JSONata placeholder in rules[0].note.template: Unexpected end of expression (S0207)');
  });

  it('reports a rule id used in two files at the second one and says where the first is', () => {
    const first = rulesFixture('duplicate-id/first.yaml');
    const second = rulesFixture('duplicate-id/second.yaml');

    const result = loadRules([rulesFixture('duplicate-id')]);

    expect(result.diagnostics.map(where)).toEqual([`${second}:8:9 duplicate-id`]);
    expect(result.diagnostics[0]?.message).toBe(`Rule id "network" is already defined at ${first}:2:9`);
    expect(result.files.map((f) => f.ok)).toEqual([true, false]);
    expect(result.rules.map((r) => r.id)).toEqual(['network']);
  });

  it('lists the valid source ids for an unknown source reference', () => {
    const [diagnostic] = loadRules([rulesFixture('broken-unknown-source.yaml')], { sourceIds: ['sn-prod', 'sn-test'] }).diagnostics;

    expect(diagnostic?.message).toBe('Unknown source "sn-stagin" in scope.sources. Must be one of: sn-prod, sn-test');
  });

  it('skips the source check when no source ids are known', () => {
    expect(loadRules([rulesFixture('broken-unknown-source.yaml')]).diagnostics).toEqual([]);
  });

  it('lists the valid kinds for an unknown kind', () => {
    const [diagnostic] = loadRules([rulesFixture('broken-unknown-kind.yaml')]).diagnostics;

    expect(diagnostic?.message).toBe('Unknown rule kind "dedupe" in rules[0]. Must be one of: routing, dedup, pattern, qa, escalate, sla');
  });

  it('reports all three problems of a file with three different errors', () => {
    const file = rulesFixture('broken-three-errors.yaml');

    const result = loadRules([file], { sourceIds });

    expect(result.diagnostics.map(where)).toEqual([`${file}:5:22 bad-jsonata`, `${file}:7:17 unknown-source`, `${file}:10:5 unknown-field`]);
  });

  it('keeps going past broken files and returns the diagnostics of all of them', () => {
    const files = ['broken-jsonata-when.yaml', 'valid.yaml', 'broken-unknown-kind.yaml'].map(rulesFixture);

    const result = loadRules(files, { sourceIds });

    expect(result.diagnostics.map((d) => d.code)).toEqual(['bad-jsonata', 'unknown-kind']);
    expect(result.rules.map((r) => r.id)).toEqual(['major-incident', 'network', 'hardware']);
  });

  it('reports a path that does not exist', () => {
    const file = rulesFixture('missing.yaml');

    expect(loadRules([file]).diagnostics.map(where)).toEqual([`${file}:1:1 file-not-found`]);
  });
});

describe('loadRulesOrThrow', () => {
  it('throws a ConfigError with every diagnostic when any is an error', () => {
    expect(() => loadRulesOrThrow([rulesFixture('broken-three-errors.yaml')], { sourceIds })).toThrow(ConfigError);
  });

  it('returns the rules when everything is valid', () => {
    expect(loadRulesOrThrow([rulesFixture('valid.yaml')], { sourceIds }).rules).toHaveLength(3);
  });
});

describe('loadRules: ids inside rules', () => {
  it('reports an SLA step id or a QA check id used twice in one rule, at the second one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-ids-'));
    const file = join(dir, 'dup.yaml');
    writeFileSync(
      file,
      [
        'rules:',
        '  - id: sla',
        '    kind: sla',
        '    when: "true"',
        '    targets: [{ priority: 3, resolution: { hours: 8 } }]',
        '    escalations:',
        '      - { id: warn, at: { percent: 75, of: resolution }, note: { template: a } }',
        '      - { id: warn, at: { percent: 100, of: resolution }, note: { template: b } }',
        '  - id: qa',
        '    kind: qa',
        '    when: "true"',
        '    checks:',
        '      - { id: notes, assert: "true", message: m }',
        '      - { id: notes, assert: "false", message: n }',
        '',
      ].join('\n'),
    );

    const { diagnostics } = loadRules([file]);

    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`)).toEqual(['8:15 duplicate-id', '14:15 duplicate-id']);
  });
});
