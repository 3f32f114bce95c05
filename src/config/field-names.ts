import { isMap, isScalar, isSeq } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import type { LoadedRulesFile } from './load-rules.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import { diagnosticAtOffset, mapValue, parseYamlSource, seqItems } from '../diagnostics/yaml-source.js';
import type { YamlSource } from '../diagnostics/yaml-source.js';
import type { PlatformDescriptor } from '../platforms/descriptor.js';
import { PLATFORMS } from '../platforms/registry.js';

/**
 * `raw.<field>` in a rule is a native field the connector asks the platform for (the rule set's
 * `rawFields`, added to every source's pull). Some platforms refuse a query naming a field no
 * record can have, so every pass would fail; their descriptors say which names those are
 * (`PlatformDescriptor.rawFieldProblem`, e.g. ServiceNow's column names). Others simply do not
 * return an unknown field and need no check here.
 */

/** The same pattern the rule compiler uses to collect `rawFields` (src/engine/rule-set.ts). */
const RAW_REFERENCE = /\braw\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** Keys holding data rather than rule configuration; a `raw.X` there is never requested. */
const DATA_KEYS: ReadonlySet<string> = new Set(['tests']);

/**
 * Errors for `raw.<field>` references that a configured platform refuses. `platforms` are the
 * mapping names of the enabled sources (`servicenow`, `jira-cloud`, …); every rule counts, not
 * only rules scoped to that platform's sources, because the connector requests the whole rule set's fields.
 */
export function platformFieldDiagnostics(files: readonly LoadedRulesFile[], platforms: Iterable<string>): Diagnostic[] {
  const names = new Set(platforms);
  const checks = PLATFORMS.filter((platform) => platform.rawFieldProblem !== undefined && platform.mappingNames.some((name) => names.has(name)));
  if (checks.length === 0) return [];
  const diagnostics: Diagnostic[] = [];
  for (const loaded of files) {
    if (!loaded.ok) continue;
    const read = readTextFile(loaded.file);
    if ('diagnostic' in read) continue;
    const { source } = parseYamlSource(loaded.file, read.text);
    for (const rule of seqItems(mapValue(source.doc.contents, 'rules'))) scan(source, rule, checks, diagnostics);
  }
  return diagnostics;
}

function scan(source: YamlSource, node: unknown, checks: readonly PlatformDescriptor[], out: Diagnostic[]): void {
  for (const { field, offset } of rawReferences(source, node)) {
    for (const platform of checks) {
      const problem = platform.rawFieldProblem?.(field);
      if (problem === undefined) continue;
      out.push(diagnosticAtOffset(source, offset, 'error', 'bad-field-name', problem.message, { hint: problem.hint }));
    }
  }
}

/** A `raw.<field>` written in a YAML value: the field name and where it starts in the file. */
export interface RawReference {
  field: string;
  offset: number;
}

/**
 * Every `raw.<field>` in the string values under `node` (keys holding data, such as `tests:`, are
 * skipped), positioned at the field name. Also what `validate --online` checks against a dictionary.
 */
export function rawReferences(source: YamlSource, node: unknown): RawReference[] {
  const out: RawReference[] = [];
  collect(source, node, out);
  return out;
}

function collect(source: YamlSource, node: unknown, out: RawReference[]): void {
  if (isSeq(node)) {
    for (const item of node.items) collect(source, item, out);
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && DATA_KEYS.has(String(pair.key.value))) continue;
      collect(source, pair.value, out);
    }
    return;
  }
  if (!isScalar(node) || typeof node.value !== 'string' || !node.value.includes('raw.')) return;
  const text = node.value;
  let offsets: number[] | undefined;
  for (const match of text.matchAll(RAW_REFERENCE)) {
    offsets ??= scalarValueOffsets(source.text, node, text);
    out.push({ field: match[1] ?? '', offset: offsetInScalar(offsets, (match.index ?? 0) + 'raw.'.length) });
  }
}
