import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * What used to end `deskbridge` with a stack trace now ends with one line naming the path or
 * port and what to do, and a non-zero exit — through the real CLI process.
 */

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'bin', 'deskbridge.js');
const STACK_FRAME = /\n\s+at .+:\d+:\d+\)?/;

const config = (extra: { statePath?: string; metricsPort?: number; consolePort?: number; schedule?: string } = {}): string => `state:
  path: ${extra.statePath ?? './state/deskbridge.db'}
rules: ./rules
mappings: ${JSON.stringify(path.join(REPO, 'mappings'))}
${extra.metricsPort === undefined ? '' : `metrics:\n  port: ${extra.metricsPort}\n`}${extra.consolePort === undefined ? '' : `console:\n  port: ${extra.consolePort}\n`}sources:
  - id: sn
    platform: servicenow
    baseUrl: http://127.0.0.1:9
    schedule: "${extra.schedule ?? '0 0 1 1 *'}"
    auth:
      type: basic
      username: deskbridge
      password: \${FATAL_TEST_PASSWORD}
`;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function workspace(configText: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskbridge-fatal-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'rules'));
  fs.writeFileSync(path.join(dir, 'rules', 'routing.yaml'), 'rules:\n  - id: r\n    kind: routing\n    when: category = "network"\n    assign:\n      group: Network\n');
  fs.writeFileSync(path.join(dir, 'deskbridge.yaml'), configText);
  return dir;
}

function cli(args: string[], cwd: string, timeoutMs = 60_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, FATAL_TEST_PASSWORD: 'fatal-test-secret-value' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

// Each case starts the CLI (tsx compiles on start); generous limits for a loaded CI machine.
describe('fatal errors are one line naming the path or port', { timeout: 90_000 }, () => {
  it('a state folder that cannot be created (a file is in the way): names the path and state.path, exit 2', async () => {
    const dir = workspace(config({ statePath: './blocker/deskbridge.db' }));
    fs.writeFileSync(path.join(dir, 'blocker'), 'not a folder');

    const result = await cli(['run', '--once', '--config', 'deskbridge.yaml'], dir);

    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^deskbridge run: cannot create the folder .*blocker: .*\(state\.path in deskbridge\.yaml\)/);
    expect(result.stderr).not.toContain('fatal-test-secret-value');
  });

  it('a PostgreSQL state that does not answer: names the state without its password and what to check, for run and status alike', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dir = workspace(config().replace('state:\n  path: ./state/deskbridge.db', `state:\n  url: "postgres://deskbridge:\${FATAL_TEST_PASSWORD}@127.0.0.1:${port}/deskbridge"`));

    const run = await cli(['run', '--once', '--config', 'deskbridge.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^deskbridge: cannot open the state postgres://deskbridge:\\*\\*\\*@127\\.0\\.0\\.1:${port}/deskbridge: connect ECONNREFUSED .*; check state\\.url`));
    const status = await cli(['status', '--config', 'deskbridge.yaml'], dir);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^deskbridge status: cannot open the state postgres:\/\/deskbridge:\*\*\*@/);
    for (const out of [run.stderr, status.stderr]) {
      expect(out).not.toMatch(STACK_FRAME);
      expect(out).not.toContain('fatal-test-secret-value');
    }
  });

  it('a metrics port already in use: names the port and metrics.port, exit 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const dir = workspace(config({ metricsPort: port }));

      const result = await cli(['run', '--config', 'deskbridge.yaml'], dir);

      expect(result.code).toBe(2);
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.stderr).toContain(`deskbridge run: metrics port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('set metrics.port in deskbridge.yaml to a free port');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a console port already in use: names the port and console.port, exit 2', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const dir = workspace(config({ consolePort: port }));

      const result = await cli(['run', '--config', 'deskbridge.yaml'], dir);

      expect(result.code).toBe(2);
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.stderr).toContain(`deskbridge run: console port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain('set console.port in deskbridge.yaml to a free port');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a bad cron schedule at start is refused with its position before anything starts, exit 2', async () => {
    const dir = workspace(config({ schedule: '61 * * * *' }));

    const result = await cli(['run', '--config', 'deskbridge.yaml'], dir);

    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr).toMatch(/deskbridge\.yaml:9:16 error bad-schedule: Invalid cron schedule: 61 is a invalid expression for minute/);
    expect(fs.existsSync(path.join(dir, 'state'))).toBe(false);
  });

  it('a billion-laughs config: validate and run --once both give the diagnostic, no stack', async () => {
    const dir = workspace('a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nsources: *d\n');

    const [validate, run] = await Promise.all([cli(['validate', 'deskbridge.yaml'], dir), cli(['run', '--once', '--config', 'deskbridge.yaml'], dir)]);

    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain('deskbridge.yaml:2:8 error yaml-limit');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('deskbridge.yaml:2:8 error yaml-limit');
    expect(validate.stdout + validate.stderr + run.stderr).not.toMatch(STACK_FRAME);
  });
});
