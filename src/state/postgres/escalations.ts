import type pg from 'pg';
import type { EscalationLink } from '../../model/escalation.js';
import { ESCALATION_LINK_COLUMNS, escalationLinkValues, toEscalationLink, type EscalationLinkRow } from '../rows.js';
import type { EscalationLinks } from '../types.js';
import { sqlOf, type Sql } from './pool.js';

/** Oldest first, the correlation key breaking ties (byte order, COLLATE "C"), as the SQLite store orders them. */
const ORDER = 'ORDER BY created_at, correlation_key';

/**
 * The escalation links of a PostgreSQL state (table `escalation_links`, migration 5); see
 * src/state/sqlite/escalations.ts. Written only by `record`, inside markDone's fenced transaction.
 */
export class PostgresEscalationLinks implements EscalationLinks {
  private readonly sql: Sql;

  constructor(pool: pg.Pool) {
    this.sql = sqlOf(pool);
  }

  /** Inside the caller's transaction (the outbox's markDone, fenced by the entry's source): the link commits with the outcome, or not at all. */
  async record(sql: Sql, link: EscalationLink): Promise<void> {
    await sql.run(
      `INSERT INTO escalation_links (${ESCALATION_LINK_COLUMNS.join(', ')}) VALUES (${ESCALATION_LINK_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
       ON CONFLICT (correlation_key) DO NOTHING`,
      escalationLinkValues(link),
    );
  }

  async get(correlationKey: string): Promise<EscalationLink | undefined> {
    const row = await this.sql.one<EscalationLinkRow>('SELECT * FROM escalation_links WHERE correlation_key = $1', [correlationKey]);
    return row ? toEscalationLink(row) : undefined;
  }

  async ofTicket(sourceId: string, nativeId: string): Promise<EscalationLink[]> {
    // UNION rather than OR: each half is read through its own index, and a link with both ends on the ticket comes once.
    const rows = await this.sql.rows<EscalationLinkRow>(
      `SELECT * FROM escalation_links WHERE origin_source = $1 AND origin_native_id = $2
       UNION SELECT * FROM escalation_links WHERE copy_source = $1 AND copy_native_id = $2 ${ORDER}`,
      [sourceId, nativeId],
    );
    return rows.map(toEscalationLink);
  }

  async list(filter: { sourceId?: string; limit?: number } = {}): Promise<EscalationLink[]> {
    // LIMIT NULL: no limit.
    const rows =
      filter.sourceId !== undefined
        ? await this.sql.rows<EscalationLinkRow>(`SELECT * FROM escalation_links WHERE origin_source = $1 UNION SELECT * FROM escalation_links WHERE copy_source = $1 ${ORDER} LIMIT $2`, [
            filter.sourceId,
            filter.limit ?? null,
          ])
        : await this.sql.rows<EscalationLinkRow>(`SELECT * FROM escalation_links ${ORDER} LIMIT $1`, [filter.limit ?? null]);
    return rows.map(toEscalationLink);
  }
}
