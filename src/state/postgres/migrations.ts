import type pg from 'pg';
import { POSTGRES_SIMILARITY_SCHEMA_SQL } from '../../similarity/postgres-index.js';
import { transaction } from './pool.js';

/**
 * Numbered schema migrations of a PostgreSQL state; `schema_migrations` records which ran. Never
 * edit a released migration: add the next one.
 *
 * Types. Times the store compares as strings stay ISO 8601 text, as in the SQLite store: the
 * watermark, ledger and version times are the platform's own strings (compared and kept as given,
 * `max()` of two watermarks is a string comparison, keyset pages order by them), and converting
 * them to timestamptz would round-trip "…00Z" as "…00.000Z" and make the two stores answer
 * differently. Those columns, and every key that is compared or ordered, are `COLLATE "C"`: byte
 * order, like SQLite's — a database created with a linguistic collation (en_US.UTF-8) would
 * otherwise order "2026-11-01T00:00:00Z" and "2026-11-01T00:00:00.000Z" by other rules than SQLite.
 * Only bookkeeping the server alone writes (`schema_migrations.applied_at`) is timestamptz.
 * JSON we query into (outbox `planned`, ticket versions, rule ids) is jsonb; JSON that must come
 * back byte for byte (audit records, which are hash-chained when appended; a quarantined raw record,
 * which may hold what jsonb refuses, such as \u0000) is `json`, which keeps the text as written.
 * Ids are bigserial.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE watermarks (
    source_id text COLLATE "C" PRIMARY KEY,
    updated_at text COLLATE "C" NOT NULL
  );
  -- First sync: each source's start point for acting (see src/daemon/start-point.ts).
  CREATE TABLE source_start_points (
    source_id text COLLATE "C" PRIMARY KEY,
    act_from text COLLATE "C" NOT NULL,
    recorded_at text COLLATE "C" NOT NULL
  );
  -- Going live: when each source first and last completed a pass whose writes were not held.
  CREATE TABLE source_passes (
    source_id text COLLATE "C" PRIMARY KEY,
    first_completed_at text COLLATE "C" NOT NULL,
    last_completed_at text COLLATE "C" NOT NULL
  );
  -- (native id, version) pairs already processed: records re-read inside the overlap window are skipped.
  CREATE TABLE ledger (
    source_id text COLLATE "C" NOT NULL,
    native_id text COLLATE "C" NOT NULL,
    version text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (source_id, native_id, version)
  );
  CREATE INDEX ledger_age ON ledger (source_id, updated_at);
  -- The version each of our writes left a record at (platforms whose records do not name their last editor).
  CREATE TABLE own_versions (
    source_id text COLLATE "C" NOT NULL,
    native_id text COLLATE "C" NOT NULL,
    version text COLLATE "C" NOT NULL,
    written_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (source_id, native_id, version)
  );
  CREATE INDEX own_versions_age ON own_versions (source_id, written_at);
  CREATE TABLE tickets (
    key text COLLATE "C" PRIMARY KEY,
    source_id text COLLATE "C" NOT NULL,
    native_id text NOT NULL,
    number text NOT NULL,
    version text NOT NULL,
    status text NOT NULL,
    is_open boolean NOT NULL,
    grp text,
    assignee text COLLATE "C",
    updated_at text COLLATE "C" NOT NULL,
    status_since text COLLATE "C",
    sla_due_at text COLLATE "C",
    -- The canonical ticket as the engine serialised it (a string it parses back): kept as text.
    snapshot text,
    resolved_at text COLLATE "C",
    -- JSON arrays of rule ids; NULL: nothing remembered yet (see src/state/sqlite/rule-marks.ts).
    rules_triggered jsonb,
    rules_applied jsonb
  );
  CREATE INDEX tickets_load ON tickets (source_id, assignee) WHERE is_open;
  CREATE INDEX tickets_sla_due ON tickets (source_id, sla_due_at) WHERE is_open AND sla_due_at IS NOT NULL;
  -- Keyed <source>/<rule>: each source rotates its own members.
  CREATE TABLE round_robin (
    rule_id text COLLATE "C" PRIMARY KEY,
    position integer NOT NULL
  );
  CREATE TABLE outbox (
    seq bigserial PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    source_id text COLLATE "C" NOT NULL,
    ticket_key text COLLATE "C" NOT NULL,
    rule_id text COLLATE "C" NOT NULL,
    action_type text COLLATE "C" NOT NULL,
    planned jsonb NOT NULL,
    status text COLLATE "C" NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at text COLLATE "C" NOT NULL,
    last_error text,
    outcome text COLLATE "C",
    ref text,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    -- Who is sending it (a store's claimer id) and until when (ISO, by the claimer's clock): \`due\`
    -- claims the entries it hands out, so daemons draining one source never send a write twice.
    claimed_by text COLLATE "C",
    claimed_until text COLLATE "C"
  );
  CREATE INDEX outbox_due ON outbox (source_id, status, next_attempt_at, seq);
  CREATE INDEX outbox_ticket ON outbox (ticket_key, status);
  -- open: waiting for an admin; retry: re-read and re-map on the next pass; resolved: mapped fine since.
  CREATE TABLE quarantine (
    id bigserial PRIMARY KEY,
    source_id text COLLATE "C" NOT NULL,
    native_id text COLLATE "C",
    version text COLLATE "C",
    error text NOT NULL,
    raw json NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'retry', 'resolved'))
  );
  -- NULLs distinct, as in SQLite: a record without an id or version gets a row per failure.
  CREATE UNIQUE INDEX quarantine_record ON quarantine (source_id, native_id, version);
  CREATE INDEX quarantine_status ON quarantine (source_id, status);
  -- Audit records waiting to be appended to the hash-chained JSONL logs, and each log's last
  -- appended entry, which \`audit verify\` checks the files against.
  CREATE TABLE audit_pending (
    seq bigserial PRIMARY KEY,
    log text COLLATE "C" NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    at text COLLATE "C" NOT NULL,
    data json NOT NULL,
    UNIQUE (log, event_id)
  );
  CREATE TABLE audit_heads (
    log text COLLATE "C" PRIMARY KEY,
    seq bigint NOT NULL,
    hash text NOT NULL
  );
  -- Every ticket version pulled (JSON of model/lifecycle-version.ts), for \`deskbridge report\`.
  CREATE TABLE ticket_versions (
    key text COLLATE "C" NOT NULL,
    version text COLLATE "C" NOT NULL,
    source_id text COLLATE "C" NOT NULL,
    at text COLLATE "C" NOT NULL,
    data jsonb NOT NULL,
    PRIMARY KEY (key, version)
  );
  CREATE INDEX ticket_versions_at ON ticket_versions (at, key, version);
  CREATE INDEX ticket_versions_source ON ticket_versions (source_id, at, key, version);
  -- One row per pass of a source; each insert deletes its source's rows beyond the newest 1,000.
  CREATE TABLE pass_log (
    id bigserial PRIMARY KEY,
    source_id text COLLATE "C" NOT NULL,
    started_at text NOT NULL,
    finished_at text NOT NULL,
    outcome text NOT NULL,
    duration_ms integer NOT NULL,
    pulled integer NOT NULL,
    planned integer NOT NULL,
    skipped integer NOT NULL,
    quarantined integer NOT NULL,
    sent integer NOT NULL,
    unchanged integer NOT NULL,
    superseded integer NOT NULL,
    failed integer NOT NULL,
    dead integer NOT NULL,
    would_send integer NOT NULL,
    pending_writes integer NOT NULL,
    requests integer NOT NULL,
    dry_run boolean NOT NULL,
    error text
  );
  CREATE INDEX pass_log_source ON pass_log (source_id, id);
  -- Leases: one row per thing held ('state' today: one writer per state, as the SQLite store's
  -- state_lease; one per source when N daemons share the sources). Kept after release so the
  -- fencing token only ever grows; released_at is NULL while held. Times are the holder's clock
  -- (ISO text), as in the SQLite lease: staleness is judged by the daemons, not the server.
  CREATE TABLE leases (
    name text COLLATE "C" PRIMARY KEY,
    holder_id text NOT NULL,
    pid integer NOT NULL,
    host text NOT NULL,
    pid_namespace text,
    started_at text NOT NULL,
    heartbeat_at text NOT NULL,
    ttl_ms integer NOT NULL,
    token bigint NOT NULL,
    released_at text
  );
  -- Not yet here (a later step of issue 18): the similarity index (sim_* tables, or PostgreSQL
  -- full-text search), dedup and pattern history (rule_marks, duplicate_links, indexed_titles,
  -- resolved_tickets, pattern_events, pattern_problems, pattern_members). They go in migration 2.
  `,
  `
  -- Dedup and pattern history (src/state/postgres/history.ts; SQLite's migrations 3 and 10). The
  -- similarity index is not here: its tables (and what SQLite keeps on the indexed doc — the
  -- duplicate root and text cluster keys, sim_docs.root_key / cluster_key — and the indexed title,
  -- indexed_titles) come with src/similarity/postgres-index.ts in a later migration.
  --
  -- What a rule did to a ticket, once: suggested, linked, a QA verdict (qa@…). plan: the evaluation
  -- that set it; a plan whose writes are superseded or dead releases its marks (not QA verdicts).
  CREATE TABLE rule_marks (
    rule_id text COLLATE "C" NOT NULL,
    subject_key text COLLATE "C" NOT NULL,
    mark text COLLATE "C" NOT NULL,
    plan text COLLATE "C",
    created_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (rule_id, subject_key, mark)
  );
  CREATE INDEX rule_marks_subject ON rule_marks (subject_key, mark, rule_id);
  CREATE INDEX rule_marks_plan ON rule_marks (plan);
  -- Duplicate families: every duplicate points at the root, never at another duplicate.
  CREATE TABLE duplicate_links (
    ticket_key text COLLATE "C" PRIMARY KEY,
    root_key text COLLATE "C" NOT NULL,
    rule_id text COLLATE "C" NOT NULL,
    plan text COLLATE "C",
    linked_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX duplicate_roots ON duplicate_links (root_key);
  CREATE INDEX duplicate_plans ON duplicate_links (plan);
  -- How each resolved/closed ticket was fixed (written when a ticket is indexed; a reopened
  -- ticket's row is deleted). Notes are cut to 1,000 characters by the caller.
  CREATE TABLE resolved_tickets (
    key text COLLATE "C" PRIMARY KEY,
    resolved_at text COLLATE "C" NOT NULL,
    code text,
    notes text
  );
  -- Each ticket counted once per pattern rule, in its group, at its creation time. details is
  -- json, not jsonb: the evidence fields come back in the order the rule wrote them.
  CREATE TABLE pattern_events (
    rule_id text COLLATE "C" NOT NULL,
    ticket_key text COLLATE "C" NOT NULL,
    source_id text COLLATE "C" NOT NULL,
    group_key text COLLATE "C" NOT NULL,
    native_id text NOT NULL,
    number text NOT NULL,
    version text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    title text NOT NULL,
    details json NOT NULL,
    PRIMARY KEY (rule_id, ticket_key)
  );
  CREATE INDEX pattern_events_window ON pattern_events (rule_id, group_key, created_at);
  CREATE INDEX pattern_events_first ON pattern_events (rule_id, created_at);
  -- seq: insertion order, the tie-break of problems opened at one instant (SQLite's rowid).
  CREATE TABLE pattern_problems (
    seq bigserial NOT NULL UNIQUE,
    correlation_key text COLLATE "C" PRIMARY KEY,
    rule_id text COLLATE "C" NOT NULL,
    source_id text COLLATE "C" NOT NULL,
    group_key text COLLATE "C" NOT NULL,
    group_values json NOT NULL,
    generation integer NOT NULL,
    status text COLLATE "C" NOT NULL CHECK (status IN ('open', 'closed')),
    opened_at text COLLATE "C" NOT NULL,
    trigger text NOT NULL
  );
  CREATE INDEX pattern_problems_group ON pattern_problems (rule_id, group_key, generation);
  CREATE INDEX pattern_problems_open ON pattern_problems (source_id, status, opened_at, seq);
  CREATE TABLE pattern_members (
    correlation_key text COLLATE "C" NOT NULL,
    rule_id text COLLATE "C" NOT NULL,
    ticket_key text COLLATE "C" NOT NULL,
    PRIMARY KEY (correlation_key, ticket_key)
  );
  `,
  // The similarity index (src/similarity/postgres-index.ts: similarity_meta, _terms, _docs, _postings;
  // a duplicate's root and a ticket's text cluster are similarity_docs.root_key / cluster_key, as
  // SQLite's sim_docs), and the indexed titles candidates are shown with (SQLite's indexed_titles).
  `${POSTGRES_SIMILARITY_SCHEMA_SQL}
  CREATE TABLE indexed_titles (
    key text COLLATE "C" PRIMARY KEY,
    title text NOT NULL
  );
  `,
  // Several daemons sharing the sources: who runs (one row per daemon process, heartbeat like a
  // lease), and which daemon holds each source's lease (leases named 'source:<id>').
  `
  ALTER TABLE leases ADD COLUMN daemon_id text;
  CREATE TABLE daemons (
    daemon_id text COLLATE "C" PRIMARY KEY,
    pid integer NOT NULL,
    host text NOT NULL,
    pid_namespace text,
    started_at text COLLATE "C" NOT NULL,
    heartbeat_at text COLLATE "C" NOT NULL,
    ttl_ms integer NOT NULL,
    stopped_at text COLLATE "C",
    version text
  );
  `,
  // Escalations (SQLite's migration 15): a ticket and the linked copy an `escalate` rule opened for
  // it on another source, written with the write's outcome, keyed by the write's correlation key,
  // found from either end.
  `
  CREATE TABLE escalation_links (
    correlation_key text COLLATE "C" PRIMARY KEY,
    rule_id text COLLATE "C" NOT NULL,
    origin_source text COLLATE "C" NOT NULL,
    origin_native_id text COLLATE "C" NOT NULL,
    origin_number text NOT NULL,
    origin_url text,
    copy_source text COLLATE "C" NOT NULL,
    copy_native_id text COLLATE "C" NOT NULL,
    copy_number text NOT NULL,
    copy_url text,
    created_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX escalation_links_origin ON escalation_links (origin_source, origin_native_id);
  CREATE INDEX escalation_links_copy ON escalation_links (copy_source, copy_native_id);
  `,
];

/**
 * The advisory lock key migrations run under: a constant of this program's (the first 8 bytes of
 * sha256("deskbridge schema migrations") would do as well; any fixed bigint no other application
 * on the server uses).
 */
export const MIGRATION_LOCK_KEY = 0x6465736b6272n; // "deskbr"

/**
 * Brings the database's schema up to date: every migration not yet recorded runs, in order, in one
 * transaction that first takes a transaction-level advisory lock. Daemons starting together
 * therefore migrate once: the others wait on the lock, then find every version recorded and do
 * nothing. Returns the versions this call applied.
 */
export async function migrate(pool: pg.Pool, list: readonly string[] = migrations, schema?: string): Promise<number[]> {
  return transaction(pool, async (sql) => {
    await sql.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    // Under the lock, so daemons starting together do not race to create it (the pool's search_path names it already).
    if (schema !== undefined) await sql.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await sql.run(`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await sql.rows<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    const applied: number[] = [];
    for (const [index, ddl] of list.entries()) {
      const version = index + 1;
      if (done.has(version)) continue;
      await sql.run(ddl);
      await sql.run('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      applied.push(version);
    }
    return applied;
  });
}
