import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';

const ENV = { E2E_SN_PASSWORD: 'deskbridge' };
/** The exit code of a daemon refused because another holds its state (EX_TEMPFAIL). */
const EXIT_STATE_HELD = 75;

const e2e = useE2e();

/** A daemon process (SIGKILLed after the test if it is still running). */
const daemon = (args: string[]) => e2e.spawnCli(args, { env: ENV });

async function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await e2e.cli(args, { env: ENV });
  return { status: code, stdout, stderr };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Notes deskbridge posted more than once on the same incident. */
function duplicateNotes(sandbox: ServiceNowSandbox): string[] {
  return Object.entries(snapshot(sandbox)).flatMap(([number, t]) => t.notes.filter((n, i) => t.notes.indexOf(n) !== i).map(() => number));
}

const heldBy = (pid: number | undefined): RegExp =>
  new RegExp(`^deskbridge: state \\S+state\\.db is held by pid ${pid} on host \\S+ since \\S+, last heartbeat \\d+ s ago; stop it or run with --wait$`, 'm');

describe('one writer per state (two daemons on one state file, real processes, ServiceNow sandbox)', () => {
  it('refuses a second daemon with one line naming the holder, keeps read-only commands working, and after a rolling restart with --wait no note is posted twice', async () => {
    const sandbox = await e2e.serviceNow({ eventLogIncidents: 120 });
    // Paced (20 requests/s), so the first daemon is likely still writing when it is stopped.
    const configPath = writeConfig(sandbox.url, { schedule: '* * * * * *', requestsPerMinute: 1200 });
    const first = daemon(['run', '--config', configPath]);
    await until(() => writesIn(sandbox) >= 10, 'the first daemon to write');

    // Started together (each CLI start costs seconds on a busy machine): a second daemon, the new
    // daemon of a rolling deployment (--wait), and a read-only command (status reads the lease,
    // the outbox and the quarantine, as `outbox list` and `quarantine list` do).
    const second = daemon(['run', '--config', configPath]);
    const next = daemon(['run', '--once', '--wait', '--config', configPath]);
    const status = await cli(['status', '--config', configPath]);

    expect(await second.exited).toBe(EXIT_STATE_HELD);
    expect(second.stderr()).toMatch(heldBy(first.child.pid));
    expect(second.stderr()).not.toMatch(/database is locked|SQLITE_BUSY|\n\s+at /);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`state \\S+state\\.db: held by pid ${first.child.pid} on host \\S+ since .*token 1, TTL 30 s`));
    expect(status.stdout).toMatch(/outbox: pending \d+, done \d+, dead 0; quarantine: 0 open/);

    // The rolling deployment: the new daemon waits, the old one is stopped, the new one takes over.
    await until(() => next.stderr().includes('waiting for it to stop'), 'the new daemon to wait');
    expect(next.child.exitCode).toBeNull();
    expect(next.stderr()).toMatch(new RegExp(`held by pid ${first.child.pid} on host .*; waiting for it to stop`));
    first.child.kill('SIGTERM');

    expect(await first.exited).toBe(0);
    expect(await next.exited).toBe(0);
    expect(next.stderr()).toContain('Holding the state lock');
    expect(duplicateNotes(sandbox)).toEqual([]);
    const store = e2e.store(join(dirname(configPath), 'state.db'));
    const entries = await store.outbox.list({ limit: 10_000 });
    const lease = await store.leases.current();
    expect(lease).toMatchObject({ pid: next.child.pid, token: 2, releasedAt: expect.any(String) });
    expect(entries.filter((e) => e.status !== 'done')).toEqual([]);
    const notes = Object.values(snapshot(sandbox)).reduce((n, s) => n + s.notes.length, 0);
    expect(notes).toBeGreaterThan(20);
    expect(notes).toBe(entries.filter((e) => e.planned.action.type === 'comment').length);
  }, 120_000);

  it('started at the same instant on a new state file, exactly one daemon runs and the other exits with the message, never "database is locked"', async () => {
    const sandbox = await e2e.serviceNow({ eventLogIncidents: 100 });
    const configPath = writeConfig(sandbox.url, { schedule: '* * * * * *', requestsPerMinute: 3000 });
    const pair = [daemon(['run', '--config', configPath]), daemon(['run', '--config', configPath])];

    const loser = await Promise.race(pair.map((d) => d.exited.then(() => d)));
    const winner = pair.find((d) => d !== loser);

    expect(await loser.exited).toBe(EXIT_STATE_HELD);
    expect(loser.stderr()).toMatch(heldBy(winner?.child.pid));
    expect(loser.stderr()).not.toMatch(/database is locked|SQLITE_BUSY|\n\s+at /);
    await until(() => writesIn(sandbox) >= 5, 'the winner to write');
    expect(winner?.child.exitCode).toBeNull();
    winner?.child.kill('SIGTERM');
    expect(await winner?.exited).toBe(0);
    expect(duplicateNotes(sandbox)).toEqual([]);
  }, 120_000);

  it('fences a daemon paused past its TTL (SIGSTOP): a successor takes over, the resumed one exits 75 with "lost the lock" and nothing is posted twice', async () => {
    const sandbox = await e2e.serviceNow({ eventLogIncidents: 120 });
    const configPath = writeConfig(sandbox.url, { schedule: '* * * * * *', requestsPerMinute: 1200 });
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('state: { path: ./state.db }', 'state: { path: ./state.db, lease: { ttlSeconds: 2, heartbeatSeconds: 0.5 } }'));
    const paused = daemon(['run', '--config', configPath]);
    await until(() => writesIn(sandbox) >= 5, 'the first daemon to write');
    paused.child.kill('SIGSTOP');

    const successor = daemon(['run', '--wait', '--config', configPath]);
    // A process frozen inside a SQLite write keeps the file's write lock, and nobody can take the
    // lease until it runs again (SQLite's own lock, not the lease). When the freeze landed inside a
    // commit, let the holder run for a moment and freeze it again, as a flapping VM would.
    const tookOver = (): boolean => successor.stderr().includes('Took over the state lock: its holder stopped renewing it');
    for (let attempt = 0; attempt < 6 && !tookOver(); attempt++) {
      await until(tookOver, 'the successor to take over', 15_000).catch(() => undefined);
      if (tookOver()) break;
      paused.child.kill('SIGCONT');
      await new Promise((r) => setTimeout(r, 100));
      paused.child.kill('SIGSTOP');
    }
    expect(tookOver(), `the successor never took over; its stderr: ${successor.stderr()}`).toBe(true);
    paused.child.kill('SIGCONT');

    expect(await paused.exited).toBe(EXIT_STATE_HELD);
    expect(paused.stderr()).toMatch(
      new RegExp(
        `^deskbridge: lost the lock on state \\S+state\\.db: it is now held by pid ${successor.child.pid} on host .*\\(token 2, ours was 1\\); stopping without committing anything more$`,
        'm',
      ),
    );
    await until(() => successor.stderr().includes('"pendingWrites":0'), 'the successor to finish the queue', 60_000);
    successor.child.kill('SIGTERM');
    expect(await successor.exited).toBe(0);
    expect(duplicateNotes(sandbox)).toEqual([]);
  }, 240_000);

  it('lets exactly one of four processes opening a new state file at the same millisecond take the lease, without SQLITE_BUSY', async () => {
    const path = join(e2e.tempDir('deskbridge-race-'), 'state.db');
    const script = join(REPO, 'test', 'helpers', 'acquire-state-at.ts');
    // Far enough ahead for every process to have loaded; then they spin to the same instant.
    const at = Date.now() + 4000;
    const outputs = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const child = e2e.spawnNode(['--import', 'tsx', script, path, String(at), '1500']);
        await child.exited;
        return child.output().trim();
      }),
    );

    const results = outputs.map((o) => JSON.parse(o) as { won?: number; held?: string; failed?: string });
    expect(results.filter((r) => r.failed)).toEqual([]);
    expect(results.filter((r) => r.won === 1)).toHaveLength(1);
    expect(results.filter((r) => r.held?.includes('is held by pid'))).toHaveLength(3);
  }, 60_000);
});
