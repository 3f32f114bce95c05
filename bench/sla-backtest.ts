/**
 * The shipped SLA rules (rules/sla.yaml, rule `incident-sla`) replayed over the UCI ServiceNow event
 * log with the REAL engine, the way the daemon's sweep runs them: each incident is judged at the
 * moment its next step falls due, until it is resolved. Reported against the log's own `made_sla`
 * (the SLA outcome the real instance recorded): how many incidents that missed their SLA would have
 * been escalated before they were resolved, and how many escalations went to incidents that made it.
 *
 * Run alone with `npx tsx bench/sla-backtest.ts`.
 */
import { join, resolve } from 'node:path';
import { loadRules } from '../src/config/load-rules.js';
import { BatchState } from '../src/engine/batch-state.js';
import { evaluateSlaOnly } from '../src/engine/index.js';
import { compileRuleSet } from '../src/engine/rule-set.js';
import type { Ticket } from '../src/model/ticket.js';
import { eventLogDate } from '../src/sandbox/servicenow/seed-event-log.js';
import { openSqliteStore } from '../src/state/sqlite/store.js';
import { loadIncidents } from './patterns.js';

const REPO = resolve(import.meta.dirname, '..');

export interface SlaBacktestFigures {
  incidents: number;
  resolved: number;
  /** made_sla false at the end of the log. */
  missed: number;
  steps: { step: string; fired: number; firedOnMissed: number; firedOnMade: number }[];
  /** Of the incidents that missed their SLA, the share warned (resolution-75) before resolution. */
  warnedRecall: number;
  /** Of the incidents warned, the share that did miss their SLA. */
  warnedPrecision: number;
  /** Median hours between the warning and the resolution, for missed incidents that were warned. */
  medianLeadHours: number;
  seconds: number;
}

function logTime(value: string): number | undefined {
  const text = eventLogDate(value);
  if (text === '') return undefined;
  const ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export async function runSlaBacktest(options: { print?: boolean } = {}): Promise<SlaBacktestFigures> {
  const started = performance.now();
  const loaded = loadRules([join(REPO, 'rules', 'sla.yaml')]);
  // The sweep fires steps as they fall due, so nothing is ever "stale" in this replay.
  const rules = loaded.rules.filter((r) => r.id === 'incident-sla').map((r) => (r.kind === 'sla' ? { ...r, staleAfter: { days: 100_000 } } : r));
  const ruleSet = compileRuleSet(rules);
  const store = openSqliteStore(':memory:');
  const incidents = await loadIncidents();
  const steps = new Map<string, { fired: number; firedOnMissed: number; firedOnMade: number }>();
  let resolved = 0;
  let missed = 0;
  let warnedMissed = 0;
  let warned = 0;
  const leads: number[] = [];
  for (const incident of incidents) {
    const resolvedAt = logTime(incident.last.resolved_at) ?? logTime(incident.last.closed_at);
    if (resolvedAt === undefined || resolvedAt <= incident.openedMs) continue;
    resolved++;
    const madeSla = incident.last.made_sla !== 'false';
    if (!madeSla) missed++;
    const priority = Number.parseInt(incident.first.priority, 10);
    const createdAt = new Date(incident.openedMs).toISOString();
    const ticket: Ticket = {
      key: `servicenow:backtest:${incident.number}`,
      source: { platform: 'servicenow', instance: 'backtest', container: 'incident', nativeId: incident.number, number: incident.number },
      version: '1',
      kind: 'incident',
      title: '',
      description: '',
      // Responded to at once: the log has no response time, so only resolution steps are replayed.
      status: 'in_progress',
      nativeStatus: 'In Progress',
      priority: priority >= 1 && priority <= 5 ? priority : 3,
      createdAt,
      updatedAt: createdAt,
      labels: [],
      raw: {},
    };
    // The sweep: look again whenever the next step falls due, while the incident is still open.
    let now = incident.openedMs;
    let warnedAt: number | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const state = new BatchState(new Map(), new Map(), store.history);
      const evaluation = await evaluateSlaOnly(ticket, ruleSet, state, { sourceId: 'backtest', now: new Date(now) });
      store.history.apply(state.history.changes);
      for (const decision of evaluation.decisions) {
        const step = /step ([\w-]+)/.exec(decision.explanation)?.[1] ?? '?';
        if (decision.action.type !== 'comment' && step !== 'resolution-breached') continue;
        if (decision.action.type === 'create-task') continue;
        const figures = steps.get(step) ?? { fired: 0, firedOnMissed: 0, firedOnMade: 0 };
        figures.fired++;
        if (madeSla) figures.firedOnMade++;
        else figures.firedOnMissed++;
        steps.set(step, figures);
        if (step === 'resolution-75') warnedAt = now;
      }
      const due = evaluation.slaDueAt ? Date.parse(evaluation.slaDueAt) : undefined;
      if (due === undefined || due >= resolvedAt) break;
      now = due;
    }
    if (warnedAt !== undefined) {
      warned++;
      if (!madeSla) {
        warnedMissed++;
        leads.push((resolvedAt - warnedAt) / 3_600_000);
      }
    }
  }
  leads.sort((a, b) => a - b);
  const figures: SlaBacktestFigures = {
    incidents: incidents.length,
    resolved,
    missed,
    steps: [...steps].map(([step, f]) => ({ step, ...f })),
    warnedRecall: missed === 0 ? 0 : warnedMissed / missed,
    warnedPrecision: warned === 0 ? 0 : warnedMissed / warned,
    medianLeadHours: leads[Math.floor(leads.length / 2)] ?? 0,
    seconds: (performance.now() - started) / 1000,
  };
  if (options.print ?? true) {
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    process.stdout.write(
      `\nShipped SLA rule incident-sla over the event log (${figures.seconds.toFixed(1)} s; 24x7; resolution steps only — the log has no response times):\n` +
        `  ${figures.resolved} resolved incidents; ${figures.missed} missed their SLA by the log's own made_sla (${pct(figures.missed / Math.max(1, figures.resolved))}).\n` +
        `  warned at 75% before resolution: ${pct(figures.warnedRecall)} of the incidents that missed their SLA (recall); ${pct(figures.warnedPrecision)} of the warned ones did miss it (precision); median ${figures.medianLeadHours.toFixed(1)} h between the warning and the resolution.\n`,
    );
    for (const s of figures.steps)
      process.stdout.write(`  step ${s.step.padEnd(20)} fired ${String(s.fired).padStart(6)} (on incidents that missed: ${s.firedOnMissed}, that made it: ${s.firedOnMade})\n`);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runSlaBacktest();
}
