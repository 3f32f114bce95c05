import { describe, expect, it } from 'vitest';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket, finishBatch } from '../../../src/engine/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import type { Decision } from '../../../src/engine/types.js';
import { PatternRule } from '../../../src/engine/patterns/schema.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { makeTicket } from '../../helpers/tickets.js';

/** A pattern rule's links never replace a problem link a person set, unless the rule says `problem.overwrite`. */
const rule = (problem: Record<string, unknown> = {}) =>
  PatternRule.parse({
    id: 'by-ci',
    kind: 'pattern',
    when: "kind = 'incident'",
    groupBy: ['ci'],
    window: { hours: 24 },
    baseline: { days: 28 },
    trigger: { minCount: 3, factor: 3, maxPValue: 0.01, absoluteCount: 3 },
    problem: { title: 'Recurring incidents on {{ key }}', description: '{{ count }} incidents', ...problem },
  });

async function links(r: PatternRule): Promise<Decision['action'][]> {
  const store = new MemoryState();
  const ruleSet = compileRuleSet([r]);
  const state = new BatchState(new Map(), new Map(), store.history);
  const decisions: Decision[] = [];
  for (const hour of ['08', '09', '10']) {
    const at = `2026-11-20T${hour}:00:00Z`;
    const ticket = makeTicket({ id: `t${hour}`, createdAt: at, updatedAt: at, title: 'Mail server down', ci: 'mail-01' });
    decisions.push(...(await evaluateTicket(ticket, ruleSet, state, { sourceId: 'snow-test', now: new Date(at) })).decisions);
  }
  decisions.push(...(await finishBatch(ruleSet, state)));
  return decisions.map((d) => d.action).filter((a) => a.type === 'link-problem');
}

describe('pattern rule links and links a person set', () => {
  it('plans links that leave an existing problem link alone by default (no overwrite in the action)', async () => {
    const planned = await links(rule());
    expect(planned).toHaveLength(3);
    for (const action of planned) expect(action).not.toHaveProperty('overwrite');
  });

  it('asks the connector to replace an existing link only when the rule says problem.overwrite: true', async () => {
    const planned = await links(rule({ overwrite: true }));
    expect(planned).toHaveLength(3);
    for (const action of planned) expect(action).toMatchObject({ type: 'link-problem', overwrite: true });
  });
});
