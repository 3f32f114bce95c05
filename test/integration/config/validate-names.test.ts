import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate, validatePaths } from '../../../src/config/validate.js';
import { loadRules } from '../../../src/config/load-rules.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const NAME_CODES = new Set(['unknown-function', 'unknown-variable', 'unknown-ticket-field']);

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-names-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function validate(paths: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runValidate(paths, (line) => lines.push(line));
  return { code, lines };
}

const TYPOS = `rules:
  - id: net
    kind: routing
    when: $lowercas(categry) = "network"
    assign:
      group: Network
    note:
      template: >-
        Routed to {{ $grop }}
        by {{ $rule.id }}.
  - id: qa
    kind: qa
    when: status = "resolved"
    checks:
      - id: notes
        assert: $exists(resolution.note)
        message: "Notes missing on {{ titel }}"
`;

describe('validate catches typos in names (issue 20)', () => {
  it('reports $lowercas and categry at their line and column, with suggestions, and fails on the unknown function', async () => {
    const dir = folder({ 'rules.yaml': TYPOS });
    const file = join(dir, 'rules.yaml');

    const { code, lines } = await validate([file]);

    expect(code).toBe(1);
    expect(lines).toEqual([
      `${file}:4:11 error unknown-function: Unknown function $lowercas in rules[0].when; did you mean $lowercase? (hint: JSONata stops with "Attempted to invoke a non-function" wherever this call is reached, so the rule fails for that ticket)`,
      `${file}:4:21 warning unknown-ticket-field: Unknown ticket field "categry" in rules[0].when; did you mean "category"? (hint: the ticket has no such field, so it is always empty and a condition on it never matches; a native field is read as raw.categry)`,
      `${file}:9:22 warning unknown-variable: Unknown variable $grop in rules[0].note.template; did you mean $group? (hint: an unbound variable is empty, so this part never has a value (variables here: $group, $assignee, $why, $rule))`,
      `${file}:16:36 warning unknown-ticket-field: Unknown field "note" of resolution in rules[1].checks[0].assert; did you mean "notes"? (hint: resolution has code, notes; a missing field is always empty)`,
      `${file}:17:39 warning unknown-ticket-field: Unknown ticket field "titel" in rules[1].checks[0].message; did you mean "title"? (hint: the ticket has no such field, so it is always empty and a condition on it never matches; a native field is read as raw.titel)`,
      '1 file checked: 1 error, 4 warnings',
    ]);
  });

  it('keeps a rules file with only misspelled fields loadable (warnings), and refuses one calling an unknown function', () => {
    const dir = folder({ 'fields.yaml': TYPOS.replace('$lowercas(', '$lowercase('), 'function.yaml': TYPOS.replace(/id: (net|qa)/g, 'id: f-$1') });

    const fields = loadRules([join(dir, 'fields.yaml')]);
    const fn = loadRules([join(dir, 'function.yaml')]);

    expect(fields.files[0]?.ok).toBe(true);
    expect(fields.rules.map((r) => r.id)).toEqual(['net', 'qa']);
    expect(fn.files[0]?.ok).toBe(false);
  });

  it('finds a misspelled helper in a mapping file at its line and column', () => {
    const dir = folder({ 'servicenow.inbound.jsonata': '{\n  "title": $display(short_description),\n  "group": $displai(assignment_group)\n}\n' });

    const result = validatePaths([join(dir, 'servicenow.inbound.jsonata')]);

    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`)).toEqual(['3:12 error Unknown function $displai in the inbound mapping; did you mean $display?']);
  });

  it('finds nothing to say about the shipped rules and mappings', () => {
    const result = validatePaths([join(REPO, 'rules'), join(REPO, 'mappings')]);

    expect(result.diagnostics.filter((d) => NAME_CODES.has(d.code))).toEqual([]);
    expect(result.diagnostics).toEqual([]);
  });
});

describe('config messages (issue 20)', () => {
  it('reports one misspelled required key as one error, naming the key it was meant to be', async () => {
    const dir = folder({ 'rules.yaml': 'rules:\n  - id: net\n    kind: routing\n    whn: category = "network"\n    assgn:\n      group: Network\n' });
    const file = join(dir, 'rules.yaml');

    const { lines } = await validate([file]);

    expect(lines).toEqual([
      `${file}:4:5 error unknown-field: Unknown field "whn" in rules[0], and the required field "when" is missing (hint: did you mean "when"?)`,
      `${file}:5:5 error unknown-field: Unknown field "assgn" in rules[0], and the required field "assign" is missing (hint: did you mean "assign"?)`,
      '1 file checked: 2 errors, 0 warnings',
    ]);
  });

  it('still reports a required key that is simply missing, with "an object"', async () => {
    const dir = folder({ 'rules.yaml': 'rules:\n  - id: net\n    kind: routing\n    when: category = "network"\n' });
    const file = join(dir, 'rules.yaml');

    const { lines } = await validate([file]);

    expect(lines[0]).toBe(`${file}:2:5 error missing-field: Missing required field "assign" in rules[0] (hint: add "assign:" with an object)`);
  });

  it('reports a missing default rules folder at the config, saying which folder and what to do; a missing default mappings folder means the shipped mappings', async () => {
    // The config does not parse (a misspelled source key), so only validate's own folder check speaks.
    const dir = folder({ 'deskbridge.yaml': 'sources:\n  - id: snow\n    platform: servicenow\n    baseUrl: https://x.service-now.com\n    auht: {}\n' });
    const config = join(dir, 'deskbridge.yaml');

    const { lines } = await validate([config]);

    const folders = lines.filter((line) => line.includes('warning file-not-found'));
    expect(folders).toEqual([
      `${config}:1:1 warning file-not-found: Rules folder "rules" (the default: deskbridge.yaml sets no "rules:") not found (resolved to ${join(dir, 'rules')}) (hint: set "rules:" in deskbridge.yaml to the folder holding rules files (.yaml), or create ${join(dir, 'rules')} with them)`,
    ]);
  });
});
