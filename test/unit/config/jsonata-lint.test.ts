import { describe, expect, it } from 'vitest';
import { checkJsonata, findPlaceholders } from '../../../src/config/jsonata-lint.js';

describe('checkJsonata', () => {
  it('accepts a valid expression', () => {
    expect(checkJsonata('priority <= 2 and $lowercase(category) = "network"')).toBeUndefined();
  });

  it.each([
    ['an extra name', 'foo bar', 4, 'S0201'],
    ['a stray parenthesis', 'a = 1 )', 6, 'S0201'],
    ['a string where an operator belongs', 'a = "x" "yy"', 8, 'S0201'],
    ['a doubled operator', 'a = = 1', 4, 'S0211'],
    ['an unfinished expression', 'a and  ', 5, 'S0207'],
    ['an unclosed call', '$substring(a, 1', 15, 'S0203'],
    ['an empty expression', '  ', 0, 'S0207'],
  ])('points at the start of the offending token for %s', (_name, expression, index, code) => {
    expect(checkJsonata(expression)).toMatchObject({ index, code });
  });
});

describe('findPlaceholders', () => {
  it('finds every {{ }} placeholder with the index of its expression', () => {
    const scan = findPlaceholders('To {{ $group }} ({{assignee}}).');

    expect(scan.placeholders).toEqual([
      { exprStart: 5, exprEnd: 13, expression: ' $group ' },
      { exprStart: 19, exprEnd: 27, expression: 'assignee' },
    ]);
    expect(scan.unclosedAt).toBeUndefined();
  });

  it('reports where an unclosed {{ starts', () => {
    expect(findPlaceholders('ok {{ a }} then {{ b').unclosedAt).toBe(16);
  });
});
