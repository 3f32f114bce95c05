import type Database from 'better-sqlite3';
import type { EscalationLink } from '../../model/escalation.js';
import { ESCALATION_LINK_COLUMNS, escalationLinkValues, toEscalationLink, type EscalationLinkRow } from '../rows.js';
import type { EscalationLinks } from '../types.js';

/** Oldest first, the correlation key breaking ties (two links recorded in one millisecond), as the PostgreSQL store orders them. */
const ORDER = 'ORDER BY created_at, correlation_key';

/**
 * The escalation links of a SQLite state (table `escalation_links`, migration 15). Written only by
 * `record`, inside the transaction of the outbox's markDone; read through {@link EscalationLinks}.
 */
export class SqliteEscalationLinks implements EscalationLinks {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      // DO NOTHING: a second escalate write for one correlation key (a retry whose first attempt landed) keeps the first link.
      insert: db.prepare<(string | null)[]>(
        `INSERT INTO escalation_links (${ESCALATION_LINK_COLUMNS.join(', ')}) VALUES (${ESCALATION_LINK_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (correlation_key) DO NOTHING`,
      ),
      get: db.prepare<[string], EscalationLinkRow>('SELECT * FROM escalation_links WHERE correlation_key = ?'),
      // UNION rather than OR: each half is read through its own index (escalation_links_origin, _copy), and a link with both ends on the ticket comes once.
      ofTicket: db.prepare<[string, string, string, string], EscalationLinkRow>(
        `SELECT * FROM escalation_links WHERE origin_source = ? AND origin_native_id = ?
         UNION SELECT * FROM escalation_links WHERE copy_source = ? AND copy_native_id = ? ${ORDER}`,
      ),
      // LIMIT -1: no limit.
      list: db.prepare<[number], EscalationLinkRow>(`SELECT * FROM escalation_links ${ORDER} LIMIT ?`),
      listOf: db.prepare<[string, string, number], EscalationLinkRow>(
        `SELECT * FROM escalation_links WHERE origin_source = ? UNION SELECT * FROM escalation_links WHERE copy_source = ? ${ORDER} LIMIT ?`,
      ),
    };
  }

  /** Inside the caller's transaction (the outbox's markDone): the link commits with the entry's outcome, or not at all. */
  record(link: EscalationLink): void {
    this.stmts.insert.run(...escalationLinkValues(link));
  }

  async get(correlationKey: string): Promise<EscalationLink | undefined> {
    const row = this.stmts.get.get(correlationKey);
    return row ? toEscalationLink(row) : undefined;
  }

  async ofTicket(sourceId: string, nativeId: string): Promise<EscalationLink[]> {
    return this.stmts.ofTicket.all(sourceId, nativeId, sourceId, nativeId).map(toEscalationLink);
  }

  async list(filter: { sourceId?: string; limit?: number } = {}): Promise<EscalationLink[]> {
    const limit = filter.limit ?? -1;
    const rows = filter.sourceId !== undefined ? this.stmts.listOf.all(filter.sourceId, filter.sourceId, limit) : this.stmts.list.all(limit);
    return rows.map(toEscalationLink);
  }
}
