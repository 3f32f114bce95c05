/** The similarity tables as migration 4 created them (frozen: the live layout is SIMILARITY_SCHEMA_SQL, reached by migration 11). */
const SIMILARITY_SCHEMA_V1_SQL = `
CREATE TABLE sim_sources (
  id INTEGER PRIMARY KEY,
  source_id TEXT NOT NULL UNIQUE
);
CREATE TABLE sim_terms (
  id INTEGER PRIMARY KEY,
  term TEXT NOT NULL UNIQUE,
  df INTEGER NOT NULL
);
CREATE TABLE sim_docs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  source_no INTEGER NOT NULL,
  native_id TEXT NOT NULL,
  number TEXT NOT NULL,
  version TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  fields TEXT NOT NULL,
  title_len INTEGER NOT NULL,
  body_len INTEGER NOT NULL,
  vec BLOB NOT NULL,
  posted BLOB NOT NULL,
  root_key TEXT,
  cluster_key TEXT
);
CREATE TABLE sim_postings (
  term_id INTEGER NOT NULL,
  source_no INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  doc_id INTEGER NOT NULL,
  weight INTEGER NOT NULL,
  PRIMARY KEY (term_id, source_no, created_ms, doc_id)
) WITHOUT ROWID;
CREATE TABLE sim_stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  docs INTEGER NOT NULL,
  title_len_sum INTEGER NOT NULL,
  body_len_sum INTEGER NOT NULL
);
`;

/**
 * Numbered schema migrations; `PRAGMA user_version` records how far a database has come.
 * Never edit a released migration: add the next one.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE watermarks (
    source_id TEXT PRIMARY KEY,
    updated_at TEXT NOT NULL
  );
  -- (native id, version) pairs already processed: records re-read inside the overlap window are skipped.
  CREATE TABLE ledger (
    source_id TEXT NOT NULL,
    native_id TEXT NOT NULL,
    version TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source_id, native_id, version)
  ) WITHOUT ROWID;
  CREATE INDEX ledger_age ON ledger (source_id, updated_at);
  CREATE TABLE tickets (
    key TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    native_id TEXT NOT NULL,
    number TEXT NOT NULL,
    version TEXT NOT NULL,
    status TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    grp TEXT,
    assignee TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX tickets_load ON tickets (source_id, assignee) WHERE is_open = 1;
  CREATE TABLE round_robin (
    rule_id TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  );
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    source_id TEXT NOT NULL,
    ticket_key TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    action_type TEXT NOT NULL,
    planned TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    outcome TEXT,
    ref TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX outbox_due ON outbox (source_id, status, next_attempt_at, seq);
  CREATE INDEX outbox_ticket ON outbox (ticket_key, status);
  CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL,
    native_id TEXT,
    version TEXT,
    error TEXT NOT NULL,
    raw TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX quarantine_record ON quarantine (source_id, native_id, version);
  `,
  `
  -- open: waiting for an admin; retry: re-read and re-map on the next pass; resolved: mapped fine since.
  ALTER TABLE quarantine ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
  CREATE INDEX quarantine_status ON quarantine (source_id, status);
  `,
  `
  -- Dedup and pattern history (issue 8). What a rule did to a ticket, once: suggested, linked.
  -- plan: the evaluation that set it; a plan whose writes are superseded or dead releases its marks.
  CREATE TABLE rule_marks (
    rule_id TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    mark TEXT NOT NULL,
    plan TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (rule_id, subject_key, mark)
  ) WITHOUT ROWID;
  CREATE INDEX rule_marks_subject ON rule_marks (subject_key, mark);
  CREATE INDEX rule_marks_plan ON rule_marks (plan);
  -- Duplicate families: every duplicate points at the root, never at another duplicate.
  CREATE TABLE duplicate_links (
    ticket_key TEXT PRIMARY KEY,
    root_key TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    plan TEXT,
    linked_at TEXT NOT NULL
  );
  CREATE INDEX duplicate_roots ON duplicate_links (root_key);
  CREATE INDEX duplicate_plans ON duplicate_links (plan);
  CREATE TABLE indexed_titles (
    key TEXT PRIMARY KEY,
    title TEXT NOT NULL
  );
  -- Each ticket counted once per pattern rule, in its group, at its creation time.
  CREATE TABLE pattern_events (
    rule_id TEXT NOT NULL,
    ticket_key TEXT NOT NULL,
    source_id TEXT NOT NULL,
    group_key TEXT NOT NULL,
    native_id TEXT NOT NULL,
    number TEXT NOT NULL,
    version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    title TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (rule_id, ticket_key)
  );
  CREATE INDEX pattern_events_window ON pattern_events (rule_id, group_key, created_at);
  CREATE INDEX pattern_events_first ON pattern_events (rule_id, created_at);
  CREATE TABLE pattern_problems (
    correlation_key TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    group_key TEXT NOT NULL,
    group_values TEXT NOT NULL,
    generation INTEGER NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    trigger TEXT NOT NULL
  );
  CREATE INDEX pattern_problems_group ON pattern_problems (rule_id, group_key, generation);
  CREATE INDEX pattern_problems_open ON pattern_problems (source_id, status);
  CREATE TABLE pattern_members (
    correlation_key TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    ticket_key TEXT NOT NULL,
    PRIMARY KEY (correlation_key, ticket_key)
  ) WITHOUT ROWID;
  ` + SIMILARITY_SCHEMA_V1_SQL,
  `
  -- Audit records waiting to be appended to the hash-chained JSONL logs (issue 4), and each
  -- log's last appended entry, which \`audit verify\` checks the files against.
  CREATE TABLE audit_pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    log TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (log, event_id)
  );
  CREATE TABLE audit_heads (
    log TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
  );
  -- SLA (issue 7): when a ticket entered its status, when its next SLA step falls due, and the
  -- canonical ticket to judge then (escalations are driven by the clock, not by edits).
  ALTER TABLE tickets ADD COLUMN status_since TEXT;
  ALTER TABLE tickets ADD COLUMN sla_due_at TEXT;
  ALTER TABLE tickets ADD COLUMN snapshot TEXT;
  ALTER TABLE tickets ADD COLUMN resolved_at TEXT;
  CREATE INDEX tickets_sla_due ON tickets (source_id, sla_due_at) WHERE is_open = 1 AND sla_due_at IS NOT NULL;
  `,
  `
  -- First sync (issue 12): each source's start point for acting. Ticket versions older than it are
  -- history: they teach baselines (similarity index, pattern counts, loads) but trigger no writes.
  CREATE TABLE source_start_points (
    source_id TEXT PRIMARY KEY,
    act_from TEXT NOT NULL,
    recorded_at TEXT NOT NULL
  );
  `,
  `
  -- One writer per state (issue 12): the daemon's lease. One row, kept after release so the
  -- fencing token only ever grows; released_at is NULL while held.
  CREATE TABLE state_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder_id TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    pid_namespace TEXT,
    started_at TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL,
    ttl_ms INTEGER NOT NULL,
    token INTEGER NOT NULL,
    released_at TEXT
  );
  `,
  `
  -- People win (issue 20): per ticket, the rules whose \`when\` was true at its last judgement and
  -- the rules that ever wrote to it (JSON arrays of rule ids; NULL: nothing remembered yet).
  -- An override rule re-applies only when its condition newly becomes true; a once rule never again.
  ALTER TABLE tickets ADD COLUMN rules_triggered TEXT;
  ALTER TABLE tickets ADD COLUMN rules_applied TEXT;
  `,
  `
  -- Going live (issue 20): when each source first and last completed a pass whose writes were
  -- not held. No row: the source's next live pass is its first (warned about, and held above
  -- firstLivePass.maxWrites). A state that synced before this table existed has gone live already.
  CREATE TABLE source_passes (
    source_id TEXT PRIMARY KEY,
    first_completed_at TEXT NOT NULL,
    last_completed_at TEXT NOT NULL
  );
  INSERT INTO source_passes (source_id, first_completed_at, last_completed_at) SELECT source_id, updated_at, updated_at FROM watermarks;
  `,
  `
  -- Own writes on platforms whose records do not name their last editor (Freshservice, Zendesk):
  -- the version each of our writes left a record at. A record pulled at one of these versions is
  -- our own change, also after a restart, so it re-triggers nothing. Pruned with the ledger.
  CREATE TABLE own_versions (
    source_id TEXT NOT NULL,
    native_id TEXT NOT NULL,
    version TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (source_id, native_id, version)
  ) WITHOUT ROWID;
  CREATE INDEX own_versions_age ON own_versions (source_id, written_at);
  `,
  `
  -- Resolved look-alikes (issue 16): how each resolved/closed ticket was fixed, for dedup rules that
  -- list earlier resolved tickets with their resolution. Written when a ticket is indexed; a
  -- reopened ticket's row is deleted. Notes are cut to 1,000 characters.
  CREATE TABLE resolved_tickets (
    key TEXT PRIMARY KEY,
    resolved_at TEXT NOT NULL,
    code TEXT,
    notes TEXT
  ) WITHOUT ROWID;
  `,
  `
  -- Issue 16: the candidate index moves its postings to FTS5 (one contentless table per source,
  -- created by the index) and its row ids encode creation time. The capped postings go; the old
  -- ticket rows wait in sim_docs_v1 for SqliteCandidateIndex to re-write them from their stored
  -- vectors (with their FTS5 rows) when it next opens the file. Term kinds (for rules' masks) are
  -- filled in then too.
  DROP TABLE sim_postings;
  ALTER TABLE sim_docs RENAME TO sim_docs_v1;
  ALTER TABLE sim_terms ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE sim_docs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    source_no INTEGER NOT NULL,
    native_id TEXT NOT NULL,
    number TEXT NOT NULL,
    version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    title_len INTEGER NOT NULL,
    body_len INTEGER NOT NULL,
    vec BLOB NOT NULL,
    root_key TEXT,
    cluster_key TEXT
  );
  `,
  `
  -- Issue 17: every ticket version pulled, as the help-desk figures need it (status, holder,
  -- priority, the platform's counters; JSON of model/lifecycle-version.ts), so \`deskbridge report\`
  -- rebuilds first-contact resolution, backlog aging and the rest for any period from the state.
  CREATE TABLE ticket_versions (
    key TEXT NOT NULL,
    version TEXT NOT NULL,
    source_id TEXT NOT NULL,
    at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (key, version)
  ) WITHOUT ROWID;
  CREATE INDEX ticket_versions_at ON ticket_versions (at, key, version);
  `,
  `
  -- The pass log: one row per pass of a source (counts, outcome, one-line error; PassLogEntry in
  -- state/types.ts), so the web console lists each source's recent passes after a restart too.
  -- Newest first is highest id (AUTOINCREMENT: trimming never lets an id come back); each insert
  -- deletes its source's rows beyond the newest 1,000.
  CREATE TABLE pass_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    pulled INTEGER NOT NULL,
    planned INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    sent INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    superseded INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    dead INTEGER NOT NULL,
    would_send INTEGER NOT NULL,
    pending_writes INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    dry_run INTEGER NOT NULL,
    error TEXT
  );
  CREATE INDEX pass_log_source ON pass_log (source_id, id);
  `,
  `
  -- A ticket's versions by its number (the console's ticket page when the platform cannot be asked:
  -- ticketVersions({ sourceId, number })), without scanning every kept version.
  CREATE INDEX ticket_versions_number ON ticket_versions (source_id, json_extract(data, '$.number'));
  `,
  `
  -- Escalations: a ticket and the linked copy an \`escalate\` rule opened for it on another source
  -- (EscalationLink in model/escalation.ts), written with the write's outcome (markDone), keyed by
  -- the write's correlation key (a second write for one key keeps the first row). A ticket's links
  -- are found from either end: as the origin, and as the copy. url: NULL when the platform gave none.
  CREATE TABLE escalation_links (
    correlation_key TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    origin_source TEXT NOT NULL,
    origin_native_id TEXT NOT NULL,
    origin_number TEXT NOT NULL,
    origin_url TEXT,
    copy_source TEXT NOT NULL,
    copy_native_id TEXT NOT NULL,
    copy_number TEXT NOT NULL,
    copy_url TEXT,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX escalation_links_origin ON escalation_links (origin_source, origin_native_id);
  CREATE INDEX escalation_links_copy ON escalation_links (copy_source, copy_native_id);
  `,
];
