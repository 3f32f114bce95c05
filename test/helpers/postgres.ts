import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { openPostgresStore } from '../../src/state/postgres/store.js';

/**
 * The PostgreSQL server the PostgreSQL suites run against (DESKBRIDGE_TEST_PG_URL; `.ci/run` sets it
 * through scripts/postgres-for-tests.sh), or undefined: then each suite is skipped and says so once.
 */
export function testPostgresUrl(suite: string): string | undefined {
  const url = process.env['DESKBRIDGE_TEST_PG_URL'];
  if (!url) {
    console.log(
      `${suite} skipped: set DESKBRIDGE_TEST_PG_URL to a server where the user may create databases, e.g. postgres://deskbridge:deskbridge@127.0.0.1:5432/postgres (scripts/postgres-for-tests.sh starts one and prints it)`,
    );
  }
  return url;
}

async function admin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new empty database on the test server (each test file works in its own); returns its URL. */
export async function createTestDatabase(adminUrl: string): Promise<string> {
  const name = `deskbridge_test_${randomBytes(6).toString('hex')}`;
  // A throwaway database need not wait for each commit to reach the disk: most of a test's time otherwise.
  await admin(adminUrl, async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    await c.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database createTestDatabase made, whoever is still connected to it. */
export async function dropTestDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin(adminUrl, async (c) => {
    // A pool's end() resolves before its connections have closed: FORCE would terminate those, and their clients report it as an
    // unhandled error (57P01). Let them go first (up to a second); FORCE is for connections a failed test left open.
    for (let waited = 0; waited < 1000; waited += 20) {
      const open = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
      if (open.rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/** Empties a migrated test database between tests: what a new SQLite file is, the schema kept. */
export interface TestDatabaseEmptier {
  /** Deletes every row, puts back the rows the migrations seed (the similarity index's meta row) and starts the sequences again. */
  empty(): Promise<void>;
  end(): Promise<void>;
}

/** Call once the database is migrated: what it holds then is what `empty` puts back. */
export async function testDatabaseEmptier(url: string): Promise<TestDatabaseEmptier> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const tables = (
    await pool.query<{ name: string }>(`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY tablename`)
  ).rows.map((t) => t.name);
  const seeds: { table: string; rows: string }[] = [];
  for (const table of tables) {
    const rows = (await pool.query<{ rows: string | null }>(`SELECT json_agg(t)::text AS rows FROM ${table} t`)).rows[0]?.rows ?? null;
    if (rows !== null) seeds.push({ table, rows });
  }
  const sequences = (await pool.query<{ name: string }>(`SELECT quote_ident(sequencename) AS name FROM pg_sequences WHERE schemaname = 'public'`)).rows.map((r) => r.name);
  // DELETE rather than TRUNCATE: a test leaves a few rows, and TRUNCATE of every table costs ~110 ms (new files for each table
  // and index) where DELETE takes ~2 ms; the sequences start again as after TRUNCATE … RESTART IDENTITY.
  const deleteAll = `BEGIN; ${tables.map((t) => `DELETE FROM ${t};`).join(' ')} COMMIT;`;
  const restart = sequences.length > 0 ? `SELECT ${sequences.map((name) => `setval('${name}', 1, false)`).join(', ')}` : undefined;
  return {
    empty: async () => {
      await pool.query(deleteAll);
      for (const { table, rows } of seeds) await pool.query(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`, [rows]);
      if (restart) await pool.query(restart);
    },
    end: () => pool.end(),
  };
}

/**
 * A database of the calling test file's own on the test server: created and migrated before the
 * file's tests, emptied before each test (what a new SQLite file is), dropped after the file.
 * Call it in a describe skipped when `adminUrl` is undefined.
 */
export function useMigratedTestDatabase(adminUrl: string | undefined): { url(): string } {
  let url = '';
  let emptier: TestDatabaseEmptier | undefined;
  beforeAll(async () => {
    url = await createTestDatabase(adminUrl ?? '');
    // Migrated once: what it holds then (the similarity index's meta row) is what each test starts from.
    await (await openPostgresStore(url, { max: 1 })).close();
    emptier = await testDatabaseEmptier(url);
  });
  afterAll(async () => {
    await emptier?.end();
    if (url) await dropTestDatabase(adminUrl ?? '', url);
  });
  beforeEach(async () => {
    await emptier?.empty();
  });
  return { url: () => url };
}
