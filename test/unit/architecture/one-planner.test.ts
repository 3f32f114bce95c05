import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { typeScriptFiles } from './import-graph.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Rule tests, explain and backtest decide through the daemon's own planBatch (one planner, one
 * in-memory state): none of them may judge a ticket on its own, with the engine's per-ticket
 * entry points or a hand-built batch state, or they drift from what the daemon does.
 */
const CALLERS = [...typeScriptFiles(root, 'src/backtest'), ...typeScriptFiles(root, 'src/testing'), ...typeScriptFiles(root, 'src/explain'), 'src/cli/explain.ts'];
/** Named exports of src/engine/index.ts that judge a ticket outside a batch. */
const EVALUATORS = new Set(['evaluateTicket', 'evaluateSlaOnly', 'evaluateDuplicatesOnly']);
/** Modules whose whole point is a batch's own state: only planBatch builds one. */
const BATCH_INTERNALS = new Set(['engine/batch-state.js', 'engine/history-overlay.js']);

/** What a file takes from the engine that only planBatch should use, as `file:line what`. */
function bypasses(file: string): string[] {
  const text = readFileSync(resolve(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const target = (specifier: string): string =>
    relative(resolve(root, 'src'), resolve(dirname(resolve(root, file)), specifier))
      .split(/[\\/]/)
      .join('/');
  const at = (node: ts.Node): string => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])
          ? node.arguments[0].text
          : undefined;
    if (specifier?.startsWith('.')) {
      const path = target(specifier);
      if (BATCH_INTERNALS.has(path)) found.push(`${at(node)} imports ${path}`);
      if (path === 'engine/index.js') {
        const names = ts.isImportDeclaration(node) ? node.importClause?.namedBindings : ts.isExportDeclaration(node) ? node.exportClause : undefined;
        if (names === undefined || ts.isNamespaceImport(names) || ts.isNamespaceExport(names)) found.push(`${at(node)} imports all of engine/index.js`);
        else for (const element of names.elements) if (EVALUATORS.has((element.propertyName ?? element.name).text)) found.push(`${at(node)} imports ${(element.propertyName ?? element.name).text}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('rule tests, explain and backtest plan through planBatch only', () => {
  it('checks the files it means to (the scan is not silently empty)', () => {
    expect(CALLERS).toEqual(expect.arrayContaining(['src/backtest/replay.ts', 'src/testing/run-rule-tests.ts', 'src/explain/explain.ts', 'src/cli/explain.ts']));
  });

  it('none of them judges a ticket with evaluateTicket and friends, or builds a BatchState', () => {
    expect(CALLERS.flatMap(bypasses)).toEqual([]);
  });

  it('finds such an import where there is one', () => {
    expect(bypasses('src/engine/plan-batch.ts')).toEqual([
      expect.stringMatching(/^src\/engine\/plan-batch\.ts:\d+ imports engine\/batch-state\.js$/),
      expect.stringMatching(/^src\/engine\/plan-batch\.ts:\d+ imports evaluateSlaOnly$/),
      expect.stringMatching(/^src\/engine\/plan-batch\.ts:\d+ imports evaluateTicket$/),
    ]);
  });
});
