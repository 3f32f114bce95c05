import { describe, expect, it } from 'vitest';
import { dryRunStatePath } from '../../src/daemon/daemon.js';
import { StateHeldError, StateLeaseLostError, type ProcessIdentity } from '../../src/state/lease.js';
import { useE2e } from '../helpers/e2e.js';
import { writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/** A daemon on another machine whose clock is a minute ahead: to it, our lease looks stale. */
const elsewhere: ProcessIdentity = { pid: 4242, host: 'other-node', pidNamespace: undefined, pidAlive: () => true };
const aMinuteAhead = (): Date => new Date(Date.now() + 60_000);

describe('fencing: a daemon whose state was taken over (it was paused past its TTL) writes nothing more', () => {
  const e2e = useE2e();

  it('fails its next commit, stops with a clear error, and sends no write to the platform', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const { daemon, config, lines } = e2e.daemon(writeConfig(sandbox.url));
    await daemon.hold();
    const successor = e2e.store(config.state.path, aMinuteAhead, elsewhere);
    const taken = await successor.leases.acquire({ ttlMs: 30_000 });

    const result = await daemon.runOnce();

    expect(taken.takenOver?.reason).toBe('heartbeat-expired');
    expect(result.ok).toBe(false);
    expect(daemon.leaseLost).toBeInstanceOf(StateLeaseLostError);
    expect(daemon.leaseLost?.message).toMatch(
      /^lost the lock on state .*state\.db: it is now held by pid 4242 on host other-node .*\(token 2, ours was 1\); stopping without committing anything more$/,
    );
    expect(lines.some((l) => l.includes('Lost the state lock; stopping'))).toBe(true);
    expect(writesIn(sandbox)).toBe(0);
    expect(await successor.getWatermark('sandbox-snow')).toBeNull();
    expect((await successor.outbox.counts()).pending).toBe(0);
    // Its shutdown leaves the successor's lease alone.
    await daemon.stop();
    expect(await successor.leases.current()).toMatchObject({ pid: 4242, token: 2, releasedAt: undefined });
  });

  it('notices at its next heartbeat that it lost the lock and stops itself', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const { config, secrets } = e2e.load(writeConfig(sandbox.url));
    const { daemon } = e2e.daemon({ config: { ...config, state: { ...config.state, lease: { ttlSeconds: 1, heartbeatSeconds: 0.05 } } }, secrets });
    await daemon.hold();
    const lost = new Promise<StateLeaseLostError>((resolve) => daemon.onLeaseLost(resolve));
    const successor = e2e.store(config.state.path, aMinuteAhead, elsewhere);

    await successor.leases.acquire({ ttlMs: 30_000 });

    expect(await lost).toBeInstanceOf(StateLeaseLostError);
  });

  it('refuses runOnce while another live daemon holds the state, and runs once it is released', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const loaded = e2e.load(writeConfig(sandbox.url));
    const { daemon: first } = e2e.daemon(loaded);
    await first.hold();
    const { daemon } = e2e.daemon(loaded);

    await expect(daemon.runOnce()).rejects.toBeInstanceOf(StateHeldError);
    expect(writesIn(sandbox)).toBe(0);
    await first.stop();
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBeGreaterThan(0);
  });

  it('locks the dry-run state file too, and releases both on stop', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const { daemon, config } = e2e.daemon(writeConfig(sandbox.url, { dryRun: true }));
    await daemon.runOnce();
    const main = e2e.store(config.state.path);
    const dry = e2e.store(dryRunStatePath(config.state.path));

    expect(await main.leases.current()).toMatchObject({ pid: process.pid, releasedAt: undefined });
    expect(await dry.leases.current()).toMatchObject({ pid: process.pid, releasedAt: undefined });
    await expect(dry.leases.acquire({ ttlMs: 30_000 })).rejects.toBeInstanceOf(StateHeldError);
    await daemon.stop();
    expect((await main.leases.current())?.releasedAt).toEqual(expect.any(String));
    expect((await dry.leases.current())?.releasedAt).toEqual(expect.any(String));
  });
});
