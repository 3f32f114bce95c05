import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_SANDBOX_ACCOUNT, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { BIN, finished, type Finished } from '../helpers/cli-process.js';
import { useE2e, type E2eHarness } from '../helpers/e2e.js';
import { REPO, writesIn } from '../helpers/sandbox-env.js';

/**
 * The README's admin quick-start, followed word for word. Its ServiceNow shell blocks are marked
 * `<!-- quickstart:servicenow -->`; each command line runs, in README order, through `bash -c` in a
 * folder that starts empty, with the working directory and environment a command leaves behind
 * carried to the next one, as in the reader's terminal. The only substitutions: `deskbridge` is
 * this clone's bin/deskbridge.js (a shim on PATH; the global install has its own soak test), and
 * the block marked `<!-- quickstart:servicenow sandbox -->` ("deskbridge sandbox" in another
 * terminal) is a sandbox with the same seed started here on a free port, whose address replaces
 * the README's http://127.0.0.1:8089.
 */

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const README_SANDBOX_URL = 'http://127.0.0.1:8089';

interface MarkedBlock {
  role: 'run' | 'sandbox';
  body: string;
}

/** The fenced blocks right after a `<!-- quickstart:<name>[ sandbox] -->` comment, in order. */
function markedBlocks(markdown: string, name: string): MarkedBlock[] {
  const pattern = new RegExp(`<!-- quickstart:${name}( sandbox)? -->\\s*\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``, 'g');
  return [...markdown.matchAll(pattern)].map((match) => ({ role: match[1] ? 'sandbox' : 'run', body: match[2] ?? '' }));
}

/** A block's commands: one per line, but a here-document or a `\` continuation keeps its lines together. */
function commandsOf(body: string): string[] {
  const lines = body.split('\n');
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let command = lines[i] ?? '';
    if (command.trim() === '' || command.trim().startsWith('#')) continue;
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command}\n${lines[++i] ?? ''}`;
    const heredoc = /<<-?\s*'?"?(\w+)'?"?/.exec(command);
    if (heredoc) {
      const end = heredoc[1] ?? '';
      while (i + 1 < lines.length) {
        const line = lines[++i] ?? '';
        command = `${command}\n${line}`;
        if (line === end) break;
      }
    }
    commands.push(command);
  }
  return commands;
}

/** A terminal: runs one command at a time with bash, keeping the working directory and environment. */
class Terminal {
  private cwd: string;
  private env: Record<string, string>;
  private readonly stateDir: string;

  constructor(
    private readonly harness: E2eHarness,
    folder: string,
  ) {
    this.cwd = folder;
    this.stateDir = harness.tempDir('deskbridge-quickstart-shell-');
    // `deskbridge` on PATH is this clone's CLI, as `npm install -g` would make it.
    const shim = join(this.stateDir, 'deskbridge');
    writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(shim, 0o755);
    const inherited = Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('SN_'));
    this.env = { ...Object.fromEntries(inherited), PATH: `${this.stateDir}:${process.env['PATH'] ?? ''}` };
  }

  async run(command: string): Promise<Finished> {
    const cwdFile = join(this.stateDir, 'cwd');
    const envFile = join(this.stateDir, 'env');
    const script = `${command}\n__quickstart_rc=$?\npwd > '${cwdFile}'\nenv -0 > '${envFile}'\nexit $__quickstart_rc\n`;
    const result = await finished(this.harness.spawnCommand('bash', ['-c', script], { cwd: this.cwd, env: this.env, timeoutMs: 60_000 }));
    this.cwd = readFileSync(cwdFile, 'utf8').trim();
    this.env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\0')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    );
    return result;
  }
}

interface Incident {
  number: string;
  sysId: string;
  group: string;
  modCount: string;
}

/** What anyone with the integration user's credentials sees over the Table API. */
async function tableApi(sandbox: ServiceNowSandbox, table: string, params: Record<string, string>): Promise<Record<string, string>[]> {
  const url = `${sandbox.url}/api/now/table/${table}?${new URLSearchParams({ sysparm_display_value: 'true', sysparm_exclude_reference_link: 'true', ...params }).toString()}`;
  const response = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${CLI_SANDBOX_ACCOUNT.userName}:${CLI_SANDBOX_ACCOUNT.password}`).toString('base64')}`, accept: 'application/json' },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: Record<string, string>[] }).result;
}

async function incidents(sandbox: ServiceNowSandbox): Promise<Incident[]> {
  const rows = await tableApi(sandbox, 'incident', { sysparm_query: 'ORDERBYnumber', sysparm_fields: 'number,sys_id,assignment_group,sys_mod_count' });
  return rows.map((row) => ({ number: row['number'] ?? '', sysId: row['sys_id'] ?? '', group: row['assignment_group'] ?? '', modCount: row['sys_mod_count'] ?? '' }));
}

async function workNotes(sandbox: ServiceNowSandbox, sysId: string): Promise<{ value: string; by: string }[]> {
  const rows = await tableApi(sandbox, 'sys_journal_field', { sysparm_query: `element_id=${sysId}^element=work_notes`, sysparm_fields: 'value,sys_created_by' });
  return rows.map((row) => ({ value: row['value'] ?? '', by: row['sys_created_by'] ?? '' }));
}

const VPN_NOTE = 'deskbridge routed this to Network Operations: it looks like a connectivity problem ("VPN keeps disconnecting when working from home"). Rule: network.';

describe("the README's admin quick-start, followed word for word", () => {
  const harness = useE2e();

  it('gets from an empty folder to a reviewed dry run and a first live pass against the sandbox', async () => {
    const blocks = markedBlocks(README, 'servicenow');
    expect(blocks.filter((block) => block.role === 'sandbox').map((block) => commandsOf(block.body))).toEqual([['deskbridge sandbox']]);
    // The sandbox `deskbridge sandbox` starts: the fixtures and its account.
    const sandbox = await harness.serviceNow({ fixtures: true }, { users: [CLI_SANDBOX_ACCOUNT] });
    const commands = blocks.filter((block) => block.role === 'run').flatMap((block) => commandsOf(block.body));
    expect(commands.filter((command) => command.includes(README_SANDBOX_URL))).toHaveLength(1);

    const terminal = new Terminal(harness, harness.tempDir('deskbridge-quickstart-'));
    const before = await incidents(sandbox);
    // As step 3 describes it: eleven incidents, four of them open without a group.
    expect(before).toHaveLength(11);
    expect(before.filter((incident) => incident.group === '')).toHaveLength(4);
    const ran: { command: string; result: Finished; ms: number }[] = [];
    let live = false;
    for (const command of commands) {
      const started = Date.now();
      const result = await terminal.run(command.replaceAll(README_SANDBOX_URL, sandbox.url));
      ran.push({ command, result, ms: Date.now() - started });
      expect(result.code, `${command}\n${result.output}`).toBe(0);
      const output = result.output;
      const step = command.replace(/\s+#.*$/, '');

      if (step === 'deskbridge validate') expect(output).toContain('no problems found');
      if (step === 'deskbridge test rules/') expect(output).toMatch(/4 tests, 4 passed, 0 failed/);
      if (step.startsWith('sed -i')) live = true;
      if (step.startsWith('deskbridge run --once') && !live) {
        // The dry run: five planned writes logged, not one sent.
        expect(output.match(/DRY-RUN: would write/g)).toHaveLength(5);
        expect(output).toContain('Pass complete (dry run: nothing was sent)');
        // Only the password is a secret: the user name "deskbridge" does not blank the word in the log.
        expect(output).not.toContain('[redacted]');
        expect(writesIn(sandbox)).toBe(0);
        expect(await incidents(sandbox)).toEqual(before);
      }
      if (step === 'deskbridge outbox list') {
        const rows = result.stdout.split('\n').filter((line) => line.includes('would have'));
        expect(rows.map((row) => row.split(/\s+/)[4]).sort()).toEqual(['INC0010002', 'INC0010002', 'INC0010006', 'INC0010007', 'INC0010008']);
      }
      if (step.startsWith('deskbridge outbox show')) {
        expect(output).toContain('dry-run: planned in a dry run, never sent');
        expect(output).toContain(`work note (whole text):\n  ${VPN_NOTE}`);
      }
      if (step.startsWith('deskbridge explain')) expect(output).toContain('planned in a dry run (nothing was written): assign to Network Operations');
      if (step === 'deskbridge status') expect(output).toMatch(/dry-run state[\s\S]*done 5/);
      if (step.startsWith('deskbridge run --once') && live) expect(output).toMatch(/"sent":5\b/);
    }
    expect(live, 'the quick-start switches dryRun off before its last pass').toBe(true);

    // The first live pass wrote what the dry run planned, as the integration user.
    const after = await incidents(sandbox);
    const changed = after.filter((incident) => before.find((b) => b.number === incident.number)?.group !== incident.group);
    expect(changed.map((incident) => [incident.number, incident.group])).toEqual([
      ['INC0010002', 'Network Operations'],
      ['INC0010006', 'Service Desk'],
      ['INC0010007', 'Service Desk'],
      ['INC0010008', 'Service Desk'],
    ]);
    const vpn = after.find((incident) => incident.number === 'INC0010002');
    const notes = await workNotes(sandbox, vpn?.sysId ?? '');
    expect(notes).toHaveLength(1);
    const [note] = notes;
    expect(note?.by).toBe('deskbridge');
    const footer = /\n\n(— automated note by deskbridge \(rule network\) · note id \[(deskbridge:[0-9a-f]{16})\])$/.exec(note?.value ?? '');
    const marker = footer?.[2];
    expect(note?.value.startsWith(VPN_NOTE), note?.value).toBe(true);
    // The footer the README shows technicians is this note's, and its id starts with the id it reviews.
    expect(README).toContain(footer?.[1] ?? 'no footer');
    const reviewed = commands.find((command) => command.startsWith('deskbridge outbox show'))?.split(/\s+/)[3] ?? 'none';
    expect(marker?.slice('deskbridge:'.length).startsWith(reviewed)).toBe(true);

    process.stdout.write(`readme quick-start: ${ran.map((r) => `${r.command.split('\n')[0]?.replace(/\s+#.*$/, '')} ${r.ms} ms`).join('; ')}\n`);
  }, 240_000);
});
