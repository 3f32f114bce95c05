import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../../../src/config/validate.js';

const MAPPINGS = join(import.meta.dirname, '..', '..', '..', 'mappings');

/** A config with a ServiceNow desk, the given target source, and one escalate rule to `to`. */
function folder(target: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-escalation-target-zd-'));
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
  writeFileSync(
    join(dir, 'rules', 'escalate.yaml'),
    ['rules:', '  - id: to-support', '    kind: escalate', '    when: priority <= 2', '    scope: { sources: [snow] }', `    to: ${to}`, ''].join('\n'),
  );
  return join(dir, 'deskbridge.yaml');
}

const ZENDESK = ['  - id: zd', '    platform: zendesk', '    baseUrl: https://example.zendesk.com', '    auth: { type: token, email: a@example.com, token: secret }'].join('\n');
const FRESHSERVICE = ['  - id: fs', '    platform: freshservice', '    baseUrl: https://example.freshservice.com', '    auth: { type: apiKey, apiKey: secret }'].join('\n');

describe('validate and Zendesk as an escalation target', () => {
  it('accepts an escalation to a live Zendesk source', () => {
    const { diagnostics } = validatePaths([folder(ZENDESK, 'zd')]);
    expect(diagnostics.filter((d) => d.code === 'escalation-target')).toEqual([]);
  });

  it('still refuses a platform that cannot take copies (Freshservice)', () => {
    const { diagnostics } = validatePaths([folder(FRESHSERVICE, 'fs')]);
    const refused = diagnostics.filter((d) => d.code === 'escalation-target');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.message).toContain('a freshservice source, which cannot take escalated copies yet');
  });
});
