import type { QaStats } from './report-stats.js';

export interface ReportMeta {
  title: string;
  generatedAt: Date;
  /** HTML placed above the header of the HTML report (the console's navigation). */
  nav?: string | undefined;
}

export function formatRate(rate: number | undefined): string {
  return rate === undefined ? 'n/a' : `${(rate * 100).toFixed(1)}%`;
}

export function describePeriod(stats: QaStats): string {
  const since = stats.since?.toISOString() ?? 'the beginning of the log';
  const until = stats.until ? `${stats.until.toISOString()} (exclusive)` : 'the end of the log';
  return `${since} to ${until}, by resolution time`;
}
