import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { writeConfig } from '../helpers/sandbox-env.js';

/** `deskbridge run` whose only source has its credentials refused: it must not idle unseen. */
describe('run with every source stopped', () => {
  const e2e = useE2e();

  it("exits 1 with the reason instead of idling when the platform refuses the only source's credentials", async () => {
    const refused = await e2e.serviceNow({ fixtures: true }, { users: [{ userName: 'someone-else', password: 'x-123456' }] });
    const configPath = writeConfig(refused.url, { schedule: '0 0 1 1 *' });

    const result = await e2e.cli(['run', '--config', configPath], { env: { E2E_SN_PASSWORD: 'deskbridge' }, timeoutMs: 20_000 });

    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('Source stopped');
    expect(output).toContain('Every source has stopped');
  }, 30_000);
});
