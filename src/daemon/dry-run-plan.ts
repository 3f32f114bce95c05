import { describeState, mayExist, withState, type StateLocation } from '../state/open.js';
import type { PassRecord, StateStore } from '../state/types.js';
import { summariseVolume, type VolumeSummary } from './go-live.js';

/** What a dry run planned for one source: every write it would have sent, by kind. */
export interface DryRunPlan extends VolumeSummary {
  /** The dry-run state it was read from (a file path, or the database URL without its password). */
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
 * The plan of a source from the dry-run state at `location`, opened for the read and closed again
 * (undefined when there is no such state, or the dry run never ran the source). Read-only in
 * effect: WAL lets it beside a daemon that writes the SQLite file; PostgreSQL has no such limit.
 */
export async function readDryRunPlan(location: StateLocation, sourceId: string): Promise<DryRunPlan | undefined> {
  if ((location.kind === 'sqlite' && location.path === ':memory:') || !mayExist(location)) return undefined;
  return withState(location, (store) => dryRunPlanIn(store, describeState(location), sourceId));
}
