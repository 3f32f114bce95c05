import { readHistory, type InputFormat } from '../backtest/history.js';
import { loadInboundMapping } from '../backtest/run-backtest.js';
import { mapInbound, MappingError } from '../mapping/mapper.js';
import '../platforms/registry.js';
import { lifecycleVersionOf } from '../model/lifecycle-version.js';
import { LifecycleBuilder } from './lifecycle.js';

export interface ExportLifecycles {
  builder: LifecycleBuilder;
  input: { path: string; format: InputFormat; records: number; versions: number; unreadable: number; unmapped: number; firstUnmapped: string[] };
}

const UNMAPPED_KEPT = 5;

/**
 * Reads an export (the inputs `backtest` reads) and folds every version, in time order, through
 * the platform's real inbound mapping into ticket lifecycles. A version the mapping rejects is
 * counted and named, never fatal.
 */
export async function lifecyclesFromExport(path: string, options: { format?: InputFormat | 'auto'; mappings: string; jiraGroupField?: string }): Promise<ExportLifecycles> {
  const history = await readHistory(path, { format: options.format ?? 'auto', ...(options.jiraGroupField !== undefined ? { jiraGroupField: options.jiraGroupField } : {}) });
  const mappings = loadInboundMapping(options.mappings, history.mapping);
  const context = { platform: history.platform, sourceId: 'report', source: history.source };
  const builder = new LifecycleBuilder();
  let unmapped = 0;
  const firstUnmapped: string[] = [];
  for (const version of history.versions()) {
    let ticket;
    try {
      ticket = await mapInbound(mappings, version.record, context);
    } catch (error) {
      unmapped++;
      if (firstUnmapped.length < UNMAPPED_KEPT) firstUnmapped.push(`${version.ref}: ${error instanceof MappingError ? error.message : String(error)}`);
      continue;
    }
    builder.add(lifecycleVersionOf(ticket));
  }
  return {
    builder,
    input: { path, format: history.format, records: history.records, versions: builder.versions, unreadable: history.unreadable.count, unmapped, firstUnmapped },
  };
}
