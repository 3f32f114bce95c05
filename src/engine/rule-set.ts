import { createHash } from 'node:crypto';
import type { CompiledDedupRule } from './dedup/index.js';
import { kindNamed, RULE_KINDS, type Rule } from './kinds.js';
import type { CompiledPatternRule } from './patterns/index.js';
import type { CompiledEscalateRule } from './escalate/index.js';
import type { CompiledQaRule } from './qa/index.js';
import type { CompiledRoutingRule } from './routing/index.js';
import type { CompiledRuleCommon, RuleCommon, RuleKind } from './rule-kind.js';
import type { CompiledSlaRule } from './sla/index.js';

export type { CompiledDedupRule, CompiledPatternRule, CompiledQaRule, CompiledRoutingRule, CompiledSlaRule };

export type CompiledRule = CompiledRoutingRule | CompiledDedupRule | CompiledPatternRule | CompiledQaRule | CompiledEscalateRule | CompiledSlaRule;

/** Every enabled rule, compiled once, in file order; `hash` identifies the exact set for audit and reload. */
export interface CompiledRuleSet {
  rules: readonly CompiledRule[];
  hash: string;
  /** Root fields of the canonical ticket's `raw` the rules read (`raw.u_custom` → `u_custom`). */
  rawFields: ReadonlySet<string>;
  /** The kinds the rules were compiled by, in the order a ticket is judged by them. */
  kinds: readonly RuleKind[];
}

/** Compiles the enabled rules by their kind's handler (the registry in kinds.ts, or a test's own). */
export function compileRuleSet(rules: readonly Rule[]): CompiledRuleSet;
export function compileRuleSet(rules: readonly RuleCommon[], kinds: readonly RuleKind[]): CompiledRuleSet;
export function compileRuleSet(rules: readonly RuleCommon[], kinds: readonly RuleKind[] = RULE_KINDS): CompiledRuleSet {
  const compiled: CompiledRuleCommon[] = [];
  const rawFields = new Set<string>();
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const kind = kindNamed(kinds, rule.kind);
    // The schema only lets registered kinds through; a rule built by hand may still name another.
    if (!kind) throw new Error(`Rule ${rule.id} has kind "${rule.kind}", which is not a rule kind (known: ${kinds.map((k) => k.kind).join(', ')})`);
    compiled.push(kind.compile(rule, rawFields));
  }
  const hash = createHash('sha256').update(JSON.stringify(rules)).digest('hex');
  // Each rule was compiled by the handler of its kind; for the built-in registry that is `CompiledRule`.
  return { rules: compiled as CompiledRule[], hash, rawFields, kinds };
}

/** Rules of one kind, in file order; computed once per rule set (it is asked for every ticket). */
const BY_KIND = new WeakMap<CompiledRuleSet, Map<string, readonly CompiledRuleCommon[]>>();

/** Rules of a kind by its name, whatever the registry (the engine's loops use this). */
export function rulesNamed(ruleSet: CompiledRuleSet, kind: string): readonly CompiledRuleCommon[] {
  let byKind = BY_KIND.get(ruleSet);
  if (!byKind) {
    byKind = new Map();
    for (const rule of ruleSet.rules as readonly CompiledRuleCommon[]) byKind.set(rule.kind, [...(byKind.get(rule.kind) ?? []), rule]);
    BY_KIND.set(ruleSet, byKind);
  }
  return byKind.get(kind) ?? [];
}

export function rulesOfKind<K extends CompiledRule['kind']>(ruleSet: CompiledRuleSet, kind: K): readonly Extract<CompiledRule, { kind: K }>[] {
  return rulesNamed(ruleSet, kind) as readonly Extract<CompiledRule, { kind: K }>[];
}
