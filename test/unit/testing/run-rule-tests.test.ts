import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRuleTests } from '../../../src/testing/run-rule-tests.js';
import type { TestCaseReport } from '../../../src/testing/report.js';
import { ruleTestFixture } from './fixtures.js';

async function testsOf(name: string): Promise<TestCaseReport[]> {
  const report = await runRuleTests([ruleTestFixture(name)]);
  return report.files.flatMap((f) => f.tests);
}

describe('runRuleTests', () => {
  it('compares exactly by default and as an ordered subsequence with exact: false', async () => {
    const tests = await testsOf('exact-vs-subsequence.yaml');

    expect(tests.map((t) => [t.name, t.mode, t.status])).toEqual([
      ['exact by default, so the note is one action too many', 'exact', 'fail'],
      ['subsequence allows the note', 'subsequence', 'pass'],
      ['subsequence still needs the order', 'subsequence', 'fail'],
    ]);
  });

  it('starts each test from the state it gives, and from empty state otherwise', async () => {
    const tests = await testsOf('prior-state.yaml');

    expect(tests.map((t) => [t.status, t.actual.map((a) => (a.action.type === 'assign' ? a.action.assignee : undefined))])).toEqual([
      ['pass', ['Ann']],
      ['pass', ['Cat']],
      ['pass', ['Carol']],
      ['pass', ['Dan']],
    ]);
  });

  it('evaluates with the test source id, so scope.sources applies', async () => {
    const [, fromProd, fromOther] = await testsOf('passing.yaml');

    expect(fromProd?.trace[0]).toEqual({ rule: 'p1-prod', outcome: 'matched', reason: 'assign to Major Incident Team / Alice Example (fixed assignee Alice Example)' });
    expect(fromOther?.trace[0]).toEqual({ rule: 'p1-prod', outcome: 'not-applicable', reason: 'scoped to sn-prod' });
  });

  it('does not evaluate a test whose ticket is invalid and positions the problem at the field', async () => {
    const file = ruleTestFixture('invalid-ticket.yaml');

    const [, invalid] = await testsOf('invalid-ticket.yaml');

    expect(invalid?.status).toBe('error');
    expect(invalid?.actual).toEqual([]);
    expect(invalid?.errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual([`${file}:18:17 bad-type`]);
  });

  it('counts a file that does not validate as not loaded and runs none of its tests', async () => {
    const report = await runRuleTests([ruleTestFixture('broken-rules.yaml'), ruleTestFixture('passing.yaml')]);

    expect(report.files.map((f) => [f.file, f.loaded, f.tests.length])).toEqual([
      [ruleTestFixture('broken-rules.yaml'), false, 0],
      [ruleTestFixture('passing.yaml'), true, 3],
    ]);
    expect(report.summary).toEqual({ tests: 3, passed: 3, failed: 0, filesNotLoaded: 1 });
  });
});

describe('runRuleTests: what the daemon remembers of the ticket (state.triggered, state.applied)', () => {
  it('holds back an override rule whose trigger was seen, and a once rule that applied; unknown rule ids are errors', async () => {
    // Its own folder: the folder of fixtures is counted whole by the command's tests.
    const report = await runRuleTests([path.resolve(import.meta.dirname, '../../fixtures/rule-tests-memory/people-win.yaml')]);
    const tests = report.files.flatMap((f) => f.tests);

    expect(tests.map((t) => t.status)).toEqual(['pass', 'pass', 'pass', 'error']);
    expect(tests[1]?.trace[0]).toEqual({ rule: 'p1-to-mit', outcome: 'not-applicable', reason: 'applied before for this trigger; a person has changed the ticket since — not reverting' });
    expect(tests[2]?.trace[1]).toEqual({ rule: 'welcome', outcome: 'not-applicable', reason: 'once: applied to this ticket before — never again' });
    expect(tests[3]?.errors[0]?.message).toBe('the test names no-such-rule, which this file has no rule of');
  });
});
