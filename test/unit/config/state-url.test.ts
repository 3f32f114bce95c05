import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { ConfigError, formatDiagnostic } from '../../../src/diagnostics/diagnostics.js';
import { describeState, dryRunStateOf, liveStateOf, parseStateLocation } from '../../../src/state/open.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configWith(state: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-state-url-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'rules'));
  writeFileSync(path.join(dir, 'rules', 'routing.yaml'), 'rules: []\n');
  const file = path.join(dir, 'deskbridge.yaml');
  writeFileSync(file, `${state}\nsources:\n  - id: snow\n    platform: servicenow\n    baseUrl: https://example.service-now.com\n    auth: { type: basic, username: u, password: p }\n`);
  return file;
}

describe('state.url: a PostgreSQL state chosen in deskbridge.yaml', () => {
  it('takes a postgres:// URL with its password from the environment, and keeps the SQLite file the default', () => {
    const { config, secrets } = loadConfig(configWith('state: { url: "postgres://deskbridge:${PG_PW}@db:5432/deskbridge" }'), { PG_PW: 's3cret' });
    expect(liveStateOf(config)).toEqual({ kind: 'postgres', url: 'postgres://deskbridge:s3cret@db:5432/deskbridge' });
    expect(dryRunStateOf(config)).toEqual({ kind: 'postgres', url: 'postgres://deskbridge:s3cret@db:5432/deskbridge', schema: 'deskbridge_dry_run' });
    expect(describeState(liveStateOf(config))).toBe('postgres://deskbridge:***@db:5432/deskbridge');
    expect(secrets).toContain('s3cret');

    const file = configWith('state: { path: ./state.db }');
    const sqlite = loadConfig(file, {}).config;
    expect(liveStateOf(sqlite)).toEqual({ kind: 'sqlite', path: path.join(path.dirname(file), 'state.db') });
    expect(dryRunStateOf(sqlite)).toEqual({ kind: 'sqlite', path: path.join(path.dirname(file), 'state.dry-run.db') });
  });

  it("refuses another scheme at the URL's line and column, saying how to keep the SQLite file", () => {
    try {
      loadConfig(configWith('state: { url: "mysql://db/deskbridge" }'), {});
      expect.unreachable('a mysql:// URL was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as ConfigError).diagnostics.map(formatDiagnostic);
      expect(
        lines.some((l) => /deskbridge\.yaml:1:15 error .*state\.url must be a postgres:\/\/ \(or postgresql:\/\/\) URL; leave it out to keep the state in the SQLite file state\.path/.test(l)),
      ).toBe(true);
    }
  });

  it('reads a state named on the command line as a URL or a file path', () => {
    expect(parseStateLocation('postgresql://h/db')).toEqual({ kind: 'postgres', url: 'postgresql://h/db' });
    expect(parseStateLocation('./x.db')).toEqual({ kind: 'sqlite', path: './x.db' });
    expect(describeState({ kind: 'postgres', url: 'postgres://h/db', schema: 'deskbridge_dry_run' })).toBe('postgres://h/db (schema deskbridge_dry_run)');
  });
});
