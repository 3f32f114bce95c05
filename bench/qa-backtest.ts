/**
 * The shipped QA rules (rules/qa.yaml) replayed over the UCI ServiceNow event log through the
 * real backtest path (inbound mapping, engine, QA evaluation as incidents enter resolved/closed):
 * pass rates per check and overall. Run alone with `npx tsx bench/qa-backtest.ts`.
 *
 * The log is anonymised and has no free text: resolution notes are never present, so the notes
 * checks fail for every incident — the figures say so rather than hide it.
 */
import { join, resolve } from 'node:path';
import { runBacktest } from '../src/backtest/run-backtest.js';
import { DEFAULT_EVENT_LOG_PATH } from '../src/sandbox/servicenow/seed-event-log.js';

const REPO = resolve(import.meta.dirname, '..');

export interface QaBacktestFigures {
  verdicts: number;
  tickets: number;
  passed: number;
  sampled: number;
  checks: { id: string; severity: string; checked: number; passed: number }[];
  seconds: number;
}

export async function runQaBacktest(options: { print?: boolean } = {}): Promise<QaBacktestFigures> {
  const started = performance.now();
  const checks = new Map<string, { severity: string; checked: number; passed: number }>();
  const tickets = new Set<string>();
  let verdicts = 0;
  let passed = 0;
  let sampled = 0;
  await runBacktest({
    input: DEFAULT_EVENT_LOG_PATH,
    rules: join(REPO, 'rules', 'qa.yaml'),
    mappings: join(REPO, 'mappings'),
    onVerdict(_ticket, verdict) {
      verdicts++;
      tickets.add(verdict.ticketKey);
      if (verdict.passed) passed++;
      if (verdict.sampled) sampled++;
      for (const check of verdict.checks) {
        const figures = checks.get(check.id) ?? { severity: check.severity, checked: 0, passed: 0 };
        figures.checked++;
        if (check.passed) figures.passed++;
        checks.set(check.id, figures);
      }
    },
  });
  const figures: QaBacktestFigures = { verdicts, tickets: tickets.size, passed, sampled, checks: [...checks].map(([id, f]) => ({ id, ...f })), seconds: (performance.now() - started) / 1000 };
  if (options.print ?? true) {
    const pct = (n: number, d: number): string => `${d === 0 ? 0 : ((n * 100) / d).toFixed(1)}%`;
    process.stdout.write(
      `\nShipped QA rules over the event log (${figures.seconds.toFixed(1)} s): ${verdicts} verdicts on ${tickets.size} incidents entering resolved/closed (reopened ones again); ${pct(passed, verdicts)} pass; ${sampled} sampled for review (${pct(sampled, verdicts)}).\n`,
    );
    process.stdout.write('check                   severity  checked  pass rate\n');
    for (const c of figures.checks) process.stdout.write(`${c.id.padEnd(23)} ${c.severity.padEnd(8)} ${String(c.checked).padStart(8)}  ${pct(c.passed, c.checked).padStart(9)}\n`);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runQaBacktest();
}
