import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReportCommand } from '../../src/cli/report.js';
import type { HelpdeskFigures } from '../../src/report/figures.js';
import { missingData } from '../helpers/data.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, snapshot, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

/** The sandbox's history is from 2016: keep every version of it (keepVersionsDays 0) to report on it whole. */
function keepingAllVersions(configPath: string): string {
  const text = readFileSync(configPath, 'utf8');
  if (!text.includes('state: { path: ./state.db }')) throw new Error(`writeConfig no longer writes the state line this test extends: ${configPath}`);
  writeFileSync(configPath, text.replace('state: { path: ./state.db }', 'state: { path: ./state.db, keepVersionsDays: 0 }'));
  return configPath;
}

describe('deskbridge report from what the daemon pulled (ServiceNow sandbox, real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it.skipIf(missingData('eventLog', 'ticketTexts'))('keeps every pulled version in the state and reports on them, with the tickets deskbridge routed against the rest', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true, eventLogIncidents: 200 });
    const before = snapshot(sandbox);
    const configPath = keepingAllVersions(writeConfig(sandbox.url));
    const { daemon } = e2e.daemon(configPath);
    expect((await daemon.runOnce()).ok).toBe(true);
    // The second pass pulls deskbridge's own writes back: new versions of the routed tickets.
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    const after = snapshot(sandbox);
    const routed = Object.keys(after).filter((n) => after[n]?.group !== before[n]?.group || after[n]?.assignee !== before[n]?.assignee);
    const open = sandbox.store.list('incident').filter((r) => !['6', '7', '8'].includes(r['state'] ?? '')).length;

    const out = join(e2e.tempDir(), 'report.json');
    const lines: string[] = [];
    const code = await runReportCommand({ config: configPath, mappings: 'mappings', by: 'month', format: 'json', top: 10, out }, (line) => lines.push(line));
    const f = JSON.parse(readFileSync(out, 'utf8')) as HelpdeskFigures & { source: { state: string } };

    expect(code, lines.join('\n')).toBe(0);
    expect(f.tickets).toBe(Object.keys(after).length);
    expect(f.source.state).toMatch(new RegExp(`${routed.length} routed by deskbridge`));
    expect(routed.length).toBeGreaterThan(20);
    // Open now = open at the report's end (it ends just after the last update pulled).
    expect(f.backlog.atEnd.total).toBe(open);
    expect(f.effect).toBeDefined();
    expect((f.effect?.routed.resolved ?? 0) + (f.effect?.notRouted.resolved ?? 0)).toBe(f.overall.resolved);
    const text: string[] = [];
    await runReportCommand({ config: configPath, mappings: 'mappings', by: 'month', format: 'text', top: 10 }, (line) => text.push(line));
    expect(text.join('\n')).toMatch(/routed by deskbridge +\d+/);
  });

  it.skipIf(missingData('eventLog', 'ticketTexts'))('keeps the versions of the last keepVersionsDays (400) before the watermark, deleting older ones after each pass', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true, eventLogIncidents: 200 });
    const configPath = writeConfig(sandbox.url);
    const { daemon } = e2e.daemon(configPath);
    expect((await daemon.runOnce()).ok).toBe(true);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();

    const store = e2e.store(join(dirname(configPath), 'state.db'));
    const watermark = Date.parse((await store.getWatermark('sandbox-snow')) ?? '');
    const kept: string[] = [];
    for await (const v of store.lifecycleVersions()) kept.push(v.updatedAt);
    // The seeded history is from 2016; deskbridge's own writes of the first pass are pulled back as new versions now.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((at) => Date.parse(at) >= watermark - 400 * 86_400_000)).toBe(true);
    expect(Object.keys(snapshot(sandbox)).length).toBeGreaterThan(kept.length);
  });

  it.skipIf(missingData('eventLog', 'ticketTexts'))("adds each person's QA pass rate from the QA log the daemon wrote", async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true, eventLogIncidents: 200 });
    const configPath = keepingAllVersions(writeConfig(sandbox.url, { rules: join(REPO, 'rules', 'qa.yaml') }));
    const { daemon } = e2e.daemon(configPath);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    const verdicts = readdirSync(join(dirname(configPath), 'audit'))
      .filter((f) => f.startsWith('qa-'))
      .flatMap((f) => readFileSync(join(dirname(configPath), 'audit', f), 'utf8').split('\n'))
      .filter((l) => l.includes('"passed"')).length;

    const out = join(e2e.tempDir(), 'report.json');
    expect(await runReportCommand({ config: configPath, mappings: 'mappings', by: 'month', format: 'json', top: 1000, out }, () => undefined)).toBe(0);
    const f = JSON.parse(readFileSync(out, 'utf8')) as HelpdeskFigures;

    expect(verdicts).toBeGreaterThan(0);
    const judged = f.people.filter((p) => (p.qa?.of ?? 0) > 0);
    expect(judged.length).toBeGreaterThan(0);
    expect(f.people.every((p) => p.qa !== undefined && p.qa.count <= p.qa.of)).toBe(true);
    expect(judged.reduce((s, p) => s + (p.qa?.of ?? 0), 0)).toBeLessThanOrEqual(verdicts);
  });

  it('runs as `deskbridge report` on an export, and its help names the figures and options', async () => {
    const help = await e2e.cli(['report', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/first-contact resolution/);
    for (const option of ['--from', '--to', '--by', '--format', '--out', '--state', '--config', '--source', '--input-format']) expect(help.stdout).toContain(option);

    const run = await e2e.cli(['report', 'test/fixtures/backtest/incident-event-log-slice.csv', '--by', 'month']);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/^Help-desk figures 2016-/);
    expect((await e2e.cli(['report', 'no-such-export.csv'])).code).toBe(2);
  });

  it('says what to do when there is no state yet', async () => {
    const configPath = writeConfig('http://127.0.0.1:9');
    const lines: string[] = [];
    const code = await runReportCommand({ config: configPath, mappings: 'mappings', by: 'week', format: 'text', top: 10 }, (line) => lines.push(line));
    expect(code).toBe(2);
    expect(lines[0]).toMatch(/no state file at .*state\.db: run the daemon \(deskbridge run\) first, or give an export/);
  });
});
