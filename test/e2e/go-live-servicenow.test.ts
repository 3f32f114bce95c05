/**
 * Going live (issue 20, points 7 and 8) against the ServiceNow sandbox: a dry run shows in
 * `status` what going live would send; the first live pass announces its volume in one warning
 * and the catch holds it above `firstLivePass.maxWrites` (nothing sent, all pending) until the
 * limit is raised; the notes it then posts end with a line a technician can read, whose id still
 * keeps a retried note from being posted twice. A held pass nobody wants is discarded unsent.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { outboxCommand, statusCommand } from '../../src/cli/inspect.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, snapshot, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPO, 'bin', 'deskbridge.js'), ...args], { encoding: 'utf8', env: process.env });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function logged(lines: readonly string[], match: (line: Record<string, unknown>) => boolean): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter(match);
}

interface StatusSource {
  id: string;
  mode: string;
  goneLive: boolean;
  pending: { total: number };
  dryRun: { wouldSend: { total: number; writes: Record<string, number> } } | null;
}

/** A command run in this process (a CLI spawn costs seconds on a loaded machine): its exit code and stdout. */
async function inProcess(run: () => Promise<number>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    return { code: await run(), stdout };
  } finally {
    spy.mockRestore();
  }
}

async function statusOf(configPath: string): Promise<StatusSource | undefined> {
  const result = await inProcess(() => statusCommand({ config: configPath, json: true }));
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { sources: StatusSource[] }).sources[0];
}

function setInConfig(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

const FOOTER = /^— automated note by deskbridge \(rule [a-z0-9-]+\) · note id \[deskbridge:[0-9a-f]{16}\]$/;

describe('going live on ServiceNow', () => {
  const e2e = useE2e();

  it('dry run → status shows the volume → first live pass warned and held → raised limit sends it, notes explain themselves, a retried note is not posted twice', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const configPath = writeConfig(sandbox.url, { dryRun: true, firstLivePassMaxWrites: 3 });

    // 1. A dry run, and what status makes of it before going live.
    const dryRun = e2e.daemon(configPath);
    const dry = await dryRun.daemon.runOnce();
    await dryRun.daemon.stop();
    const planned = dry.results[0]?.planned ?? 0;
    expect(planned).toBeGreaterThan(3);
    const statusJson = cli(['status', '--json', '--config', configPath]);
    expect(statusJson.status).toBe(0);
    const before = (JSON.parse(statusJson.stdout) as { sources: StatusSource[] }).sources[0];
    expect(before).toMatchObject({ id: 'sandbox-snow', mode: 'dry-run', goneLive: false, dryRun: { wouldSend: { total: planned } } });
    expect(before?.dryRun?.wouldSend.writes['assign']).toBeGreaterThan(0);
    expect(before?.dryRun?.wouldSend.writes['comment']).toBeGreaterThan(0);
    const statusText = (await inProcess(() => statusCommand({ config: configPath }))).stdout;
    expect(statusText).toContain('source sandbox-snow (runs as a dry run now): not live yet');
    expect(statusText).toMatch(new RegExp(`dry run would send: ${planned} writes \\(\\d+ assignments?, \\d+ internal notes?`));

    // 2. dryRun off: the first live pass plans everything, warns, and holds it (limit 3).
    setInConfig(configPath, 'dryRun: true', 'dryRun: false');
    const held = e2e.daemon(configPath);
    const first = await held.daemon.runOnce();
    expect(first.ok).toBe(false);
    expect(writesIn(sandbox)).toBe(0);
    expect(first.results[0]).toMatchObject({ pendingWrites: planned, firstLivePass: { total: planned, held: true, maxWrites: 3 } });
    const [warning, ...more] = logged(held.lines, (l) => l['event'] === 'first-live-pass');
    expect(more).toHaveLength(0);
    expect(warning).toMatchObject({ level: 'warn', total: planned, actFromOrigin: 'config', dryRunPlanned: { total: planned } });
    expect(String(warning?.['message'])).toMatch(new RegExp(`^First live pass of sandbox-snow: read \\d+ tickets, about to make ${planned} writes`));
    const [heldLine] = logged(held.lines, (l) => l['level'] === 'error' && String(l['message']).startsWith('First live pass held'));
    expect(String(heldLine?.['hint'])).toContain(`raise firstLivePass.maxWrites of source sandbox-snow to at least ${planned}`);
    await held.daemon.stop();
    expect(await statusOf(configPath)).toMatchObject({ mode: 'live', goneLive: false, pending: { total: planned } });

    // 3. The admin raises the limit: the held writes go out, once each, and the source is live.
    setInConfig(configPath, 'maxWrites: 3', 'maxWrites: 1000');
    const live = e2e.daemon(configPath);
    const second = await live.daemon.runOnce();
    expect(second.ok).toBe(true);
    expect(second.results[0]?.written.sent).toBe(planned);
    expect(second.results[0]?.firstLivePass).toMatchObject({ total: planned, held: false });
    await live.daemon.stop();
    expect(await statusOf(configPath)).toMatchObject({ goneLive: true, pending: { total: 0 } });

    // 4. What a technician sees: every note ends with the explained footer.
    const notes = Object.values(snapshot(sandbox)).flatMap((t) => t.notes);
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) expect(note.split('\n').at(-1)).toMatch(FOOTER);

    // 5. A note whose answer was lost (posted, but the state still says "attempt started, pending")
    //    is found by its id in the journal on the retry, not posted again.
    const db = new Database(join(dirname(configPath), 'state.db'));
    const entry = db.prepare<[], { id: string; ticket_key: string }>(`SELECT id, ticket_key FROM outbox WHERE action_type = 'comment' AND status = 'done' ORDER BY seq LIMIT 1`).get();
    if (!entry) throw new Error('no note was written');
    db.prepare(`UPDATE outbox SET status = 'pending', outcome = NULL, attempts = 1, next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE id = ?`).run(entry.id);
    db.close();
    const notesBefore = notes.length;
    const retry = e2e.daemon(configPath);
    const third = await retry.daemon.runOnce();
    await retry.daemon.stop();
    expect(third.ok).toBe(true);
    expect(third.results[0]?.firstLivePass).toBeUndefined();
    expect(Object.values(snapshot(sandbox)).flatMap((t) => t.notes)).toHaveLength(notesBefore);
    const after = new Database(join(dirname(configPath), 'state.db'), { readonly: true });
    expect(after.prepare<[string], { status: string; outcome: string }>('SELECT status, outcome FROM outbox WHERE id = ?').get(entry.id)).toEqual({ status: 'done', outcome: 'unchanged' });
    after.close();
  }, 120_000);

  it('a held first live pass nobody wants is discarded unsent, and the source then goes live on what comes next', async () => {
    const sandbox = await e2e.serviceNow({ fixtures: true });
    const configPath = writeConfig(sandbox.url, { firstLivePassMaxWrites: 1 });

    const holding = e2e.daemon(configPath);
    const held = await holding.daemon.runOnce();
    await holding.daemon.stop();
    const pending = held.results[0]?.pendingWrites ?? 0;
    expect(pending).toBeGreaterThan(1);
    expect(writesIn(sandbox)).toBe(0);

    const discarded = cli(['outbox', 'discard', '--source', 'sandbox-snow', '--config', configPath]);
    expect(discarded.status).toBe(0);
    expect(discarded.stdout).toContain(`${pending} pending write(s) of sandbox-snow discarded: never sent`);
    // A plain retry of dead writes does not bring discarded ones back.
    expect((await inProcess(() => outboxCommand('retry', { config: configPath }))).stdout).toContain('0 dead entries queued again');

    const again = e2e.daemon(configPath);
    const after = await again.daemon.runOnce();
    await again.daemon.stop();
    expect(after.ok).toBe(true);
    expect(after.results[0]?.firstLivePass).toMatchObject({ total: 0, held: false });
    expect(writesIn(sandbox)).toBe(0);
    expect(await statusOf(configPath)).toMatchObject({ goneLive: true, pending: { total: 0 } });
  }, 60_000);
});
