import { z } from 'zod';
import { glideDateTimeToIso } from './time.js';

/**
 * Wire shapes of the Table API, only as far as the connector reads them. Records themselves
 * stay `unknown` apart from their envelope (sys_id, sys_updated_on, …): mappings read the rest.
 */

/**
 * One field of a record. With `sysparm_display_value=all` it is `{display_value, value}` (plus
 * `link` for references unless `sysparm_exclude_reference_link=true`); without it, a plain
 * string. Both are accepted and reduced to the stored `value`.
 */
export const FieldValue = z
  .union([z.string(), z.looseObject({ value: z.union([z.string(), z.number(), z.boolean()]).nullish() })])
  .transform((field) => (typeof field === 'string' ? field : field.value === null || field.value === undefined ? undefined : String(field.value)));

const SysId = FieldValue.pipe(z.string().regex(/^[0-9a-f]{32}$/, 'sys_id is not 32 hex characters'));

/** The fields every pulled record must have to be tracked; anything else makes it unreadable. */
export const RecordEnvelope = z.looseObject({
  sys_id: SysId,
  sys_updated_on: FieldValue.pipe(
    z.string().transform((value, ctx) => {
      const iso = glideDateTimeToIso(value);
      if (iso === undefined) {
        ctx.addIssue({ code: 'custom', message: `sys_updated_on "${value}" is not yyyy-MM-dd HH:mm:ss` });
        return z.NEVER;
      }
      return { glide: value, iso };
    }),
  ),
  // Sloppy optional fields degrade to "unknown" rather than making the record unreadable.
  sys_mod_count: FieldValue.optional().catch(undefined),
  sys_updated_by: FieldValue.optional().catch(undefined),
  number: FieldValue.optional().catch(undefined),
});
export type RecordEnvelope = z.infer<typeof RecordEnvelope>;

/** `GET /api/now/table/{table}`: elements are checked one by one, so one bad record is not fatal. */
export const TableListResponse = z.object({ result: z.array(z.unknown()) });
export type TableListResponse = z.infer<typeof TableListResponse>;

/** `GET /api/now/table/{table}/{sys_id}`. */
export const TableRecordResponse = z.object({ result: z.record(z.string(), z.unknown()) });
export type TableRecordResponse = z.infer<typeof TableRecordResponse>;

/** POST/PATCH answer with `sysparm_fields=sys_id,sys_mod_count`. */
export const WriteResponse = z.object({
  result: z.looseObject({ sys_id: SysId, sys_mod_count: FieldValue.optional().catch(undefined) }),
});
export type WriteResponse = z.infer<typeof WriteResponse>;

/** An escalated copy: its sys_id and the number the instance gave it (POST answer and correlation_id lookup, raw values). */
const EscalatedRow = z.looseObject({ sys_id: SysId, number: FieldValue.pipe(z.string().min(1, 'number is empty')) });

/** `POST /api/now/table/<table>` of an escalation, `sysparm_fields=sys_id,number,sys_mod_count`. */
export const EscalatedRecord = z.object({ result: EscalatedRow });
export type EscalatedRecord = z.infer<typeof EscalatedRecord>;

/** The correlation_id lookup of an escalation (`sysparm_fields=sys_id,number,correlation_id`). */
export const EscalatedRecordList = z.object({ result: z.array(EscalatedRow) });
export type EscalatedRecordList = z.infer<typeof EscalatedRecordList>;

/** A lookup that only asks for `sys_id` (journal entries, problems by correlation_id, users). */
export const SysIdList = z.object({ result: z.array(z.looseObject({ sys_id: SysId })) });
export type SysIdList = z.infer<typeof SysIdList>;

/** Error body of the REST APIs: `{"error": {"message", "detail"}, "status": "failure"}`. */
export const ErrorBody = z.object({
  error: z.object({ message: z.string().nullish(), detail: z.string().nullish() }),
  status: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** `/oauth_token.do` success. `expires_in` is seconds (1799 by default on an instance). */
export const OAuthToken = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive(),
});
export type OAuthToken = z.infer<typeof OAuthToken>;

/** `/oauth_token.do` failure, e.g. `{"error":"server_error","error_description":"access_denied"}`. */
export const OAuthError = z.object({ error: z.string().optional(), error_description: z.string().optional() });
export type OAuthError = z.infer<typeof OAuthError>;

/** The platform's error text from either error shape, for messages; never includes request data. */
export function vendorMessage(body: unknown): string | undefined {
  const rest = ErrorBody.safeParse(body);
  if (rest.success) {
    const parts = [rest.data.error.message, rest.data.error.detail].filter((part): part is string => !!part);
    return parts.length > 0 ? parts.join(' — ') : undefined;
  }
  const oauth = OAuthError.safeParse(body);
  if (oauth.success && (oauth.data.error || oauth.data.error_description)) {
    return [oauth.data.error, oauth.data.error_description].filter(Boolean).join(': ');
  }
  return undefined;
}

/** `GET /table/{t}/{sys_id}?sysparm_fields=sys_mod_count,sys_updated_by` (raw values). */
export const VersionCheck = z.object({
  result: z.looseObject({ sys_mod_count: z.union([z.string(), z.number()]), sys_updated_by: z.string() }),
});
export type VersionCheck = z.infer<typeof VersionCheck>;

/**
 * Problems as `problemStates` and `update-problem` read them (`sysparm_fields=sys_id,number,state,
 * active,correlation_id[,short_description,description]`, raw values). Elements are checked one by
 * one: a problem hidden by a field ACL is skipped, not fatal.
 */
export const ProblemRow = z.looseObject({
  sys_id: SysId,
  number: FieldValue.optional().catch(undefined),
  state: FieldValue.optional().catch(undefined),
  active: FieldValue.optional().catch(undefined),
  correlation_id: FieldValue.optional().catch(undefined),
  short_description: FieldValue.optional().catch(undefined),
  description: FieldValue.optional().catch(undefined),
});
export type ProblemRow = z.infer<typeof ProblemRow>;

/** `GET /table/{t}/{sys_id}?sysparm_fields=<duplicateField>,sys_mod_count,sys_updated_by` (raw values). */
export const DuplicateCheck = z.object({
  result: z.record(z.string(), z.unknown()),
});
