import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { planBatch } from '../../../src/engine/plan-batch.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { takeSnapshot } from '../../../src/engine/snapshot.js';
import { RoutingRule } from '../../../src/engine/routing/schema.js';
import { SlaRule } from '../../../src/engine/sla/schema.js';
import { type Rule } from '../../../src/engine/kinds.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { makeTicket } from '../../helpers/tickets.js';

const SOURCE = 'snow-test';
const NOW = new Date('2026-11-23T12:00:00Z');

const routing = RoutingRule.parse({ id: 'network', kind: 'routing', when: 'category = "network"', assign: { group: 'Network', strategy: 'round-robin', members: ['Ana', 'Ben'] } });
const sla = SlaRule.parse({
  id: 'p1-sla',
  kind: 'sla',
  when: 'priority = 1',
  targets: [{ priority: 1, response: { minutes: 15 }, resolution: { hours: 4 } }],
  escalations: [{ id: 'response-late', at: { percent: 100, of: 'response' }, note: { template: 'Nobody picked it up.' } }],
});

async function plan(state: MemoryState, rules: Rule[], tickets: { ticket: Ticket; ownWrite?: boolean }[], actFrom?: string) {
  const snapshot = await takeSnapshot(
    state,
    SOURCE,
    tickets.map((t) => t.ticket.key),
    { otherLoads: false },
  );
  return planBatch({ tickets: tickets.map((t) => ({ ticket: t.ticket, ownWrite: t.ownWrite ?? false })), ruleSet: compileRuleSet(rules), context: { sourceId: SOURCE, now: NOW, actFrom } }, snapshot);
}

describe('planBatch', () => {
  it('runs only the SLA clock for deskbridge’s own write: no routing, counted as an own write', async () => {
    const ticket = makeTicket({ id: 'o1', category: 'network', priority: 1, createdAt: '2026-11-23T08:00:00Z', updatedAt: '2026-11-23T11:00:00Z' });
    const result = await plan(new MemoryState(), [routing, sla], [{ ticket, ownWrite: true }]);

    expect(result.ownWrites).toBe(1);
    expect(result.evaluated).toBe(0);
    expect(result.actions.map((a) => a.ruleId)).toEqual(['p1-sla']);
    expect(result.actions[0]?.plan?.startsWith(`${ticket.key}@${ticket.version}/sla`)).toBe(true);
    expect(result.events).toEqual([]);
    expect(result.routedByGroup).toEqual({});
  });

  it('learns from a history version without acting on it, and reports what it would have done', async () => {
    const ticket = makeTicket({ id: 'h1', category: 'network', createdAt: '2026-10-01T08:00:00Z', updatedAt: '2026-10-01T08:00:00Z' });
    const result = await plan(new MemoryState(), [routing], [{ ticket }], '2026-11-01T00:00:00Z');

    expect(result.actions).toEqual([]);
    expect(result.evaluated).toBe(0);
    expect(result.roundRobin.size).toBe(0);
    expect(result.historyReport).toMatchObject({ tickets: 1, wouldHave: { routing: { tickets: 1, writes: 1 } } });
    // Its row keeps the group and person the platform says.
    expect(result.tickets[0]).toMatchObject({ key: ticket.key, group: undefined, assignee: undefined });
  });

  it('reflects a planned assignment in the ticket-state row, and the next batch sees the load and the rotation', async () => {
    const state = new MemoryState();
    const first = makeTicket({ id: 'n1', category: 'network', createdAt: '2026-11-23T11:00:00Z', updatedAt: '2026-11-23T11:00:00Z' });
    const result = await plan(state, [routing], [{ ticket: first }]);

    expect(result.evaluated).toBe(1);
    expect(result.routedByGroup).toEqual({ Network: 1 });
    expect(result.tickets[0]).toMatchObject({ key: first.key, group: 'Network', assignee: 'Ana', statusSince: first.updatedAt });
    expect(result.events.map((e) => e.ticket?.key)).toEqual([first.key]);
    expect(result.newcomers.map((t) => t.key)).toEqual([first.key]);

    state.commit(SOURCE, result);
    expect(Object.fromEntries(await state.openLoads(SOURCE))).toEqual({ Ana: 1 });
    const second = makeTicket({ id: 'n2', category: 'network', createdAt: '2026-11-23T11:30:00Z', updatedAt: '2026-11-23T11:30:00Z' });
    const next = await plan(state, [routing], [{ ticket: second }]);
    expect(next.tickets[0]).toMatchObject({ group: 'Network', assignee: 'Ben' });
  });
});

describe('engine unit tests need no database', () => {
  it('no test of the engine imports SQLite or the state store', () => {
    const dir = import.meta.dirname;
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      expect(
        imports.filter((i) => i.includes('better-sqlite3') || i.includes('/src/state/')),
        file,
      ).toEqual([]);
    }
  });

  it('the engine’s own modules never import the state store, the daemon or a platform', () => {
    const dir = join(import.meta.dirname, '..', '..', '..', 'src', 'engine');
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      expect(
        imports.filter((i) => /better-sqlite3|\/(state|daemon|platforms|http)\//.test(i)),
        file,
      ).toEqual([]);
    }
  });
});
