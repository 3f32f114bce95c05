import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { expressionNames, JSONATA_BUILTINS } from '../../../src/mapping/expression-names.js';
import { compileExpression } from '../../../src/mapping/expression.js';

const names = (text: string) => expressionNames(jsonata(text).ast(), text);

describe('JSONATA_BUILTINS', () => {
  it('is exactly the functions the installed JSONata binds (so an upgrade that adds one fails here, not in validate)', () => {
    const source = readFileSync(createRequire(import.meta.url).resolve('jsonata'), 'utf8');
    const bound = [...source.matchAll(/staticFrame\.bind\('([A-Za-z0-9]+)'/g)].map((m) => m[1]);
    // $now and $millis are bound per evaluation, not in the static frame.
    expect([...JSONATA_BUILTINS].sort()).toEqual([...bound, 'now', 'millis'].sort());
  });

  it('each evaluates to a function', async () => {
    for (const name of JSONATA_BUILTINS) expect(await jsonata(`$type($${name})`).evaluate({}), name).toBe('function');
  });
});

describe('expressionNames', () => {
  it('finds a call and a top-level field with where each starts', () => {
    expect(names('$lowercas(categry) = "network"')).toEqual({
      calls: [{ name: 'lowercas', index: 0 }],
      bareCalls: [],
      references: [],
      bound: new Set(),
      inputPaths: [{ names: ['categry'], indexes: [10] }],
    });
  });

  it('counts names the expression binds itself: := , lambda parameters, @$focus and #$index', () => {
    const found = names('($up := function($v) { $uppercase($v) }; items@$i#$n.($up($i.name)))');
    expect([...found.bound].sort()).toEqual(['i', 'n', 'up', 'v']);
    expect(found.calls.map((c) => c.name)).toEqual(['uppercase', 'up']);
  });

  it('treats `x ~> $f` and partial application as calls, and `$f` passed as an argument as a reference', () => {
    expect(names('title ~> $trimm').calls).toEqual([{ name: 'trimm', index: 9 }]);
    expect(names('$subst(?, 1)').calls).toEqual([{ name: 'subst', index: 0 }]);
    expect(names('$map(labels, $uppercas)').references).toEqual([{ name: 'uppercas', index: 13 }]);
  });

  it('reads input paths only where the input is the expression’s own', () => {
    // `message` is a field of each $failed item, `id` of each label, `x` of a function's argument.
    const text = '$failed.("- " & message) & labels[id = 1] & $map(tags, function($l) { x }) & resolution.code & $$.kind & `source`.number';
    const at = (part: string): number => text.indexOf(part);
    expect(names(text).inputPaths).toEqual([
      { names: ['labels'], indexes: [at('labels')] },
      { names: ['tags'], indexes: [at('tags')] },
      { names: ['resolution', 'code'], indexes: [at('resolution'), at('code')] },
      { names: ['kind'], indexes: [at('kind')] },
      { names: ['source', 'number'], indexes: [at('`source`'), at('number')] },
    ]);
    const found = names(text);
    expect(found.references.map((r) => r.name)).toEqual(['failed']);
  });

  it('does not count $ and $$ as variables', () => {
    expect(names('$.priority = $$.priority').references).toEqual([]);
  });
});

describe('a failed call to a non-function', () => {
  it('names the function and suggests the one meant', async () => {
    await expect(compileExpression('$lowercas(category) = "x"').evaluate({ category: 'Network' })).rejects.toThrow(
      '$lowercas is not a function; did you mean $lowercase? (Attempted to invoke a non-function)',
    );
  });

  it('names a bound value called as a function', async () => {
    await expect(compileExpression('"to " & $group()').evaluate({}, { group: 'Network' })).rejects.toThrow('$group is not a function (Attempted to invoke a non-function)');
  });

  it('does not blame functions that exist: the bindings’ and the expression’s own', async () => {
    const plus = (n: number): number => n + 1;
    expect(await compileExpression('($twice := function($n) { $n * 2 }; $twice($plus(1)))').evaluate({}, { plus })).toBe(4);
  });
});
