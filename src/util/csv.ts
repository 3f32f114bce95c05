/** RFC 4180: a field with , " CR or LF is quoted, its quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Names come from ticket data; a group called `=HYPERLINK(…)` would run as a formula in a
 * spreadsheet (CSV injection), so such text gets a leading apostrophe, as OWASP recommends.
 */
export function csvText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
