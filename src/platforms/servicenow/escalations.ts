import type { HttpClient } from '../../http/client.js';
import type { PlatformError } from '../../http/errors.js';
import type { Action } from '../../model/action.js';
import type { WriteResult } from '../types.js';
import { type Asked, askedFields, widened, widenedLookupError } from './lookup.js';
import { condition, orderBy } from './query.js';
import { EscalatedRecord, EscalatedRecordList } from './schema.js';

type EscalateAction = Extract<Action, { type: 'escalate' }>;

/** Where an escalated copy opens when the rule names no table (`container`). */
export const ESCALATION_TABLE = 'incident';
/** Table names as the dictionary allows them (`incident`, `u_custom`, `x_acme_case`); anything else never reaches a URL. */
const TABLE_NAME = /^[a-z][a-z0-9_]*$/;
/**
 * Plain values, not display values: impact and urgency are choice values (1–3) and a display-value
 * write would read "1" as a label ("1 - High") first. The answer is cut to what is read back; the
 * number comes from the platform (it is allocated by the instance's number maintenance).
 */
const ESCALATION_WRITE_PARAMS = { sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,number,sys_mod_count' } as const;

export interface EscalationDeps {
  http: HttpClient;
  sourceId: string;
  baseUrl: string;
  guard<T>(build: () => T): T;
  parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T;
  badRequest(message: string, hint: string): PlatformError;
  /** Refuses journal fields, which would be posted again on every retry. */
  checkMappedFields(type: string, fields: Record<string, unknown>): Record<string, unknown>;
}

/**
 * `escalate` to a ServiceNow source: a linked copy of a ticket of another source, opened in the
 * rule's table (default incident). `request.planned.target` is the origin ticket on the other
 * source, so nothing here reads or writes it. The copy carries the action's correlationKey in
 * `correlation_id`, by which a retry finds it instead of opening a second one.
 */
export class EscalationWriter {
  private readonly deps: EscalationDeps;

  constructor(deps: EscalationDeps) {
    this.deps = deps;
  }

  /** Refused before any request: an unusable table, journal fields, or a correlation_id other than the key. */
  check(action: EscalateAction, mapped: Record<string, unknown>): { table: string; fields: Record<string, unknown> } {
    const { deps } = this;
    const table = action.container ?? ESCALATION_TABLE;
    if (!TABLE_NAME.test(table)) {
      throw deps.badRequest(`"${table}" is not a ServiceNow table name to escalate into`, 'Name a table in the escalate rule (container) as the dictionary does, e.g. incident');
    }
    const fields = deps.checkMappedFields('escalate', mapped);
    if (fields.correlation_id !== undefined && fields.correlation_id !== action.correlationKey) {
      throw deps.badRequest(
        "The outbound mapping set correlation_id to something other than the action's correlationKey",
        'Leave correlation_id out of the escalate branch or set it to the correlationKey; it is what makes creation idempotent',
      );
    }
    return { table, fields };
  }

  /**
   * `GET /api/now/table/<table>?sysparm_query=correlation_id=<key>^ORDERBYsys_created_on` (oldest
   * first, one row): found → `unchanged`; else one `POST /api/now/table/<table>` with the mapped
   * fields and `correlation_id` → `created`. Either way the result names the record (`created`:
   * its number as the instance gave it, and a nav_to.do link a person can follow).
   */
  async ensure(action: EscalateAction, table: string, fields: Record<string, unknown>, signal: AbortSignal | undefined): Promise<WriteResult> {
    const { deps } = this;
    const key = action.correlationKey;
    const existing = await this.find(table, key, signal);
    if (existing !== undefined) {
      return this.result('unchanged', table, existing);
    }
    // A POST that timed out may still have created the record, so it is not re-sent here; the
    // outbox retries the whole step and the correlation_id lookup above finds it.
    const response = await deps.http.request({
      method: 'POST',
      url: `/api/now/table/${table}`,
      params: ESCALATION_WRITE_PARAMS,
      data: { ...fields, correlation_id: key },
      operation: 'escalate',
      signal,
    });
    const created = deps.parse(EscalatedRecord, response.data, `${table} creation`).result;
    return this.result('created', table, created);
  }

  private result(outcome: 'created' | 'unchanged', table: string, record: { sys_id: string; number: string }): WriteResult {
    const base = this.deps.baseUrl.replace(/\/+$/, '');
    return { outcome, ref: record.sys_id, created: { number: record.number, url: `${base}/nav_to.do?uri=${table}.do?sys_id=${record.sys_id}` } };
  }

  /** The oldest record carrying the key, checked against the answer (an instance drops a condition on a field it lacks; see lookup.ts). */
  private async find(table: string, key: string, signal: AbortSignal | undefined): Promise<{ sys_id: string; number: string } | undefined> {
    const { deps } = this;
    const asked: Asked[] = [{ field: 'correlation_id', equals: key }];
    const query = deps.guard(() => orderBy(condition('correlation_id', '=', key), 'sys_created_on'));
    const response = await deps.http.request({
      method: 'GET',
      url: `/api/now/table/${table}`,
      params: { sysparm_query: query, sysparm_fields: ['sys_id', 'number', ...askedFields(asked)].join(','), sysparm_limit: 1 },
      operation: 'escalation-lookup',
      signal,
    });
    const rows = deps.parse(EscalatedRecordList, response.data, `${table} lookup`).result;
    const off = widened(table, rows, asked);
    if (off !== undefined) {
      throw widenedLookupError(deps.sourceId, off);
    }
    return rows[0];
  }
}
