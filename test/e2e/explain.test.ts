import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { REPO, startSeededSandbox, writeConfig, writesIn } from '../helpers/sandbox-env.js';

/** Runs the CLI without blocking this process, which serves the sandbox it talks to. */
function explain(args: string[]): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), 'explain', ...args], { env: { ...process.env, E2E_SN_PASSWORD: 'deskbridge' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (status) => resolve({ status, stdout: output }));
  });
}

describe('deskbridge explain', () => {
  let sandbox: ServiceNowSandbox;
  let config: string;
  beforeAll(async () => {
    sandbox = await startSeededSandbox({ fixtures: true });
    config = writeConfig(sandbox.url, { rules: join(REPO, 'rules') });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('explains a live ticket: which rules matched, which clause decided, and what would be done — writing nothing', async () => {
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
    const file = join(mkdtempSync(join(tmpdir(), 'deskbridge-explain-')), 'ticket.json');
    writeFileSync(file, JSON.stringify({ title: 'Core router down', priority: 1, status: 'new', group: 'Service Desk' }));

    const result = await explain(['--file', file, '--config', config]);

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/✓ major-incident\s+matched/);
    expect(result.stdout).toContain('→ assign to Major Incident Team /');
  });

  it('says so when the ticket does not exist', async () => {
    const result = await explain(['--ticket', 'INC9999999', '--config', config]);

    expect(result.status).toBe(1);
    expect(result.stdout).toContain('INC9999999 was not found');
  });
});
