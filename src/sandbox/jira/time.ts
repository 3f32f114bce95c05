/**
 * Jira's date handling: REST timestamps look like `2026-11-23T10:15:30.000+0000`, and JQL date
 * literals (`"2026-11-23 10:15"`) are wall-clock times in the searching user's time zone, to the
 * minute. Only node built-ins (Intl) are used for zone arithmetic.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone Intl knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds (Berlin in summer: +7_200_000). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1, parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant a wall-clock time in `timeZone` denotes (the earlier one in a DST overlap). */
export function wallTimeToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const first = asUtc - zoneOffsetMs(asUtc, timeZone);
  const second = asUtc - zoneOffsetMs(first, timeZone);
  return Math.min(first, second);
}

function pad(value: number, width = 2): string {
  return String(Math.abs(value)).padStart(width, '0');
}

/** `2026-11-23T10:15:30.000+0000`: Jira's REST date-time, rendered in `timeZone`. */
export function formatJiraTimestamp(ms: number, timeZone = 'UTC'): string {
  const offset = zoneOffsetMs(ms, timeZone);
  const d = new Date(ms + offset);
  const sign = offset < 0 ? '-' : '+';
  const offsetMinutes = Math.abs(offset) / 60_000;
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(offsetMinutes / 60))}${pad(offsetMinutes % 60)}`
  );
}

/** Jira Service Management's date DTO: `{iso8601, jira, friendly, epochMillis}`. */
export function serviceDeskDate(ms: number, timeZone = 'UTC'): Record<string, unknown> {
  const jira = formatJiraTimestamp(ms, timeZone);
  const d = new Date(ms + zoneOffsetMs(ms, timeZone));
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const hours12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  return {
    iso8601: jira.replace(/\.\d{3}/, ''),
    jira,
    friendly: `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${pad(d.getUTCFullYear() % 100)} ${hours12}:${pad(d.getUTCMinutes())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`,
    epochMillis: ms,
  };
}

const ABSOLUTE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$/;
const RELATIVE = /^([-+]?)\s*((?:\d+\s*[wdhm]\s*)+)$/;
const UNIT_MS: Record<string, number> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000 };

/**
 * A JQL date value → epoch ms, or undefined when malformed. Absolute values are read in the
 * user's zone (`yyyy/MM/dd HH:mm`, `yyyy-MM-dd HH:mm`, `yyyy/MM/dd`, `yyyy-MM-dd`); relative
 * ones (`-5d`, `"-4w 2d"`, `-90m`) count from now. Numbers are epoch milliseconds.
 */
export function parseJqlDate(value: string, timeZone: string, now: number): number | undefined {
  const trimmed = value.trim();
  const absolute = ABSOLUTE.exec(trimmed);
  if (absolute) {
    const [, y, mo, d, h, mi] = absolute;
    const month = Number(mo);
    const day = Number(d);
    const hour = h === undefined ? 0 : Number(h);
    const minute = mi === undefined ? 0 : Number(mi);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
    return wallTimeToUtc(Number(y), month, day, hour, minute, timeZone);
  }
  const relative = RELATIVE.exec(trimmed);
  if (relative) {
    let total = 0;
    for (const match of (relative[2] ?? '').matchAll(/(\d+)\s*([wdhm])/g)) {
      total += Number(match[1]) * (UNIT_MS[match[2] ?? 'm'] ?? 0);
    }
    return relative[1] === '-' ? now - total : now + total;
  }
  if (/^\d{10,}$/.test(trimmed)) return Number(trimmed);
  return undefined;
}
