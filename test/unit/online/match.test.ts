import { describe, expect, it } from 'vitest';
import { appliesTo, fieldDiagnostics, nameDiagnostics, type SourceAnswers } from '../../../src/online/match.js';
import type { FieldReference, NameReference } from '../../../src/online/references.js';

const at = { file: 'rules/routing.yaml', line: 7, column: 15 };
const sn: SourceAnswers = { fields: { names: new Set(['u_symptom', 'assignment_group']), labels: new Map([['Symptom', 'u_symptom']]), checkedAgainst: 'sys_dictionary of incident (extends task)' } };
const jira: SourceAnswers = { fields: { names: new Set(['priority', 'customfield_10050']), checkedAgainst: 'the Jira Cloud field list (/rest/api/3/field)' } };

function field(name: string, extra: Partial<FieldReference> = {}): FieldReference {
  return { ...at, field: name, where: 'rule', owner: 'rule network', sources: { except: [] }, ...extra };
}

describe('which sources a reference applies to', () => {
  it('is scope.sources when given, else every enabled source but the excluded ones', () => {
    expect(appliesTo({ only: ['b', 'x'] }, ['a', 'b'])).toEqual(['b']);
    expect(appliesTo({ except: ['a'] }, ['a', 'b'])).toEqual(['b']);
  });
});

describe('raw.<field> against the dictionaries', () => {
  it('is an error, positioned, with the source, the dictionary and a did-you-mean, when no source has the field', () => {
    const [d, ...rest] = fieldDiagnostics([field('u_symptm')], new Map([['sn', sn]]), ['sn']);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ ...at, severity: 'error', code: 'unknown-native-field' });
    expect(d?.message).toBe('raw.u_symptm in rule network is not a field of source sn (sys_dictionary of incident (extends task)); did you mean raw.u_symptom?');
    expect(d?.hint).toContain('never matches');
  });

  it('suggests the name of a field whose label was written', () => {
    expect(fieldDiagnostics([field('Symptom')], new Map([['sn', sn]]), ['sn'])[0]?.message).toContain('did you mean raw.u_symptom?');
  });

  it('says nothing for a field the source has', () => {
    expect(fieldDiagnostics([field('assignment_group')], new Map([['sn', sn]]), ['sn'])).toEqual([]);
  });

  it('is a warning naming the sources that have it when a rule spanning several sources finds it on some', () => {
    const [d] = fieldDiagnostics(
      [field('u_symptom')],
      new Map([
        ['sn', sn],
        ['jira', jira],
      ]),
      ['sn', 'jira'],
    );
    expect(d?.severity).toBe('warning');
    expect(d?.message).toMatch(/^raw\.u_symptom in rule network is not a field of source jira \(the Jira Cloud field list .*\); source sn has it$/);
  });

  it('only judges the sources in scope, and none whose dictionary could not be read', () => {
    expect(
      fieldDiagnostics(
        [field('u_symptom', { sources: { only: ['sn'] } })],
        new Map([
          ['sn', sn],
          ['jira', jira],
        ]),
        ['sn', 'jira'],
      ),
    ).toEqual([]);
    expect(fieldDiagnostics([field('nope')], new Map([['sn', {}]]), ['sn'])).toEqual([]);
  });

  it('tells a skip: condition that it never leaves a ticket alone', () => {
    const [d] = fieldDiagnostics([field('u_deskbridge_skp', { where: 'skip', owner: 'skip of source sn' })], new Map([['sn', sn]]), ['sn']);
    expect(d?.severity).toBe('error');
    expect(d?.hint).toContain('never leaves a ticket alone');
  });
});

describe('groups and people against the platform', () => {
  const group = (name: string, extra: Partial<NameReference> = {}): NameReference => ({ ...at, kind: 'group', name, owner: 'rule triage', sources: { except: [] }, ...extra });

  it('is an error telling the admin to create the group, with a did-you-mean from the groups listed', () => {
    const answers = new Map<string, SourceAnswers>([['sn', { groups: { missing: [{ name: 'Service Dsk' }], known: ['Service Desk', 'Network'], checkedAgainst: 'sys_user_group' } }]]);
    const [d] = nameDiagnostics([group('Service Dsk'), group('Network')], answers, ['sn']);
    expect(d).toMatchObject({ ...at, severity: 'error', code: 'unknown-group' });
    expect(d?.message).toBe('Assignment group "Service Dsk" in rule triage was not found on source sn (sys_user_group); did you mean "Service Desk"?');
    expect(d?.hint).toContain('create the group');
    expect(nameDiagnostics([group('Network')], answers, ['sn'])).toEqual([]);
  });

  it('is a warning when the platform cannot say for sure (a Team only learned from issues)', () => {
    const answers = new Map<string, SourceAnswers>([
      ['j', { groups: { missing: [{ name: 'Platform', uncertain: true, detail: 'no API finds a team by name', hint: 'add it under teams:' }], checkedAgainst: 'teams:' } }],
    ]);
    expect(nameDiagnostics([group('Platform')], answers, ['j'])[0]).toMatchObject({
      severity: 'warning',
      message: expect.stringContaining(': no API finds a team by name') as unknown,
      hint: 'add it under teams:',
    });
  });

  it('reports a person with its own code', () => {
    const answers = new Map<string, SourceAnswers>([['sn', { people: { missing: [{ name: 'Jane Do' }], checkedAgainst: 'sys_user (name or user_name)' } }]]);
    expect(nameDiagnostics([{ ...group('Jane Do'), kind: 'person' }], answers, ['sn'])[0]).toMatchObject({ code: 'unknown-person', severity: 'error' });
  });
});
