import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon, dryRunStatePath } from '../../src/daemon/daemon.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { StateHeldError, StateLeaseLostError, type ProcessIdentity } from '../../src/state/lease.js';
import { openSqliteStore } from '../../src/state/sqlite/store.js';
import { captureLogger } from '../helpers/log-capture.js';
import { startSeededSandbox, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/** A daemon on another machine whose clock is a minute ahead: to it, our lease looks stale. */
const elsewhere: ProcessIdentity = { pid: 4242, host: 'other-node', pidNamespace: undefined, pidAlive: () => true };
const aMinuteAhead = (): Date => new Date(Date.now() + 60_000);

describe('fencing: a daemon whose state was taken over (it was paused past its TTL) writes nothing more', () => {
  let sandbox: ServiceNowSandbox | undefined;
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop().catch(() => undefined);
    await sandbox?.close();
    daemon = undefined;
    sandbox = undefined;
  });

  it('fails its next commit, stops with a clear error, and sends no write to the platform', async () => {
    sandbox = await startSeededSandbox({ fixtures: true });
    const { config, secrets } = loadConfig(writeConfig(sandbox.url));
    const { logger, lines } = captureLogger(secrets);
    daemon = new Daemon({ config, logger });
    await daemon.hold();
    const successor = openSqliteStore(config.state.path, aMinuteAhead, elsewhere);
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
    await successor.close();
  });

  it('notices at its next heartbeat that it lost the lock and stops itself', async () => {
    sandbox = await startSeededSandbox({ fixtures: true });
    const { config, secrets } = loadConfig(writeConfig(sandbox.url));
    const { logger } = captureLogger(secrets);
    daemon = new Daemon({ config: { ...config, state: { ...config.state, lease: { ttlSeconds: 1, heartbeatSeconds: 0.05 } } }, logger });
    await daemon.hold();
    const lost = new Promise<StateLeaseLostError>((resolve) => daemon?.onLeaseLost(resolve));
    const successor = openSqliteStore(config.state.path, aMinuteAhead, elsewhere);

    await successor.leases.acquire({ ttlMs: 30_000 });

    expect(await lost).toBeInstanceOf(StateLeaseLostError);
    await successor.close();
  });

  it('refuses runOnce while another live daemon holds the state, and runs once it is released', async () => {
    sandbox = await startSeededSandbox({ fixtures: true });
    const { config, secrets } = loadConfig(writeConfig(sandbox.url));
    const first = new Daemon({ config, logger: captureLogger(secrets).logger });
    await first.hold();
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    await expect(daemon.runOnce()).rejects.toBeInstanceOf(StateHeldError);
    expect(writesIn(sandbox)).toBe(0);
    await first.stop();
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBeGreaterThan(0);
  });

  it('locks the dry-run state file too, and releases both on stop', async () => {
    sandbox = await startSeededSandbox({ fixtures: true });
    const { config, secrets } = loadConfig(writeConfig(sandbox.url, { dryRun: true }));
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });
    await daemon.runOnce();
    const main = openSqliteStore(config.state.path);
    const dry = openSqliteStore(dryRunStatePath(config.state.path));

    expect(await main.leases.current()).toMatchObject({ pid: process.pid, releasedAt: undefined });
    expect(await dry.leases.current()).toMatchObject({ pid: process.pid, releasedAt: undefined });
    await expect(dry.leases.acquire({ ttlMs: 30_000 })).rejects.toBeInstanceOf(StateHeldError);
    await daemon.stop();
    expect((await main.leases.current())?.releasedAt).toEqual(expect.any(String));
    expect((await dry.leases.current())?.releasedAt).toEqual(expect.any(String));
    await main.close();
    await dry.close();
  });
});
