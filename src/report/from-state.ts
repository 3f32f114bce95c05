import { describeState, mayExist, withState, type StateLocation } from '../state/open.js';
import type { StateStore } from '../state/types.js';
import { LifecycleBuilder } from './lifecycle.js';

export interface StateLifecycles {
  builder: LifecycleBuilder;
  /** Tickets deskbridge assigned (for the "deskbridge's effect" figures). */
  routed: Set<string>;
}

/** The state file's answer when it does not exist: say what to do next rather than create an empty one. */
export class StateFileMissingError extends Error {
  override readonly name = 'StateFileMissingError';
}

/**
 * Ticket lifecycles from what deskbridge has pulled (the state's `ticket_versions`, kept since this
 * version of deskbridge), and the tickets it routed. Safe beside a running daemon (WAL readers).
 */
export async function lifecyclesFromState(location: StateLocation, sourceId?: string): Promise<StateLifecycles> {
  if (!mayExist(location)) throw new StateFileMissingError(`no state file at ${describeState(location)}: run the daemon (deskbridge run) first, or give an export to report on`);
  return withState(location, (store) => lifecyclesFromStore(store, sourceId));
}

/** The same, from a store that is already open (the daemon's own, for the console). */
export async function lifecyclesFromStore(store: StateStore, sourceId?: string): Promise<StateLifecycles> {
  const builder = new LifecycleBuilder();
  for await (const v of store.lifecycleVersions(sourceId !== undefined ? { sourceId } : {})) builder.add(v);
  return { builder, routed: await store.routedTickets() };
}
