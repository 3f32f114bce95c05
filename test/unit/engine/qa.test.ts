import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../../../src/config/load-rules.js';
import { BatchState } from '../../../src/engine/batch-state.js';
import { evaluateTicket } from '../../../src/engine/index.js';
import { inSample } from '../../../src/engine/qa/index.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import type { Evaluation } from '../../../src/engine/types.js';
import type { Ticket, TicketStatus } from '../../../src/model/ticket.js';
import { MemoryState } from '../../../src/engine/memory-state.js';
import { makeTicket } from '../../helpers/tickets.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const shipped = compileRuleSet(loadRules([join(REPO, 'rules', 'qa.yaml')]).rules);

/** A resolution every shipped check passes. */
function good(extra: Partial<Ticket> = {}): Ticket {
  return makeTicket({
    id: 'q1',
    status: 'resolved',
    category: 'Network',
    resolution: { code: 'Solved (Permanently)', notes: 'Replaced the faulty access point on floor 4 and re-enabled the SSID.' },
    reassignmentCount: 1,
    reopenCount: 0,
    slaBreached: false,
    publicUpdates: 2,
    ...extra,
  });
}

async function judge(ticket: Ticket, previousStatus?: TicketStatus, store: MemoryState = new MemoryState()): Promise<Evaluation> {
  const state = new BatchState(new Map(), new Map(), store.history);
  const evaluation = await evaluateTicket(ticket, shipped, state, { sourceId: 'snow-test', now: new Date('2026-11-23T10:00:00Z'), previousStatus });
  store.history.apply(state.history.changes);
  return evaluation;
}

function failedChecks(evaluation: Evaluation): string[] {
  return evaluation.verdicts.flatMap((v) => v.checks.filter((c) => !c.passed).map((c) => c.id));
}

describe('shipped QA checks (rules/qa.yaml)', () => {
  it('passes a complete resolution on every check', async () => {
    const evaluation = await judge(good());
    expect(evaluation.verdicts).toHaveLength(1);
    expect(evaluation.verdicts[0]?.passed).toBe(true);
    expect(evaluation.verdicts[0]?.checks.map((c) => c.id)).toEqual([
      'notes-present',
      'notes-long-enough',
      'notes-not-boilerplate',
      'close-code-set',
      'category-set',
      'few-reassignments',
      'not-reopened',
      'sla-met',
      'customer-updated',
    ]);
  });

  it.each([
    ['notes-present', { resolution: { code: 'Solved', notes: '   ' } }],
    ['notes-long-enough', { resolution: { code: 'Solved', notes: 'Rebooted the router.' } }],
    ['notes-not-boilerplate', { resolution: { code: 'Solved', notes: 'Fixed the issue.' } }],
    ['notes-not-boilerplate', { resolution: { code: 'Solved', notes: 'done' } }],
    ['close-code-set', { resolution: { notes: 'Replaced the faulty access point on floor 4 and re-enabled the SSID.' } }],
    ['category-set', { category: undefined }],
    ['few-reassignments', { reassignmentCount: 4 }],
    ['not-reopened', { reopenCount: 2 }],
    ['sla-met', { slaBreached: true }],
    ['customer-updated', { publicUpdates: 0 }],
  ] as const)('fails %s when the ticket shows it', async (check, extra) => {
    const failed = failedChecks(await judge(good(extra)));
    expect(failed).toContain(check);
  });

  it('lets warnings through (reopened, reassigned, SLA missed) but logs them', async () => {
    const evaluation = await judge(good({ reopenCount: 1, reassignmentCount: 5, slaBreached: true }));
    expect(evaluation.verdicts[0]?.passed).toBe(true);
    expect(failedChecks(evaluation)).toEqual(['few-reassignments', 'not-reopened', 'sla-met']);
    expect(evaluation.decisions).toEqual([]);
  });

  it('passes checks whose fact the platform does not report (SLA, public updates, reassignments, reopens)', async () => {
    const { slaBreached: _s, publicUpdates: _p, reassignmentCount: _r, reopenCount: _o, ...rest } = good();
    const evaluation = await judge(rest);
    expect(failedChecks(evaluation)).toEqual([]);
  });

  it('writes one internal note listing every failed error check', async () => {
    const evaluation = await judge(good({ resolution: { notes: 'Fixed.' }, publicUpdates: 0 }));
    expect(evaluation.decisions).toHaveLength(1);
    const action = evaluation.decisions[0]?.action;
    expect(action).toMatchObject({ type: 'comment', visibility: 'internal' });
    const body = action?.type === 'comment' ? action.body : '';
    expect(body).toContain('too short');
    expect(body).toContain('boilerplate');
    expect(body).toContain('No close code');
    expect(body).toContain('customer-visible');
  });
});

describe('when QA runs', () => {
  it('checks a ticket entering resolved, not again when it moves on to closed', async () => {
    const store = new MemoryState();
    expect((await judge(good({ version: '3' }), 'in_progress', store)).verdicts).toHaveLength(1);
    expect((await judge(good({ version: '4', status: 'closed' }), 'resolved', store)).verdicts).toHaveLength(0);
  });

  it('checks the same version only once, and a reopened ticket resolved again once more', async () => {
    const store = new MemoryState();
    expect((await judge(good({ version: '3' }), 'open', store)).verdicts).toHaveLength(1);
    expect((await judge(good({ version: '3' }), 'open', store)).verdicts).toHaveLength(0);
    expect((await judge(good({ version: '5', status: 'open' }), 'resolved', store)).verdicts).toHaveLength(0);
    expect((await judge(good({ version: '6' }), 'open', store)).verdicts).toHaveLength(1);
  });

  it('checks a ticket first seen already resolved (it entered before the daemon looked)', async () => {
    expect((await judge(good(), undefined)).verdicts).toHaveLength(1);
  });

  it('does not check open tickets', async () => {
    expect((await judge(good({ status: 'in_progress' }), 'new')).verdicts).toHaveLength(0);
  });
});

describe('sampling for manual review', () => {
  it('picks the same tickets every time, about the configured share of them', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `servicenow:snow-prod:${i.toString(16).padStart(32, '0')}`);
    const picked = keys.filter((k) => inSample('resolution-quality', k, 5));
    expect(picked.length / keys.length).toBeGreaterThan(0.045);
    expect(picked.length / keys.length).toBeLessThan(0.055);
    expect(keys.filter((k) => inSample('resolution-quality', k, 5))).toEqual(picked);
    expect(keys.filter((k) => inSample('resolution-quality', k, 0))).toEqual([]);
    expect(keys.filter((k) => inSample('resolution-quality', k, 100))).toHaveLength(keys.length);
  });

  it('marks a sampled verdict and writes the sample note', async () => {
    let key = 0;
    while (!inSample('resolution-quality', `servicenow:snow-test:s${key}`, 5)) key++;
    const evaluation = await judge(good({ key: `servicenow:snow-test:s${key}` }));
    expect(evaluation.verdicts[0]?.sampled).toBe(true);
    expect(evaluation.decisions.map((d) => d.action)).toEqual([expect.objectContaining({ type: 'comment', body: expect.stringContaining('manual review') })]);
  });
});

describe('QA on history and between polls', () => {
  it('logs a verdict but writes nothing for a ticket resolved long ago (a first sync of old tickets)', async () => {
    const old = good({ resolution: { notes: 'fixed' }, resolvedAt: '2021-01-05T10:00:00Z', updatedAt: '2021-01-05T10:00:00Z', createdAt: '2021-01-04T10:00:00Z' });
    const evaluation = await judge(old, undefined);
    expect(evaluation.verdicts).toHaveLength(1);
    expect(evaluation.verdicts[0]?.passed).toBe(false);
    expect(evaluation.decisions).toEqual([]);
    expect(evaluation.trace[0]?.reason).toContain('too long ago to write back');
  });

  it('checks again a ticket reopened and resolved again between two passes (its resolution time moved)', async () => {
    const store = new MemoryState();
    const state = (extra: Partial<Ticket>) => good({ resolvedAt: '2026-11-21T10:00:00Z', ...extra });
    expect((await judge(state({ version: '3' }), 'open', store)).verdicts).toHaveLength(1);
    const again = state({ version: '6', resolvedAt: '2026-11-22T16:00:00Z', reopenCount: 1 });
    const stateWithPrevious = new BatchState(new Map(), new Map(), store.history);
    const evaluation = await evaluateTicket(again, shipped, stateWithPrevious, {
      sourceId: 'snow-test',
      now: new Date('2026-11-23T10:00:00Z'),
      previousStatus: 'resolved',
      previousResolvedAt: '2026-11-21T10:00:00Z',
    });
    expect(evaluation.verdicts).toHaveLength(1);
    expect(evaluation.verdicts[0]?.version).toBe('6');
  });
});
