import type { Agreement, BacktestReport, CountEntry } from './report.js';

const FORMATS: Readonly<Record<string, string>> = {
  'servicenow-csv': 'ServiceNow CSV export',
  'servicenow-json': 'ServiceNow JSON export',
  'jira-json': 'Jira JSON export',
  'zendesk-json': 'Zendesk JSON export',
  'freshservice-json': 'Freshservice JSON export',
};

/** The report as lines for a person; only what the configured rules did, and history where the input has it. */
export function formatReport(report: BacktestReport): string[] {
  const { input, timing, routing } = report;
  const lines: string[] = [];
  lines.push(`Backtest of ${input.path} (${FORMATS[input.format] ?? input.format}, mapping ${input.mapping}.inbound.jsonata)`);
  lines.push(`  rules: ${report.rules.files.join(', ')} — ${plural(report.rules.count, 'rule')}, evaluated as source "${report.rules.sourceId}"; nothing is written`);
  lines.push('');
  const extras = [
    input.duplicateVersions > 0 ? `${n(input.duplicateVersions)} duplicate versions skipped` : '',
    input.skippedByLimit > 0 ? `${n(input.skippedByLimit)} records beyond --limit` : '',
  ].filter(Boolean);
  lines.push(`Replayed ${plural(input.tickets, 'ticket')} (${plural(input.versions, 'version')} from ${plural(input.records, 'record')}${extras.length ? `; ${extras.join(', ')}` : ''})`);
  lines.push(
    `  in ${timing.totalSeconds.toFixed(1)} s (read ${timing.readSeconds.toFixed(1)} s, replay ${timing.replaySeconds.toFixed(1)} s): ` +
      `${n(timing.ticketsPerSecond)} tickets/s, ${n(timing.versionsPerSecond)} versions/s; peak RSS ${n(timing.peakRssMb)} MB`,
  );
  lines.push('');
  lines.push(
    `Routed ${plural(routing.ticketsRouted, 'ticket')} (${pct(routing.ticketsRouted, input.tickets)}) with ${plural(routing.assignments, 'assignment')}` +
      (routing.notes > 0 ? ` and ${plural(routing.notes, 'note')}` : ''),
  );
  lines.push(`No rule routed ${plural(routing.ticketsNotRouted, 'ticket')} (${pct(routing.ticketsNotRouted, input.tickets)})`);
  lines.push(skipLine(report.skip, input.tickets));
  lines.push('');

  const history = report.history !== null;
  lines.push('Rules, in evaluation order:');
  const header = ['rule', 'fired', 'tickets', 'notes', 'errors', ...(history ? ['ended there'] : [])];
  const rows = report.perRule.map((rule) => [rule.id, n(rule.fired), n(rule.tickets), n(rule.notes), n(rule.errors), ...(history ? [agreementCell(rule.agreement)] : [])]);
  lines.push(...table(header, rows));
  lines.push('');
  lines.push(...countList(`Assignments per group (${topOf(routing.groups, routing.distinctGroups)}):`, routing.groups));
  if (routing.people.length > 0) lines.push(...countList(`Assignments per person (${topOf(routing.people, routing.distinctPeople)}):`, routing.people));
  lines.push('');

  if (report.history) {
    const h = report.history;
    lines.push(`Compared with history (${plural(h.ticketsWithHistory, 'ticket')} with several versions; "ended in" = ${h.basis}):`);
    lines.push(`  agreement: ${pct(h.agreement.agreed, h.agreement.compared)} — ${n(h.agreement.agreed)} of ${plural(h.agreement.compared, 'routed ticket')} ended in the group the rules chose`);
    lines.push(`  ${plural(h.reassignedByPeople, 'routed ticket')} later moved by a person to another group`);
    lines.push('');
  }

  if (report.qa) {
    const qa = report.qa;
    lines.push(`QA: ${plural(qa.verdicts, 'verdict')} on tickets entering resolved/closed, ${pct(qa.passed, qa.verdicts)} passed; ${n(qa.sampled)} picked for review`);
    lines.push(
      ...table(
        ['rule', 'check', 'severity', 'checked', 'pass rate'],
        qa.checks.map((c) => [c.rule, c.id, c.severity, n(c.checked), pct(c.passed, c.checked)]),
      ),
    );
    lines.push('');
  }

  lines.push(`Records that failed mapping: ${n(report.mappingFailures.count)}`);
  for (const failure of report.mappingFailures.first) lines.push(`  ${failure.ref}: ${failure.error}`);
  if (input.unreadable.count > 0) {
    lines.push(`Records that could not be read: ${n(input.unreadable.count)}`);
    for (const u of input.unreadable.first.slice(0, 5)) lines.push(`  ${u.ref}: ${u.error}`);
  }
  if (report.ruleErrors.count > 0) {
    lines.push(`Rule evaluations that failed (counted as no match): ${n(report.ruleErrors.count)}`);
    for (const e of report.ruleErrors.first) lines.push(`  ${e.ruleId} on ${e.ticket}: ${e.error}`);
  }
  return lines;
}

function skipLine(skip: BacktestReport['skip'], tickets: number): string {
  if (skip.condition === null) return `Skipped: none (no skip: condition; give --skip <condition>, or --config with the source's skip:)`;
  return `Skipped by skip: ${plural(skip.tickets, 'ticket')} (${pct(skip.tickets, tickets)}; ${plural(skip.versions, 'version')}) left alone — skip: ${skip.condition} (from ${skip.from})`;
}

function agreementCell(agreement: Agreement | undefined): string {
  if (!agreement || agreement.compared === 0) return '–';
  return `${pct(agreement.agreed, agreement.compared)} of ${n(agreement.compared)}`;
}

function countList(title: string, entries: readonly CountEntry[]): string[] {
  if (entries.length === 0) return [`${title.replace(/ \(.*\):$/, ':')} none`];
  const width = Math.max(...entries.map((e) => e.name.length));
  return [title, ...entries.map((e) => `  ${e.name.padEnd(width)}  ${n(e.count).padStart(8)}`)];
}

function topOf(entries: readonly CountEntry[], distinct: number): string {
  return entries.length < distinct ? `top ${entries.length} of ${distinct}` : `${distinct}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  return [line(header), ...rows.map(line)];
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}

function plural(count: number, noun: string): string {
  return `${n(count)} ${noun}${count === 1 ? '' : 's'}`;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;
}
