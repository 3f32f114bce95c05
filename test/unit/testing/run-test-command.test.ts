import { describe, expect, it } from 'vitest';
import { runTestCommand } from '../../../src/cli/test.js';
import { ruleTestFixture } from './fixtures.js';

async function run(paths: string[], options: { json?: boolean } = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runTestCommand(paths, (line) => lines.push(line), options);
  return { code, lines };
}

describe('deskbridge test', () => {
  it('prints PASS with file:line for every test of a passing file and exits 0', async () => {
    const file = ruleTestFixture('passing.yaml');

    const { code, lines } = await run([file]);

    expect(lines).toEqual([
      `PASS ${file}:22 hardware goes to desktop support with a note`,
      `PASS ${file}:29 a P1 from sn-prod is taken over by the major incident team`,
      `PASS ${file}:36 a P1 from another source is left where it is`,
      '3 tests, 3 passed, 0 failed',
    ]);
    expect(code).toBe(0);
  });

  it('shows a failed expectation as a diff of actions plus the rule trace, and exits 1', async () => {
    const file = ruleTestFixture('failing-expectation.yaml');

    const { code, lines } = await run([file]);

    expect(lines).toEqual([
      `FAIL ${file}:20 network goes to Dan`,
      '    --- expected',
      '    +++ actual',
      '    - assign group="Network Operations" assignee="Dan Example" rule="network"',
      '    + assign group="Network Operations" assignee="Carol Example" rule="network"',
      '      comment visibility="internal" body="Routed to Network Operations / Carol Example." rule="network"',
      '    trace:',
      '      network   matched: assign to Network Operations / Carol Example (Carol Example has the fewest open tickets among Carol Example, Dan Example)',
      '      fallback  not-reached: an earlier rule matched and does not continue',
      '1 test, 0 passed, 1 failed',
    ]);
    expect(code).toBe(1);
  });

  it('lists every action taken when noActions was expected', async () => {
    const file = ruleTestFixture('no-actions.yaml');

    const { code, lines } = await run([file]);

    expect(lines).toEqual([
      `PASS ${file}:10 software is not routed`,
      `FAIL ${file}:15 hardware is not routed either`,
      '    --- expected (no actions)',
      '    +++ actual',
      '    + assign group="Desktop Support" rule="hardware-only"',
      '    trace:',
      '      hardware-only  matched: assign to Desktop Support (group Desktop Support, no person)',
      '2 tests, 1 passed, 1 failed',
    ]);
    expect(code).toBe(1);
  });

  it('reports a test whose ticket is invalid as ERROR with the field position, and exits 1', async () => {
    const file = ruleTestFixture('invalid-ticket.yaml');

    const { code, lines } = await run([file]);

    expect(lines).toEqual([
      `PASS ${file}:10 hardware goes to desktop support`,
      `ERROR ${file}:15 urgent hardware`,
      `    ${file}:18:17 error bad-type: tests[1].ticket.priority must be a number, got string "urgent"`,
      '2 tests, 1 passed, 1 failed',
    ]);
    expect(code).toBe(1);
  });

  it.each([
    ['broken-rules.yaml', '5:33 error bad-jsonata: Invalid JSONata rules[0].when'],
    ['broken-test.yaml', '10:5 error bad-value: tests[0].expect'],
  ])('reports %s, which does not validate, with its diagnostics and exits 1', async (name, diagnostic) => {
    const file = ruleTestFixture(name);

    const { code, lines } = await run([file]);

    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain(`${file}:${diagnostic}`);
    expect(lines.slice(1)).toEqual([`ERROR ${file}: does not load (1 error); its tests did not run`, '0 tests, 0 passed, 0 failed, 1 file did not load']);
    expect(code).toBe(1);
  });

  it('fails when a path does not exist', async () => {
    const { code, lines } = await run(['no/such/rules.yaml']);

    expect(lines).toEqual([
      expect.stringMatching(/^no\/such\/rules\.yaml:1:1 error file-not-found: File or directory not found/),
      'ERROR no/such/rules.yaml: does not load (1 error); its tests did not run',
      '0 tests, 0 passed, 0 failed, 1 file did not load',
    ]);
    expect(code).toBe(1);
  });

  it('runs the tests of every file in a folder and fails when any file fails', async () => {
    const { code, lines } = await run([ruleTestFixture('')]);

    expect(lines.at(-1)).toBe('15 tests, 10 passed, 5 failed, 2 files did not load');
    expect(code).toBe(1);
  });

  it('passes the tests written into the shipped rules/routing.yaml', async () => {
    const { code, lines } = await run(['rules/routing.yaml']);

    expect(lines.filter((l) => !l.startsWith('PASS '))).toEqual([expect.stringMatching(/^\d+ tests, (\d+) passed, 0 failed$/)]);
    expect(lines.length - 1).toBeGreaterThanOrEqual(8);
    expect(code).toBe(0);
  });

  it('prints one JSON report with --json', async () => {
    const file = ruleTestFixture('failing-expectation.yaml');

    const { code, lines } = await run([file], { json: true });

    expect(lines).toHaveLength(1);
    const report: unknown = JSON.parse(lines[0] ?? '');
    expect(report).toEqual({
      files: [
        {
          file,
          loaded: true,
          diagnostics: [],
          tests: [
            {
              name: 'network goes to Dan',
              file,
              line: 20,
              status: 'fail',
              errors: [],
              mode: 'exact',
              expected: [
                { type: 'assign', group: 'Network Operations', assignee: 'Dan Example', rule: 'network' },
                { type: 'comment', bodyContains: 'Network Operations' },
              ],
              actual: [
                {
                  rule: 'network',
                  action: { type: 'assign', group: 'Network Operations', assignee: 'Carol Example' },
                  explanation: expect.stringContaining('Routed by rule network'),
                },
                {
                  rule: 'network',
                  action: { type: 'comment', visibility: 'internal', body: 'Routed to Network Operations / Carol Example.' },
                  explanation: 'Note of rule network',
                },
              ],
              diff: [
                { op: '-', text: 'assign group="Network Operations" assignee="Dan Example" rule="network"' },
                { op: '+', text: 'assign group="Network Operations" assignee="Carol Example" rule="network"' },
                { op: ' ', text: 'comment visibility="internal" body="Routed to Network Operations / Carol Example." rule="network"' },
              ],
              trace: [
                { rule: 'network', outcome: 'matched', reason: expect.stringContaining('Carol Example has the fewest open tickets') },
                { rule: 'fallback', outcome: 'not-reached', reason: 'an earlier rule matched and does not continue' },
              ],
            },
          ],
        },
      ],
      summary: { tests: 1, passed: 0, failed: 1, filesNotLoaded: 0 },
    });
    expect(code).toBe(1);
  });
});
