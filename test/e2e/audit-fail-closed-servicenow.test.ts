import { appendFileSync, chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { entryHash } from '../../src/audit/chain.js';
import { auditAcknowledgeCommand, auditVerifyCommand } from '../../src/cli/audit.js';
import type { Daemon } from '../../src/daemon/daemon.js';
import { raiseIncident, ServiceNowStore, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

interface Running {
  daemon: Daemon;
  url: string;
  lines: string[];
}

const e2e = useE2e();

/**
 * A sandbox with nobody's incidents yet, and a config whose audit files rotate every entry or two;
 * `raise` adds an incident with no group there: the e2e rules route it to the service desk (an
 * assignment and a note).
 */
async function setup(audit = './audit'): Promise<{ sandbox: ServiceNowSandbox; raise: (title: string) => void; configPath: string; auditDir: string; statePath: string }> {
  const sandbox = await e2e.serviceNowOn({ store: new ServiceNowStore(), users: [{ userName: 'deskbridge', password: 'deskbridge' }] });
  const configPath = writeConfig(sandbox.url);
  appendFileSync(configPath, `metrics: { port: 0 }\naudit: { dir: ${JSON.stringify(audit)}, maxBytes: 1024 }\n`);
  const { config } = e2e.load(configPath);
  const raise = (title: string): void => void raiseIncident(sandbox.store, { title, category: 'software' });
  return { sandbox, raise, configPath, auditDir: config.audit.dir, statePath: config.state.path };
}

async function start(configPath: string): Promise<Running> {
  const { daemon, lines } = e2e.daemon(configPath);
  const url = await daemon.serveMetrics();
  if (!url) throw new Error('metrics not served');
  return { daemon, url, lines };
}

async function stop(r: Running): Promise<void> {
  await r.daemon.stop();
}

/** A CLI command run in-process: its exit code and what it printed. */
async function cli(run: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    return { code: await run(), stdout };
  } finally {
    spy.mockRestore();
  }
}

function actionFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('actions-'))
    .sort((a, b) => partOf(a) - partOf(b))
    .map((f) => join(dir, f));
}

function partOf(name: string): number {
  const match = /\.(\d+)\.jsonl$/.exec(name);
  return match ? Number(match[1]) : 0;
}

function lastLineOf(file: string): { seq: number; hash: string; at: string; data: Record<string, unknown> } {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  return JSON.parse(lines.at(-1) ?? '{}') as { seq: number; hash: string; at: string; data: Record<string, unknown> };
}

const TAMPERING: [string, RegExp, (auditDir: string, statePath: string) => void][] = [
  [
    'the action log cut short',
    /truncated/,
    (dir) => {
      const last = actionFiles(dir).at(-1) ?? '';
      const lines = readFileSync(last, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      // The newest file loses its last entry (or the whole newest file goes when it held one).
      if (lines.length > 1)
        writeFileSync(
          last,
          lines
            .slice(0, -1)
            .map((l) => `${l}\n`)
            .join(''),
        );
      else rmSync(last);
    },
  ],
  [
    'a file in the middle deleted',
    /missing-file/,
    (dir) => {
      const files = actionFiles(dir);
      expect(files.length).toBeGreaterThanOrEqual(3);
      rmSync(files[1] ?? '');
    },
  ],
  [
    'a correctly chained entry forged after the recorded head',
    /beyond-head/,
    (dir) => {
      const last = actionFiles(dir).at(-1) ?? '';
      const prev = lastLineOf(last);
      const forged = { seq: prev.seq + 1, at: prev.at, id: 'forged-write', prev: prev.hash, data: { ...prev.data, actionId: 'forged', outcome: 'created' } };
      appendFileSync(last, `${JSON.stringify({ ...forged, hash: entryHash(forged.prev, forged) })}\n`);
    },
  ],
  [
    'the audit_heads rows deleted',
    /missing-head/,
    (_dir, statePath) => {
      const db = new Database(statePath);
      db.prepare('DELETE FROM audit_heads').run();
      db.close();
    },
  ],
];

describe('a tampered audit trail stops the daemon writing to ServiceNow until an operator acknowledges the break', () => {
  it.each(TAMPERING)(
    '%s: verify fails, the daemon makes zero writes (health 503, metric, exit 1) until acknowledged, then writes again and verify passes listing the break',
    async (_name, kind, tamper) => {
      const { sandbox, raise, configPath, auditDir, statePath } = await setup();
      raise('Printer on floor 2 jams');
      raise('Laptop fan is loud');
      raise('Outlook asks for the password again and again');
      const first = await start(configPath);
      expect((await first.daemon.runOnce()).ok).toBe(true);
      expect(writesIn(sandbox)).toBeGreaterThan(0);
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      await stop(first);
      expect((await cli(() => auditVerifyCommand({ config: configPath }))).code).toBe(0);

      tamper(auditDir, statePath);
      const verifyBroken = await cli(() => auditVerifyCommand({ config: configPath }));
      expect(verifyBroken.code).toBe(1);
      expect(verifyBroken.stdout).toMatch(new RegExp(`actions: FAILED \\(${kind.source}\\)`));

      // A new ticket needs a write; the daemon must not make it while the trail is broken.
      raise('VPN drops every ten minutes');
      const writesBefore = writesIn(sandbox);
      const blocked = await start(configPath);
      const pass = await blocked.daemon.runOnce();
      expect(pass.ok).toBe(false);
      expect(pass.results[0]?.pendingWrites).toBeGreaterThan(0);
      expect(writesIn(sandbox)).toBe(writesBefore);
      const health = await fetch(`${blocked.url}/healthz`);
      expect(health.status).toBe(503);
      const body = (await health.json()) as { ok: boolean; detail: Record<string, string> };
      expect(body.detail['audit']).toMatch(kind);
      expect(await (await fetch(`${blocked.url}/metrics`)).text()).toContain('deskbridge_audit_broken{log="actions",mode="live"} 1');
      const error = blocked.lines.map((l) => JSON.parse(l) as { level: string; message: string; problem?: string }).find((l) => l.message.startsWith('Audit trail broken'));
      expect(error?.level).toBe('error');
      expect(error?.problem).toMatch(kind);
      // Passes go on being refused, and the recorded head is not moved to hide the break.
      expect((await blocked.daemon.runOnce()).ok).toBe(false);
      expect(writesIn(sandbox)).toBe(writesBefore);
      await stop(blocked);
      expect((await cli(() => auditVerifyCommand({ config: configPath }))).code).toBe(1);

      const ack = await cli(() => auditAcknowledgeCommand({ config: configPath, log: 'actions', reason: 'e2e: tampering staged on purpose', by: 'qa-auditor' }));
      expect(ack.stdout).toContain('break acknowledged by qa-auditor');
      expect(ack.code).toBe(0);

      const resumed = await start(configPath);
      expect((await resumed.daemon.runOnce()).ok).toBe(true);
      expect(writesIn(sandbox)).toBeGreaterThan(writesBefore);
      expect((await fetch(`${resumed.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${resumed.url}/metrics`)).text()).toContain('deskbridge_audit_broken{log="actions",mode="live"} 0');
      await stop(resumed);

      const verified = await cli(() => auditVerifyCommand({ config: configPath }));
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/actions: OK with 1 acknowledged break/);
      expect(verified.stdout).toMatch(new RegExp(`ACKNOWLEDGED break: ${kind.source}`));
      expect(verified.stdout).toContain('acknowledged by qa-auditor');
      expect(verified.stdout).toContain('qa: OK');
    },
  );
});

describe('an audit directory deskbridge cannot write', () => {
  it('is reported at start in one line naming the path, makes the daemon unhealthy and blocks every write', async () => {
    // Missing and uncreatable: its parent is a file (also what a read-only mount looks like to mkdir).
    const { sandbox, raise, configPath } = await setup('./not-a-dir/audit');
    writeFileSync(join(dirname(configPath), 'not-a-dir'), 'a file, not a folder\n');
    raise('Monitor flickers');

    const r = await start(configPath);
    const startLine = r.lines.map((l) => JSON.parse(l) as { level: string; message: string }).find((l) => l.message.startsWith('Audit directory not writable'));
    // (The path's "deskbridge" is redacted in these logs: it is also the sandbox password.)
    expect(startLine).toMatchObject({ level: 'error', message: expect.stringMatching(/^Audit directory not writable: \/.*\/not-a-dir\/audit;/) });
    expect((await r.daemon.runOnce()).ok).toBe(false);
    expect(writesIn(sandbox)).toBe(0);
    const health = await fetch(`${r.url}/healthz`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { detail: Record<string, string> }).detail['audit']).toMatch(/not writable \(ENOTDIR\)/);

    // Fixed while running: the next pass writes, and the records kept in the state file are logged.
    rmSync(join(dirname(configPath), 'not-a-dir'));
    mkdirSync(join(dirname(configPath), 'not-a-dir'));
    expect((await r.daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBeGreaterThan(0);
    expect((await fetch(`${r.url}/healthz`)).status).toBe(200);
    await stop(r);
    expect((await cli(() => auditVerifyCommand({ config: configPath }))).code).toBe(0);
  });

  it.skipIf(process.getuid?.() === 0)('EACCES (a directory owned by another user) blocks writes too', async () => {
    const { sandbox, raise, configPath, auditDir } = await setup();
    mkdirSync(auditDir, { recursive: true });
    chmodSync(auditDir, 0o500);
    raise('Keyboard missing keys');
    try {
      const r = await start(configPath);
      expect((await r.daemon.runOnce()).ok).toBe(false);
      expect(writesIn(sandbox)).toBe(0);
      expect((await fetch(`${r.url}/healthz`)).status).toBe(503);
    } finally {
      chmodSync(auditDir, 0o700);
    }
  });
});
