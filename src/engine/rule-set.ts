import { createHash } from 'node:crypto';
import type { DedupRule, PatternRule, QaRule, Rule, RoutingRule, SlaRule } from '../model/rule.js';
import { compileExpression, type CompiledExpression } from '../mapping/expression.js';
import { compileTemplate, type CompiledTemplate } from '../mapping/template.js';

export interface CompiledRoutingRule {
  kind: 'routing';
  rule: RoutingRule;
  when: CompiledExpression;
  note: CompiledTemplate | undefined;
  skills: CompiledExpression | undefined;
}

export interface CompiledDedupRule {
  kind: 'dedup';
  rule: DedupRule;
  when: CompiledExpression;
}

export interface CompiledPatternRule {
  kind: 'pattern';
  rule: PatternRule;
  when: CompiledExpression;
  groupBy: CompiledExpression[];
  title: CompiledTemplate;
  description: CompiledTemplate;
}

export interface CompiledQaRule {
  kind: 'qa';
  rule: QaRule;
  when: CompiledExpression;
  checks: { id: string; assert: CompiledExpression; message: CompiledTemplate; severity: QaRule['checks'][number]['severity'] }[];
  failNote: CompiledTemplate | undefined;
  sampleNote: CompiledTemplate | undefined;
  task: { title: CompiledTemplate; description: CompiledTemplate } | undefined;
}

export interface CompiledSlaRule {
  kind: 'sla';
  rule: SlaRule;
  when: CompiledExpression;
  /** Note templates by step index (undefined where a step has no note). */
  notes: (CompiledTemplate | undefined)[];
}

export type CompiledRule = CompiledRoutingRule | CompiledDedupRule | CompiledPatternRule | CompiledQaRule | CompiledSlaRule;

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
    switch (rule.kind) {
      case 'routing':
        if (rule.note) collectRawFields(rule.note.template, rawFields);
        compiled.push({
          kind: 'routing',
          rule,
          when,
          note: rule.note ? compileTemplate(rule.note.template) : undefined,
          skills: rule.assign.skills ? compileExpression(rule.assign.skills) : undefined,
        });
        break;
      case 'dedup':
        compiled.push({ kind: 'dedup', rule, when });
        break;
      case 'pattern':
        for (const expression of rule.groupBy) collectRawFields(expression, rawFields);
        compiled.push({
          kind: 'pattern',
          rule,
          when,
          groupBy: rule.groupBy.map((expression) => compileExpression(expression)),
          title: compileTemplate(rule.problem.title),
          description: compileTemplate(rule.problem.description),
        });
        break;
      case 'sla':
        for (const step of rule.escalations) if (step.note) collectRawFields(step.note.template, rawFields);
        compiled.push({ kind: 'sla', rule, when, notes: rule.escalations.map((step) => (step.note ? compileTemplate(step.note.template) : undefined)) });
        break;
      case 'qa': {
        for (const check of rule.checks) collectRawFields(check.assert, rawFields);
        const failNote = rule.onFail?.note;
        const sampleNote = rule.onSample?.note;
        compiled.push({
          kind: 'qa',
          rule,
          when,
          checks: rule.checks.map((c) => ({ id: c.id, assert: compileExpression(c.assert), message: compileTemplate(c.message), severity: c.severity })),
          failNote: failNote !== undefined && failNote !== true ? compileTemplate(failNote.template) : undefined,
          sampleNote: sampleNote !== undefined && sampleNote !== true ? compileTemplate(sampleNote.template) : undefined,
          task: rule.onFail?.task ? { title: compileTemplate(rule.onFail.task.title), description: compileTemplate(rule.onFail.task.description) } : undefined,
        });
        break;
      }
    }
  }
  const hash = createHash('sha256').update(JSON.stringify(rules)).digest('hex');
  return { rules: compiled, hash, rawFields };
}

/** Rules of one kind, in file order; computed once per rule set (it is asked for every ticket). */
const BY_KIND = new WeakMap<CompiledRuleSet, Map<string, readonly CompiledRule[]>>();

export function rulesOfKind<K extends CompiledRule['kind']>(ruleSet: CompiledRuleSet, kind: K): readonly Extract<CompiledRule, { kind: K }>[] {
  let byKind = BY_KIND.get(ruleSet);
  if (!byKind) {
    byKind = new Map();
    for (const rule of ruleSet.rules) byKind.set(rule.kind, [...(byKind.get(rule.kind) ?? []), rule]);
    BY_KIND.set(ruleSet, byKind);
  }
  return (byKind.get(kind) ?? []) as readonly Extract<CompiledRule, { kind: K }>[];
}

/** Rules reach custom native fields through `raw.<field>`; the connector must ask for them. */
function collectRawFields(source: string, into: Set<string>): void {
  for (const match of source.matchAll(/\braw\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (match[1]) into.add(match[1]);
  }
}
