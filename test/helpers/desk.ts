import { BatchState } from '../../src/engine/batch-state.js';
import { evaluateTicket, finishBatch, planActions, planBatchActions } from '../../src/engine/index.js';
import { compileRuleSet } from '../../src/engine/rule-set.js';
import type { PlannedAction } from '../../src/model/action.js';
import type { Rule } from '../../src/engine/kinds.js';
import type { Ticket } from '../../src/model/ticket.js';
import { silentLogger } from '../../src/observability/logger.js';
import { drainOutbox, type DrainSummary } from '../../src/outbox/executor.js';
import type { ActionWriter } from '../../src/outbox/writer.js';
import { openSqliteStore } from '../../src/state/sqlite/store.js';
import type { OutboxStatus, StateStore } from '../../src/state/types.js';

/**
 * The engine, a real state store (in-memory SQLite unless given one) and the real outbox executor,
 * batch by batch the way the sync loop drives them (index, evaluate with the previous status,
 * summarise, commit), with a writer the test decides for. For rules of plans and lanes, without a platform.
 */
export class Desk {
  private rules: ReturnType<typeof compileRuleSet>;
  /** The rules' clock; default each ticket's own updatedAt. */
  private now: Date | undefined;

  constructor(
    rules: Rule[],
    readonly sourceId = 'snow-test',
    readonly store: StateStore = openSqliteStore(':memory:'),
  ) {
    this.rules = compileRuleSet(rules);
  }

  setNow(now: Date): void {
    this.now = now;
  }

  setRules(rules: Rule[]): void {
    this.rules = compileRuleSet(rules);
  }

  async batch(tickets: Ticket[]): Promise<PlannedAction[]> {
    const state = new BatchState(new Map(), new Map(), this.store.history, { committedOnly: true });
    const known = await this.store.getTickets(tickets.map((t) => t.key));
    const actions: PlannedAction[] = [];
    for (const ticket of tickets) {
      await state.history.index(ticket);
      state.history.beginPlan(`${ticket.key}@${ticket.version}`);
      const evaluation = await evaluateTicket(ticket, this.rules, state, { sourceId: this.sourceId, now: this.now ?? new Date(ticket.updatedAt), previousStatus: known.get(ticket.key)?.status });
      actions.push(...planActions(ticket, evaluation.decisions, this.sourceId));
    }
    state.history.beginPlan(undefined);
    actions.push(...planBatchActions(await finishBatch(this.rules, state), this.sourceId));
    await this.store.commitBatch({
      sourceId: this.sourceId,
      watermark: undefined,
      ledger: [],
      roundRobin: new Map(),
      actions,
      quarantine: [],
      tickets: tickets.map((t) => ({
        key: t.key,
        sourceId: this.sourceId,
        nativeId: t.source.nativeId,
        number: t.source.number,
        version: t.version,
        status: t.status,
        group: t.group,
        assignee: t.assignee,
        updatedAt: t.updatedAt,
      })),
      history: state.history.changes,
    });
    return actions;
  }

  drain(write: ActionWriter['write'], maxAttempts = 3): Promise<DrainSummary> {
    const writer: ActionWriter = { dryRun: false, write: (entry) => write(entry) };
    return drainOutbox({ store: this.store, sourceId: this.sourceId, writer, logger: silentLogger, concurrency: 4, maxAttempts });
  }

  /** Outbox entries in order: action type, target number, status, outcome. */
  async outbox(): Promise<{ type: string; on: string; status: OutboxStatus; outcome: string | undefined }[]> {
    const entries = await this.store.outbox.list({ limit: 10_000 });
    return entries.sort((a, b) => a.seq - b.seq).map((e) => ({ type: e.planned.action.type, on: e.planned.target.number, status: e.status, outcome: e.outcome }));
  }
}
