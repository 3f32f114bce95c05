/**
 * Scale-out of deskbridge over one PostgreSQL state (issue 18): daemons as real processes
 * (`deskbridge run`), each signing in as its own user, sharing ServiceNow sandboxes (real HTTP
 * servers in this process, seeded from the UCI event log).
 *
 * 1. Tickets/s and requests/s with 1, 2 and 3 daemons over 12 sources, each source paced
 *    client-side (`rateLimit.requestsPerMinute`), each configuration on a fresh database and
 *    fresh sandboxes: speed-up as ratios against the 1-daemon run, the sources each daemon took
 *    first, its CPU share and peak RSS (VmHWM), API calls per ticket.
 *    "Done" for a source: the daemons' JSON logs hold `Pass complete` lines for it whose pulled
 *    records add up to every incident of its sandbox, the last of them with nothing pending, dead
 *    or interrupted; the run is done when every source is, timed from the spawn of the daemons.
 *    Afterwards every run is checked: no outbox entry left undone, no note doubled, every
 *    sandbox as the 1-daemon run left it (the same source ids plan the same writes).
 * 2. Failover after a SIGKILL: with the 2 daemons of part 1 running steadily, the one holding
 *    more sources is SIGKILLed; timed from the kill until the survivor took every source the dead
 *    one held (its log) and completed a pass of each after that (`pass_log`). Same host only (a
 *    dead pid is seen at once); the budget is another host's bound, TTL + heartbeat + one pass.
 * 3. PostgreSQL against SQLite for one daemon: one unpaced source, the same incidents, once with
 *    `state: { path }` and once with `state: { url }`.
 *
 * Figures to read, never failures (a shared machine may be slow): the part fails only when
 * something is broken (a run that never finishes, a check above that does not hold).
 *
 *   DESKBRIDGE_TEST_PG_URL=postgres://… npx tsx bench/scale-out.ts   (or --pg postgres://…)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ServiceNowSandbox } from '../src/sandbox/servicenow/index.js';
import { BIN, spawnNode, type SpawnedProcess } from '../test/helpers/cli-process.js';
import { DATA_SETS } from '../test/helpers/data.js';
import { createTestDatabase, dropTestDatabase } from '../test/helpers/postgres.js';
import { startSeededSandbox, snapshot, type PlatformSnapshot } from '../test/helpers/sandbox-env.js';
import { doubledNotes, writeSharedConfig } from '../test/helpers/shared-env.js';

const SOURCES = 12;
const INCIDENTS = 600;
/** Per source: 10 requests a second, so one daemon is held by the pacing of each source, not by its CPU. */
const REQUESTS_PER_MINUTE = 600;
const DAEMON_COUNTS = [1, 2, 3] as const;
const TTL_SECONDS = 10;
const HEARTBEAT_SECONDS = 2;
/** The request timeout: a source taken over is left alone for min(this, 10 s). */
const TIMEOUT_MS = 10_000;
const QUIET_MS = Math.min(TIMEOUT_MS, 10_000);
/** Part 3: one source, unpaced. */
const STORE_INCIDENTS = 3_000;
const UNPACED_PER_MINUTE = 600_000;
const RUN_DEADLINE_MS = 90_000;
const FAILOVER_DEADLINE_MS = 60_000;
const PASSWORD = 'deskbridge';
const USERS = [1, 2, 3].map((i) => ({ userName: `daemon-${i}`, password: PASSWORD }));
/** Pids this bench SIGKILLed on purpose (their exit is not a failure). */
const killed = new Set<number>();

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(60)} ${value}\n`);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function adminUrl(): string | undefined {
  const flag = process.argv.indexOf('--pg');
  const fromFlag = flag >= 0 ? process.argv[flag + 1] : undefined;
  const url = fromFlag ?? process.env['DESKBRIDGE_TEST_PG_URL'];
  return url !== undefined && url !== '' ? url : undefined;
}

/** One JSON log line of a daemon (the logger writes to stderr). */
interface LogEntry {
  message?: string;
  timestamp?: string;
  source?: string;
  sourceId?: string;
  pulled?: number;
  /** On "Took a source": the fair share the daemon computed, and from how many live daemons. */
  share?: number;
  daemons?: number;
  pendingWrites?: number;
  interrupted?: boolean;
  written?: { dead?: number };
  durationMs?: number;
}

function logEntries(spawned: SpawnedProcess): (LogEntry & { at: number })[] {
  const out: (LogEntry & { at: number })[] = [];
  for (const text of spawned.output().split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const entry = JSON.parse(text) as LogEntry;
      const at = Date.parse(entry.timestamp ?? '');
      if (!Number.isNaN(at)) out.push({ ...entry, at });
    } catch {
      // a line cut short by a SIGKILL
    }
  }
  return out;
}

/** A daemon process: its slot (daemon-N, the user it signs in as), and what /proc says of it. */
interface DaemonProcess {
  slot: number;
  spawned: SpawnedProcess;
  pid: number;
  /** Peak RSS (VmHWM, MB), read while it runs. */
  peakRssMb: number;
  /** CPU seconds (user + system) at the last read. */
  cpuSeconds: number;
  exited: boolean;
}

const CLOCK_TICKS = 100;

function sampleProc(d: DaemonProcess): void {
  if (d.exited) return;
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.pid}/status`, 'utf8'));
    if (hwm?.[1]) d.peakRssMb = Math.max(d.peakRssMb, Number(hwm[1]) / 1024);
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${d.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    d.cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    // gone already
  }
}

function spawnDaemon(configPath: string, slot: number): DaemonProcess {
  const spawned = spawnNode([BIN, 'run', '--config', configPath], { env: { E2E_SN_USER: `daemon-${slot}`, E2E_SN_PASSWORD: PASSWORD } });
  const d: DaemonProcess = { slot, spawned, pid: spawned.child.pid ?? 0, peakRssMb: 0, cpuSeconds: 0, exited: false };
  void spawned.exited.then(() => {
    d.exited = true;
  });
  return d;
}

/** SIGTERM (once it says it started, else its handler is not there yet), then SIGKILL after 20 s. */
async function stopDaemon(d: DaemonProcess): Promise<number | null> {
  if (d.exited) return d.spawned.exited;
  const startedBy = Date.now() + 20_000;
  while (!d.spawned.output().includes('"Daemon started"') && !d.exited && Date.now() < startedBy) await sleep(100);
  sampleProc(d);
  d.spawned.child.kill('SIGTERM');
  const killer = setTimeout(() => d.spawned.child.kill('SIGKILL'), 20_000);
  const code = await d.spawned.exited;
  clearTimeout(killer);
  return code;
}

/** When each source's work was done by the logs of all daemons (see the header), or undefined while it is not. */
function doneTimes(daemons: readonly DaemonProcess[], sources: number, incidents: number): Map<string, { at: number; slot: number }> {
  const passes = daemons
    .flatMap((d) => logEntries(d.spawned).map((e) => ({ ...e, slot: d.slot })))
    .filter((e) => e.message === 'Pass complete' && e.sourceId !== undefined)
    .sort((a, b) => a.at - b.at);
  const done = new Map<string, { at: number; slot: number }>();
  const pulled = new Map<string, number>();
  for (const pass of passes) {
    const source = pass.sourceId ?? '';
    if (done.has(source)) continue;
    pulled.set(source, (pulled.get(source) ?? 0) + (pass.pulled ?? 0));
    if ((pulled.get(source) ?? 0) >= incidents && pass.pendingWrites === 0 && (pass.written?.dead ?? 0) === 0 && pass.interrupted !== true) done.set(source, { at: pass.at, slot: pass.slot });
  }
  if (done.size > sources) throw new Error(`passes of ${done.size} sources logged, only ${sources} configured`);
  return done;
}

interface RunFigures {
  daemons: number;
  seconds: number;
  tickets: number;
  requests: number;
  writes: number;
  /** Sources each daemon took before any daemon handed one back. */
  firstTaken: number[];
  /** The fair share each daemon computed when it first took a source, as "share/live daemons" ("-" when it took none). */
  firstShare: string[];
  /** Seconds from the first daemon joining the sharing until the work was done (the run without process start-up). */
  workSeconds: number;
  /** Sources whose work each daemon finished (the pass that completed it). */
  finished: number[];
  /** Seconds from the spawn of the daemons until each joined the sharing (its "Sharing the sources" log line). */
  joinedAfter: number[];
  handedBack: number;
  peakRssMb: number[];
  /** CPU seconds of each daemon over the run / the run's seconds. */
  cpuShare: number[];
  snapshots: Record<string, PlatformSnapshot>;
}

interface Running {
  daemons: DaemonProcess[];
  sandboxes: ServiceNowSandbox[];
  stateUrl: string | undefined;
}

/**
 * Seeds `sources` sandboxes, writes the config, spawns `daemonCount` daemons and waits until
 * every source is done; `then` runs with the daemons still up (the failover). Cleans up all.
 */
async function runWorkload(
  options: { sources: number; incidents: number; daemons: number; requestsPerMinute: number; state: 'postgres' | 'sqlite'; admin: string },
  then?: (running: Running, figures: RunFigures) => Promise<void>,
): Promise<RunFigures> {
  const sandboxes: ServiceNowSandbox[] = [];
  const daemons: DaemonProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-scale-out-'));
  let stateUrl: string | undefined;
  try {
    for (let i = 0; i < options.sources; i++) sandboxes.push(await startSeededSandbox({ eventLogIncidents: options.incidents }, { users: USERS }));
    if (options.state === 'postgres') stateUrl = await createTestDatabase(options.admin);
    const configPath = writeSharedConfig(
      sandboxes.map((s) => s.url),
      {
        state: stateUrl !== undefined ? { url: stateUrl } : { path: join(dir, 'state.db') },
        ttlSeconds: TTL_SECONDS,
        heartbeatSeconds: HEARTBEAT_SECONDS,
        requestsPerMinute: options.requestsPerMinute,
        timeoutMs: TIMEOUT_MS,
        dir,
      },
    );
    const started = Date.now();
    for (let slot = 1; slot <= options.daemons; slot++) daemons.push(spawnDaemon(configPath, slot));
    let done = new Map<string, { at: number; slot: number }>();
    for (;;) {
      for (const d of daemons) sampleProc(d);
      done = doneTimes(daemons, options.sources, options.incidents);
      if (done.size === options.sources) break;
      const gone = daemons.find((d) => d.exited);
      if (gone) throw new Error(`daemon-${gone.slot} exited before the work was done:\n${gone.spawned.output().split('\n').slice(-8).join('\n')}`);
      if (Date.now() - started > RUN_DEADLINE_MS)
        throw new Error(`not done after ${RUN_DEADLINE_MS / 1000} s: ${done.size} of ${options.sources} sources (${[...done.keys()].sort().join(', ') || 'none'})`);
      await sleep(250);
    }
    for (const d of daemons) sampleProc(d);
    const end = Math.max(...[...done.values()].map((d) => d.at));
    const seconds = (end - started) / 1000;
    const api = sandboxes.flatMap((s) => s.requestLog.filter((r) => r.path.startsWith('/api/') && (r.at ?? 0) <= end));
    const entries = daemons.map((d) => logEntries(d.spawned));
    const firstHandBack = Math.min(...entries.flatMap((log) => log.filter((e) => e.message === 'Handed a source back for another daemon to take').map((e) => e.at)));
    const figures: RunFigures = {
      daemons: options.daemons,
      seconds,
      tickets: options.sources * options.incidents,
      requests: api.length,
      writes: api.filter((r) => r.method !== 'GET').length,
      firstTaken: entries.map((log) => log.filter((e) => e.message === 'Took a source' && e.at < firstHandBack).length),
      firstShare: entries.map((log) => {
        const first = log.find((e) => e.message === 'Took a source');
        return first ? `${first.share}/${first.daemons}` : '-';
      }),
      workSeconds: (end - Math.min(...entries.map((log) => log.find((e) => e.message === 'Sharing the sources with other daemons')?.at ?? started))) / 1000,
      finished: daemons.map((d) => [...done.values()].filter((x) => x.slot === d.slot).length),
      joinedAfter: entries.map((log) => ((log.find((e) => e.message === 'Sharing the sources with other daemons')?.at ?? NaN) - started) / 1000),
      handedBack: entries.reduce((n, log) => n + log.filter((e) => e.message === 'Handed a source back for another daemon to take').length, 0),
      peakRssMb: daemons.map((d) => d.peakRssMb),
      cpuShare: daemons.map((d) => d.cpuSeconds / seconds),
      snapshots: Object.fromEntries(sandboxes.map((s, i) => [`snow-${i + 1}`, snapshot(s)])),
    };
    if (then) await then({ daemons, sandboxes, stateUrl }, figures);
    const codes = await Promise.all(daemons.map(stopDaemon));
    const unclean = codes.map((code, i) => ({ code, d: daemons[i] })).filter(({ code, d }) => code !== 0 && !killed.has(d?.pid ?? 0));
    if (unclean.length > 0) throw new Error(`daemon(s) ${unclean.map(({ d, code }) => `daemon-${d?.slot} exit ${code}`).join(', ')} did not stop cleanly`);
    // Nothing left to send, nothing doubled.
    const doubled = doubledNotes(figures.snapshots);
    if (doubled.length > 0) throw new Error(`notes posted twice: ${doubled.slice(0, 5).join(', ')}${doubled.length > 5 ? ', …' : ''}`);
    if (stateUrl !== undefined) {
      const pool = new pg.Pool({ connectionString: stateUrl, max: 1 });
      try {
        const undone = (await pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM outbox WHERE status <> 'done' GROUP BY status`)).rows;
        if (undone.length > 0) throw new Error(`outbox entries not done: ${undone.map((r) => `${r.n} ${r.status}`).join(', ')}`);
      } finally {
        await pool.end();
      }
    }
    return figures;
  } finally {
    for (const d of daemons) if (!d.exited) d.spawned.child.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.spawned.exited));
    await Promise.all(sandboxes.map((s) => s.close()));
    if (stateUrl !== undefined) await dropTestDatabase(options.admin, stateUrl).catch((error: unknown) => process.stdout.write(`   (could not drop ${stateUrl}: ${String(error)})\n`));
    rmSync(dir, { recursive: true, force: true });
  }
}

interface FailoverFigures {
  victimSources: number;
  detectSeconds: number;
  seconds: number;
  onePassSeconds: number;
}

/** Part 2, on the running 2-daemon workload: SIGKILL the daemon holding more sources, time the survivor's takeover and first passes. */
async function failover(running: Running): Promise<FailoverFigures> {
  const { daemons, stateUrl } = running;
  if (!stateUrl || daemons.length !== 2) throw new Error('failover needs the 2-daemon PostgreSQL run');
  const holding = (d: DaemonProcess): Set<string> => {
    const held = new Set<string>();
    for (const e of logEntries(d.spawned)) {
      if (!e.source) continue;
      if (e.message === 'Took a source' || e.message === 'Took over a source whose daemon stopped renewing it') held.add(e.source);
      if (e.message === 'Handed a source back for another daemon to take' || e.message === 'Lost a source to another daemon; leaving it to its new holder') held.delete(e.source);
    }
    return held;
  };
  // Steady: a few heartbeats with nothing left to balance.
  await sleep(2 * HEARTBEAT_SECONDS * 1000);
  const [a, b] = daemons as [DaemonProcess, DaemonProcess];
  const victim = holding(a).size >= holding(b).size ? a : b;
  const survivor = victim === a ? b : a;
  const lost = holding(victim);
  if (lost.size === 0) throw new Error(`daemon-${victim.slot} holds no source to lose (daemon-${survivor.slot} holds ${holding(survivor).size})`);
  const pool = new pg.Pool({ connectionString: stateUrl, max: 1 });
  try {
    const killAt = Date.now();
    const onePassMs = (
      await pool.query<{ ms: number }>(`SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms), 0)::float AS ms FROM pass_log WHERE outcome = 'ok' AND finished_at >= $1`, [
        new Date(killAt - 5_000).toISOString(),
      ])
    ).rows[0]?.ms;
    sampleProc(victim);
    killed.add(victim.pid);
    victim.spawned.child.kill('SIGKILL');
    await victim.spawned.exited;
    for (;;) {
      const takeovers = new Map(
        logEntries(survivor.spawned)
          .filter((e) => e.message === 'Took over a source whose daemon stopped renewing it' && e.at >= killAt && e.source !== undefined && lost.has(e.source))
          .map((e) => [e.source ?? '', e.at]),
      );
      if (takeovers.size === lost.size) {
        const passes = (
          await pool.query<{ source_id: string; started_at: string; finished_at: string }>(
            `SELECT source_id, min(started_at) AS started_at, min(finished_at) AS finished_at FROM pass_log WHERE outcome = 'ok' AND source_id = ANY($1) AND started_at >= $2 GROUP BY source_id`,
            [[...lost], new Date(Math.min(...takeovers.values())).toISOString()],
          )
        ).rows.filter((r) => Date.parse(r.started_at) >= (takeovers.get(r.source_id) ?? Infinity));
        if (passes.length === lost.size) {
          return {
            victimSources: lost.size,
            detectSeconds: (Math.max(...takeovers.values()) - killAt) / 1000,
            seconds: (Math.max(...passes.map((p) => Date.parse(p.finished_at))) - killAt) / 1000,
            onePassSeconds: (onePassMs ?? 0) / 1000,
          };
        }
      }
      if (survivor.exited) throw new Error(`the survivor daemon-${survivor.slot} exited`);
      if (Date.now() - killAt > FAILOVER_DEADLINE_MS)
        throw new Error(
          `after ${FAILOVER_DEADLINE_MS / 1000} s daemon-${survivor.slot} took over ${takeovers.size} of the ${lost.size} sources daemon-${victim.slot} held (${[...lost].sort().join(', ')})`,
        );
      await sleep(200);
    }
  } finally {
    await pool.end();
  }
}

/** Runs one measurement; a broken one is printed and fails the part, and the others still run. */
let broken = 0;
async function measure<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    broken++;
    process.stdout.write(`   FAILED (${name}): ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

function printRun(label: string, f: RunFigures, base: RunFigures | undefined): void {
  const tps = f.tickets / f.seconds;
  line(`   ${label}: tickets/s`, `${fmt(tps)} (${fmt(f.tickets)} tickets in ${f.seconds.toFixed(1)} s; ${f.workSeconds.toFixed(1)} s after the first daemon joined)`);
  line(`   ${label}: requests/s`, `${(f.requests / f.seconds).toFixed(1)} (${fmt(f.requests)} requests, ${fmt(f.writes)} writes; ${(f.requests / f.tickets).toFixed(3)} per ticket)`);
  // Each source is paced on its own and one daemon works all its sources at once: more daemons can only go faster
  // than the slowest source's pacing allows where one daemon is short of CPU (its CPU / wall near 1).
  if (base && base !== f)
    line(
      `   ${label}: speed-up vs 1 daemon`,
      `${(tps / (base.tickets / base.seconds)).toFixed(2)} (${f.daemons}.00 only for a CPU-bound single daemon; it used ${base.cpuShare[0]?.toFixed(2)} CPU / wall)`,
    );
  if (f.daemons > 1) line(`   ${label}: joined the sharing, s after the spawn, per daemon`, f.joinedAfter.map((s) => s.toFixed(1)).join(' / '));
  line(
    `   ${label}: sources taken before any hand-back, per daemon`,
    `${f.firstTaken.join(' / ')} (fair share / live daemons it saw: ${f.firstShare.join(' / ')}; ${f.handedBack} handed back before the end)`,
  );
  line(`   ${label}: sources whose work each daemon finished`, f.finished.join(' / '));
  // A daemon that counted fewer live daemons than started keeps the extra sources for its whole first pass (hand-back is between passes).
  f.firstTaken.forEach((taken, i) => {
    if (f.daemons > 1 && taken > Math.ceil(SOURCES / f.daemons))
      process.stdout.write(
        `   note: daemon-${i + 1} took ${taken} sources (share/live it saw: ${f.firstShare[i]}; the others had not registered yet); a source is handed back only between passes, so the others waited for its first passes\n`,
      );
  });
  line(`   ${label}: CPU / wall, per daemon`, f.cpuShare.map((c) => c.toFixed(2)).join(' / '));
  line(`   ${label}: peak RSS (VmHWM), per daemon`, f.peakRssMb.map((m) => `${fmt(m)} MB`).join(' / '));
}

async function main(): Promise<void> {
  process.stdout.write(`deskbridge bench — scale-out over PostgreSQL (Node ${process.version}, daemons as processes)\n\n`);
  const admin = adminUrl();
  if (!admin) {
    process.stdout.write('scale-out skipped: set DESKBRIDGE_TEST_PG_URL (or pass --pg URL) to a PostgreSQL server where the user may create databases\n');
    return;
  }
  if (!existsSync(DATA_SETS.eventLog)) {
    process.stdout.write(`scale-out skipped: the UCI event log is not at ${DATA_SETS.eventLog} (set DESKBRIDGE_DATA_DIR)\n`);
    return;
  }
  try {
    const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
    await client.connect();
    await client.end();
  } catch (error) {
    process.stdout.write(`scale-out skipped: PostgreSQL at ${new URL(admin).host} is not reachable (${error instanceof Error ? error.message : String(error)})\n`);
    return;
  }
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  process.stdout.write(`load average at the start: ${load()}\n\n`);

  process.stdout.write(`1. ${SOURCES} sources × ${INCIDENTS} incidents, each paced to ${REQUESTS_PER_MINUTE} requests/min, PostgreSQL state; 1, 2 and 3 daemon processes (timed from their spawn)\n`);
  const runs: RunFigures[] = [];
  let failoverFigures: FailoverFigures | undefined;
  let failoverError: string | undefined;
  for (const count of DAEMON_COUNTS) {
    const figures = await measure(`${count} daemon(s)`, () =>
      runWorkload({ sources: SOURCES, incidents: INCIDENTS, daemons: count, requestsPerMinute: REQUESTS_PER_MINUTE, state: 'postgres', admin }, async (running) => {
        if (count !== 2) return;
        // Part 2 on this run: its failure is its own, the run's figures still count.
        try {
          failoverFigures = await failover(running);
        } catch (error) {
          failoverError = error instanceof Error ? error.message : String(error);
        }
      }),
    );
    if (!figures) continue;
    runs.push(figures);
    printRun(`${count} daemon${count > 1 ? 's' : ' '}`, figures, runs[0]?.daemons === 1 ? runs[0] : undefined);
  }
  // The same sources plan the same writes whichever daemon holds them: every run leaves the sandboxes as the first did.
  const reference = runs[0];
  for (const run of runs.slice(1)) {
    if (!reference) break;
    const differ = Object.keys(reference.snapshots).filter((source) => JSON.stringify(reference.snapshots[source]) !== JSON.stringify(run.snapshots[source]));
    if (differ.length > 0) {
      broken++;
      process.stdout.write(`   FAILED: with ${run.daemons} daemons, ${differ.length} sandbox(es) end unlike the ${reference.daemons}-daemon run: ${differ.join(', ')}\n`);
    }
  }
  process.stdout.write(`   load average now: ${load()}\n`);

  process.stdout.write(`\n2. Failover: SIGKILL one of the 2 daemons once they idle (TTL ${TTL_SECONDS} s, heartbeat ${HEARTBEAT_SECONDS} s, same host)\n`);
  if (failoverFigures) {
    const f = failoverFigures;
    const budget = TTL_SECONDS + HEARTBEAT_SECONDS + f.onePassSeconds;
    line('   sources the killed daemon held', String(f.victimSources));
    line('   kill → the survivor took the last of them (its log)', `${f.detectSeconds.toFixed(1)} s (a dead pid on this host is seen at the next heartbeat)`);
    line('   kill → a completed pass of each (pass_log)', `${f.seconds.toFixed(1)} s (each taken source is left alone ${QUIET_MS / 1000} s first)`);
    line('   one pass (median of the passes just before the kill)', `${f.onePassSeconds.toFixed(2)} s`);
    line('   failover / (TTL + heartbeat + one pass)', `${(f.seconds / budget).toFixed(2)} (budget ${budget.toFixed(1)} s, another host's bound; + ${QUIET_MS / 1000} s quiet there too)`);
  } else {
    broken++;
    process.stdout.write(`   FAILED: ${failoverError ?? 'the 2-daemon run did not get that far'}\n`);
  }

  process.stdout.write(`\n3. One daemon, one unpaced source of ${fmt(STORE_INCIDENTS)} incidents: SQLite state file against PostgreSQL\n`);
  const stores: Partial<Record<'sqlite' | 'postgres', RunFigures>> = {};
  for (const state of ['sqlite', 'postgres'] as const) {
    const figures = await measure(state, () => runWorkload({ sources: 1, incidents: STORE_INCIDENTS, daemons: 1, requestsPerMinute: UNPACED_PER_MINUTE, state, admin }));
    if (!figures) continue;
    stores[state] = figures;
    line(
      `   ${state === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: tickets/s`,
      `${fmt(figures.tickets / figures.seconds)} (${figures.seconds.toFixed(1)} s, ${(figures.requests / figures.tickets).toFixed(3)} requests per ticket, CPU / wall ${figures.cpuShare[0]?.toFixed(2)}, peak RSS ${fmt(figures.peakRssMb[0] ?? 0)} MB)`,
    );
  }
  if (stores.sqlite && stores.postgres) line('   throughput PostgreSQL / SQLite', (stores.sqlite.seconds / stores.postgres.seconds).toFixed(2));
  process.stdout.write(`   load average at the end: ${load()}\n`);
  if (broken > 0) {
    process.stdout.write(`\nscale-out: ${broken} measurement(s) broken\n`);
    process.exitCode = 1;
  }
}

await main();
