/**
 * ServiceNow stores date-times as `yyyy-MM-dd HH:mm:ss` in UTC with one-second resolution, and
 * the Table API returns that internal form when sysparm_display_value=false.
 */
export function toGlideDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses the internal form back to a Date (UTC); undefined for anything else. */
export function parseGlideDateTime(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}
