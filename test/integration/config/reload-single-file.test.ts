import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigReloader } from '../../../src/daemon/reload.js';
import { silentLogger, type Logger } from '../../../src/observability/logger.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

const rules = (group: string): string => `rules:
  - id: route-network
    kind: routing
    when: category = "network"
    assign:
      group: ${group}
`;

function setUp(): { dir: string; rulesFile: string; mappings: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskbridge-reload-'));
  const rulesFile = path.join(dir, 'routing.yaml');
  fs.writeFileSync(rulesFile, rules('Network Operations'));
  const mappings = path.join(dir, 'mappings');
  fs.cpSync(path.join(REPO, 'mappings'), mappings, { recursive: true });
  return { dir, rulesFile, mappings };
}

function groupOf(reloader: ConfigReloader): unknown {
  const rule = reloader.set.rules.rules[0]?.rule;
  return rule?.kind === 'routing' ? rule.assign.group : undefined;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('hot reload when rules: names a single file', () => {
  it('swaps in an edit of the file on the next check', () => {
    const { dir, rulesFile, mappings } = setUp();
    dirs.push(dir);
    const reloader = new ConfigReloader(rulesFile, mappings, ['servicenow'], ['sn'], silentLogger);
    expect(groupOf(reloader)).toBe('Network Operations');
    expect(reloader.check()).toBe(false);

    fs.writeFileSync(rulesFile, rules('Network Team Two'));

    expect(reloader.check()).toBe(true);
    expect(groupOf(reloader)).toBe('Network Team Two');
  });

  it('keeps the last good rules when the edited file is broken, and logs the diagnostic once', () => {
    const { dir, rulesFile, mappings } = setUp();
    dirs.push(dir);
    const errors: unknown[] = [];
    const logger: Logger = { ...silentLogger, error: (message: string, meta?: Record<string, unknown>) => void errors.push({ message, meta }) };
    const reloader = new ConfigReloader(rulesFile, mappings, ['servicenow'], ['sn'], logger);

    fs.writeFileSync(rulesFile, rules('Network').replace('category = "network"', 'raw.isAdmin = true'));

    expect(reloader.check()).toBe(false);
    expect(reloader.check()).toBe(false);
    expect(groupOf(reloader)).toBe('Network Operations');
    expect(reloader.rejectedCount).toBe(1);
    expect(JSON.stringify(errors)).toMatch(/routing\.yaml:4:15 error bad-field-name/);
  });
});
