/**
 * A separate process that opens a state file and takes its lease at a given instant, for the
 * race tests: several of these started together hit SQLite at the same millisecond.
 *   node --import tsx acquire-state-at.ts <state.db> <epoch ms> <hold ms>
 * Prints one JSON line: {"won":token} or {"held":message}; anything else is a failure (exit 1).
 */
import { StateHeldError } from '../../src/state/lease.js';
import { openSqliteStore } from '../../src/state/sqlite/store.js';

const [path = '', at = '0', hold = '0'] = process.argv.slice(2);
while (Date.now() < Number(at)) {
  // Spin rather than sleep: timers are too coarse to line several processes up.
}
try {
  const store = openSqliteStore(path);
  try {
    const lease = await store.leases.acquire({ ttlMs: 30_000 });
    process.stdout.write(`${JSON.stringify({ won: lease.token })}\n`);
    await new Promise((resolve) => setTimeout(resolve, Number(hold)));
    await lease.release();
  } finally {
    await store.close();
  }
} catch (error) {
  if (!(error instanceof StateHeldError)) {
    process.stdout.write(`${JSON.stringify({ failed: error instanceof Error ? error.stack : String(error) })}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${JSON.stringify({ held: error.message })}\n`);
}
