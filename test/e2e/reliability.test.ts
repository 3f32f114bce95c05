import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { DaemonConfig } from '../../src/config/schema.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { captureLogger } from '../helpers/log-capture.js';
import { MAPPINGS, REPO, snapshot, startSeededSandbox, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

describe('reliability', () => {
  const sandboxes: ServiceNowSandbox[] = [];
  let daemon: Daemon | undefined;
  afterEach(async () => {
    await daemon?.stop().catch(() => undefined);
    daemon = undefined;
    for (const s of sandboxes.splice(0)) await s.close();
  });

  it('quarantines a record the mapping cannot handle, keeps going, and maps it after the fix and a retry', async () => {
    const sandbox = await startSeededSandbox({ fixtures: true });
    sandboxes.push(sandbox);
    const bad = sandbox.store.insert('incident', { short_description: 'BOOM: legacy import', category: 'network', state: '1' }, 'importer', { inputDisplayValue: true });
    const mappings = mkdtempSync(join(tmpdir(), 'deskbridge-mappings-'));
    cpSync(MAPPINGS, mappings, { recursive: true });
    const inbound = join(mappings, 'servicenow.inbound.jsonata');
    const good = readFileSync(inbound, 'utf8');
    writeFileSync(inbound, `$contains($string(short_description.display_value), "BOOM") ? $error("cannot map legacy imports") : ${good.replace(/^\/\*[\s\S]*?\*\/\s*/, '')}`);
    const configPath = writeConfig(sandbox.url);
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(JSON.stringify(MAPPINGS), JSON.stringify(mappings)));
    const { config, secrets } = loadConfig(configPath);
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    const first = await daemon.runOnce();

    expect(first.ok).toBe(true);
    expect(first.results[0]?.quarantined).toBe(1);
    expect(first.results[0]?.planned).toBeGreaterThan(0);
    expect(snapshot(sandbox)[bad['number'] ?? '']?.notes).toEqual([]);

    writeFileSync(inbound, good);
    const retry = spawnSync(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), 'quarantine', 'retry', '--all', '--config', configPath], { encoding: 'utf8', env: process.env });
    expect(retry.stdout).toContain('1 quarantined record(s) will be read again');
    await daemon.runOnce();

    expect(snapshot(sandbox)[bad['number'] ?? '']).toMatchObject({ group: 'Network Operations', notes: [expect.stringContaining('network-to-netops')] });
    expect(await daemon.store.quarantineList({ status: 'open' })).toEqual([]);
  });

  it('stops a source whose credentials are refused while the other source keeps working', async () => {
    const good = await startSeededSandbox({ fixtures: true });
    const refused = await startSeededSandbox({ fixtures: true }, { users: [{ userName: 'someone-else', password: 'x-123456' }] });
    sandboxes.push(good, refused);
    const base = loadConfig(writeConfig(good.url)).config;
    const goodSource = base.sources[0];
    if (goodSource?.platform !== 'servicenow') throw new Error('expected a ServiceNow source');
    const config = DaemonConfig.parse({ ...base, sources: [goodSource, { ...goodSource, id: 'refusing-snow', baseUrl: refused.url }] });
    const { logger, lines } = captureLogger(['deskbridge']);
    daemon = new Daemon({ config, logger });

    const result = await daemon.runOnce();

    expect(result.ok).toBe(false);
    expect(result.results.map((r) => r.sourceId)).toEqual(['sandbox-snow']);
    expect(writesIn(good)).toBeGreaterThan(0);
    expect(writesIn(refused)).toBe(0);
    const stopped = lines.find((l) => l.includes('Source stopped'));
    expect(stopped).toContain('refusing-snow');
    expect(stopped).toMatch(/check|password|credentials/i);
  });

  it('never lets its own writes trigger its rules again, even with rules that would ping-pong', async () => {
    const sandbox = await startSeededSandbox({ fixtures: true });
    sandboxes.push(sandbox);
    const { config, secrets } = loadConfig(writeConfig(sandbox.url, { rules: join(REPO, 'test', 'fixtures', 'e2e', 'rules-pingpong') }));
    daemon = new Daemon({ config, logger: captureLogger(secrets).logger });

    await daemon.runOnce();
    const afterFirst = snapshot(sandbox);
    const writesPerPass: number[] = [];
    for (let pass = 0; pass < 10; pass++) {
      sandbox.resetRequestLog();
      await daemon.runOnce();
      writesPerPass.push(writesIn(sandbox));
    }

    expect(Object.values(afterFirst).filter((t) => t.notes.length > 0).length).toBeGreaterThan(0);
    expect(writesPerPass).toEqual(Array(10).fill(0));
    expect(snapshot(sandbox)).toEqual(afterFirst);
  });
});
