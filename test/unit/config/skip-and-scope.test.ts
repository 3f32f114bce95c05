import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load-config.js';
import { loadRules } from '../../../src/config/load-rules.js';
import { Source } from '../../../src/config/schema.js';
import { formatDiagnostic } from '../../../src/diagnostics/diagnostics.js';
import { Rule } from '../../../src/engine/kinds.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder with deskbridge.yaml, rules/ and mappings/; returns the file paths. */
function folder(config: string, rules: string): { config: string; rules: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-skip-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'rules'));
  mkdirSync(path.join(dir, 'mappings'));
  writeFileSync(path.join(dir, 'deskbridge.yaml'), config);
  writeFileSync(path.join(dir, 'rules', 'routing.yaml'), rules);
  return { config: path.join(dir, 'deskbridge.yaml'), rules: path.join(dir, 'rules') };
}

const source = (extra: string) => `sources:
  - id: snow
    platform: servicenow
    baseUrl: https://example.service-now.com
    auth: { type: basic, username: u, password: p }
${extra}`;

describe('skip: on every platform’s source', () => {
  it.each([
    ['servicenow', { id: 'snow', platform: 'servicenow', baseUrl: 'https://example.service-now.com', auth: { type: 'basic', username: 'u', password: 'p' } }],
    ['jira', { id: 'jira', platform: 'jira', flavour: 'cloud', baseUrl: 'https://example.atlassian.net', jql: 'project = OPS', auth: { type: 'basic', username: 'a@b.c', password: 't' } }],
  ])('%s accepts a JSONata skip condition', (_platform, base) => {
    const parsed = Source.safeParse({ ...base, skip: "'vip' in labels" });
    expect(parsed.success ? parsed.data.skip : parsed.error.message).toBe("'vip' in labels");
  });

  it('validate reports a skip condition that does not compile, at its position', () => {
    const files = folder(source(`    skip: "'vip' in labels and ("\n`), 'rules: []\n');
    const messages = readConfig(files.config, {}).diagnostics.map(formatDiagnostic);
    expect(messages).toContainEqual(expect.stringMatching(/deskbridge\.yaml:6:\d+ error bad-jsonata: Invalid JSONata in sources\[0\]\.skip: Expected "\)" before end of expression \(S0203\)/));
  });

  it('a good skip condition is no problem', () => {
    const files = folder(source(`    skip: "'vip' in labels or raw.u_deskbridge_skip = true"\n`), 'rules: []\n');
    const result = readConfig(files.config, {});
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.config?.sources[0]?.skip).toBe("'vip' in labels or raw.u_deskbridge_skip = true");
  });
});

describe('rule schema: once, scope.groups', () => {
  it('parses once and scope.groups on routing rules (defaults: once false)', () => {
    const rule = Rule.parse({ id: 'a', kind: 'routing', when: 'true', override: true, scope: { groups: ['Service Desk'] }, assign: { group: 'Network' } });
    expect(rule).toMatchObject({ once: false, override: true, scope: { groups: ['Service Desk'] } });
    const dedup = Rule.parse({ id: 'd', kind: 'dedup', when: 'true', scope: { groups: ['Service Desk'] }, suggest: { threshold: 0.5 } });
    expect(dedup.scope).toEqual({ groups: ['Service Desk'] });
  });

  it('validation messages name the key, the problem and where', () => {
    const files = folder(
      source(''),
      `rules:
  - id: a
    kind: routing
    when: priority = 1
    once: "yes"
    scope: { groups: [] }
    assign: { group: X }
  - id: b
    kind: dedup
    when: "true"
    once: true
    suggest: { threshold: 0.5 }
`,
    );
    const messages = loadRules([files.rules]).diagnostics.map(formatDiagnostic);
    expect(messages).toEqual([
      expect.stringMatching(/routing\.yaml:5:11 error bad-type: rules\[0\]\.once must be a boolean, got string "yes"$/),
      expect.stringMatching(/routing\.yaml:6:22 error bad-value: rules\[0\]\.scope\.groups: list at least one group, or leave groups out$/),
      // Only routing rules remember their trigger: dedup, patterns, QA and SLA keep their own once-marks.
      expect.stringMatching(/routing\.yaml:11:5 error unknown-field: Unknown field "once" in rules\[1\]/),
    ]);
  });
});
