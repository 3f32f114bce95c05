import { PlannedAction, planOf } from '../../model/action.js';
import type { Sql } from './pool.js';
import { ruleIds } from '../rows.js';

/** Outcomes of a write that reached the platform (or found it already so). */
const LANDED = new Set(['created', 'updated', 'unchanged']);

interface LaneRow {
  id: string;
  status: string;
  outcome: string | null;
  planned: unknown;
}

/**
 * The PostgreSQL side of RuleMarks (src/state/sqlite/rule-marks.ts, which explains the rules):
 * keeps a ticket's `rules_applied` and `rules_triggered` true to what reached the platform. Every
 * method runs inside the caller's transaction.
 */
export class PostgresRuleMarks {
  /** Entries just dead-lettered: their rules' marks go unless another of their writes lives. */
  async forgetDead(sql: Sql, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const dead = await sql.one<LaneRow & { ticket_key: string; rule_id: string }>('SELECT id, status, outcome, planned, ticket_key, rule_id FROM outbox WHERE id = $1', [id]);
      if (!dead) continue;
      const planned = PlannedAction.parse(dead.planned);
      const lane = await sql.rows<LaneRow>('SELECT id, status, outcome, planned FROM outbox WHERE ticket_key = $1 AND rule_id = $2', [dead.ticket_key, dead.rule_id]);
      const others = lane.filter((row) => row.id !== id && lives(row));
      const plan = planOf(planned);
      const sameTrigger = others.some((row) => planOf(PlannedAction.parse(row.planned)) === plan);
      await this.update(sql, planned.target.ticketKey, (marks) => {
        if (!sameTrigger) marks.triggered.delete(dead.rule_id);
        if (others.length === 0) marks.applied.delete(dead.rule_id);
      });
    }
  }

  /**
   * Writes just planned by a rule that remembers: the rule's earlier dead writes to that ticket are
   * replaced by them. One statement for the whole batch: the dead entries of each action's lane and
   * rule, in the order of the actions and then of the outbox.
   */
  async replacedByNewPlan(sql: Sql, actions: readonly PlannedAction[], appliedOf: (ticketKey: string) => readonly string[] | undefined): Promise<{ id: string; reason: string }[]> {
    const asking = actions.filter((action) => appliedOf(action.target.ticketKey)?.includes(action.ruleId));
    if (asking.length === 0) return [];
    const dead = await sql.rows<{ n: string; id: string }>(
      `SELECT u.n, o.id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u (lane, rule_id, n)
       JOIN outbox AS o ON o.ticket_key = u.lane AND o.rule_id = u.rule_id AND o.status = 'dead' ORDER BY u.n, o.seq`,
      [asking.map((action) => action.lane ?? action.target.ticketKey), asking.map((action) => action.ruleId)],
    );
    const fresh = new Set(actions.map((a) => a.id));
    const replaced = new Map<string, string>();
    for (const { n, id } of dead) {
      const action = asking[Number(n) - 1];
      if (action && !fresh.has(id) && !replaced.has(id))
        replaced.set(id, `replaced by a later write of rule ${action.ruleId} (${action.id.slice(0, 12)}), planned after a new judgement of the ticket: not retried`);
    }
    return [...replaced].map(([id, reason]) => ({ id, reason }));
  }

  /** Entries about to go back to pending (`outbox retry`): their rules count as applied for their trigger again. */
  async restoreRetried(sql: Sql, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const entry = await sql.one<{ ticket_key: string; rule_id: string; planned: unknown }>('SELECT ticket_key, rule_id, planned FROM outbox WHERE id = $1', [id]);
      if (!entry) continue;
      const assigns = await sql.one(`SELECT 1 AS one FROM outbox WHERE ticket_key = $1 AND rule_id = $2 AND action_type = 'assign' LIMIT 1`, [entry.ticket_key, entry.rule_id]);
      if (!assigns) continue;
      const planned = PlannedAction.parse(entry.planned);
      await this.update(sql, planned.target.ticketKey, (marks) => {
        marks.triggered.add(entry.rule_id);
        marks.applied.add(entry.rule_id);
      });
    }
  }

  private async update(sql: Sql, ticketKey: string, change: (marks: { triggered: Set<string>; applied: Set<string> }) => void): Promise<void> {
    const row = await sql.one<{ rules_triggered: unknown; rules_applied: unknown }>('SELECT rules_triggered, rules_applied FROM tickets WHERE key = $1 FOR UPDATE', [ticketKey]);
    if (!row || (row.rules_triggered === null && row.rules_applied === null)) return;
    const marks = { triggered: new Set(ruleIds(row.rules_triggered) ?? []), applied: new Set(ruleIds(row.rules_applied) ?? []) };
    change(marks);
    await sql.run('UPDATE tickets SET rules_triggered = $1::jsonb, rules_applied = $2::jsonb WHERE key = $3', [
      JSON.stringify([...marks.triggered].sort()),
      JSON.stringify([...marks.applied].sort()),
      ticketKey,
    ]);
  }
}

function lives(row: LaneRow): boolean {
  return row.status === 'pending' || (row.status === 'done' && row.outcome !== null && LANDED.has(row.outcome));
}
