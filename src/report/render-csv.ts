import { csvField, csvText } from '../util/csv.js';
import { AGE_BUCKETS, type Aging, type HelpdeskFigures, type ResolutionFigures } from './figures.js';

/**
 * One CSV in long form — `table,period,key,figure,value` — so a spreadsheet's pivot table can lay
 * out any of it (weeks across, groups down…) and every row stands alone.
 */
export function renderCsv(f: HelpdeskFigures): string {
  const rows: (string | number | undefined)[][] = [['table', 'period', 'key', 'figure', 'value']];
  const period = `${f.period.from}..${f.period.to}`;
  const add = (table: string, when: string, key: string, figures: Record<string, number | undefined>): void => {
    for (const [figure, value] of Object.entries(figures)) rows.push([table, when, key, figure, value === undefined ? '' : round(value)]);
  };
  add('overall', period, 'all', { created: f.created, ...flat(f.overall) });
  for (const t of f.trend) add(f.period.by, t.label, 'all', { created: t.created, ...flat(t), ...agingFigures('backlog_end', t.backlogAtEnd) });
  for (const r of f.byPriority) add('priority', period, r.key, flat(r));
  for (const r of f.byGroup) add('group', period, r.key, flat(r));
  for (const r of f.byCategory) add('category', period, r.key, flat(r));
  add('backlog', period, 'all', { ...agingFigures('start', f.backlog.atStart), ...agingFigures('end', f.backlog.atEnd) });
  for (const g of f.backlog.byGroup) add('backlog_group', period, g.group, { ...agingFigures('start', g.atStart), ...agingFigures('end', g.atEnd) });
  for (const c of f.topCategories) add('top_category', period, c.category, { created: c.created, share: c.share });
  if (f.effect) {
    add('effect', period, 'routed_by_deskbridge', flat(f.effect.routed));
    add('effect', period, 'not_routed', flat(f.effect.notRouted));
  }
  for (const p of f.people)
    add('person', period, p.person, {
      resolved: p.resolved,
      fcr_rate: p.fcr.rate,
      resolution_median_h: p.resolution.medianHours,
      resolution_p90_h: p.resolution.p90Hours,
      qa_pass_rate: p.qa?.rate,
      qa_verdicts: p.qa?.of,
    });
  return `${rows.map((r) => r.map(cell).join(',')).join('\n')}\n`;
}

function flat(r: ResolutionFigures): Record<string, number | undefined> {
  return {
    resolved: r.resolved,
    fcr_rate: r.fcr.rate,
    first_response_median_h: r.firstResponse.medianHours,
    first_response_mean_h: r.firstResponse.meanHours,
    first_response_p90_h: r.firstResponse.p90Hours,
    resolution_median_h: r.resolution.medianHours,
    resolution_mean_h: r.resolution.meanHours,
    resolution_p90_h: r.resolution.p90Hours,
    sla_rate: r.sla.rate,
    sla_known: r.sla.of,
    reopen_rate: r.reopened.rate,
    reassignments_per_ticket: r.reassignmentsPerTicket,
  };
}

function agingFigures(prefix: string, a: Aging): Record<string, number> {
  return Object.fromEntries([...AGE_BUCKETS.map((b) => [`${prefix}_${b}`, a[b]] as const), [`${prefix}_total`, a.total]]);
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** A cell: numbers as they are, text formula-safe and RFC 4180-quoted. */
function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return csvField(csvText(value));
}
