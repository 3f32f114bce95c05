import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryHistoryStore } from '../../../src/engine/memory-history.js';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateSlaOnly, evaluateTicket, finishBatch, needsProblemStates, needsSimilarityIndex, needsSlaSweep } from '../../../src/engine/index.js';
import { RULE_KINDS, Rule, ruleSchemaOf } from '../../../src/engine/kinds.js';
import { defineRuleKind, type CompiledRuleCommon } from '../../../src/engine/rule-kind.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { routingKind } from '../../../src/engine/routing/index.js';
import { compileTemplate, type CompiledTemplate } from '../../../src/mapping/template.js';
import { EvaluationCancelledError } from '../../../src/mapping/expression.js';
import { runCancellable } from '../../../src/mapping/limits.js';
import { RuleBase } from '../../../src/model/rule.js';
import { makeTicket } from '../../helpers/tickets.js';

/**
 * A kind that exists only in this file: it tags matching tickets with a field. Everything a new
 * kind needs is here — schema, compile, evaluate, needs — and a registry listing it; no other file
 * of the engine knows about it.
 */
const TagRule = z.strictObject({ ...RuleBase, kind: z.literal('tag'), field: z.string().min(1), value: z.string().min(1) });
type TagRule = z.infer<typeof TagRule>;

interface CompiledTagRule extends CompiledRuleCommon<TagRule> {
  value: CompiledTemplate;
}

const tagKind = defineRuleKind<typeof TagRule, CompiledTagRule>({
  kind: 'tag',
  schema: TagRule,
  needs: { clock: true },
  compile(rule, tools) {
    tools.readsTicket(rule.value);
    return { value: compileTemplate(rule.value) };
  },
  notApplicable: (ticket) => (ticket.status === 'closed' ? 'closed tickets are not tagged' : undefined),
  async evaluate(compiled, run) {
    const value = await compiled.value.render(run.ticket);
    run.outcome.decisions.push({ ruleId: compiled.rule.id, action: { type: 'set-field', field: compiled.rule.field, value }, explanation: `Tagged by ${compiled.rule.id}` });
    run.outcome.dueAt = '2026-12-01T00:00:00.000Z';
    run.trace('matched', `tagged ${value}`);
  },
  async finishBatch(rules) {
    return rules.map((r) => ({ ruleId: r.rule.id, action: { type: 'comment', visibility: 'internal', body: 'batch done' }, explanation: 'summary' }));
  },
});

const REGISTRY = [routingKind, tagKind];
const RULES_FILE = z.strictObject({ rules: z.array(ruleSchemaOf(REGISTRY)) });
const context = { sourceId: 'snow-test', now: new Date('2026-11-23T10:00:00Z') };

function state(): BatchState {
  return new BatchState(new Map(), new Map(), new MemoryHistoryStore());
}

function ruleSet(rules: unknown[]) {
  return compileRuleSet(RULES_FILE.parse({ rules }).rules, REGISTRY);
}

describe('rule kinds as handlers', () => {
  it('a kind registered in a test registry is parsed, compiled and judged in registry order', async () => {
    const rules = ruleSet([
      { id: 'tag-vpn', kind: 'tag', when: 'category = "network"', field: 'u_topic', value: '{{ raw.u_site }}-vpn' },
      { id: 'route', kind: 'routing', when: 'true', assign: { group: 'Network' } },
    ]);
    expect(rules.rawFields).toEqual(new Set(['u_site']));

    const evaluation = await evaluateTicket(makeTicket({ category: 'network', raw: { u_site: 'berlin' } }), rules, state(), context);

    // Routing is listed first, so it judges first whatever the file order.
    expect(evaluation.decisions.map((d) => d.action)).toEqual([
      { type: 'assign', group: 'Network' },
      { type: 'set-field', field: 'u_topic', value: 'berlin-vpn' },
    ]);
    expect(evaluation.trace).toEqual([
      { ruleId: 'route', kind: 'routing', outcome: 'matched', reason: 'assign to Network (group Network, no person)' },
      { ruleId: 'tag-vpn', kind: 'tag', outcome: 'matched', reason: 'tagged berlin-vpn' },
    ]);
    expect(evaluation.slaDueAt).toBe('2026-12-01T00:00:00.000Z');
  });

  it('the shared wrapper gives the new kind scope, not-applicable, when and error traces', async () => {
    const rules = ruleSet([
      { id: 'elsewhere', kind: 'tag', when: 'true', field: 'f', value: 'v', scope: { sources: ['jira-1'] } },
      { id: 'false', kind: 'tag', when: 'priority = 1', field: 'f', value: 'v' },
      { id: 'broken', kind: 'tag', when: '$error("boom")', field: 'f', value: 'v' },
      { id: 'off', kind: 'tag', enabled: false, when: 'true', field: 'f', value: 'v' },
    ]);
    expect(rules.rules.map((r) => r.rule.id)).toEqual(['elsewhere', 'false', 'broken']);

    const open = await evaluateTicket(makeTicket({ priority: 3 }), rules, state(), context);
    expect(open.decisions).toEqual([]);
    expect(open.trace).toEqual([
      { ruleId: 'elsewhere', kind: 'tag', outcome: 'not-applicable', reason: 'scoped to jira-1' },
      { ruleId: 'false', kind: 'tag', outcome: 'no-match', reason: 'when is false: priority = 1' },
      { ruleId: 'broken', kind: 'tag', outcome: 'error', reason: 'when failed: boom' },
    ]);

    const closed = await evaluateTicket(makeTicket({ status: 'closed' }), rules, state(), context);
    expect(closed.trace.map((t) => [t.ruleId, t.outcome, t.reason])).toEqual([
      ['elsewhere', 'not-applicable', 'scoped to jira-1'],
      ['false', 'not-applicable', 'closed tickets are not tagged'],
      ['broken', 'not-applicable', 'closed tickets are not tagged'],
    ]);
  });

  it('a rule judged while the daemon stops fails the whole evaluation instead of being traced as an error', async () => {
    const rules = ruleSet([{ id: 'tag', kind: 'tag', when: 'true', field: 'f', value: 'v' }]);
    const stopping = new AbortController();
    stopping.abort();
    await expect(runCancellable(stopping.signal, () => evaluateTicket(makeTicket(), rules, state(), context))).rejects.toBeInstanceOf(EvaluationCancelledError);
  });

  it('the engine answers what the rules need from the kinds, without naming any', async () => {
    const tagged = ruleSet([{ id: 'tag', kind: 'tag', when: 'true', field: 'f', value: 'v' }]);
    const routed = ruleSet([{ id: 'route', kind: 'routing', when: 'true', assign: { group: 'Network' } }]);
    expect([needsSlaSweep(tagged), needsSlaSweep(routed)]).toEqual([true, false]);
    expect([needsSimilarityIndex(tagged), needsProblemStates(tagged)]).toEqual([false, false]);

    // The clock-driven pass judges only the kinds that act on the clock.
    const both = ruleSet([
      { id: 'route', kind: 'routing', when: 'true', assign: { group: 'Network' } },
      { id: 'tag', kind: 'tag', when: 'true', field: 'f', value: 'v' },
    ]);
    const sweep = await evaluateSlaOnly(makeTicket(), both, state(), context);
    expect(sweep.trace.map((t) => t.ruleId)).toEqual(['tag']);
    expect((await finishBatch(both, state())).map((d) => d.action)).toEqual([{ type: 'comment', visibility: 'internal', body: 'batch done' }]);
  });

  it('a rule of a kind the registry does not list is refused with the kinds it knows', () => {
    expect(() => compileRuleSet([{ id: 'x', kind: 'tag', enabled: true, when: 'true' }], [routingKind])).toThrow('Rule x has kind "tag", which is not a rule kind (known: routing)');
  });

  it('the rules file union is the registry: routing, dedup, pattern, qa, escalate, sla, in that order', () => {
    expect(RULE_KINDS.map((k) => k.kind)).toEqual(['routing', 'dedup', 'pattern', 'qa', 'escalate', 'sla']);
    expect(Rule.options.map((o) => o.shape.kind.value)).toEqual(['routing', 'dedup', 'pattern', 'qa', 'escalate', 'sla']);
  });
});
