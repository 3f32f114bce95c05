import { describePeriod, type HelpdeskFigures } from './figures.js';
import { hours, rateText } from './render-html.js';

/** The headline figures and the trend, for a terminal. */
export function renderText(f: HelpdeskFigures, source: string): string[] {
  const o = f.overall;
  const lines = [
    `Help-desk figures ${describePeriod(f)}, from ${source}`,
    `  opened ${f.created}, resolved ${o.resolved}, open at the start ${f.backlog.atStart.total}, at the end ${f.backlog.atEnd.total}`,
    `  first-contact resolution ${rateText(o.fcr)} (${o.fcr.count} of ${o.fcr.of})`,
    `  time to first response: median ${hours(o.firstResponse.medianHours)}, mean ${hours(o.firstResponse.meanHours)}, p90 ${hours(o.firstResponse.p90Hours)}`,
    `  time to resolution: median ${hours(o.resolution.medianHours)}, mean ${hours(o.resolution.meanHours)}, p90 ${hours(o.resolution.p90Hours)}`,
    `  SLA attainment ${rateText(o.sla)} (${o.sla.count} of ${o.sla.of} the platform reports on); reopened ${rateText(o.reopened)}; reassignments ${o.reassignmentsPerTicket?.toFixed(2) ?? '–'} per resolved ticket`,
    '',
    `  ${(f.period.by === 'week' ? 'week' : 'month').padEnd(9)} opened  resolved    FCR   median TTR   SLA met  reopened  open at end`,
  ];
  for (const t of f.trend)
    lines.push(
      `  ${t.label.padEnd(9)} ${String(t.created).padStart(6)}  ${String(t.resolved).padStart(8)}  ${rateText(t.fcr).padStart(6)}  ${hours(t.resolution.medianHours).padStart(11)}  ${rateText(t.sla).padStart(8)}  ${rateText(t.reopened).padStart(8)}  ${String(t.backlogAtEnd.total).padStart(11)}`,
    );
  if (f.effect) {
    const row = (label: string, r: NonNullable<HelpdeskFigures['effect']>['routed']): string =>
      `  ${label.padEnd(22)} ${String(r.resolved).padStart(8)}  ${rateText(r.fcr).padStart(6)}  ${(r.reassignmentsPerTicket?.toFixed(2) ?? '–').padStart(13)}  ${hours(r.resolution.medianHours).padStart(10)}  ${hours(r.resolution.p90Hours).padStart(8)}`;
    lines.push('', '  deskbridge routing      resolved     FCR  reassignments  median TTR  p90 TTR', row('routed by deskbridge', f.effect.routed), row('not routed by it', f.effect.notRouted));
  }
  lines.push('', '  top categories: ' + f.topCategories.map((c) => `${c.category} ${(c.share * 100).toFixed(1)}%`).join(', '));
  return lines;
}
