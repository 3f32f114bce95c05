import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { openPostgresStore } from '../../src/state/postgres/store.js';
import { useE2e } from '../helpers/e2e.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../helpers/postgres.js';
import { writesIn } from '../helpers/sandbox-env.js';
import { writeSharedConfig } from '../helpers/shared-env.js';
import { until } from '../helpers/until.js';

/**
 * Two daemons on one PostgreSQL state (`state.url`), in this process, against four ServiceNow
 * sandboxes over real sockets: they split the sources, each passes only its own, `deskbridge
 * status` shows who holds what, and a graceful stop hands the sources to the other at once.
 */
const ADMIN_URL = testPostgresUrl('PostgreSQL shared-daemons e2e');

describe.skipIf(!ADMIN_URL)('two daemons sharing four sources on PostgreSQL', () => {
  const e2e = useE2e();
  const daemons: Daemon[] = [];
  let url = '';
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
    if (url) await dropTestDatabase(ADMIN_URL ?? '', url);
  });

  it('splits the sources, passes each once with its holder, lists the holders in status, and hands over at once on a graceful stop', async () => {
    process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    const sandboxes: ServiceNowSandbox[] = [];
    for (let i = 0; i < 4; i++) sandboxes.push(await e2e.serviceNow({ eventLogIncidents: 30 }));
    url = await createTestDatabase(ADMIN_URL ?? '');
    const configPath = writeSharedConfig(
      sandboxes.map((s) => s.url),
      { state: { url }, ttlSeconds: 4, heartbeatSeconds: 1, schedule: '0 0 1 1 *' },
    );
    const { config, secrets } = loadConfig(configPath);
    const first = await Daemon.open({ config, logger: silentLogger, secrets: [...secrets] });
    daemons.push(first);
    await first.hold();
    expect(first.heldSources()).toEqual(['snow-1', 'snow-2', 'snow-3', 'snow-4']);

    // The second joins with nothing free; at the first daemon's next heartbeat it hands two back.
    const second = await Daemon.open({ config, logger: silentLogger, secrets: [...secrets] });
    daemons.push(second);
    await second.hold();
    await until(() => first.heldSources()?.length === 2 && second.heldSources()?.length === 2, 'two sources each');
    const mine = [first.heldSources() ?? [], second.heldSources() ?? []];
    expect(new Set(mine.flat()).size).toBe(4);

    // deskbridge_source_held: 1 on exactly one daemon per source.
    const held = async (d: Daemon) => Object.fromEntries((await d.metrics.sourceHeld.get()).values.map((v) => [String(v.labels.source), v.value]));
    const [h1, h2] = [await held(first), await held(second)];
    for (const source of ['snow-1', 'snow-2', 'snow-3', 'snow-4']) expect((h1[source] ?? 0) + (h2[source] ?? 0)).toBe(1);

    // Each passes its own sources, not the other's.
    const [a, b] = await Promise.all([first.runOnce(), second.runOnce()]);
    expect(a.ok && b.ok).toBe(true);
    expect(a.results.map((r) => r.sourceId).sort()).toEqual(mine[0]);
    expect(b.results.map((r) => r.sourceId).sort()).toEqual(mine[1]);
    for (const sandbox of sandboxes) expect(writesIn(sandbox)).toBeGreaterThan(0);
    const store = await openPostgresStore(url);
    try {
      expect(await store.outbox.counts()).toMatchObject({ pending: 0, dead: 0 });
      expect((await store.recentPasses({ limit: 10 })).map((p) => p.sourceId).sort()).toEqual(['snow-1', 'snow-2', 'snow-3', 'snow-4']);
    } finally {
      await store.close();
    }

    const status = await e2e.cli(['status', '--config', configPath], { env: { E2E_SN_PASSWORD: 'deskbridge' } });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/shared by 2 live daemon\(s\); each takes up to 2 of the 4 source\(s\)/);
    expect(status.stdout).toContain(`daemon ${first.daemonId?.slice(0, 8)}`);
    expect(status.stdout).toMatch(new RegExp(`holds: ${mine[0]?.join(', ')}`));
    expect(status.stdout).toMatch(new RegExp(`source ${mine[1]?.[0]}: held by daemon ${second.daemonId?.slice(0, 8)} \\(pid ${process.pid} on host`));
    expect(status.stdout).not.toContain(':deskbridge@');

    // A graceful stop hands the sources back: the other daemon has all four by its next heartbeat.
    await first.stop();
    await until(() => second.heldSources()?.length === 4, 'the second daemon to take all four', 5_000);
  });
});
