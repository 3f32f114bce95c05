/**
 * A dry run an admin can review, then go live from (issue 20, point 6): the dry run's rows are
 * reported as dry-run, its pass summary counts what it would send (never `sent`), every planned
 * note can be read whole (`outbox show`, `--json`), and after going live `outbox list` shows the
 * live writes without the dry run's rows mixed in — while each real write is one `info` line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { E2E_RULES, REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { inProcess } from '../helpers/cli-in-process.js';
import { outboxCommand, outboxShowCommand } from '../../src/cli/inspect.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

const SECOND_LINE = 'Second line: check the switch port before calling the site.';

/** The e2e rules, with a network note of three lines (the list shows one, `show` all of them). */
function rulesWithLongNote(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deskbridge-review-rules-'));
  const rules = readFileSync(join(E2E_RULES, 'routing.yaml'), 'utf8').replace(
    '      template: "deskbridge e2e: routed to {{ $group }} by {{ $rule.id }}"',
    ['      template: |-', '        deskbridge e2e: routed to {{ $group }} by {{ $rule.id }}', `        ${SECOND_LINE}`, '        Third line.'].join('\n'),
  );
  writeFileSync(join(dir, 'routing.yaml'), rules);
  return dir;
}

/** `deskbridge <args>` as a child process: the first call of each command family, where exit code and stdout are the point. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), ...args], { encoding: 'utf8', env: process.env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same commands run in this process (seconds less each); what `deskbridge outbox list|show` runs with these flags. */
const outbox = {
  list: async (opts: { config: string; json?: boolean; dryRun?: boolean }) => (await inProcess(() => outboxCommand('list', { limit: '50', ...opts }))).stdout,
  show: async (id: string, opts: { config: string }) => inProcess(() => outboxShowCommand(id, opts)),
};

interface ListedEntry {
  id: string;
  mode: string;
  ticket: { number: string };
  action: { type: string };
  text: string | null;
}

function parsedLines(lines: readonly string[], message: string): Record<string, unknown>[] {
  return lines.filter((l) => l.includes(`"message":"${message}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('reviewing a dry run, then going live', () => {
  const e2e = useE2e();

  it('reports dry-run rows and would-send counts, shows notes whole, and keeps the dry run out of the live list', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const configPath = writeConfig(sandbox.url, { dryRun: true, rules: rulesWithLongNote() });

    // 1. The dry run: nothing sent, and every summary says so.
    const dry = e2e.daemon(configPath);
    const planned = await dry.daemon.runOnce();
    const result = planned.results[0];
    expect(result?.planned).toBeGreaterThan(0);
    expect(writesIn(sandbox)).toBe(0);
    expect(result?.dryRun).toBe(true);
    expect(result?.written).toMatchObject({ sent: 0, wouldSend: result?.planned });
    const [summary] = parsedLines(dry.lines, 'Pass complete (dry run: nothing was sent)');
    expect(summary?.['written']).toMatchObject({ wouldSend: result?.planned });
    expect(summary?.['written']).not.toHaveProperty('sent');
    expect(dry.lines.some((l) => l.includes('"message":"Pass complete"'))).toBe(false);
    const wouldWrite = parsedLines(dry.lines, 'DRY-RUN: would write');
    expect(wouldWrite).toHaveLength(result?.planned ?? -1);
    for (const line of wouldWrite) expect(line).toMatchObject({ outcome: 'not sent (dry run)', ticket: expect.any(String), ruleId: expect.any(String), action: expect.any(String) });
    // The log carries the whole note, not its first line.
    expect(wouldWrite.some((l) => typeof l['text'] === 'string' && l['text'].includes(SECOND_LINE))).toBe(true);
    expect(dry.lines.some((l) => l.includes('"message":"Write sent"'))).toBe(false);
    const metrics = await dry.daemon.metrics.registry.metrics();
    expect(metrics).toContain(`deskbridge_writes_total{source="sandbox-snow",outcome="would_send"} ${result?.planned}`);
    expect(metrics).toContain('deskbridge_writes_total{source="sandbox-snow",outcome="sent"} 0');
    expect(metrics).toMatch(/deskbridge_last_successful_pass_timestamp_seconds\{source="sandbox-snow"\} \d+/);
    await dry.daemon.stop();

    // 2. Reviewing it: every row is a dry-run row, and the long note can be read whole.
    const listed = cli(['outbox', 'list', '--json', '--config', configPath]);
    expect(listed.status).toBe(0);
    const dryEntries = (JSON.parse(listed.stdout) as { entries: ListedEntry[] }).entries;
    expect(dryEntries).toHaveLength(result?.planned ?? -1);
    expect(new Set(dryEntries.map((e) => e.mode))).toEqual(new Set(['dry-run']));
    const longNote = dryEntries.find((e) => e.action.type === 'comment' && e.text?.includes(SECOND_LINE));
    if (!longNote) throw new Error('no three-line note was planned');
    expect(longNote.text?.split('\n')).toHaveLength(3);

    const text = await outbox.list({ config: configPath });
    const shortId = longNote.id.slice(0, 12);
    expect(text).toContain('dry-run outbox');
    expect(text).not.toContain(SECOND_LINE);
    expect(text).toContain(`[+2 more line(s): deskbridge outbox show ${shortId}]`);

    const shown = await outbox.show(shortId, { config: configPath });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('mode:        dry-run: planned in a dry run, never sent to the platform');
    expect(shown.stdout).toContain(`ticket:      ${longNote.ticket.number}`);
    expect(shown.stdout).toContain(`  ${SECOND_LINE}\n  Third line.`);
    expect(shown.stdout).toContain('status:      done (dry run: not sent)');

    // 3. Going live on the same state folder: the writes are made, each logged on its own line.
    writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('dryRun: true', 'dryRun: false'));
    const live = e2e.daemon(configPath);
    const wrote = await live.daemon.runOnce();
    expect(wrote.ok).toBe(true);
    expect(wrote.results[0]?.dryRun).toBe(false);
    expect(wrote.results[0]?.written).toMatchObject({ sent: result?.planned, wouldSend: 0 });
    const sentLines = parsedLines(live.lines, 'Write sent');
    expect(sentLines).toHaveLength(result?.planned ?? -1);
    for (const line of sentLines) expect(line).toMatchObject({ level: 'info', outcome: 'sent', ticket: expect.any(String), ruleId: expect.any(String), action: expect.any(String) });
    expect(new Set(sentLines.map((l) => l['action']))).toEqual(new Set(['assign', 'comment']));
    await live.daemon.stop();

    // 4. The live list holds the live writes only, and says where the dry run's rows are.
    const liveJson = JSON.parse(await outbox.list({ config: configPath, json: true })) as { entries: ListedEntry[]; notShown: { mode: string; rows: number }[] };
    expect(liveJson.entries).toHaveLength(result?.planned ?? -1);
    expect(new Set(liveJson.entries.map((e) => e.mode))).toEqual(new Set(['live']));
    expect(liveJson.notShown).toEqual([expect.objectContaining({ mode: 'dry-run', rows: result?.planned })]);
    const liveText = await outbox.list({ config: configPath });
    expect(liveText).not.toContain(' would have ');
    expect(liveText).toMatch(/row\(s\) planned in a dry run \(never sent\) in \S+state\.dry-run\.db not shown: deskbridge outbox list --dry-run/);
    // The same write was planned under the same id in both: `show` picks the live one now, and says so.
    const shownLive = (await outbox.show(shortId, { config: configPath })).stdout;
    expect(shownLive).toContain('mode:        live: written to the platform');
    expect(shownLive).toMatch(/status: +done \(created\)/);
    expect(shownLive).toContain(`(the dry-run state holds the same write too: deskbridge outbox show ${shortId} --dry-run)`);
    // Asked for, the dry run's rows are still there, still labelled.
    const dryAgain = JSON.parse(await outbox.list({ config: configPath, dryRun: true, json: true })) as { entries: ListedEntry[] };
    expect(new Set(dryAgain.entries.map((e) => e.mode))).toEqual(new Set(['dry-run']));

    const status = JSON.parse(cli(['status', '--json', '--config', configPath]).stdout) as { states: { mode: string; outbox: { done: number } }[] };
    expect(status.states.map((s) => [s.mode, s.outbox.done])).toEqual([
      ['live', result?.planned],
      ['dry-run', result?.planned],
    ]);
  }, 120_000);
});
