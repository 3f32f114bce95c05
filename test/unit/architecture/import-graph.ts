import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One module reference in a source file, as written. */
export interface ModuleReference {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  kind: 'import' | 'export-from' | 'dynamic-import' | 'import-type' | 'import-equals';
  /** False for a dynamic `import(expression)`: `specifier` is then the expression's source text. */
  literal: boolean;
}

/**
 * Every module reference in a TypeScript source: `import … from`, `import type`, `export … from`,
 * `import x = require(…)`, `import('…')` calls and `import('…').T` type queries. Parsed, not
 * pattern-matched, so references inside strings and comments are not counted and multi-line
 * imports are.
 */
export function moduleReferences(fileName: string, text: string): ModuleReference[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ModuleReference[] = [];
  const add = (node: ts.Node, specifier: string, kind: ModuleReference['kind'], literal = true): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ specifier, line, kind, literal });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, 'import');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.moduleSpecifier.text, 'export-from');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) add(expression, expression.text, 'import-equals');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const argument = node.arguments[0];
      if (argument && ts.isStringLiteralLike(argument)) add(argument, argument.text, 'dynamic-import');
      else if (argument) add(argument, argument.getText(source), 'dynamic-import', false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal, node.argument.literal.text, 'import-type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** An import from one src/ file to another, with where it points inside src/. */
export interface ImportEdge {
  /** Importing file, relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
  fromFolder: string;
  toFolder: string;
  /** Imported path relative to src/, forward slashes (e.g. `platforms/jira/index.js`). */
  toPath: string;
}

/** All .ts files under `dir`, relative to `root`, forward slashes, sorted. */
export function typeScriptFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * The imports between src/ files. Only relative specifiers can point into src/ (the project has
 * no path aliases or package `imports`); bare specifiers are packages and are skipped. A dynamic
 * import that cannot be resolved statically is reported in `unresolved`, so it cannot hide an edge.
 */
export function srcImportEdges(root: string): { edges: ImportEdge[]; unresolved: string[] } {
  const srcDir = resolve(root, 'src');
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const file of typeScriptFiles(root, 'src')) {
    const absolute = resolve(root, file);
    const fromFolder = folderOf(relative(srcDir, absolute));
    for (const reference of moduleReferences(file, readFileSync(absolute, 'utf8'))) {
      const { specifier } = reference;
      if (!reference.literal) {
        unresolved.push(`${file}:${reference.line} import(${specifier})`);
        continue;
      }
      if (!specifier.startsWith('./') && !specifier.startsWith('../')) continue;
      const target = relative(srcDir, resolve(dirname(absolute), specifier));
      if (target.startsWith('..') || target === '') continue;
      const toPath = target.split(sep).join('/');
      edges.push({ file, line: reference.line, specifier, fromFolder, toFolder: folderOf(toPath), toPath });
    }
  }
  return { edges, unresolved };
}

/** First path segment under src/ (`engine/index.js` → `engine`); a file directly in src/ is its own folder. */
export function folderOf(pathUnderSrc: string): string {
  return pathUnderSrc.split(/[\\/]/)[0] ?? pathUnderSrc;
}

export interface ImportRule {
  from: string[];
  except?: string[];
  to: string[];
  why: string;
}

/** Does `rule` forbid `edge`? Imports within one folder are never forbidden. */
export function forbids(rule: ImportRule, edge: Pick<ImportEdge, 'fromFolder' | 'toFolder' | 'toPath'>): boolean {
  if (edge.fromFolder === edge.toFolder) return false;
  const fromMatches = rule.from.includes('*') ? !(rule.except ?? []).includes(edge.fromFolder) : rule.from.includes(edge.fromFolder);
  if (!fromMatches) return false;
  return rule.to.some((to) => {
    if (to === '*') return true;
    if (to.endsWith('/*')) {
      const folder = to.slice(0, -2);
      // `folder/<sub>/…`: the target lies in a sub-folder, not in a file directly in `folder`.
      return edge.toFolder === folder && edge.toPath.split('/').length > 2;
    }
    return edge.toFolder === to;
  });
}

/**
 * Strongly connected components of a directed graph with more than one node (Tarjan), each
 * sorted, listed in a stable order. A component of several folders is a cycle between them.
 */
export function cycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flatMap((targets) => [...targets])])].sort();

  const connect = (node: string): void => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!index.has(next)) {
        connect(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
      }
    }
    if (lowLink.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of nodes) if (!index.has(node)) connect(node);
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Folder graph (self-edges dropped) from file-level edges. */
export function folderGraph(edges: ImportEdge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    if (edge.fromFolder === edge.toFolder) continue;
    const targets = graph.get(edge.fromFolder) ?? new Set<string>();
    targets.add(edge.toFolder);
    graph.set(edge.fromFolder, targets);
  }
  return graph;
}
