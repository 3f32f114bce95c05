import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLease, StateHeldError, StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import { openSqliteStore, type SqliteStateStore } from '../../../src/state/sqlite/store.js';
import type { BatchCommit, PassLogEntry, StateStore } from '../../../src/state/types.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { describeLease } from '../../../src/cli/inspect.js';
import { describeEachStore } from '../../helpers/stores.js';
const TTL = { ttlMs: 30_000 };
const T0 = Date.parse('2026-12-04T10:00:00.000Z');

/** A process on host `h` (one pid namespace); `dead` lists pids that no longer exist. */
function proc(pid: number, options: { host?: string; dead?: number[] } = {}): ProcessIdentity {
  return { pid, host: options.host ?? 'h', pidNamespace: 'pid:[1]', pidAlive: (p) => !(options.dead ?? []).includes(p) };
}

function batch(partial: Partial<BatchCommit>): BatchCommit {
  return { sourceId: 's', watermark: undefined, ledger: [], tickets: [], roundRobin: new Map(), actions: [], quarantine: [], ...partial };
}

function planned(id: string): PlannedAction {
  return { id, sourceId: 's', ruleId: 'r', target: { ticketKey: 't1', nativeId: 't1', number: 'INC1', version: '1' }, action: { type: 'comment', visibility: 'internal', body: 'n' }, explanation: '' };
}

function pass(): PassLogEntry {
  const w = { sent: 0, unchanged: 0, superseded: 0, failed: 0, dead: 0, wouldSend: 0 };
  return {
    sourceId: 's',
    startedAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 1000).toISOString(),
    outcome: 'ok',
    durationMs: 1000,
    pulled: 0,
    planned: 0,
    skipped: 0,
    quarantined: 0,
    written: w,
    pendingWrites: 0,
    requests: 0,
    dryRun: false,
    error: undefined,
  };
}

describeEachStore('state lease', (kit) => {
  let now = T0;
  const clock = (): Date => new Date(now);
  /** A store on this test's state, as process `identity` (a daemon, or an admin command) opens it. */
  const open = (identity: ProcessIdentity): Promise<StateStore> => kit.open({ clock, identity });
  afterEach(() => {
    now = T0;
  });

  it('acquires a state nobody holds, recording pid, host, start, heartbeat and token 1', async () => {
    const store = await open(proc(101));

    const lease = await store.leases.acquire(TTL);

    expect(lease.token).toBe(1);
    expect(lease.takenOver).toBeUndefined();
    expect(await store.leases.current()).toMatchObject({
      pid: 101,
      host: 'h',
      startedAt: '2026-12-04T10:00:00.000Z',
      heartbeatAt: '2026-12-04T10:00:00.000Z',
      ttlMs: 30_000,
      token: 1,
      releasedAt: undefined,
    });
  });

  it('refuses a second daemon while the holder is alive, naming its pid, host, start and last heartbeat', async () => {
    await (await open(proc(101))).leases.acquire(TTL);
    now = T0 + 3_000;

    const second = await open(proc(202));
    const refused = second.leases.acquire(TTL);

    await expect(refused).rejects.toBeInstanceOf(StateHeldError);
    await expect(refused).rejects.toThrow(`state ${second.leases.location} is held by pid 101 on host h since 2026-12-04T10:00:00.000Z, last heartbeat 3 s ago; stop it or run with --wait`);
  });

  it('refuses a second daemon in the same process too (the pid is alive: it is ours)', async () => {
    await (await open(proc(101))).leases.acquire(TTL);

    await expect((await open(proc(101))).leases.acquire(TTL)).rejects.toBeInstanceOf(StateHeldError);
  });

  it('takes over a lease whose holder has not renewed it within its TTL, with a larger token', async () => {
    await (await open(proc(101, { host: 'other' }))).leases.acquire(TTL);
    now = T0 + 30_001;

    const lease = await (await open(proc(202))).leases.acquire(TTL);

    expect(lease.token).toBe(2);
    expect(lease.takenOver).toMatchObject({ reason: 'heartbeat-expired', previous: { pid: 101, host: 'other', token: 1 } });
  });

  it('takes over at once when the holder ran on this host and its process is gone (after a SIGKILL)', async () => {
    await (await open(proc(101))).leases.acquire(TTL);
    now = T0 + 1_000;

    const lease = await (await open(proc(202, { dead: [101] }))).leases.acquire(TTL);

    expect(lease.takenOver?.reason).toBe('holder-gone');
    expect(lease.token).toBe(2);
  });

  it('never judges a holder on another host by its pid', async () => {
    await (await open(proc(101, { host: 'other' }))).leases.acquire(TTL);

    await expect((await open(proc(202, { dead: [101] }))).leases.acquire(TTL)).rejects.toBeInstanceOf(StateHeldError);
  });

  it('never judges a holder in another pid namespace (container) on the same host by its pid', async () => {
    await (await open(proc(101))).leases.acquire(TTL);

    await expect((await open({ ...proc(202, { dead: [101] }), pidNamespace: 'pid:[2]' })).leases.acquire(TTL)).rejects.toBeInstanceOf(StateHeldError);
  });

  it('stays held past the first TTL while the holder renews it', async () => {
    const lease = await (await open(proc(101, { host: 'other' }))).leases.acquire(TTL);
    for (let t = 5_000; t <= 60_000; t += 5_000) {
      now = T0 + t;
      await lease.renew();
    }

    expect((await (await open(proc(202))).leases.current())?.heartbeatAt).toBe('2026-12-04T10:01:00.000Z');
    await expect((await open(proc(202))).leases.acquire(TTL)).rejects.toBeInstanceOf(StateHeldError);
  });

  it('lets the next daemon start at once after a release, and the token keeps growing', async () => {
    const first = await (await open(proc(101))).leases.acquire(TTL);
    await first.release();

    const second = await (await open(proc(202))).leases.acquire(TTL);

    expect(second.takenOver).toBeUndefined();
    expect(second.token).toBe(2);
  });

  it('fences a former holder that lost its lease: its batch commit, outbox updates, pass log and heartbeat fail and change nothing', async () => {
    const paused = await open(proc(101, { host: 'other' }));
    const lease = await paused.leases.acquire(TTL);
    await paused.commitBatch(batch({ watermark: '2026-12-01T00:00:00.000Z', actions: [planned('a1')] }));
    now = T0 + 45_000;
    const successor = await open(proc(202));
    await successor.leases.acquire(TTL);

    await expect(paused.commitBatch(batch({ watermark: '2026-12-02T00:00:00.000Z', actions: [planned('a2')] }))).rejects.toBeInstanceOf(StateLeaseLostError);
    // What the audit trail asks before appending to its files, outside any transaction.
    await expect(Promise.resolve().then(() => paused.leases.fence?.())).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(Promise.resolve().then(() => successor.leases.fence?.())).resolves.toBeUndefined();
    await expect(paused.outbox.markAttempt('a1')).rejects.toThrow(/lost the lock on state .*held by pid 202 on host h .*token 2, ours was 1/);
    // On PostgreSQL, `due` claims what it hands out (several daemons may drain one database): a write, fenced. On SQLite it only reads.
    if (kit.name === 'postgres') await expect(paused.outbox.due('s', new Date(now), 10)).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.outbox.markDone('a1', { outcome: 'sent', ref: undefined })).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.outbox.markFailed('a1', 'HTTP 503', new Date(now))).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.outbox.markDead('a1', 'HTTP 400')).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.pruneLedger('s', '2030-01-01T00:00:00Z')).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.setStartPoint('s', '2020-01-01T00:00:00.000Z')).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.audit.markAppended([], new Map([['actions', { seq: 9, hash: 'forged' }]]))).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(paused.recordPass(pass())).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(lease.renew()).rejects.toBeInstanceOf(StateLeaseLostError);
    await expect(lease.assertHeld()).rejects.toBeInstanceOf(StateLeaseLostError);

    expect(await successor.getWatermark('s')).toBe('2026-12-01T00:00:00.000Z');
    expect((await successor.outbox.list({})).map((e) => [e.id, e.status, e.attempts])).toEqual([['a1', 'pending', 0]]);
    expect(await successor.audit.head('actions')).toBeUndefined();
    expect(await successor.getStartPoint('s')).toBeNull();
    expect(await successor.recentPasses()).toEqual([]);
    // Its release leaves the successor's lease alone.
    await lease.release();
    expect(await successor.leases.current()).toMatchObject({ pid: 202, token: 2, releasedAt: undefined });
  });

  it('lets the holder commit as before', async () => {
    const store = await open(proc(101));
    await store.leases.acquire(TTL);

    await store.commitBatch(batch({ watermark: '2026-12-01T00:00:00.000Z', actions: [planned('a1')] }));
    await store.outbox.markAttempt('a1');
    await store.outbox.markDone('a1', { outcome: 'sent', ref: undefined });
    await store.recordPass(pass());

    expect((await store.outbox.counts()).done).toBe(1);
    expect(await store.recentPasses()).toHaveLength(1);
  });

  it('lets admin commands without a lease (outbox retry, quarantine retry) change state while a daemon holds it', async () => {
    const daemon = await open(proc(101));
    await daemon.leases.acquire(TTL);
    await daemon.commitBatch(batch({ actions: [planned('a1')], quarantine: [{ sourceId: 's', nativeId: '7', version: '1', error: 'bad date', raw: {} }] }));
    await daemon.outbox.markDead('a1', 'HTTP 400');
    const admin = await open(proc(202));

    expect(await admin.outbox.retry({ id: 'a1' })).toBe(1);
    expect(await admin.quarantineRetry({ sourceId: 's' })).toBe(1);
    // The daemon, still the holder, goes on committing.
    await daemon.outbox.markAttempt('a1');
    expect((await daemon.outbox.list({}))[0]).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('with wait, acquires as soon as the holder releases, having said once who it waits for', async () => {
    const first = await (await open(proc(101))).leases.acquire(TTL);
    const waits: string[] = [];
    setTimeout(() => void first.release(), 60);

    const lease = await acquireLease((await open(proc(202))).leases, TTL, { wait: true, pollMs: 10, onWait: (e) => waits.push(e.message) });

    expect(lease.token).toBe(2);
    expect(waits).toEqual([expect.stringContaining('is held by pid 101 on host h')]);
  });

  it('with wait, gives up when told to stop', async () => {
    await (await open(proc(101))).leases.acquire(TTL);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('SIGTERM')), 30);

    await expect(acquireLease((await open(proc(202))).leases, TTL, { wait: true, pollMs: 10, signal: stop.signal })).rejects.toThrow('SIGTERM');
  });
});

// SQLite only: a state file's write lock (SQLite's busy behaviour) has no PostgreSQL counterpart.
describe('state lease on a locked SQLite file', () => {
  const dirs: string[] = [];
  const stores: SqliteStateStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('opens a state file whose write lock another process holds (frozen inside a commit) without writing, so a waiting daemon can start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskbridge-lease-'));
    dirs.push(dir);
    const file = join(dir, 'state.db');
    stores.push(openSqliteStore(file, () => new Date(T0), proc(101)));
    const frozen = new Database(file);
    frozen.prepare('BEGIN IMMEDIATE').run();
    try {
      const started = Date.now();
      const store = openSqliteStore(file, () => new Date(T0), proc(202));
      stores.push(store);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await store.leases.current()).toBeUndefined();
    } finally {
      frozen.prepare('ROLLBACK').run();
      frozen.close();
    }
  });
});

describe('deskbridge status: the lease in one line', () => {
  const holder = {
    holderId: 'x',
    pid: 123,
    host: 'h',
    pidNamespace: undefined,
    startedAt: '2026-12-04T10:00:00.000Z',
    heartbeatAt: '2026-12-04T10:00:00.000Z',
    ttlMs: 30_000,
    token: 7,
    releasedAt: undefined,
  };
  const at = (ms: number): Date => new Date(T0 + ms);

  it('names the holder, its last heartbeat, token and TTL while it is held', () => {
    expect(describeLease('/x/state.db', holder, at(3_000))).toBe('state /x/state.db: held by pid 123 on host h since 2026-12-04T10:00:00.000Z, last heartbeat 3 s ago (token 7, TTL 30 s)');
  });

  it('says a lease without a heartbeat within its TTL is stale and will be taken over', () => {
    expect(describeLease('/x/state.db', holder, at(95_000))).toMatch(/^state \/x\/state\.db: stale — held by pid 123 .*last heartbeat 95 s ago .*; the next daemon takes it over$/);
  });

  it('says when the state is free, and when no daemon has run on it', () => {
    expect(describeLease('/x/state.db', { ...holder, releasedAt: '2026-12-04T10:05:00.000Z' }, at(0))).toBe(
      'state /x/state.db: free (last held by pid 123 on host h, released 2026-12-04T10:05:00.000Z; token 7)',
    );
    expect(describeLease('/x/state.db', undefined, at(0))).toBe('state /x/state.db: no daemon has run on it yet');
  });
});
