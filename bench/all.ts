/**
 * `npm run bench`: every part in turn, each in its own process, whatever the others did — a part
 * that fails (something broken, never a slow machine: parts print budgets as ratios) is named at
 * the end and makes the exit code 1, but never stops the parts after it.
 */
import { spawnSync } from 'node:child_process';

const PARTS = [
  'run.ts',
  'backtest.ts',
  'similarity.ts',
  'similarity-postgres.ts',
  'resolved-lookalikes.ts',
  'patterns.ts',
  'patterns-engine.ts',
  'qa-backtest.ts',
  'sla-backtest.ts',
  'console.ts',
  'scale-out.ts',
  'escalation.ts',
];
const only = process.argv.slice(2);
const failed: string[] = [];
const seconds: string[] = [];
for (const part of PARTS.filter((p) => only.length === 0 || only.some((o) => p.startsWith(o)))) {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${part}`], { stdio: 'inherit' });
  seconds.push(`${part} ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (result.status !== 0) failed.push(`${part} (${result.signal ?? `exit ${result.status}`})`);
}
console.log(`\nbench parts: ${seconds.join(', ')}`);
if (failed.length > 0) {
  console.error(`bench: ${failed.length} part(s) failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
