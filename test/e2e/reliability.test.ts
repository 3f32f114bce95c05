import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonConfig } from '../../src/config/schema.js';
import { useE2e } from '../helpers/e2e.js';
import { MAPPINGS, REPO, snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

describe('reliability', () => {
  const e2e = useE2e();

  it('quarantines a record the mapping cannot handle, keeps going, and maps it after the fix and a retry', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const bad = sandbox.store.insert('incident', { short_description: 'BOOM: legacy import', category: 'network', state: '1' }, 'importer', { inputDisplayValue: true });
    const mappings = e2e.tempDir('deskbridge-mappings-');
    cpSync(MAPPINGS, mappings, { recursive: true });
    const inbound = join(mappings, 'servicenow.inbound.jsonata');
    const good = readFileSync(inbound, 'utf8');
    writeFileSync(inbound, `$contains($string(short_description.display_value), "BOOM") ? $error("cannot map legacy imports") : ${good.replace(/^\/\*[\s\S]*?\*\/\s*/, '')}`);
    const configPath = writeConfig(sandbox.url);
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace(JSON.stringify(MAPPINGS), JSON.stringify(mappings)));
    const { daemon } = e2e.daemon(configPath);

    const first = await daemon.runOnce();

    expect(first.ok).toBe(true);
    expect(first.results[0]?.quarantined).toBe(1);
    expect(first.results[0]?.planned).toBeGreaterThan(0);
    expect(snapshot(sandbox)[bad['number'] ?? '']?.notes).toEqual([]);

    writeFileSync(inbound, good);
    const retry = await e2e.cli(['quarantine', 'retry', '--all', '--config', configPath]);
    expect(retry.stdout).toContain('1 quarantined record(s) will be read again');
    await daemon.runOnce();

    expect(snapshot(sandbox)[bad['number'] ?? '']).toMatchObject({ group: 'Network Operations', notes: [expect.stringContaining('network-to-netops')] });
    expect(await daemon.store.quarantineList({ status: 'open' })).toEqual([]);
  });

  it('stops a source whose credentials are refused while the other source keeps working', async () => {
    const good = await e2e.serviceNow({ fixtures: true });
    const refused = await e2e.serviceNow({ fixtures: true }, { users: [{ userName: 'someone-else', password: 'x-123456' }] });
    const base = e2e.load(writeConfig(good.url)).config;
    const goodSource = base.sources[0];
    if (goodSource?.platform !== 'servicenow') throw new Error('expected a ServiceNow source');
    const config = DaemonConfig.parse({ ...base, sources: [goodSource, { ...goodSource, id: 'refusing-snow', baseUrl: refused.url }] });
    const { daemon, lines } = e2e.daemon({ config, secrets: ['deskbridge'] });

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
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: join(REPO, 'test', 'fixtures', 'e2e', 'rules-pingpong') }));

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
