import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, readConfig } from '../../../src/config/load-config.js';
import { ConsoleConfig } from '../../../src/config/schema.js';
import { ConfigError, formatDiagnostic, type Diagnostic } from '../../../src/diagnostics/diagnostics.js';

const TOKEN = 'console-token-0123456789abcdef';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder with rules/, mappings/ and a deskbridge.yaml of one ServiceNow source followed by `tail`; returns the config's path. */
function configWith(tail: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-console-config-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'rules'));
  mkdirSync(path.join(dir, 'mappings'));
  writeFileSync(path.join(dir, 'rules', 'routing.yaml'), 'rules: []\n');
  const file = path.join(dir, 'deskbridge.yaml');
  writeFileSync(
    file,
    `sources:
  - id: snow
    platform: servicenow
    baseUrl: https://example.service-now.com
    auth: { type: basic, username: u, password: p }
${tail}`,
  );
  return file;
}

const errors = (diagnostics: readonly Diagnostic[]) => diagnostics.filter((d) => d.severity === 'error');

describe('console: in deskbridge.yaml, through the config loader', () => {
  it('accepts a bare port and listens on 127.0.0.1 by default, open to read, with no credentials', () => {
    const { config, diagnostics } = loadConfig(configWith('console: { port: 0 }\n'), {});
    expect(diagnostics).toEqual([]);
    expect(config.console).toEqual({ port: 0, host: '127.0.0.1', behindProxy: false });
  });

  it('leaves the console off when console: is not set', () => {
    expect(loadConfig(configWith(''), {}).config.console).toBeUndefined();
  });

  it('refuses host 0.0.0.0 without console.auth, at the console block, saying to set console.auth or listen on 127.0.0.1', () => {
    const file = configWith('console:\n  port: 8080\n  host: 0.0.0.0\n');
    const { config, diagnostics } = readConfig(file, {});
    expect(config).toBeUndefined();
    const [only, ...rest] = errors(diagnostics);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ file, line: 7, severity: 'error' });
    expect(only?.message).toMatch(/^console\.auth: /);
    expect(only?.message).toContain('0.0.0.0 is reachable from other machines');
    expect(only?.message).toContain('set console.auth');
    expect(only?.message).toContain('listen on 127.0.0.1');
    expect(() => loadConfig(file, {})).toThrow(ConfigError);
  });

  it.each(['192.168.1.20', '::', 'deskbridge.internal'])('refuses any other non-loopback host (%s) without console.auth', (host) => {
    const { config, diagnostics } = readConfig(configWith(`console: { port: 8080, host: "${host}" }\n`), {});
    expect(config).toBeUndefined();
    expect(errors(diagnostics).map((d) => d.message)).toEqual([expect.stringContaining(`a console on ${host} is reachable from other machines: set console.auth`)]);
  });

  it.each(['127.0.0.1', '::1', 'localhost'])('accepts the loopback host %s without console.auth', (host) => {
    const { config, diagnostics } = readConfig(configWith(`console: { port: 8080, host: "${host}" }\n`), {});
    expect(errors(diagnostics)).toEqual([]);
    expect(config?.console).toEqual({ port: 8080, host, behindProxy: false });
  });

  it('accepts host 0.0.0.0 with a token from the environment, and registers the token as a secret to redact', () => {
    const { config, secrets, diagnostics } = loadConfig(configWith('console:\n  port: 8080\n  host: 0.0.0.0\n  auth: { token: "${DESKBRIDGE_CONSOLE_TOKEN}" }\n'), { DESKBRIDGE_CONSOLE_TOKEN: TOKEN });
    expect(diagnostics).toEqual([]);
    expect(config.console).toEqual({ port: 8080, host: '0.0.0.0', auth: { token: TOKEN }, behindProxy: false });
    expect(secrets).toContain(TOKEN);
  });

  it('refuses host 0.0.0.0 with readAccess: open, at readAccess, saying to remove it', () => {
    const file = configWith(`console:\n  port: 8080\n  host: 0.0.0.0\n  auth: { token: ${TOKEN} }\n  readAccess: open\n`);
    const { config, diagnostics } = readConfig(file, {});
    expect(config).toBeUndefined();
    expect(errors(diagnostics).map(formatDiagnostic)).toEqual([
      `${file}:10:15 error bad-value: console.readAccess: pages show ticket titles and people: on 0.0.0.0 they need a login (remove readAccess: open)`,
    ]);
  });

  it('accepts readAccess: signed-in on a loopback host', () => {
    const { config } = loadConfig(configWith(`console: { port: 0, auth: { token: ${TOKEN} }, readAccess: signed-in }\n`), {});
    expect(config.console?.readAccess).toBe('signed-in');
  });

  it('refuses a token shorter than 16 characters, saying how to generate one', () => {
    const { config, diagnostics } = readConfig(configWith('console: { port: 0, auth: { token: "${SHORT}" } }\n'), { SHORT: 'fifteen-chars!!' });
    expect(config).toBeUndefined();
    const messages = errors(diagnostics).map((d) => d.message);
    expect(messages).toEqual([expect.stringContaining('a console token shorter than 16 characters can be guessed')]);
    expect(messages[0]).toContain('openssl rand -hex 24');
  });

  it('accepts a token of exactly 16 characters', () => {
    const { config } = loadConfig(configWith('console: { port: 0, auth: { token: "0123456789abcdef" } }\n'), {});
    expect(config.console?.auth).toEqual({ token: '0123456789abcdef' });
  });

  it('refuses a user name without a password', () => {
    const { config, diagnostics } = readConfig(configWith('console: { port: 0, auth: { username: ops } }\n'), {});
    expect(config).toBeUndefined();
    expect(errors(diagnostics).map((d) => d.message)).toContainEqual(expect.stringContaining('console.auth needs both username and password'));
  });

  it('refuses a password without a user name', () => {
    const { config, diagnostics } = readConfig(configWith(`console: { port: 0, auth: { password: "a long enough password" } }\n`), {});
    expect(config).toBeUndefined();
    expect(errors(diagnostics).map((d) => d.message)).toContainEqual(expect.stringContaining('console.auth needs both username and password'));
  });

  it('refuses a password shorter than 12 characters', () => {
    const { config, diagnostics } = readConfig(configWith('console: { port: 0, auth: { username: ops, password: "short-pw" } }\n'), {});
    expect(config).toBeUndefined();
    expect(errors(diagnostics).map((d) => d.message)).toEqual([expect.stringContaining('a console password shorter than 12 characters can be guessed')]);
  });

  it('accepts a user name and password, with or without a token', () => {
    const a = loadConfig(configWith('console: { port: 0, auth: { username: ops, password: "a long enough password" } }\n'), {});
    expect(a.config.console?.auth).toEqual({ username: 'ops', password: 'a long enough password' });
    const b = loadConfig(configWith(`console: { port: 0, auth: { token: ${TOKEN}, username: ops, password: "a long enough password" } }\n`), {});
    expect(b.config.console?.auth).toEqual({ token: TOKEN, username: 'ops', password: 'a long enough password' });
  });

  it('refuses an empty auth block', () => {
    const { config, diagnostics } = readConfig(configWith('console: { port: 0, auth: {} }\n'), {});
    expect(config).toBeUndefined();
    expect(errors(diagnostics).map((d) => d.message)).toContainEqual(expect.stringContaining('give console.auth a token, or a username and a password'));
  });

  it('refuses an unknown key under console and a port out of range', () => {
    const unknown = readConfig(configWith('console: { port: 0, hots: 0.0.0.0 }\n'), {});
    expect(unknown.config).toBeUndefined();
    expect(errors(unknown.diagnostics).map((d) => d.code)).toEqual(['unknown-field']);
    const port = readConfig(configWith('console: { port: 70000 }\n'), {});
    expect(port.config).toBeUndefined();
    expect(errors(port.diagnostics)).toHaveLength(1);
  });
});

describe('ConsoleConfig schema', () => {
  it('defaults host to 127.0.0.1 and leaves auth and readAccess unset', () => {
    expect(ConsoleConfig.parse({ port: 0 })).toEqual({ port: 0, host: '127.0.0.1', behindProxy: false });
  });

  it('puts the missing-auth issue at console.auth and the open-read issue at console.readAccess', () => {
    const noAuth = ConsoleConfig.safeParse({ port: 1, host: '0.0.0.0' });
    expect(noAuth.success).toBe(false);
    expect(noAuth.error?.issues.map((i) => i.path)).toEqual([['auth']]);
    const open = ConsoleConfig.safeParse({ port: 1, host: '0.0.0.0', auth: { token: TOKEN }, readAccess: 'open' });
    expect(open.success).toBe(false);
    expect(open.error?.issues.map((i) => i.path)).toEqual([['readAccess']]);
    expect(ConsoleConfig.safeParse({ port: 1, host: '0.0.0.0', auth: { token: TOKEN }, readAccess: 'signed-in' }).success).toBe(true);
  });
});
