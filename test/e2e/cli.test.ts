import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';

const e2e = useE2e();

/** The CLI run from the repository (relative fixture paths), to its end. */
async function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const result = await e2e.cli(args);
  return { status: result.code, stdout: result.stdout, stderr: result.stderr };
}

describe('deskbridge validate (CLI)', () => {
  it('exits 1 and prints file:line:col for every error of a broken config and a broken rules file at once', async () => {
    const result = await cli(['validate', 'test/fixtures/config/three-errors.yaml', 'test/fixtures/rules/broken-three-errors.yaml']);

    expect(result.status).toBe(1);
    const errors = result.stdout.split('\n').filter((l) => / error /.test(l));
    expect(errors.map((l) => l.replace(/ error ([a-z-]+):.*/, ' $1'))).toEqual([
      'test/fixtures/config/three-errors.yaml:2:1 unknown-field',
      'test/fixtures/config/three-errors.yaml:8:15 bad-type',
      'test/fixtures/config/three-errors.yaml:12:17 env-missing',
      'test/fixtures/rules/broken-three-errors.yaml:5:22 bad-jsonata',
      'test/fixtures/rules/broken-three-errors.yaml:7:17 unknown-source',
      'test/fixtures/rules/broken-three-errors.yaml:10:5 unknown-field',
    ]);
  });

  it('exits 0 for the shipped example rules and mappings', async () => {
    const result = await cli(['validate', 'rules', 'mappings']);

    expect(result.stdout).toContain('no problems found');
    expect(result.status).toBe(0);
  });

  it('refuses to run with a broken config and says where the problem is', async () => {
    const result = await cli(['run', '--once', '--config', 'test/fixtures/config/unknown-key.yaml']);

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown-key\.yaml:\d+:\d+ error unknown-field/);
  });
});

describe.skipIf(missingData('eventLog', 'ticketTexts'))('deskbridge run (CLI)', () => {
  it('runs on its schedule until SIGTERM, then finishes in-flight writes and exits 0', async () => {
    const sandbox = await e2e.serviceNow({ eventLogIncidents: 300 });
    // Every second, paced so the first pass is still writing when the signal arrives.
    const configPath = writeConfig(sandbox.url, { schedule: '* * * * * *', requestsPerMinute: 6000 });
    const { child, exited, stderr } = e2e.spawnCli(['run', '--config', configPath], { env: { E2E_SN_PASSWORD: 'deskbridge' } });

    while (writesIn(sandbox) < 20) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    const code = await exited;

    expect(code).toBe(0);
    expect(stderr()).toContain('Stopping: finishing in-flight writes');
    // Nothing half-done: every write the daemon started was confirmed and recorded.
    const store = e2e.store(join(dirname(configPath), 'state.db'));
    const entries = await store.outbox.list({ limit: 10_000 });
    const started = entries.filter((e) => e.attempts > 0);
    expect(started.every((e) => e.status === 'done')).toBe(true);
    const notes = Object.values(snapshot(sandbox)).reduce((n, s) => n + s.notes.length, 0);
    expect(notes).toBe(entries.filter((e) => e.planned.action.type === 'comment' && e.status === 'done').length);
  }, 60_000);
});
