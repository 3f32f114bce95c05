import { z } from 'zod';
import type { HttpClient, HttpLogger } from '../../http/client.js';
import { PlatformError } from '../../http/errors.js';
import type { RecordComment } from '../types.js';
import type { Asked } from './lookup.js';
import { type EncodedQuery, and, condition, inList, orderBy } from './query.js';
import { FieldValue, TableListResponse } from './schema.js';
import { glideDateTimeToIso, isoToGlideDateTime } from './time.js';

/**
 * Reading the comments and work notes of several records for escalation sync (`Connector.comments`).
 *
 * Every journal entry is a row of `sys_journal_field`: `element_id` is the sys_id of the record it
 * belongs to, `element` the journal field (`work_notes`, `comments`), `value` the text, and the
 * system fields `sys_created_on` / `sys_created_by` say when and by whom (user_name) it was written.
 * ServiceNow documents reading journal entries exactly so: query sys_journal_field with the record's
 * sys_id as `element_id` and the field name as `element` ("Retrieve journal entries using direct web
 * services", https://www.servicenow.com/docs/r/australia/api-reference/web-services/retrieving-journal-entries.html;
 * the journal fields themselves: "Journal fields", Table Administration; the sys_* fields: "Global
 * default fields"). The Table API reads that table like any other, so many records are read in one
 * query: `element_idIN<ids>^elementINwork_notes,comments^sys_created_on>=<since>`.
 */

const JOURNAL_TABLE = 'sys_journal_field';
/** The journal fields escalation sync mirrors, and who sees them: work notes are agents-only. */
const ELEMENTS = { work_notes: 'internal', comments: 'public' } as const satisfies Record<string, RecordComment['visibility']>;
/** Records per query: 100 sys_ids (3.3 kB, ~3.6 kB URL-encoded) keep the URL well under instance/proxy limits. */
export const JOURNAL_READ_CHUNK = 100;
/** Rows per page at most, whatever the source's pageSize: journal texts run to kilobytes each. */
const MAX_JOURNAL_PAGE = 1000;
const FIELDS = 'sys_id,element_id,element,value,sys_created_on,sys_created_by';
const SYS_ID = /^[0-9a-f]{32}$/;

/** What the connector lends the reader: its HTTP client and its checks (query guard, parsing, widened-lookup check). */
export interface JournalReadContext {
  http: HttpClient;
  sourceId: string;
  logger: HttpLogger | undefined;
  /** The source's pageSize (rows per Table API page). */
  pageSize: number;
  /** user_name the connector writes as: entries it created are `own`. */
  integrationUser: string;
  guard<T>(build: () => T): T;
  parse<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, data: unknown, what: string): T;
  checkLookup(table: string, rows: readonly unknown[], asked: readonly Asked[]): void;
}

/**
 * One sys_journal_field row as read without display values: every field is the stored value, so
 * `sys_created_on` is `yyyy-MM-dd HH:mm:ss` in UTC (display values would be in the caller's zone).
 */
const JournalRow = z.looseObject({
  sys_id: FieldValue.pipe(z.string().regex(SYS_ID, 'sys_id is not 32 hex characters')),
  element_id: FieldValue.pipe(z.string()),
  element: FieldValue.pipe(z.enum(['work_notes', 'comments'])),
  value: FieldValue.optional().catch(undefined),
  sys_created_on: FieldValue.pipe(
    z.string().transform((value, ctx) => {
      const iso = glideDateTimeToIso(value);
      if (iso === undefined) {
        ctx.addIssue({ code: 'custom', message: `sys_created_on "${value}" is not yyyy-MM-dd HH:mm:ss` });
        return z.NEVER;
      }
      return { glide: value, iso };
    }),
  ),
  sys_created_by: FieldValue.optional().catch(undefined),
});

/** Keyset position: the last (sys_created_on, sys_id) a read has passed. */
interface Keyset {
  createdOn: string;
  sysId: string;
}

/**
 * The work notes and comments of `nativeIds` created at or after `since`, oldest first per record:
 * one query per 100 records per page. Pages go by keyset, as the pull does (see the connector's
 * `pull`): the next page asks for "after the last (sys_created_on, sys_id) seen", written as
 * `sys_created_on>=<ts>^sys_id><id>^ORsys_created_on><ts>` — `^OR` binds to the condition before
 * it, so that is created > ts OR (created = ts AND sys_id > id) without repeating the IN list in a
 * `^NQ` branch (which would double the URL). sys_id breaks ties: a bulk update stamps many entries
 * with the same second. Entries are append-only, so a note written while we page lands after the
 * keyset and is read on a later page or the next call.
 */
export async function readJournal(context: JournalReadContext, nativeIds: readonly string[], since: string | undefined, signal: AbortSignal | undefined): Promise<Map<string, RecordComment[]>> {
  // Anything but a sys_id cannot be a ServiceNow record: no journal to read.
  const ids = [...new Set(nativeIds)].filter((id) => SYS_ID.test(id));
  const result = new Map<string, RecordComment[]>();
  const from = since === undefined ? undefined : isoToGlideDateTime(since);
  const pageSize = Math.min(context.pageSize, MAX_JOURNAL_PAGE);
  const integrationUser = context.integrationUser.toLowerCase();
  for (let i = 0; i < ids.length; i += JOURNAL_READ_CHUNK) {
    const chunk = ids.slice(i, i + JOURNAL_READ_CHUNK);
    const filter = context.guard(() => and(inList('element_id', chunk), inList('element', Object.keys(ELEMENTS)), from === undefined ? undefined : condition('sys_created_on', '>=', from)));
    // A widened answer (a condition the instance dropped, e.g. element_id hidden by an ACL) would
    // hand other records' notes to these tickets and mirror them to the other side.
    const asked: Asked[] = [
      { field: 'element_id', oneOf: new Set(chunk) },
      { field: 'element', oneOf: new Set(Object.keys(ELEMENTS)) },
    ];
    let keyset: Keyset | undefined;
    const seen = new Set<string>();
    for (;;) {
      const position = keyset;
      const query = position === undefined ? filter : context.guard(() => and(filter, after(position)));
      const response = await context.http.request({
        method: 'GET',
        url: `/api/now/table/${JOURNAL_TABLE}`,
        params: {
          sysparm_query: orderBy(query, 'sys_created_on', 'sys_id'),
          sysparm_fields: FIELDS,
          sysparm_limit: pageSize,
          sysparm_exclude_reference_link: 'true',
          // Skips the COUNT(*) the instance would otherwise run for X-Total-Count on every page.
          sysparm_no_count: 'true',
        },
        operation: 'comment-read',
        signal,
      });
      const rows = context.parse(TableListResponse, response.data, 'journal page').result;
      context.checkLookup(JOURNAL_TABLE, rows, asked);
      let last: Keyset | undefined;
      for (const raw of rows) {
        const parsed = JournalRow.safeParse(raw);
        if (!parsed.success) {
          // An entry we cannot read (an ACL hiding its value's sys_id or date) is left out, not fatal.
          context.logger?.debug('Unreadable journal entry skipped', { source: context.sourceId, error: parsed.error.issues[0]?.message });
          continue;
        }
        const row = parsed.data;
        last = { createdOn: row.sys_created_on.glide, sysId: row.sys_id };
        if (seen.has(row.sys_id)) continue;
        seen.add(row.sys_id);
        const author = row.sys_created_by ?? '';
        const comment: RecordComment = {
          id: row.sys_id,
          nativeId: row.element_id,
          // sys_created_by is the writer's user_name (sys_journal_field keeps no reference to sys_user);
          // the connector has no cached user lookup, so the login stands in for a display name, as the
          // RecordComment contract allows.
          author,
          createdAt: row.sys_created_on.iso,
          body: row.value ?? '',
          visibility: ELEMENTS[row.element],
          // user_name is compared without case: the instance logs a user in whatever case it was typed.
          own: author !== '' && author.toLowerCase() === integrationUser,
        };
        const list = result.get(comment.nativeId);
        if (list === undefined) result.set(comment.nativeId, [comment]);
        else list.push(comment);
      }
      if (rows.length < pageSize) break;
      // A full page must move the keyset, or the same page would be fetched forever.
      if (last === undefined || (keyset !== undefined && !isAfter(last, keyset))) {
        throw new PlatformError(`ServiceNow returned a full page of ${JOURNAL_TABLE} rows that does not advance the read for source ${context.sourceId}`, {
          platform: 'servicenow',
          sourceId: context.sourceId,
          code: 'bad-response',
          retryable: false,
          hint: 'Every entry on the page lacked a readable sys_id/sys_created_on; check read ACLs on sys_journal_field',
        });
      }
      keyset = last;
    }
  }
  return result;
}

/**
 * `(created > ts) OR (created = ts AND sys_id > id)` as `created>=ts ^ (sys_id>id ^OR created>ts)`.
 * query.ts has no OR-within-a-clause helper; both halves are built by `condition`, which checks them.
 */
function after(keyset: Keyset): EncodedQuery {
  const tie = `${condition('sys_id', '>', keyset.sysId)}^OR${condition('sys_created_on', '>', keyset.createdOn)}` as EncodedQuery;
  return and(condition('sys_created_on', '>=', keyset.createdOn), tie);
}

function isAfter(a: Keyset, b: Keyset): boolean {
  return a.createdOn > b.createdOn || (a.createdOn === b.createdOn && a.sysId > b.sysId);
}
