import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatDiagnostic, sortDiagnostics, type Diagnostic } from '../../../src/diagnostics/diagnostics.js';

const badJsonata: Diagnostic = {
  file: 'rules/routing.yaml',
  line: 14,
  column: 9,
  severity: 'error',
  code: 'bad-jsonata',
  message: 'Invalid JSONata rules[0].when: Syntax error: ")" (S0201)',
  hint: 'check the parentheses',
};

describe('formatDiagnostic', () => {
  it('renders file:line:col severity code: message (hint: …)', () => {
    expect(formatDiagnostic(badJsonata)).toBe('rules/routing.yaml:14:9 error bad-jsonata: Invalid JSONata rules[0].when: Syntax error: ")" (S0201) (hint: check the parentheses)');
  });

  it('leaves out the hint when there is none', () => {
    const { hint: _hint, ...withoutHint } = badJsonata;

    expect(formatDiagnostic({ ...withoutHint, severity: 'warning' })).toBe('rules/routing.yaml:14:9 warning bad-jsonata: Invalid JSONata rules[0].when: Syntax error: ")" (S0201)');
  });

  it('shows absolute paths under the working directory relative to it', () => {
    const absolute = path.join(process.cwd(), 'rules', 'routing.yaml');

    expect(formatDiagnostic({ ...badJsonata, file: absolute })).toMatch(/^rules[/\\]routing\.yaml:14:9 /);
  });
});

describe('sortDiagnostics', () => {
  it('keeps the file order it was given and sorts by position inside each file', () => {
    const at = (file: string, line: number, column: number): Diagnostic => ({ ...badJsonata, file, line, column });

    const sorted = sortDiagnostics([at('b.yaml', 3, 1), at('a.yaml', 2, 5), at('b.yaml', 1, 4), at('a.yaml', 2, 1)]);

    expect(sorted.map((d) => `${d.file}:${d.line}:${d.column}`)).toEqual(['b.yaml:1:4', 'b.yaml:3:1', 'a.yaml:2:1', 'a.yaml:2:5']);
  });
});

describe('ConfigError', () => {
  it('lists every diagnostic in its message and keeps them on the error', () => {
    const second: Diagnostic = { ...badJsonata, line: 20, code: 'duplicate-id', message: 'Rule id "x" is already defined' };

    const error = new ConfigError([badJsonata, second]);

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.diagnostics).toHaveLength(2);
    expect(error.message).toContain('(2 errors)');
    expect(error.message).toContain('rules/routing.yaml:14:9 error bad-jsonata');
    expect(error.message).toContain('rules/routing.yaml:20:9 error duplicate-id');
  });
});
