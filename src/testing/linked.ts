import { escalationKey, type CompiledEscalateRule } from '../engine/escalate/index.js';
import { planEscalationSync, type LinkedChange } from '../engine/escalate/sync.js';
import { rulesOfKind, type CompiledRuleSet } from '../engine/rule-set.js';
import type { Decision } from '../engine/types.js';
import type { EscalationEnd, EscalationLink, RecordComment } from '../model/escalation.js';
import type { LinkedEscalation } from '../model/rule-test.js';
import type { Ticket } from '../model/ticket.js';
import type { TestTraceEntry } from './report.js';

/** The ticket key a test gives the other end of an escalation (test tickets' keys are `test:<source>:<nativeId>`). */
export function otherTicketKey(linked: LinkedEscalation): string {
  return `test:${linked.other.source}:${linked.other.nativeId ?? linked.other.number}`;
}

/**
 * The change escalation sync sees when the daemon pulls the test's ticket and it is one end of an
 * escalation: the link as the daemon recorded it when the copy was made, the other end (pulled
 * before or not), the ticket's previous status and its comments since. Times are normalised the
 * way the connectors give them (`toISOString`), so "before the escalation" compares instants.
 */
export function linkedChange(linked: LinkedEscalation, ticket: Ticket): LinkedChange {
  const self: EscalationEnd = { sourceId: ticket.source.instance, nativeId: ticket.source.nativeId, number: ticket.source.number, ...(ticket.source.url ? { url: ticket.source.url } : {}) };
  const other: EscalationEnd = { sourceId: linked.other.source, nativeId: linked.other.nativeId ?? linked.other.number, number: linked.other.number };
  const original = linked.as === 'original';
  const link: EscalationLink = {
    // The escalate kind keys the escalation by the rule and the original's ticket key.
    correlationKey: escalationKey(linked.rule, original ? ticket.key : otherTicketKey(linked)),
    ruleId: linked.rule,
    origin: original ? self : other,
    copy: original ? other : self,
    createdAt: utc(linked.escalatedAt ?? ticket.createdAt),
  };
  const comments: RecordComment[] = linked.comments.map((comment, i) => ({
    id: `C${i + 1}`,
    nativeId: ticket.source.nativeId,
    author: comment.author,
    createdAt: utc(comment.at ?? ticket.updatedAt),
    body: comment.body,
    visibility: comment.visibility,
    own: comment.own,
  }));
  return {
    ticket,
    link,
    // A version the daemon would have stored when it last pulled the other end; none when it never did.
    other: { ticketKey: otherTicketKey(linked), version: linked.other.pulled ? '1' : undefined, status: linked.other.pulled ? (linked.other.status ?? 'open') : undefined },
    // Unset: the status did not change since deskbridge saw the ticket.
    previousStatus: linked.previousStatus ?? ticket.status,
    ownWrite: linked.ownWrite,
    comments,
  };
}

/**
 * Escalation sync of the test's ticket, as the daemon plans it after the rules (same page, same
 * commit): its writes to the other end as decisions targeting that ticket, and what sync decided
 * or left as trace lines.
 */
export async function planLinked(linked: LinkedEscalation, ticket: Ticket, ruleSet: CompiledRuleSet, sourceId: string): Promise<{ decisions: Decision[]; trace: TestTraceEntry[] }> {
  const rules = new Map<string, CompiledEscalateRule>(rulesOfKind(ruleSet, 'escalate').map((compiled) => [compiled.rule.id, compiled]));
  const plan = await planEscalationSync([linkedChange(linked, ticket)], rules, sourceId);
  return {
    decisions: plan.actions.map((action) => ({ ruleId: action.ruleId, action: action.action, explanation: action.explanation, target: action.target })),
    trace: plan.notes.map((note) => ({ rule: note.ruleId, outcome: 'escalation-sync', reason: note.reason.replace(/\s+/g, ' ').trim() })),
  };
}

function utc(iso: string): string {
  return new Date(iso).toISOString();
}
