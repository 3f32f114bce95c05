import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { inProcess } from '../helpers/cli-in-process.js';
import { explainCommand } from '../../src/cli/explain.js';

type ExplainOptions = Parameters<typeof explainCommand>[0];

describe('deskbridge explain', () => {
  const e2e = useE2e();

  /** A seeded sandbox and a config with the shipped rules on it. */
  async function desk(): Promise<{ sandbox: ServiceNowSandbox; config: string }> {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    return { sandbox, config: writeConfig(sandbox.url, { rules: join(REPO, 'rules') }) };
  }

  /** `deskbridge explain`: its exit code and everything it printed (stdout and stderr). */
  async function explain(args: string[]): Promise<{ status: number | null; stdout: string }> {
    const { code, output } = await e2e.cli(['explain', ...args], { env: { E2E_SN_PASSWORD: 'deskbridge' } });
    return { status: code, stdout: output };
  }

  /** The same command run in this process (a CLI start saved); the first test keeps the real spawn. */
  async function explainInProcess(opts: ExplainOptions): Promise<{ status: number | null; stdout: string }> {
    process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    const { code, output } = await inProcess((out) => explainCommand(opts, out));
    return { status: code, stdout: output };
  }

  it('explains a live ticket: which rules matched, which clause decided, and what would be done — writing nothing', async () => {
    const { sandbox, config } = await desk();
    const result = await explain(['--ticket', 'INC0010002', '--config', config]);

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('INC0010002  "VPN keeps disconnecting');
    expect(result.stdout).toMatch(/✗ major-incident\s+no-match/);
    expect(result.stdout).toMatch(/false {2}priority = 1 {3}\(= false\)/);
    expect(result.stdout).toMatch(/✓ network\s+matched/);
    expect(result.stdout).toContain('→ assign to Network Operations / Network Engineer 1');
    expect(result.stdout).toMatch(/· triage-unassigned\s+not-reached/);
    expect(writesIn(sandbox)).toBe(0);
  });

  it('explains a ticket described in a JSON file with canonical fields', async () => {
    const { config } = await desk();
    const file = join(e2e.tempDir('deskbridge-explain-'), 'ticket.json');
    writeFileSync(file, JSON.stringify({ title: 'Core router down', priority: 1, status: 'new', group: 'Service Desk' }));

    const result = await explainInProcess({ file, config });

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/✓ major-incident\s+matched/);
    expect(result.stdout).toContain('→ assign to Major Incident Team /');
  });

  it('says so when the ticket does not exist', async () => {
    const { config } = await desk();
    const result = await explainInProcess({ ticket: 'INC9999999', config });

    expect(result.status).toBe(1);
    expect(result.stdout).toContain('INC9999999 was not found');
  });
});
