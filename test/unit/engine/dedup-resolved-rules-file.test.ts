import { describe, expect, it } from 'vitest';
import { runRuleTests } from '../../../src/testing/run-rule-tests.js';
import path from 'node:path';

describe('a rules file with a dedup rule listing resolved look-alikes', () => {
  it('passes its own tests: the earlier fix is listed, a fix found after the report is not', async () => {
    const report = await runRuleTests([path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../fixtures/dedup-resolved/dedup.yaml'))]);
    const tests = report.files.flatMap((f) => f.tests);
    expect(report.files.every((f) => f.loaded)).toBe(true);
    expect(tests.map((t) => [t.name, t.status])).toEqual([
      ['an earlier look-alike resolved before the ticket was reported is listed with its fix', 'pass'],
      ['a look-alike resolved after the ticket was reported is not listed', 'pass'],
    ]);
    expect(tests[1]?.trace[0]?.reason).toContain('was resolved after this ticket was reported');
  });
});
