import { existsSync } from 'node:fs';
import type { DaemonConfig } from '../config/schema.js';
import { dryRunStatePath } from './dry-run-path.js';
import { openSqliteStore } from './sqlite/store.js';
import type { StateStore } from './types.js';

/**
 * Where a state lives: the embedded SQLite file (the default, one daemon) or a PostgreSQL
 * database (several daemons may share it). Every command that reads or writes state goes through
 * here, so both work wherever a state is named.
 */
export type StateLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema?: string };

/** The schema dry-run sources plan into on PostgreSQL (the SQLite equivalent is the `.dry-run` file). */
export const DRY_RUN_SCHEMA = 'deskbridge_dry_run';

/** The live state of a config. */
export function liveStateOf(config: Pick<DaemonConfig, 'state'>): StateLocation {
  return config.state.url !== undefined ? { kind: 'postgres', url: config.state.url } : { kind: 'sqlite', path: config.state.path };
}

/** Where dry-run sources keep their state, or undefined when it cannot be told apart from the live one (`:memory:`). */
export function dryRunStateOf(config: Pick<DaemonConfig, 'state'>): StateLocation | undefined {
  if (config.state.url !== undefined) return { kind: 'postgres', url: config.state.url, schema: DRY_RUN_SCHEMA };
  const path = dryRunStatePath(config.state.path);
  return path === config.state.path ? undefined : { kind: 'sqlite', path };
}

/** A state named on the command line: a postgres:// URL, else a SQLite file path. */
export function parseStateLocation(text: string): StateLocation {
  return /^postgres(ql)?:\/\//i.test(text) ? { kind: 'postgres', url: text } : { kind: 'sqlite', path: text };
}

/** For messages: the file path, or the URL without its password (and the schema when not the default). */
export function describeState(location: StateLocation): string {
  if (location.kind === 'sqlite') return location.path;
  let url: string;
  try {
    const parsed = new URL(location.url);
    if (parsed.password) parsed.password = '***';
    url = parsed.toString();
  } catch {
    url = 'postgres://(unparsable URL)';
  }
  return location.schema !== undefined ? `${url} (schema ${location.schema})` : url;
}

/** Whether a state may hold rows without being opened (opening a SQLite path creates the file). */
export function mayExist(location: StateLocation): boolean {
  return location.kind === 'postgres' || location.path === ':memory:' || existsSync(location.path);
}

/** The state could not be opened (a database that does not answer, refuses the credentials, a file that cannot be created). */
export class StateOpenError extends Error {
  override readonly name = 'StateOpenError';
}

/**
 * Opens (creating and migrating as needed) the state. PostgreSQL's driver loads only when a URL is
 * used. A database that cannot be reached or refuses us fails with StateOpenError naming the state
 * (never its password) and what to check.
 */
export async function openState(location: StateLocation, options: { idleInTransactionTimeoutMs?: number } = {}): Promise<StateStore> {
  // A file's errors (a folder in the way, no space) carry their path and errno: the CLI's fatal-error lines name them.
  if (location.kind === 'sqlite') return openSqliteStore(location.path);
  try {
    const { openPostgresStore } = await import('./postgres/store.js');
    return await openPostgresStore(location.url, { ...options, ...(location.schema !== undefined ? { schema: location.schema } : {}) });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const hint = 'check state.url (host, port, database), that the server runs, and the credentials (in the URL or PGPASSWORD)';
    throw new StateOpenError(`cannot open the state ${describeState(location)}: ${redactPassword(why, location)}; ${hint}`, { cause: error });
  }
}

/** A driver message may quote the URL: its password never reaches a log. */
function redactPassword(text: string, location: { url: string }): string {
  try {
    const password = decodeURIComponent(new URL(location.url).password);
    return password ? text.split(password).join('***') : text;
  } catch {
    return text;
  }
}

/** Opens the state, runs `use`, closes it (also when `use` throws). */
export async function withState<T>(location: StateLocation, use: (store: StateStore) => Promise<T>): Promise<T> {
  const store = await openState(location);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
