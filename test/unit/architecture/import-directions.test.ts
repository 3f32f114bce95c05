import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, folderGraph, forbids, moduleReferences, srcImportEdges, type ImportRule } from './import-graph.js';
import importRules from './import-rules.json' with { type: 'json' };

const root = fileURLToPath(new URL('../../../', import.meta.url));
const rules: ImportRule[] = importRules.rules;
const { edges, unresolved } = srcImportEdges(root);

function describeRule(rule: ImportRule): string {
  const from = rule.from.includes('*') ? `src (except ${(rule.except ?? []).join(', ')})` : rule.from.join(', ');
  return `${from} must not import ${rule.to.join(', ')}`;
}

describe('import directions between src/ folders (test/unit/architecture/import-rules.json)', () => {
  it('finds the imports it checks (the scan is not silently empty)', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((edge) => edge.fromFolder === 'cli' && edge.toFolder === 'config')).toBe(true);
  });

  it('can resolve every dynamic import in src statically', () => {
    expect(unresolved).toEqual([]);
  });

  it.each(rules.map((rule) => [describeRule(rule), rule] as const))('%s', (_name, rule) => {
    const offending = edges.filter((edge) => forbids(rule, edge)).map((edge) => `${edge.file}:${edge.line} ${edge.fromFolder} → ${edge.toPath} ('${edge.specifier}')`);
    expect(offending, `forbidden because ${rule.why}`).toEqual([]);
  });

  it('has no import cycle between src/ folders', () => {
    // One line per cycle (a strongly connected component of the folder graph), then one line per
    // import edge inside it with an example file:line, so the message says where to cut it.
    const report = cycles(folderGraph(edges)).flatMap((component) => {
      const inside = new Set(component);
      const examples = new Map<string, string>();
      for (const edge of edges) {
        if (edge.fromFolder === edge.toFolder || !inside.has(edge.fromFolder) || !inside.has(edge.toFolder)) continue;
        const pair = `${edge.fromFolder} → ${edge.toFolder}`;
        if (!examples.has(pair)) examples.set(pair, `  ${pair} (e.g. ${edge.file}:${edge.line})`);
      }
      return [`cycle between ${component.join(', ')}:`, ...[...examples.values()].sort()];
    });
    expect(report).toEqual([]);
  });
});

describe('import graph scanner', () => {
  it('counts static, type-only, re-exported, dynamic, import-type and require imports, with their lines', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      'import {',
      '  e,',
      "} from './e.js';",
      "const f = await import('./f.js');",
      "type G = import('./g.js').G;",
      "import h = require('./h.js');",
      "// import { x } from './comment.js';",
      'const s = "import { y } from \'./string.js\'";',
      'const dynamic = await import(somePath);',
    ].join('\n');
    expect(moduleReferences('sample.ts', text).map((reference) => `${reference.line} ${reference.kind} ${reference.specifier}`)).toEqual([
      '1 import ./a.js',
      '2 import ../b/b.js',
      '3 export-from ./c.js',
      '4 export-from ./d.js',
      '7 import ./e.js',
      '8 dynamic-import ./f.js',
      '9 import-type ./g.js',
      '10 import-equals ./h.js',
      '13 dynamic-import somePath',
    ]);
  });

  it("applies a rule to the named folders only, and 'folder/*' to its sub-folders only", () => {
    const rule: ImportRule = { from: ['config'], to: ['platforms/*'], why: '' };
    expect(forbids(rule, { fromFolder: 'config', toFolder: 'platforms', toPath: 'platforms/jira/index.js' })).toBe(true);
    expect(forbids(rule, { fromFolder: 'config', toFolder: 'platforms', toPath: 'platforms/registry.js' })).toBe(false);
    expect(forbids(rule, { fromFolder: 'mapping', toFolder: 'platforms', toPath: 'platforms/jira/index.js' })).toBe(false);
  });

  it("applies a '*' rule to every folder but the exceptions and never to a folder's own files", () => {
    const rule: ImportRule = { from: ['*'], except: ['cli'], to: ['sandbox'], why: '' };
    expect(forbids(rule, { fromFolder: 'backtest', toFolder: 'sandbox', toPath: 'sandbox/zip.js' })).toBe(true);
    expect(forbids(rule, { fromFolder: 'cli', toFolder: 'sandbox', toPath: 'sandbox/zip.js' })).toBe(false);
    expect(forbids(rule, { fromFolder: 'sandbox', toFolder: 'sandbox', toPath: 'sandbox/zip.js' })).toBe(false);
    const leaf: ImportRule = { from: ['model'], to: ['*'], why: '' };
    expect(forbids(leaf, { fromFolder: 'model', toFolder: 'engine', toPath: 'engine/index.js' })).toBe(true);
    expect(forbids(leaf, { fromFolder: 'model', toFolder: 'model', toPath: 'model/ticket.js' })).toBe(false);
  });

  it('reports each multi-folder cycle once, and no cycle for a chain', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set(['e'])],
      ['e', new Set(['d'])],
      ['f', new Set(['a'])],
    ]);
    expect(cycles(graph)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set(['c'])],
        ]),
      ),
    ).toEqual([]);
  });
});
