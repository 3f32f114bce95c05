import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../../../src/config/validate.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'config', 'capability');

describe('validate checks rules against what each source can do', () => {
  it('warns, at the note, when a rule writes internal notes to a source that has no internal comments', () => {
    const { diagnostics } = validatePaths([join(DIR, 'deskbridge.yaml')]);

    const warnings = diagnostics.filter((d) => d.code === 'capability-missing');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ severity: 'warning', file: join(DIR, 'rules', 'routing.yaml'), line: 7, column: 7 });
    expect(warnings[0]?.message).toContain('Rule network writes an internal note, but source jira-dc cannot post internal comments');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
