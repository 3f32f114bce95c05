import { randomBytes } from 'node:crypto';
import pg from 'pg';

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
  await admin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database createTestDatabase made, whoever is still connected to it. */
export async function dropTestDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
