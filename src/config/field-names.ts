import { isMap, isScalar, isSeq } from 'yaml';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import type { LoadedRulesFile } from './load-rules.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { offsetInScalar, scalarValueOffsets } from './scalar-offsets.js';
import { diagnosticAtOffset, mapValue, parseYamlSource, seqItems } from '../diagnostics/yaml-source.js';
import type { YamlSource } from '../diagnostics/yaml-source.js';

/**
 * `raw.<field>` in a rule is a native field the connector asks the platform for (the rule set's
 * `rawFields`, added to every source's pull). ServiceNow column names are lower-case letters,
 * digits and underscores (custom ones start `u_` or `x_<scope>_`); a name outside that is one no
 * instance has, and a stricter instance refuses the whole query, so every pass would fail.
 * Jira needs no check here: its `fields` parameter takes any system field id (`fixVersions`,
 * `timetracking`) or `customfield_NNNNN`, and a name it does not know is simply not returned.
 */
const SERVICENOW_COLUMN = /^[a-z0-9_]+$/;

/** The same pattern the rule compiler uses to collect `rawFields` (src/engine/rule-set.ts). */
const RAW_REFERENCE = /\braw\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** Keys holding data rather than rule configuration; a `raw.X` there is never requested. */
const DATA_KEYS: ReadonlySet<string> = new Set(['tests']);

/**
 * Errors for `raw.<field>` references that a configured platform refuses. `platforms` are the
 * mapping names of the enabled sources (`servicenow`, `jira-cloud`, …); every rule counts, not
 * only rules scoped to ServiceNow, because the connector requests the whole rule set's fields.
 */
export function platformFieldDiagnostics(files: readonly LoadedRulesFile[], platforms: Iterable<string>): Diagnostic[] {
  if (![...platforms].includes('servicenow')) return [];
  const diagnostics: Diagnostic[] = [];
  for (const loaded of files) {
    if (!loaded.ok) continue;
    const read = readTextFile(loaded.file);
    if ('diagnostic' in read) continue;
    const { source } = parseYamlSource(loaded.file, read.text);
    for (const rule of seqItems(mapValue(source.doc.contents, 'rules'))) scan(source, rule, diagnostics);
  }
  return diagnostics;
}

function scan(source: YamlSource, node: unknown, out: Diagnostic[]): void {
  if (isSeq(node)) {
    for (const item of node.items) scan(source, item, out);
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isScalar(pair.key) && DATA_KEYS.has(String(pair.key.value))) continue;
      scan(source, pair.value, out);
    }
    return;
  }
  if (!isScalar(node) || typeof node.value !== 'string' || !node.value.includes('raw.')) return;
  const text = node.value;
  let offsets: number[] | undefined;
  for (const match of text.matchAll(RAW_REFERENCE)) {
    const field = match[1] ?? '';
    if (SERVICENOW_COLUMN.test(field)) continue;
    offsets ??= scalarValueOffsets(source.text, node, text);
    const at = offsetInScalar(offsets, (match.index ?? 0) + 'raw.'.length);
    out.push(
      diagnosticAtOffset(source, at, 'error', 'bad-field-name', `ServiceNow has no column "${field}": column names are lower-case letters, digits and underscores`, {
        hint: `use the column's name, not its label (e.g. raw.${snakeCase(field)} or a custom raw.u_${snakeCase(field)}); ServiceNow refuses the query, so every pass would fail`,
      }),
    );
  }
}

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
