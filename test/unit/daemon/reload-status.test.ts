import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigReloader, hashConfigFiles } from '../../../src/daemon/reload.js';
import { silentLogger } from '../../../src/observability/logger.js';

/**
 * Makes reads of one file fail as an unreadable file's do (root reads through chmod 000), by
 * replacing fs.readFileSync and syncing node:fs's ESM bindings (no module mock: test files share
 * a worker). Returns the undo.
 */
function failReadsOf(file: string): () => void {
  const original = fs.readFileSync;
  fs.readFileSync = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (path === file) throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
    return (original as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  return () => {
    fs.readFileSync = original;
    syncBuiltinESMExports();
  };
}

const REPO = path.resolve(import.meta.dirname, '../../..');
const MAPPINGS = path.join(REPO, 'mappings');

const rule = (id: string, when: string, group: string): string => `  - id: ${id}
    kind: routing
    when: ${when}
    assign:
      group: ${group}
`;
const ONE_RULE = `rules:\n${rule('route-network', 'category = "network"', 'Network Operations')}`;
const TWO_RULES = `${ONE_RULE}${rule('route-hardware', 'category = "hardware"', 'Desktop Support')}`;
/** Line 9, column 15: `raw.isAdmin` is not a field name a ServiceNow record has. */
const BROKEN = `${ONE_RULE}${rule('route-hardware', 'raw.isAdmin = true', 'Desktop Support')}`;

/** A clock the test moves by hand. */
function clock(start: string): { now: () => Date; set: (iso: string) => void } {
  let current = new Date(start);
  return { now: () => current, set: (iso) => void (current = new Date(iso)) };
}

const dirs: string[] = [];
const undo: (() => void)[] = [];
afterEach(() => {
  for (const restore of undo.splice(0)) restore();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function setUp(): { rulesDir: string; rulesFile: string; time: ReturnType<typeof clock>; reloader: ConfigReloader } {
  const rulesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deskbridge-reload-status-'));
  dirs.push(rulesDir);
  const rulesFile = path.join(rulesDir, 'routing.yaml');
  fs.writeFileSync(rulesFile, ONE_RULE);
  const time = clock('2026-11-23T09:00:00.000Z');
  const reloader = new ConfigReloader(rulesDir, MAPPINGS, ['servicenow'], ['sn'], silentLogger, undefined, time.now);
  return { rulesDir, rulesFile, time, reloader };
}

describe('ConfigReloader status (what the console shows of reloads)', () => {
  it('starts with the set loaded at start: when, its hash and rule count, nothing accepted or refused', () => {
    const { rulesDir, reloader } = setUp();

    expect(reloader.status).toEqual({
      loadedAt: '2026-11-23T09:00:00.000Z',
      hash: hashConfigFiles(rulesDir, MAPPINGS),
      rules: 1,
      rejectedStillOnDisk: false,
      rejectedCount: 0,
    });
    // Checking unchanged files changes nothing.
    expect(reloader.check()).toBe(false);
    expect(reloader.status.loadedAt).toBe('2026-11-23T09:00:00.000Z');
  });

  it('an accepted edit, a refused one with its diagnostics at file, line and column, then the fix', () => {
    const { rulesDir, rulesFile, time, reloader } = setUp();

    // 1. A good edit is swapped in: loaded and accepted at the time of the check.
    fs.writeFileSync(rulesFile, TWO_RULES);
    time.set('2026-11-23T09:05:00.000Z');
    expect(reloader.check()).toBe(true);
    const accepted = hashConfigFiles(rulesDir, MAPPINGS);
    expect(reloader.status).toEqual({
      loadedAt: '2026-11-23T09:05:00.000Z',
      hash: accepted,
      rules: 2,
      lastAccepted: { at: '2026-11-23T09:05:00.000Z' },
      rejectedStillOnDisk: false,
      rejectedCount: 0,
    });

    // 2. A broken edit is refused: the running set stays, the refusal says where and why.
    fs.writeFileSync(rulesFile, BROKEN);
    time.set('2026-11-23T09:10:00.000Z');
    expect(reloader.check()).toBe(false);
    const broken = hashConfigFiles(rulesDir, MAPPINGS);
    const refused = {
      at: '2026-11-23T09:10:00.000Z',
      hash: broken,
      diagnostics: [
        {
          file: rulesFile,
          line: 9,
          column: 15,
          severity: 'error',
          code: 'bad-field-name',
          message: 'ServiceNow has no column "isAdmin": column names are lower-case letters, digits and underscores',
          hint: expect.stringContaining('raw.is_admin') as unknown,
        },
      ],
    };
    expect(reloader.status).toEqual({
      loadedAt: '2026-11-23T09:05:00.000Z',
      hash: accepted,
      rules: 2,
      lastAccepted: { at: '2026-11-23T09:05:00.000Z' },
      lastRejected: refused,
      rejectedStillOnDisk: true,
      rejectedCount: 1,
    });
    // Checked again while still broken: the same refusal, from when it was first refused.
    time.set('2026-11-23T09:11:00.000Z');
    expect(reloader.check()).toBe(false);
    expect(reloader.status).toMatchObject({ lastRejected: { at: '2026-11-23T09:10:00.000Z' }, rejectedStillOnDisk: true, rejectedCount: 1 });

    // 3. The fix is swapped in; the refusal is still shown (older than the running set), no longer on disk.
    fs.writeFileSync(rulesFile, TWO_RULES.replace('Desktop Support', 'Desktop Support Two'));
    time.set('2026-11-23T09:15:00.000Z');
    expect(reloader.check()).toBe(true);
    expect(reloader.status).toEqual({
      loadedAt: '2026-11-23T09:15:00.000Z',
      hash: hashConfigFiles(rulesDir, MAPPINGS),
      rules: 2,
      lastAccepted: { at: '2026-11-23T09:15:00.000Z' },
      lastRejected: refused,
      rejectedStillOnDisk: false,
      rejectedCount: 1,
    });
  });

  it('a refused edit undone back to the running content is no longer on disk, with no reload', () => {
    const { rulesFile, time, reloader } = setUp();
    fs.writeFileSync(rulesFile, BROKEN);
    time.set('2026-11-23T09:10:00.000Z');
    expect(reloader.check()).toBe(false);
    expect(reloader.status.rejectedStillOnDisk).toBe(true);

    fs.writeFileSync(rulesFile, ONE_RULE);
    expect(reloader.check()).toBe(false);
    expect(reloader.status).toMatchObject({ loadedAt: '2026-11-23T09:00:00.000Z', lastRejected: { at: '2026-11-23T09:10:00.000Z' }, rejectedStillOnDisk: false });
    expect(reloader.status.lastAccepted).toBeUndefined();

    // The same broken content back on disk: the same refusal (logged and counted once per content), pending again.
    fs.writeFileSync(rulesFile, BROKEN);
    time.set('2026-11-23T09:20:00.000Z');
    expect(reloader.check()).toBe(false);
    expect(reloader.status).toMatchObject({ lastRejected: { at: '2026-11-23T09:10:00.000Z' }, rejectedStillOnDisk: true, rejectedCount: 1 });
  });

  it('unreadable files: one diagnostic-like entry with the error, no hash, pending until they read again', () => {
    const { rulesFile, time, reloader } = setUp();
    undo.push(failReadsOf(rulesFile));
    time.set('2026-11-23T09:10:00.000Z');
    expect(reloader.check()).toBe(false);
    time.set('2026-11-23T09:11:00.000Z');
    expect(reloader.check()).toBe(false);

    expect(reloader.status).toEqual({
      loadedAt: '2026-11-23T09:00:00.000Z',
      hash: expect.any(String) as unknown,
      rules: 1,
      lastRejected: {
        at: '2026-11-23T09:10:00.000Z',
        hash: null,
        diagnostics: [{ severity: 'error', code: 'unreadable', message: `EACCES: permission denied, open '${rulesFile}'` }],
      },
      rejectedStillOnDisk: true,
      // Counted per check, as the reload metric counts it.
      rejectedCount: 2,
    });

    for (const restore of undo.splice(0)) restore();
    expect(reloader.check()).toBe(false);
    expect(reloader.status).toMatchObject({ lastRejected: { hash: null }, rejectedStillOnDisk: false, rejectedCount: 2 });
  });
});
