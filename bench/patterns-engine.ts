/**
 * The shipped pattern rules (rules/patterns.yaml) run through the REAL engine over the whole UCI
 * ServiceNow event log — the backtest path: real inbound mapping, the daemon's own batch planning
 * (planBatch) on the in-memory state — and scored against the log's own `problem_id` links with the same measures as
 * bench/patterns.ts (which simulates many configurations quickly).
 *
 * Difference from the simulation: nobody closes problems during a backtest, so every later
 * incident of a triggered group joins its problem (the simulation assumes a problem manager
 * closes a problem after 14 quiet days).
 *
 * Run alone with `npx tsx bench/patterns-engine.ts`.
 */
import { join, resolve } from 'node:path';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { DEFAULT_EVENT_LOG_PATH } from '../src/sandbox/servicenow/seed-event-log.js';
import { loadIncidents, score, type Incident, type SimProblem } from './patterns.js';

const REPO = resolve(import.meta.dirname, '..');

export interface EnginePatternFigures {
  rule: string;
  incidents: number;
  problems: number;
  problemsPer1000: number;
  /** Share of problems whose members are mostly one real problem_id. */
  pure: number;
  /** Share of members linked to any real problem (the log's base rate is ≈1.5%). */
  labelled: number;
  /** Real problems with ≥ 3 incidents that fall mostly inside one opened problem. */
  realFound: number;
  realProblemsAtLeast3: number;
  membersMedian: number;
  membersMax: number;
  seconds: number;
}

export async function runEnginePatternBench(options: { print?: boolean } = {}): Promise<EnginePatternFigures[]> {
  const print = options.print ?? true;
  const started = performance.now();
  const incidents = await loadIncidents();
  const byNumber = new Map(incidents.map((i) => [i.number, i]));
  const problemsByRule = new Map<string, Map<string, Incident[]>>();
  await runBacktest({
    input: DEFAULT_EVENT_LOG_PATH,
    rules: join(REPO, 'rules', 'patterns.yaml'),
    mappings: join(REPO, 'mappings'),
    onDecision(ticket, decision) {
      const problems = problemsByRule.get(decision.ruleId) ?? new Map<string, Incident[]>();
      problemsByRule.set(decision.ruleId, problems);
      if (decision.action.type === 'create-problem') problems.set(decision.action.correlationKey, []);
      if (decision.action.type === 'link-problem' && decision.action.correlationKey) {
        const member = byNumber.get(decision.target?.number ?? ticket.source.number);
        if (member) problems.get(decision.action.correlationKey)?.push(member);
      }
    },
  });
  const real = new Map<string, Incident[]>();
  for (const incident of incidents) {
    if (incident.problem === '') continue;
    const list = real.get(incident.problem) ?? [];
    list.push(incident);
    real.set(incident.problem, list);
  }
  const realAtLeast3 = new Map([...real].filter(([, members]) => members.length >= 3));
  const seconds = (performance.now() - started) / 1000;
  const rows: EnginePatternFigures[] = [];
  for (const [rule, problems] of problemsByRule) {
    const simProblems: SimProblem[] = [...problems].map(([key, members]) => ({ key, members, lastMemberMs: 0, expectedPerMs: 0 }));
    const figures = score(simProblems, incidents, incidents.length, incidents.length, realAtLeast3, realAtLeast3.size);
    const sizes = simProblems.map((p) => p.members.length).sort((a, b) => a - b);
    rows.push({
      rule,
      incidents: incidents.length,
      problems: simProblems.length,
      problemsPer1000: (simProblems.length * 1000) / incidents.length,
      pure: figures.pure,
      labelled: figures.labelled,
      realFound: figures.realFound,
      realProblemsAtLeast3: realAtLeast3.size,
      membersMedian: sizes[Math.floor(sizes.length / 2)] ?? 0,
      membersMax: sizes[sizes.length - 1] ?? 0,
      seconds,
    });
  }
  if (print) {
    process.stdout.write(`\nShipped pattern rules through the real engine (backtest of ${incidents.length} incidents, ${seconds.toFixed(1)} s; no problem is ever closed):\n`);
    process.stdout.write('rule                 problems  per 1k  mostly one real problem  members linked to a real problem  real problems (>=3) found  members median/max\n');
    for (const r of rows) {
      process.stdout.write(
        `${r.rule.padEnd(20)} ${String(r.problems).padStart(8)}  ${r.problemsPer1000.toFixed(2).padStart(6)}  ${`${(r.pure * 100).toFixed(0)}%`.padStart(23)}  ${`${(r.labelled * 100).toFixed(1)}%`.padStart(32)}  ${`${r.realFound} of ${r.realProblemsAtLeast3}`.padStart(25)}  ${r.membersMedian}/${r.membersMax}\n`,
      );
    }
    if (rows.length === 0) process.stdout.write('  (no rule opened a problem)\n');
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runEnginePatternBench();
}
