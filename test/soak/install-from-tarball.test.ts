import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedFixtures, ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { REPO, snapshot, writesIn } from '../helpers/sandbox-env.js';

/**
 * What an admin does with a release: `npm pack`, `npm install -g` of the tarball, then from an
 * empty folder of their own `deskbridge init`, `validate`, `test` and a dry run against a
 * ServiceNow instance (the sandbox, in this process). Slow — npm pack compiles dist/ with tsc and
 * the install builds better-sqlite3 when no prebuilt binary can be downloaded — so it is a soak test.
 */

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command without blocking this process's event loop: the sandbox answers the CLI from it. */
function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout, stderr, ms: Date.now() - started }));
  });
}

function expectOk(result: Run, what: string): void {
  expect(result.status, `${what} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

// The clone's top-level entries that never go into a package (and would only slow the copy).
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', '.deskbridge', 'coverage', 'scratch', 'audit', 'test', 'bench']);

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'deskbridge-install-'));
const timings: string[] = [];

afterAll(() => {
  if (timings.length > 0) process.stdout.write(`install-from-tarball timings: ${timings.join(', ')}\n`);
  rmSync(work, { recursive: true, force: true });
});

describe('a global install from the packed tarball, used from an empty folder', () => {
  let sandbox: ServiceNowSandbox | undefined;
  afterAll(async () => {
    await sandbox?.close();
  });

  it('packs, installs, then init + validate + test + a dry run that plans writes and writes nothing', async () => {
    // Packed from a copy, so the dist/ that prepack builds never appears in this clone while other
    // tests run bin/deskbridge.js here (it prefers dist/).
    const copy = join(work, 'clone');
    cpSync(REPO, copy, { recursive: true, filter: (from) => !NOT_COPIED.has(relative(REPO, from).split(sep)[0] ?? '') });
    symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const pack = await run(NPM, ['pack', '--pack-destination', packs, '--json'], { cwd: copy });
    expectOk(pack, 'npm pack');
    timings.push(`npm pack ${pack.ms} ms`);
    const [tarball] = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const packed = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path) ?? [];
    expect(packed).toEqual(expect.arrayContaining(['bin/deskbridge.js', 'dist/cli/main.js', 'mappings/servicenow.inbound.jsonata', 'rules/routing.yaml', 'deploy/deskbridge.service', 'package.json']));
    expect(packed.filter((path) => path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);
    expect(readdirSync(copy)).not.toContain('dist'); // postpack cleaned up

    // --prefer-offline: the npm cache answers what it holds; --allow-scripts: npm 11 asks which
    // dependencies may run install scripts in a global install (better-sqlite3 fetches or builds its binary).
    const prefix = join(work, 'prefix');
    const install = await run(NPM, ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--allow-scripts=better-sqlite3', join(packs, tarball ?? '')], {
      cwd: work,
    });
    expectOk(install, 'npm install -g');
    timings.push(`npm install -g ${install.ms} ms`);
    const installed = join(prefix, 'lib', 'node_modules', 'deskbridge');
    expect(readdirSync(join(installed, 'node_modules'))).not.toContain('tsx');
    const deskbridge = join(prefix, 'bin', 'deskbridge');

    const store = new ServiceNowStore();
    seedFixtures(store);
    sandbox = await startServiceNowSandbox({ store });
    const before = snapshot(sandbox);
    const env = { ...process.env, SN_URL: sandbox.url, SN_USER: 'deskbridge', SN_PASSWORD: 'deskbridge', PATH: `${join(prefix, 'bin')}:${process.env['PATH'] ?? ''}` };
    const folder = join(work, 'my-desk');
    mkdirSync(folder);

    const version = await run(deskbridge, ['--version'], { cwd: folder, env });
    expectOk(version, 'deskbridge --version');
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version);

    const init = await run(deskbridge, ['init', '--platform', 'servicenow'], { cwd: folder, env });
    expectOk(init, 'deskbridge init');
    expect(readdirSync(folder).sort()).toEqual(['deskbridge.yaml', 'rules']);
    expect(init.stdout).toContain('deskbridge validate');

    const validate = await run(deskbridge, ['validate'], { cwd: folder, env });
    expectOk(validate, 'deskbridge validate');
    expect(validate.stdout).toContain('no problems found');

    const tests = await run(deskbridge, ['test', 'rules/'], { cwd: folder, env });
    expectOk(tests, 'deskbridge test');
    expect(tests.stdout).toMatch(/4 tests, 4 passed, 0 failed/);

    // The fixtures were opened up to a week ago; a first pass acts only on what changes after it
    // unless told where to start, as the printed next steps say.
    const dryRun = await run(deskbridge, ['run', '--once', '--from', '8d'], { cwd: folder, env });
    expectOk(dryRun, 'deskbridge run --once');
    timings.push(`dry run ${dryRun.ms} ms`);
    const output = `${dryRun.stdout}\n${dryRun.stderr}`;
    const planned = output.split('\n').filter((line) => line.includes('DRY-RUN'));
    expect(planned.length, output).toBeGreaterThan(0);
    expect(output).toMatch(/Network Operations|Service Desk/);
    expect(writesIn(sandbox)).toBe(0);
    expect(snapshot(sandbox)).toEqual(before);
    // State and audit logs in the user's folder, none in the installed package.
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(['deskbridge.dry-run.db', 'audit']));
    expect(readdirSync(installed)).not.toContain('audit');
    // Measured twice on two loaded cores: pack 133-139 s (tsc), install 293-351 s (better-sqlite3
    // built from source: no prebuilt binary download), the rest about 25 s.
  }, 1_200_000);
});
