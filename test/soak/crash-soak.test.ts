import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/observability/logger.js';
import { mulberry32 } from '../../src/sandbox/faults.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { REPO, snapshot, startSeededSandbox, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const INCIDENTS = 400;
const KILLS = 22;

describe('crash soak against a faulty platform', () => {
  const sandboxes: ServiceNowSandbox[] = [];
  afterAll(async () => {
    for (const s of sandboxes) await s.close();
  });

  it(`ends, after ${KILLS} SIGKILLs at random points under 10% injected faults, exactly where a fault-free uninterrupted run ends`, async () => {
    const reference = await startSeededSandbox({ eventLogIncidents: INCIDENTS });
    const faulty = await startSeededSandbox(
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
    sandboxes.push(reference, faulty);

    const { config } = loadConfig(writeConfig(reference.url));
    const daemon = new Daemon({ config, logger: silentLogger });
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
      const child = spawn(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), 'run', '--once', '--config', configPath], { env: process.env, stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
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
