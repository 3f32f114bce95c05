import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import type { ProcessIdentity } from '../../src/state/lease.js';
import { openPostgresStore } from '../../src/state/postgres/store.js';
import { openSqliteStore } from '../../src/state/sqlite/store.js';
import type { StateStore } from '../../src/state/types.js';
import { createTestDatabase, dropTestDatabase, testDatabaseEmptier, testPostgresUrl, type TestDatabaseEmptier } from './postgres.js';

/**
 * One describe block run against each state store: `describeEachStore('outbox', (kit) => { … })`
 * defines its tests twice, as "outbox (sqlite)" and "outbox (postgres)", so every assertion holds
 * for both implementations of StateStore (src/state/sqlite, src/state/postgres). `kit.open()` gives
 * a store (with the clock and process identity a test asks for); `kit.name` says which one, for the
 * few behaviours the stores document differently.
 *
 * Each test starts from an empty state. SQLite: a new file per test in a temporary directory (a
 * copy of one migrated once per worker). PostgreSQL: one database per test file (created by the
 * file's first PostgreSQL block, dropped after the file), emptied before each test that opens a
 * store (every table, the sequences started again): a database per test would cost its creation
 * and migrations every time. Without DESKBRIDGE_TEST_PG_URL the PostgreSQL blocks are skipped, and
 * the helper says so once per worker.
 */

export type StoreName = 'sqlite' | 'postgres';

export interface OpenOptions {
  /** The store's clock (default: real time). */
  clock?: () => Date;
  /** Who the store is, for its lease (default: this process). */
  identity?: ProcessIdentity;
}

export interface StoreKit {
  readonly name: StoreName;
  /**
   * A store on this test's state, closed after the test. The first call of a test finds the state
   * empty; every further call opens another store on the SAME state: a second daemon, an admin
   * command beside the daemon, the daemon after a restart.
   */
  open(options?: OpenOptions): Promise<StateStore>;
}

export function describeEachStore(title: string, body: (kit: StoreKit) => void): void {
  describe(`${title} (sqlite)`, () => body(sqliteKit()));
  const adminUrl = postgresUrl();
  describe.skipIf(adminUrl === undefined)(`${title} (postgres)`, () => body(postgresKit(adminUrl ?? '')));
  // Registered where describeEachStore is called (the file, as a rule), so the database outlives every block of the file.
  if (adminUrl !== undefined) afterAll(() => dropFileDatabase(adminUrl));
}

/** Closes each store once, however often a test closed it already (a PostgreSQL pool refuses a second end). */
function closingOnce(store: StateStore): StateStore {
  const close = store.close.bind(store);
  let closed: Promise<void> | undefined;
  store.close = () => (closed ??= close());
  return store;
}

let template: string | undefined;
/** A migrated empty state file, copied for each test: migrating a new file takes ~45 ms, copying one ~4 ms. */
async function sqliteTemplate(): Promise<string> {
  if (template === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-store-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'state.db');
    await openSqliteStore(file).close();
    template = file;
  }
  return template;
}

function sqliteKit(): StoreKit {
  let file: string | undefined;
  const dirs: string[] = [];
  const stores: StateStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    file = undefined;
  });
  return {
    name: 'sqlite',
    open: async (options = {}) => {
      if (file === undefined) {
        const dir = mkdtempSync(join(tmpdir(), 'deskbridge-store-'));
        dirs.push(dir);
        file = join(dir, 'state.db');
        copyFileSync(await sqliteTemplate(), file);
      }
      const store = closingOnce(openSqliteStore(file, options.clock, options.identity));
      stores.push(store);
      return store;
    },
  };
}

let warned = false;
function postgresUrl(): string | undefined {
  const url = process.env['DESKBRIDGE_TEST_PG_URL'];
  if (url) return url;
  // Once per worker: test files share the module (vitest.config.ts, isolate: false).
  if (!warned) testPostgresUrl('PostgreSQL variants of the store tests (test/helpers/stores.ts)');
  warned = true;
  return undefined;
}

/** This file's database: created by its first PostgreSQL block, dropped after the file. */
interface FileDatabase {
  url: string;
  emptier: TestDatabaseEmptier;
  /** Nothing was written since it was last emptied. */
  clean: boolean;
}

/** Test files run one after another in a worker, so one variable is this file's database. */
let database: Promise<FileDatabase> | undefined;

async function createFileDatabase(adminUrl: string): Promise<FileDatabase> {
  const url = await createTestDatabase(adminUrl);
  await (await openPostgresStore(url, { max: 1 })).close();
  return { url, emptier: await testDatabaseEmptier(url), clean: true };
}

async function dropFileDatabase(adminUrl: string): Promise<void> {
  const created = database;
  database = undefined;
  if (!created) return;
  const { url, emptier } = await created;
  await emptier.end();
  await dropTestDatabase(adminUrl, url);
}

function postgresKit(adminUrl: string): StoreKit {
  const stores: StateStore[] = [];
  let db: FileDatabase | undefined;
  /** Whether this test opened a store yet (its first finds the state empty, the others share it). */
  let opened = false;
  beforeAll(async () => {
    database ??= createFileDatabase(adminUrl);
    db = await database;
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    opened = false;
  });
  return {
    name: 'postgres',
    open: async (options = {}) => {
      if (!db) throw new Error('describeEachStore: the PostgreSQL database is not created yet (open stores inside tests)');
      if (!opened && !db.clean) await db.emptier.empty();
      opened = true;
      db.clean = false;
      const store = closingOnce(await openPostgresStore(db.url, { max: 4, ...options }));
      stores.push(store);
      return store;
    },
  };
}
