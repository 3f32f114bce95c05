import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../../src/config/env.js';
import { describeValue, quoteValue } from '../../../src/diagnostics/excerpt.js';
import { inboundShapeProblems } from '../../../src/config/mapping-shape.js';
import { decodeText } from '../../../src/diagnostics/read-file.js';

describe('nested ${A:-${B}} references expand like the shell', () => {
  const env = { A: 'from-a', B: 'from-b', EMPTY: '' };

  it.each([
    ['${A:-${B}}', 'from-a'],
    ['${UNSET:-${B}}', 'from-b'],
    ['${EMPTY:-${B}}', 'from-b'],
    ['${UNSET:-${ALSO_UNSET:-last}}', 'last'],
    ['x-${UNSET:-${B}-y}-z', 'x-from-b-y-z'],
    ['${UNSET:-pre-${B}}', 'pre-from-b'],
  ])('%s → %j (was "<A>}" before)', (input, expected) => {
    const result = interpolateString(input, env);
    expect(result.problems).toEqual([]);
    expect(result.value).toBe(expected);
  });

  it('reports a missing variable inside a used default at its own ${', () => {
    expect(interpolateString('${UNSET:-${NOPE}}', env).problems).toEqual([{ kind: 'missing', index: 9, name: 'NOPE' }]);
  });

  it('does not report a missing variable in a default that is not used', () => {
    expect(interpolateString('${A:-${NOPE}}', env)).toEqual({ value: 'from-a', used: ['from-a'], problems: [] });
  });

  it('registers a value reached through a default as a secret to redact', () => {
    expect(interpolateString('${UNSET:-${B}}', env).used).toEqual(['from-b']);
  });

  it('refuses nesting deeper than 8 levels as malformed', () => {
    const deep = `${'${U:-'.repeat(9)}x${'}'.repeat(9)}`;
    expect(interpolateString(deep, env).problems[0]?.kind).toBe('malformed');
  });
});

describe('decodeText accepts UTF-8 only, and never quotes the file', () => {
  it('accepts UTF-8 with and without a byte-order mark', () => {
    expect(decodeText('f', Buffer.from('a: é\n'))).toEqual({ text: 'a: é\n' });
    expect(decodeText('f', Buffer.from('\ufeffa: 1\n'))).toEqual({ text: 'a: 1\n' });
  });

  it.each([
    ['UTF-16 LE', Buffer.from('\ufeffpassword: x', 'utf16le'), 'File is encoded as UTF-16, not UTF-8', '1:1'],
    ['UTF-16 without BOM', Buffer.from('password: x', 'utf16le'), 'File contains NUL bytes: it is binary or UTF-16 without a byte-order mark, not UTF-8 text', '1:2'],
    ['Latin-1', Buffer.from([0x61, 0x0a, 0x62, 0x3a, 0x20, 0xe9, 0x0a]), 'File is not valid UTF-8 text', '2:4'],
  ])('%s is refused with "save as UTF-8"', (_name, bytes, message, at) => {
    const result = decodeText('f.yaml', bytes);
    if (!('diagnostic' in result)) throw new Error('expected a diagnostic');
    expect(result.diagnostic.message).toBe(message);
    expect(`${result.diagnostic.line}:${result.diagnostic.column}`).toBe(at);
    expect(result.diagnostic.hint).toBe('open it in an editor and save it as UTF-8');
    expect(result.diagnostic.code).toBe('bad-encoding');
  });
});

describe('values quoted in diagnostics', () => {
  it('never shows a value under a secret-like key', () => {
    expect(describeValue(12345, ['sources', 0, 'auth', 'password'])).toBe('a number (value not shown: password is a secret)');
    expect(quoteValue('abc', ['sources', 0, 'auth', 'clientSecret'])).toBe('(value not shown: secret)');
    expect(describeValue('tok', ['auth', 'token'])).not.toContain('tok"');
  });

  it('cuts other values to a short excerpt', () => {
    expect(describeValue('x'.repeat(1000), ['pageSize'])).toBe(`string "${'x'.repeat(40)}"… (1,000 characters)`);
    expect(describeValue('ten', ['pageSize'])).toBe('string "ten"');
  });
});

describe('inbound mapping output shape', () => {
  it.each([
    ['"a string"', /produces a string/],
    ['[1, 2]', /produces a list/],
    ['1 + 2', /produces a number/],
    ['title = "x"', /produces a boolean/],
    ['($x := 1; $x & "y")', /produces a string \(a "&" concatenation\)/],
    ['x ? { "a": 1 }', /no "source"/],
  ])('%s is reported', (mapping, message) => {
    expect(
      inboundShapeProblems(mapping)
        .map((p) => p.message)
        .join('\n'),
    ).toMatch(message);
  });

  it('reports the source fields a literal source object lacks', () => {
    const mapping =
      '{ "source": { "nativeId": "1" }, "version": "1", "kind": "incident", "title": "", "description": "", "status": "open", "nativeStatus": "1", "priority": 3, "createdAt": "", "updatedAt": "", "labels": [] }';
    expect(inboundShapeProblems(mapping).map((p) => p.message)).toEqual([`Inbound mapping's "source" object has no "container", "number": every record would be quarantined as an invalid ticket`]);
  });

  it('leaves results it cannot see through to run time (function calls, computed keys)', () => {
    expect(inboundShapeProblems('$merge([{ "a": 1 }, { "b": 2 }])')).toEqual([]);
    expect(inboundShapeProblems('{ $k: 1 }')).toEqual([]);
  });
});
