import { expect, it } from 'vitest';
import { StateLeaseLostError, type ProcessIdentity } from '../../../src/state/lease.js';
import type { PassLogEntry } from '../../../src/state/types.js';
import { describeEachStore } from '../../helpers/stores.js';

const T0 = Date.parse('2026-12-04T10:00:00.000Z');

/** Pass `n` of a source: started n minutes after T0, every count distinct so a swapped column shows. */
function pass(sourceId: string, n: number, fields: Partial<PassLogEntry> = {}): PassLogEntry {
  return {
    sourceId,
    startedAt: new Date(T0 + n * 60_000).toISOString(),
    finishedAt: new Date(T0 + n * 60_000 + 4_321).toISOString(),
    outcome: 'ok',
    durationMs: 4_321,
    pulled: 101,
    planned: 102,
    skipped: 103,
    quarantined: 104,
    written: { sent: 105, unchanged: 106, superseded: 107, failed: 108, dead: 109, wouldSend: 110 },
    pendingWrites: 111,
    requests: 112,
    dryRun: false,
    error: undefined,
    ...fields,
  };
}

/** A process on host `h`, for the lease test. */
function proc(pid: number): ProcessIdentity {
  return { pid, host: 'h', pidNamespace: 'pid:[1]', pidAlive: () => true };
}

describeEachStore('pass log (for the web console)', (kit) => {
  it('gives back every field as recorded, with an id', async () => {
    const store = await kit.open();
    const ok = pass('snow-prod', 1);
    const failed = pass('snow-prod', 2, {
      outcome: 'failed',
      dryRun: true,
      error: 'HTTP 503 from snow-prod: Service Unavailable',
      written: { sent: 0, unchanged: 0, superseded: 0, failed: 3, dead: 1, wouldSend: 7 },
    });
    await store.recordPass(ok);
    await store.recordPass(failed);

    const [newest, oldest, ...rest] = await store.recentPasses();
    expect(rest).toEqual([]);
    expect(newest).toEqual({ ...failed, id: expect.any(Number) as number });
    expect(oldest).toEqual({ ...ok, id: expect.any(Number) as number });
    // No error is undefined (not null), and the key is there as the type says.
    expect(oldest).toHaveProperty('error', undefined);
    expect(oldest?.dryRun).toBe(false);
    expect(newest?.dryRun).toBe(true);
    expect(newest!.id).toBeGreaterThan(oldest!.id);
    await store.close();
  });

  it('keeps every outcome', async () => {
    const store = await kit.open();
    const outcomes = ['ok', 'failed', 'stopped', 'interrupted', 'held'] as const;
    for (const [n, outcome] of outcomes.entries()) await store.recordPass(pass('s', n, { outcome }));
    expect((await store.recentPasses()).map((p) => p.outcome)).toEqual([...outcomes].reverse());
    await store.close();
  });

  it('lists newest first (last recorded, whatever its times say), of one source or all, up to a limit (50 by default)', async () => {
    const store = await kit.open();
    for (let n = 0; n < 60; n++) await store.recordPass(pass(n % 2 === 0 ? 'a' : 'b', n));
    // Recorded last, started before the others (a long pass ending after shorter ones).
    await store.recordPass(pass('a', -5));

    const all = await store.recentPasses();
    expect(all).toHaveLength(50);
    expect(all[0]?.startedAt).toBe(pass('a', -5).startedAt);
    expect(all.slice(1).map((p) => p.startedAt)).toEqual(Array.from({ length: 49 }, (_, i) => pass('x', 59 - i).startedAt));
    expect(all.map((p) => p.id)).toEqual([...all.map((p) => p.id)].sort((x, y) => y - x));

    const a = await store.recentPasses({ sourceId: 'a' });
    expect(a).toHaveLength(31);
    expect(a.every((p) => p.sourceId === 'a')).toBe(true);
    expect(a.slice(0, 3).map((p) => p.startedAt)).toEqual([pass('a', -5).startedAt, pass('a', 58).startedAt, pass('a', 56).startedAt]);

    expect((await store.recentPasses({ sourceId: 'b', limit: 2 })).map((p) => p.startedAt)).toEqual([pass('b', 59).startedAt, pass('b', 57).startedAt]);
    expect(await store.recentPasses({ limit: 3 })).toEqual(all.slice(0, 3));
    expect(await store.recentPasses({ limit: 0 })).toEqual([]);
    expect(await store.recentPasses({ limit: 1000 })).toHaveLength(61);
    expect(await store.recentPasses({ sourceId: 'never-synced' })).toEqual([]);
    await store.close();
  });

  it("keeps a source's newest 1,000 passes, leaving the other sources' alone", async () => {
    const store = await kit.open();
    for (let n = 0; n < 3; n++) await store.recordPass(pass('quiet', n));
    for (let n = 0; n < 1000; n++) await store.recordPass(pass('busy', n));
    expect(await store.recentPasses({ sourceId: 'busy', limit: 2000 })).toHaveLength(1000);

    for (let n = 1000; n < 1250; n++) await store.recordPass(pass('busy', n));
    const busy = await store.recentPasses({ sourceId: 'busy', limit: 2000 });
    expect(busy).toHaveLength(1000);
    expect(busy[0]?.startedAt).toBe(pass('busy', 1249).startedAt);
    expect(busy[999]?.startedAt).toBe(pass('busy', 250).startedAt);
    expect(await store.recentPasses({ sourceId: 'quiet' })).toHaveLength(3);
    expect(await store.recentPasses({ limit: 5000 })).toHaveLength(1003);
    await store.close();
  });

  it('survives closing and reopening the state', async () => {
    const first = await kit.open();
    await first.recordPass(pass('a', 1));
    await first.recordPass(pass('b', 2, { outcome: 'stopped', error: 'shutdown' }));
    const before = await first.recentPasses();
    await first.close();

    const reopened = await kit.open();
    expect(await reopened.recentPasses()).toEqual(before);
    // Ids go on from where they were.
    await reopened.recordPass(pass('a', 3));
    const [latest] = await reopened.recentPasses({ limit: 1 });
    expect(latest?.id).toBeGreaterThan(Math.max(...before.map((p) => p.id)));
    await reopened.close();
  });

  it('logs nothing for a daemon that lost its lease', async () => {
    const stale = await kit.open({ clock: () => new Date(T0), identity: proc(101) });
    await stale.leases.acquire({ ttlMs: 30_000 });
    await stale.recordPass(pass('s', 1));
    // Its heartbeat stops; a successor takes over once the lease has expired.
    const successor = await kit.open({ clock: () => new Date(T0 + 60_000), identity: proc(202) });
    await successor.leases.acquire({ ttlMs: 30_000 });

    await expect(stale.recordPass(pass('s', 2))).rejects.toBeInstanceOf(StateLeaseLostError);
    await successor.recordPass(pass('s', 3));
    expect((await successor.recentPasses()).map((p) => p.startedAt)).toEqual([pass('s', 3).startedAt, pass('s', 1).startedAt]);
    await stale.close();
    await successor.close();
  });
});
