import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { REPO, startSeededSandbox, writeConfig } from '../helpers/sandbox-env.js';

/** `deskbridge run` whose only source has its credentials refused: it must not idle unseen. */
describe('run with every source stopped', () => {
  const sandboxes: ServiceNowSandbox[] = [];
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await s.close();
  });

  it("exits 1 with the reason instead of idling when the platform refuses the only source's credentials", async () => {
    const refused = await startSeededSandbox({ fixtures: true }, { users: [{ userName: 'someone-else', password: 'x-123456' }] });
    sandboxes.push(refused);
    const configPath = writeConfig(refused.url, { schedule: '0 0 1 1 *' });

    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [join(REPO, 'bin', 'deskbridge.js'), 'run', '--config', configPath],
        {
          env: { ...process.env, E2E_SN_PASSWORD: 'deskbridge' },
          timeout: 20_000,
        },
        (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? -1 : 0), stdout, stderr }),
      );
    });

    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('Source stopped');
    expect(output).toContain('Every source has stopped');
  }, 30_000);
});
