import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { E2E_RULES, snapshot, writeConfig } from '../helpers/sandbox-env.js';
import { missingData } from '../helpers/data.js';

describe('rules edited under a running daemon', () => {
  const e2e = useE2e();

  it('applies a good edit on the next pass and keeps the last good rules when an edit is broken', async () => {
    process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const rulesDir = e2e.tempDir('deskbridge-rules-');
    const rulesFile = join(rulesDir, 'routing.yaml');
    copyFileSync(join(E2E_RULES, 'routing.yaml'), rulesFile);
    const { daemon, lines } = e2e.daemon(writeConfig(sandbox.url, { rules: rulesDir }));
    await daemon.runOnce();

    // A broken edit: rejected with its position, the old rules keep routing.
    writeFileSync(rulesFile, readFileSync(rulesFile, 'utf8').replace('when: category = "Network"', 'when: category = = "Network"'));
    const first = sandbox.store.insert('incident', { short_description: 'Printer offline', category: 'hardware', state: '1' }, 'beth.anglin', { inputDisplayValue: true });
    const broken = await daemon.runOnce();

    expect(broken.ok).toBe(true);
    expect(lines.some((l) => l.includes('Rejected rules/mappings edit') && /routing\.yaml:\d+:\d+ error bad-jsonata/.test(l))).toBe(true);
    expect(snapshot(sandbox)[first['number'] ?? '']?.group).toBe('Service Desk');

    // A good edit: a new rule in front takes effect on the next pass.
    writeFileSync(
      rulesFile,
      readFileSync(join(E2E_RULES, 'routing.yaml'), 'utf8').replace(
        'rules:\n',
        'rules:\n  - id: hardware-desk\n    kind: routing\n    when: category = "Hardware"\n    assign: { group: Desktop Support }\n',
      ),
    );
    const second = sandbox.store.insert('incident', { short_description: 'Docking station dead', category: 'hardware', state: '1' }, 'beth.anglin', { inputDisplayValue: true });
    await daemon.runOnce();

    expect(snapshot(sandbox)[second['number'] ?? '']?.group).toBe('Desktop Support');
    expect(lines.some((l) => l.includes('Rules and mappings reloaded'))).toBe(true);
    const reloads = await daemon.metrics.reloads.get();
    expect(reloads.values.map((v) => [v.labels['result'], v.value]).sort()).toEqual([
      ['accepted', 1],
      ['rejected', 1],
    ]);
  });

  it('serves Prometheus metrics and a health check', async () => {
    process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const { config, secrets } = e2e.load(writeConfig(sandbox.url));
    const { daemon } = e2e.daemon({ config: { ...config, metrics: { port: 0, host: '127.0.0.1' } }, secrets });
    const url = await daemon.serveMetrics();
    await daemon.runOnce();

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const health = await fetch(`${url}/healthz`);

    expect(metrics).toContain('deskbridge_passes_total{source="sandbox-snow",outcome="ok"} 1');
    expect(metrics).toMatch(/deskbridge_writes_total\{source="sandbox-snow",outcome="sent"\} [1-9]/);
    expect(health.status).toBe(200);
  });
});

describe.skipIf(missingData('eventLog', 'ticketTexts'))('secrets', () => {
  const e2e = useE2e();

  it('never appear in any log line of a whole pass at debug level', async () => {
    const password = 'Xq9-unique-e2e-Pa55word';
    const sandbox = await e2e.serviceNow({ fixtures: true, eventLogIncidents: 50 }, { users: [{ userName: 'svc.deskbridge', password }] });
    process.env['E2E_SN_PASSWORD'] = password;
    try {
      const { daemon, lines } = e2e.daemon(writeConfig(sandbox.url, { username: 'svc.deskbridge', logLevel: 'debug' }));

      const result = await daemon.runOnce();
      await daemon.stop();

      expect(result.ok).toBe(true);
      expect(lines.length).toBeGreaterThan(20);
      const text = lines.join('\n');
      expect(text).not.toContain(password);
      expect(text).not.toContain(Buffer.from(`svc.deskbridge:${password}`).toString('base64'));
    } finally {
      process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    }
  });
});
