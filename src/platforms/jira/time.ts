/**
 * Jira returns date-times as `2024-05-14T11:15:42.123+0200` (millisecond precision, the
 * authenticated user's offset, no colon), while JQL date literals (`"2024-05-14 11:15"`) have
 * minute resolution and are read in that user's time zone. Everything inside deskbridge is
 * ISO 8601 UTC; these functions are where the formats meet.
 */

const JIRA_DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

/** `2024-05-14T11:15:42.123+0200` → epoch ms; undefined when it is not that shape. */
export function jiraTimeToMs(value: string): number | undefined {
  const match = JIRA_DATE_TIME.exec(value);
  if (!match) {
    return undefined;
  }
  const [, base, fraction = '', zone = 'Z'] = match;
  const offset = zone === 'Z' || zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${base}${fraction.slice(0, 4)}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `2024-05-14T11:15:42.123+0200` → `2024-05-14T09:15:42.123Z`. */
export function jiraTimeToIso(value: string): string | undefined {
  const ms = jiraTimeToMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

export const MINUTE_MS = 60_000;

export function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/**
 * Used when the user's time zone is unknown: a wall-clock time printed in UTC−12 is read by Jira
 * as an instant at or before the one meant, whatever the user's real zone (UTC−12 … UTC+14),
 * so the bound can only widen the window — never open a gap.
 */
export const WIDEST_ZONE = 'Etc/GMT+12';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True when the runtime knows the IANA zone name (e.g. `Europe/Berlin`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') {
      parts[part.type] = Number(part.value);
    }
  }
  return { year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0 };
}

/** The zone's offset from UTC at `ms`, in minutes. */
function offsetMinutes(ms: number, timeZone: string): number {
  const wall = wallClock(ms, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return Math.round((asUtc - floorToMinute(ms)) / MINUTE_MS);
}

/**
 * The instant to put in a JQL lower bound for "at or after `ms`": floored to the minute (JQL has
 * no seconds) and, near a daylight-saving change, moved back by the size of the change. When
 * clocks go back, a wall-clock time happens twice; Jira may read it as the later one, which would
 * silently skip up to an hour of updates. Widening is always safe: the ledger skips versions it
 * has already processed.
 */
export function safeLowerBound(ms: number, timeZone: string): number {
  const floored = floorToMinute(ms);
  const window = 3 * 60 * MINUTE_MS;
  const offsets = [offsetMinutes(floored - window, timeZone), offsetMinutes(floored, timeZone), offsetMinutes(floored + window, timeZone)];
  const shift = Math.max(...offsets) - Math.min(...offsets);
  return floored - shift * MINUTE_MS;
}

/** Epoch ms → `yyyy-MM-dd HH:mm` in `timeZone`, the form JQL date literals take. */
export function jqlDateTime(ms: number, timeZone: string): string {
  const wall = wallClock(ms, timeZone);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${String(wall.year).padStart(4, '0')}-${two(wall.month)}-${two(wall.day)} ${two(wall.hour)}:${two(wall.minute)}`;
}
