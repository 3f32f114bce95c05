import { createHash } from 'node:crypto';
import type { DaemonConfig, Source } from '../config/schema.js';
import { AuditTrail } from '../daemon/audit-trail.js';
import { StateLock } from '../daemon/state-lock.js';
import type { PlatformMappings } from '../mapping/mapper.js';
import type { PlannedAction } from '../model/action.js';
import type { Logger } from '../observability/logger.js';
import { drainOutbox } from '../outbox/executor.js';
import { createConnectorWriter } from '../outbox/writer.js';
import type { Connector } from '../platforms/types.js';
import { liveStateOf, openState } from '../state/open.js';
import type { StateLease } from '../state/lease.js';
import type { RevertDecision } from './decide.js';

/** The rule id revert writes carry in the outbox and the action log. */
export const REVERT_RULE = 'revert';

/**
 * The write that puts a candidate's assignment back, planned from the ticket version just read: the
 * connector's check before writing then skips it (superseded) if someone changes the ticket meanwhile.
 */
export function revertAction(decision: Extract<RevertDecision, { kind: 'revert' }>): PlannedAction {
  const { candidate, current } = decision;
  const first = candidate.writes[0];
  const last = candidate.writes[candidate.writes.length - 1];
  if (!first || !last) throw new Error('a revert candidate has no writes');
  // The same revert of the same ticket version is one outbox entry, however often it is applied.
  const id = createHash('sha256')
    .update(JSON.stringify([REVERT_RULE, last.actionId, current.version]))
    .digest('hex')
    .slice(0, 32);
  const undone = candidate.writes.map((w) => `${w.actionId.slice(0, 12)} (rule ${w.rule})`).join(', ');
  return {
    id,
    sourceId: candidate.ticket.source,
    ruleId: REVERT_RULE,
    target: { ticketKey: candidate.ticket.key, nativeId: current.nativeId, number: candidate.ticket.number, version: current.version },
    // '' / no assignee: the ticket had none, and the connector clears the field.
    action: { type: 'assign', group: candidate.restore.group ?? '', ...(candidate.restore.assignee !== null ? { assignee: candidate.restore.assignee } : {}) },
    explanation: `deskbridge revert: puts back the assignment replaced by ${undone}`,
    plan: `revert:${candidate.ticket.key}@${current.version}`,
    reverts: first.actionId,
  };
}

export interface SourceReverts {
  source: Source;
  connector: Connector;
  mappings: PlatformMappings;
  actions: PlannedAction[];
}

/**
 * Sends revert writes the way the daemon sends its own: queued in the outbox of the live state
 * (under its lock, so never beside a running daemon), drained by the executor through the
 * connector (retries, idempotency, the check before writing), and recorded in the action log,
 * which must be intact first. Returns each revert write's outcome by outbox id (`dead: <why>` when
 * the platform refused it; absent: still queued for a retry, which the daemon's next pass sends).
 */
export async function applyReverts(config: DaemonConfig, logger: Logger, sources: readonly SourceReverts[]): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  const store = await openState(liveStateOf(config));
  const lock = new StateLock([store], config.state.lease, logger, () => undefined);
  // A state daemons share: the leases of the sources reverted (refused while a daemon holds one), not the whole state.
  const sourceLeases: StateLease[] = [];
  try {
    if (store.shared) {
      for (const { source, actions } of sources) {
        if (actions.length > 0) sourceLeases.push(await store.shared.acquireSource(source.id, { ttlMs: config.state.lease.ttlSeconds * 1000 }));
      }
    } else {
      await lock.hold();
    }
    const trail = new AuditTrail(store, config.audit.dir, logger, config.audit.maxBytes);
    for (const { source, connector, mappings, actions } of sources) {
      if (actions.length === 0) continue;
      await store.commitBatch({ sourceId: source.id, watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions, quarantine: [] });
      // Fail closed like the daemon: a write the audit trail cannot record is not made (it stays queued).
      const held = await trail.holdWrites();
      if (held) throw new Error(`the audit trail holds writes: ${held}`);
      const ids = new Set(actions.map((a) => a.id));
      await drainOutbox({
        store,
        sourceId: source.id,
        writer: createConnectorWriter(connector, () => mappings),
        logger: logger.child({ source: source.id }),
        concurrency: config.outbox.concurrency,
        maxAttempts: config.outbox.maxAttempts,
        signal: trail.writeSignal(undefined),
        onWritten: (entry, outcome) => {
          if (ids.has(entry.id)) outcomes.set(entry.id, outcome);
        },
      });
      // Dead: the platform refused it (e.g. a group field deskbridge cannot clear); the reason is shown per ticket.
      for (const entry of await store.outbox.list({ status: 'dead', sourceId: source.id, limit: 1000 })) {
        if (ids.has(entry.id)) outcomes.set(entry.id, entry.lastError !== undefined ? `dead: ${entry.lastError}` : 'dead');
      }
    }
    await trail.flush({ force: true });
  } finally {
    await lock.release();
    for (const lease of sourceLeases) await lease.release().catch(() => undefined);
    await store.close();
  }
  return outcomes;
}
