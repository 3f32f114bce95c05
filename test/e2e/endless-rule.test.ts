/**
 * An endless rule against the ServiceNow sandbox, through the real CLI in a child process: the
 * pass completes and routes the other tickets, /healthz and /metrics answer during the pass,
 * SIGTERM ends the daemon within a second, and a restart neither hangs nor evaluates again what
 * was processed.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { snapshot, writeConfig } from '../helpers/sandbox-env.js';

const ENV = { E2E_SN_PASSWORD: 'deskbridge' };
const BUDGET_MS = 250;

/** Mutual recursion: endless, and not the self-call `validate` refuses, so it reaches the daemon. */
const RULES = `rules:
  - id: endless
    kind: routing
    when: '($a := function($x){ $b($x) }; $b := function($x){ $a($x) }; $a(1))'
    assign: { group: Nowhere }
  - id: unassigned-to-desk
    kind: routing
    when: $not($exists(group))
    assign: { group: Service Desk }
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function timedGet(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await response.text();
  return { ms: performance.now() - started, status: response.status };
}

/** Asynchronously: the sandbox runs in this process and must keep answering. */
async function runOnce(e2e: E2eHarness, configPath: string): Promise<{ status: number | null; log: string; ms: number }> {
  const started = performance.now();
  const { code, output } = await e2e.cli(['run', '--once', '--config', configPath], { env: ENV });
  return { status: code, log: output, ms: performance.now() - started };
}

function passLine(log: string): Record<string, unknown> {
  const line = log.split('\n').find((l) => l.includes('"Pass complete"'));
  return line ? (JSON.parse(line) as Record<string, unknown>) : {};
}

describe('a rule that never ends', () => {
  const e2e = useE2e();

  it('fails for each ticket within the budget while the daemon stays responsive, stops on SIGTERM and restarts without hanging', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const rulesDir = e2e.tempDir('deskbridge-endless-');
    writeFileSync(join(rulesDir, 'routing.yaml'), RULES);
    const port = await freePort();
    const configPath = writeConfig(sandbox.url, { rules: rulesDir });
    appendFileSync(configPath, `limits: { evaluationMs: ${BUDGET_MS} }\nmetrics: { port: ${port} }\n`);
    const unassigned = Object.entries(snapshot(sandbox))
      .filter(([, s]) => s.group === '')
      .map(([number]) => number);
    expect(unassigned.length).toBeGreaterThan(0);

    // 1. The daemon: health and metrics answer during the pass; SIGTERM ends it within a second.
    await timedGet(`${sandbox.url}/`); // this process's HTTP client loaded and warm, so only the daemon is timed
    const { child, exited, output: log } = e2e.spawnCli(['run', '--config', configPath], { env: ENV });
    const deadline = Date.now() + 30_000;
    while (!log().includes('Rule evaluation failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(log()).toContain('Rule evaluation failed');
    const health = [];
    for (let i = 0; i < 3; i++) health.push(await timedGet(`http://127.0.0.1:${port}/healthz`));
    const metrics = await timedGet(`http://127.0.0.1:${port}/metrics`);
    expect(log()).not.toContain('"Pass complete"');
    for (const h of health) expect(h.ms).toBeLessThan(1000);
    expect(metrics).toMatchObject({ status: 200 });
    expect(metrics.ms).toBeLessThan(1000);
    const signalledAt = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(performance.now() - signalledAt).toBeLessThan(1000);

    // 2. A restart completes the pass: the endless rule fails per ticket (logged with rule and ticket), the others route.
    const first = await runOnce(e2e, configPath);
    expect(first.status).toBe(0);
    const failures = first.log
      .split('\n')
      .filter((l) => l.includes('Rule evaluation failed'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f).toMatchObject({ ruleId: 'endless', ticketKey: expect.stringMatching(/^servicenow:sandbox-snow:/) });
      expect(String(f['reason'])).toMatch(/evaluation stopped: it ran longer than the budget of 250 ms/);
    }
    const after = snapshot(sandbox);
    for (const number of unassigned) expect(after[number]?.group, number).toBe('Service Desk');

    // 3. Processed means processed: another run evaluates nothing again and does not wait on the rule.
    const second = await runOnce(e2e, configPath);
    expect(second.status).toBe(0);
    expect(passLine(second.log)).toMatchObject({ evaluated: 0 });
    expect(second.log).not.toContain('Rule evaluation failed');
  }, 120_000);
});
