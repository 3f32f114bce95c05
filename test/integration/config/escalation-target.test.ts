import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../../../src/config/validate.js';

const MAPPINGS = join(import.meta.dirname, '..', '..', '..', 'mappings');

/** A config with a ServiceNow desk, the given target source, and one escalate rule to `to`. */
function folder(target: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-escalation-target-'));
  mkdirSync(join(dir, 'rules'));
  writeFileSync(
    join(dir, 'deskbridge.yaml'),
    [
      'rules: ./rules',
      `mappings: ${JSON.stringify(MAPPINGS)}`,
      'sources:',
      '  - id: snow',
      '    platform: servicenow',
      '    baseUrl: https://example.service-now.com',
      '    auth: { type: basic, username: deskbridge, password: secret }',
      target,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'rules', 'escalate.yaml'), ['rules:', '  - id: to-dev', '    kind: escalate', '    when: priority <= 2', '    scope: { sources: [snow] }', `    to: ${to}`, ''].join('\n'));
  return join(dir, 'deskbridge.yaml');
}

const ZENDESK = ['  - id: zd', '    platform: zendesk', '    baseUrl: https://example.zendesk.com', '    auth: { type: token, email: a@example.com, token: secret }'].join('\n');
const FRESHSERVICE = ['  - id: fs', '    platform: freshservice', '    baseUrl: https://example.freshservice.com', '    auth: { type: apiKey, apiKey: secret }'].join('\n');
const JIRA = (extra: string) =>
  [
    '  - id: dev',
    '    platform: jira',
    '    flavour: cloud',
    '    baseUrl: https://example.atlassian.net',
    '    jql: project = DEV',
    '    auth: { type: basic, username: a@example.com, password: secret }',
    extra,
  ].join('\n');

describe('validate checks where escalate rules open their copies', () => {
  it('refuses, at to:, an escalation to a source that does not exist', () => {
    const { diagnostics } = validatePaths([folder(JIRA(''), 'nowhere')]);
    const unknown = diagnostics.filter((d) => d.code === 'unknown-source');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ severity: 'error', line: 6, column: 9 });
    expect(unknown[0]?.message).toContain('Unknown source "nowhere" in to. Must be one of: snow, dev');
  });

  it('accepts a live Zendesk or Freshservice source as the target, as ServiceNow and Jira', () => {
    for (const [target, id] of [
      [ZENDESK, 'zd'],
      [FRESHSERVICE, 'fs'],
    ] as const) {
      const { diagnostics } = validatePaths([folder(target, id)]);
      expect(
        diagnostics.filter((d) => d.severity === 'error' || d.code === 'escalation-target'),
        id,
      ).toEqual([]);
    }
  });

  it('warns when the target runs in dry-run, and accepts a live Jira target', () => {
    const dry = validatePaths([folder(JIRA('    dryRun: true'), 'dev')]).diagnostics.filter((d) => d.code === 'escalation-target');
    expect(dry).toHaveLength(1);
    expect(dry[0]).toMatchObject({ severity: 'warning' });
    expect(dry[0]?.message).toContain('which is in dry-run');

    const live = validatePaths([folder(JIRA(''), 'dev')]).diagnostics.filter((d) => d.severity === 'error' || d.code === 'escalation-target');
    expect(live).toEqual([]);
  });
});
