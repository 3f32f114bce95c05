import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/sandbox-env.js';

const BIN = join(REPO, 'bin', 'deskbridge.js');

/** The CLI's stdout (it exits 0); asynchronous, so the group helps below start side by side. */
function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8' }, (error, stdout) => (error ? reject(new Error(`deskbridge ${args.join(' ')}: ${error.message}`)) : resolve(stdout)));
  });
}

interface Listed {
  term: string;
  description: string;
}

/** The "Commands:" section of commander's help: each command's term and its (wrapped) description. */
function commandsIn(help: string): Listed[] {
  const lines = help.split('\n');
  const start = lines.indexOf('Commands:');
  if (start < 0) return [];
  const listed: Listed[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const entry = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
    if (entry) listed.push({ term: entry[1] ?? '', description: entry[2] ?? '' });
    else if (listed.length > 0) listed[listed.length - 1]!.description += ` ${line.trim()}`;
  }
  return listed.filter((command) => !command.term.startsWith('help '));
}

describe('deskbridge --help and --version', () => {
  it("prints package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

    expect((await cli(['--version'])).trim()).toBe(version);
  });

  // Each CLI start compiles the sources with tsx: seconds apiece on a loaded machine.
  it('describes every command and every subcommand', { timeout: 120_000 }, async () => {
    const top = commandsIn(await cli(['--help']));
    expect(top.map((c) => c.term.split(' ')[0])).toEqual(expect.arrayContaining(['init', 'run', 'validate', 'outbox', 'quarantine', 'audit']));
    const undescribed = top.filter((c) => c.description === '').map((c) => c.term);
    // A bare name (no options, no arguments) is how commander lists a command with subcommands.
    const groups = top.filter((c) => !c.term.includes(' ')).map((c) => c.term);
    const helps = await Promise.all(groups.map(async (group) => ({ group, listed: commandsIn(await cli([group, '--help'])) })));
    const subcommands = helps.flatMap(({ group, listed }) => listed.map((sub) => ({ ...sub, term: `${group} ${sub.term}` })));
    undescribed.push(...subcommands.filter((sub) => sub.description === '').map((sub) => sub.term));

    expect(subcommands.length).toBeGreaterThanOrEqual(7); // outbox list/retry, quarantine list/retry, audit verify/acknowledge/report
    expect(undescribed).toEqual([]);
  });
});
