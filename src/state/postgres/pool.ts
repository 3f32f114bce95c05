import pg from 'pg';

/**
 * The connection pool of a PostgreSQL state (issue 18), and the two ways the store talks to it: one
 * statement (`query`), or a function run in one transaction (`transaction`).
 *
 * The URL is a libpq one (`postgres://user:password@host:5432/db?sslmode=require`); what it leaves
 * out comes from the usual PG* variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE, PGPORT…), which the
 * `pg` driver reads itself, so credentials need not be written into the configuration.
 */

/** Anything that runs a statement: the pool, or the client of a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** A statement runner bound to one connection (the pool or a transaction's client), with typed rows. */
export interface Sql {
  /** Rows of one statement. */
  rows<R extends pg.QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row of one statement, if any. */
  one<R extends pg.QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Rows the statement changed (INSERT, UPDATE, DELETE). */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export function sqlOf(on: Queryable): Sql {
  return {
    async rows<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const result: pg.QueryResult<R> = await on.query<R>(sql, storable(params));
      return result.rows;
    },
    async one<R extends pg.QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
      const result: pg.QueryResult<R> = await on.query<R>(sql, storable(params));
      return result.rows[0];
    },
    async run(sql: string, params: readonly unknown[] = []): Promise<number> {
      return (await on.query(sql, storable(params))).rowCount ?? 0;
    },
  };
}

/**
 * PostgreSQL text cannot hold U+0000, which SQLite stores and a platform can send (in a ticket's
 * text, or echoed in an error message): refused, it would fail the whole commit again on every
 * pass, or leave a write that cannot be dead-lettered. It is kept as U+FFFD instead. (JSON text
 * escapes it as `\u0000`, which a `json` column keeps; for `jsonb`, see jsonbText.)
 */
function storable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (typeof p === 'string' ? withoutNul(p) : Array.isArray(p) ? p.map((e: unknown) => (typeof e === 'string' ? withoutNul(e) : e)) : p));
}

function withoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

/** JSON text for a `jsonb` column, which refuses `\u0000` (see storable): U+0000 in any string becomes U+FFFD. */
export function jsonbText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? withoutNul(v) : v));
}

export interface PoolOptions {
  /** Connections kept at most (default 10). */
  max?: number;
  /** How long to wait for a connection before failing (default 10 s, as SQLite's busy timeout). */
  connectionTimeoutMs?: number;
  /** `application_name` the server shows in pg_stat_activity (default "deskbridge"). */
  applicationName?: string;
  /** The schema the state's tables live in (default: the server's search_path, normally `public`); the dry-run state has its own. */
  schema?: string;
  /**
   * How long the server lets one of our sessions sit inside a transaction waiting for us (default
   * 10 s). Our transactions wait for nothing but the database, so only a paused or cut-off process
   * reaches it — and then the server ends its session, releasing the row locks a fenced commit
   * holds, so other daemons can take its sources over instead of waiting for it forever.
   */
  idleInTransactionTimeoutMs?: number;
}

/** See PoolOptions.idleInTransactionTimeoutMs. */
export const DEFAULT_IDLE_IN_TRANSACTION_MS = 10_000;

/** A schema name deskbridge will put in a search_path: plain lower-case identifiers only. */
export function isPlainSchemaName(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}

/** A pool for a `postgres://` (or `postgresql://`) URL. Connections open lazily, on the first query. */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') throw new Error(`not a PostgreSQL URL (postgres://…): ${redactUrl(url)}`);
  if (options.schema !== undefined && !isPlainSchemaName(options.schema)) throw new Error(`not a plain schema name (a-z, 0-9, _): ${options.schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'deskbridge',
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_MS,
  });
  // An idle connection the server dropped (restart, failover) must not crash the process: the
  // pool discards it and the next query opens a new one.
  pool.on('error', () => undefined);
  // The same for a connection in use (the server ended a paused session, a failover): the query in
  // progress rejects with the error, which is where it is handled; unheard, the event would end the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** The URL without its password, for messages and the lease's location. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** SQLSTATEs after which the whole transaction may be run again: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);

export interface TransactionOptions {
  /** How many times a transaction is run at most when it fails with a retryable SQLSTATE (default 5). */
  attempts?: number;
  /** `BEGIN ISOLATION LEVEL …` (default: the server's, READ COMMITTED). */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

/**
 * Runs `fn` in one transaction on one connection: COMMIT when it returns, ROLLBACK when it throws.
 * A serialization failure or a deadlock (the server chose this transaction as the victim) runs it
 * again from the start, a few times with a short random pause, so `fn` must do nothing outside the
 * database that cannot be repeated. Any other error is rethrown as is.
 */
export async function transaction<T>(pool: pg.Pool, fn: (sql: Sql, client: pg.PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN');
      const result = await fn(sqlOf(client), client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        // The connection is gone: do not give it back to the pool.
        broken = true;
      }
      if (attempt >= attempts || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
    } finally {
      client.release(broken);
    }
    await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.floor(Math.random() * 20)));
  }
}

/** The SQLSTATE of a server error (`pg`'s DatabaseError), if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
