import type { CompiledRuleSet } from './rule-set.js';
import type { Decision, QaVerdict } from './types.js';
import type { Ticket } from '../model/ticket.js';
import { describeAction } from '../model/describe-action.js';

/** How many would-have examples a report keeps. */
const EXAMPLES = 5;

/** Per rule kind: tickets the rules would have acted on, and the writes that would have taken. */
export interface WouldHave {
  tickets: number;
  writes: number;
}

/**
 * What a pass learned from history (ticket versions older than the start point) and what the
 * rules would have done to it had there been no start point: the admin decides from this
 * whether to act on part of it with `deskbridge run --from`.
 */
export interface HistoryReport {
  /** The start point (ISO UTC); versions updated before it were history. */
  actFrom: string;
  /** History versions this pass learned from (indexed, counted, no writes). */
  tickets: number;
  /** By rule kind (routing, dedup, pattern, qa, sla). */
  wouldHave: Record<string, WouldHave>;
  /** Problems pattern rules would have opened (each also counted in `wouldHave.pattern.writes`). */
  problems: number;
  /** QA verdicts that would have been reached (not logged: deskbridge did not judge that work). */
  verdicts: number;
  /** A few of the writes, in words: "INC0010001: assign to Network [rule network]". */
  examples: string[];
}

export function emptyHistoryReport(actFrom: string): HistoryReport {
  return { actFrom, tickets: 0, wouldHave: {}, problems: 0, verdicts: 0, examples: [] };
}

/** Adds what the rules decided for one history ticket (decisions that were not planned). */
export function recordWouldHave(report: HistoryReport, ticket: Ticket, decisions: readonly Decision[], verdicts: readonly QaVerdict[], ruleSet: CompiledRuleSet): void {
  report.tickets++;
  report.verdicts += verdicts.length;
  const kinds = new Set<string>();
  for (const decision of decisions) {
    const kind = ruleSet.rules.find((r) => r.rule.id === decision.ruleId)?.kind ?? 'other';
    const entry = (report.wouldHave[kind] ??= { tickets: 0, writes: 0 });
    entry.writes++;
    if (!kinds.has(kind)) {
      kinds.add(kind);
      entry.tickets++;
    }
    if (decision.action.type === 'create-problem') report.problems++;
    if (report.examples.length < EXAMPLES) {
      const number = decision.target?.number ?? ticket.source.number;
      report.examples.push(`${number}: ${truncate(describeAction(decision.action), 100)} [rule ${decision.ruleId}]`);
    }
  }
}

export function mergeHistoryReports(a: HistoryReport | undefined, b: HistoryReport | undefined): HistoryReport | undefined {
  if (!a || !b) return a ?? b;
  const wouldHave: Record<string, WouldHave> = { ...a.wouldHave };
  for (const [kind, w] of Object.entries(b.wouldHave)) {
    const prior = wouldHave[kind];
    wouldHave[kind] = prior ? { tickets: prior.tickets + w.tickets, writes: prior.writes + w.writes } : w;
  }
  return {
    actFrom: a.actFrom,
    tickets: a.tickets + b.tickets,
    wouldHave,
    problems: a.problems + b.problems,
    verdicts: a.verdicts + b.verdicts,
    examples: [...a.examples, ...b.examples].slice(0, EXAMPLES),
  };
}

/** The report in plain lines, for the CLI and the log: what was learned, what was not done, how to opt in. */
export function formatHistoryReport(sourceId: string, report: HistoryReport): string[] {
  const n = (x: number): string => x.toLocaleString('en');
  const lines = [
    `${sourceId}: ${n(report.tickets)} ticket version${report.tickets === 1 ? '' : 's'} updated before the start point ${report.actFrom} ${report.tickets === 1 ? 'was' : 'were'} learned from as history (no writes).`,
  ];
  const parts = Object.entries(report.wouldHave)
    .sort((x, y) => y[1].writes - x[1].writes)
    .map(([kind, w]) =>
      kind === 'pattern'
        ? `pattern: ${n(report.problems)} problem${report.problems === 1 ? '' : 's'} opened, ${n(w.writes - report.problems)} other writes on ${n(w.tickets)} tickets`
        : `${kind}: ${n(w.writes)} write${w.writes === 1 ? '' : 's'} on ${n(w.tickets)} ticket${w.tickets === 1 ? '' : 's'}`,
    );
  if (report.verdicts > 0) parts.push(`qa: ${n(report.verdicts)} verdicts`);
  if (parts.length === 0) {
    lines.push('  Acting on that history would have written nothing.');
    return lines;
  }
  lines.push(`  Without a start point the rules would have done — ${parts.join('; ')}.`);
  for (const example of report.examples) lines.push(`  e.g. ${example}`);
  lines.push('  To act on history since a date, run once with --from <ISO date|duration> (e.g. --from 7d) or set actFrom on the source.');
  return lines;
}

function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
