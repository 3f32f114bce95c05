import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { mulberry32 } from '../../src/sandbox/faults.js';
import { useE2e } from '../helpers/e2e.js';
import { snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const INCIDENTS = 400;
const KILLS = 22;

describe('crash soak against a faulty platform', () => {
  const e2e = useE2e();

  it(`ends, after ${KILLS} SIGKILLs at random points under 10% injected faults, exactly where a fault-free uninterrupted run ends`, async () => {
    const reference = await e2e.serviceNow({ eventLogIncidents: INCIDENTS });
    const faulty = await e2e.serviceNow(
      { eventLogIncidents: INCIDENTS },
      {
        faults: {
          rate: 0.1,
          seed: 20261123,
          kinds: ['server-error', 'rate-limit', 'timeout', 'reset', 'slow', 'truncated-json', 'malformed-json'],
          afterApplyShare: 0.5,
          retryAfterSeconds: 1,
          timeoutMs: null,
          slowMs: 200,
        },
      },
    );

    const { daemon } = e2e.daemon(writeConfig(reference.url), { logger: silentLogger });
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    const expected = snapshot(reference);

    const configPath = writeConfig(faulty.url, { requestsPerMinute: 12_000, timeoutMs: 400, breakerCooldownSeconds: 1 });
    // Seeded, so a failing run can be replayed.
    const random = mulberry32(7);
    let kills = 0;
    let runs = 0;
    let succeeded = false;
    while (!succeeded && runs < KILLS + 40) {
      runs++;
      const { child, exited } = e2e.spawnCli(['run', '--once', '--config', configPath]);
      if (kills < KILLS) {
        // Killed after a random number (3–14) of its own API requests: anywhere in a pull, a
        // batch commit or a write, whatever the machine's speed.
        const start = faulty.requestLog.length;
        const budget = 3 + Math.floor(random() * 12);
        let done = false;
        let code: number | null = null;
        void exited.then((c) => {
          done = true;
          code = c;
        });
        while (!done && faulty.requestLog.length - start < budget) await new Promise((r) => setTimeout(r, 2));
        if (!done) {
          child.kill('SIGKILL');
          await exited;
          kills++;
        } else {
          succeeded = code === 0 && kills >= KILLS;
        }
      } else {
        succeeded = (await exited) === 0;
      }
    }

    expect(kills).toBe(KILLS);
    expect(succeeded).toBe(true);
    expect(faulty.faultLog.length).toBeGreaterThan(20);
    expect(faulty.faultLog.some((f) => f.phase === 'after')).toBe(true);
    const actual = snapshot(faulty);
    const duplicated = Object.entries(actual).filter(([, t]) => new Set(t.notes).size !== t.notes.length);
    expect(duplicated).toEqual([]);
    expect(actual).toEqual(expected);
    expect(writesIn(faulty)).toBeGreaterThanOrEqual(writesIn(reference));
  }, 480_000);
});
