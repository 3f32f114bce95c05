import type { QaVerdict } from '../engine/types.js';
import type { CompiledRuleSet } from '../engine/rule-set.js';
import type { Action } from '../model/action.js';
import type { Ticket } from '../model/ticket.js';
import type { InputFormat, UnreadableInput } from './history.js';

/** A name and how often it came up; lists are sorted by count, then name. */
export interface CountEntry {
  name: string;
  count: number;
}

/** What one routing rule did over the backtest. */
export interface RuleFigures {
  id: string;
  description: string | undefined;
  /** Versions on which the rule assigned the ticket. */
  fired: number;
  /** Distinct tickets it assigned. */
  tickets: number;
  /** Notes (comments) it would have posted. */
  notes: number;
  /** Versions on which its condition or note template failed at run time (counted as no match). */
  errors: number;
  /**
   * Tickets whose last simulated assignment came from this rule, compared with the group they
   * ended in; absent when the input has no history to compare with.
   */
  agreement?: Agreement;
}

export interface Agreement {
  compared: number;
  agreed: number;
  /** agreed / compared, 0 when nothing was compared. */
  share: number;
}

/** How the simulation compares with what people did, for inputs that hold several versions of tickets. */
export interface HistoryComparison {
  /** What "the group the ticket ended in" is taken from. */
  basis: string;
  /** Tickets with more than one version in the input. */
  ticketsWithHistory: number;
  /**
   * Of the tickets the rules assigned (and that ended in some group): how many ended in the group
   * of the rules' last assignment.
   */
  agreement: Agreement;
  /** Tickets the rules assigned that history then shows a person moving to another group. */
  reassignedByPeople: number;
}

export interface BacktestReport {
  input: {
    path: string;
    format: InputFormat;
    /** Inbound mapping used: mappings/<mapping>.inbound.jsonata. */
    mapping: string;
    /** Rows / records in the file. */
    records: number;
    /** Tickets replayed (at least one version mapped). */
    tickets: number;
    /** Versions evaluated by the rules. */
    versions: number;
    /** Versions seen twice (same ticket, same version), skipped like the daemon's ledger would. */
    duplicateVersions: number;
    /** Records of tickets beyond `--limit`. */
    skippedByLimit: number;
    unreadable: { count: number; first: UnreadableInput[] };
  };
  rules: { files: string[]; count: number; sourceId: string };
  /**
   * The source's `skip:` condition the replay applied (null: none), where it came from (`--skip`,
   * `source <id> of the config`, `none`), and what it left alone: tickets with at least one version
   * skipped, and versions skipped (judged by no rule, as the daemon would leave them).
   */
  skip: { condition: string | null; from: string; tickets: number; versions: number };
  timing: {
    readSeconds: number;
    replaySeconds: number;
    totalSeconds: number;
    ticketsPerSecond: number;
    versionsPerSecond: number;
    /** Peak resident set size of the process (`process.resourceUsage().maxRSS`). */
    peakRssMb: number;
  };
  routing: {
    ticketsRouted: number;
    ticketsNotRouted: number;
    /** Assign actions planned (a ticket may be assigned on several versions). */
    assignments: number;
    notes: number;
    /** Assignments per group and per person, top N. */
    groups: CountEntry[];
    people: CountEntry[];
    distinctGroups: number;
    distinctPeople: number;
  };
  perRule: RuleFigures[];
  mappingFailures: { count: number; first: { ref: string; error: string }[] };
  ruleErrors: { count: number; first: { ruleId: string; ticket: string; error: string }[] };
  /** null when every ticket has one version (a snapshot export): nothing to compare with. */
  history: HistoryComparison | null;
  /** QA verdicts the qa rules reached (null when there are no qa rules). */
  qa: QaFigures | null;
}

export interface QaFigures {
  verdicts: number;
  passed: number;
  sampled: number;
  /** Per check, in rule order: how often it was evaluated and passed. */
  checks: { rule: string; id: string; severity: string; checked: number; passed: number }[];
}

interface TicketFigures {
  versions: number;
  historyGroup: string | undefined;
  lastRule: string | undefined;
  lastGroup: string | undefined;
  routed: boolean;
}

const EXAMPLES_KEPT = 5;

/** Collects what the replay does, ticket by ticket, and sums it up into a report. */
export class ReportBuilder {
  private readonly tickets = new Map<string, TicketFigures>();
  private readonly rules = new Map<string, { fired: number; tickets: Set<string>; notes: number; errors: number }>();
  private readonly groups = new Map<string, number>();
  private readonly people = new Map<string, number>();
  private assignments = 0;
  private notes = 0;
  private readonly qa: QaFigures = { verdicts: 0, passed: 0, sampled: 0, checks: [] };
  private versions = 0;
  private readonly reassigned = new Set<string>();
  private readonly skippedTickets = new Set<string>();
  private skippedVersions = 0;
  private readonly mappingFailures: { count: number; first: { ref: string; error: string }[] } = { count: 0, first: [] };
  private readonly ruleErrors: { count: number; first: { ruleId: string; ticket: string; error: string }[] } = { count: 0, first: [] };

  constructor(private readonly ruleSet: CompiledRuleSet) {
    for (const compiled of ruleSet.rules) this.rules.set(compiled.rule.id, { fired: 0, tickets: new Set(), notes: 0, errors: 0 });
  }

  /** A QA rule judged a ticket version. */
  verdict(verdict: QaVerdict): void {
    this.qa.verdicts++;
    if (verdict.passed) this.qa.passed++;
    if (verdict.sampled) this.qa.sampled++;
    for (const check of verdict.checks) {
      let figures = this.qa.checks.find((c) => c.rule === verdict.ruleId && c.id === check.id);
      if (!figures) {
        figures = { rule: verdict.ruleId, id: check.id, severity: check.severity, checked: 0, passed: 0 };
        this.qa.checks.push(figures);
      }
      figures.checked++;
      if (check.passed) figures.passed++;
    }
  }

  /** A version of a ticket is about to be evaluated; `group` is the group history shows on it. */
  version(ticketKey: string, group: string | undefined): void {
    this.versions++;
    const figures = this.tickets.get(ticketKey);
    if (figures) {
      figures.versions++;
      figures.historyGroup = group;
    } else {
      this.tickets.set(ticketKey, { versions: 1, historyGroup: group, lastRule: undefined, lastGroup: undefined, routed: false });
    }
  }

  decision(ticketKey: string, ruleId: string, action: Action): void {
    const rule = this.rules.get(ruleId);
    rule?.tickets.add(ticketKey);
    if (action.type === 'comment') {
      this.notes++;
      if (rule) rule.notes++;
      return;
    }
    // Every other write counts as the rule firing (links, problems, tasks, fields); only
    // assignments count as routing.
    if (action.type !== 'assign') {
      if (rule) rule.fired++;
      return;
    }
    this.assignments++;
    increment(this.groups, action.group);
    if (action.assignee !== undefined) increment(this.people, action.assignee);
    if (rule) {
      rule.fired++;
      rule.tickets.add(ticketKey);
    }
    const figures = this.tickets.get(ticketKey);
    if (figures) {
      figures.routed = true;
      figures.lastRule = ruleId;
      figures.lastGroup = action.group;
    }
  }

  /** The source's `skip:` left this version alone; `error`: the condition failed (left alone to be safe). */
  skipped(ticketKey: string, error?: string): void {
    this.skippedTickets.add(ticketKey);
    this.skippedVersions++;
    if (error === undefined) return;
    this.ruleErrors.count++;
    if (this.ruleErrors.first.length < EXAMPLES_KEPT) this.ruleErrors.first.push({ ruleId: 'skip', ticket: ticketKey, error });
  }

  reassignedByPerson(ticketKey: string): void {
    this.reassigned.add(ticketKey);
  }

  ruleError(ruleId: string, ticket: Ticket, error: string): void {
    const rule = this.rules.get(ruleId);
    if (rule) rule.errors++;
    this.ruleErrors.count++;
    if (this.ruleErrors.first.length < EXAMPLES_KEPT) this.ruleErrors.first.push({ ruleId, ticket: `${ticket.source.number}@${ticket.version}`, error });
  }

  mappingFailure(ref: string, error: string): void {
    this.mappingFailures.count++;
    if (this.mappingFailures.first.length < EXAMPLES_KEPT) this.mappingFailures.first.push({ ref, error });
  }

  /** Sums up; `top` limits the group and person lists. */
  build(
    meta: Omit<BacktestReport, 'routing' | 'perRule' | 'mappingFailures' | 'ruleErrors' | 'history' | 'input' | 'qa' | 'skip'> & {
      input: Omit<BacktestReport['input'], 'tickets' | 'versions'>;
      /** The `skip:` condition applied; none when absent. */
      skip?: Pick<BacktestReport['skip'], 'condition' | 'from'>;
      top: number;
    },
  ): BacktestReport {
    let routed = 0;
    let withHistory = 0;
    const overall: Agreement = { compared: 0, agreed: 0, share: 0 };
    const perRuleAgreement = new Map<string, Agreement>();
    for (const figures of this.tickets.values()) {
      if (figures.versions > 1) withHistory++;
      if (!figures.routed) continue;
      routed++;
      if (figures.historyGroup === undefined || figures.lastRule === undefined) continue;
      const agreed = figures.lastGroup === figures.historyGroup ? 1 : 0;
      overall.compared++;
      overall.agreed += agreed;
      const rule = perRuleAgreement.get(figures.lastRule) ?? { compared: 0, agreed: 0, share: 0 };
      rule.compared++;
      rule.agreed += agreed;
      perRuleAgreement.set(figures.lastRule, rule);
    }
    const hasHistory = withHistory > 0;
    const perRule: RuleFigures[] = this.ruleSet.rules.map((compiled) => {
      const id = compiled.rule.id;
      const counts = this.rules.get(id);
      const figures: RuleFigures = {
        id,
        description: compiled.rule.description,
        fired: counts?.fired ?? 0,
        tickets: counts?.tickets.size ?? 0,
        notes: counts?.notes ?? 0,
        errors: counts?.errors ?? 0,
      };
      if (hasHistory) figures.agreement = withShare(perRuleAgreement.get(id) ?? { compared: 0, agreed: 0, share: 0 });
      return figures;
    });
    const { top, input, skip = { condition: null, from: 'none' }, ...rest } = meta;
    return {
      input: { ...input, tickets: this.tickets.size, versions: this.versions },
      ...rest,
      skip: { ...skip, tickets: this.skippedTickets.size, versions: this.skippedVersions },
      routing: {
        ticketsRouted: routed,
        ticketsNotRouted: this.tickets.size - routed,
        assignments: this.assignments,
        notes: this.notes,
        groups: topEntries(this.groups, top),
        people: topEntries(this.people, top),
        distinctGroups: this.groups.size,
        distinctPeople: this.people.size,
      },
      perRule,
      mappingFailures: this.mappingFailures,
      ruleErrors: this.ruleErrors,
      history: hasHistory
        ? {
            basis: 'the assignment group of each ticket’s last version in the input',
            ticketsWithHistory: withHistory,
            agreement: withShare(overall),
            reassignedByPeople: this.reassigned.size,
          }
        : null,
      qa: this.ruleSet.rules.some((r) => r.kind === 'qa') ? this.qa : null,
    };
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function withShare(agreement: Agreement): Agreement {
  return { ...agreement, share: agreement.compared === 0 ? 0 : agreement.agreed / agreement.compared };
}

/** Top N by count, ties by name, so reports are stable. */
export function topEntries(counts: ReadonlyMap<string, number>, n: number): CountEntry[] {
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n);
}
