import path from 'node:path';
import type { Diagnostic } from '../../../src/diagnostics/diagnostics.js';

/** Fixture folders as cwd-relative paths, so diagnostics carry the same path the test passes in. */
export const CONFIG_FIXTURES = path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../fixtures/config'));
export const RULES_FIXTURES = path.relative(process.cwd(), path.resolve(import.meta.dirname, '../../fixtures/rules'));

export function configFixture(name: string): string {
  return path.join(CONFIG_FIXTURES, name);
}

export function rulesFixture(name: string): string {
  return path.join(RULES_FIXTURES, name);
}

/** `file:line:col code`, the part of a diagnostic every loader test pins exactly. */
export function where(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.code}`;
}
