import type { Connector, WriteResult } from '../platforms/types.js';
import type { PlatformMappings } from '../mapping/mapper.js';
import { mapOutbound } from '../mapping/mapper.js';
import type { OutboxEntry } from '../state/types.js';
import type { Logger } from '../observability/logger.js';
import { describeAction } from '../model/describe-action.js';
import { actionText, writeLogFields } from './write-view.js';

export { describeAction };

/** Sends one outbox entry to its platform. */
export interface ActionWriter {
  readonly dryRun: boolean;
  write(entry: OutboxEntry, signal?: AbortSignal): Promise<WriteResult | { outcome: 'dry-run'; ref: undefined }>;
}

/** Text embedded in journal entries so a retried write is recognised instead of repeated. */
export function markerFor(entry: Pick<OutboxEntry, 'id'>): string {
  return `deskbridge:${entry.id.slice(0, 16)}`;
}

export function createConnectorWriter(connector: Connector, mappings: () => PlatformMappings): ActionWriter {
  return {
    dryRun: false,
    async write(entry, signal) {
      const { planned } = entry;
      const marker = markerFor(entry);
      const fields = await mapOutbound(mappings(), { action: planned.action, target: planned.target, marker, rule: entry.ruleId });
      return connector.apply({ planned, action: planned.action, fields, marker, firstAttempt: entry.attempts === 0 }, signal);
    },
  };
}

/**
 * Plans are logged as "would have" and recorded, nothing is sent (shadow mode). The line carries
 * a note's whole text: a dry run is reviewed from these lines and `outbox show`.
 */
export function createDryRunWriter(logger: Logger): ActionWriter {
  return {
    dryRun: true,
    async write(entry) {
      const text = actionText(entry.planned.action);
      logger.info('DRY-RUN: would write', { ...writeLogFields(entry), outcome: 'not sent (dry run)', ...(text ? { text: text.text } : {}) });
      return { outcome: 'dry-run', ref: undefined };
    },
  };
}
