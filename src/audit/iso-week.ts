const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the ISO 8601 week containing `date`. */
export function isoWeekStart(date: Date): Date {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = new Date(midnight).getUTCDay() || 7;
  return new Date(midnight - (weekday - 1) * DAY_MS);
}

/** ISO 8601 week label, e.g. `2026-W48`; the year is the week's year (Thursday rule), not the date's. */
export function isoWeekLabel(date: Date): string {
  const thursday = new Date(isoWeekStart(date).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Monday of the following ISO week. */
export function nextIsoWeek(weekStart: Date): Date {
  return new Date(weekStart.getTime() + 7 * DAY_MS);
}
