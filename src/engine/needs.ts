import type { CompiledRuleSet } from './rule-set.js';

/**
 * What a rule set needs beyond judging the tickets a pull brings, so the caller asks the
 * questions without knowing rule kinds (see also `needsSimilarityIndex`).
 */

/** Some rule runs on the clock: open tickets nobody touched are judged again when a step falls due. */
export function needsSlaSweep(ruleSet: CompiledRuleSet): boolean {
  return ruleSet.rules.some((r) => r.kind === 'sla');
}

/** Some rule opens problems: whether people closed them on the platform must be known before a pass. */
export function needsProblemStates(ruleSet: CompiledRuleSet): boolean {
  return ruleSet.rules.some((r) => r.kind === 'pattern');
}
