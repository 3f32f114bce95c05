import type Database from 'better-sqlite3';
import { PlannedAction, planOf } from '../../model/action.js';

/** Outcomes of a write that reached the platform (or found it already so). */
const LANDED = new Set(['created', 'updated', 'unchanged']);

interface LaneRow {
  id: string;
  status: string;
  outcome: string | null;
  planned: string;
}

/**
 * Keeps a ticket's rule memory (`rules_applied`, `rules_triggered`: what `once` and `override`
 * read) true to what reached the platform. A rule counts as applied while one of its writes to the
 * ticket is on its way or landed: when its writes die in the outbox, it has not applied — a
 * person's next change to the ticket is judged as if the rule never acted — and `outbox retry`
 * puts the marks back with the write, as if it had never died (a retried write the ticket has
 * moved on from is superseded by the connector's check, and the person's change wins as usual).
 * Routing rules, the only ones with this memory, write to the ticket's own lane, so the lane is
 * where their other writes are looked for.
 */
export class RuleMarks {
  private readonly laneOfRule: Database.Statement<[string, string], LaneRow>;
  private readonly entry: Database.Statement<[string], LaneRow & { ticket_key: string; rule_id: string }>;
  private readonly marks: Database.Statement<[string], { rules_triggered: string | null; rules_applied: string | null }>;
  private readonly setMarks: Database.Statement<[string | null, string | null, string]>;
  private readonly deadOfRule: Database.Statement<[string, string], { id: string }>;
  private readonly assignsOfRule: Database.Statement<[string, string], { one: number }>;

  constructor(db: Database.Database) {
    this.laneOfRule = db.prepare('SELECT id, status, outcome, planned FROM outbox WHERE ticket_key = ? AND rule_id = ?');
    this.entry = db.prepare('SELECT id, status, outcome, planned, ticket_key, rule_id FROM outbox WHERE id = ?');
    this.marks = db.prepare('SELECT rules_triggered, rules_applied FROM tickets WHERE key = ?');
    this.setMarks = db.prepare('UPDATE tickets SET rules_triggered = ?, rules_applied = ? WHERE key = ?');
    this.deadOfRule = db.prepare(`SELECT id FROM outbox WHERE ticket_key = ? AND rule_id = ? AND status = 'dead'`);
    this.assignsOfRule = db.prepare(`SELECT 1 AS one FROM outbox WHERE ticket_key = ? AND rule_id = ? AND action_type = 'assign' LIMIT 1`);
  }

  /** Entries just dead-lettered (in the caller's transaction): their rules' marks go unless another of their writes lives. */
  forgetDead(ids: readonly string[]): void {
    for (const id of ids) {
      const dead = this.entry.get(id);
      if (!dead) continue;
      const planned = PlannedAction.parse(JSON.parse(dead.planned));
      const others = this.laneOfRule.all(dead.ticket_key, dead.rule_id).filter((row) => row.id !== id && lives(row));
      const plan = planOf(planned);
      const sameTrigger = others.some((row) => planOf(PlannedAction.parse(JSON.parse(row.planned))) === plan);
      this.update(planned.target.ticketKey, (marks) => {
        // This trigger's write never landed: a new judgement may act on it again.
        if (!sameTrigger) marks.triggered.delete(dead.rule_id);
        // Nothing of the rule reached the ticket, ever: `once` has not been used up.
        if (others.length === 0) marks.applied.delete(dead.rule_id);
      });
    }
  }

  /**
   * Writes just planned (in the caller's transaction) by a rule that remembers (its id in the
   * ticket's `applied`): the rule's earlier dead writes to that ticket are replaced by them, so
   * `outbox retry` can never send the rule's writes twice. Returns the replaced ids with the reason.
   */
  replacedByNewPlan(actions: readonly PlannedAction[], appliedOf: (ticketKey: string) => readonly string[] | undefined): { id: string; reason: string }[] {
    const fresh = new Set(actions.map((a) => a.id));
    const replaced = new Map<string, string>();
    for (const action of actions) {
      if (!appliedOf(action.target.ticketKey)?.includes(action.ruleId)) continue;
      for (const { id } of this.deadOfRule.all(action.lane ?? action.target.ticketKey, action.ruleId)) {
        if (!fresh.has(id) && !replaced.has(id))
          replaced.set(id, `replaced by a later write of rule ${action.ruleId} (${action.id.slice(0, 12)}), planned after a new judgement of the ticket: not retried`);
      }
    }
    return [...replaced].map(([id, reason]) => ({ id, reason }));
  }

  /** Entries about to go back to pending (`outbox retry`): their rules count as applied for their trigger again. */
  restoreRetried(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.entry.get(id);
      // Only routing rules remember (and every routing rule assigns): SLA, QA, dedup and pattern
      // writes keep their own once-marks, and their ids have no business in this memory.
      if (!entry || !this.assignsOfRule.get(entry.ticket_key, entry.rule_id)) continue;
      const planned = PlannedAction.parse(JSON.parse(entry.planned));
      this.update(planned.target.ticketKey, (marks) => {
        marks.triggered.add(entry.rule_id);
        marks.applied.add(entry.rule_id);
      });
    }
  }

  private update(ticketKey: string, change: (marks: { triggered: Set<string>; applied: Set<string> }) => void): void {
    const row = this.marks.get(ticketKey);
    // No row (e.g. a problem's lane) or a row from before rule memory: nothing is remembered to correct.
    if (!row || (row.rules_triggered === null && row.rules_applied === null)) return;
    const marks = { triggered: new Set(ids(row.rules_triggered)), applied: new Set(ids(row.rules_applied)) };
    change(marks);
    this.setMarks.run(JSON.stringify([...marks.triggered].sort()), JSON.stringify([...marks.applied].sort()), ticketKey);
  }
}

/** A write on its way (pending) or that reached the platform. */
function lives(row: LaneRow): boolean {
  return row.status === 'pending' || (row.status === 'done' && row.outcome !== null && LANDED.has(row.outcome));
}

function ids(json: string | null): string[] {
  if (json === null) return [];
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}
