import { esc, htmlPage } from '../util/html.js';
import type { QaStats, RateRow } from './report-stats.js';
import { describePeriod, formatRate, type ReportMeta } from './report-text.js';

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, fonts or network),
 * built to be read at a glance: headline numbers, then one chart per dimension with the worst
 * values on top and the percentage written on every bar, then the full tables.
 */
export function renderHtmlReport(stats: QaStats, meta: ReportMeta): string {
  const sections = [
    section('By check', 'Share of verdicts in which each check passed.', barChart('Pass rate by check', stats.byCheck, (r) => `${r.value}${r.severity ? ` (${r.severity})` : ''}`), rateTable('Check', stats.byCheck, true)),
    section('By group', 'Share of verdicts that passed, by assignment group.', barChart('Pass rate by group', stats.byGroup), rateTable('Group', stats.byGroup)),
    section('By assignee', 'Share of verdicts that passed, by assignee.', barChart('Pass rate by assignee', stats.byAssignee), rateTable('Assignee', stats.byAssignee)),
    section('By ISO week', 'Weekly pass rate, by the week the ticket was resolved.', weekChart(stats.byWeek), rateTable('Week', stats.byWeek)),
    section('Sampled for manual review', `${stats.sampled.length} ${stats.sampled.length === 1 ? 'ticket' : 'tickets'} picked for a reviewer to check by hand.`, '', sampledTable(stats)),
  ];
  return htmlPage({
    title: meta.title,
    subtitle: `${describePeriod(stats)}. Generated ${meta.generatedAt.toISOString()} by deskbridge.`,
    css: CSS,
    nav: meta.nav,
    body: `${summary(stats)}
${legend()}
${sections.join('\n')}`,
  });
}

const COLOURS = {
  good: '#067647',
  watch: '#b54708',
  poor: '#b42318',
  empty: '#98a2b3',
  text: '#101828',
  muted: '#475467',
  grid: '#d0d5dd',
} as const;

/** Thresholds for the bar colours; colour is never the only signal, every bar carries its figure. */
const GOOD = 0.95;
const WATCH = 0.8;

function colour(rate: number | undefined): string {
  if (rate === undefined) return COLOURS.empty;
  if (rate >= GOOD) return COLOURS.good;
  return rate >= WATCH ? COLOURS.watch : COLOURS.poor;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:${COLOURS.text};background:#fff;max-width:1000px;margin:2rem auto;padding:0 1rem;line-height:1.4}
h1{margin:0 0 .25rem}h2{margin:2rem 0 .25rem;border-bottom:1px solid ${COLOURS.grid};padding-bottom:.25rem}
.muted{color:${COLOURS.muted}}
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1.5rem 0}
.card{border:1px solid ${COLOURS.grid};border-radius:8px;padding:.75rem 1rem;min-width:9rem}
.card .value{font-size:2rem;font-weight:700}.card .label{color:${COLOURS.muted};font-size:.9rem}
.legend{display:flex;gap:1.25rem;flex-wrap:wrap;font-size:.9rem;color:${COLOURS.muted}}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;vertical-align:-.1rem;margin-right:.35rem}
svg{max-width:100%;height:auto;display:block;margin:.75rem 0}
svg text{font-family:inherit;fill:${COLOURS.text}}
table{border-collapse:collapse;margin:.75rem 0;font-size:.9rem}
th,td{border:1px solid ${COLOURS.grid};padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer;color:${COLOURS.muted}}
`;

function summary(stats: QaStats): string {
  const cards: [string, string][] = [
    [formatRate(stats.rate), 'pass rate'],
    [String(stats.verdicts), 'verdicts'],
    [String(stats.verdicts - stats.passed), 'failed'],
    [String(stats.tickets), 'tickets'],
    [String(stats.sampled.length), 'sampled for review'],
  ];
  const note =
    stats.superseded > 0
      ? `<p class="muted">${stats.superseded} earlier verdicts on the same ticket version and rule were replaced by a later one and are not counted.</p>`
      : '';
  return `<div class="cards">${cards.map(([value, label]) => `<div class="card"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`).join('')}</div>${note}`;
}

function legend(): string {
  const items: [string, string][] = [
    [COLOURS.good, `${pct(GOOD)} or more passed`],
    [COLOURS.watch, `${pct(WATCH)} to ${pct(GOOD)}`],
    [COLOURS.poor, `below ${pct(WATCH)}`],
  ];
  return `<div class="legend">${items.map(([c, label]) => `<span><span class="swatch" style="background:${c}"></span>${esc(label)}</span>`).join('')}</div>`;
}

function section(title: string, intro: string, chart: string, tableHtml: string): string {
  return `<section>\n<h2>${esc(title)}</h2>\n<p class="muted">${esc(intro)}</p>\n${chart}\n${tableHtml}\n</section>`;
}

const MAX_BARS = 20;

/** Horizontal bars, worst first (rows arrive sorted), percentage and count at the end of each bar. */
function barChart(title: string, rows: RateRow[], label: (r: RateRow) => string = (r) => r.value): string {
  const shown = rows.filter((r) => r.rate !== undefined).slice(0, MAX_BARS);
  if (shown.length === 0) return '<p class="muted">No verdicts in this period.</p>';
  const labelWidth = 250;
  const barWidth = 380;
  const rowHeight = 26;
  const top = 30;
  const plotHeight = shown.length * rowHeight;
  const width = labelWidth + barWidth + 150;
  const height = top + plotHeight + 50;
  const x = (rate: number): number => labelWidth + rate * barWidth;
  const id = svgId(title);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}">`,
    `<title id="${id}">${esc(title)}, lowest first</title>`,
    `<text x="0" y="18" font-size="15" font-weight="700">${esc(title)}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${top + plotHeight}" stroke="${COLOURS.grid}"/>`,
      `<text x="${x(tick)}" y="${top + plotHeight + 16}" font-size="11" text-anchor="middle" fill="${COLOURS.muted}">${pct(tick)}</text>`,
    );
  }
  parts.push(`<text x="${labelWidth + barWidth / 2}" y="${top + plotHeight + 38}" font-size="12" text-anchor="middle">Pass rate (share of verdicts that passed)</text>`);
  shown.forEach((r, i) => {
    const rate = r.rate ?? 0;
    const y = top + i * rowHeight;
    const full = label(r);
    parts.push(
      `<g><title>${esc(`${full}: ${formatRate(r.rate)} passed (${r.passed} of ${r.verdicts} verdicts)`)}</title>`,
      `<text x="${labelWidth - 8}" y="${y + 17}" font-size="12" text-anchor="end">${esc(truncate(full, 36))}</text>`,
      `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(rate * barWidth, 1).toFixed(1)}" height="18" rx="2" fill="${colour(r.rate)}"/>`,
      `<text x="${x(rate) + 6}" y="${y + 17}" font-size="12" font-weight="600">${esc(formatRate(r.rate))}</text>`,
      `<text x="${x(rate) + 58}" y="${y + 17}" font-size="11" fill="${COLOURS.muted}">n=${r.verdicts}</text></g>`,
    );
  });
  parts.push('</svg>');
  const more = rows.length > shown.length ? `<p class="muted">Showing the ${shown.length} lowest of ${rows.length}; all are in the table below.</p>` : '';
  return parts.join('\n') + more;
}

/** Weekly columns on a 0–100% axis; weeks without verdicts keep their slot so time reads evenly. */
function weekChart(rows: RateRow[]): string {
  if (rows.length === 0) return '<p class="muted">No verdicts in this period.</p>';
  const left = 56;
  const top = 30;
  const plotHeight = 180;
  const step = 40;
  const columnWidth = 26;
  const width = Math.max(480, left + rows.length * step + 20);
  const height = top + plotHeight + 70;
  const y = (rate: number): number => top + plotHeight - rate * plotHeight;
  const title = 'Pass rate by ISO week';
  const id = svgId(title);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}">`,
    `<title id="${id}">${esc(title)}</title>`,
    `<text x="0" y="18" font-size="15" font-weight="700">${esc(title)}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${left}" y1="${y(tick)}" x2="${width - 10}" y2="${y(tick)}" stroke="${COLOURS.grid}"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" font-size="11" text-anchor="end" fill="${COLOURS.muted}">${pct(tick)}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(14 ${top + plotHeight / 2}) rotate(-90)" font-size="12" text-anchor="middle">Pass rate</text>`,
    `<text x="${left + (rows.length * step) / 2}" y="${height - 6}" font-size="12" text-anchor="middle">ISO week of resolution</text>`,
  );
  let lastYear = '';
  rows.forEach((r, i) => {
    const cx = left + i * step + step / 2;
    const [year = '', week = r.value] = r.value.split('-');
    const tip = r.rate === undefined ? `${r.value}: no verdicts` : `${r.value}: ${formatRate(r.rate)} passed (${r.passed} of ${r.verdicts} verdicts)`;
    parts.push(`<g><title>${esc(tip)}</title>`);
    if (r.rate !== undefined) {
      const h = Math.max(r.rate * plotHeight, 1);
      parts.push(
        `<rect x="${cx - columnWidth / 2}" y="${(top + plotHeight - h).toFixed(1)}" width="${columnWidth}" height="${h.toFixed(1)}" rx="2" fill="${colour(r.rate)}"/>`,
        `<text x="${cx}" y="${(top + plotHeight - h - 4).toFixed(1)}" font-size="10" text-anchor="middle" font-weight="600">${Math.round(r.rate * 100)}%</text>`,
      );
    } else {
      parts.push(`<text x="${cx}" y="${top + plotHeight - 4}" font-size="10" text-anchor="middle" fill="${COLOURS.muted}">–</text>`);
    }
    parts.push(`<text x="${cx}" y="${top + plotHeight + 16}" font-size="11" text-anchor="middle">${esc(week)}</text>`);
    if (year !== lastYear) {
      parts.push(`<text x="${cx}" y="${top + plotHeight + 30}" font-size="10" text-anchor="middle" fill="${COLOURS.muted}">${esc(year)}</text>`);
      lastYear = year;
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function rateTable(label: string, rows: RateRow[], withSeverity = false): string {
  if (rows.length === 0) return '';
  const head = [label, ...(withSeverity ? ['Severity'] : []), 'Verdicts', 'Passed', 'Pass rate'];
  const body = rows.map(
    (r) =>
      `<tr><th scope="row">${esc(r.value)}</th>${withSeverity ? `<td>${esc(r.severity ?? '')}</td>` : ''}<td class="num">${r.verdicts}</td><td class="num">${r.passed}</td><td class="num">${esc(formatRate(r.rate))}</td></tr>`,
  );
  return `<details><summary>Table (${rows.length} ${rows.length === 1 ? 'row' : 'rows'})</summary>\n<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table></details>`;
}

function sampledTable(stats: QaStats): string {
  if (stats.sampled.length === 0) return '';
  const head = ['Ticket', 'Source', 'Rule', 'Result', 'Failed checks', 'Group', 'Assignee', 'Resolved'];
  const body = stats.sampled.map((s) => {
    const cells = [s.source, s.rule, s.passed ? 'passed' : 'failed', s.failedChecks.join(', '), s.group ?? '', s.assignee ?? '', s.when];
    return `<tr><th scope="row">${esc(s.number)}</th>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;
}


function pct(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function svgId(title: string): string {
  return `chart-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}
