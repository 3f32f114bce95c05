import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRuleTests } from '../../../src/testing/run-rule-tests.js';

const shipped = path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../../rules/dedup.yaml'));

describe('the shipped rules/dedup.yaml with resolved look-alikes on', () => {
  it('passes its own tests: an earlier fix is listed, a fix found after the report is not', async () => {
    const report = await runRuleTests([shipped]);
    const tests = report.files.flatMap((f) => f.tests);
    expect(report.files.every((f) => f.loaded)).toBe(true);
    expect(tests.filter((t) => t.status !== 'pass').map((t) => t.name)).toEqual([]);
    const listed = tests.find((t) => t.name.startsWith('an earlier look-alike resolved before'));
    const late = tests.find((t) => t.name.startsWith('a look-alike resolved only after'));
    expect(listed?.trace[0]?.reason).toMatch(/listed resolved look-alikes H1 \(0\.\d\d, resolved 2026-11-10 Solved \(Permanently\)\)/);
    expect(late?.trace[0]?.reason).toContain('H1 was resolved after this ticket was reported');
  });
});
