import type { EscalationLink } from '../model/escalation.js';
import type { CurrentRecord, WriteResult } from '../platforms/types.js';
import { PlatformError } from '../http/errors.js';
import type { OutboxEntry } from '../state/types.js';
import type { ActionWriter } from './writer.js';

export interface EscalationRoutes {
  /** The writer of the source a copy is opened on, writing on behalf of this source; undefined when no such source is configured. */
  writerFor(sourceId: string): ActionWriter | undefined;
  /** The copy deskbridge recorded for a correlation key (see `EscalationLinks`). */
  link(correlationKey: string): Promise<EscalationLink | undefined>;
}

/**
 * A source's writer that also carries its escalations: an `escalate` write goes to the target
 * source's writer (the copy lives there); an `announce-escalation` becomes an internal comment on
 * the original ticket naming the copy recorded for it. Everything else goes to `own` unchanged.
 */
export function withEscalations(own: ActionWriter, sourceId: string, routes: EscalationRoutes): ActionWriter {
  const writeGroup = own.writeGroup?.bind(own);
  return {
    ...own,
    ...(writeGroup
      ? {
          // The writes of one plan to the linked ticket (a resolution's fields) go as one request there too,
          // through that source's writer; a group mixing this source's and another's is sent one by one.
          writeGroup: async (entries: readonly OutboxEntry[], signal?: AbortSignal, current?: CurrentRecord) => {
            const vias = new Set(entries.map((e) => (e.planned.via === undefined || e.planned.via === sourceId ? sourceId : e.planned.via)));
            if (vias.size > 1) return undefined;
            const [via] = vias;
            if (via === sourceId || via === undefined) return writeGroup(entries, signal, current);
            const other = routes.writerFor(via);
            if (!other?.writeGroup) return undefined;
            const first = entries[0];
            if (!first) return undefined;
            const { entry, current: now } = await asOfNow(first, other, signal);
            const version = entry.planned.target.version;
            return other.writeGroup(
              entries.map((e) => ({ ...e, planned: { ...e.planned, target: { ...e.planned.target, version } } })),
              signal,
              now,
            );
          },
        }
      : {}),
    async write(entry, signal, current) {
      const { action } = entry.planned;
      if (action.type === 'escalate') {
        const target = routes.writerFor(action.to);
        if (!target)
          throw refused(sourceId, `Escalation target "${action.to}" is not a configured source`, `Add source ${action.to} to the config or change the rule's to:, then deskbridge outbox retry`);
        return target.write(entry, signal);
      }
      const via = entry.planned.via;
      if (via !== undefined && via !== sourceId) {
        const other = routes.writerFor(via);
        if (!other) throw refused(sourceId, `The linked ticket's source "${via}" is not a configured, enabled, live source`, `Enable source ${via} (or leave dry-run), then deskbridge outbox retry`);
        const { entry: now, current } = await asOfNow(entry, other, signal);
        return other.write(now, signal, current);
      }
      if (action.type === 'announce-escalation') {
        const link = await routes.link(action.correlationKey);
        // Same lane, after the escalate write: when it is done the link is recorded in the same transaction.
        if (!link) throw refused(sourceId, `No copy is recorded for escalation ${action.correlationKey}`, 'Retry the escalate write of this ticket first (deskbridge outbox list --status dead)');
        return own.write(announcement(entry, link), signal, current);
      }
      return own.write(entry, signal, current);
    },
  };
}

/**
 * A field written to the linked ticket mirrors a change a person made on this side, so the newest
 * change wins: it is checked against the linked ticket as read just before the write, not as
 * deskbridge last pulled it (a developer's unrelated edit to the copy since must not cancel it,
 * and nothing would plan it again). Comments carry no version check and go as they are.
 */
async function asOfNow(entry: OutboxEntry, other: ActionWriter, signal: AbortSignal | undefined): Promise<{ entry: OutboxEntry; current?: CurrentRecord }> {
  const { planned } = entry;
  if (planned.action.type !== 'set-field' && planned.action.type !== 'assign') return { entry };
  const current = (await other.readVersions?.([planned.target.nativeId], signal))?.get(planned.target.nativeId);
  // The read serves the connector's own check too (no second read).
  return current ? { entry: { ...entry, planned: { ...planned, target: { ...planned.target, version: current.version } } }, current } : { entry };
}

/** The announce entry as the comment it is sent as: its text, then the copy's number and link. */
export function announcement(entry: OutboxEntry, link: EscalationLink): OutboxEntry {
  const { action } = entry.planned;
  if (action.type !== 'announce-escalation') return entry;
  const copy = `${link.copy.number}${link.copy.url ? ` — ${link.copy.url}` : ''}`;
  return { ...entry, planned: { ...entry.planned, action: { type: 'comment', visibility: 'internal', body: `${action.body}\nCopy: ${copy}` } } };
}

/** What the `escalate` write's result records as the link (with the `markDone` that settles it). */
export function linkOf(entry: OutboxEntry, result: WriteResult, at: Date): EscalationLink | undefined {
  const { action, target } = entry.planned;
  if (action.type !== 'escalate' || !result.created) return undefined;
  return {
    correlationKey: action.correlationKey,
    ruleId: entry.ruleId,
    origin: { sourceId: entry.sourceId, nativeId: target.nativeId, number: target.number, ...(action.origin.url ? { url: action.origin.url } : {}) },
    copy: { sourceId: action.to, nativeId: result.ref, number: result.created.number, ...(result.created.url ? { url: result.created.url } : {}) },
    createdAt: at.toISOString(),
  };
}

function refused(sourceId: string, message: string, hint: string): PlatformError {
  return new PlatformError(`${message} (source ${sourceId})`, { platform: 'deskbridge', sourceId, code: 'bad-request', retryable: false, hint });
}
