import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { REPO, snapshot, startSeededSandbox, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const INCIDENTS = 300;
// Paced so a pass takes a few seconds and the kills land in the middle of it.
const REQUESTS_PER_MINUTE = 9000;

function startDaemonProcess(configPath: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), 'run', '--once', '--config', configPath], {
    env: { ...process.env, E2E_SN_PASSWORD: 'deskbridge' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

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
  const sandboxes: ServiceNowSandbox[] = [];
  afterAll(async () => {
    for (const s of sandboxes) await s.close();
  });

  it('a daemon killed with SIGKILL mid-pass and restarted ends with the same platform state as an uninterrupted run', async () => {
    const reference = await startSeededSandbox({ eventLogIncidents: INCIDENTS });
    const crashed = await startSeededSandbox({ eventLogIncidents: INCIDENTS });
    sandboxes.push(reference, crashed);
    expect(snapshot(crashed)).toEqual(snapshot(reference));

    const { config } = loadConfig(writeConfig(reference.url, { requestsPerMinute: REQUESTS_PER_MINUTE }));
    const daemon = new Daemon({ config, logger: silentLogger });
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
