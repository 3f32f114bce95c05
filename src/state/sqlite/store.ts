import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlannedAction, planOf } from '../../model/action.js';
import { isOpen } from '../../model/ticket.js';
import type { LifecycleVersion } from '../../model/lifecycle-version.js';
import type { BatchCommit, OutboxStatus, OutboxStore, PassLogEntry, PassRecord, QuarantineEntry, QuarantineStatus, StateStore, TicketState } from '../types.js';
import { toOutboxEntry, toPassLogEntry, toTicketState, type OutboxRow, type PassLogRow, type TicketRow } from '../rows.js';
import { SqliteAuditQueue } from './audit-queue.js';
import { SqliteEscalationLinks } from './escalations.js';
import { SqliteHistoryStore } from './history.js';
import { migrations } from './migrations.js';
import { RuleMarks } from './rule-marks.js';
import { thisProcess, type ProcessIdentity } from '../lease.js';
import { SqliteStateLeases, type WriteTransaction } from './lease.js';
import { SqliteCandidateIndex } from '../../similarity/sqlite-index.js';

const PLAN_OF = (table: string): string =>
  `coalesce(json_extract(${table}.planned, '$.plan'), json_extract(${table}.planned, '$.target.ticketKey') || '@' || json_extract(${table}.planned, '$.target.version'))`;

/**
 * An entry is held behind a dead earlier entry of its lane that belongs to its plan, or that was meant
 * to create the lane's problem — only when that entry died before dead-lettering resolved its
 * dependents (outcome NULL: state files from earlier versions). Since then `markDead` dead-letters
 * the entries that build on it and leaves the others free (`outcome = 'dead'`).
 */
const HELD_BEHIND_DEAD = `(earlier.outcome IS NULL AND (${PLAN_OF('earlier')} = ${PLAN_OF('outbox')} OR earlier.action_type = 'create-problem'))`;

/** Passes kept per source in the pass log: days to weeks of a cron schedule, about 110 KB with its index (measured). */
const PASS_LOG_KEEP = 1000;

/** How long a connection waits for another's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating if needed) the SQLite state file and brings its schema up to date. Safe when
 * several processes open the same new file at the same instant: the busy timeout applies from
 * the first statement and each migration re-checks the version under the write lock.
 */
export function openSqliteStore(path: string, clock: () => Date = () => new Date(), identity: ProcessIdentity = thisProcess()): SqliteStateStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  // WAL survives a killed process without losing committed transactions, and lets readers
  // (the CLI's `outbox list`) run beside the daemon.
  // Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
  // (no busy handler) when another process is switching it at the same instant: retry until the
  // busy timeout.
  untilNotBusy(() => db.pragma('journal_mode = WAL'));
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return new SqliteStateStore(db, clock, path, identity);
}

function untilNotBusy<T>(fn: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 5 + Math.floor(Math.random() * 20));
    }
  }
}

/**
 * History (similarity index, duplicate families, pattern counts) in a private in-memory database,
 * for tools that evaluate rules without a daemon's state file (rule tests, explain on a file).
 */
export function scratchHistory(): SqliteHistoryStore {
  return openSqliteStore(':memory:').history;
}

function migrate(db: Database.Database): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() >= migrations.length) return;
  // IMMEDIATE: a second process migrating the same file waits for the first, then finds the
  // version already moved on (a deferred transaction would fail with SQLITE_BUSY on upgrade).
  db.transaction(() => {
    for (let next = version(); next < migrations.length; next++) {
      db.exec(migrations[next] ?? '');
      db.pragma(`user_version = ${next + 1}`);
    }
    // Migration 11 leaves the old similarity rows for the index to re-write from their vectors
    // (code, not SQL). Opening the index does it — here, inside the migration's transaction, so
    // no other process ever opens the half-converted layout or has to write to finish it.
    if (db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sim_docs_v1'`).get()) new SqliteCandidateIndex(db);
  }).immediate();
}

export class SqliteStateStore implements StateStore {
  readonly outbox: OutboxStore;
  readonly history: SqliteHistoryStore;
  readonly audit: SqliteAuditQueue;
  readonly escalations: SqliteEscalationLinks;
  readonly leases: SqliteStateLeases;
  private readonly stmts;
  /**
   * Every change to source state goes through here: one IMMEDIATE transaction (the write lock is
   * taken first, so nothing can commit between the fencing check and this commit) that begins by
   * checking the store's lease is still current.
   */
  private readonly write: WriteTransaction;
  private readonly ruleMarks: RuleMarks;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => Date,
    location = ':memory:',
    identity: ProcessIdentity = thisProcess(),
  ) {
    this.leases = new SqliteStateLeases(db, location, clock, identity);
    this.write = (fn) =>
      db
        .transaction(() => {
          this.leases.fence();
          return fn();
        })
        .immediate();
    this.stmts = {
      getWatermark: db.prepare<[string], { updated_at: string }>('SELECT updated_at FROM watermarks WHERE source_id = ?'),
      setWatermark: db.prepare(
        `INSERT INTO watermarks (source_id, updated_at) VALUES (?, ?)
         ON CONFLICT(source_id) DO UPDATE SET updated_at = max(updated_at, excluded.updated_at)`,
      ),
      getStartPoint: db.prepare<[string], { act_from: string }>('SELECT act_from FROM source_start_points WHERE source_id = ?'),
      setStartPoint: db.prepare(
        `INSERT INTO source_start_points (source_id, act_from, recorded_at) VALUES (?, ?, ?)
         ON CONFLICT(source_id) DO UPDATE SET act_from = excluded.act_from, recorded_at = excluded.recorded_at`,
      ),
      passRecord: db.prepare<[string], { first_completed_at: string; last_completed_at: string }>('SELECT first_completed_at, last_completed_at FROM source_passes WHERE source_id = ?'),
      recordPass: db.prepare(
        `INSERT INTO source_passes (source_id, first_completed_at, last_completed_at) VALUES (?, ?, ?)
         ON CONFLICT(source_id) DO UPDATE SET last_completed_at = excluded.last_completed_at`,
      ),
      ledgerHas: db.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM ledger WHERE source_id = ? AND native_id = ? AND version = ?'),
      ledgerAdd: db.prepare('INSERT OR IGNORE INTO ledger (source_id, native_id, version, updated_at) VALUES (?, ?, ?, ?)'),
      ledgerPrune: db.prepare('DELETE FROM ledger WHERE source_id = ? AND updated_at < ?'),
      ownVersionHas: db.prepare<[string, string, string], { one: number }>('SELECT 1 AS one FROM own_versions WHERE source_id = ? AND native_id = ? AND version = ?'),
      ownVersionAdd: db.prepare('INSERT OR IGNORE INTO own_versions (source_id, native_id, version, written_at) SELECT source_id, ?, ?, ? FROM outbox WHERE id = ?'),
      ownVersionPrune: db.prepare('DELETE FROM own_versions WHERE source_id = ? AND written_at < ?'),
      getTicket: db.prepare<[string], TicketRow>('SELECT * FROM tickets WHERE key = ?'),
      upsertTicket: db.prepare(
        `INSERT INTO tickets (key, source_id, native_id, number, version, status, is_open, grp, assignee, updated_at, status_since, sla_due_at, snapshot, resolved_at, rules_triggered, rules_applied)
         VALUES (@key, @sourceId, @nativeId, @number, @version, @status, @isOpen, @group, @assignee, @updatedAt, @statusSince, @slaDueAt, @snapshot, @resolvedAt, @rulesTriggered, @rulesApplied)
         ON CONFLICT(key) DO UPDATE SET version = excluded.version, status = excluded.status, is_open = excluded.is_open,
           grp = excluded.grp, assignee = excluded.assignee, updated_at = excluded.updated_at, number = excluded.number,
           status_since = excluded.status_since, sla_due_at = excluded.sla_due_at, snapshot = excluded.snapshot, resolved_at = excluded.resolved_at,
           rules_triggered = excluded.rules_triggered, rules_applied = excluded.rules_applied`,
      ),
      openLoadsAll: db.prepare<[], { source_id: string; assignee: string; n: number }>(
        'SELECT source_id, assignee, count(*) AS n FROM tickets WHERE is_open = 1 AND assignee IS NOT NULL GROUP BY source_id, assignee',
      ),
      slaDue: db.prepare<[string, string, number], TicketRow>('SELECT * FROM tickets WHERE source_id = ? AND is_open = 1 AND sla_due_at IS NOT NULL AND sla_due_at <= ? ORDER BY sla_due_at LIMIT ?'),
      openLoads: db.prepare<[string], { assignee: string; n: number }>('SELECT assignee, count(*) AS n FROM tickets WHERE source_id = ? AND is_open = 1 AND assignee IS NOT NULL GROUP BY assignee'),
      // Keyed `<source>/<rule>`: sources syncing in parallel must not overwrite each other's rotation.
      roundRobin: db.prepare<[string, string, string], { rule_id: string; position: number }>(
        // substr rather than LIKE: a source id may hold `_`, which LIKE reads as any character.
        `SELECT substr(rule_id, length(?) + 2) AS rule_id, position FROM round_robin WHERE substr(rule_id, 1, length(?) + 1) = ? || '/'`,
      ),
      setRoundRobin: db.prepare('INSERT INTO round_robin (rule_id, position) VALUES (?, ?) ON CONFLICT(rule_id) DO UPDATE SET position = excluded.position'),
      enqueue: db.prepare(
        `INSERT OR IGNORE INTO outbox (id, source_id, ticket_key, rule_id, action_type, planned, next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      quarantine: db.prepare(
        `INSERT INTO quarantine (source_id, native_id, version, error, raw, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(source_id, native_id, version) DO UPDATE SET error = excluded.error, raw = excluded.raw, status = 'open'`,
      ),
      quarantineList: db.prepare<[string | null, string | null, string | null, string | null], QuarantineRow>(
        'SELECT * FROM quarantine WHERE (? IS NULL OR source_id = ?) AND (? IS NULL OR status = ?) ORDER BY id',
      ),
      quarantineCount: db
        .prepare<[string | null, string | null, string | null, string | null], number>('SELECT count(*) FROM quarantine WHERE (? IS NULL OR source_id = ?) AND (? IS NULL OR status = ?)')
        .pluck(true),
      quarantineRetry: db.prepare<[number | null, number | null, string | null, string | null]>(
        `UPDATE quarantine SET status = 'retry' WHERE status = 'open' AND native_id IS NOT NULL AND (? IS NULL OR id = ?) AND (? IS NULL OR source_id = ?)`,
      ),
      quarantineResolve: db.prepare<[number]>(`UPDATE quarantine SET status = 'resolved' WHERE id = ?`),
      // Entries share a lane (`ticket_key`: the ticket, or a problem and its links). An entry waits
      // while an earlier entry of its lane waits for its retry, so a note never overtakes the
      // assignment it describes; and while an earlier entry of the same plan is dead, so a note
      // never describes an assignment that did not happen (nor a link to a problem never created).
      due: db.prepare<[string, string, string, number], OutboxRow>(
        `SELECT * FROM outbox WHERE source_id = ? AND status = 'pending' AND next_attempt_at <= ?
           AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.ticket_key = outbox.ticket_key AND earlier.seq < outbox.seq
             AND ((earlier.status = 'pending' AND earlier.next_attempt_at > ?)
               OR (earlier.status = 'dead' AND ${HELD_BEHIND_DEAD})))
         ORDER BY seq LIMIT ?`,
      ),
      planned: db.prepare<[string], { planned: string }>('SELECT planned FROM outbox WHERE id = ?'),
      markAttempt: db.prepare(`UPDATE outbox SET attempts = attempts + 1, updated_at = ? WHERE id = ?`),
      releaseAttempt: db.prepare(`UPDATE outbox SET attempts = max(0, attempts - 1), updated_at = ? WHERE id = ? AND status = 'pending'`),
      versionPrune: db.prepare<[string, string]>('DELETE FROM ticket_versions WHERE source_id = ? AND at < ?'),
      versionAdd: db.prepare<[string, string, string, string, string]>('INSERT OR IGNORE INTO ticket_versions (key, version, source_id, at, data) VALUES (?, ?, ?, ?, ?)'),
      // Stored JSON is ours (written above), parsed as the type it was written as.
      versionsAfter: db.prepare<[string | null, string | null, string, string, string], { at: string; key: string; version: string; data: string }>(
        'SELECT at, key, version, data FROM ticket_versions WHERE (? IS NULL OR source_id = ?) AND (at, key, version) > (?, ?, ?) ORDER BY at, key, version LIMIT 2000',
      ),
      versionsOf: db.prepare<[string], { data: string }>('SELECT data FROM ticket_versions WHERE key = ?'),
      // By ticket_versions_number (migration 14): the expression must match the index's exactly.
      versionKeyByNumber: db.prepare<[string, string], string>("SELECT key FROM ticket_versions WHERE source_id = ? AND json_extract(data, '$.number') = ? LIMIT 1").pluck(true),
      passLogAdd: db.prepare(
        `INSERT INTO pass_log (source_id, started_at, finished_at, outcome, duration_ms, pulled, planned, skipped, quarantined,
           sent, unchanged, superseded, failed, dead, would_send, pending_writes, requests, dry_run, error)
         VALUES (@sourceId, @startedAt, @finishedAt, @outcome, @durationMs, @pulled, @planned, @skipped, @quarantined,
           @sent, @unchanged, @superseded, @failed, @dead, @wouldSend, @pendingWrites, @requests, @dryRun, @error)`,
      ),
      // Everything at or below the source's (keep+1)-th newest id; nothing while it has no more than `keep`.
      passLogTrim: db.prepare<[string, string, number]>('DELETE FROM pass_log WHERE source_id = ? AND id <= (SELECT id FROM pass_log WHERE source_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)'),
      // Two statements rather than `? IS NULL OR source_id = ?`, so one source's passes are read through pass_log_source.
      passLogRecent: db.prepare<[number], PassLogRow>('SELECT * FROM pass_log ORDER BY id DESC LIMIT ?'),
      passLogRecentOf: db.prepare<[string, number], PassLogRow>('SELECT * FROM pass_log WHERE source_id = ? ORDER BY id DESC LIMIT ?'),
      routed: db.prepare<[], string>(`SELECT DISTINCT json_extract(planned, '$.target.ticketKey') FROM outbox WHERE action_type = 'assign' AND status = 'done' AND outcome = 'updated'`).pluck(true),
      markDone: db.prepare(`UPDATE outbox SET status = 'done', outcome = ?, ref = ?, last_error = ?, updated_at = ? WHERE id = ?`),
      markFailed: db.prepare(`UPDATE outbox SET last_error = ?, next_attempt_at = ?, updated_at = ?, attempts = max(0, attempts - ?) WHERE id = ?`),
      // outcome 'dead': its dependents were resolved; 'held:<id>': dead-lettered with entry <id>.
      markDead: db.prepare(`UPDATE outbox SET status = 'dead', outcome = ?, last_error = ?, updated_at = ? WHERE id = ?`),
      laterInLane: db.prepare<[string], { id: string; planned: string }>(
        `SELECT later.id, later.planned FROM outbox AS later JOIN outbox AS dead ON dead.id = ?
           WHERE later.ticket_key = dead.ticket_key AND later.seq > dead.seq AND later.status = 'pending' ORDER BY later.seq`,
      ),
      // Entries held behind a dead entry of their own plan wait for an admin, not for a time.
      nextAttempt: db.prepare<[string], { at: string | null }>(
        `SELECT min(next_attempt_at) AS at FROM outbox WHERE source_id = ? AND status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.ticket_key = outbox.ticket_key AND earlier.seq < outbox.seq
             AND earlier.status = 'dead' AND ${HELD_BEHIND_DEAD})`,
      ),
      counts: db.prepare<[string | null, string | null], { status: OutboxStatus; n: number }>('SELECT status, count(*) AS n FROM outbox WHERE (? IS NULL OR source_id = ?) GROUP BY status'),
      discarded: db.prepare<[string | null, string | null], number>("SELECT count(*) FROM outbox WHERE status = 'dead' AND outcome = 'discarded' AND (? IS NULL OR source_id = ?)").pluck(true),
    };
    this.audit = new SqliteAuditQueue(db, clock, this.write);
    this.escalations = new SqliteEscalationLinks(db);
    this.ruleMarks = new RuleMarks(db);
    this.history = new SqliteHistoryStore(db, clock, this.write);
    this.outbox = this.createOutbox();
  }

  async getWatermark(sourceId: string): Promise<string | null> {
    return this.stmts.getWatermark.get(sourceId)?.updated_at ?? null;
  }

  async getStartPoint(sourceId: string): Promise<string | null> {
    return this.stmts.getStartPoint.get(sourceId)?.act_from ?? null;
  }

  async setStartPoint(sourceId: string, actFrom: string): Promise<void> {
    this.write(() => this.stmts.setStartPoint.run(sourceId, actFrom, this.clock().toISOString()));
  }

  async passRecord(sourceId: string): Promise<PassRecord | null> {
    const row = this.stmts.passRecord.get(sourceId);
    return row ? { firstCompletedAt: row.first_completed_at, lastCompletedAt: row.last_completed_at } : null;
  }

  async recordPassCompleted(sourceId: string): Promise<void> {
    const now = this.clock().toISOString();
    this.write(() => this.stmts.recordPass.run(sourceId, now, now));
  }

  async seenVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>> {
    const seen = new Set<string>();
    for (const r of records) {
      if (this.stmts.ledgerHas.get(sourceId, r.nativeId, r.version)) seen.add(`${r.nativeId}@${r.version}`);
    }
    return seen;
  }

  async ownVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>> {
    const own = new Set<string>();
    for (const r of records) {
      if (this.stmts.ownVersionHas.get(sourceId, r.nativeId, r.version)) own.add(`${r.nativeId}@${r.version}`);
    }
    return own;
  }

  async pruneLedger(sourceId: string, olderThan: string): Promise<number> {
    return this.write(() => {
      // Own versions are stamped by this machine's clock, the ledger by the platform's: a day's
      // margin keeps a clock skew from forgetting an own write before it is pulled.
      const ownHorizon = new Date(Date.parse(olderThan) - 86_400_000).toISOString();
      this.stmts.ownVersionPrune.run(sourceId, ownHorizon);
      return this.stmts.ledgerPrune.run(sourceId, olderThan).changes;
    });
  }

  async pruneVersions(sourceId: string, olderThan: string): Promise<number> {
    return this.write(() => this.stmts.versionPrune.run(sourceId, olderThan).changes);
  }

  async getTickets(keys: readonly string[]): Promise<Map<string, TicketState>> {
    const out = new Map<string, TicketState>();
    for (const key of keys) {
      const row = this.stmts.getTicket.get(key);
      if (row) out.set(key, toTicketState(row));
    }
    return out;
  }

  async openLoads(sourceId: string): Promise<Map<string, number>> {
    return new Map(this.stmts.openLoads.all(sourceId).map((r) => [r.assignee, r.n]));
  }

  async openLoadsBySource(): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    for (const row of this.stmts.openLoadsAll.all()) {
      const perSource = out.get(row.source_id) ?? new Map<string, number>();
      perSource.set(row.assignee, row.n);
      out.set(row.source_id, perSource);
    }
    return out;
  }

  async slaDue(sourceId: string, now: string, limit: number): Promise<TicketState[]> {
    return this.stmts.slaDue.all(sourceId, now, limit).map(toTicketState);
  }

  async roundRobinPositions(sourceId: string): Promise<Map<string, number>> {
    return new Map(this.stmts.roundRobin.all(sourceId, sourceId, sourceId).map((r) => [r.rule_id, r.position]));
  }

  async commitBatch(batch: BatchCommit): Promise<void> {
    const now = this.clock().toISOString();
    this.write(() => {
      for (const action of batch.actions) {
        this.stmts.enqueue.run(action.id, action.sourceId, action.lane ?? action.target.ticketKey, action.ruleId, action.action.type, JSON.stringify(action), now, now, now);
      }
      for (const [ruleId, position] of batch.roundRobin) this.stmts.setRoundRobin.run(`${batch.sourceId}/${ruleId}`, position);
      // A rule acting again on a ticket its dead writes never reached: those are replaced, never retried.
      const applied = new Map(batch.tickets.map((t) => [t.key, t.applied]));
      for (const { id, reason } of this.ruleMarks.replacedByNewPlan(batch.actions, (key) => applied.get(key))) {
        this.stmts.markDone.run('superseded', null, reason, now, id);
        this.audit.recordWrite(id, 'superseded', reason);
      }
      for (const t of batch.tickets) {
        this.stmts.upsertTicket.run({
          ...t,
          isOpen: isOpen(t.status) ? 1 : 0,
          group: t.group ?? null,
          assignee: t.assignee ?? null,
          statusSince: t.statusSince ?? null,
          slaDueAt: t.slaDueAt ?? null,
          snapshot: t.slaDueAt !== undefined ? (t.snapshot ?? null) : null,
          resolvedAt: t.resolvedAt ?? null,
          rulesTriggered: t.triggered ? JSON.stringify(t.triggered) : null,
          rulesApplied: t.applied ? JSON.stringify(t.applied) : null,
        });
      }
      // Before the new quarantine rows: a retried record that fails again reopens its row.
      for (const id of batch.resolveQuarantine ?? []) this.stmts.quarantineResolve.run(id);
      for (const q of batch.quarantine) {
        this.stmts.quarantine.run(q.sourceId, q.nativeId ?? null, q.version ?? null, q.error, JSON.stringify(q.raw ?? null), now);
      }
      for (const l of batch.ledger) this.stmts.ledgerAdd.run(batch.sourceId, l.nativeId, l.version, l.updatedAt);
      for (const v of batch.versions ?? []) this.stmts.versionAdd.run(v.key, v.version, batch.sourceId, v.updatedAt, JSON.stringify(v));
      if (batch.history) this.history.apply(batch.history);
      if (batch.audit) this.audit.enqueue(batch.audit);
      if (batch.watermark) this.stmts.setWatermark.run(batch.sourceId, batch.watermark);
    });
  }

  async quarantineCount(filter: { sourceId?: string; status?: QuarantineStatus } = {}): Promise<number> {
    const source = filter.sourceId ?? null;
    const status = filter.status ?? null;
    return this.stmts.quarantineCount.get(source, source, status, status) ?? 0;
  }

  async quarantineList(filter: { sourceId?: string; status?: QuarantineStatus } = {}): Promise<QuarantineEntry[]> {
    const source = filter.sourceId ?? null;
    const status = filter.status ?? null;
    return this.stmts.quarantineList.all(source, source, status, status).map((r) => ({
      id: r.id,
      sourceId: r.source_id,
      nativeId: r.native_id ?? undefined,
      version: r.version ?? undefined,
      error: r.error,
      raw: JSON.parse(r.raw) as unknown,
      status: r.status,
      createdAt: r.created_at,
    }));
  }

  async quarantineRetry(filter: { id?: number; sourceId?: string }): Promise<number> {
    const id = filter.id ?? null;
    const source = filter.sourceId ?? null;
    // Fenced like every other quarantine status change: a daemon that lost its lease changes nothing.
    return this.write(() => this.stmts.quarantineRetry.run(id, id, source, source).changes);
  }

  async quarantineResolve(ids: readonly number[]): Promise<void> {
    this.write(() => {
      for (const id of ids) this.stmts.quarantineResolve.run(id);
    });
  }

  // A page at a time, each read whole before its rows are handed out: a statement left open across
  // an await would make the connection refuse the daemon's next commit.
  async *lifecycleVersions(filter: { sourceId?: string } = {}): AsyncIterable<LifecycleVersion> {
    const source = filter.sourceId ?? null;
    let after = { at: '', key: '', version: '' };
    for (;;) {
      const page = this.stmts.versionsAfter.all(source, source, after.at, after.key, after.version);
      for (const row of page) yield JSON.parse(row.data) as LifecycleVersion;
      const last = page[page.length - 1];
      if (last === undefined || page.length < 2000) return;
      after = last;
    }
  }

  async ticketVersions(filter: { key: string } | { sourceId: string; number: string }): Promise<LifecycleVersion[]> {
    const key = 'key' in filter ? filter.key : this.stmts.versionKeyByNumber.get(filter.sourceId, filter.number);
    if (key === undefined) return [];
    return this.stmts.versionsOf
      .all(key)
      .map((row) => JSON.parse(row.data) as LifecycleVersion)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  // Fenced although the pass log is not source state (nothing is decided from it): a daemon that
  // lost its lease is stale, and its passes logged beside the new holder's would tell the console
  // two daemons sync the source. So the pass that finds the lease gone is not logged either: this
  // throws StateLeaseLostError, as its commits did.
  async recordPass(entry: PassLogEntry): Promise<void> {
    this.write(() => {
      const { written, ...pass } = entry;
      this.stmts.passLogAdd.run({ ...pass, ...written, dryRun: entry.dryRun ? 1 : 0, error: entry.error ?? null });
      this.stmts.passLogTrim.run(entry.sourceId, entry.sourceId, PASS_LOG_KEEP);
    });
  }

  async recentPasses(filter: { sourceId?: string; limit?: number } = {}): Promise<(PassLogEntry & { id: number })[]> {
    const limit = filter.limit ?? 50;
    const rows = filter.sourceId !== undefined ? this.stmts.passLogRecentOf.all(filter.sourceId, limit) : this.stmts.passLogRecent.all(limit);
    return rows.map(toPassLogEntry);
  }

  async routedTickets(): Promise<Set<string>> {
    return new Set(this.stmts.routed.all());
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private createOutbox(): OutboxStore {
    const { stmts, db, clock, audit, history, write, escalations } = this;
    const nowIso = (): string => clock().toISOString();
    const { ruleMarks } = this;
    const releasePlanOf = (id: string): void => {
      const row = stmts.planned.get(id);
      if (!row) return;
      const planned = PlannedAction.parse(JSON.parse(row.planned));
      history.releasePlan(planOf(planned));
      // A problem that could not be created is not open: the group may open a new one.
      if (planned.action.type === 'create-problem') history.closeProblem(planned.action.correlationKey);
    };
    return {
      async due(sourceId, now, limit) {
        return stmts.due.all(sourceId, now.toISOString(), now.toISOString(), limit).map(toOutboxEntry);
      },
      // Fenced like every outcome: a daemon that lost its lease must not start a write.
      async markAttempt(id) {
        write(() => stmts.markAttempt.run(nowIso(), id));
      },
      async markAttempts(ids) {
        write(() => {
          for (const id of ids) stmts.markAttempt.run(nowIso(), id);
        });
      },
      async releaseAttempts(ids) {
        write(() => {
          for (const id of ids) stmts.releaseAttempt.run(nowIso(), id);
        });
      },
      // Each outcome is recorded for the action log in the same transaction (dry-runs wrote nothing).
      async markDone(id, result) {
        write(() => {
          stmts.markDone.run(result.outcome, result.ref ?? null, result.reason ?? null, nowIso(), id);
          if (result.ownVersion !== undefined && result.ref !== undefined) stmts.ownVersionAdd.run(result.ref, result.ownVersion, nowIso(), id);
          // The copy exists now: its link commits with the outcome or not at all.
          if (result.link !== undefined) escalations.record(result.link);
          if (result.outcome !== 'dry-run') audit.recordWrite(id, result.outcome, result.reason, result.previous);
          if (result.outcome === 'superseded') releasePlanOf(id);
        });
      },
      async markFailed(id, error, nextAttemptAt, options) {
        write(() => {
          stmts.markFailed.run(error, nextAttemptAt.toISOString(), nowIso(), options?.notProcessed ? 1 : 0, id);
          audit.recordWrite(id, 'failed', error);
        });
      },
      async markDead(id, reason, dependents) {
        return write(() => {
          // Without `dependents` the rest of its plan stays held (outcome NULL) until an admin retries it.
          stmts.markDead.run(dependents ? 'dead' : null, reason, nowIso(), id);
          audit.recordWrite(id, 'dead', reason);
          releasePlanOf(id);
          const with_: string[] = [];
          for (const later of dependents ? stmts.laterInLane.all(id) : []) {
            const why = dependents?.(PlannedAction.parse(JSON.parse(later.planned)));
            if (why === undefined) continue;
            stmts.markDead.run(`held:${id}`, why, nowIso(), later.id);
            audit.recordWrite(later.id, 'dead', why);
            releasePlanOf(later.id);
            with_.push(later.id);
          }
          // A rule whose writes died has not applied (`once`, `override`): see RuleMarks.
          ruleMarks.forgetDead([id, ...with_]);
          return with_;
        });
      },
      async discard(sourceId, reason) {
        return write(() => {
          const ids = db.prepare<[string], { id: string }>(`SELECT id FROM outbox WHERE source_id = ? AND status = 'pending' ORDER BY seq`).all(sourceId);
          for (const { id } of ids) {
            stmts.markDead.run('discarded', reason, nowIso(), id);
            audit.recordWrite(id, 'dead', reason);
            releasePlanOf(id);
          }
          return ids.length;
        });
      },
      async list(filter) {
        const where: string[] = [];
        const params: (string | number)[] = [];
        if (filter.status) {
          where.push('status = ?');
          params.push(filter.status);
        }
        if (filter.sourceId) {
          where.push('source_id = ?');
          params.push(filter.sourceId);
        }
        if (filter.ticketKey) {
          where.push('ticket_key = ?');
          params.push(filter.ticketKey);
        }
        const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
        return db
          .prepare<(string | number)[], OutboxRow>(sql)
          .all(...params, filter.limit ?? 100)
          .map(toOutboxEntry);
      },
      async find(prefix, limit = 10) {
        // substr rather than LIKE: a prefix typed by a person may hold % or _.
        return db.prepare<[string, string, number], OutboxRow>('SELECT * FROM outbox WHERE substr(id, 1, length(?)) = ? ORDER BY seq LIMIT ?').all(prefix, prefix, limit).map(toOutboxEntry);
      },
      async retry(filter) {
        // Writes an admin discarded come back only when asked for by id.
        const where = filter.id ? [`status = 'dead'`] : [`status = 'dead'`, `coalesce(outcome, '') <> 'discarded'`];
        const params: string[] = [];
        if (filter.id) {
          // `outbox list` shows the first 12 characters; a prefix that is not unique matches nothing.
          const matches = db.prepare<[string, string], { id: string }>(`SELECT id FROM outbox WHERE substr(id, 1, length(?)) = ? LIMIT 2`).all(filter.id, filter.id);
          if (matches.length !== 1 || !matches[0]) return 0;
          // The entries dead-lettered with it go back too: they build on it.
          where.push(`(id = ? OR outcome = 'held:' || ?)`);
          params.push(matches[0].id, matches[0].id);
        }
        if (filter.sourceId) {
          where.push('source_id = ?');
          params.push(filter.sourceId);
        }
        const now = nowIso();
        return write(() => {
          const ids = db.prepare<string[], { id: string }>(`SELECT id FROM outbox WHERE ${where.join(' AND ')}`).all(...params);
          // Back on its way: the rule counts as applied again, as if the write had never died.
          ruleMarks.restoreRetried(ids.map((row) => row.id));
          return db.prepare(`UPDATE outbox SET status = 'pending', outcome = NULL, attempts = 0, next_attempt_at = ?, updated_at = ? WHERE ${where.join(' AND ')}`).run(now, now, ...params).changes;
        });
      },
      async nextAttemptAt(sourceId) {
        return stmts.nextAttempt.get(sourceId)?.at ?? null;
      },
      async volume(filter = {}) {
        // A comment's visibility decides who reads it: customer-visible ones are counted apart.
        const kind = `CASE WHEN action_type = 'comment' AND json_extract(planned, '$.action.visibility') = 'public' THEN 'comment:public' ELSE action_type END`;
        return db
          .prepare<[string | null, string | null, string | null, string | null], { source_id: string; kind: string; status: OutboxStatus; n: number; first: string; last: string }>(
            `SELECT source_id, ${kind} AS kind, status, count(*) AS n, min(created_at) AS first, max(created_at) AS last FROM outbox
               WHERE (? IS NULL OR source_id = ?) AND (? IS NULL OR status = ?) GROUP BY source_id, kind, status ORDER BY source_id, kind, status`,
          )
          .all(filter.sourceId ?? null, filter.sourceId ?? null, filter.status ?? null, filter.status ?? null)
          .map((r) => ({ sourceId: r.source_id, kind: r.kind, status: r.status, n: r.n, first: r.first, last: r.last }));
      },
      async counts(sourceId) {
        const out: Record<OutboxStatus, number> = { pending: 0, done: 0, dead: 0 };
        for (const row of stmts.counts.all(sourceId ?? null, sourceId ?? null)) out[row.status] = row.n;
        return out;
      },
      async discardedCount(sourceId) {
        return stmts.discarded.get(sourceId ?? null, sourceId ?? null) ?? 0;
      },
    };
  }
}

interface QuarantineRow {
  id: number;
  status: QuarantineStatus;
  source_id: string;
  native_id: string | null;
  version: string | null;
  error: string;
  raw: string;
  created_at: string;
}
