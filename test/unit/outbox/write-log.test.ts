import { describe, expect, it } from 'vitest';
import { dryRunSummary } from '../../../src/daemon/daemon.js';
import type { PassResult } from '../../../src/daemon/sync-loop.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { drainOutbox } from '../../../src/outbox/executor.js';
import { createDryRunWriter, type ActionWriter } from '../../../src/outbox/writer.js';
import type { WriteOutcome } from '../../../src/platforms/types.js';
import { openSqliteStore } from '../../../src/state/sqlite/store.js';
import { captureLogger } from '../../helpers/log-capture.js';

const NOW = new Date('2026-12-05T09:00:00Z');
const NOTE = 'Routed to Service Desk.\nSecond line of the note.';

function planned(id: string, ticket: string, action: PlannedAction['action']): PlannedAction {
  return { id, sourceId: 's', ruleId: `rule-${id}`, target: { ticketKey: ticket, nativeId: ticket, number: `INC-${ticket}`, version: '1' }, action, explanation: '' };
}

async function drain(writer: ActionWriter, actions: PlannedAction[]) {
  const store = openSqliteStore(':memory:', () => NOW);
  await store.commitBatch({ sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] });
  const { logger, lines } = captureLogger(['hunter2-secret'], 'info');
  const summary = await drainOutbox({ store, sourceId: 's', writer: writer.dryRun ? createDryRunWriter(logger) : writer, logger, concurrency: 2, maxAttempts: 3, now: () => NOW });
  await store.close();
  return { summary, logged: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const actions = [
  planned('a1', 't1', { type: 'assign', group: 'Service Desk' }),
  planned('a2', 't1', { type: 'comment', visibility: 'internal', body: NOTE }),
  planned('b1', 't2', { type: 'assign', group: 'Network' }),
  planned('c1', 't3', { type: 'set-field', field: 'u_token', value: 'hunter2-secret' }),
];

function scripted(outcomes: Record<string, WriteOutcome>): ActionWriter {
  return { dryRun: false, write: async (entry) => ({ outcome: outcomes[entry.id] ?? 'updated', ref: entry.planned.target.nativeId }) };
}

describe('one log line per write', () => {
  it('logs each real write at info with ticket, rule, action type and outcome, secrets redacted', async () => {
    const { summary, logged } = await drain(scripted({ a2: 'created', b1: 'superseded', c1: 'unchanged' }), actions);

    expect(summary).toMatchObject({ sent: 2, wouldSend: 0, superseded: 1, unchanged: 1 });
    const perWrite = logged.filter((l) => 'outcome' in l);
    expect(perWrite.map((l) => [l['ticket'], l['ruleId'], l['action'], l['outcome']]).sort()).toEqual([
      ['INC-t1', 'rule-a1', 'assign', 'sent'],
      ['INC-t1', 'rule-a2', 'comment', 'sent'],
      ['INC-t2', 'rule-b1', 'assign', 'superseded'],
      ['INC-t3', 'rule-c1', 'set-field', 'unchanged'],
    ]);
    expect(perWrite.every((l) => l['level'] === 'info')).toBe(true);
    expect(JSON.stringify(logged)).not.toContain('hunter2-secret');
  });

  it('in a dry run, logs each planned write as not sent, with the whole note, and counts wouldSend, not sent', async () => {
    const { summary, logged } = await drain({ dryRun: true, write: async () => ({ outcome: 'dry-run', ref: undefined }) }, actions);

    expect(summary).toMatchObject({ sent: 0, wouldSend: 4 });
    expect(logged.filter((l) => l['message'] === 'Write sent')).toEqual([]);
    const wouldWrite = logged.filter((l) => l['message'] === 'DRY-RUN: would write');
    expect(wouldWrite).toHaveLength(4);
    expect(wouldWrite.every((l) => l['outcome'] === 'not sent (dry run)')).toBe(true);
    expect(wouldWrite.find((l) => l['action'] === 'comment')).toMatchObject({ ticket: 'INC-t1', ruleId: 'rule-a2', text: NOTE });
  });

  it('logs a dead-lettered write and each write held with it', async () => {
    const refusing: ActionWriter = {
      dryRun: false,
      write: async (entry) => {
        if (entry.id === 'a1') throw new Error('Data Policy Exception');
        return { outcome: 'updated', ref: 'x' };
      },
    };

    // The routing note builds on the assignment of the same rule: it dies with it.
    const { logged } = await drain(
      refusing,
      actions.slice(0, 2).map((a) => ({ ...a, ruleId: 'route' })),
    );

    const dead = logged.filter((l) => l['outcome'] === 'dead');
    expect(dead.map((l) => [l['level'], l['ticket'], l['outbox']])).toEqual([
      ['error', 'INC-t1', 'a1'],
      ['error', 'INC-t1', 'a2'],
    ]);
  });
});

describe('dry-run pass summary', () => {
  it('says what would be sent and carries no sent count', () => {
    const result = { sourceId: 's', dryRun: true, planned: 9, written: { sent: 0, wouldSend: 9, unchanged: 0, superseded: 0, failed: 0, dead: 0 } } as Pick<
      PassResult,
      'sourceId' | 'dryRun' | 'planned' | 'written'
    >;

    const summary = dryRunSummary(result as PassResult);

    expect(summary['written']).toEqual({ wouldSend: 9, unchanged: 0, superseded: 0, failed: 0, dead: 0 });
  });
});
