import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../../src/config/load-rules.js';
import { collectReferences } from '../../../src/online/references.js';

function write(dir: string, name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('what validate --online looks up, collected from the files as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-online-refs-'));
  const rules = write(dir, 'routing.yaml', [
    'rules:',
    '  - id: symptoms',
    '    kind: routing',
    '    when: raw.u_symptm = "vpn" and status = "new"',
    '    scope: { sources: [sn] }',
    '    assign:',
    '      group: Network Operations',
    '      strategy: round-robin',
    '      members: [Dana Whitfield, Sam Ortiz]',
    '  - id: desk',
    '    kind: routing',
    '    when: status = "new"',
    '    assign: { group: Service Desk, team: true }',
    'tests:',
    '  - name: raw fields in test data are data, not references',
    '    ticket: { title: x, raw: { u_other: 1 } }',
    '    expect: { actions: [{ type: assign, group: Service Desk }] }',
  ]);
  const team = write(dir, 'team.yaml', [
    'people:',
    '  - { id: ana, name: Ana Costa, timeZone: UTC, capacity: 5, accounts: { jira: Ana C. } }',
    '  - { id: rui, name: Rui Santos, timeZone: UTC, capacity: 5 }',
    'groups:',
    '  - { name: Service Desk, timeZone: UTC, members: [ana] }',
  ]);
  const config = write(dir, 'deskbridge.yaml', ['sources:', '  - id: sn', '    skip: raw.u_deskbridge_skip = true']);
  const mapping = write(dir, 'servicenow.inbound.jsonata', ['/* reads two columns */', '{', '  "title": $display(short_description, ""),', '  "labels": [$display(u_symptom)]', '}']);
  const loaded = loadRules([rules], { sourceIds: ['sn', 'jira'] });

  const found = collectReferences(loaded.files, [{ file: config, sources: [{ id: 'sn', platform: 'servicenow', enabled: true, skip: 'raw.u_deskbridge_skip = true' }], mappings: dir }], team);

  it('finds raw.<field> in rules (positioned at the name, scoped like the rule), in a source skip: and the fields its inbound mapping reads, not in test data', () => {
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(found.fields).toEqual([
      { file: rules, line: 4, column: 15, field: 'u_symptm', where: 'rule', owner: 'rule symptoms', sources: { only: ['sn'] } },
      { file: config, line: 3, column: 15, field: 'u_deskbridge_skip', where: 'skip', owner: 'skip of source sn', sources: { only: ['sn'] } },
      { file: mapping, line: 3, column: 21, field: 'short_description', where: 'mapping', owner: 'inbound mapping servicenow.inbound.jsonata', sources: { only: ['sn'] } },
      { file: mapping, line: 4, column: 23, field: 'u_symptom', where: 'mapping', owner: 'inbound mapping servicenow.inbound.jsonata', sources: { only: ['sn'] } },
    ]);
  });

  it('finds the groups and people rules assign to, and the people of a team group as each source names them', () => {
    expect(found.names.map((n) => `${n.kind} ${n.name} ${n.line}:${n.column} ${JSON.stringify(n.sources)}`)).toEqual([
      'group Network Operations 7:14 {"only":["sn"]}',
      'person Dana Whitfield 9:17 {"only":["sn"]}',
      'person Sam Ortiz 9:33 {"only":["sn"]}',
      'group Service Desk 13:22 {"except":[]}',
      'person Ana C. 2:79 {"only":["jira"]}',
      'person Ana Costa 2:22 {"except":["jira"]}',
    ]);
  });
});
