import { existsSync } from 'node:fs';
import { openSqliteStore } from '../state/sqlite/store.js';
import type { PassRecord, StateStore } from '../state/types.js';
import { summariseVolume, type VolumeSummary } from './go-live.js';

/** What a dry run planned for one source: every write it would have sent, by kind. */
export interface DryRunPlan extends VolumeSummary {
  /** The dry-run state file it was read from. */
  path: string;
  /** The dry run's completed passes, when it recorded any. */
  passes: PassRecord | null;
}

/** The plan of a source read from an open dry-run state; undefined when the dry run never ran it. */
export async function dryRunPlanIn(store: StateStore, path: string, sourceId: string): Promise<DryRunPlan | undefined> {
  const volume = summariseVolume(await store.outbox.volume({ sourceId }));
  const passes = await store.passRecord(sourceId);
  if (volume.total === 0 && passes === null) return undefined;
  return { ...volume, path, passes };
}

/**
 * The plan of a source from the dry-run state file at `path`, opened for the read and closed
 * again (undefined when there is no such file, or the dry run never ran the source). Read-only in
 * effect: WAL lets it beside a daemon that writes the file.
 */
export async function readDryRunPlan(path: string, sourceId: string): Promise<DryRunPlan | undefined> {
  if (path === ':memory:' || !existsSync(path)) return undefined;
  const store = openSqliteStore(path);
  try {
    return await dryRunPlanIn(store, path, sourceId);
  } finally {
    await store.close();
  }
}
