import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type pg from 'pg';
import { MASKABLE_TERM_KINDS } from '../model/history.js';
import { normField, PostgresCandidateIndex } from '../similarity/postgres-index.js';
import { SqliteCandidateIndex, unpackVector, type DocRow } from '../similarity/sqlite-index.js';
import { describeHolder, leaseRecordOf, staleness, thisProcess, type LeaseRecord, type LeaseRow, type ProcessIdentity } from './lease.js';
import { createPool, redactUrl } from './postgres/pool.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore } from './sqlite/store.js';
import type { AuditLogName, StateStore, StoredAuditHead } from './types.js';

/**
 * `deskbridge state migrate`: copies a whole state between a SQLite file and a PostgreSQL database
 * (either way; SQLite→SQLite and PostgreSQL→PostgreSQL work too), then verifies the copy.
 *
 * Both sides are opened with their own store's open function first, so the target's schema is
 * created (or brought up to date) by the code that will use it, and the source is at the current
 * schema version too. The source is read in one snapshot (a read transaction on SQLite, REPEATABLE
 * READ on PostgreSQL) and never written; the target is written in ONE transaction, so a failure
 * part-way leaves it as it was (schema only) and the command can simply be run again.
 *
 * Tables are described once (TABLES, in a neutral form: text, int, bool, json kept byte for byte,
 * jsonb compared as values) and each side turns rows into and out of that form. Two things do not
 * map table to table and are copied by hand:
 * - the lease: SQLite keeps one row (`state_lease`), PostgreSQL one per name (`leases`). The token
 *   is carried over (the largest one), so fencing tokens on the target keep growing; a holder that
 *   had not released is recorded as released by the migration (it runs on the source, not here).
 * - the similarity index: neither side keeps the tickets' text (only term vectors), so it cannot be
 *   rebuilt through `history.index`; its layouts differ (SQLite: time-encoded row ids, a packed
 *   16-bit-weight vector per ticket, FTS5 postings per source; PostgreSQL: integer ids, id and
 *   float8 arrays, a postings table, stored self-scores). It is converted: terms keep their ids and
 *   document frequencies, each ticket its vector (SQLite's weights are 16-bit, so SQLite→PostgreSQL
 *   carries them exactly as SQLite scored them; PostgreSQL→SQLite quantises them as SQLite always
 *   does), PostgreSQL's postings and self-scores are derived, SQLite's FTS5 rows are written by the
 *   index itself (its layout conversion, see SqliteCandidateIndex.convertLegacy).
 *
 * Verification, after the commit: every table's row count and an order-independent digest of its
 * rows (in the neutral form) equal on both sides, the similarity index's documents (identity,
 * fields, roots, clusters, term ids), terms and totals equal, and, through the stores' own APIs,
 * both audit heads and every source's watermark equal.
 */

export type StateLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** A `postgres://` / `postgresql://` URL, else a SQLite file path. */
export function parseLocation(value: string): StateLocation {
  return /^postgres(ql)?:\/\//i.test(value) ? { kind: 'postgres', url: value } : { kind: 'sqlite', path: value };
}

/** For messages: the path, or the URL without its password. */
export function describeLocation(location: StateLocation): string {
  return location.kind === 'sqlite' ? location.path : redactUrl(location.url);
}

export interface MigrateOptions {
  /** Copy even while the source's lease shows a live holder (a daemon that is in fact gone, on another host). */
  force?: boolean;
  /** Rows per read and per INSERT (default 5,000). */
  batchSize?: number;
  clock?: () => Date;
  /** Who asks (for telling whether a lease holder on this host is gone); default this process. */
  identity?: ProcessIdentity;
  /** Told about each table as it is copied (the CLI prints it on stderr). */
  onProgress?: (line: string) => void;
}

export interface MigrateSummary {
  from: string;
  to: string;
  tables: { name: string; rows: number }[];
  /** How the similarity index was carried over, in one sentence. */
  similarity: string;
  auditHeads: Record<AuditLogName, StoredAuditHead | null>;
  /** The fencing token the target's lease row carries (undefined: the source was never leased). */
  leaseToken: number | undefined;
  /** What differs between source and target after the copy; empty: verified. */
  differences: string[];
  ms: number;
}

/** The migration would harm something (a non-empty target, a live daemon on the source): nothing was written. */
export class MigrateRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrateRefusedError';
  }
}

// ---------------------------------------------------------------------------------------------
// Tables in the neutral form

type ColumnType = 'text' | 'int' | 'bigint' | 'bool' | 'json' | 'jsonb';

interface Column {
  name: string;
  type: ColumnType;
  /** Its name in SQLite when it differs (pattern_problems' `seq` is SQLite's rowid). */
  sqlite: string;
}

interface TableSpec {
  name: string;
  columns: Column[];
  /** Read order (primary key). */
  key: string[];
  /** A column the target numbers itself (bigserial / AUTOINCREMENT): its counter is moved past the copied ids. */
  serial?: string;
  /** SQLite AUTOINCREMENT: its high-water mark lives in sqlite_sequence. */
  autoincrement?: boolean;
}

type Value = string | number | boolean | null;

const PG_TYPE: Record<ColumnType, string> = { text: 'text', int: 'integer', bigint: 'bigint', bool: 'boolean', json: 'json', jsonb: 'jsonb' };

/** `name[:type][@sqliteName]`, space-separated: the tables below read as their DDL does. */
function table(name: string, columns: string, key: string, extra: Partial<Pick<TableSpec, 'serial' | 'autoincrement'>> = {}): TableSpec {
  return {
    name,
    columns: columns.split(/\s+/).map((c) => {
      const [nameType = '', sqlite] = c.split('@');
      const [col = '', type = 'text'] = nameType.split(':');
      return { name: col, type: type as ColumnType, sqlite: sqlite ?? col };
    }),
    key: key.split(' '),
    ...extra,
  };
}

/**
 * Every table both stores share, as columns of both. PostgreSQL's outbox claims (claimed_by,
 * claimed_until) are not carried: they say which running daemon is sending an entry, and a
 * migration runs with the daemons stopped (a claim left behind would only delay the entry).
 */
const TABLES: readonly TableSpec[] = [
  table('watermarks', 'source_id updated_at', 'source_id'),
  table('source_start_points', 'source_id act_from recorded_at', 'source_id'),
  table('source_passes', 'source_id first_completed_at last_completed_at', 'source_id'),
  table('ledger', 'source_id native_id version updated_at', 'source_id native_id version'),
  table('own_versions', 'source_id native_id version written_at', 'source_id native_id version'),
  table('tickets', 'key source_id native_id number version status is_open:bool grp assignee updated_at status_since sla_due_at snapshot resolved_at rules_triggered:jsonb rules_applied:jsonb', 'key'),
  table('round_robin', 'rule_id position:int', 'rule_id'),
  table('outbox', 'seq:bigint id source_id ticket_key rule_id action_type planned:jsonb status attempts:int next_attempt_at last_error outcome ref created_at updated_at', 'seq', {
    serial: 'seq',
    autoincrement: true,
  }),
  table('quarantine', 'id:bigint source_id native_id version error raw:json created_at status', 'id', { serial: 'id', autoincrement: true }),
  table('audit_pending', 'seq:bigint log event_id at data:json', 'seq', { serial: 'seq', autoincrement: true }),
  table('audit_heads', 'log seq:bigint hash', 'log'),
  table('ticket_versions', 'key version source_id at data:jsonb', 'key version'),
  table(
    'pass_log',
    'id:bigint source_id started_at finished_at outcome duration_ms:int pulled:int planned:int skipped:int quarantined:int sent:int unchanged:int superseded:int failed:int dead:int would_send:int pending_writes:int requests:int dry_run:bool error',
    'id',
    { serial: 'id', autoincrement: true },
  ),
  table('rule_marks', 'rule_id subject_key mark plan created_at', 'rule_id subject_key mark'),
  table('duplicate_links', 'ticket_key root_key rule_id plan linked_at', 'ticket_key'),
  table('resolved_tickets', 'key resolved_at code notes', 'key'),
  table('indexed_titles', 'key title', 'key'),
  table('pattern_events', 'rule_id ticket_key source_id group_key native_id number version created_at title details:json', 'rule_id ticket_key'),
  // seq: the insertion order problems opened at one instant are told apart by (SQLite's rowid).
  table('pattern_problems', 'seq:bigint@rowid correlation_key rule_id source_id group_key group_values:json generation:int status opened_at trigger', 'seq', { serial: 'seq' }),
  table('pattern_members', 'correlation_key rule_id ticket_key', 'correlation_key ticket_key'),
  table('escalation_links', 'correlation_key rule_id origin_source origin_native_id origin_number origin_url copy_source copy_native_id copy_number copy_url created_at', 'correlation_key'),
];

/** A lease row with the name it is held under (SQLite's one row is 'state'). */
type NamedLease = LeaseRecord & { name: string };

/** A ticket of the similarity index, in neither side's layout. */
interface SimDoc {
  key: string;
  sourceId: string;
  nativeId: string;
  number: string;
  version: string;
  createdAt: string;
  createdMs: number;
  /** JSON text of the exact-match fields. */
  fields: string;
  titleLen: number;
  bodyLen: number;
  /** [term id, weight], sorted by term id. */
  entries: [number, number][];
  rootKey: string | null;
  clusterKey: string | null;
}

interface SimTerm {
  id: number;
  term: string;
  df: number;
  /** Its maskable kind as stored (a term keeps the kind it was first classified with), null: a plain word. */
  kind: string | null;
}

interface SimStats {
  docs: number;
  titleLenSum: number;
  bodyLenSum: number;
}

/** The similarity tables of each side, for the emptiness check and the row counts. */
const SIM_TABLES = { sqlite: ['sim_sources', 'sim_terms', 'sim_docs'], postgres: ['similarity_terms', 'similarity_docs', 'similarity_postings'] } as const;
const LEASE_TABLE = { sqlite: 'state_lease', postgres: 'leases' } as const;

/** One side of a migration: reads in a snapshot, writes in one transaction. */
interface Side {
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  readonly store: StateStore;
  /** Every table in the state (names as they are on this side). */
  tableNames(): Promise<string[]>;
  count(table: string): Promise<number>;
  beginRead(): Promise<void>;
  endRead(): Promise<void>;
  beginWrite(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  rows(spec: TableSpec, batch: number): AsyncIterable<Value[][]>;
  insert(spec: TableSpec, rows: readonly Value[][]): Promise<void>;
  /** The highest id the table's counter has handed out (deleted rows included), 0 if none. */
  sequenceHigh(spec: TableSpec): Promise<number>;
  setSequence(spec: TableSpec, high: number): Promise<void>;
  leases(): Promise<NamedLease[]>;
  writeLeases(leases: readonly NamedLease[]): Promise<void>;
  simStats(): Promise<SimStats>;
  simTerms(batch: number): AsyncIterable<SimTerm[]>;
  simDocs(batch: number): AsyncIterable<SimDoc[]>;
  writeSimTerms(terms: readonly SimTerm[]): Promise<void>;
  writeSimDocs(docs: readonly SimDoc[]): Promise<void>;
  /** After the terms and documents: totals, counters, and what each index derives (postings, self-scores). */
  finishSim(stats: SimStats): Promise<void>;
  close(): Promise<void>;
}

const q = (name: string): string => (name === 'rowid' ? name : `"${name}"`);

// ---------------------------------------------------------------------------------------------
// SQLite

/** A lease row of either store, with the name it is kept under (SQLite's one row is the whole state's). */
function leaseOf(name: string, row: LeaseRow): NamedLease {
  return { ...leaseRecordOf(row), name };
}

/** The vector layout SqliteCandidateIndex.convertLegacy reads (term ids as uint32, then weights as float32). */
function legacyVector(entries: readonly [number, number][]): Buffer {
  const buf = Buffer.alloc(entries.length * 8);
  entries.forEach(([id, weight], i) => {
    buf.writeUInt32LE(id, i * 4);
    buf.writeFloatLE(weight, entries.length * 4 + i * 4);
  });
  return buf;
}

/** `sim_terms.kind`: 0 a plain word, else 1 + the kind's place in MASKABLE_TERM_KINDS (as SqliteCandidateIndex codes it). */
function kindCode(kind: string | null): number {
  return kind === null ? 0 : (MASKABLE_TERM_KINDS as readonly string[]).indexOf(kind) + 1;
}

function kindName(code: number): string | null {
  return code > 0 ? (MASKABLE_TERM_KINDS[code - 1] ?? null) : null;
}

class SqliteSide implements Side {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly sourceNos = new Map<string, number>();
  private nextDocId = 1;

  constructor(
    readonly store: StateStore,
    readonly location: string,
    path: string,
  ) {
    // A connection of its own: the store's is private, and it stays the store's (its API is
    // asked for the audit heads and watermarks). Only this connection writes during the copy.
    this.db = new Database(path, { timeout: 10_000 });
    this.db.pragma('synchronous = NORMAL');
  }

  async tableNames(): Promise<string[]> {
    return this.db
      .prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`)
      .pluck(true)
      .all()
      .filter((name) => !/^sim_fts_\d+/.test(name));
  }

  async count(name: string): Promise<number> {
    return (
      this.db
        .prepare<[], number>(`SELECT count(*) FROM ${q(name)}`)
        .pluck(true)
        .get() ?? 0
    );
  }

  // WAL: a deferred transaction reads one snapshot from its first SELECT to its end.
  async beginRead(): Promise<void> {
    this.db.exec('BEGIN');
  }

  async endRead(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  async beginWrite(): Promise<void> {
    this.db.exec('BEGIN IMMEDIATE');
  }

  async commit(): Promise<void> {
    this.db.exec('COMMIT');
  }

  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  async *rows(spec: TableSpec, batch: number): AsyncIterable<Value[][]> {
    const bySqlite = new Map(spec.columns.map((c) => [c.name, c.sqlite]));
    const stmt = this.db
      .prepare<[], unknown[]>(`SELECT ${spec.columns.map((c) => q(c.sqlite)).join(', ')} FROM ${q(spec.name)} ORDER BY ${spec.key.map((k) => q(bySqlite.get(k) ?? k)).join(', ')}`)
      .raw(true);
    let page: Value[][] = [];
    for (const raw of stmt.iterate()) {
      page.push(spec.columns.map((c, i) => fromSqlite(c.type, raw[i])));
      if (page.length >= batch) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async insert(spec: TableSpec, rows: readonly Value[][]): Promise<void> {
    const stmt = this.db.prepare(`INSERT INTO ${q(spec.name)} (${spec.columns.map((c) => q(c.sqlite)).join(', ')}) VALUES (${spec.columns.map(() => '?').join(', ')})`);
    for (const row of rows) stmt.run(row.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
  }

  async sequenceHigh(spec: TableSpec): Promise<number> {
    const serial = spec.columns.find((c) => c.name === spec.serial);
    if (!serial) return 0;
    const max =
      this.db
        .prepare<[], number | null>(`SELECT max(${q(serial.sqlite)}) FROM ${q(spec.name)}`)
        .pluck(true)
        .get() ?? 0;
    const seq = spec.autoincrement ? (this.db.prepare<[string], number>('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck(true).get(spec.name) ?? 0) : 0;
    return Math.max(max, seq);
  }

  async setSequence(spec: TableSpec, high: number): Promise<void> {
    // AUTOINCREMENT never hands out an id at or below sqlite_sequence's: the source's deleted ids
    // (trimmed pass log, appended audit records) stay used. A rowid table takes max(rowid) + 1 anyway.
    if (!spec.autoincrement || high <= 0) return;
    const changed = this.db.prepare('UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?').run(high, spec.name).changes;
    if (changed === 0) this.db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(spec.name, high);
  }

  async leases(): Promise<NamedLease[]> {
    return this.db
      .prepare<[], LeaseRow>('SELECT * FROM state_lease')
      .all()
      .map((row) => leaseOf('state', row));
  }

  async writeLeases(leases: readonly NamedLease[]): Promise<void> {
    // One row here: the 'state' holder (or any), with the largest token of all, so no token goes back.
    const chosen = leases.find((l) => l.name === 'state') ?? leases[0];
    if (!chosen) return;
    const token = Math.max(...leases.map((l) => l.token));
    this.db
      .prepare(
        `INSERT INTO state_lease (id, holder_id, pid, host, pid_namespace, started_at, heartbeat_at, ttl_ms, token, released_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(chosen.holderId, chosen.pid, chosen.host, chosen.pidNamespace ?? null, chosen.startedAt, chosen.heartbeatAt, chosen.ttlMs, token, chosen.releasedAt ?? null);
  }

  async simStats(): Promise<SimStats> {
    const row = this.db.prepare<[], { docs: number; title_len_sum: number; body_len_sum: number }>('SELECT docs, title_len_sum, body_len_sum FROM sim_stats WHERE id = 1').get();
    return { docs: row?.docs ?? 0, titleLenSum: row?.title_len_sum ?? 0, bodyLenSum: row?.body_len_sum ?? 0 };
  }

  async *simTerms(batch: number): AsyncIterable<SimTerm[]> {
    let page: SimTerm[] = [];
    for (const row of this.db.prepare<[], { id: number; term: string; df: number; kind: number }>('SELECT id, term, df, kind FROM sim_terms ORDER BY id').iterate()) {
      page.push({ id: row.id, term: row.term, df: row.df, kind: kindName(row.kind) });
      if (page.length >= batch) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async *simDocs(batch: number): AsyncIterable<SimDoc[]> {
    const stmt = this.db.prepare<[], DocRow & { source_id: string }>('SELECT d.*, s.source_id FROM sim_docs d JOIN sim_sources s ON s.id = d.source_no ORDER BY d.id');
    let page: SimDoc[] = [];
    for (const row of stmt.iterate()) {
      page.push({
        key: row.key,
        sourceId: row.source_id,
        nativeId: row.native_id,
        number: row.number,
        version: row.version,
        createdAt: row.created_at,
        createdMs: Date.parse(row.created_at),
        fields: row.fields,
        titleLen: row.title_len,
        bodyLen: row.body_len,
        entries: unpackVector(row.vec),
        rootKey: row.root_key,
        clusterKey: row.cluster_key,
      });
      if (page.length >= batch) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async writeSimTerms(terms: readonly SimTerm[]): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO sim_terms (id, term, df, kind) VALUES (?, ?, ?, ?)');
    for (const t of terms) stmt.run(t.id, t.term, t.df, kindCode(t.kind));
  }

  async writeSimDocs(docs: readonly SimDoc[]): Promise<void> {
    // Into the layout the index converts when it opens (convertLegacy): it picks each ticket's
    // time-encoded row id, packs its vector and writes its FTS5 row, as it did for old state files.
    this.db.exec(`CREATE TABLE IF NOT EXISTS sim_docs_v1 (
      id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, source_no INTEGER NOT NULL, native_id TEXT NOT NULL, number TEXT NOT NULL, version TEXT NOT NULL,
      created_at TEXT NOT NULL, created_ms INTEGER NOT NULL, fields TEXT NOT NULL, title_len INTEGER NOT NULL, body_len INTEGER NOT NULL, vec BLOB NOT NULL,
      root_key TEXT, cluster_key TEXT)`);
    const stmt = this.db.prepare(
      `INSERT INTO sim_docs_v1 (id, key, source_no, native_id, number, version, created_at, created_ms, fields, title_len, body_len, vec, root_key, cluster_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const d of docs) {
      stmt.run(
        this.nextDocId++,
        d.key,
        this.sourceNo(d.sourceId),
        d.nativeId,
        d.number,
        d.version,
        d.createdAt,
        d.createdMs,
        d.fields,
        d.titleLen,
        d.bodyLen,
        legacyVector(d.entries),
        d.rootKey,
        d.clusterKey,
      );
    }
  }

  private sourceNo(sourceId: string): number {
    let no = this.sourceNos.get(sourceId);
    if (no === undefined) {
      no = Number(this.db.prepare('INSERT INTO sim_sources (source_id) VALUES (?)').run(sourceId).lastInsertRowid);
      this.sourceNos.set(sourceId, no);
    }
    return no;
  }

  async finishSim(stats: SimStats): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO sim_stats (id, docs, title_len_sum, body_len_sum) VALUES (1, ?, ?, ?)').run(stats.docs, stats.titleLenSum, stats.bodyLenSum);
    // Opening the index converts sim_docs_v1 (in a savepoint of this transaction).
    if (this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sim_docs_v1'`).get()) new SqliteCandidateIndex(this.db);
  }

  async close(): Promise<void> {
    await this.rollback();
    this.db.close();
    await this.store.close();
  }
}

function fromSqlite(type: ColumnType, value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (type === 'bool') return value === 1 || value === 1n || value === true;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new Error(`unexpected SQLite value of type ${typeof value}`);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

class PostgresSide implements Side {
  readonly kind = 'postgres';
  /** The connection of the open read snapshot or write transaction. */
  private client: pg.PoolClient | undefined;
  private cursors = 0;
  private nextDocId = 1;

  constructor(
    readonly store: StateStore,
    readonly location: string,
    private readonly pool: pg.Pool,
  ) {}

  private async on<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await (this.client ?? this.pool).query<R>(text, params)).rows;
  }

  async tableNames(): Promise<string[]> {
    return (await this.on<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()')).map((r) => r.tablename);
  }

  async count(name: string): Promise<number> {
    return Number((await this.on<{ n: string }>(`SELECT count(*) AS n FROM ${q(name)}`))[0]?.n ?? 0);
  }

  async beginRead(): Promise<void> {
    this.client = await this.pool.connect();
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async endRead(): Promise<void> {
    await this.commit();
  }

  async beginWrite(): Promise<void> {
    this.client = await this.pool.connect();
    await this.client.query('BEGIN');
  }

  async commit(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    try {
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }

  async rollback(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    let broken = false;
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    } finally {
      client.release(broken);
    }
  }

  /** A server-side cursor in the open transaction: one query, fetched `batch` rows at a time. */
  private async *fetch<R extends pg.QueryResultRow>(text: string, batch: number): AsyncIterable<R[]> {
    if (!this.client) throw new Error('internal: read outside a transaction');
    const cursor = `migrate_${++this.cursors}`;
    await this.client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`);
    for (;;) {
      const rows = (await this.client.query<R>(`FETCH ${batch} FROM ${cursor}`)).rows;
      if (rows.length === 0) break;
      yield rows;
    }
    await this.client.query(`CLOSE ${cursor}`);
  }

  async *rows(spec: TableSpec, batch: number): AsyncIterable<Value[][]> {
    // json as its text (kept byte for byte), jsonb and bigint as text (parsed below, not by the driver).
    const select = spec.columns.map((c) => (c.type === 'json' || c.type === 'jsonb' || c.type === 'bigint' ? `${q(c.name)}::text AS ${q(c.name)}` : q(c.name)));
    for await (const page of this.fetch<Record<string, unknown>>(`SELECT ${select.join(', ')} FROM ${q(spec.name)} ORDER BY ${spec.key.map(q).join(', ')}`, batch)) {
      yield page.map((row) => spec.columns.map((c) => fromPostgres(c.type, row[c.name])));
    }
  }

  async insert(spec: TableSpec, rows: readonly Value[][]): Promise<void> {
    // One statement a batch: each column as a text[] parameter, cast to the column's type.
    const columns = spec.columns;
    const params = columns.map((_, i) => rows.map((row) => toText(row[i] ?? null)));
    await this.on(
      `INSERT INTO ${q(spec.name)} (${columns.map((c) => q(c.name)).join(', ')})
       SELECT ${columns.map((c, i) => `u.c${i}::${PG_TYPE[c.type]}`).join(', ')} FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${columns.map((_, i) => `c${i}`).join(', ')})`,
      params,
    );
  }

  async sequenceHigh(spec: TableSpec): Promise<number> {
    if (!spec.serial) return 0;
    const seq = (await this.on<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [spec.name, spec.serial]))[0]?.seq;
    const max = Number((await this.on<{ n: string | null }>(`SELECT max(${q(spec.serial)})::text AS n FROM ${q(spec.name)}`))[0]?.n ?? 0);
    if (!seq) return max;
    const row = (await this.on<{ last_value: string; is_called: boolean }>(`SELECT last_value::text AS last_value, is_called FROM ${seq}`))[0];
    return Math.max(max, row ? Number(row.last_value) - (row.is_called ? 0 : 1) : 0);
  }

  async setSequence(spec: TableSpec, high: number): Promise<void> {
    // Explicit ids do not move a bigserial's sequence: the next nextval must be past them.
    if (!spec.serial || high <= 0) return;
    await this.on('SELECT setval(pg_get_serial_sequence($1, $2), $3, true)', [spec.name, spec.serial, high]);
  }

  async leases(): Promise<NamedLease[]> {
    const rows = await this.on<LeaseRow & { name: string }>('SELECT * FROM leases ORDER BY name');
    return rows.map((row) => leaseOf(row.name, row));
  }

  async writeLeases(leases: readonly NamedLease[]): Promise<void> {
    if (leases.length === 0) return;
    const top = Math.max(...leases.map((l) => l.token));
    // From SQLite: its one row becomes 'state'; every name keeps its token, 'state' the largest of all.
    for (const l of leases) {
      await this.on(`INSERT INTO leases (name, holder_id, pid, host, pid_namespace, started_at, heartbeat_at, ttl_ms, token, released_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
        l.name,
        l.holderId,
        l.pid,
        l.host,
        l.pidNamespace ?? null,
        l.startedAt,
        l.heartbeatAt,
        l.ttlMs,
        l.name === 'state' ? top : l.token,
        l.releasedAt ?? null,
      ]);
    }
  }

  async simStats(): Promise<SimStats> {
    const row = (await this.on<{ doc_count: number; t: string; b: string }>('SELECT doc_count, title_len_sum::text AS t, body_len_sum::text AS b FROM similarity_meta WHERE id = 1'))[0];
    return { docs: row?.doc_count ?? 0, titleLenSum: Number(row?.t ?? 0), bodyLenSum: Number(row?.b ?? 0) };
  }

  async *simTerms(batch: number): AsyncIterable<SimTerm[]> {
    for await (const page of this.fetch<SimTerm>('SELECT id, term, df, kind FROM similarity_terms ORDER BY id', batch)) yield page;
  }

  async *simDocs(batch: number): AsyncIterable<SimDoc[]> {
    const text = `SELECT key, source_id, native_id, number, version, created_at, created_ms::text AS created_ms, fields::text AS fields, term_ids, weights, title_len, body_len, root_key, cluster_key
                    FROM similarity_docs ORDER BY id`;
    for await (const page of this.fetch<{
      key: string;
      source_id: string;
      native_id: string;
      number: string;
      version: string;
      created_at: string;
      created_ms: string;
      fields: string;
      term_ids: number[];
      weights: number[];
      title_len: number;
      body_len: number;
      root_key: string | null;
      cluster_key: string | null;
    }>(text, batch)) {
      yield page.map((r) => ({
        key: r.key,
        sourceId: r.source_id,
        nativeId: r.native_id,
        number: r.number,
        version: r.version,
        createdAt: r.created_at,
        createdMs: Number(r.created_ms),
        fields: JSON.stringify(JSON.parse(r.fields)),
        titleLen: r.title_len,
        bodyLen: r.body_len,
        entries: r.term_ids.map((id, i): [number, number] => [id, r.weights[i] ?? 0]).sort((a, b) => a[0] - b[0]),
        rootKey: r.root_key,
        clusterKey: r.cluster_key,
      }));
    }
  }

  async writeSimTerms(terms: readonly SimTerm[]): Promise<void> {
    await this.on(`INSERT INTO similarity_terms (id, term, df, kind) OVERRIDING SYSTEM VALUE SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[])`, [
      terms.map((t) => t.id),
      terms.map((t) => t.term),
      terms.map((t) => t.df),
      terms.map((t) => t.kind),
    ]);
  }

  async writeSimDocs(docs: readonly SimDoc[]): Promise<void> {
    const ids = docs.map(() => this.nextDocId++);
    const col = <T>(f: (d: SimDoc, i: number) => T): T[] => docs.map(f);
    await this.on(
      `INSERT INTO similarity_docs (id, key, source_id, native_id, number, version, created_at, created_ms, fields, fields_norm, term_ids, weights, title_len, body_len, self_hint, root_key, cluster_key)
       OVERRIDING SYSTEM VALUE
       SELECT u.id, u.key, u.source_id, u.native_id, u.number, u.version, u.created_at, u.created_ms, u.fields::jsonb, u.fields_norm::jsonb, u.term_ids::int[], u.weights::float8[],
              u.title_len, u.body_len, 0, u.root_key, u.cluster_key
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[], $14::int[], $15::text[], $16::text[])
           AS u(id, key, source_id, native_id, number, version, created_at, created_ms, fields, fields_norm, term_ids, weights, title_len, body_len, root_key, cluster_key)`,
      [
        ids,
        col((d) => d.key),
        col((d) => d.sourceId),
        col((d) => d.nativeId),
        col((d) => d.number),
        col((d) => d.version),
        col((d) => d.createdAt),
        col((d) => d.createdMs),
        col((d) => d.fields),
        col((d) => JSON.stringify(normFields(d.fields))),
        col((d) => `{${d.entries.map((e) => e[0]).join(',')}}`),
        col((d) => `{${d.entries.map((e) => e[1]).join(',')}}`),
        col((d) => d.titleLen),
        col((d) => d.bodyLen),
        col((d) => d.rootKey),
        col((d) => d.clusterKey),
      ],
    );
  }

  async finishSim(stats: SimStats): Promise<void> {
    await this.on('UPDATE similarity_meta SET doc_count = $1, title_len_sum = $2, body_len_sum = $3, hint_count = 0 WHERE id = 1', [stats.docs, stats.titleLenSum, stats.bodyLenSum]);
    // The postings a query reads, one per (term, ticket) with the ticket's weight, as PostgresCandidateIndex.upsert
    // writes them: derived from the vectors in one statement (measured: half the time of sending them as parameters).
    await this.on(
      `INSERT INTO similarity_postings (term_id, source_id, created_ms, doc_id, weight)
       SELECT u.term_id, d.source_id, d.created_ms, d.id, u.weight FROM similarity_docs d CROSS JOIN LATERAL unnest(d.term_ids, d.weights) AS u(term_id, weight)`,
    );
    for (const name of ['similarity_terms', 'similarity_docs']) {
      await this.on(`SELECT setval(pg_get_serial_sequence($1, 'id'), max(id)) FROM ${name} HAVING max(id) IS NOT NULL`, [name]);
    }
    // The stored self-scores a bounded query ranks by: the index computes them (and records the count it did it at).
    const client = this.client;
    if (!client) throw new Error('internal: similarity written outside a transaction');
    await new PostgresCandidateIndex({ query: async (text, params) => ({ rows: (await client.query(text, params)).rows }) }).refreshHints();
  }

  async close(): Promise<void> {
    await this.rollback();
    await this.pool.end();
    await this.store.close();
  }
}

function normFields(fields: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parsed: unknown = JSON.parse(fields);
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [k, v] of Object.entries(parsed)) {
    const x = typeof v === 'string' ? normField(v) : undefined;
    if (x !== undefined) out[k] = x;
  }
  return out;
}

function fromPostgres(type: ColumnType, value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (type === 'bigint') return Number(value);
  // SQLite's writers store JSON.stringify's compact text; jsonb comes back spaced and key-sorted.
  if (type === 'jsonb' && typeof value === 'string') return JSON.stringify(JSON.parse(value));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`unexpected PostgreSQL value of type ${typeof value}`);
}

function toText(value: Value): string | null {
  return value === null ? null : String(value);
}

// ---------------------------------------------------------------------------------------------
// Digests: what verification compares, independent of row order and of each side's layout

/** Sum (mod 2^64) of a hash per row: equal multisets of rows give equal digests, in any order. */
class Digest {
  private sum = 0n;
  rows = 0;

  add(parts: readonly string[]): void {
    const hash = createHash('sha256').update(parts.join('\u0001')).digest();
    this.sum = (this.sum + hash.readBigUInt64LE(0)) & 0xffffffffffffffffn;
    this.rows++;
  }

  get value(): string {
    return `${this.rows}:${this.sum.toString(16)}`;
  }
}

/** JSON with sorted keys: two texts of one value (SQLite's, jsonb's) compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function rowParts(spec: TableSpec, row: readonly Value[]): string[] {
  return spec.columns.map((c, i) => {
    const v = row[i] ?? null;
    return c.type === 'jsonb' && typeof v === 'string' ? canonicalJson(JSON.parse(v)) : JSON.stringify(v);
  });
}

/** A similarity ticket's identity, fields, family, cluster, lengths and terms (weights differ in precision between the layouts). */
function simDocParts(d: SimDoc): string[] {
  return [
    d.key,
    d.sourceId,
    d.nativeId,
    d.number,
    d.version,
    d.createdAt,
    canonicalJson(JSON.parse(d.fields)),
    String(d.titleLen),
    String(d.bodyLen),
    d.entries.map((e) => e[0]).join(','),
    `${d.rootKey}`,
    `${d.clusterKey}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// The migration

async function openSide(location: StateLocation, options: MigrateOptions): Promise<Side> {
  const clock = options.clock ?? (() => new Date());
  const identity = options.identity ?? thisProcess();
  if (location.kind === 'sqlite') {
    const store = openSqliteStore(location.path, clock, identity);
    try {
      return new SqliteSide(store, location.path, location.path);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  const store = await openPostgresStore(location.url, { max: 2, clock, identity, applicationName: 'deskbridge state migrate' });
  // A pool of its own for the copy (snapshot, cursors, one write transaction); the store's stays the store's, for its API.
  return new PostgresSide(store, redactUrl(location.url), createPool(location.url, { max: 2, applicationName: 'deskbridge state migrate' }));
}

function knownTables(kind: 'sqlite' | 'postgres'): Set<string> {
  const known = new Set<string>([...TABLES.map((t) => t.name), ...SIM_TABLES[kind], LEASE_TABLE[kind]]);
  if (kind === 'sqlite') known.add('sim_stats');
  // `daemons` is who runs now (a registry each daemon fills as it starts), not state: it is not copied.
  else for (const t of ['similarity_meta', 'schema_migrations', 'daemons']) known.add(t);
  return known;
}

/** Refuses unless every table of the target is empty (the similarity totals at zero). */
async function assertEmpty(target: Side): Promise<void> {
  const names = await target.tableNames();
  const check = [...TABLES.map((t) => t.name), ...SIM_TABLES[target.kind], LEASE_TABLE[target.kind], ...names.filter((n) => !knownTables(target.kind).has(n))];
  for (const name of check) {
    if (!names.includes(name)) continue;
    const rows = await target.count(name);
    if (rows > 0) {
      throw new MigrateRefusedError(
        `the target ${target.location} is not empty: table ${name} holds ${plural(rows, 'row')}. Migrate into an empty ${target.kind === 'postgres' ? 'database (CREATE DATABASE …)' : 'file (a path that does not exist yet)'}; nothing was written`,
      );
    }
  }
  if ((await target.simStats()).docs > 0) throw new MigrateRefusedError(`the target ${target.location} is not empty: its similarity index counts tickets; nothing was written`);
}

/** Refuses while a holder that is not provably gone holds the source (a daemon syncing it would change it under the copy). */
async function assertSourceFree(source: Side, options: MigrateOptions): Promise<string[]> {
  const now = (options.clock ?? (() => new Date()))();
  const me = options.identity ?? thisProcess();
  const warnings: string[] = [];
  for (const lease of await source.leases()) {
    if (lease.releasedAt !== undefined) continue;
    const stale = staleness(lease, now, me);
    if (stale) continue;
    const line = `the source ${source.location} is held by a running daemon (lease ${lease.name}: ${describeHolder(lease, now)})`;
    if (!options.force) throw new MigrateRefusedError(`${line}. Stop it first (the copy must not miss its writes), or pass --force if that process is gone; nothing was written`);
    warnings.push(`${line}; copying anyway (--force)`);
  }
  return warnings;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

async function drain<T>(items: AsyncIterable<T[]>, each: (page: T[]) => Promise<void>): Promise<void> {
  for await (const page of items) await each(page);
}

export async function migrateState(from: string, to: string, options: MigrateOptions = {}): Promise<MigrateSummary> {
  const started = performance.now();
  const batch = options.batchSize ?? 5000;
  const progress = options.onProgress ?? (() => undefined);
  const src = parseLocation(from);
  const dst = parseLocation(to);
  const same = src.kind === 'sqlite' && dst.kind === 'sqlite' ? resolve(src.path) === resolve(dst.path) : src.kind === 'postgres' && dst.kind === 'postgres' && src.url === dst.url;
  if (same) throw new MigrateRefusedError(`--from and --to are the same state (${describeLocation(src)})`);
  // Opening a missing file would create an empty state and "migrate" nothing.
  if (src.kind === 'sqlite' && !existsSync(src.path)) throw new MigrateRefusedError(`there is no state file at ${src.path}`);

  const source = await openSide(src, options);
  let opened: Side | undefined;
  try {
    // The source's refusals first: a refused migration does not even create the target's schema.
    const warnings = await assertSourceFree(source, options);
    for (const w of warnings) progress(w);
    // Tables the source holds that this version does not know would be lost: refuse.
    const unknown: string[] = [];
    for (const name of await source.tableNames()) if (!knownTables(source.kind).has(name) && (await source.count(name)) > 0) unknown.push(name);
    if (unknown.length > 0) throw new MigrateRefusedError(`the source has table${unknown.length === 1 ? '' : 's'} this version does not know how to copy: ${unknown.join(', ')}; nothing was written`);

    const target = await openSide(dst, options);
    opened = target;

    const copied = new Map<string, { rows: number; digest: string }>();
    const sourceIds = new Set<string>();
    let simDigest = '';
    let simDocCount = 0;
    let simTermDigest = '';
    let simTermCount = 0;
    let stats: SimStats = { docs: 0, titleLenSum: 0, bodyLenSum: 0 };
    let leaseToken: number | undefined;
    await source.beginRead();
    await target.beginWrite();
    let current = 'the emptiness check';
    try {
      // Inside the target's transaction: nothing can be written to it between the check and the copy's commit (SQLite's write lock; on PostgreSQL a daemon would fail on a duplicate).
      await assertEmpty(target);
      for (const spec of TABLES) {
        current = `table ${spec.name}`;
        const digest = new Digest();
        await drain(source.rows(spec, batch), async (rows) => {
          for (const row of rows) digest.add(rowParts(spec, row));
          if (spec.name === 'watermarks') for (const row of rows) sourceIds.add(String(row[0]));
          await target.insert(spec, rows);
        });
        if (spec.serial) await target.setSequence(spec, await source.sequenceHigh(spec));
        copied.set(spec.name, { rows: digest.rows, digest: digest.value });
        if (digest.rows > 0) progress(`${spec.name}: ${plural(digest.rows, 'row')}`);
      }
      current = 'the lease';
      const leases = await source.leases();
      // A holder left unreleased (a crashed daemon, or --force) runs on the source, never on the target: released there.
      const releasedAt = (options.clock ?? (() => new Date()))().toISOString();
      await target.writeLeases(leases.map((l) => ({ ...l, releasedAt: l.releasedAt ?? releasedAt })));
      leaseToken = leases.length > 0 ? Math.max(...leases.map((l) => l.token)) : undefined;

      current = 'the similarity index';
      stats = await source.simStats();
      const termDigest = new Digest();
      await drain(source.simTerms(batch), async (terms) => {
        for (const t of terms) termDigest.add([String(t.id), t.term, String(t.df)]);
        await target.writeSimTerms(terms);
      });
      simTermCount = termDigest.rows;
      simTermDigest = termDigest.value;
      const docs = new Digest();
      await drain(source.simDocs(batch), async (page) => {
        for (const d of page) docs.add(simDocParts(d));
        await target.writeSimDocs(page);
      });
      await target.finishSim(stats);
      simDigest = docs.value;
      simDocCount = docs.rows;
      progress(`similarity index: ${plural(docs.rows, 'ticket')}, ${plural(simTermCount, 'term')}`);
      current = 'the commit';
      await source.endRead();
      await target.commit();
    } catch (error) {
      await target.rollback();
      await source.endRead().catch(() => undefined);
      if (error instanceof MigrateRefusedError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`copying ${current} failed: ${message}. Nothing was committed to the target (its one transaction was rolled back); fix the cause and run the command again`, {
        cause: error,
      });
    }

    // Verification, on what the target now holds (a fresh read after the commit).
    const differences: string[] = [];
    let leaseRows = 0;
    await target.beginRead();
    try {
      for (const spec of TABLES) {
        const digest = new Digest();
        await drain(target.rows(spec, batch), async (rows) => {
          for (const row of rows) digest.add(rowParts(spec, row));
        });
        const expected = copied.get(spec.name);
        if (expected?.rows !== digest.rows) differences.push(`${spec.name}: ${expected?.rows ?? 0} rows in the source, ${digest.rows} in the target`);
        else if (expected.digest !== digest.value) differences.push(`${spec.name}: the same number of rows (${digest.rows}) but different contents`);
      }
      const docs = new Digest();
      await drain(target.simDocs(batch), async (page) => {
        for (const d of page) docs.add(simDocParts(d));
      });
      if (docs.value !== simDigest) differences.push(`similarity index: the tickets differ (source ${simDigest}, target ${docs.value})`);
      // Kinds are left out: opening a converted SQLite index re-classifies its terms (convertLegacy).
      const terms = new Digest();
      await drain(target.simTerms(batch), async (page) => {
        for (const t of page) terms.add([String(t.id), t.term, String(t.df)]);
      });
      if (terms.value !== simTermDigest) differences.push(`similarity index: the terms differ (${simTermCount} in the source, ${terms.rows} in the target)`);
      const targetStats = await target.simStats();
      if (JSON.stringify(targetStats) !== JSON.stringify(stats)) differences.push(`similarity index totals: source ${JSON.stringify(stats)}, target ${JSON.stringify(targetStats)}`);
      const targetLeases = await target.leases();
      leaseRows = targetLeases.length;
      const targetToken = targetLeases.reduce<number | undefined>((max, l) => Math.max(max ?? 0, l.token), undefined);
      if (targetToken !== leaseToken) differences.push(`lease token: ${leaseToken ?? 'none'} in the source, ${targetToken ?? 'none'} in the target`);
    } finally {
      await target.endRead();
    }

    // Through the stores' own APIs: what a daemon and `audit verify` will read.
    const auditHeads = { qa: null, actions: null } as Record<AuditLogName, StoredAuditHead | null>;
    for (const log of ['qa', 'actions'] as const) {
      const a = (await source.store.audit.head(log)) ?? null;
      const b = (await target.store.audit.head(log)) ?? null;
      auditHeads[log] = a;
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`audit head ${log}: source ${JSON.stringify(a)}, target ${JSON.stringify(b)}`);
    }
    for (const id of sourceIds) {
      const a = await source.store.getWatermark(id);
      const b = await target.store.getWatermark(id);
      if (a !== b) differences.push(`watermark of ${id}: source ${a}, target ${b}`);
    }
    const outboxA = await source.store.outbox.counts();
    const outboxB = await target.store.outbox.counts();
    if (JSON.stringify(outboxA) !== JSON.stringify(outboxB)) differences.push(`outbox counts: source ${JSON.stringify(outboxA)}, target ${JSON.stringify(outboxB)}`);
    const indexedA = await source.store.history.indexedCount();
    const indexedB = await target.store.history.indexedCount();
    if (indexedA !== indexedB) differences.push(`indexed tickets: source ${indexedA}, target ${indexedB}`);

    const tables = [
      ...[...copied].map(([name, c]) => ({ name, rows: c.rows })),
      { name: LEASE_TABLE[target.kind], rows: leaseRows },
      { name: 'similarity_terms', rows: simTermCount },
      { name: 'similarity_docs', rows: simDocCount },
    ];
    return {
      from: source.location,
      to: target.location,
      tables,
      similarity: `converted (not rebuilt: the state keeps term vectors, not the tickets' text): ${plural(simDocCount, 'ticket')} and ${plural(simTermCount, 'term')} with their ids, document frequencies and vectors${target.kind === 'postgres' ? '; postings and self-scores derived' : '; row ids and FTS5 postings written by the SQLite index'}`,
      auditHeads,
      leaseToken,
      differences,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await opened?.close();
    await source.close();
  }
}
