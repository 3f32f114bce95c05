import type { Action } from '../model/action.js';
import type { Connector, CurrentRecord, WriteRequest, WriteResult } from '../platforms/types.js';
import type { PlatformMappings } from '../mapping/mapper.js';
import { mapOutbound } from '../mapping/mapper.js';
import { EvaluationCancelledError } from '../mapping/expression.js';
import type { OutboxEntry } from '../state/types.js';
import type { Logger } from '../observability/logger.js';
import { describeAction } from '../model/describe-action.js';
import { actionText, writeLogFields } from './write-view.js';

export { describeAction };

/** Sends one outbox entry to its platform. */
export interface ActionWriter {
  readonly dryRun: boolean;
  /** `current`: the ticket as the batched version read found it (see `Connector.readVersions`). */
  write(entry: OutboxEntry, signal?: AbortSignal, current?: CurrentRecord): Promise<WriteResult | { outcome: 'dry-run'; ref: undefined }>;
  /**
   * Consecutive writes of one plan to one ticket in one platform request (see `Connector.applyGroup`);
   * undefined when they must go one by one. Absent: never grouped (dry runs log each write).
   */
  writeGroup?(entries: readonly OutboxEntry[], signal?: AbortSignal, current?: CurrentRecord): Promise<WriteResult[] | undefined>;
  /** Whether `writeGroup` can carry this kind of write. */
  groupable?(type: Action['type']): boolean;
  /** One batched read of the tickets' current versions before their writes (see `Connector.readVersions`). */
  readVersions?(nativeIds: readonly string[], signal?: AbortSignal): Promise<Map<string, CurrentRecord>>;
}

/** Text embedded in journal entries so a retried write is recognised instead of repeated. */
export function markerFor(entry: Pick<OutboxEntry, 'id'>): string {
  return `deskbridge:${entry.id.slice(0, 16)}`;
}

export function createConnectorWriter(connector: Connector, mappings: () => PlatformMappings): ActionWriter {
  const request = async (entry: OutboxEntry, current: CurrentRecord | undefined): Promise<WriteRequest> => {
    const { planned } = entry;
    const marker = markerFor(entry);
    const fields = await mapOutbound(mappings(), { action: planned.action, target: planned.target, marker, rule: entry.ruleId });
    return { planned, action: planned.action, fields, marker, firstAttempt: entry.attempts === 0, ...(current ? { current } : {}) };
  };
  const applyGroup = connector.applyGroup?.bind(connector);
  const readVersions = connector.readVersions?.bind(connector);
  return {
    dryRun: false,
    async write(entry, signal, current) {
      return connector.apply(await request(entry, current), signal);
    },
    ...(applyGroup
      ? {
          async writeGroup(entries, signal, current) {
            // The pre-read state goes with the first write only: after it the ticket is at our version.
            let requests: WriteRequest[];
            try {
              requests = await Promise.all(entries.map((entry, i) => request(entry, i === 0 ? current : undefined)));
            } catch (error) {
              // A write whose mapping fails must fail alone (sent one by one), not take its group with it.
              if (error instanceof EvaluationCancelledError) throw error;
              return undefined;
            }
            return applyGroup(requests, signal);
          },
          groupable: (type: Action['type']) => connector.groupableActions?.has(type) ?? false,
        }
      : {}),
    ...(readVersions ? { readVersions } : {}),
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
