/**
 * `deskbridge state migrate` on a larger state (not part of bench/all.ts): a SQLite state of N
 * tickets built through the store's API (per ticket: its state row, 2 ledger entries, 3 kept
 * versions, half an outbox entry, and an indexed similarity document of generated text), copied to
 * a throwaway PostgreSQL database on DESKBRIDGE_TEST_PG_URL and back to a new file; prints the
 * rows and the time of each direction (copy and verification included).
 *
 *   DESKBRIDGE_TEST_PG_URL=postgres://… npx tsx bench/state-migrate.ts [--tickets 20000]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateState } from '../src/state/migrate.js';
import { openSqliteStore } from '../src/state/sqlite/store.js';
import { createTestDatabase, dropTestDatabase } from '../test/helpers/postgres.js';

const args = process.argv.slice(2);
const at = args.indexOf('--tickets');
const TICKETS = at >= 0 ? Number(args[at + 1]) : 20_000;
const ADMIN_URL = process.env['DESKBRIDGE_TEST_PG_URL'];
if (!ADMIN_URL) throw new Error('Set DESKBRIDGE_TEST_PG_URL to a server where the user may create databases');

let seed = 7;
const rand = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
// A vocabulary of 4,000 made-up words of 2–3 syllables (Zipf-ish use below): tickets of ~40 distinct terms, as real ones.
const SYLLABLES = 'ka lo mi ne su ta re vo pi da fe gu ho ji ru sa ze bo ly wi'.split(' ');
const WORDS = Array.from({ length: 4000 }, () => Array.from({ length: 2 + Math.floor(rand() * 2) }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)] ?? '').join(''));
const words = (n: number): string => Array.from({ length: n }, () => WORDS[Math.floor(rand() ** 2 * WORDS.length)] ?? '').join(' ');

const T0 = Date.parse('2026-01-01T00:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'deskbridge-migrate-bench-'));
const path = join(dir, 'state.db');
const url = await createTestDatabase(ADMIN_URL);
try {
  const built = performance.now();
  const store = openSqliteStore(path);
  for (let start = 0; start < TICKETS; start += 500) {
    const ns = Array.from({ length: Math.min(500, TICKETS - start) }, (_, i) => start + i);
    for (const n of ns) {
      await store.history.index({
        key: `s:${n}`,
        sourceId: 's',
        nativeId: `n${n}`,
        number: `INC${n}`,
        version: '1',
        createdAt: new Date(T0 + n * 60_000).toISOString(),
        title: words(6),
        description: words(40),
        fields: { requester: `u${n % 300}`, ci: `ci${n % 40}` },
      });
    }
    await store.commitBatch({
      sourceId: 's',
      watermark: new Date(T0 + (start + ns.length) * 60_000).toISOString(),
      ledger: ns.flatMap((n) => [1, 2].map((v) => ({ nativeId: `n${n}`, version: String(v), updatedAt: new Date(T0 + n * 60_000 + v).toISOString() }))),
      tickets: ns.map((n) => ({
        key: `s:${n}`,
        sourceId: 's',
        nativeId: `n${n}`,
        number: `INC${n}`,
        version: '2',
        status: n % 3 === 0 ? 'resolved' : 'open',
        group: 'Service Desk',
        assignee: `a${n % 20}`,
        updatedAt: new Date(T0 + n * 60_000).toISOString(),
        triggered: ['route'],
      })),
      roundRobin: new Map(),
      actions: ns
        .filter((n) => n % 2 === 0)
        .map((n) => ({
          id: `x${n}`,
          sourceId: 's',
          ruleId: 'route',
          target: { ticketKey: `s:${n}`, nativeId: `n${n}`, number: `INC${n}`, version: '2' },
          action: { type: 'assign', group: 'Service Desk', assignee: `a${n % 20}` },
          explanation: words(12),
        })),
      quarantine: [],
      versions: ns.flatMap((n) =>
        [1, 2, 3].map((v) => ({
          key: `s:${n}`,
          number: `INC${n}`,
          version: String(v),
          status: 'open' as const,
          priority: 3,
          createdAt: new Date(T0).toISOString(),
          updatedAt: new Date(T0 + n * 60_000 + v).toISOString(),
        })),
      ),
    });
  }
  await store.close();
  console.log(`built ${TICKETS} tickets in ${Math.round(performance.now() - built)} ms (${(statSync(path).size / 1e6).toFixed(1)} MB)`);

  const t = performance.now();
  const toPg = await migrateState(path, url, { onProgress: (line) => console.log(`  ${Math.round(performance.now() - t)} ms ${line}`) });
  const rows = toPg.tables.reduce((sum, t) => sum + t.rows, 0);
  console.log(`SQLite → PostgreSQL: ${rows} rows in ${toPg.ms} ms (${Math.round(rows / (toPg.ms / 1000))} rows/s), differences: ${toPg.differences.length}`);
  console.log(toPg.tables.map((t) => `${t.name} ${t.rows}`).join(', '));
  const back = await migrateState(url, join(dir, 'back.db'));
  console.log(`PostgreSQL → SQLite: ${rows} rows in ${back.ms} ms (${Math.round(rows / (back.ms / 1000))} rows/s), differences: ${back.differences.length}`);
} finally {
  await dropTestDatabase(ADMIN_URL, url);
  rmSync(dir, { recursive: true, force: true });
}
