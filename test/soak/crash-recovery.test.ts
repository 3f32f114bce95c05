import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { useE2e } from '../helpers/e2e.js';
import { snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const INCIDENTS = 300;
// Paced so a pass takes a few seconds and the kills land in the middle of it.
const REQUESTS_PER_MINUTE = 9000;

async function waitFor(condition: () => boolean, exited: Promise<unknown>): Promise<boolean> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

describe.skipIf(missingData('eventLog', 'ticketTexts'))('crash recovery', () => {
  const e2e = useE2e();
  const startDaemonProcess = (configPath: string) => e2e.spawnCli(['run', '--once', '--config', configPath], { env: { E2E_SN_PASSWORD: 'deskbridge' } });

  it('a daemon killed with SIGKILL mid-pass and restarted ends with the same platform state as an uninterrupted run', async () => {
    const reference = await e2e.serviceNow({ eventLogIncidents: INCIDENTS });
    const crashed = await e2e.serviceNow({ eventLogIncidents: INCIDENTS });
    expect(snapshot(crashed)).toEqual(snapshot(reference));

    const { daemon } = e2e.daemon(writeConfig(reference.url, { requestsPerMinute: REQUESTS_PER_MINUTE }), { logger: silentLogger });
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    const expected = snapshot(reference);
    const totalWrites = writesIn(reference);
    expect(totalWrites).toBeGreaterThan(60);

    const configPath = writeConfig(crashed.url, { requestsPerMinute: REQUESTS_PER_MINUTE });
    const killedAt: number[] = [];
    for (const fraction of [0.15, 0.45, 0.75]) {
      const { child, exited } = startDaemonProcess(configPath);
      const target = Math.floor(totalWrites * fraction);
      if (await waitFor(() => writesIn(crashed) >= target, exited)) {
        child.kill('SIGKILL');
        killedAt.push(writesIn(crashed));
      }
      await exited;
    }
    const last = startDaemonProcess(configPath);
    expect(await last.exited).toBe(0);

    expect(killedAt.length).toBe(3);
    expect(killedAt.every((n) => n < totalWrites)).toBe(true);
    expect(snapshot(crashed)).toEqual(expected);
  }, 120_000);
});
