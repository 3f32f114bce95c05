/**
 * `explain` after a dry run (issue 20, point 6): the dry run's marks used to make a dedup rule say
 * "already acted on this ticket" though nothing was written. Judged on the dry run's state, explain
 * says what was planned and that nothing was written; after going live, what was written and how
 * it went — and that a dry run had planned it too.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raiseIncident, seedFixtures, ServiceNowStore } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { E2E_RULES, REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';
import { inProcess } from '../helpers/cli-in-process.js';
import { explainCommand } from '../../src/cli/explain.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const HOUR = 3_600_000;
const ORIGINAL = 'Outlook crashes when opening PDF attachments after the Office update';
const DUPLICATE = 'Outlook crashes opening PDF attachments since the Office update';

interface JsonWrite {
  ruleId: string;
  summary: string;
  status: string;
  state: string;
  written: boolean;
}

function esc(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
interface JsonExplanation {
  rules: { ruleId: string; outcome: string; reason: string; traceReason?: string; prior?: { as: string; by: string; writes: JsonWrite[] } }[];
  state?: { mode: string; path: string; writes: JsonWrite[] };
  dryRun?: { path: string; writes: JsonWrite[] };
}

describe('deskbridge explain after a dry run, then after going live', () => {
  const e2e = useE2e();

  it('says "planned in a dry run (nothing was written)" after a dry run, and "written" with each status after a live pass', async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    const original = raiseIncident(store, { title: ORIGINAL, category: 'software', subcategory: 'Email', openedAgoMs: 3 * HOUR, logged: 'opened' });
    const duplicate = raiseIncident(store, { title: DUPLICATE, category: 'software', subcategory: 'Email', openedAgoMs: 2 * HOUR, logged: 'opened' });
    const number = duplicate['number'] ?? '';
    const originalNumber = original['number'] ?? '';
    const sandbox = await e2e.serviceNowOn({ store });
    // The shipped dedup thresholds (a suggestion for this pair) and the e2e routing rules.
    const rules = e2e.tempDir('deskbridge-explain-rules-');
    copyFileSync(join(REPO, 'test', 'fixtures', 'e2e', 'rules-dedup', 'dedup.yaml'), join(rules, 'dedup.yaml'));
    copyFileSync(join(E2E_RULES, 'routing.yaml'), join(rules, 'routing.yaml'));
    const config = writeConfig(sandbox.url, { dryRun: true, rules });
    // The first explain is the CLI as an operator runs it; the later ones run the same command in
    // this process (a CLI start each saved).
    let spawned = false;
    const explain = async (json: boolean): Promise<string> => {
      const { code, output } = spawned
        ? await inProcess((out) => explainCommand({ ticket: number, config, ...(json ? { json: true } : {}) }, out))
        : await e2e.cli(['explain', '--ticket', number, '--config', config, ...(json ? ['--json'] : [])]);
      spawned = true;
      expect(code).toBe(0);
      return output;
    };

    // 1. A dry run plans the duplicate's link (with a note on both) and its routing, and sends nothing.
    const dry = e2e.daemon(config);
    expect((await dry.daemon.runOnce()).ok).toBe(true);
    await dry.daemon.stop();
    expect(writesIn(sandbox)).toBe(0);

    const dryText = await explain(false);
    const planned = 'planned in a dry run (nothing was written)';
    expect(dryText).not.toContain('already acted on this ticket');
    expect(dryText).toMatch(new RegExp(`– likely-duplicates\\s+not-applicable: ${esc(planned)}: link as duplicate of ${originalNumber} \\(\\+2 more\\)\n`));
    expect(dryText).toContain(`    ${planned}: link as duplicate of ${originalNumber}\n    ${planned}: work note: deskbridge linked this ticket as a duplicate of ${originalNumber}`);
    expect(dryText).toContain(`    ${planned}: on ${originalNumber}: work note: deskbridge linked ${number} `);
    expect(dryText).toMatch(/✓ unassigned-to-desk\s+matched/);
    expect(dryText).toContain(
      `    → work note: deskbridge e2e: queued for Service Desk (unassigned-to-desk)\n    ${planned}: assign to Service Desk\n    ${planned}: work note: deskbridge e2e: queued`,
    );
    expect(dryText).toMatch(/Judged on the dry run's state \(\S+state\.dry-run\.db\): what it planned was never written\./);
    expect(dryText).toContain('The dry run planned 5 write(s) for this ticket; none was sent.');

    const dryJson = JSON.parse(await explain(true)) as JsonExplanation;
    expect(dryJson.state).toMatchObject({ mode: 'dry-run', path: expect.stringMatching(/state\.dry-run\.db$/) });
    expect(dryJson.state?.writes.map((w) => w.state)).toEqual(Array(5).fill('not sent (dry run)'));
    const dedupDry = dryJson.rules.find((r) => r.ruleId === 'likely-duplicates');
    expect(dedupDry).toMatchObject({ outcome: 'not-applicable', traceReason: 'already acted on this ticket', prior: { as: 'planned-in-dry-run', by: 'likely-duplicates' } });
    expect(dedupDry?.prior?.writes.map((w) => [w.summary.replace(/: .*/s, ''), w.state])).toEqual([
      [`link as duplicate of ${originalNumber}`, 'not sent (dry run)'],
      ['work note', 'not sent (dry run)'],
      [`on ${originalNumber}`, 'not sent (dry run)'],
    ]);
    expect(dryJson.dryRun).toBeUndefined();

    // 2. Going live: the same writes are made; explain now reads the live state.
    writeFileSync(config, readFileSync(config, 'utf8').replace('dryRun: true', 'dryRun: false'));
    const live = e2e.daemon(config);
    expect((await live.daemon.runOnce()).ok).toBe(true);
    await live.daemon.stop();
    expect(writesIn(sandbox)).toBeGreaterThan(0);

    const liveText = await explain(false);
    expect(liveText).not.toContain('already acted on this ticket');
    expect(liveText).not.toContain(planned);
    expect(liveText).toMatch(new RegExp(`– likely-duplicates\\s+not-applicable: written: link as duplicate of ${originalNumber} — sent \\(updated\\) \\(\\+2 more\\)\n`));
    expect(liveText).toMatch(new RegExp(`\n {4}written: on ${originalNumber}: work note: deskbridge linked ${number} .* — sent \\(created\\)\n`));
    expect(liveText).toMatch(/✗ unassigned-to-desk\s+no-match/);
    expect(liveText).toContain('    written: assign to Service Desk — sent (updated)\n    written: work note: deskbridge e2e: queued for Service Desk (unassigned-to-desk) — sent (created)');
    expect(liveText).not.toContain("Judged on the dry run's state");
    expect(liveText).toMatch(/A dry run \(\S+state\.dry-run\.db\) also planned 5 write\(s\) for this ticket, never sent:\n {2}unassigned-to-desk: assign to Service Desk\n/);

    const liveJson = JSON.parse(await explain(true)) as JsonExplanation;
    expect(liveJson.state).toMatchObject({ mode: 'live', path: expect.stringMatching(/state\.db$/) });
    const dedupLive = liveJson.rules.find((r) => r.ruleId === 'likely-duplicates');
    expect(dedupLive).toMatchObject({ traceReason: 'already acted on this ticket', prior: { as: 'written', by: 'likely-duplicates' } });
    expect(dedupLive?.prior?.writes.map((w) => [w.status, w.state, w.written])).toEqual([
      ['done', 'sent (updated)', true],
      ['done', 'sent (created)', true],
      ['done', 'sent (created)', true],
    ]);
    expect(liveJson.dryRun?.writes.map((w) => [w.state, w.written])).toEqual(Array(5).fill(['not sent (dry run)', false]));
  }, 120_000);
});
