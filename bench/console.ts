/**
 * The web console over a busy state: one ServiceNow source whose SQLite state FILE holds a year of
 * a desk — 25,000 tickets × ~6 versions (≈150,000 `ticket_versions` rows: new → grouped → in
 * progress → [on hold, reassigned] → resolved → closed, with groups, people and priorities),
 * 20,000 outbox entries (10,000 routing plans of an assignment and its work note: 200 dead, 300
 * pending, the rest done), 2,000 quarantined records and a full pass log (1,000 passes) — written
 * through the store's own API (commitBatch in batches of 5,000 versions, markDone / markDead /
 * markFailed, recordPass), as the daemon writes it.
 *
 * Then the console listens on a real port (startConsole, 127.0.0.1, port 0, a token) and a
 * signed-in browser session (the heaviest pages: a Retry form per dead write and per quarantined
 * record) asks for each page in turn over real sockets with Node's fetch, one request at a time,
 * after a warm-up: median and p95 latency, pages per second, response size, peak RSS.
 *
 * Budgets are figures to read, never failures (a shared machine may be slow): p95 ≤ 250 ms for
 * the overview, the lists and a ticket's page; ≤ 5 s for the year's help-desk report by month.
 * The part fails only when something is broken: a page not answered 200, or not showing what the
 * state holds (the dead, pending and quarantined counts, the rows, a ticket's versions).
 *
 *   npx tsx bench/all.ts console
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleConfig } from '../src/config/schema.js';
import { startConsole } from '../src/console/server.js';
import type { ConsoleSource, ConsoleStateFile, ConsoleView } from '../src/console/view.js';
import type { PlannedAction } from '../src/model/action.js';
import type { LifecycleVersion } from '../src/model/lifecycle-version.js';
import type { Logger } from '../src/observability/logger.js';
import { openSqliteStore, type SqliteStateStore } from '../src/state/sqlite/store.js';
import type { QuarantineInput } from '../src/state/types.js';

const SOURCE = 'bench-snow';
const BASE_URL = 'https://example.service-now.com';
const TOKEN = 'bench-console-token-0123456789abcdef';
const TICKETS = 25_000;
/** Tickets routed by deskbridge, of every 5: 10,000 routing plans of two writes each (assignment, work note). */
const ROUTED_OF_5 = 2;
const DEAD_PLANS = 100; // × 2 writes (the work note is dead-lettered with its assignment)
const PENDING_PLANS = 150; // × 2 writes: the newest plans, the platform answering 503 lately
const FAILED_PENDING = 30; // of them already tried once
const QUARANTINED = 2_000;
const PASSES = 1_000;
const VERSIONS_PER_COMMIT = 5_000;
const LIGHT_RUNS = 50;
const REPORT_RUNS = 5;
const PAGE_BUDGET_MS = 250;
const REPORT_BUDGET_MS = 5_000;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const END = Math.floor(Date.now() / MINUTE) * MINUTE;
const START = END - 365 * DAY;

const GROUPS = ['Service Desk', 'Network Operations', 'Database Admins', 'Identity & Access', 'Workplace IT', 'Business Applications', 'Security Operations', 'Field Services'];
const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Eva', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena', 'Marta', 'Noor', 'Oscar', 'Priya'];
const LAST = ['Almeida', 'Becker', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Haddad', 'Ivanova', 'Jansen'];
const CATEGORIES = ['Network', 'Hardware', 'Software', 'Access', 'Database', 'Email', 'Printing', 'Security'];
/** Where routing sends a category. */
const ROUTE: Record<string, string> = {
  Network: 'Network Operations',
  Hardware: 'Field Services',
  Software: 'Business Applications',
  Access: 'Identity & Access',
  Database: 'Database Admins',
  Email: 'Workplace IT',
  Printing: 'Field Services',
  Security: 'Security Operations',
};
/** Mean hours to resolve, and the SLA, by priority. */
const RESOLVE_HOURS: Record<number, number> = { 1: 5, 2: 18, 3: 50, 4: 110 };
const SLA_HOURS: Record<number, number> = { 1: 8, 2: 24, 3: 72, 4: 168 };

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(60)} ${value}\n`);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

/** A seeded PRNG (mulberry32): the same desk every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = prng(20_261_204);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const iso = (ms: number): string => new Date(ms).toISOString();
const sysId = (seed: string): string => createHash('md5').update(seed).digest('hex');
const peopleOf = (group: string): string[] => {
  const g = GROUPS.indexOf(group);
  return [0, 1, 2, 3, 4].map((k) => `${FIRST[(g * 5 + k) % FIRST.length] ?? ''} ${LAST[(g * 3 + k * 7) % LAST.length] ?? ''}`);
};

interface Seeded {
  key: string;
  nativeId: string;
  number: string;
  versions: { ms: number; v: LifecycleVersion }[];
  /** The routing plan (assignment + work note), made a minute after the ticket was first pulled. */
  plan: { ms: number; actions: PlannedAction[] } | undefined;
}

/** One ticket's lifecycle; versions after END are not pulled yet (the backlog of the last days). */
function ticket(i: number): Seeded {
  const nativeId = sysId(`incident-${i}`);
  const key = `servicenow:${SOURCE}:${nativeId}`;
  const number = `INC${String(1_000_000 + i).padStart(7, '0')}`;
  const createdMs = START + Math.floor((i + random()) * ((END - START - 2 * DAY) / TICKETS));
  const createdAt = iso(createdMs);
  const r = random();
  const priority = r < 0.03 ? 1 : r < 0.15 ? 2 : r < 0.7 ? 3 : 4;
  const category = pick(CATEGORIES);
  const routed = i % 5 < ROUTED_OF_5;
  const group = routed || random() < 0.7 ? (ROUTE[category] ?? 'Service Desk') : 'Service Desk';
  const assignee = pick(peopleOf(group));
  const base = { key, number, priority, category, createdAt };
  const steps: { ms: number; fields: Partial<LifecycleVersion> }[] = [];
  let t = createdMs;
  steps.push({ ms: t, fields: { status: 'new' } });
  t += (2 + random() * 60) * MINUTE;
  steps.push({ ms: t, fields: { status: 'new', group } });
  t += (priority <= 2 ? 5 + random() * 40 : 20 + random() * 400) * MINUTE;
  steps.push({ ms: t, fields: { status: 'in_progress', group, assignee } });
  let holder = { group, assignee };
  let currentPriority = priority;
  const variant = i % 3; // 5, 6 or 7 versions
  if (variant === 2) {
    const other = pick(GROUPS.filter((g) => g !== group));
    holder = { group: other, assignee: pick(peopleOf(other)) };
    currentPriority = Math.max(1, priority - (random() < 0.3 ? 1 : 0));
    t += (1 + random() * 20) * HOUR;
    steps.push({ ms: t, fields: { status: 'in_progress', ...holder, priority: currentPriority } });
  }
  if (variant >= 1) {
    t += (0.5 + random() * 10) * HOUR;
    steps.push({ ms: t, fields: { status: 'on_hold', ...holder, priority: currentPriority } });
  }
  const resolveHours = -Math.log(1 - random() * 0.999) * (RESOLVE_HOURS[priority] ?? 50);
  const resolvedMs = Math.max(createdMs + resolveHours * HOUR, t + (10 + random() * 120) * MINUTE);
  const slaBreached = resolvedMs - createdMs > (SLA_HOURS[priority] ?? 72) * HOUR;
  steps.push({ ms: resolvedMs, fields: { status: 'resolved', ...holder, priority: currentPriority, resolvedAt: iso(resolvedMs), slaBreached } });
  steps.push({ ms: resolvedMs + 3 * DAY, fields: { status: 'closed', ...holder, priority: currentPriority, resolvedAt: iso(resolvedMs), slaBreached } });
  const versions = steps.filter((s) => s.ms <= END).map((s, n) => ({ ms: s.ms, v: { ...base, ...s.fields, version: String(n + 1), updatedAt: iso(s.ms) } as LifecycleVersion }));
  const target = { ticketKey: key, nativeId, number, version: '1' };
  const ruleId = `route-${category.toLowerCase()}`;
  const plan = `${key}@1`;
  const explanation = `category = "${category}" and assignment_group is empty`;
  const planned = (action: PlannedAction['action'], index: number): PlannedAction => ({
    id: sysId(`${ruleId}/${key}/${index}`),
    sourceId: SOURCE,
    ruleId,
    target,
    action,
    explanation,
    plan,
  });
  return {
    key,
    nativeId,
    number,
    versions,
    plan: routed
      ? {
          ms: createdMs + MINUTE,
          actions: [
            planned({ type: 'assign', group }, 0),
            planned({ type: 'comment', visibility: 'internal', body: `Routed to ${group} by deskbridge (rule ${ruleId}): ${explanation}, priority ${priority}.` }, 1),
          ],
        }
      : undefined,
  };
}

/** A ServiceNow record the inbound mapping refused, as the platform sent it (~1.5 KB of JSON). */
function quarantined(j: number): { ms: number; q: QuarantineInput } {
  const ms = START + Math.floor((j + 0.5) * ((END - START) / QUARANTINED));
  const nativeId = sysId(`quarantined-${j}`);
  const problems = [
    `mapping failed: priority "6 - Planning" is not one of 1-5 (mappings/servicenow.yaml, inbound.priority)`,
    `mapping failed: state "-5" has no canonical status: add it to statuses in mappings/servicenow.yaml`,
    `mapping failed: opened_at "31/13/2026 25:61:00" is not a date`,
    `mapping failed: assignment_group.display_value is an object, expected a string`,
  ];
  const raw: Record<string, unknown> = {
    sys_id: nativeId,
    number: `INC${String(2_000_000 + j).padStart(7, '0')}`,
    short_description: `VPN drops every ${5 + (j % 50)} minutes on the ${pick(['Lisbon', 'Berlin', 'Austin', 'Pune'])} office Wi-Fi`,
    description: `Caller reports the VPN client disconnecting repeatedly since the morning. Tried reinstalling the client and rebooting. Ticket ${j} of the bench. `.repeat(3),
    state: j % 4 === 1 ? '-5' : '2',
    priority: j % 4 === 0 ? '6 - Planning' : '3 - Moderate',
    impact: '2',
    urgency: '2',
    category: pick(CATEGORIES).toLowerCase(),
    subcategory: 'vpn',
    contact_type: 'self-service',
    opened_at:
      j % 4 === 2
        ? '31/13/2026 25:61:00'
        : iso(ms - HOUR)
            .replace('T', ' ')
            .slice(0, 19),
    sys_updated_on: iso(ms).replace('T', ' ').slice(0, 19),
    sys_mod_count: String(1 + (j % 9)),
    caller_id: { display_value: `${pick(FIRST)} ${pick(LAST)}`, link: `${BASE_URL}/api/now/table/sys_user/${sysId(`caller-${j}`)}` },
    assignment_group: j % 4 === 3 ? { display_value: { name: 'Service Desk' } } : { display_value: 'Service Desk', link: `${BASE_URL}/api/now/table/sys_user_group/${sysId('sd')}` },
    assigned_to: '',
    location: { display_value: 'HQ, floor 3', link: `${BASE_URL}/api/now/table/cmn_location/${sysId(`loc-${j % 20}`)}` },
    cmdb_ci: { display_value: 'GlobalProtect VPN', link: `${BASE_URL}/api/now/table/cmdb_ci/${sysId('vpn')}` },
    reassignment_count: '0',
    reopen_count: '0',
    made_sla: 'true',
    u_business_service: 'Remote access',
  };
  return { ms, q: { sourceId: SOURCE, nativeId, version: String(raw['sys_mod_count']), error: problems[j % problems.length] ?? '', raw } };
}

// ---------------------------------------------------------------------------------------------
// Seeding, in time order as the daemon would have written it over the year.

interface SeedFigures {
  versions: number;
  entries: number;
  counts: Record<'pending' | 'done' | 'dead', number>;
  /** Tickets whose routing writes were made (assignment and note done), spread over the year: the ticket pages asked for. */
  sample: { number: string; versions: number }[];
  /** Rows inserted (versions, outbox entries, quarantined records, passes) and outcomes recorded (each its own transaction). */
  rows: number;
  outcomes: number;
  generateSeconds: number;
  commitSeconds: number;
  passSeconds: number;
}

/**
 * Writes the year into the store, in time order as the daemon would have: each commit a batch of
 * versions with the plans and quarantined records of its time, then the outbox outcomes of those
 * plans; then the pass log. Returns figures only: the generated desk is garbage before the pages are measured.
 */
async function seed(store: SqliteStateStore, setClock: (ms: number | undefined) => void): Promise<SeedFigures> {
  const started = performance.now();
  const tickets = Array.from({ length: TICKETS }, (_, i) => ticket(i));
  const versions = tickets.flatMap((t) => t.versions).sort((a, b) => a.ms - b.ms);
  const plans = tickets.flatMap((t) => (t.plan ? [{ ...t.plan, ticket: t }] : [])).sort((a, b) => a.ms - b.ms);
  const quarantine = Array.from({ length: QUARANTINED }, (_, j) => quarantined(j));
  const deadPlans = new Set(Array.from({ length: DEAD_PLANS }, (_, k) => Math.floor(((k + 0.5) * (plans.length - PENDING_PLANS)) / DEAD_PLANS)));
  const generateSeconds = (performance.now() - started) / 1000;

  const commitStarted = performance.now();
  let rows = 0;
  let outcomes = 0;
  const written: Seeded[] = [];
  let nextPlan = 0;
  let nextQuarantine = 0;
  for (let from = 0; from < versions.length || nextPlan < plans.length || nextQuarantine < quarantine.length; from += VERSIONS_PER_COMMIT) {
    const batch = versions.slice(from, from + VERSIONS_PER_COMMIT);
    const untilMs = batch.length === VERSIONS_PER_COMMIT ? (batch[batch.length - 1]?.ms ?? END) : END;
    const planIndexes: number[] = [];
    while (nextPlan < plans.length && (plans[nextPlan]?.ms ?? Infinity) <= untilMs) planIndexes.push(nextPlan++);
    const quarantineBatch: QuarantineInput[] = [];
    while (nextQuarantine < quarantine.length && (quarantine[nextQuarantine]?.ms ?? Infinity) <= untilMs) quarantineBatch.push((quarantine[nextQuarantine++] as { q: QuarantineInput }).q);
    setClock(untilMs);
    await store.commitBatch({
      sourceId: SOURCE,
      watermark: batch.length > 0 ? iso(untilMs) : undefined,
      ledger: [],
      tickets: [],
      roundRobin: new Map(),
      actions: planIndexes.flatMap((p) => plans[p]?.actions ?? []),
      quarantine: quarantineBatch,
      versions: batch.map((b) => b.v),
    });
    rows += batch.length + planIndexes.length * 2 + quarantineBatch.length;
    // The outbox drained after the batch: sent, or dead (the note with its assignment), or still waiting.
    for (const p of planIndexes) {
      const [assign, note] = plans[p]?.actions ?? [];
      if (!assign || !note) continue;
      setClock((plans[p]?.ms ?? untilMs) + 2_000);
      if (p >= plans.length - PENDING_PLANS) {
        if (p >= plans.length - FAILED_PENDING) {
          await store.outbox.markFailed(assign.id, 'HTTP 503 from PATCH /api/now/table/incident: Service Unavailable (instance under maintenance)', new Date(END + 2 * MINUTE));
          outcomes++;
        }
      } else if (deadPlans.has(p)) {
        const group = assign.action.type === 'assign' ? assign.action.group : '';
        await store.outbox.markDead(
          assign.id,
          `HTTP 400 from PATCH /api/now/table/incident/${assign.target.nativeId}: Invalid reference: assignment_group "${group}" not found`,
          () => 'held: the assignment it describes was not made',
        );
        outcomes++;
      } else {
        await store.outbox.markDone(assign.id, { outcome: 'updated', ref: assign.target.nativeId, previous: { group: null, assignee: null } });
        await store.outbox.markDone(note.id, { outcome: 'updated', ref: note.target.nativeId });
        outcomes += 2;
        written.push(plans[p]?.ticket as Seeded);
      }
    }
  }
  // The audit appender has put every recorded outcome into the log files (not part of this bench): the queue is empty.
  for (let pending = await store.audit.pending(5_000); pending.length > 0; pending = await store.audit.pending(5_000)) {
    await store.audit.markAppended(
      pending.map((p) => p.seq),
      new Map(),
    );
  }
  setClock(undefined);
  const commitSeconds = (performance.now() - commitStarted) / 1000;

  // The pass log: a pass every 2 minutes, the newest a minute ago; some failed while the platform answered 503.
  const passStarted = performance.now();
  for (let k = 0; k < PASSES; k++) {
    const finishedMs = END - (PASSES - 1 - k) * 2 * MINUTE - MINUTE;
    const failed = k % 37 === 36;
    const durationMs = failed ? 30_000 : 1_500 + Math.floor(random() * 6_000);
    const pulled = failed ? 0 : Math.floor(random() * 40);
    const planned = Math.floor(pulled * 0.4) * 2;
    await store.recordPass({
      sourceId: SOURCE,
      startedAt: iso(finishedMs - durationMs),
      finishedAt: iso(finishedMs),
      outcome: failed ? 'failed' : 'ok',
      durationMs,
      pulled,
      planned,
      skipped: 0,
      quarantined: pulled > 30 ? 1 : 0,
      written: { sent: planned, unchanged: 0, superseded: 0, failed: 0, dead: 0, wouldSend: 0 },
      pendingWrites: 0,
      requests: failed ? 6 : 2 + Math.ceil(planned / 2),
      dryRun: false,
      error: failed ? `HTTP 503 from ${BASE_URL}/api/now/table/incident: Service Unavailable` : undefined,
    });
  }
  rows += PASSES;
  return {
    versions: versions.length,
    entries: plans.length * 2,
    counts: await store.outbox.counts(SOURCE),
    sample: Array.from({ length: LIGHT_RUNS }, (_, k) => written[Math.floor(((k + 0.5) * written.length) / LIGHT_RUNS)] as Seeded).map((t) => ({ number: t.number, versions: t.versions.length })),
    rows,
    outcomes,
    generateSeconds,
    commitSeconds,
    passSeconds: (performance.now() - passStarted) / 1000,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'deskbridge-bench-console-'));
const statePath = join(dir, 'state.db');
/** The store's clock follows the seeding through the year, so entries are planned and updated when their tickets were pulled. */
let seedClock: number | undefined;
const store = openSqliteStore(statePath, () => new Date(seedClock ?? Date.now()));
const problems: string[] = [];
const seeded = await seed(store, (ms) => {
  seedClock = ms;
});
const seedSeconds = seeded.generateSeconds + seeded.commitSeconds + seeded.passSeconds;
const rssAfterSeed = process.resourceUsage().maxRSS / 1024;

// What the pages must show.
const counts = seeded.counts;
const expected = {
  versions: seeded.versions,
  done: seeded.entries - DEAD_PLANS * 2 - PENDING_PLANS * 2,
  dead: DEAD_PLANS * 2,
  pending: PENDING_PLANS * 2,
  routed: seeded.entries / 2 - DEAD_PLANS - PENDING_PLANS,
};
if (counts.done !== expected.done || counts.dead !== expected.dead || counts.pending !== expected.pending) {
  problems.push(`seeded outbox is ${JSON.stringify(counts)}, expected ${expected.done} done, ${expected.dead} dead, ${expected.pending} pending`);
}

// ---------------------------------------------------------------------------------------------
// The console, on a real port.

const consoleErrors: string[] = [];
const logger: Logger = {
  error: (message, meta) => void consoleErrors.push(`${message} ${JSON.stringify(meta ?? {})}`),
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => logger,
};
const source: ConsoleSource = {
  id: SOURCE,
  platform: 'servicenow',
  baseUrl: BASE_URL,
  mode: 'live',
  schedule: '*/2 * * * *',
  activity: 'idle',
  lastOutcome: 'ok',
  transport: { requests: 48_213, requestsLastMinute: 14, budgetPerMinute: 600, circuit: 'closed', circuitRetryAt: undefined },
};
const file: ConsoleStateFile = { mode: 'live', path: statePath, store };
const view: ConsoleView = {
  startedAt: new Date(END - 9 * DAY),
  now: () => new Date(),
  sources: () => [source],
  stateFiles: () => [file],
  stateOf: (id) => (id === SOURCE ? file : undefined),
  rules: () => ({
    rulesPath: '/etc/deskbridge/rules',
    mappingsPath: '/etc/deskbridge/mappings',
    loadedAt: iso(END - 9 * DAY),
    hash: 'bench',
    rules: [],
    lastRejected: undefined,
    rejectedStillOnDisk: false,
    rejectedCount: 0,
  }),
  // The ticket page asks the platform first; here only the state is read.
  explain: async () => ({ ok: false, message: 'platform not asked in the bench' }),
  audit: { dirs: [], problem: () => undefined },
  redact: (text) => text,
};
const server = await startConsole({ config: ConsoleConfig.parse({ port: 0, host: '127.0.0.1', auth: { token: TOKEN } }), view, logger });

/** Signs in as a browser does (the form), so pages carry their Retry forms and CSRF tokens. */
async function signIn(): Promise<string> {
  const response = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(TOKEN)}`,
  });
  const session = response.headers
    .getSetCookie()
    .map((c) => /^deskbridge_session=([^;]+)/.exec(c)?.[1])
    .find((v) => v !== undefined);
  await response.arrayBuffer();
  if (response.status !== 303 || session === undefined) throw new Error(`sign-in answered ${response.status} without a session cookie`);
  return `deskbridge_session=${session}`;
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;
const rowsOf = (page: string): number => count(/<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '', '<tr>');

interface PageFigures {
  label: string;
  runs: number;
  median: number;
  p95: number;
  perSecond: number;
  bytes: number;
}

/** One page, read whole; a request that failed is status 0 with its error as the body. */
async function get(path: string, cookie: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Asks for a page `runs` times, one request at a time (after `warmUp` unmeasured ones), and checks
 * every answer; `url` may change per run (a different ticket each time).
 */
async function measure(label: string, url: (run: number) => string, runs: number, warmUp: number, check: (body: string, run: number) => string | undefined): Promise<PageFigures> {
  const cookie = await signIn();
  const times: number[] = [];
  let bytes = 0;
  let broken = 0;
  for (let run = -warmUp; run < runs; run++) {
    const path = url(Math.max(0, run));
    const started = performance.now();
    const { status, body } = await get(path, cookie);
    const ms = performance.now() - started;
    const problem = status !== 200 ? `HTTP ${status || 'error'}: ${body.slice(0, 200)}` : check(body, Math.max(0, run));
    if (problem !== undefined && broken++ === 0) problems.push(`GET ${path}: ${problem}`);
    if (run < 0) continue;
    times.push(ms);
    bytes = Buffer.byteLength(body);
  }
  if (broken > 1) problems.push(`GET ${label}: ${broken} of ${runs + warmUp} answers broken`);
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const total = times.reduce((a, b) => a + b, 0);
  return { label, runs, median: at(0.5), p95: at(0.95), perSecond: (1000 * runs) / total, bytes };
}

const countsLine = `${expected.pending} pending, ${expected.dead} dead, ${expected.done} done`;
/** Routed tickets whose writes were made, spread over the year: a different one each run. */
const figures: PageFigures[] = [];
const measureStarted = performance.now();

figures.push(
  await measure(
    '/',
    () => '/',
    LIGHT_RUNS,
    3,
    (body) => {
      const wanted = [
        `<strong>${SOURCE}</strong>`,
        `<a href="/outbox?status=pending&source=${SOURCE}">${expected.pending}</a>`,
        `<a class="bad" href="/outbox?status=dead&source=${SOURCE}">${expected.dead}</a>`,
        `<a class="warn" href="/quarantine?source=${SOURCE}">${QUARANTINED}</a>`,
      ];
      const missing = wanted.find((w) => !body.includes(w));
      if (missing) return `missing ${missing}`;
      const passes = rowsOf(/<table class="passes">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '');
      return passes === 25 ? undefined : `${passes} recent passes listed, expected 25`;
    },
  ),
);
figures.push(
  await measure(
    '/outbox?status=dead',
    () => '/outbox?status=dead',
    LIGHT_RUNS,
    3,
    (body) => {
      if (!body.includes(countsLine)) return `no "${countsLine}"`;
      const listed = rowsOf(body);
      const retries = count(body, '<button type="submit">Retry</button>');
      const dead = count(body, '<span class="bad">dead</span>');
      return listed === expected.dead && dead === expected.dead && retries === expected.dead ? undefined : `${listed} rows, ${dead} dead, ${retries} Retry buttons; expected ${expected.dead} of each`;
    },
  ),
);
figures.push(
  await measure(
    '/outbox',
    () => '/outbox',
    LIGHT_RUNS,
    3,
    (body) => {
      if (!body.includes(countsLine)) return `no "${countsLine}"`;
      if (!body.includes('showing the newest 200')) return 'no "showing the newest 200"';
      const listed = rowsOf(body);
      return listed === 200 ? undefined : `${listed} rows, expected 200`;
    },
  ),
);
figures.push(
  await measure(
    '/quarantine',
    () => '/quarantine',
    LIGHT_RUNS,
    3,
    (body) => {
      if (!body.includes(`${QUARANTINED} open records`)) return `no "${QUARANTINED} open records"`;
      const listed = rowsOf(body);
      return listed === 500 ? undefined : `${listed} rows, expected the first 500`;
    },
  ),
);
figures.push(
  await measure(
    '/tickets/<source>/<number>',
    (run) => `/tickets/${SOURCE}/${seeded.sample[run]?.number ?? ''}`,
    LIGHT_RUNS,
    3,
    (body, run) => {
      const t = seeded.sample[run];
      if (!t) return 'no ticket';
      if (!body.includes('platform not asked in the bench')) return 'no notice that the platform was not asked';
      const pulled = count(body, '<td>pulled</td>');
      const planned = count(body, '<td>planned</td>');
      return pulled === t.versions && planned === 2 ? undefined : `${t.number}: ${pulled} versions and ${planned} writes on its timeline, expected ${t.versions} and 2`;
    },
  ),
);
figures.push(
  await measure(
    '/reports/helpdesk?by=month',
    () => '/reports/helpdesk?by=month',
    REPORT_RUNS,
    1,
    (body) => {
      const wanted = `${expected.versions} versions of ${TICKETS} tickets, ${expected.routed} routed by deskbridge`;
      return body.includes(wanted) ? undefined : `no "${wanted}"`;
    },
  ),
);
const measureSeconds = (performance.now() - measureStarted) / 1000;
const rssPeak = process.resourceUsage().maxRSS / 1024;
await server.close();
const rssEnd = process.memoryUsage().rss / 1024 / 1024;
const [fileMb, walMb] = ['', '-wal'].map((suffix) => ((statSync(`${statePath}${suffix}`, { throwIfNoEntry: false })?.size ?? 0) / 1024 / 1024).toFixed(1));
await store.close();
rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------

process.stdout.write(`\nWeb console over a busy state file (one source; signed-in pages over HTTP on 127.0.0.1, one request at a time):\n`);
line(
  '   state seeded',
  `${fmt(expected.versions)} versions of ${fmt(TICKETS)} tickets, ${fmt(seeded.entries)} outbox entries (${fmt(counts.done)} done, ${counts.dead} dead, ${counts.pending} pending), ${fmt(QUARANTINED)} quarantined, ${fmt(PASSES)} passes; file ${fileMb} MB + WAL ${walMb} MB`,
);
line(
  '   seeding: rows a second, all of it',
  `${fmt(seeded.rows / seedSeconds)} (${fmt(seeded.rows)} rows + ${fmt(seeded.outcomes)} outbox outcomes in ${seedSeconds.toFixed(1)} s, ${seeded.generateSeconds.toFixed(1)} s of it generating the desk)`,
);
line('   seeding: 5,000-version commits with plans and outcomes', `${fmt((seeded.rows - PASSES) / seeded.commitSeconds)} rows/s (${seeded.commitSeconds.toFixed(1)} s)`);
line('   seeding: pass log (one transaction a pass)', `${fmt(PASSES / seeded.passSeconds)} passes/s`);
process.stdout.write(`   ${'page'.padEnd(30)} ${'runs'.padStart(5)} ${'median ms'.padStart(10)} ${'p95 ms'.padStart(9)} ${'pages/s'.padStart(8)} ${'size KB'.padStart(8)}\n`);
for (const f of figures) {
  process.stdout.write(
    `   ${f.label.padEnd(30)} ${String(f.runs).padStart(5)} ${f.median.toFixed(1).padStart(10)} ${f.p95.toFixed(1).padStart(9)} ${f.perSecond.toFixed(1).padStart(8)} ${(f.bytes / 1024).toFixed(1).padStart(8)}\n`,
  );
}
line('   measuring took', `${measureSeconds.toFixed(1)} s`);
line('   peak RSS after seeding / after the pages; RSS at the end', `${fmt(rssAfterSeed)} / ${fmt(rssPeak)} MB; ${fmt(rssEnd)} MB`);
// A budget is a figure to read, never a failure: a shared machine may be slow.
const ratio = (ms: number, budget: number): string =>
  `${(ms / budget).toFixed(2)} × the ${budget >= 1000 ? `${budget / 1000} s` : `${budget} ms`} budget (${ms <= budget ? `${(budget / ms).toFixed(1)}× under` : `${(ms / budget).toFixed(1)}× over`})`;
for (const f of figures) line(`bench/console: ${f.label} p95`, ratio(f.p95, f.label.startsWith('/reports/') ? REPORT_BUDGET_MS : PAGE_BUDGET_MS));
if (consoleErrors.length > 0) problems.push(`the console logged ${consoleErrors.length} error(s): ${consoleErrors.slice(0, 3).join('; ')}`);
if (problems.length > 0) {
  console.error(`bench/console: ${problems.join('; ')}`);
  process.exitCode = 1;
}
