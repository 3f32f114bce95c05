import path from 'node:path';

/** Rule-test fixtures as cwd-relative paths, so reports show the path the test passes in. */
export const RULE_TEST_FIXTURES = path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../fixtures/rule-tests'));

export function ruleTestFixture(name: string): string {
  return path.join(RULE_TEST_FIXTURES, name);
}
