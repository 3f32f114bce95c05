/**
 * `validate`'s dynamic check: every JSONata expression and template placeholder of every rule is
 * evaluated, under the same limits as the daemon, against the tickets of the file's `tests:` and
 * a neutral sample ticket. One that breaks a limit (endless mutual recursion, a loop over a huge
 * range…) would fail that rule for every such ticket in `run`; here it is an error at the
 * expression's file:line:col. Other runtime errors depend on data and are left to `deskbridge test`.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { findPlaceholders } from './jsonata-lint.js';
import { JSONATA_KEYS, TEMPLATE_KEYS, type LoadedRulesFile } from './load-rules.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import { diagnosticAtOffset, formatPath, parseYamlSource, stringScalar, type StringScalar, type YamlSource } from '../diagnostics/yaml-source.js';
import { compileExpression, EvaluationLimitError } from '../mapping/expression.js';
import { buildTestTicket } from '../model/test-ticket.js';

interface ProbedExpression {
  scalar: StringScalar;
  /** Offset of the expression inside the scalar's value (a placeholder's start; 0 for a whole expression). */
  start: number;
  expression: string;
  path: (string | number)[];
}

/** Diagnostics for expressions of loaded (error-free) rules files that break an evaluation limit. */
export async function probeRuleEvaluations(files: readonly LoadedRulesFile[]): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    if (!file.ok || file.rules.length === 0) continue;
    const read = readTextFile(file.file);
    if (!('text' in read)) continue;
    const { source } = parseYamlSource(file.file, read.text);
    const inputs = sampleInputs(file);
    const rules = source.doc.getIn(['rules'], true);
    if (!isSeq(rules)) continue;
    for (const [index, rule] of rules.items.entries()) {
      for (const probe of expressionsOf(rule, ['rules', index])) {
        const limit = await firstLimit(probe.expression, inputs);
        if (limit) diagnostics.push(limitDiagnostic(source, probe, limit));
      }
    }
  }
  return diagnostics;
}

function sampleInputs(file: LoadedRulesFile): unknown[] {
  const tickets: unknown[] = [];
  const partials = [{ title: 'Sample ticket', description: 'validate probe' }, ...(file.tests?.cases ?? []).map((c) => c.test.ticket)];
  for (const [i, partial] of partials.entries()) {
    const built = buildTestTicket(partial, undefined, i);
    if (built.ok) tickets.push(built.ticket);
  }
  return tickets;
}

async function firstLimit(expression: string, inputs: readonly unknown[]): Promise<EvaluationLimitError | undefined> {
  let compiled;
  try {
    compiled = compileExpression(expression);
  } catch {
    return undefined; // a syntax error, already reported by the linter
  }
  for (const input of inputs) {
    try {
      await compiled.evaluate(input);
    } catch (error) {
      if (error instanceof EvaluationLimitError) return error;
    }
  }
  return undefined;
}

function expressionsOf(node: unknown, path: (string | number)[]): ProbedExpression[] {
  const found: ProbedExpression[] = [];
  if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) found.push(...expressionsOf(item, [...path, i]));
    return found;
  }
  if (!isMap(node)) return found;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || key === 'tests') continue;
    const fieldPath = [...path, key];
    const scalar = stringScalar(pair.value);
    if (scalar !== undefined && JSONATA_KEYS.has(key)) {
      found.push({ scalar, start: 0, expression: scalar.value, path: fieldPath });
    } else if (JSONATA_KEYS.has(key) && isSeq(pair.value)) {
      for (const [i, item] of pair.value.items.entries()) {
        const s = stringScalar(item);
        if (s !== undefined) found.push({ scalar: s, start: 0, expression: s.value, path: [...fieldPath, i] });
      }
    } else if (scalar !== undefined && TEMPLATE_KEYS.has(key)) {
      for (const p of findPlaceholders(scalar.value).placeholders) {
        const leading = p.expression.length - p.expression.trimStart().length;
        found.push({ scalar, start: p.exprStart + leading, expression: p.expression.trim(), path: fieldPath });
      }
    } else {
      found.push(...expressionsOf(pair.value, fieldPath));
    }
  }
  return found;
}

function limitDiagnostic(source: YamlSource, probe: ProbedExpression, error: EvaluationLimitError): Diagnostic {
  const offsets = scalarValueOffsets(source.text, probe.scalar, probe.scalar.value);
  return diagnosticAtOffset(source, offsetInScalar(offsets, probe.start), 'error', 'evaluation-limit', `${formatPath(probe.path)} ${error.message}`, {
    hint: 'in run, this rule would fail for every such ticket after spending the whole budget; `deskbridge test` shows the evaluation',
  });
}
