import { esc, htmlPage } from '../util/html.js';
import { AGE_BUCKETS, describePeriod, type Aging, type BreakdownRow, type HelpdeskFigures, type Rate } from './figures.js';

export interface HtmlMeta {
  title: string;
  /** What the figures were computed from, one line (the export's path and size). */
  source: string;
  generatedAt: Date;
  /** HTML placed above the header (the console's navigation); absent in a file written by `deskbridge report`. */
  nav?: string | undefined;
}

/**
 * The KPI report as one self-contained HTML file (inline CSS and SVG; no scripts, fonts or
 * network): headline cards, the trend per week or month as charts, then the tables a manager
 * copies into a slide. Every chart's figures are also written in a table.
 */
export function renderHtml(f: HelpdeskFigures, meta: HtmlMeta): string {
  const labels = f.trend.map((t) => t.label);
  const sections = [
    section(
      'Volume',
      `Tickets opened and resolved per ${f.period.by}.`,
      columnChart(`Opened and resolved per ${f.period.by}`, labels, [
        { name: 'opened', colour: '#1570ef', values: f.trend.map((t) => t.created) },
        { name: 'resolved', colour: '#067647', values: f.trend.map((t) => t.resolved) },
      ]),
    ),
    section(
      'Backlog aging',
      `Tickets open at the end of each ${f.period.by}, by age since they were opened.`,
      columnChart(
        `Open tickets at the end of each ${f.period.by}, by age`,
        labels,
        AGE_BUCKETS.map((b, i) => ({ name: b, colour: AGE_COLOURS[i] ?? '#98a2b3', values: f.trend.map((t) => t.backlogAtEnd[b]) })),
        true,
      ),
    ),
    section(
      'Resolution time',
      `Median and 90th percentile hours from opening to resolution, of the tickets resolved in each ${f.period.by}.`,
      columnChart(`Hours to resolution per ${f.period.by}`, labels, [
        { name: 'median', colour: '#6172f3', values: f.trend.map((t) => t.resolution.medianHours ?? 0) },
        { name: '90th percentile', colour: '#b692f6', values: f.trend.map((t) => t.resolution.p90Hours ?? 0) },
      ]),
    ),
    ...(f.effect
      ? [
          section(
            'What deskbridge routing changed',
            'Tickets resolved in the period that deskbridge assigned (a write that changed the ticket), against the rest. The two sets differ in more than routing (which rules matched them), so read it as a comparison, not a controlled experiment.',
            breakdownTable('Tickets', [
              { key: 'routed by deskbridge', ...f.effect.routed },
              { key: 'not routed by it', ...f.effect.notRouted },
            ]),
          ),
        ]
      : []),
    section('Trend', `Every figure per ${f.period.by}.`, trendTable(f)),
    section('By priority', 'Tickets resolved in the period, by their priority.', breakdownTable('Priority', f.byPriority)),
    section('By group', 'Tickets resolved in the period, by the group that resolved them.', breakdownTable('Group', f.byGroup)),
    section('By category', 'Tickets resolved in the period, by category.', breakdownTable('Category', f.byCategory)),
    section('Backlog by group', 'Open tickets at the start and the end of the period, by the group holding them then.', backlogTable(f)),
    section('Top categories', 'Tickets opened in the period, by category.', topCategoriesTable(f)),
    section('People', 'Tickets resolved in the period, by the person assigned when they were resolved.', peopleTable(f)),
  ];
  return htmlPage({
    title: meta.title,
    subtitle: `${describePeriod(f)}, by ${f.period.by}; ${meta.source}. Generated ${meta.generatedAt.toISOString()} by deskbridge.`,
    css: CSS,
    nav: meta.nav,
    body: `${cards(f)}
${definitions()}
${sections.join('\n')}`,
  });
}

const AGE_COLOURS = ['#abefc6', '#75e0a7', '#fedf89', '#fdb022', '#f04438'];

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#101828;background:#fff;max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.4}
h1{margin:0 0 .25rem}h2{margin:2rem 0 .25rem;border-bottom:1px solid #d0d5dd;padding-bottom:.25rem}
.muted{color:#475467}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}
.card{border:1px solid #d0d5dd;border-radius:8px;padding:.75rem 1rem;min-width:9rem}
.card .value{font-size:1.8rem;font-weight:700}.card .label{color:#475467;font-size:.9rem}
svg{max-width:100%;height:auto;display:block;margin:.75rem 0}
svg text{font-family:inherit;fill:#101828}
table{border-collapse:collapse;margin:.75rem 0;font-size:.85rem}
th,td{border:1px solid #d0d5dd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
dl{font-size:.9rem}dt{font-weight:600}dd{margin:0 0 .4rem 1rem;color:#475467}
`;

function cards(f: HelpdeskFigures): string {
  const o = f.overall;
  const items: [string, string][] = [
    [String(f.created), 'opened'],
    [String(o.resolved), 'resolved'],
    [rateText(o.fcr), 'first-contact resolution'],
    [hours(o.resolution.medianHours), 'median time to resolution'],
    [hours(o.firstResponse.medianHours), 'median time to first response'],
    [rateText(o.sla), 'SLA attainment'],
    [rateText(o.reopened), 'reopened'],
    [String(f.backlog.atEnd.total), 'open at the end'],
  ];
  return `<div class="cards">${items.map(([value, label]) => `<div class="card"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`).join('')}</div>`;
}

function definitions(): string {
  const items: [string, string][] = [
    ['Resolved', 'the ticket’s last resolution falls in the period; cancelled tickets are not resolved.'],
    ['First-contact resolution', 'share of resolved tickets resolved by the group and person first assigned (no reassignment) and never reopened.'],
    ['Time to first response', 'from opening to the first update with a person assigned, or the ticket in progress, on hold or resolved.'],
    ['Time to resolution', 'from opening to resolution, calendar hours.'],
    ['SLA attainment', 'share of resolved tickets with no SLA breached, of those the platform reports on.'],
    ['Reassignments', 'group changes after the first group (or the platform’s count when higher), per resolved ticket.'],
    ['Reopen rate', 'share of resolved tickets reopened at least once.'],
    ['Backlog', 'tickets open at an instant, by age since opening.'],
  ];
  return `<details><summary>How each figure is defined</summary><dl>${items.map(([t, d]) => `<dt>${esc(t)}</dt><dd>${esc(d)}</dd>`).join('')}</dl></details>`;
}

function section(title: string, intro: string, body: string): string {
  return `<section>\n<h2>${esc(title)}</h2>\n<p class="muted">${esc(intro)}</p>\n${body}\n</section>`;
}

interface Series {
  name: string;
  colour: string;
  values: number[];
}

/** Columns per interval, side by side or stacked; the value is in each column's tooltip and in the tables. */
function columnChart(title: string, labels: string[], series: Series[], stacked = false): string {
  if (labels.length === 0) return '<p class="muted">No intervals in this period.</p>';
  const left = 56;
  const top = 50;
  const plotHeight = 200;
  const groups = labels.length;
  const step = Math.max(14, Math.min(48, Math.floor(900 / groups)));
  const width = Math.max(480, left + groups * step + 20);
  const height = top + plotHeight + 60;
  const totals = labels.map((_, i) => (stacked ? series.reduce((s, x) => s + (x.values[i] ?? 0), 0) : Math.max(...series.map((x) => x.values[i] ?? 0))));
  const max = niceMax(Math.max(1, ...totals));
  const y = (v: number): number => top + plotHeight - (v / max) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}">`,
    `<text x="0" y="18" font-size="15" font-weight="700">${esc(title)}</text>`,
  ];
  series.forEach((s, i) => parts.push(`<rect x="${left + i * 130}" y="28" width="12" height="12" fill="${s.colour}"/><text x="${left + i * 130 + 16}" y="38" font-size="12">${esc(s.name)}</text>`));
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(
      `<line x1="${left}" y1="${y(v)}" x2="${width - 10}" y2="${y(v)}" stroke="#d0d5dd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" fill="#475467">${esc(compact(v))}</text>`,
    );
  }
  const every = Math.ceil(groups / 26);
  labels.forEach((label, i) => {
    const x0 = left + i * step + 2;
    const inner = step - 4;
    let base = 0;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / max) * plotHeight;
      const x = stacked ? x0 : x0 + (j * inner) / series.length;
      const w = stacked ? inner : inner / series.length;
      const yTop = stacked ? y(base + v) : y(v);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${Math.max(w - 1, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.colour}"><title>${esc(`${label} ${s.name}: ${compact(v)}`)}</title></rect>`,
      );
      base += v;
    });
    if (i % every === 0)
      parts.push(`<text x="${x0 + inner / 2}" y="${top + plotHeight + 14}" font-size="10" text-anchor="end" transform="rotate(-45 ${x0 + inner / 2} ${top + plotHeight + 14})">${esc(label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function niceMax(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= v) return m * magnitude;
  return 10 * magnitude;
}

function trendTable(f: HelpdeskFigures): string {
  const head = [
    f.period.by === 'week' ? 'Week' : 'Month',
    'Opened',
    'Resolved',
    'FCR',
    'First response median h',
    'Resolution median h',
    'Resolution p90 h',
    'SLA met',
    'Reopened',
    'Reassignments / ticket',
    'Open at end',
  ];
  const rows = f.trend.map((t) => [
    t.label,
    String(t.created),
    String(t.resolved),
    rateText(t.fcr),
    num(t.firstResponse.medianHours),
    num(t.resolution.medianHours),
    num(t.resolution.p90Hours),
    rateText(t.sla),
    rateText(t.reopened),
    num(t.reassignmentsPerTicket, 2),
    String(t.backlogAtEnd.total),
  ]);
  return table(head, rows);
}

function breakdownTable(label: string, rows: BreakdownRow[]): string {
  const head = [label, 'Resolved', 'FCR', 'First response median h', 'Resolution median h', 'mean h', 'p90 h', 'SLA met', 'Reopened', 'Reassignments / ticket'];
  return table(
    head,
    rows.map((r) => [
      r.key,
      String(r.resolved),
      rateText(r.fcr),
      num(r.firstResponse.medianHours),
      num(r.resolution.medianHours),
      num(r.resolution.meanHours),
      num(r.resolution.p90Hours),
      rateText(r.sla),
      rateText(r.reopened),
      num(r.reassignmentsPerTicket, 2),
    ]),
  );
}

function backlogTable(f: HelpdeskFigures): string {
  const head = ['Group', ...AGE_BUCKETS.map((b) => `${b} start → end`), 'Total start → end'];
  const cell = (a: Aging, b: Aging, key: keyof Aging): string => `${a[key]} → ${b[key]}`;
  const rows = [
    ['All groups', ...AGE_BUCKETS.map((b) => cell(f.backlog.atStart, f.backlog.atEnd, b)), cell(f.backlog.atStart, f.backlog.atEnd, 'total')],
    ...f.backlog.byGroup.slice(0, 40).map((g) => [g.group, ...AGE_BUCKETS.map((b) => cell(g.atStart, g.atEnd, b)), cell(g.atStart, g.atEnd, 'total')]),
  ];
  return table(head, rows);
}

function topCategoriesTable(f: HelpdeskFigures): string {
  return table(
    ['Category', 'Opened', 'Share'],
    f.topCategories.map((c) => [c.category, String(c.created), `${(c.share * 100).toFixed(1)}%`]),
  );
}

function peopleTable(f: HelpdeskFigures): string {
  return table(
    ['Person', 'Resolved', 'FCR', 'Resolution median h', 'p90 h', 'QA passed'],
    f.people.map((p) => [p.person, String(p.resolved), rateText(p.fcr), num(p.resolution.medianHours), num(p.resolution.p90Hours), p.qa ? `${rateText(p.qa)} (${p.qa.count} of ${p.qa.of})` : '–']),
  );
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="muted">Nothing in this period.</p>';
  const numeric = (c: string): boolean => /^[\d.,%→ –-]+$/.test(c);
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td${numeric(c) ? ' class="num"' : ''}>${esc(c)}</td>`)).join('')}</tr>`)
    .join('\n')}\n</tbody></table>`;
}

export function rateText(r: Rate): string {
  return r.rate === undefined ? '–' : `${(r.rate * 100).toFixed(1)}%`;
}

function num(v: number | undefined, digits = 1): string {
  return v === undefined ? '–' : v.toFixed(digits);
}

export function hours(h: number | undefined): string {
  if (h === undefined) return '–';
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`;
}

function compact(v: number): string {
  return v >= 10_000 ? `${Math.round(v / 1000)}k` : Number.isInteger(v) ? String(v) : v.toFixed(1);
}
