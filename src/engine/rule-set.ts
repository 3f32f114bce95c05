import { createHash } from 'node:crypto';
import type { Rule, RoutingRule } from '../model/rule.js';
import { compileExpression, type CompiledExpression } from '../mapping/expression.js';
import { compileTemplate, type CompiledTemplate } from '../mapping/template.js';

export interface CompiledRoutingRule {
  kind: 'routing';
  rule: RoutingRule;
  when: CompiledExpression;
  note: CompiledTemplate | undefined;
}

export type CompiledRule = CompiledRoutingRule;

/** Every enabled rule, compiled once, in file order; `hash` identifies the exact set for audit and reload. */
export interface CompiledRuleSet {
  rules: readonly CompiledRule[];
  hash: string;
  /** Root fields of the canonical ticket's `raw` the rules read (`raw.u_custom` → `u_custom`). */
  rawFields: ReadonlySet<string>;
}

export function compileRuleSet(rules: readonly Rule[]): CompiledRuleSet {
  const compiled: CompiledRule[] = [];
  const rawFields = new Set<string>();
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const when = compileExpression(rule.when);
    collectRawFields(rule.when, rawFields);
    if (rule.note) collectRawFields(rule.note.template, rawFields);
    compiled.push({ kind: 'routing', rule, when, note: rule.note ? compileTemplate(rule.note.template) : undefined });
  }
  const hash = createHash('sha256').update(JSON.stringify(rules)).digest('hex');
  return { rules: compiled, hash, rawFields };
}

/** Rules reach custom native fields through `raw.<field>`; the connector must ask for them. */
function collectRawFields(source: string, into: Set<string>): void {
  for (const match of source.matchAll(/\braw\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (match[1]) into.add(match[1]);
  }
}
