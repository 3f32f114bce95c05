import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCommand } from '../../../src/cli/test.js';
import type { Decision } from '../../../src/engine/types.js';
import type { ExpectedAction } from '../../../src/model/rule-test.js';
import { actionMatches, describeDecision } from '../../../src/testing/match-actions.js';
import { runRuleTests } from '../../../src/testing/run-rule-tests.js';
import type { TestCaseReport } from '../../../src/testing/report.js';

/** The escalate rule every file below tests: ServiceNow checkout failures → the web team's Jira. */
const RULES = `rules:
  - id: checkout-to-dev
    kind: escalate
    description: Checkout failures need a code fix from the web team
    when: $contains($lowercase(title), "checkout")
    to: jira-dev
    copy:
      priority: "priority <= 2 ? 2 : 4"
    sync:
      comments: { fromOriginal: tagged, tag: "#dev", fromCopy: all }
      copyResolved:
        set:
          state: Resolved
          close_notes: "Fixed by the web team in {{ $copy.number }}"
  - id: desk
    kind: routing
    when: "false"
    assign: { group: Service Desk }
`;

const escalate: Decision = {
  ruleId: 'to-dev',
  action: { type: 'escalate', to: 'jira-dev', correlationKey: 'deskbridge:esc:to-dev:abc', title: 'INC1: Checkout fails', description: '', priority: 2, origin: { number: 'INC1' } },
  explanation: '',
};
const announce: Decision = { ruleId: 'to-dev', action: { type: 'announce-escalation', to: 'jira-dev', correlationKey: 'deskbridge:esc:to-dev:abc', body: 'Escalated to jira-dev.' }, explanation: '' };
const resolveOriginal: Decision = {
  ruleId: 'to-dev',
  action: { type: 'set-field', field: 'state', value: 'Resolved' },
  explanation: '',
  target: { ticketKey: 'test:snow:INC1', nativeId: 'INC1', number: 'INC1', version: '1' },
};

describe('matching escalation actions', () => {
  it.each<[string, ExpectedAction, Decision, boolean]>([
    ['escalate, type only', { type: 'escalate' }, escalate, true],
    ['escalate, every field given', { type: 'escalate', to: 'jira-dev', title: 'INC1: Checkout fails', priority: 2, rule: 'to-dev' }, escalate, true],
    ['escalate, another target', { type: 'escalate', to: 'jira-ops' }, escalate, false],
    ['escalate, part of the title', { type: 'escalate', titleContains: 'Checkout' }, escalate, true],
    ['escalate, text not in the title', { type: 'escalate', titleContains: 'Login' }, escalate, false],
    ['escalate, the whole title is not a part of it', { type: 'escalate', title: 'Checkout fails' }, escalate, false],
    ['escalate, another priority', { type: 'escalate', priority: 3 }, escalate, false],
    ['escalate, another rule', { type: 'escalate', rule: 'other' }, escalate, false],
    ['announce, part of the note', { type: 'announce-escalation', bodyContains: 'jira-dev', rule: 'to-dev' }, announce, true],
    ['announce, text not in the note', { type: 'announce-escalation', bodyContains: 'jira-ops' }, announce, false],
    ['announce is not escalate', { type: 'escalate' }, announce, false],
    ['set-field on the other ticket', { type: 'set-field', on: 'INC1', field: 'state', value: 'Resolved' }, resolveOriginal, true],
    ['set-field on another ticket', { type: 'set-field', on: 'INC2' }, resolveOriginal, false],
  ])('%s', (_name, expected, actual, matches) => {
    expect(actionMatches(expected, actual)).toBe(matches);
  });

  it('says which ticket a write to another ticket goes to', () => {
    expect(describeDecision(resolveOriginal)).toBe('set-field on="INC1" field="state" value="Resolved" rule="to-dev"');
    expect(describeDecision(announce)).toBe('announce-escalation to="jira-dev" body="Escalated to jira-dev." correlationKey="deskbridge:esc:to-dev:abc" rule="to-dev"');
  });
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-escalation-tests-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a rules file of RULES plus these tests (YAML list items) and runs it. */
async function run(name: string, tests: string): Promise<TestCaseReport[]> {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `${RULES}tests:\n${tests}`);
  const report = await runRuleTests([file]);
  expect(report.files.map((f) => [f.loaded, f.diagnostics])).toEqual([[true, []]]);
  return report.files.flatMap((f) => f.tests);
}

const statuses = (tests: readonly TestCaseReport[]) => tests.map((t) => [t.name, t.status]);

describe('rule tests of escalate rules', () => {
  it('expect escalate and announce-escalation by the fields they give', async () => {
    const tests = await run(
      'escalate',
      `  - name: a P1 checkout failure is escalated at P2, with a note
    source: snow
    ticket: { title: Checkout fails with error 500, priority: 1, source: { number: INC0010001 } }
    expect:
      actions:
        - { type: escalate, to: jira-dev, title: "INC0010001: Checkout fails with error 500", priority: 2, rule: checkout-to-dev }
        - { type: announce-escalation, to: jira-dev, bodyContains: Escalated to jira-dev, rule: checkout-to-dev }
  - name: the type alone, and part of the title
    source: snow
    ticket: { title: Checkout is slow, priority: 3 }
    expect:
      actions:
        - { type: escalate, titleContains: "Checkout is slow", priority: 4 }
        - { type: announce-escalation }
  - name: a wrong priority fails
    source: snow
    ticket: { title: Checkout is slow, priority: 3 }
    expect:
      actions:
        - { type: escalate, priority: 2 }
        - { type: announce-escalation }
  - name: a wrong target fails
    source: snow
    ticket: { title: Checkout is slow }
    expect: { actions: [{ type: escalate, to: jira-ops }, { type: announce-escalation }] }
  - name: a title it does not contain fails
    source: snow
    ticket: { title: Checkout is slow }
    expect: { actions: [{ type: escalate, titleContains: Login }, { type: announce-escalation }] }
  - name: a note it does not say fails
    source: snow
    ticket: { title: Checkout is slow }
    expect: { actions: [{ type: escalate }, { type: announce-escalation, bodyContains: Escalated to jira-ops }] }
  - name: a ticket the rule does not match is not escalated
    source: snow
    ticket: { title: Printer jams }
    expect: { noActions: true }
`,
    );

    expect(statuses(tests)).toEqual([
      ['a P1 checkout failure is escalated at P2, with a note', 'pass'],
      ['the type alone, and part of the title', 'pass'],
      ['a wrong priority fails', 'fail'],
      ['a wrong target fails', 'fail'],
      ['a title it does not contain fails', 'fail'],
      ['a note it does not say fails', 'fail'],
      ['a ticket the rule does not match is not escalated', 'pass'],
    ]);
    expect(tests[0]?.actual.map((a) => a.action.type)).toEqual(['escalate', 'announce-escalation']);
    expect(tests[0]?.actual[0]?.action).toMatchObject({
      type: 'escalate',
      to: 'jira-dev',
      priority: 2,
      origin: { number: 'INC0010001' },
      correlationKey: expect.stringMatching(/^deskbridge:esc:checkout-to-dev:/),
    });
    expect(tests[2]?.diff.map((l) => `${l.op}${l.text.split(' ').slice(0, 2).join(' ')}`)).toEqual(['-escalate priority=2', '+escalate to="jira-dev"', ' announce-escalation to="jira-dev"']);
  });

  it('does not escalate again: once (state.applied), a copy deskbridge opened, a ticket already on the target', async () => {
    const tests = await run(
      'not-again',
      `  - name: escalated before
    source: snow
    ticket: { title: Checkout fails }
    state: { applied: [checkout-to-dev] }
    expect: { noActions: true }
  - name: a copy deskbridge opened
    source: snow
    ticket: { title: Checkout fails, labels: [deskbridge-esc-0123456789ab] }
    expect: { noActions: true }
  - name: a ticket already on jira-dev
    source: jira-dev
    ticket: { title: Checkout fails }
    expect: { noActions: true }
`,
    );

    expect(statuses(tests).map(([, s]) => s)).toEqual(['pass', 'pass', 'pass']);
    expect(tests.map((t) => t.trace.find((entry) => entry.rule === 'checkout-to-dev'))).toEqual([
      { rule: 'checkout-to-dev', outcome: 'not-applicable', reason: 'escalated before: a ticket gets one copy per rule' },
      { rule: 'checkout-to-dev', outcome: 'not-applicable', reason: 'the ticket is a copy deskbridge opened for an escalation' },
      { rule: 'checkout-to-dev', outcome: 'not-applicable', reason: 'the ticket is already on jira-dev' },
    ]);
  });
});

/** The incident INC0010001 on snow was escalated to DEV-42 on jira-dev by checkout-to-dev. */
const ORIGINAL = `    source: snow
    ticket: { title: Checkout fails with error 500, status: in_progress, source: { number: INC0010001 }, createdAt: "2026-01-01T08:00:00Z" }`;
const LINK = `as: original
      rule: checkout-to-dev
      other: { source: jira-dev, number: DEV-42, nativeId: "10042" }
      escalatedAt: "2026-01-01T08:30:00Z"`;

describe('rule tests with linked: (one end of an escalation)', () => {
  it('mirrors a tagged comment on the original to the copy, and no other comment', async () => {
    const tests = await run(
      'linked-comments',
      `  - name: a tagged comment reaches the copy
${ORIGINAL}
    linked:
      ${LINK}
      comments:
        - { author: Ann Lee, at: "2026-01-01T08:45:00Z", body: "#dev Root cause: the payment certificate expired" }
    expect:
      actions:
        - { type: comment, on: DEV-42, visibility: public, bodyContains: "Root cause", rule: checkout-to-dev }
  - name: an untagged comment stays on the incident
${ORIGINAL}
    linked:
      ${LINK}
      comments: [{ author: Ann Lee, body: "Called the customer back" }]
    expect: { noActions: true }
  - name: deskbridge's own comment is never mirrored
${ORIGINAL}
    linked:
      ${LINK}
      comments: [{ author: Integration User, body: "#dev Escalated to jira-dev", own: true }]
    expect: { noActions: true }
  - name: a note carrying deskbridge's marker is never mirrored, whoever's name is on it
${ORIGINAL}
    linked:
      ${LINK}
      comments: [{ author: Ann Lee, body: "#dev copied from DEV-42 [deskbridge:0123abcd]" }]
    expect: { noActions: true }
  - name: expecting the mirrored comment on the wrong ticket fails
${ORIGINAL}
    linked:
      ${LINK}
      comments: [{ author: Ann Lee, body: "#dev Root cause found" }]
    expect: { actions: [{ type: comment, on: INC0010001, bodyContains: "Root cause" }] }
`,
    );

    expect(statuses(tests).map(([, s]) => s)).toEqual(['pass', 'pass', 'pass', 'pass', 'fail']);
    expect(tests[0]?.actual).toEqual([
      {
        rule: 'checkout-to-dev',
        action: { type: 'comment', visibility: 'public', body: 'Ann Lee on INC0010001, 2026-01-01 08:45 UTC:\n\n#dev Root cause: the payment certificate expired' },
        explanation: "Escalation checkout-to-dev: Ann Lee's comment on INC0010001 copied to DEV-42",
        on: 'DEV-42',
      },
    ]);
    // The original's escalate rule already applied to it: not escalated a second time.
    expect(tests[0]?.trace).toContainEqual({ rule: 'checkout-to-dev', outcome: 'not-applicable', reason: 'escalated before: a ticket gets one copy per rule' });
    expect(tests[4]?.diff.map((l) => `${l.op}${l.text.split(' ').slice(0, 2).join(' ')}`)).toEqual(['-comment on="INC0010001"', '+comment on="DEV-42"']);
  });

  it('resolves the original when its copy is resolved by a person, not when deskbridge resolved it', async () => {
    const COPY = `    source: jira-dev
    ticket: { title: "INC0010001: Checkout fails", status: resolved, resolvedAt: "2026-01-01T10:00:00Z", resolution: { notes: Certificate renewed }, labels: [deskbridge-esc-0123456789ab], source: { number: DEV-42, nativeId: "10042" } }`;
    const tests = await run(
      'linked-resolved',
      `  - name: the copy was resolved, so the incident gets a note and is resolved
${COPY}
    linked: { as: copy, rule: checkout-to-dev, other: { source: snow, number: INC0010001 }, previousStatus: in_progress }
    expect:
      actions:
        - { type: comment, on: INC0010001, visibility: internal, bodyContains: "DEV-42 was resolved: Certificate renewed" }
        - { type: set-field, on: INC0010001, field: state, value: Resolved }
        - { type: set-field, on: INC0010001, field: close_notes, value: Fixed by the web team in DEV-42 }
  - name: the incident is resolved already (deskbridge resolved it, or a person did), so nothing is sent back
${COPY}
    linked: { as: copy, rule: checkout-to-dev, other: { source: snow, number: INC0010001, status: resolved }, previousStatus: in_progress, ownWrite: true }
    expect: { noActions: true }
  - name: already resolved when seen before, nothing new
${COPY}
    linked: { as: copy, rule: checkout-to-dev, other: { source: snow, number: INC0010001 } }
    expect: { noActions: true }
  - name: the incident was never pulled, so only the note is written
${COPY}
    linked: { as: copy, rule: checkout-to-dev, other: { source: snow, number: INC0010001, pulled: false }, previousStatus: in_progress }
    expect: { actions: [{ type: comment, on: INC0010001 }] }
  - name: a comment on the copy goes to the incident as a work note
    source: jira-dev
    ticket: { title: "INC0010001: Checkout fails", status: in_progress, source: { number: DEV-42, nativeId: "10042" } }
    linked:
      as: copy
      rule: checkout-to-dev
      other: { source: snow, number: INC0010001 }
      comments: [{ author: Dev Person, body: "Deploying the fix tonight", visibility: public }]
    expect: { actions: [{ type: comment, on: INC0010001, visibility: internal, bodyContains: "Dev Person on DEV-42" }] }
`,
    );

    expect(statuses(tests).map(([, s]) => s)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(tests[1]?.trace).toContainEqual({ rule: 'checkout-to-dev', outcome: 'escalation-sync', reason: 'DEV-42 is resolved, and INC0010001 is resolved already: nothing to tell it' });
    expect(tests[1]?.trace[0]).toEqual({ rule: 'checkout-to-dev', outcome: 'not-applicable', reason: "this version is deskbridge's own write (linked.ownWrite): rules do not judge it" });
    expect(tests[3]?.trace).toContainEqual({
      rule: 'checkout-to-dev',
      outcome: 'escalation-sync',
      reason: 'INC0010001 was never pulled by deskbridge: its fields are not set (only the note is sent)',
    });
  });

  it('names a linked rule that is missing or not an escalate rule, or a copy not on the rule’s target, as an error of the test', async () => {
    const tests = await run(
      'linked-errors',
      `  - name: no such rule
${ORIGINAL}
    linked: { as: original, rule: to-nowhere, other: { source: jira-dev, number: DEV-42 } }
    expect: { noActions: true }
  - name: a routing rule
${ORIGINAL}
    linked: { as: original, rule: desk, other: { source: jira-dev, number: DEV-42 } }
    expect: { noActions: true }
  - name: the copy on another source than the rule's
${ORIGINAL}
    linked: { as: original, rule: checkout-to-dev, other: { source: jira-ops, number: OPS-1 } }
    expect: { noActions: true }
  - name: the test's ticket as the copy, on the original's source
${ORIGINAL}
    linked: { as: copy, rule: checkout-to-dev, other: { source: snow, number: INC0000001 } }
    expect: { noActions: true }
`,
    );

    expect(tests.map((t) => [t.status, t.errors.map((e) => `${e.code}: ${e.message}`)])).toEqual([
      ['error', ['unknown-reference: the test names to-nowhere, which this file has no rule of']],
      ['error', ['unknown-reference: linked.rule names desk, a routing rule; an escalation is made by an escalate rule']],
      ['error', ['bad-value: linked.other.source is jira-ops, but rule checkout-to-dev opens its copies on jira-dev: the copy is on jira-dev']],
      ['error', ["bad-value: the test's source is snow, but rule checkout-to-dev opens its copies on jira-dev: the copy is on jira-dev"]],
    ]);
  });

  it('prints a failed linked test with the writes to the other end and what sync left in the trace', async () => {
    const file = path.join(dir, 'linked-failing.yaml');
    writeFileSync(
      file,
      `${RULES}tests:
  - name: the incident is not resolved by its copy
    source: jira-dev
    ticket: { title: "INC0010001: Checkout fails", status: closed, source: { number: DEV-42, nativeId: "10042" } }
    linked: { as: copy, rule: checkout-to-dev, other: { source: snow, number: INC0010001, pulled: false }, previousStatus: in_progress }
    expect: { noActions: true }
`,
    );
    const lines: string[] = [];

    const code = await runTestCommand([file], (line) => lines.push(line), {});

    expect(lines).toEqual([
      `FAIL ${file}:20 the incident is not resolved by its copy`,
      '    --- expected (no actions)',
      '    +++ actual',
      '    + comment on="INC0010001" visibility="internal" body="DEV-42 was closed." rule="checkout-to-dev"',
      '    trace:',
      '      desk             no-match: when is false: false',
      '      checkout-to-dev  not-applicable: the ticket is already on jira-dev',
      '      checkout-to-dev  escalation-sync: INC0010001 was never pulled by deskbridge: its fields are not set (only the note is sent)',
      '1 test, 0 passed, 1 failed',
    ]);
    expect(code).toBe(1);
  });
});
