import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/engine/types.js';
import type { ExpectedAction } from '../../../src/model/rule-test.js';
import { actionMatches, compareActions } from '../../../src/testing/match-actions.js';

const assignDesk: Decision = { ruleId: 'hw', action: { type: 'assign', group: 'Desk', assignee: 'Erin' }, explanation: '' };
const note: Decision = { ruleId: 'hw', action: { type: 'comment', visibility: 'internal', body: 'Routed to Desk by deskbridge.' }, explanation: '' };

describe('actionMatches', () => {
  it.each<[string, ExpectedAction, Decision, boolean]>([
    ['type only', { type: 'assign' }, assignDesk, true],
    ['every given field', { type: 'assign', group: 'Desk', assignee: 'Erin' }, assignDesk, true],
    ['a different person', { type: 'assign', assignee: 'Dan' }, assignDesk, false],
    ['the deciding rule', { type: 'assign', rule: 'hw' }, assignDesk, true],
    ['another rule', { type: 'assign', rule: 'network' }, assignDesk, false],
    ['another type', { type: 'comment' }, assignDesk, false],
    ['part of the body', { type: 'comment', bodyContains: 'to Desk' }, note, true],
    ['text not in the body', { type: 'comment', bodyContains: 'Network' }, note, false],
    ['the whole body', { type: 'comment', body: 'Routed to Desk by deskbridge.' }, note, true],
    ['only part as the whole body', { type: 'comment', body: 'Routed to Desk' }, note, false],
    ['the visibility', { type: 'comment', visibility: 'public' }, note, false],
  ])('%s', (_name, expected, actual, matches) => {
    expect(actionMatches(expected, actual)).toBe(matches);
  });
});

describe('compareActions', () => {
  it.each<[string, ExpectedAction[], Decision[], 'exact' | 'subsequence' | 'no-actions', boolean]>([
    ['exact, same actions', [{ type: 'assign' }, { type: 'comment' }], [assignDesk, note], 'exact', true],
    ['exact, one action too many', [{ type: 'assign' }], [assignDesk, note], 'exact', false],
    ['exact, wrong order', [{ type: 'comment' }, { type: 'assign' }], [assignDesk, note], 'exact', false],
    ['subsequence, extra action', [{ type: 'comment' }], [assignDesk, note], 'subsequence', true],
    ['subsequence, wrong order', [{ type: 'comment' }, { type: 'assign' }], [assignDesk, note], 'subsequence', false],
    ['subsequence, missing action', [{ type: 'assign' }, { type: 'assign' }], [assignDesk, note], 'subsequence', false],
    ['no actions, none taken', [], [], 'no-actions', true],
    ['no actions, one taken', [], [assignDesk], 'no-actions', false],
  ])('%s', (_name, expected, actual, mode, pass) => {
    expect(compareActions(expected, actual, mode).pass).toBe(pass);
  });

  it('marks allowed extra actions as context in subsequence mode and as + in exact mode', () => {
    const expected: ExpectedAction[] = [{ type: 'assign', group: 'Desk' }];

    const exact = compareActions(expected, [assignDesk, note], 'exact').diff.map((l) => l.op);
    const subsequence = compareActions(expected, [assignDesk, note], 'subsequence').diff.map((l) => l.op);

    expect(exact).toEqual([' ', '+']);
    expect(subsequence).toEqual([' ', ' ']);
  });
});
