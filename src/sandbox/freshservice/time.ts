/**
 * Freshservice's date handling (https://api.freshservice.com/#schema): every timestamp is returned
 * in UTC as `YYYY-MM-DDTHH:MM:SSZ` (seconds, no milliseconds), and date inputs are accepted as
 * `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[Z]`, `YYYY-MM-DDTHH:MM:SS[Z]` or with an offset `±hh:mm`, `±hh`,
 * `±hhmm`; without zone information the input is UTC.
 */

/** `2026-12-05T19:20:00Z`: how Freshservice renders a timestamp. */
export function formatFreshserviceTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Milliseconds of a documented date input, or null when it matches none of the formats. */
export function parseFreshserviceDate(input: string): number | null {
  const m = DATE_INPUT.exec(input.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-31 over into March: refuse dates that do not exist.
  if (new Date(wall).getUTCDate() !== day) return null;
  if (zone === undefined || zone === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return wall - sign * offsetMinutes * 60_000;
}
