import type { Source } from '../config/schema.js';
import { MemoryState } from '../engine/memory-state.js';
import type { CompiledRuleSet } from '../engine/rule-set.js';
import { skipRawFields } from '../engine/skip.js';
import type { StateView } from '../engine/snapshot.js';
import { mapInbound, type PlatformMappings } from '../mapping/mapper.js';
import type { PlannedAction } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import { mappingSourceBinding } from '../platforms/registry.js';
import type { Connector } from '../platforms/types.js';
import { teamCalendars, type Team } from '../team/index.js';
import { explainTicket, withStateWrites, type Explanation } from './explain.js';
import type { PriorWrite, StateMode, StateWrites } from './prior-writes.js';

/**
 * Explain on what is already open — a source's connector, the compiled rules, the state stores —
 * as `deskbridge explain --ticket` does after opening them itself, and as a console inside the
 * daemon does with the daemon's own. Nothing here opens a file or a connection, or writes.
 */

/**
 * The rules and team file explain decides with: the daemon's running `ConfigSet`
 * (src/daemon/reload.ts) is one. Structural, so explain does not depend on the daemon.
 */
export interface ExplainConfigSet {
  readonly rules: CompiledRuleSet;
  readonly team: Team | undefined;
}

/** One outbox entry as explain reads it (src/state's `OutboxEntry` is one). */
export interface ExplainOutboxEntry {
  id: string;
  ruleId: string;
  planned: Pick<PlannedAction, 'target' | 'action'>;
  status: PriorWrite['status'];
  attempts: number;
  nextAttemptAt: string;
  lastError: string | undefined;
  outcome: string | undefined;
}

/**
 * What explain reads of a state store: what the planner reads, and the ticket's outbox entries
 * (newest first). src/state's `StateStore` is one; explain does not import src/state (only the
 * cli and the daemon open state).
 */
export interface ExplainStateStore extends StateView {
  readonly outbox: {
    list(filter: { sourceId: string; ticketKey: string; limit: number }): Promise<readonly ExplainOutboxEntry[]>;
  };
}

/** The state stores explain may read, with the paths they are reported under. */
export interface ExplainStores {
  /** The live state; undefined when there is none (no state file yet). */
  live: ExplainStateStore | undefined;
  livePath: string;
  /** The dry-run state (dry-run sources plan into it); absent or undefined when there is none. */
  dryRun?: ExplainStateStore | undefined;
  /** Required with `dryRun`. */
  dryRunPath?: string;
}

/**
 * Reads one ticket from a source, by number or id, with every field the inbound mapping, the
 * rules (`raw.*`) and the source's `skip:` condition need, and maps it as the daemon would.
 * Undefined: the source has no such ticket. The connector is used as it is (initialised by the
 * caller, and left open).
 */
export async function fetchTicketForExplain(
  connector: Pick<Connector, 'platform' | 'get'>,
  source: Source,
  mappings: PlatformMappings,
  ruleSet: CompiledRuleSet,
  ticketRef: string,
  signal?: AbortSignal,
): Promise<Ticket | undefined> {
  const fields = [...new Set([...mappings.inbound.rootFields, ...ruleSet.rawFields, ...skipRawFields(source.skip)])];
  const record = await connector.get(ticketRef, fields, signal);
  if (!record) return undefined;
  return mapInbound(mappings, record.raw, { platform: connector.platform, sourceId: source.id, source: mappingSourceBinding(source) });
}

/**
 * Every rule explained for the ticket on the state the daemon would decide with: a dry-run source
 * (`dryRun`: the source's `dryRun`, else the config's) on the dry-run state, a live one on the
 * live state; an empty in-memory state when that store is absent. What the store holds of the
 * ticket's writes says whether "already acted" means written or only planned in a dry run, and a
 * live source also hears of what a dry run planned for the ticket. Reads only.
 */
export async function explainWithState(ticket: Ticket, set: ExplainConfigSet, source: Source, stores: ExplainStores, now: Date, dryRun: boolean): Promise<Explanation> {
  if (stores.dryRun && stores.dryRunPath === undefined) throw new TypeError('explainWithState: a dry-run store needs its dryRunPath');
  const mode: StateMode = dryRun ? 'dry-run' : 'live';
  const store = dryRun ? stores.dryRun : stores.live;
  const path = dryRun ? (stores.dryRunPath ?? '') : stores.livePath;
  const teamContext = { ...(set.team ? { team: set.team } : {}), calendars: teamCalendars(set.team), skip: source.skip };
  const explanation = await explainTicket(ticket, set.rules, store ?? new MemoryState(), source.id, now, teamContext);
  const read: StateWrites | undefined = store ? { mode, path, writes: await ticketWrites(store, source.id, ticket.key) } : undefined;
  // A live source may have been dry-run first: its plans for the ticket are worth a mention.
  const planned: StateWrites | undefined = !dryRun && stores.dryRun ? { mode: 'dry-run', path: stores.dryRunPath ?? '', writes: await ticketWrites(stores.dryRun, source.id, ticket.key) } : undefined;
  return withStateWrites(explanation, read, planned);
}

/** Every write a state holds for the ticket, oldest first. */
async function ticketWrites(store: ExplainStateStore, sourceId: string, ticketKey: string): Promise<PriorWrite[]> {
  const entries = await store.outbox.list({ sourceId, ticketKey, limit: 1000 });
  return [...entries].reverse().map(priorWrite);
}

function priorWrite(entry: ExplainOutboxEntry): PriorWrite {
  return {
    id: entry.id,
    ruleId: entry.ruleId,
    target: entry.planned.target.number,
    action: entry.planned.action,
    status: entry.status,
    outcome: entry.outcome,
    error: entry.lastError,
    attempts: entry.attempts,
    nextAttemptAt: entry.nextAttemptAt,
  };
}
