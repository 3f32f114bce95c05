import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../../src/config/load-rules.js';
import { MemoryHistoryStore } from '../../../src/engine/memory-history.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import { explainTicket, formatExplanation, withStateWrites, type Explanation } from '../../../src/explain/explain.js';
import type { PriorWrite, StateWrites } from '../../../src/explain/prior-writes.js';
import { buildTestTicket, DEFAULT_TEST_SOURCE } from '../../../src/model/test-ticket.js';
import type { Ticket } from '../../../src/model/ticket.js';

/**
 * `explain` after a dry run (issue 20, point 6): the engine only knows a dedup rule's mark and says
 * "already acted on this ticket"; explain tells apart what a dry run planned (nothing written) from
 * what was written, with each write's status.
 */
const NOW = new Date('2026-11-23T12:00:00Z');
const RULES = `
rules:
  - id: likely-duplicates
    kind: dedup
    when: status = "new"
    lookBack: { days: 30 }
    suggest: { threshold: 0.3, limit: 3 }
  - id: strict-duplicates
    kind: dedup
    when: status = "new"
    lookBack: { days: 30 }
    suggest: { threshold: 0.9, limit: 3 }
  - id: to-desk
    kind: routing
    when: $not($exists(group))
    assign: { group: Service Desk }
`;
const dir = mkdtempSync(join(tmpdir(), 'deskbridge-explain-prior-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'rules.yaml'), RULES);
const ruleSet = compileRuleSet(loadRules([join(dir, 'rules.yaml')]).rules);

function ticket(): Ticket {
  const built = buildTestTicket({ title: 'Outlook crashes opening PDF attachments', status: 'new', createdAt: '2026-11-23T08:00:00Z', updatedAt: NOW.toISOString() }, DEFAULT_TEST_SOURCE);
  if (!built.ok) throw new Error('test ticket does not parse');
  return built.ticket;
}

/** explainTicket on a state where `ruleId` has marked the ticket as suggested (what a pass that acted leaves behind). */
async function explainActedOn(ruleId: string): Promise<Explanation> {
  const t = ticket();
  const history = new MemoryHistoryStore();
  history.apply({ marks: [{ ruleId, key: t.key, mark: 'suggested', plan: undefined }], duplicates: [], patternEvents: [], problems: [], members: [] });
  return explainTicket(t, ruleSet, new MemoryState({ history }), DEFAULT_TEST_SOURCE, NOW);
}

const NOTE = 'deskbridge: this may describe the same issue as\n1. T-1 "Outlook crashes"';

function write(partial: Partial<PriorWrite> & Pick<PriorWrite, 'id' | 'ruleId'>): PriorWrite {
  return {
    target: ticket().source.number,
    action: { type: 'comment', visibility: 'internal', body: NOTE },
    status: 'done',
    outcome: undefined,
    error: undefined,
    attempts: 0,
    nextAttemptAt: NOW.toISOString(),
    ...partial,
  };
}

const dryRun = (writes: PriorWrite[]): StateWrites => ({ mode: 'dry-run', path: '/var/lib/deskbridge/state.dry-run.db', writes });
const live = (writes: PriorWrite[]): StateWrites => ({ mode: 'live', path: '/var/lib/deskbridge/state.db', writes });

describe('explain: planned in a dry run, or written', () => {
  it('the engine says a marked rule "already acted on this ticket" (the words explain rewords)', async () => {
    const explanation = await explainActedOn('likely-duplicates');
    expect(explanation.rules.map((r) => [r.ruleId, r.outcome, r.reason])).toEqual([
      ['likely-duplicates', 'not-applicable', 'already acted on this ticket'],
      ['strict-duplicates', 'not-applicable', 'rule likely-duplicates already acted on this ticket'],
      ['to-desk', 'matched', expect.any(String)],
    ]);
  });

  it('judged on a dry run state: "planned in a dry run (nothing was written)", never "already acted"', async () => {
    const explanation = withStateWrites(await explainActedOn('likely-duplicates'), dryRun([write({ id: 'w1', ruleId: 'likely-duplicates', outcome: 'dry-run' })]));
    const [dedup, strict] = explanation.rules;

    expect(dedup).toMatchObject({
      reason: 'planned in a dry run (nothing was written): work note: deskbridge: this may describe the same issue as',
      traceReason: 'already acted on this ticket',
      prior: { as: 'planned-in-dry-run', by: 'likely-duplicates', writes: [{ id: 'w1', state: 'not sent (dry run)', written: false }] },
    });
    // The rule that stood back names the one whose plan it was.
    expect(strict).toMatchObject({
      reason: 'planned in a dry run (nothing was written): work note: deskbridge: this may describe the same issue as (by rule likely-duplicates)',
      prior: { as: 'planned-in-dry-run', by: 'likely-duplicates' },
    });
    expect(explanation.state).toEqual({ mode: 'dry-run', path: '/var/lib/deskbridge/state.dry-run.db', writes: [expect.objectContaining({ id: 'w1', ruleId: 'likely-duplicates' })] });

    const text = formatExplanation(explanation).join('\n');
    expect(text).not.toContain('already acted');
    expect(text).toMatch(/– likely-duplicates\s+not-applicable: planned in a dry run \(nothing was written\): work note: /);
    expect(text).toContain("Judged on the dry run's state (/var/lib/deskbridge/state.dry-run.db): what it planned was never written.");
    expect(text).toContain('The dry run planned 1 write(s) for this ticket; none was sent.');
  });

  it('a dry run mark whose writes are gone still says nothing was written', async () => {
    const explanation = withStateWrites(await explainActedOn('likely-duplicates'), dryRun([]));
    expect(explanation.rules[0]?.reason).toBe('acted on this ticket in a dry run (nothing was written)');
    expect(explanation.rules[1]?.reason).toBe('acted on this ticket in a dry run (nothing was written) (by rule likely-duplicates)');
    // Live, a mark without writes keeps the engine's words and says the outbox has none.
    expect(withStateWrites(await explainActedOn('likely-duplicates'), live([])).rules[0]?.reason).toBe('already acted on this ticket (the outbox holds none of its writes)');
  });

  it('judged on the live state: "written", with what became of each write', async () => {
    const explanation = withStateWrites(
      await explainActedOn('likely-duplicates'),
      live([
        write({ id: 'w1', ruleId: 'likely-duplicates', outcome: 'created', attempts: 1 }),
        write({ id: 'w2', ruleId: 'to-desk', action: { type: 'assign', group: 'Service Desk' }, status: 'pending', attempts: 2, error: 'HTTP 503', nextAttemptAt: '2026-11-23T12:05:00Z' }),
        write({ id: 'w3', ruleId: 'to-desk', action: { type: 'assign', group: 'Service Desk' }, status: 'dead', attempts: 6, error: 'HTTP 403: no write access' }),
        write({ id: 'w4', ruleId: 'to-desk', action: { type: 'assign', group: 'Service Desk' }, outcome: 'skipped', error: 'group Service Desk does not exist' }),
        write({ id: 'w5', ruleId: 'to-desk', action: { type: 'assign', group: 'Service Desk' }, outcome: 'unchanged' }),
      ]),
    );
    const [dedup, , desk] = explanation.rules;

    expect(dedup).toMatchObject({
      reason: 'written: work note: deskbridge: this may describe the same issue as — sent (created)',
      prior: { as: 'written', writes: [{ status: 'done', outcome: 'created', state: 'sent (created)', written: true }] },
    });
    expect(desk?.prior?.writes.map((w) => [w.id, w.written])).toEqual([
      ['w2', false],
      ['w3', false],
      ['w4', false],
      ['w5', false],
    ]);
    const text = formatExplanation(explanation).join('\n');
    expect(text).toContain(
      [
        '    not written yet: assign to Service Desk — pending: attempt 2 failed (HTTP 503), next at 2026-11-23T12:05:00Z',
        '    not written: assign to Service Desk — dead: HTTP 403: no write access',
        '    not written: assign to Service Desk — skipped: group Service Desk does not exist',
        '    not written: assign to Service Desk — not needed: the ticket already was as planned',
      ].join('\n'),
    );
    expect(text).not.toContain('dry run');
  });

  it('a live explanation mentions what a dry run planned for the ticket, and a write to another ticket says which', async () => {
    const explanation = withStateWrites(
      await explainActedOn('likely-duplicates'),
      live([write({ id: 'w1', ruleId: 'likely-duplicates', outcome: 'created' })]),
      dryRun([write({ id: 'd1', ruleId: 'likely-duplicates', outcome: 'dry-run' }), write({ id: 'd2', ruleId: 'likely-duplicates', target: 'T-1', outcome: 'dry-run' })]),
    );

    expect(explanation.dryRun).toEqual({
      path: '/var/lib/deskbridge/state.dry-run.db',
      writes: [
        expect.objectContaining({ id: 'd1', state: 'not sent (dry run)' }),
        expect.objectContaining({ id: 'd2', summary: 'on T-1: work note: deskbridge: this may describe the same issue as' }),
      ],
    });
    const text = formatExplanation(explanation).join('\n');
    expect(text).toContain(
      [
        'A dry run (/var/lib/deskbridge/state.dry-run.db) also planned 2 write(s) for this ticket, never sent:',
        '  likely-duplicates: work note: deskbridge: this may describe the same issue as',
        '  likely-duplicates: on T-1: work note: deskbridge: this may describe the same issue as',
      ].join('\n'),
    );
  });

  it('without a state file nothing is added', async () => {
    const explanation = await explainActedOn('likely-duplicates');
    expect(withStateWrites(explanation, undefined)).toEqual(explanation);
    expect(withStateWrites(explanation, undefined, dryRun([]))).toEqual(explanation);
  });
});
