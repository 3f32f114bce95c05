/**
 * Lists the largest source files and the largest functions (by line count) under a folder, so a
 * refactor can say what it shrank.
 *
 *   tsx scripts/largest-functions.ts            top 10 under src/
 *   tsx scripts/largest-functions.ts src 20     top 20 under src/
 *
 * A function's size counts its whole body, nested functions included (a closure that registers
 * forty route handlers is as large as the forty handlers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const [folder = 'src', countArg = '10'] = process.argv.slice(2);
const count = Number(countArg);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

interface Measured {
  name: string;
  where: string;
  lines: number;
}

function functionName(node: ts.Node, file: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(file);
  }
  if (ts.isCallExpression(parent)) return `<callback of ${parent.expression.getText(file).slice(0, 40)}>`;
  return '<anonymous>';
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

const files: Measured[] = [];
const functions: Measured[] = [];
for (const fileName of sourceFiles(folder)) {
  const text = readFileSync(fileName, 'utf8');
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  files.push({ name: fileName, where: fileName, lines: file.getLineAndCharacterOfPosition(text.length).line + 1 });
  const visit = (node: ts.Node): void => {
    if (isFunctionLike(node) && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ name: functionName(node, file), where: `${fileName}:${start + 1}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const top = (list: Measured[]): Measured[] => [...list].sort((a, b) => b.lines - a.lines).slice(0, count);
console.log(`Largest files under ${folder}/`);
for (const f of top(files)) console.log(`${String(f.lines).padStart(6)}  ${f.where}`);
console.log(`\nLargest functions under ${folder}/`);
for (const f of top(functions)) console.log(`${String(f.lines).padStart(6)}  ${f.name}  (${f.where})`);
