import { createHash } from 'node:crypto';
import { EvaluationCancelledError } from '../../mapping/expression.js';
import type { CompiledTemplate } from '../../mapping/template.js';
import type { Action, ActionTarget, PlannedAction } from '../../model/action.js';
import type { EscalationEnd, EscalationLink, RecordComment } from '../../model/escalation.js';
import type { Ticket, TicketStatus } from '../../model/ticket.js';
import type { CommentShare } from './schema.js';
import type { CompiledEscalateRule } from './index.js';

/** One ticket of this pass that is one end of an escalation, with what sync needs to know about it. */
export interface LinkedChange {
  /** The ticket as pulled now, on this pass's source. */
  ticket: Ticket;
  link: EscalationLink;
  /**
   * The other end's ticket key, and its version and status as last pulled (undefined: never
   * pulled; fields are then not set on it).
   */
  other: { ticketKey: string; version: string | undefined; status?: TicketStatus | undefined };
  /** The ticket's status when deskbridge last saw it (undefined: first sight). */
  previousStatus: TicketStatus | undefined;
  /** Its priority when deskbridge last saw it (undefined: first sight, or not kept). */
  previousPriority?: number | undefined;
  /** This version is deskbridge's own write (kept for the rule tests' trace; sync decides by the other end's state, not by who edited last). */
  ownWrite: boolean;
  /** The ticket's comments since it was last seen (see `Connector.readComments`), oldest first. */
  comments: readonly RecordComment[];
}

export interface SyncPlan {
  actions: PlannedAction[];
  /** What was decided or left, per ticket, for logs and explain. */
  notes: { ticketKey: string; ruleId: string; reason: string }[];
}

const DONE: ReadonlySet<TicketStatus> = new Set(['resolved', 'closed', 'cancelled']);
/** A note deskbridge wrote carries its marker ("[deskbridge:…]" on ServiceNow, "(deskbridge:…)" on Jira): never mirrored, whoever's name is on it. */
const MARKER = /[[(]deskbridge:[0-9a-f]{8,}[\])]/;

/**
 * Plans what keeps an escalated ticket and its copy in step, from one side's change: its new
 * comments (those the rule shares, never deskbridge's own) copied to the other side, the original's
 * priority to the copy, and — when this side became done and the other is not done yet — the
 * other side told (and, if the rule says, its fields set). Each write goes to the other side's ticket (`via`), from this source's outbox, with
 * an id that depends on what it mirrors only (the comment's id, the resolution time), so seeing
 * the same comment again in a later pass plans nothing new.
 */
export async function planEscalationSync(changes: readonly LinkedChange[], rules: ReadonlyMap<string, CompiledEscalateRule>, sourceId: string): Promise<SyncPlan> {
  const plan: SyncPlan = { actions: [], notes: [] };
  for (const change of changes) {
    const { link, ticket } = change;
    const compiled = rules.get(link.ruleId);
    if (!compiled) {
      plan.notes.push({ ticketKey: ticket.key, ruleId: link.ruleId, reason: `rule ${link.ruleId} is no longer loaded: the escalation is not kept in step` });
      continue;
    }
    const side = ticket.source.instance === link.origin.sourceId && ticket.source.nativeId === link.origin.nativeId ? 'original' : 'copy';
    const otherEnd: EscalationEnd = side === 'original' ? link.copy : link.origin;
    const thisEnd: EscalationEnd = side === 'original' ? link.origin : link.copy;
    const target: ActionTarget = { ticketKey: change.other.ticketKey, nativeId: otherEnd.nativeId, number: otherEnd.number, version: change.other.version ?? '' };
    const make = (kind: string, discriminator: string, action: Action, explanation: string): PlannedAction => {
      const id = createHash('sha256')
        .update(JSON.stringify(['escalation-sync', link.correlationKey, side, kind, discriminator, action.type, 'field' in action ? action.field : '']))
        .digest('hex')
        .slice(0, 32);
      return { id, sourceId, ruleId: link.ruleId, target, action, explanation, via: otherEnd.sourceId, plan: `escalation:${link.correlationKey}:${kind}:${discriminator}` };
    };
    const bindings = { original: link.origin, copy: link.copy, rule: { id: compiled.rule.id, description: compiled.rule.description ?? '' } };
    const { comments: share } = compiled.rule.sync;
    const policy = side === 'original' ? share.fromOriginal : share.fromCopy;
    const visibility = side === 'original' ? share.toCopy : share.toOriginal;
    for (const comment of change.comments) {
      if (!shared(comment, policy, share.tag)) continue;
      const body = await render(
        compiled.sync.mirror,
        ticket,
        { ...bindings, comment: { author: comment.author, at: readableTime(comment.createdAt), body: comment.body }, from: thisEnd },
        plan,
        ticket.key,
        link.ruleId,
      );
      if (body === undefined) continue;
      plan.actions.push(make('comment', comment.id, { type: 'comment', visibility, body }, `Escalation ${link.ruleId}: ${comment.author}'s comment on ${thisEnd.number} copied to ${otherEnd.number}`));
    }
    const reprioritised = side === 'original' && change.previousPriority !== undefined && change.previousPriority !== ticket.priority;
    // Whoever changed it (a person, or an SLA step of deskbridge's raising the urgency): the copy
    // follows. Nothing flows back from the copy's priority, so this cannot echo.
    if (reprioritised && compiled.rule.sync.priority === 'toCopy') {
      if (change.other.version === undefined) {
        plan.notes.push({ ticketKey: ticket.key, ruleId: link.ruleId, reason: `${otherEnd.number} was never pulled by deskbridge: its priority is not set` });
      } else {
        plan.actions.push(
          make(
            'priority',
            ticket.version,
            { type: 'set-field', field: 'priority', value: ticket.priority },
            `Escalation ${link.ruleId}: ${thisEnd.number} is now priority ${ticket.priority}, so is ${otherEnd.number}`,
          ),
        );
      }
    }
    const becameDone = DONE.has(ticket.status) && (change.previousStatus === undefined || !DONE.has(change.previousStatus));
    // Not "who made the last edit": deskbridge may have posted a mirrored comment after a person
    // resolved this side, and that resolution must still travel. Telling an end that is done
    // already is what would echo (the original deskbridge resolved because its copy was).
    const otherDone = change.other.status !== undefined && DONE.has(change.other.status);
    if (becameDone && otherDone) {
      plan.notes.push({
        ticketKey: ticket.key,
        ruleId: link.ruleId,
        reason: `${thisEnd.number} is ${ticket.status}, and ${otherEnd.number} is ${change.other.status ?? 'done'} already: nothing to tell it`,
      });
    } else if (becameDone) {
      const spec = side === 'copy' ? compiled.sync.copyResolved : compiled.sync.originalClosed;
      const event = side === 'copy' ? 'copy-done' : 'original-done';
      // Resolved again after a reopen is a new event; the same resolution seen again is not.
      const when = ticket.resolvedAt ?? ticket.updatedAt;
      const body = await render(spec.body, ticket, bindings, plan, ticket.key, link.ruleId);
      if (body !== undefined) plan.actions.push(make(event, when, { type: 'comment', visibility: 'internal', body }, `Escalation ${link.ruleId}: ${thisEnd.number} is ${ticket.status}`));
      // A copy cancelled ("won't do") tells the original in the note, but does not resolve it.
      if (side === 'copy' && ticket.status === 'cancelled') {
        if (spec.set.length > 0) plan.notes.push({ ticketKey: ticket.key, ruleId: link.ruleId, reason: `${thisEnd.number} was cancelled: ${otherEnd.number} is told, not resolved` });
      } else if (spec.set.length > 0 && change.other.version === undefined) {
        plan.notes.push({ ticketKey: ticket.key, ruleId: link.ruleId, reason: `${otherEnd.number} was never pulled by deskbridge: its fields are not set (only the note is sent)` });
      } else {
        for (const [field, template] of spec.set) {
          const value = await render(template, ticket, bindings, plan, ticket.key, link.ruleId);
          if (value === undefined) continue;
          plan.actions.push(make(event, when, { type: 'set-field', field, value }, `Escalation ${link.ruleId}: ${thisEnd.number} is ${ticket.status}, so ${otherEnd.number} gets ${field}`));
        }
      }
    }
  }
  return plan;
}

/**
 * Whether a comment is one the rule shares: never deskbridge's own (by author or by marker).
 * Which comments are read at all is decided by the platform's clock (see EscalationSync), not
 * compared with deskbridge's: the two clocks differ, and a comment stamped a second before the
 * link was recorded may well have been written after it.
 */
export function shared(comment: RecordComment, policy: CommentShare, tag: string): boolean {
  if (comment.own || MARKER.test(comment.body)) return false;
  switch (policy) {
    case 'none':
      return false;
    case 'all':
      return true;
    case 'public':
    case 'internal':
      return comment.visibility === policy;
    case 'tagged':
      return comment.body.toLowerCase().includes(tag.toLowerCase());
  }
}

/** "2026-12-07 14:03 UTC": how a mirrored comment says when it was written. */
function readableTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

async function render(template: CompiledTemplate, ticket: Ticket, bindings: Record<string, unknown>, plan: SyncPlan, ticketKey: string, ruleId: string): Promise<string | undefined> {
  try {
    const text = (await template.render(ticket, bindings)).trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if (error instanceof EvaluationCancelledError) throw error;
    plan.notes.push({ ticketKey, ruleId, reason: `template failed: ${error instanceof Error ? error.message : String(error)}` });
    return undefined;
  }
}
