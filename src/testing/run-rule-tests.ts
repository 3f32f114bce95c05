import { z } from 'zod';
import { displayPath, hasErrors } from '../diagnostics/diagnostics.js';
import type { Diagnostic, DiagnosticCode } from '../diagnostics/diagnostics.js';
import { loadRules } from '../config/load-rules.js';
import type { LoadedRulesFile, LoadedRuleTest } from '../config/load-rules.js';
import type { YamlSource } from '../diagnostics/yaml-source.js';
import { issuesToDiagnostics } from '../diagnostics/zod-issues.js';
import { MemoryState } from '../engine/memory-state.js';
import type { BatchContext, PassMemory } from '../engine/batch-plan.js';
import { indexPulled, newPassMemory, planBatch } from '../engine/plan-batch.js';
import { planOneTicket } from '../engine/plan-one.js';
import { takeSnapshot } from '../engine/snapshot.js';
import { findTeamFile, loadTeam, teamCalendars, type Team } from '../team/index.js';
import { compileRuleSet } from '../engine/rule-set.js';
import type { CompiledRuleSet } from '../engine/rule-set.js';
import type { Decision, RuleTrace } from '../engine/types.js';
import type { TicketState } from '../model/ticket-state.js';
import { Ticket, type TicketStatus } from '../model/ticket.js';
import { planLinked } from './linked.js';
import { compareActions } from './match-actions.js';
import type { MatchMode } from './match-actions.js';
import type { FileTestReport, TestCaseReport, TestReport, TestTraceEntry } from './report.js';
import type { Rule } from '../engine/kinds.js';
import type { RuleTest } from '../model/rule-test.js';
import { buildTestTicket, DEFAULT_TEST_SOURCE, TEST_TIME } from '../model/test-ticket.js';

/**
 * Runs the `tests:` of every rules file under `paths` (files, or folders of `*.yaml`/`*.yml`),
 * each against the rules of its own file, offline: no source, no state store, a fixed clock.
 * Files are loaded together so rule ids are checked across them as the daemon would.
 */
export async function runRuleTests(paths: readonly string[]): Promise<TestReport> {
  const loaded = loadRules(paths);
  const files: FileTestReport[] = [];
  const known = new Set(loaded.files.map((f) => f.file));
  // A path that does not exist has diagnostics but no loaded file; report it like a broken file.
  for (const file of new Set(loaded.diagnostics.map((d) => d.file))) {
    if (!known.has(file)) files.push({ file: displayPath(file), loaded: false, diagnostics: diagnosticsOf(loaded.diagnostics, file), tests: [] });
  }
  for (const file of loaded.files) files.push(await runFile(file, diagnosticsOf(loaded.diagnostics, file.file)));

  const tests = files.flatMap((f) => f.tests);
  const passed = tests.filter((t) => t.status === 'pass').length;
  return {
    files,
    summary: { tests: tests.length, passed, failed: tests.length - passed, filesNotLoaded: files.filter((f) => !f.loaded).length },
  };
}

async function runFile(file: LoadedRulesFile, diagnostics: Diagnostic[]): Promise<FileTestReport> {
  const report: FileTestReport = { file: displayPath(file.file), loaded: file.ok && !hasErrors(diagnostics), diagnostics, tests: [] };
  if (!report.loaded || file.tests === undefined) return report;
  const ruleSet = compileRuleSet(file.rules);
  // The team file beside the rules, as the daemon would load it; a broken one fails the file
  // (its tests would otherwise fail for a reason they do not show).
  const teamFile = findTeamFile(file.file);
  const teamLoad = teamFile !== undefined ? loadTeam(teamFile) : undefined;
  if (teamLoad && hasErrors(teamLoad.diagnostics)) {
    report.loaded = false;
    report.diagnostics.push(...teamLoad.diagnostics);
    return report;
  }
  const team = teamLoad?.team;
  for (const loadedTest of file.tests.cases) {
    const enable = loadedTest.test.enable;
    const problem = referenceProblem(loadedTest.test, file.rules);
    if (problem !== undefined) {
      report.tests.push({
        name: loadedTest.test.name,
        file: report.file,
        line: loadedTest.line,
        status: 'error',
        errors: [{ file: file.file, line: loadedTest.line, column: 1, severity: 'error', ...problem }],
        mode: 'exact',
        expected: [],
        actual: [],
        diff: [],
        trace: [],
      });
      continue;
    }
    const rules = enable ? compileRuleSet(file.rules.map((r) => (enable.includes(r.id) ? { ...r, enabled: true } : r))) : ruleSet;
    report.tests.push(await runTest(report.file, loadedTest, rules, file.tests.source, team));
  }
  return report;
}

async function runTest(file: string, loaded: LoadedRuleTest, ruleSet: CompiledRuleSet, source: YamlSource, team: Team | undefined): Promise<TestCaseReport> {
  const { test } = loaded;
  const expected = 'actions' in test.expect ? test.expect.actions : [];
  const mode: MatchMode = 'actions' in test.expect ? (test.expect.exact ? 'exact' : 'subsequence') : 'no-actions';
  const report: TestCaseReport = { name: test.name, file, line: loaded.line, status: 'pass', errors: [], mode, expected, actual: [], diff: [], trace: [] };

  const sourceId = test.source ?? DEFAULT_TEST_SOURCE;
  const built = buildTestTicket(test.ticket, sourceId, loaded.index);
  if (!built.ok) {
    report.status = 'error';
    report.errors = ticketDiagnostics(source, loaded.index, built.input, built.issues).map((d) => ({ ...d, file }));
    return report;
  }

  // A fresh state per test: what the test says, and nothing left over from the test before it.
  // Decided as the daemon decides a page: each ticket is a batch planned on what the state holds.
  const teamContext = team ? { team, calendars: teamCalendars(team) } : { calendars: teamCalendars(undefined) };
  const context = { sourceId, now: new Date(test.now ?? TEST_TIME), ...teamContext };
  const state = new MemoryState();
  const pass = newPassMemory();
  for (const [i, partial] of (test.history ?? []).entries()) {
    const number = `H${i + 1}`;
    const earlier = buildTestTicket({ key: `test:${sourceId}:${number}`, source: { nativeId: number, number }, ...partial }, sourceId, loaded.index);
    if (!earlier.ok) {
      report.status = 'error';
      report.errors = ticketDiagnostics(source, loaded.index, earlier.input, earlier.issues).map((d) => ({ ...d, file, message: `history[${i}]: ${d.message}` }));
      return report;
    }
    // Each earlier ticket is its own committed batch, as the daemon would have seen it.
    const { plan } = await planOneTicket(state, { ticket: earlier.ticket, ruleSet, context, pass, index: true });
    state.commit(sourceId, plan);
  }
  // The test's `state` is what the ticket arrives to: positions as given, whatever the history
  // tickets moved; open tickets as given, on top of the history tickets still open.
  state.seed({ sourceId, positions: new Map(Object.entries(test.state?.roundRobin ?? {})), openLoads: new Map(Object.entries(test.state?.openTickets ?? {})) });
  // What rules remember of the ticket: it was judged before, as it is now, with these triggers seen.
  // One end of an escalation was seen before, in its previous status; the original was written to
  // by its escalate rule (the copy), so that `once` rule does not escalate it again.
  const { linked } = test;
  const applied = [...(test.state?.applied ?? [])];
  if (linked?.as === 'original' && !applied.includes(linked.rule)) applied.push(linked.rule);
  if (test.state?.triggered !== undefined || applied.length > 0 || linked !== undefined) {
    state.commit(sourceId, { tickets: [{ ...rowOf(built.ticket, sourceId, linked?.previousStatus), triggered: test.state?.triggered ?? [], applied }] });
  }
  const decisions: Decision[] = [];
  if (linked?.ownWrite === true) {
    // deskbridge's own write: the daemon does not judge it (only SLA steps run, on the clock).
    decisions.push(...(await planOwnWrite(state, built.ticket, ruleSet, context, pass)));
    report.trace = ruleSet.rules.map(({ rule }) => ({ rule: rule.id, outcome: 'not-applicable', reason: "this version is deskbridge's own write (linked.ownWrite): rules do not judge it" }));
  } else {
    const { judged } = await planOneTicket(state, { ticket: built.ticket, ruleSet, context, pass, index: true });
    decisions.push(...(judged?.decisions ?? []));
    report.trace = fullTrace(ruleSet, judged?.trace ?? []);
  }
  // One end of an escalation: its comments and status kept in step, planned after the rules as the daemon does.
  if (linked !== undefined) {
    const synced = await planLinked(linked, built.ticket, ruleSet, sourceId);
    decisions.push(...synced.decisions);
    report.trace.push(...synced.trace);
  }
  report.actual = decisions.map((d) => ({ rule: d.ruleId, action: d.action, explanation: d.explanation, ...(d.target ? { on: d.target.number } : {}) }));

  const comparison = compareActions(expected, decisions, mode);
  if (!comparison.pass) {
    report.status = 'fail';
    report.diff = comparison.diff;
  }
  return report;
}

/**
 * Why a test cannot run: it names rules its file does not have, or its `linked` escalation could
 * not have been made (the rule is not an escalate rule, or the copy is not on the rule's `to`).
 */
function referenceProblem(test: RuleTest, rules: readonly Rule[]): { code: DiagnosticCode; message: string } | undefined {
  const ruleIds = new Set(rules.map((r) => r.id));
  const remembered = [...(test.state?.triggered ?? []), ...(test.state?.applied ?? [])];
  const named = [...remembered, ...(test.linked ? [test.linked.rule] : [])];
  const unknown = [...new Set([...(test.enable ?? []), ...named])].filter((id) => !ruleIds.has(id));
  if (unknown.length > 0) {
    return { code: 'unknown-reference', message: `${named.some((id) => unknown.includes(id)) ? 'the test' : 'enable'} names ${unknown.join(', ')}, which this file has no rule of` };
  }
  const { linked } = test;
  const rule = linked ? rules.find((r) => r.id === linked.rule) : undefined;
  if (linked === undefined || rule === undefined) return undefined;
  if (rule.kind !== 'escalate') return { code: 'unknown-reference', message: `linked.rule names ${rule.id}, a ${rule.kind} rule; an escalation is made by an escalate rule` };
  const copySource = linked.as === 'original' ? linked.other.source : (test.source ?? DEFAULT_TEST_SOURCE);
  if (copySource !== rule.to) {
    const where = linked.as === 'original' ? `linked.other.source is ${copySource}` : `the test's source is ${copySource}`;
    return { code: 'bad-value', message: `${where}, but rule ${rule.id} opens its copies on ${rule.to}: the copy is on ${rule.to}` };
  }
  return undefined;
}

/** A version deskbridge wrote itself, planned as the daemon plans it: not judged by the rules, only SLA steps on the clock. */
async function planOwnWrite(state: MemoryState, ticket: Ticket, ruleSet: CompiledRuleSet, context: BatchContext, pass: PassMemory): Promise<Decision[]> {
  await indexPulled([ticket], ruleSet, state, pass);
  const snapshot = await takeSnapshot(state, context.sourceId, [ticket.key], { otherLoads: context.team !== undefined });
  const plan = await planBatch({ tickets: [{ ticket, ownWrite: true }], ruleSet, context, pass }, snapshot);
  return plan.actions.map((a) => ({ ruleId: a.ruleId, action: a.action, explanation: a.explanation, ...(a.target.ticketKey !== ticket.key ? { target: a.target } : {}) }));
}

/** The ticket's state row as the daemon would have kept it after judging it as it is now (or in its previous status, for `linked`). */
function rowOf(ticket: Ticket, sourceId: string, previousStatus: TicketStatus | undefined): TicketState {
  return {
    key: ticket.key,
    sourceId,
    nativeId: ticket.source.nativeId,
    number: ticket.source.number,
    version: `${ticket.version}-before`,
    status: previousStatus ?? ticket.status,
    group: ticket.group,
    assignee: ticket.assignee,
    updatedAt: ticket.updatedAt,
    resolvedAt: ticket.resolvedAt,
  };
}

/** The engine's trace, plus the rules it never got to, so the admin sees every rule's fate. */
function fullTrace(ruleSet: CompiledRuleSet, trace: readonly RuleTrace[]): TestTraceEntry[] {
  const entries: TestTraceEntry[] = trace.map((t) => ({ rule: t.ruleId, outcome: t.outcome, reason: oneLine(t.reason) }));
  const seen = new Set(trace.map((t) => t.ruleId));
  for (const { rule } of ruleSet.rules) {
    if (!seen.has(rule.id)) entries.push({ rule: rule.id, outcome: 'not-reached', reason: 'an earlier rule matched and does not continue' });
  }
  return entries;
}

/** Schema issues of a test's ticket, positioned at the field in the rules file (`tests[2].ticket.priority`). */
function ticketDiagnostics(source: YamlSource, index: number, input: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): Diagnostic[] {
  const tests: unknown[] = [];
  tests[index] = { ticket: input };
  const prefixed = issues.map((issue) => ({ ...issue, path: ['tests', index, 'ticket', ...issue.path] }));
  return issuesToDiagnostics(prefixed, { source, schema: TestTicketPath, data: { tests } });
}

/** Where a test's ticket sits in a rules file, typed as a ticket, for "did you mean" hints. */
const TestTicketPath = z.object({ tests: z.array(z.object({ ticket: Ticket })) });

/** A file's diagnostics, with the path shown the way the rest of the report shows it. */
function diagnosticsOf(diagnostics: readonly Diagnostic[], file: string): Diagnostic[] {
  return diagnostics.filter((d) => d.file === file).map((d) => ({ ...d, file: displayPath(d.file) }));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
