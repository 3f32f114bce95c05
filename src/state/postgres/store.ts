import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PlannedAction, planOf } from '../../model/action.js';
import type { LifecycleVersion } from '../../model/lifecycle-version.js';
import { isOpen } from '../../model/ticket.js';
import { thisProcess, type ProcessIdentity } from '../lease.js';
import type { BatchCommit, OutboxStatus, OutboxStore, OutboxVolumeRow, PassLogEntry, PassRecord, QuarantineEntry, QuarantineInput, QuarantineStatus, StateStore, TicketState } from '../types.js';
import { toOutboxEntry, toPassLogEntry, toTicketState, type OutboxRow, type PassLogRow, type TicketRow } from '../rows.js';
import { PostgresAuditQueue, type PgWrite, type WriteScope } from './audit-queue.js';
import { PostgresSharedState } from './shared.js';
import { PostgresEscalationLinks } from './escalations.js';
import { PostgresHistoryStore } from './history.js';
import { PostgresStateLeases } from './lease.js';
import { migrate } from './migrations.js';
import { createPool, jsonbText, redactUrl, sqlOf, transaction, type PoolOptions, type Sql } from './pool.js';
import { PostgresRuleMarks } from './rule-marks.js';

/**
 * The PostgreSQL state store (issue 18), behind the same StateStore interface as the SQLite one
 * and with the same behaviour; src/state/sqlite/store.ts explains the semantics, this file only
 * what differs. Not wired into the daemon or the configuration yet.
 *
 * Dedup and pattern history, with the similarity index (src/similarity/postgres-index.ts), commit
 * with their batch; see src/state/postgres/history.ts.
 */

interface QuarantineRow {
  id: string;
  status: QuarantineStatus;
  source_id: string;
  native_id: string | null;
  version: string | null;
  error: string;
  raw: unknown;
  created_at: string;
}

/** planOf (src/model/action.ts) in SQL. */
const PLAN_OF = (table: string): string => `coalesce(${table}.planned->>'plan', (${table}.planned->'target'->>'ticketKey') || '@' || (${table}.planned->'target'->>'version'))`;

/** As in the SQLite store: held behind a dead earlier entry of its plan that died before dead-lettering resolved its dependents. */
const HELD_BEHIND_DEAD = `(earlier.outcome IS NULL AND (${PLAN_OF('earlier')} = ${PLAN_OF('outbox')} OR earlier.action_type = 'create-problem'))`;

/** How often `outbox.id` is listed in $2: markAttempts and releaseAttempts count an id listed twice twice, as the SQLite store's loop does. */
const LISTED = `(SELECT count(*) FROM unnest($2::text[]) AS listed (id) WHERE listed.id = outbox.id)`;

/** Passes kept per source in the pass log. */
const PASS_LOG_KEEP = 1000;

/** Keyset page size of lifecycleVersions. */
const VERSIONS_PAGE = 2000;

/**
 * How long entries handed out by `due` stay claimed by the store that took them (ISO times by the
 * caller's `now`): a daemon that dies while sending leaves them to the others after this long.
 */
export const OUTBOX_CLAIM_MS = 5 * 60_000;

export interface PostgresStoreOptions extends PoolOptions {
  clock?: () => Date;
  identity?: ProcessIdentity;
}

/**
 * Connects to the database of a `postgres://` URL (credentials from the URL or the PG* variables)
 * and brings its schema up to date (once, however many daemons open it at the same instant).
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStateStore> {
  const pool = createPool(url, options);
  try {
    await migrate(pool, undefined, options.schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStateStore(pool, options.clock ?? (() => new Date()), `${redactUrl(url)}${options.schema !== undefined ? ` (schema ${options.schema})` : ''}`, options.identity ?? thisProcess());
}

export class PostgresStateStore implements StateStore {
  readonly outbox: OutboxStore;
  readonly history: PostgresHistoryStore;
  readonly audit: PostgresAuditQueue;
  readonly escalations: PostgresEscalationLinks;
  readonly leases: PostgresStateLeases;
  /** Several daemons may share this state: per-source leases, the daemon registry, the audit writer lock. */
  readonly shared: PostgresSharedState;
  /** Who this store's outbox claims are by: one per store (a daemon, or a CLI command). */
  readonly claimer = randomUUID();
  /** Every change to source state: one transaction that begins by checking the store's lease. */
  private readonly write: PgWrite;
  private readonly ruleMarks = new PostgresRuleMarks();
  private readonly sql: Sql;

  constructor(
    readonly pool: pg.Pool,
    private readonly clock: () => Date = () => new Date(),
    location = 'postgres',
    identity: ProcessIdentity = thisProcess(),
  ) {
    this.sql = sqlOf(pool);
    this.leases = new PostgresStateLeases(pool, location, clock, identity);
    this.shared = new PostgresSharedState(pool, this.leases, clock, identity);
    this.write = (fn, scope) =>
      transaction(pool, async (sql) => {
        await this.leases.fenceIn(sql, await this.sourcesOf(sql, scope));
        if (scope && 'auditWriter' in scope) await this.shared.assertAuditWriter(sql);
        return fn(sql);
      });
    this.audit = new PostgresAuditQueue(pool, clock, this.write);
    this.history = new PostgresHistoryStore(pool, clock, this.write);
    this.escalations = new PostgresEscalationLinks(pool);
    this.outbox = this.createOutbox();
  }

  /** The sources a scoped change touches (read only when daemons share the sources: nothing else needs them). */
  private async sourcesOf(sql: Sql, scope: WriteScope | undefined): Promise<string[]> {
    if (!scope || !this.leases.sharesSources) return [];
    if ('sources' in scope) return [...scope.sources];
    if ('outbox' in scope) return (await sql.rows<{ source_id: string }>('SELECT DISTINCT source_id FROM outbox WHERE id = ANY($1::text[])', [[...scope.outbox]])).map((r) => r.source_id);
    if ('quarantine' in scope)
      return (await sql.rows<{ source_id: string }>('SELECT DISTINCT source_id FROM quarantine WHERE id = ANY($1::bigint[])', [[...scope.quarantine]])).map((r) => r.source_id);
    return [];
  }

  private nowIso(): string {
    return this.clock().toISOString();
  }

  async getWatermark(sourceId: string): Promise<string | null> {
    return (await this.sql.one<{ updated_at: string }>('SELECT updated_at FROM watermarks WHERE source_id = $1', [sourceId]))?.updated_at ?? null;
  }

  async getStartPoint(sourceId: string): Promise<string | null> {
    return (await this.sql.one<{ act_from: string }>('SELECT act_from FROM source_start_points WHERE source_id = $1', [sourceId]))?.act_from ?? null;
  }

  async setStartPoint(sourceId: string, actFrom: string): Promise<void> {
    await this.write(
      (sql) =>
        sql.run(
          `INSERT INTO source_start_points (source_id, act_from, recorded_at) VALUES ($1, $2, $3)
         ON CONFLICT (source_id) DO UPDATE SET act_from = excluded.act_from, recorded_at = excluded.recorded_at`,
          [sourceId, actFrom, this.nowIso()],
        ),
      { sources: [sourceId] },
    );
  }

  async passRecord(sourceId: string): Promise<PassRecord | null> {
    const row = await this.sql.one<{ first_completed_at: string; last_completed_at: string }>('SELECT first_completed_at, last_completed_at FROM source_passes WHERE source_id = $1', [sourceId]);
    return row ? { firstCompletedAt: row.first_completed_at, lastCompletedAt: row.last_completed_at } : null;
  }

  async recordPassCompleted(sourceId: string): Promise<void> {
    const now = this.nowIso();
    await this.write(
      (sql) =>
        sql.run(
          `INSERT INTO source_passes (source_id, first_completed_at, last_completed_at) VALUES ($1, $2, $2)
         ON CONFLICT (source_id) DO UPDATE SET last_completed_at = excluded.last_completed_at`,
          [sourceId, now],
        ),
      { sources: [sourceId] },
    );
  }

  async seenVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>> {
    return this.versionsIn('ledger', sourceId, records);
  }

  async ownVersions(sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>> {
    return this.versionsIn('own_versions', sourceId, records);
  }

  /** Which of the pairs a table holds for the source: one statement for the whole list. */
  private async versionsIn(table: 'ledger' | 'own_versions', sourceId: string, records: readonly { nativeId: string; version: string }[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const rows = await this.sql.rows<{ native_id: string; version: string }>(
      `SELECT t.native_id, t.version FROM ${table} AS t JOIN unnest($2::text[], $3::text[]) AS asked (native_id, version)
         ON t.native_id = asked.native_id AND t.version = asked.version WHERE t.source_id = $1`,
      [sourceId, records.map((r) => r.nativeId), records.map((r) => r.version)],
    );
    return new Set(rows.map((r) => `${r.native_id}@${r.version}`));
  }

  async pruneLedger(sourceId: string, olderThan: string): Promise<number> {
    return this.write(
      async (sql) => {
        // Own versions are stamped by this machine's clock, the ledger by the platform's: a day's margin.
        const ownHorizon = new Date(Date.parse(olderThan) - 86_400_000).toISOString();
        await sql.run('DELETE FROM own_versions WHERE source_id = $1 AND written_at < $2', [sourceId, ownHorizon]);
        return sql.run('DELETE FROM ledger WHERE source_id = $1 AND updated_at < $2', [sourceId, olderThan]);
      },
      { sources: [sourceId] },
    );
  }

  async pruneVersions(sourceId: string, olderThan: string): Promise<number> {
    return this.write((sql) => sql.run('DELETE FROM ticket_versions WHERE source_id = $1 AND at < $2', [sourceId, olderThan]), { sources: [sourceId] });
  }

  async getTickets(keys: readonly string[]): Promise<Map<string, TicketState>> {
    const out = new Map<string, TicketState>();
    if (keys.length === 0) return out;
    const rows = await this.sql.rows<TicketRow>('SELECT * FROM tickets WHERE key = ANY($1::text[])', [[...keys]]);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    // In the order asked, as the SQLite store answers.
    for (const key of keys) {
      const row = byKey.get(key);
      if (row) out.set(key, toTicketState(row));
    }
    return out;
  }

  async openLoads(sourceId: string): Promise<Map<string, number>> {
    const rows = await this.sql.rows<{ assignee: string; n: number }>('SELECT assignee, count(*)::int AS n FROM tickets WHERE source_id = $1 AND is_open AND assignee IS NOT NULL GROUP BY assignee', [
      sourceId,
    ]);
    return new Map(rows.map((r) => [r.assignee, r.n]));
  }

  async openLoadsBySource(): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    const rows = await this.sql.rows<{ source_id: string; assignee: string; n: number }>(
      'SELECT source_id, assignee, count(*)::int AS n FROM tickets WHERE is_open AND assignee IS NOT NULL GROUP BY source_id, assignee',
    );
    for (const row of rows) {
      const perSource = out.get(row.source_id) ?? new Map<string, number>();
      perSource.set(row.assignee, row.n);
      out.set(row.source_id, perSource);
    }
    return out;
  }

  async slaDue(sourceId: string, now: string, limit: number): Promise<TicketState[]> {
    const rows = await this.sql.rows<TicketRow>('SELECT * FROM tickets WHERE source_id = $1 AND is_open AND sla_due_at IS NOT NULL AND sla_due_at <= $2 ORDER BY sla_due_at LIMIT $3', [
      sourceId,
      now,
      limit,
    ]);
    return rows.map(toTicketState);
  }

  async roundRobinPositions(sourceId: string): Promise<Map<string, number>> {
    // Keyed `<source>/<rule>`; starts_with rather than LIKE: a source id may hold % or _.
    const rows = await this.sql.rows<{ rule_id: string; position: number }>(`SELECT substr(rule_id, length($1) + 2) AS rule_id, position FROM round_robin WHERE starts_with(rule_id, $1 || '/')`, [
      sourceId,
    ]);
    return new Map(rows.map((r) => [r.rule_id, r.position]));
  }

  // Set-based: one statement per table for the whole batch (unnest of one array per column), not
  // one per row — each statement is a round trip inside the transaction, which holds the source's
  // lease row. Each keeps the per-row loop's outcome, duplicates within the batch included.
  async commitBatch(batch: BatchCommit): Promise<void> {
    const now = this.nowIso();
    await this.write(
      async (sql) => {
        if (batch.actions.length > 0) {
          // ORDER BY n: the default seq is drawn over the ordered rows, so seqs follow batch.actions (the order lanes are sent in).
          const a = batch.actions;
          await sql.run(
            `INSERT INTO outbox (id, source_id, ticket_key, rule_id, action_type, planned, next_attempt_at, created_at, updated_at)
           SELECT id, source_id, ticket_key, rule_id, action_type, planned::jsonb, $7, $7, $7
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u (id, source_id, ticket_key, rule_id, action_type, planned, n)
           ORDER BY n ON CONFLICT (id) DO NOTHING`,
            [
              a.map((action) => action.id),
              a.map((action) => action.sourceId),
              a.map((action) => action.lane ?? action.target.ticketKey),
              a.map((action) => action.ruleId),
              a.map((action) => action.action.type),
              a.map((action) => jsonbText(action)),
              now,
            ],
          );
        }
        if (batch.roundRobin.size > 0) {
          const positions = [...batch.roundRobin];
          await sql.run(`INSERT INTO round_robin (rule_id, position) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT (rule_id) DO UPDATE SET position = excluded.position`, [
            positions.map(([ruleId]) => `${batch.sourceId}/${ruleId}`),
            positions.map(([, position]) => position),
          ]);
        }
        // A rule acting again on a ticket its dead writes never reached: those are replaced, never retried.
        const applied = new Map(batch.tickets.map((t) => [t.key, t.applied]));
        for (const { id, reason } of await this.ruleMarks.replacedByNewPlan(sql, batch.actions, (key) => applied.get(key))) {
          await markDone(sql, id, 'superseded', null, reason, now);
          await this.audit.recordWrite(sql, id, 'superseded', reason);
        }
        // One row per key (ON CONFLICT DO UPDATE may not touch a row twice in one statement): the last copy's
        // values, with the first copy's source and native id, which an update never changes — as the loop left it.
        const tickets = new Map<string, TicketState>();
        for (const t of batch.tickets) {
          const first = tickets.get(t.key);
          tickets.set(t.key, first ? { ...t, sourceId: first.sourceId, nativeId: first.nativeId } : t);
        }
        if (tickets.size > 0) {
          const t = [...tickets.values()];
          await sql.run(
            `INSERT INTO tickets (key, source_id, native_id, number, version, status, is_open, grp, assignee, updated_at, status_since, sla_due_at, snapshot, resolved_at, rules_triggered, rules_applied)
           SELECT key, source_id, native_id, number, version, status, is_open, grp, assignee, updated_at, status_since, sla_due_at, snapshot, resolved_at, rules_triggered::jsonb, rules_applied::jsonb
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
             $15::text[], $16::text[])
             AS u (key, source_id, native_id, number, version, status, is_open, grp, assignee, updated_at, status_since, sla_due_at, snapshot, resolved_at, rules_triggered, rules_applied)
           ON CONFLICT (key) DO UPDATE SET version = excluded.version, status = excluded.status, is_open = excluded.is_open,
             grp = excluded.grp, assignee = excluded.assignee, updated_at = excluded.updated_at, number = excluded.number,
             status_since = excluded.status_since, sla_due_at = excluded.sla_due_at, snapshot = excluded.snapshot, resolved_at = excluded.resolved_at,
             rules_triggered = excluded.rules_triggered, rules_applied = excluded.rules_applied`,
            [
              t.map((x) => x.key),
              t.map((x) => x.sourceId),
              t.map((x) => x.nativeId),
              t.map((x) => x.number),
              t.map((x) => x.version),
              t.map((x) => x.status),
              t.map((x) => isOpen(x.status)),
              t.map((x) => x.group ?? null),
              t.map((x) => x.assignee ?? null),
              t.map((x) => x.updatedAt),
              t.map((x) => x.statusSince ?? null),
              t.map((x) => x.slaDueAt ?? null),
              t.map((x) => (x.slaDueAt !== undefined ? (x.snapshot ?? null) : null)),
              t.map((x) => x.resolvedAt ?? null),
              t.map((x) => (x.triggered ? JSON.stringify(x.triggered) : null)),
              t.map((x) => (x.applied ? JSON.stringify(x.applied) : null)),
            ],
          );
        }
        // Before the new quarantine rows: a retried record that fails again reopens its row.
        if (batch.resolveQuarantine?.length) await sql.run(`UPDATE quarantine SET status = 'resolved' WHERE id = ANY($1::bigint[])`, [[...batch.resolveQuarantine]]);
        // One row per record (see tickets): at the first copy's place, so ids follow the batch's order, with the last copy's error.
        // A record without an id or version is never a conflict (NULLs distinct): each gets its own row.
        const quarantine: QuarantineInput[] = [];
        const quarantined = new Map<string, number>();
        for (const q of batch.quarantine) {
          const record = q.nativeId !== undefined && q.version !== undefined ? JSON.stringify([q.sourceId, q.nativeId, q.version]) : undefined;
          const at = record !== undefined ? quarantined.get(record) : undefined;
          if (at !== undefined) quarantine[at] = q;
          else {
            if (record !== undefined) quarantined.set(record, quarantine.length);
            quarantine.push(q);
          }
        }
        if (quarantine.length > 0) {
          await sql.run(
            `INSERT INTO quarantine (source_id, native_id, version, error, raw, created_at)
           SELECT source_id, native_id, version, error, raw::json, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u (source_id, native_id, version, error, raw, n)
           ORDER BY n ON CONFLICT (source_id, native_id, version) DO UPDATE SET error = excluded.error, raw = excluded.raw, status = 'open'`,
            [
              quarantine.map((q) => q.sourceId),
              quarantine.map((q) => q.nativeId ?? null),
              quarantine.map((q) => q.version ?? null),
              quarantine.map((q) => q.error),
              quarantine.map((q) => JSON.stringify(q.raw ?? null)),
              now,
            ],
          );
        }
        if (batch.ledger.length > 0) {
          await sql.run(
            `INSERT INTO ledger (source_id, native_id, version, updated_at) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
           ON CONFLICT DO NOTHING`,
            [batch.sourceId, batch.ledger.map((l) => l.nativeId), batch.ledger.map((l) => l.version), batch.ledger.map((l) => l.updatedAt)],
          );
        }
        const versions = batch.versions ?? [];
        if (versions.length > 0) {
          // WITH ORDINALITY: of two copies of one version in a batch, the first is kept, as the SQLite store's loop keeps it.
          await sql.run(
            `INSERT INTO ticket_versions (key, version, source_id, at, data)
           SELECT k, v, $1, a, d::jsonb FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u (k, v, a, d, n) ORDER BY n
           ON CONFLICT DO NOTHING`,
            [batch.sourceId, versions.map((v) => v.key), versions.map((v) => v.version), versions.map((v) => v.updatedAt), versions.map((v) => jsonbText(v))],
          );
        }
        if (batch.history) await this.history.apply(sql, batch.history);
        if (batch.audit) await this.audit.enqueue(sql, batch.audit);
        // Never backwards: the greater of the two ISO strings (byte order, COLLATE "C").
        if (batch.watermark) {
          await sql.run(
            `INSERT INTO watermarks (source_id, updated_at) VALUES ($1, $2)
           ON CONFLICT (source_id) DO UPDATE SET updated_at = greatest(watermarks.updated_at, excluded.updated_at)`,
            [batch.sourceId, batch.watermark],
          );
        }
      },
      { sources: [batch.sourceId] },
    );
  }

  async quarantineCount(filter: { sourceId?: string; status?: QuarantineStatus } = {}): Promise<number> {
    const row = await this.sql.one<{ n: string }>('SELECT count(*) AS n FROM quarantine WHERE ($1::text IS NULL OR source_id = $1) AND ($2::text IS NULL OR status = $2)', [
      filter.sourceId ?? null,
      filter.status ?? null,
    ]);
    return Number(row?.n ?? 0);
  }

  async quarantineList(filter: { sourceId?: string; status?: QuarantineStatus } = {}): Promise<QuarantineEntry[]> {
    const rows = await this.sql.rows<QuarantineRow>('SELECT * FROM quarantine WHERE ($1::text IS NULL OR source_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY id', [
      filter.sourceId ?? null,
      filter.status ?? null,
    ]);
    return rows.map((r) => ({
      id: Number(r.id),
      sourceId: r.source_id,
      nativeId: r.native_id ?? undefined,
      version: r.version ?? undefined,
      error: r.error,
      raw: r.raw,
      status: r.status,
      createdAt: r.created_at,
    }));
  }

  async quarantineRetry(filter: { id?: number; sourceId?: string }): Promise<number> {
    return this.write((sql) =>
      sql.run(`UPDATE quarantine SET status = 'retry' WHERE status = 'open' AND native_id IS NOT NULL AND ($1::bigint IS NULL OR id = $1) AND ($2::text IS NULL OR source_id = $2)`, [
        filter.id ?? null,
        filter.sourceId ?? null,
      ]),
    );
  }

  async quarantineResolve(ids: readonly number[]): Promise<void> {
    await this.write((sql) => sql.run(`UPDATE quarantine SET status = 'resolved' WHERE id = ANY($1::bigint[])`, [[...ids]]), { quarantine: ids });
  }

  // A page at a time (keyset on (at, key, version)), each read whole before its rows are handed
  // out: nothing stays open across the caller's awaits.
  async *lifecycleVersions(filter: { sourceId?: string } = {}): AsyncIterable<LifecycleVersion> {
    const source = filter.sourceId ?? null;
    let after = { at: '', key: '', version: '' };
    for (;;) {
      const page = await this.sql.rows<{ at: string; key: string; version: string; data: LifecycleVersion }>(
        `SELECT at, key, version, data FROM ticket_versions WHERE ($1::text IS NULL OR source_id = $1) AND (at, key, version) > ($2, $3, $4)
         ORDER BY at, key, version LIMIT ${VERSIONS_PAGE}`,
        [source, after.at, after.key, after.version],
      );
      for (const row of page) yield row.data;
      const last = page[page.length - 1];
      if (last === undefined || page.length < VERSIONS_PAGE) return;
      after = last;
    }
  }

  async ticketVersions(filter: { key: string } | { sourceId: string; number: string }): Promise<LifecycleVersion[]> {
    const key =
      'key' in filter
        ? filter.key
        : (await this.sql.one<{ key: string }>(`SELECT key FROM ticket_versions WHERE source_id = $1 AND data->>'number' = $2 LIMIT 1`, [filter.sourceId, filter.number]))?.key;
    if (key === undefined) return [];
    const rows = await this.sql.rows<{ data: LifecycleVersion }>('SELECT data FROM ticket_versions WHERE key = $1', [key]);
    return rows.map((row) => row.data).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  // Fenced like recordPassCompleted (see the SQLite store): a daemon that lost its lease logs nothing.
  async recordPass(entry: PassLogEntry): Promise<void> {
    await this.write(
      async (sql) => {
        const w = entry.written;
        await sql.run(
          `INSERT INTO pass_log (source_id, started_at, finished_at, outcome, duration_ms, pulled, planned, skipped, quarantined,
           sent, unchanged, superseded, failed, dead, would_send, pending_writes, requests, dry_run, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
          [
            entry.sourceId,
            entry.startedAt,
            entry.finishedAt,
            entry.outcome,
            entry.durationMs,
            entry.pulled,
            entry.planned,
            entry.skipped,
            entry.quarantined,
            w.sent,
            w.unchanged,
            w.superseded,
            w.failed,
            w.dead,
            w.wouldSend,
            entry.pendingWrites,
            entry.requests,
            entry.dryRun,
            entry.error ?? null,
          ],
        );
        await sql.run('DELETE FROM pass_log WHERE source_id = $1 AND id <= (SELECT id FROM pass_log WHERE source_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)', [entry.sourceId, PASS_LOG_KEEP]);
      },
      { sources: [entry.sourceId] },
    );
  }

  async recentPasses(filter: { sourceId?: string; limit?: number } = {}): Promise<(PassLogEntry & { id: number })[]> {
    const limit = filter.limit ?? 50;
    const rows =
      filter.sourceId !== undefined
        ? await this.sql.rows<PassLogRow>('SELECT * FROM pass_log WHERE source_id = $1 ORDER BY id DESC LIMIT $2', [filter.sourceId, limit])
        : await this.sql.rows<PassLogRow>('SELECT * FROM pass_log ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(toPassLogEntry);
  }

  async routedTickets(): Promise<Set<string>> {
    const rows = await this.sql.rows<{ key: string }>(`SELECT DISTINCT planned->'target'->>'ticketKey' AS key FROM outbox WHERE action_type = 'assign' AND status = 'done' AND outcome = 'updated'`);
    return new Set(rows.map((r) => r.key));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private createOutbox(): OutboxStore {
    const { write, audit, ruleMarks, claimer, history, escalations } = this;
    const sql = this.sql;
    const nowIso = (): string => this.nowIso();
    /** A write superseded or dead: what its plan recorded in history is released, and a problem that could not be created is closed. */
    const releasePlanOf = async (tx: Sql, id: string): Promise<void> => {
      const row = await tx.one<{ planned: unknown }>('SELECT planned FROM outbox WHERE id = $1', [id]);
      if (!row) return;
      const planned = PlannedAction.parse(row.planned);
      await history.releasePlan(tx, planOf(planned));
      // A problem that could not be created is not open: the group may open a new one.
      if (planned.action.type === 'create-problem') await history.closeProblem(tx, planned.action.correlationKey);
    };
    return {
      /**
       * Claims and returns the entries ready to send, with the SQLite store's lane rules. Entries
       * are locked `FOR UPDATE SKIP LOCKED` while they are claimed (another store claiming at the
       * same instant passes over them), and claimed for OUTBOX_CLAIM_MS by this store; an entry
       * whose lane has an earlier pending entry this store did not get (another store has it, or
       * is taking it now) is left out, so a lane is sent by one store at a time, in order.
       */
      async due(sourceId, now, limit) {
        const at = now.toISOString();
        const until = new Date(now.getTime() + OUTBOX_CLAIM_MS).toISOString();
        return write(
          async (tx) => {
            const locked = await tx.rows<OutboxRow>(
              `SELECT * FROM outbox WHERE source_id = $1 AND status = 'pending' AND next_attempt_at <= $2
               AND (claimed_by IS NULL OR claimed_by = $3 OR claimed_until <= $2)
               AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.ticket_key = outbox.ticket_key AND earlier.seq < outbox.seq
                 AND ((earlier.status = 'pending' AND earlier.next_attempt_at > $2)
                   OR (earlier.status = 'dead' AND ${HELD_BEHIND_DEAD})))
             ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED`,
              [sourceId, at, claimer, limit],
            );
            if (locked.length === 0) return [];
            const ids = locked.map((r) => r.id);
            const behindOthers = new Set(
              (
                await tx.rows<{ id: string }>(
                  `SELECT o.id FROM outbox AS o WHERE o.id = ANY($1::text[]) AND EXISTS (SELECT 1 FROM outbox AS earlier
                   WHERE earlier.ticket_key = o.ticket_key AND earlier.seq < o.seq AND earlier.status = 'pending' AND NOT (earlier.id = ANY($1::text[])))`,
                  [ids],
                )
              ).map((r) => r.id),
            );
            const mine = locked.filter((r) => !behindOthers.has(r.id));
            if (mine.length === 0) return [];
            await tx.run('UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id = ANY($3::text[])', [claimer, until, mine.map((r) => r.id)]);
            return mine.map(toOutboxEntry);
          },
          { sources: [sourceId] },
        );
      },
      async markAttempt(id) {
        await write((tx) => tx.run('UPDATE outbox SET attempts = attempts + 1, updated_at = $1 WHERE id = $2', [nowIso(), id]), { outbox: [id] });
      },
      async markAttempts(ids) {
        await write((tx) => tx.run(`UPDATE outbox SET attempts = attempts + ${LISTED}, updated_at = $1 WHERE id = ANY($2::text[])`, [nowIso(), [...ids]]), { outbox: ids });
      },
      async releaseAttempts(ids) {
        await write(
          (tx) =>
            tx.run(`UPDATE outbox SET attempts = greatest(0, attempts - ${LISTED}), updated_at = $1, claimed_by = NULL, claimed_until = NULL WHERE id = ANY($2::text[]) AND status = 'pending'`, [
              nowIso(),
              [...ids],
            ]),
          { outbox: ids },
        );
      },
      async markDone(id, result) {
        await write(
          async (tx) => {
            const now = nowIso();
            await markDone(tx, id, result.outcome, result.ref ?? null, result.reason ?? null, now);
            if (result.ownVersion !== undefined && result.ref !== undefined) {
              await tx.run(
                `INSERT INTO own_versions (source_id, native_id, version, written_at) SELECT source_id, $1, $2, $3 FROM outbox WHERE id = $4
               ON CONFLICT DO NOTHING`,
                [result.ref, result.ownVersion, now, id],
              );
            }
            // In the same fenced transaction (scope: the entry's source): a daemon that lost that source's lease records neither.
            if (result.link !== undefined) await escalations.record(tx, result.link);
            if (result.outcome !== 'dry-run') await audit.recordWrite(tx, id, result.outcome, result.reason, result.previous);
            if (result.outcome === 'superseded') await releasePlanOf(tx, id);
          },
          { outbox: [id] },
        );
      },
      async markFailed(id, error, nextAttemptAt, options) {
        await write(
          async (tx) => {
            await tx.run(`UPDATE outbox SET last_error = $1, next_attempt_at = $2, updated_at = $3, attempts = greatest(0, attempts - $4), claimed_by = NULL, claimed_until = NULL WHERE id = $5`, [
              error,
              nextAttemptAt.toISOString(),
              nowIso(),
              options?.notProcessed ? 1 : 0,
              id,
            ]);
            await audit.recordWrite(tx, id, 'failed', error);
          },
          { outbox: [id] },
        );
      },
      async markDead(id, reason, dependents) {
        return write(
          async (tx) => {
            await markDead(tx, id, dependents ? 'dead' : null, reason, nowIso());
            await audit.recordWrite(tx, id, 'dead', reason);
            await releasePlanOf(tx, id);
            const with_: string[] = [];
            const later = dependents
              ? await tx.rows<{ id: string; planned: unknown }>(
                  `SELECT later.id, later.planned FROM outbox AS later JOIN outbox AS dead ON dead.id = $1
                   WHERE later.ticket_key = dead.ticket_key AND later.seq > dead.seq AND later.status = 'pending' ORDER BY later.seq`,
                  [id],
                )
              : [];
            for (const entry of later) {
              const why = dependents?.(PlannedAction.parse(entry.planned));
              if (why === undefined) continue;
              await markDead(tx, entry.id, `held:${id}`, why, nowIso());
              await audit.recordWrite(tx, entry.id, 'dead', why);
              await releasePlanOf(tx, entry.id);
              with_.push(entry.id);
            }
            await ruleMarks.forgetDead(tx, [id, ...with_]);
            return with_;
          },
          { outbox: [id] },
        );
      },
      async discard(sourceId, reason) {
        return write(async (tx) => {
          const ids = await tx.rows<{ id: string }>(`SELECT id FROM outbox WHERE source_id = $1 AND status = 'pending' ORDER BY seq FOR UPDATE`, [sourceId]);
          for (const { id } of ids) {
            await markDead(tx, id, 'discarded', reason, nowIso());
            await audit.recordWrite(tx, id, 'dead', reason);
            await releasePlanOf(tx, id);
          }
          return ids.length;
        });
      },
      async list(filter) {
        const rows = await sql.rows<OutboxRow>(
          `SELECT * FROM outbox WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source_id = $2) AND ($3::text IS NULL OR ticket_key = $3)
           ORDER BY seq DESC LIMIT $4`,
          [filter.status ?? null, filter.sourceId || null, filter.ticketKey || null, filter.limit ?? 100],
        );
        return rows.map(toOutboxEntry);
      },
      async find(prefix, limit = 10) {
        // starts_with rather than LIKE: a prefix typed by a person may hold % or _.
        const rows = await sql.rows<OutboxRow>('SELECT * FROM outbox WHERE starts_with(id, $1) ORDER BY seq LIMIT $2', [prefix, limit]);
        return rows.map(toOutboxEntry);
      },
      async retry(filter) {
        const now = nowIso();
        let only: string | undefined;
        if (filter.id) {
          // A prefix that is not unique matches nothing.
          const matches = await sql.rows<{ id: string }>('SELECT id FROM outbox WHERE starts_with(id, $1) LIMIT 2', [filter.id]);
          if (matches.length !== 1 || !matches[0]) return 0;
          only = matches[0].id;
        }
        // Writes an admin discarded come back only when asked for by id; the entries dead-lettered with it go back too.
        const where = `status = 'dead' AND ($1::text IS NOT NULL OR coalesce(outcome, '') <> 'discarded')
          AND ($1::text IS NULL OR id = $1 OR outcome = 'held:' || $1) AND ($2::text IS NULL OR source_id = $2)`;
        return write(async (tx) => {
          const ids = await tx.rows<{ id: string }>(`SELECT id FROM outbox WHERE ${where} ORDER BY seq FOR UPDATE`, [only ?? null, filter.sourceId || null]);
          await ruleMarks.restoreRetried(
            tx,
            ids.map((row) => row.id),
          );
          return tx.run(`UPDATE outbox SET status = 'pending', outcome = NULL, attempts = 0, next_attempt_at = $3, updated_at = $3, claimed_by = NULL, claimed_until = NULL WHERE ${where}`, [
            only ?? null,
            filter.sourceId || null,
            now,
          ]);
        });
      },
      async nextAttemptAt(sourceId) {
        const row = await sql.one<{ at: string | null }>(
          `SELECT min(next_attempt_at) AS at FROM outbox WHERE source_id = $1 AND status = 'pending'
             AND NOT EXISTS (SELECT 1 FROM outbox AS earlier WHERE earlier.ticket_key = outbox.ticket_key AND earlier.seq < outbox.seq
               AND earlier.status = 'dead' AND ${HELD_BEHIND_DEAD})`,
          [sourceId],
        );
        return row?.at ?? null;
      },
      async volume(filter = {}) {
        const kind = `CASE WHEN action_type = 'comment' AND planned->'action'->>'visibility' = 'public' THEN 'comment:public' ELSE action_type END`;
        const rows = await sql.rows<{ source_id: string; kind: string; status: OutboxStatus; n: number; first: string; last: string }>(
          `SELECT source_id, ${kind} AS kind, status, count(*)::int AS n, min(created_at) AS first, max(created_at) AS last FROM outbox
             WHERE ($1::text IS NULL OR source_id = $1) AND ($2::text IS NULL OR status = $2) GROUP BY source_id, 2, status ORDER BY source_id, 2, status`,
          [filter.sourceId ?? null, filter.status ?? null],
        );
        return rows.map((r): OutboxVolumeRow => ({ sourceId: r.source_id, kind: r.kind, status: r.status, n: r.n, first: r.first, last: r.last }));
      },
      async counts(sourceId) {
        const out: Record<OutboxStatus, number> = { pending: 0, done: 0, dead: 0 };
        const rows = await sql.rows<{ status: OutboxStatus; n: number }>('SELECT status, count(*)::int AS n FROM outbox WHERE ($1::text IS NULL OR source_id = $1) GROUP BY status', [
          sourceId ?? null,
        ]);
        for (const row of rows) out[row.status] = row.n;
        return out;
      },
      async discardedCount(sourceId) {
        const row = await sql.one<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'dead' AND outcome = 'discarded' AND ($1::text IS NULL OR source_id = $1)`, [sourceId ?? null]);
        return row?.n ?? 0;
      },
    };
  }
}

async function markDone(sql: Sql, id: string, outcome: string, ref: string | null, lastError: string | null, now: string): Promise<void> {
  await sql.run(`UPDATE outbox SET status = 'done', outcome = $1, ref = $2, last_error = $3, updated_at = $4, claimed_by = NULL, claimed_until = NULL WHERE id = $5`, [
    outcome,
    ref,
    lastError,
    now,
    id,
  ]);
}

/** outcome 'dead': its dependents were resolved; 'held:<id>': dead-lettered with entry <id>; NULL: the rest of its plan is held. */
async function markDead(sql: Sql, id: string, outcome: string | null, reason: string, now: string): Promise<void> {
  await sql.run(`UPDATE outbox SET status = 'dead', outcome = $1, last_error = $2, updated_at = $3, claimed_by = NULL, claimed_until = NULL WHERE id = $4`, [outcome, reason, now, id]);
}
