import type { BatchTicket } from '../engine/batch-plan.js';
import { planEscalationSync, type LinkedChange } from '../engine/escalate/sync.js';
import type { CompiledEscalateRule } from '../engine/escalate/index.js';
import { rulesOfKind, type CompiledRuleSet } from '../engine/rule-set.js';
import type { PlannedAction } from '../model/action.js';
import type { EscalationLink, RecordComment } from '../model/escalation.js';
import type { LifecycleVersion } from '../model/lifecycle-version.js';
import type { Logger } from '../observability/logger.js';
import type { Connector } from '../platforms/types.js';
import type { StateStore } from '../state/types.js';

export interface EscalationSyncDeps {
  sourceId: string;
  connector: Connector;
  store: StateStore;
  logger: Logger;
  /** The platform of a configured source (ticket keys are `platform:source:nativeId`); undefined when it is not configured. */
  platformOf(sourceId: string): string | undefined;
  /** Comments are read from this long before the ticket's previous version (the pass's overlap window). */
  overlapSeconds: number;
}

/**
 * The daemon's side of escalation sync: for the tickets of a page that are one end of an
 * escalation, reads what the engine's `planEscalationSync` needs (the links, the tickets' previous
 * state, the other ends' versions, the comments since the previous version — one request per page
 * on ServiceNow, one per ticket on Jira) and returns its writes, committed with the page.
 */
/** The escalation links of one source, as a page is planned. */
export interface PageLinks {
  /** Links by the native id of this source's end. */
  bySide: ReadonlyMap<string, readonly EscalationLink[]>;
  /** Native ids on this source that are copies: never escalated again. */
  copies: ReadonlySet<string>;
}

export class EscalationSync {
  constructor(private readonly deps: EscalationSyncDeps) {}

  /**
   * Every link of the source, by the native id of this source's end, read once per page (links are
   * far fewer than tickets, so one read rather than a query per ticket).
   */
  async links(): Promise<PageLinks> {
    const { store, sourceId } = this.deps;
    const bySide = new Map<string, EscalationLink[]>();
    const copies = new Set<string>();
    for (const link of await store.escalations.list({ sourceId })) {
      for (const end of [link.origin, link.copy]) {
        if (end.sourceId !== sourceId) continue;
        const list = bySide.get(end.nativeId) ?? [];
        list.push(link);
        bySide.set(end.nativeId, list);
      }
      if (link.copy.sourceId === sourceId) copies.add(link.copy.nativeId);
    }
    return { bySide, copies };
  }

  async plan(tickets: readonly BatchTicket[], links: PageLinks, ruleSet: CompiledRuleSet, signal: AbortSignal | undefined): Promise<PlannedAction[]> {
    const rules = escalateRules(ruleSet);
    const { store, connector, sourceId, logger } = this.deps;
    const { bySide } = links;
    if (bySide.size === 0) return [];
    const linked: { entry: BatchTicket; link: EscalationLink }[] = [];
    for (const entry of tickets) for (const link of bySide.get(entry.ticket.source.nativeId) ?? []) linked.push({ entry, link });
    if (linked.length === 0) return [];
    const keys = new Set<string>();
    const otherKeyOf = new Map<EscalationLink, string>();
    for (const { entry, link } of linked) {
      const other = isOrigin(link, sourceId, entry.ticket.source.nativeId) ? link.copy : link.origin;
      const platform = this.deps.platformOf(other.sourceId);
      const otherKey = `${platform ?? 'unknown'}:${other.sourceId}:${other.nativeId}`;
      otherKeyOf.set(link, otherKey);
      keys.add(otherKey).add(entry.ticket.key);
    }
    const known = await store.getTickets([...keys]);
    // Comments since each ticket's previous version, less the overlap window, by the platform's own
    // clock (the version's update time); a ticket never pulled before (a new copy) from its start.
    // Comments read again in the overlap plan nothing new: a mirrored comment's id is the comment's.
    let since: string | undefined;
    let fromStart = false;
    for (const { entry } of linked) {
      const previous = known.get(entry.ticket.key)?.updatedAt;
      if (!previous) fromStart = true;
      else {
        const from = new Date(Date.parse(previous) - this.deps.overlapSeconds * 1000).toISOString();
        if (since === undefined || from < since) since = from;
      }
    }
    if (fromStart) since = undefined;
    const ids = [...new Set(linked.map(({ entry }) => entry.ticket.source.nativeId))];
    const comments = connector.readComments ? await connector.readComments(ids, since, signal) : new Map<string, RecordComment[]>();
    // The priority each original had when last pulled (the state keeps every version's; this page's are not committed yet).
    const previousPriority = new Map<string, number>();
    for (const { entry, link } of linked) {
      if (!isOrigin(link, sourceId, entry.ticket.source.nativeId) || previousPriority.has(entry.ticket.key)) continue;
      const last = latest(await store.ticketVersions({ key: entry.ticket.key }));
      if (last) previousPriority.set(entry.ticket.key, last.priority);
    }
    const changes: LinkedChange[] = linked.map(({ entry, link }) => {
      const otherKey = otherKeyOf.get(link) ?? '';
      return {
        previousPriority: previousPriority.get(entry.ticket.key),
        ticket: entry.ticket,
        link,
        other: { ticketKey: otherKey, version: known.get(otherKey)?.version, status: known.get(otherKey)?.status },
        previousStatus: known.get(entry.ticket.key)?.status,
        ownWrite: entry.ownWrite,
        comments: comments.get(entry.ticket.source.nativeId) ?? [],
      };
    });
    const plan = await planEscalationSync(changes, rules, sourceId);
    for (const note of plan.notes) logger.info('Escalation sync', { source: sourceId, ticketKey: note.ticketKey, ruleId: note.ruleId, reason: note.reason });
    return plan.actions;
  }
}

function escalateRules(ruleSet: CompiledRuleSet): Map<string, CompiledEscalateRule> {
  return new Map(rulesOfKind(ruleSet, 'escalate').map((compiled) => [compiled.rule.id, compiled]));
}

/** The most recently updated of a ticket's kept versions. */
function latest(versions: readonly LifecycleVersion[]): LifecycleVersion | undefined {
  let newest: LifecycleVersion | undefined;
  for (const v of versions) if (!newest || v.updatedAt > newest.updatedAt) newest = v;
  return newest;
}

function isOrigin(link: EscalationLink, sourceId: string, nativeId: string): boolean {
  return link.origin.sourceId === sourceId && link.origin.nativeId === nativeId;
}
