/**
 * ServiceNow stores date-times in UTC and returns that stored form as a field's `value`
 * (`yyyy-MM-dd HH:mm:ss`, one-second resolution); the `display_value` is in the calling user's
 * time zone and date format, so it is never used for anything but display. Everything inside
 * deskbridge is ISO 8601 UTC; these two functions are the only place the formats meet.
 */

const GLIDE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function isGlideDateTime(value: string): boolean {
  return GLIDE_DATE_TIME.test(value);
}

/** `2024-03-05 14:02:11` (UTC) → `2024-03-05T14:02:11Z`; undefined when it is not that shape. */
export function glideDateTimeToIso(value: string): string | undefined {
  const match = GLIDE_DATE_TIME.exec(value);
  if (!match) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/**
 * ISO 8601 (any offset) → UTC `yyyy-MM-dd HH:mm:ss`. Milliseconds are truncated, which widens an
 * inclusive lower bound by under a second — harmless, since pulls de-duplicate by version.
 */
export function isoToGlideDateTime(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new RangeError(`"${iso}" is not an ISO 8601 date-time`);
  }
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
