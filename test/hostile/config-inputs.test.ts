import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runValidate } from '../../src/config/validate.js';
import { runCommand } from '../../src/cli/run.js';

/**
 * Hostile and careless configuration inputs, each with its exact outcome: the first diagnostic
 * (code, file, line, column), no stack trace, no secret or whole file echoed, bounded time (and
 * memory where the input is large). Every case `validate` rejects, `run --once` refuses with the
 * same diagnostic line and exit 2 instead of crashing — validate = run.
 */

const REPO = path.resolve(import.meta.dirname, '../..');
const SECRET = 'S3cr3t-Pa55-word';
const ENV = { SN_PASSWORD: SECRET };

const RULES = `rules:
  - id: route-network
    kind: routing
    when: category = "network"
    assign:
      group: Network Operations
`;

/** Lines 1–12; cases append source keys at line 13 or replace whole files. */
const CONFIG = `state:
  path: ./state/deskbridge.db
rules: ./rules
mappings: ./mappings
sources:
  - id: sn
    platform: servicenow
    baseUrl: https://example.service-now.com
    auth:
      type: basic
      username: deskbridge
      password: \${SN_PASSWORD}
`;

const JIRA_CONFIG = `state:
  path: ./state/deskbridge.db
rules: ./rules
mappings: ./mappings
sources:
  - id: jira
    platform: jira
    flavour: cloud
    baseUrl: https://example.atlassian.net
    jql: project = ITSM
    auth:
      type: bearer
      token: \${SN_PASSWORD}
`;

function laughs(root: string): string {
  const lines = [`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]`];
  let previous = 'a';
  for (const name of 'bcdefghi') {
    lines.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
    previous = name;
  }
  lines.push(`${root}: *i`);
  return `${lines.join('\n')}\n`;
}

type Files = Record<string, string | Buffer | null>;

interface Case {
  name: string;
  /** Files over the defaults (deskbridge.yaml = CONFIG, rules/routing.yaml = RULES, the shipped mappings); null deletes. */
  files: Files;
  env?: Record<string, string>;
  /** `file:line:col severity code` of the first diagnostic, file relative to the workspace; undefined = no diagnostics. */
  first?: string;
  /** validate's exit code (1 when any error). */
  exit: 0 | 1;
  /** Text that must not appear anywhere in the output (secrets, file content). */
  absent?: string[];
  /** Message fragment the first diagnostic must contain. */
  says?: RegExp;
  maxMs?: number;
  /** Heap growth bound for large inputs. */
  maxHeapMb?: number;
}

const CASES: Case[] = [
  { name: 'valid config, rules and shipped mappings', files: {}, exit: 0 },
  // ---- YAML itself
  { name: 'malformed YAML (unclosed quote)', files: { 'deskbridge.yaml': CONFIG + '    schedule: "*/5 * * * *\n' }, first: 'deskbridge.yaml:13:15 error yaml-syntax', says: /never closed/, exit: 1 },
  { name: 'tabs as indentation', files: { 'deskbridge.yaml': CONFIG.replace('      username:', '\t\tusername:') }, first: 'deskbridge.yaml:11:1 error yaml-syntax', exit: 1 },
  { name: 'duplicate key', files: { 'deskbridge.yaml': CONFIG + '    baseUrl: https://other.service-now.com\n' }, first: 'deskbridge.yaml:13:5 error yaml-syntax', says: /unique/i, exit: 1 },
  { name: 'billion laughs in the config', files: { 'deskbridge.yaml': laughs('extra') }, first: 'deskbridge.yaml:2:8 error yaml-limit', says: /billion laughs/, exit: 1, maxMs: 5_000, maxHeapMb: 200 },
  { name: 'billion laughs in a rules file', files: { 'rules/routing.yaml': laughs('rules') }, first: 'rules/routing.yaml:2:8 error yaml-limit', exit: 1, maxMs: 5_000, maxHeapMb: 200 },
  {
    name: 'nested 20,000 levels deep',
    files: { 'deskbridge.yaml': `sources: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n` },
    first: 'deskbridge.yaml:1:74 error yaml-limit',
    says: /nested more than 64/,
    exit: 1,
    maxMs: 5_000,
  },
  {
    name: '20 MB scalar',
    files: { 'deskbridge.yaml': `${CONFIG}    query: "${'a'.repeat(20 * 1024 * 1024)}"\n` },
    first: 'deskbridge.yaml:1:1 error file-too-large',
    says: /20\.0 MiB.*limited to 1\.0 MiB/,
    exit: 1,
    maxMs: 5_000,
    maxHeapMb: 150,
  },
  {
    name: 'a 20,000-item list where sources go',
    files: { 'deskbridge.yaml': `sources: [${Array.from({ length: 20_000 }, () => '1').join(',')}]\n` },
    first: 'deskbridge.yaml:1:11 error bad-type',
    exit: 1,
    maxMs: 20_000,
  },
  { name: 'empty config file', files: { 'deskbridge.yaml': '' }, first: 'deskbridge.yaml:1:1 error missing-field', says: /"sources"/, exit: 1 },
  { name: 'empty rules file', files: { 'rules/routing.yaml': '' }, first: 'rules/routing.yaml:1:1 error missing-field', says: /"rules"/, exit: 1 },
  // ---- encodings and junk
  {
    name: 'UTF-16 config (with BOM)',
    files: { 'deskbridge.yaml': Buffer.from(`\ufeff${CONFIG.replace('${SN_PASSWORD}', SECRET)}`, 'utf16le') },
    first: 'deskbridge.yaml:1:1 error bad-encoding',
    says: /UTF-16/,
    exit: 1,
    absent: [SECRET, 'example.service-now.com'],
  },
  {
    name: 'binary junk',
    files: { 'deskbridge.yaml': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x0a, 0x99]) },
    first: 'deskbridge.yaml:1:8 error bad-encoding',
    says: /NUL bytes/,
    exit: 1,
  },
  {
    name: 'invalid UTF-8 (Latin-1 é)',
    files: { 'deskbridge.yaml': Buffer.concat([Buffer.from(CONFIG), Buffer.from('    query: caf'), Buffer.from([0xe9, 0x0a])]) },
    first: 'deskbridge.yaml:13:15 error bad-encoding',
    says: /not valid UTF-8/,
    exit: 1,
  },
  { name: 'config file does not exist', files: { 'deskbridge.yaml': null }, first: 'deskbridge.yaml:1:1 error file-not-found', says: /not found/, exit: 1 },
  // ---- schema
  { name: 'wrong type', files: { 'deskbridge.yaml': CONFIG + '    pageSize: ten\n' }, first: 'deskbridge.yaml:13:15 error bad-type', says: /got string "ten"/, exit: 1 },
  { name: 'unknown top-level key', files: { 'deskbridge.yaml': `sourcez: []\n${CONFIG}` }, first: 'deskbridge.yaml:1:1 error unknown-field', says: /did you mean "sources"/, exit: 1 },
  { name: 'unknown platform', files: { 'deskbridge.yaml': CONFIG.replace('platform: servicenow', 'platform: remedy') }, first: 'deskbridge.yaml:7:15 error bad-value', says: /"remedy"/, exit: 1 },
  { name: 'duplicate source ids', files: { 'deskbridge.yaml': CONFIG + CONFIG.slice(CONFIG.indexOf('  - id: sn')) }, first: 'deskbridge.yaml:13:9 error duplicate-id', exit: 1 },
  {
    name: 'password given as a number is not echoed',
    files: { 'deskbridge.yaml': CONFIG.replace('${SN_PASSWORD}', '918273645') },
    first: 'deskbridge.yaml:12:17 error bad-type',
    says: /value not shown/,
    exit: 1,
    absent: ['918273645'],
  },
  {
    name: 'token given as a list item is not echoed',
    files: { 'deskbridge.yaml': JIRA_CONFIG.replace('${SN_PASSWORD}', '7777777777') + '    flavour: cloud\n' },
    first: 'deskbridge.yaml:14:5 error yaml-syntax',
    exit: 1,
    absent: ['7777777777'],
  },
  {
    name: 'a long wrong value is quoted as a short excerpt',
    files: { 'deskbridge.yaml': `${CONFIG}    pageSize: "${'x'.repeat(5000)}"\n` },
    first: 'deskbridge.yaml:13:15 error bad-type',
    says: /5,000 characters/,
    exit: 1,
    absent: ['x'.repeat(200)],
  },
  // ---- environment references
  { name: 'missing env var', files: {}, env: {}, first: 'deskbridge.yaml:12:17 error env-missing', says: /SN_PASSWORD/, exit: 1 },
  { name: 'malformed ${ reference', files: { 'deskbridge.yaml': CONFIG.replace('${SN_PASSWORD}', '${SN_PASSWORD') }, first: 'deskbridge.yaml:12:17 error bad-value', says: /Malformed/, exit: 1 },
  {
    name: 'nested ${A:-${B}} with neither set names B at its column',
    files: { 'deskbridge.yaml': CONFIG.replace('${SN_PASSWORD}', '${SN_PRIMARY:-${SN_FALLBACK}}') },
    env: {},
    first: 'deskbridge.yaml:12:31 error env-missing',
    says: /SN_FALLBACK/,
    exit: 1,
  },
  { name: 'nested ${A:-${B}} falls back to B', files: { 'deskbridge.yaml': CONFIG.replace('${SN_PASSWORD}', '${SN_PRIMARY:-${SN_PASSWORD}}') }, exit: 0, absent: [SECRET] },
  // ---- what run would reject
  {
    name: 'cron schedule node-cron refuses',
    files: { 'deskbridge.yaml': CONFIG + '    schedule: "0 0 31 2 *"\n' },
    first: 'deskbridge.yaml:13:20 error bad-schedule',
    says: /impossible day of month/,
    exit: 1,
  },
  { name: 'cron schedule with one field', files: { 'deskbridge.yaml': CONFIG + '    schedule: hourly\n' }, first: 'deskbridge.yaml:13:15 error bad-schedule', says: /5 or 6 fields/, exit: 1 },
  { name: 'file: baseUrl', files: { 'deskbridge.yaml': CONFIG.replace('https://example.service-now.com', 'file:///etc/passwd') }, first: 'deskbridge.yaml:8:14 error bad-url', exit: 1 },
  { name: 'ftp: baseUrl', files: { 'deskbridge.yaml': CONFIG.replace('https://example.service-now.com', 'ftp://example.com') }, first: 'deskbridge.yaml:8:14 error bad-url', exit: 1 },
  { name: 'http://127.0.0.1 (a local sandbox) is not warned about', files: { 'deskbridge.yaml': CONFIG.replace('https://example.service-now.com', 'http://127.0.0.1:8089') }, exit: 0 },
  { name: 'http: baseUrl is a warning only', files: { 'deskbridge.yaml': CONFIG.replace('https://', 'http://') }, first: 'deskbridge.yaml:8:14 warning insecure-url', exit: 0 },
  {
    name: 'missing rules folder',
    files: { 'deskbridge.yaml': CONFIG.replace('rules: ./rules', 'rules: ./rulez') },
    first: 'deskbridge.yaml:3:8 error file-not-found',
    says: /Rules folder or file "\.\/rulez" not found/,
    exit: 1,
  },
  {
    name: 'missing default rules folder',
    files: { 'deskbridge.yaml': CONFIG.replace('rules: ./rules\n', ''), 'rules/routing.yaml': null },
    first: 'deskbridge.yaml:1:1 error file-not-found',
    says: /\(the default\)/,
    exit: 1,
  },
  { name: 'missing mappings folder', files: { 'deskbridge.yaml': CONFIG.replace('mappings: ./mappings', 'mappings: ./maps') }, first: 'deskbridge.yaml:4:11 error file-not-found', exit: 1 },
  {
    name: 'raw.isAdmin on a ServiceNow source',
    files: { 'rules/routing.yaml': RULES.replace('category = "network"', 'raw.isAdmin = true') },
    first: 'rules/routing.yaml:4:15 error bad-field-name',
    says: /no column "isAdmin"/,
    exit: 1,
  },
  {
    name: 'raw.fixVersions on a Jira source is accepted',
    files: { 'deskbridge.yaml': JIRA_CONFIG, 'rules/routing.yaml': RULES.replace('category = "network"', '$count(raw.fixVersions) > 0') },
    exit: 0,
  },
  {
    name: 'inbound mapping returns a string',
    files: { 'mappings/servicenow.inbound.jsonata': '(\n  $t := short_description.value;\n  "ticket " & $t\n)\n' },
    first: 'mappings/servicenow.inbound.jsonata:3:3 error bad-mapping-output',
    says: /produces a string/,
    exit: 1,
  },
  {
    name: 'inbound mapping misses required ticket fields',
    files: { 'mappings/servicenow.inbound.jsonata': '{\n  "title": short_description.value\n}\n' },
    first: 'mappings/servicenow.inbound.jsonata:1:1 error bad-mapping-output',
    says: /no "source", "version"/,
    exit: 1,
  },
  { name: 'mapping with bad JSONata syntax', files: { 'mappings/servicenow.outbound.jsonata': '{ "a": }\n' }, first: 'mappings/servicenow.outbound.jsonata:1:8 error bad-jsonata', exit: 1 },
  // ---- rules
  { name: 'bad JSONata in a when', files: { 'rules/routing.yaml': RULES.replace('category = "network"', 'category = = "network"') }, first: 'rules/routing.yaml:4:22 error bad-jsonata', exit: 1 },
  {
    name: 'unknown function in a when',
    files: { 'rules/routing.yaml': RULES.replace('category = "network"', '$lowercas(category) = "network"') },
    first: 'rules/routing.yaml:4:11 error unknown-function',
    says: /Unknown function \$lowercas in rules\[0\]\.when; did you mean \$lowercase\?/,
    exit: 1,
  },
  {
    name: 'misspelled ticket field in a when is a warning',
    files: { 'rules/routing.yaml': RULES.replace('category = "network"', 'categry = "network"') },
    first: 'rules/routing.yaml:4:11 warning unknown-ticket-field',
    says: /Unknown ticket field "categry" in rules\[0\]\.when; did you mean "category"\?/,
    exit: 0,
  },
  {
    name: 'misspelled helper in a mapping',
    files: { 'mappings/servicenow.outbound.jsonata': '{ "assignment_group": $nameof(action.group) }\n' },
    first: 'mappings/servicenow.outbound.jsonata:1:23 error unknown-function',
    says: /did you mean \$nameOf\?/,
    exit: 1,
  },
  { name: 'unknown rule kind', files: { 'rules/routing.yaml': RULES.replace('kind: routing', 'kind: routeing') }, first: 'rules/routing.yaml:3:11 error unknown-kind', exit: 1 },
  { name: 'duplicate rule ids across files', files: { 'rules/more.yaml': RULES }, first: 'rules/routing.yaml:2:9 error duplicate-id', exit: 1 },
];

const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) fs.rmSync(dir, { recursive: true, force: true });
});

function workspace(files: Files): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskbridge-hostile-'));
  workspaces.push(dir);
  fs.cpSync(path.join(REPO, 'mappings'), path.join(dir, 'mappings'), { recursive: true });
  const all: Files = { 'deskbridge.yaml': CONFIG, 'rules/routing.yaml': RULES, ...files };
  for (const [name, content] of Object.entries(all)) {
    const file = path.join(dir, name);
    if (content === null) {
      fs.rmSync(file, { force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

const STACK_FRAME = /\n\s+at .+[(\s]\S+:\d+:\d+\)?/;

describe('hostile config inputs: validate reports each with its exact position', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = workspace(c.files);
    const lines: string[] = [];
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();

    const exit = await runValidate([path.join(dir, 'deskbridge.yaml')], (line) => lines.push(line), { env: c.env ?? ENV });

    const elapsed = performance.now() - started;
    const output = lines.join('\n');
    const diagnostics = lines.slice(0, -1);
    if (c.first === undefined) expect(diagnostics).toEqual([]);
    else expect(diagnostics[0]?.replace(`${dir}/`, '').replace(/^(\S+ \S+ [a-z-]+):.*$/, '$1')).toBe(c.first);
    if (c.says) expect(diagnostics[0]).toMatch(c.says);
    expect(exit).toBe(c.exit);
    expect(output).not.toMatch(STACK_FRAME);
    for (const text of [...(c.absent ?? []), SECRET]) expect(output).not.toContain(text);
    // No diagnostic line quotes more than a short excerpt (a whole file or a 20 MB value).
    for (const line of diagnostics) expect(line.length).toBeLessThan(700);
    expect(elapsed).toBeLessThan(c.maxMs ?? 10_000);
    if (c.maxHeapMb !== undefined) expect((process.memoryUsage().heapUsed - heapBefore) / 1e6).toBeLessThan(c.maxHeapMb);
  });

  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
});

describe('validate = run: run --once refuses every rejected case with the same diagnostic', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const rejected = CASES.filter((c) => c.exit === 1);
  it.each(rejected.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = workspace(c.files);
    const validateLines: string[] = [];
    await runValidate([path.join(dir, 'deskbridge.yaml')], (line) => validateLines.push(line), { env: c.env ?? ENV });
    const firstError = validateLines.find((line) => / error /.test(line));
    expect(firstError).toBeDefined();

    vi.stubEnv('SN_PASSWORD', (c.env ?? ENV)['SN_PASSWORD']);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const exit = await runCommand({ config: path.join(dir, 'deskbridge.yaml'), once: true });
    vi.restoreAllMocks();

    expect(exit).toBe(2);
    // The same line validate printed first, position and message included.
    expect(stderr.split('\n')).toContain(firstError);
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toContain(SECRET);
    // Nothing was started: no state database was created.
    expect(fs.existsSync(path.join(dir, 'state', 'deskbridge.db'))).toBe(false);
  });
});
