import { describe, expect, it, vi } from 'vitest';
import type * as Migrate from '../../../src/state/migrate.js';
import type { MigrateSummary } from '../../../src/state/migrate.js';

/**
 * The command's exits and what it prints, on the summaries migrateState can return (the copy itself
 * is test/integration/state/state-migrate.test.ts): a copy that differs exits 1 and says to drop the
 * target; a refusal or failure exits 2; no password is printed either way.
 */
const result: { summary?: MigrateSummary; error?: Error } = {};
vi.mock('../../../src/state/migrate.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Migrate>();
  return {
    ...actual,
    migrateState: async (): Promise<MigrateSummary> => {
      if (result.error) throw result.error;
      if (!result.summary) throw new Error('no summary');
      return result.summary;
    },
  };
});
const { MigrateRefusedError } = await import('../../../src/state/migrate.js');
const { stateMigrateCommand } = await import('../../../src/cli/state-migrate.js');

const URL_WITH_PASSWORD = 'postgres://desk:s3cr%40t@db.example.com:5432/deskbridge';

function summary(differences: string[]): MigrateSummary {
  return {
    from: 'state.db',
    to: 'postgres://desk:***@db.example.com:5432/deskbridge',
    tables: [
      { name: 'watermarks', rows: 2 },
      { name: 'outbox', rows: 1234 },
    ],
    similarity: 'converted',
    auditHeads: { qa: { seq: 7, hash: 'abcdef0123456789' }, actions: null },
    leaseToken: 4,
    differences,
    ms: 1500,
  };
}

async function run(json = false): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await stateMigrateCommand(
    { from: 'state.db', to: URL_WITH_PASSWORD, ...(json ? { json: true } : {}) },
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('deskbridge state migrate (the command)', () => {
  it('prints the rows per table and "verified" when nothing differs (exit 0)', async () => {
    result.error = undefined;
    result.summary = summary([]);
    const { code, out } = await run();
    expect(code).toBe(0);
    expect(out).toMatch(/^ {2}outbox +1234$/m);
    expect(out).toContain('lease: fencing token 4 carried over (the next daemon takes 5)');
    expect(out).toContain('verified: counts and audit heads equal');
    expect(out).not.toContain('s3cr');
  });

  it('lists what differs and says to drop the target (exit 1)', async () => {
    result.summary = summary(['outbox: 1234 rows in the source, 1233 in the target', 'audit head qa: source {"seq":7}, target null']);
    const { code, out, err } = await run();
    expect(code).toBe(1);
    expect(out).not.toContain('verified');
    expect(err).toContain('  outbox: 1234 rows in the source, 1233 in the target');
    expect(err).toContain('drop the target (postgres://desk:***@db.example.com:5432/deskbridge) and run the command again');
    const json = await run(true);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ verified: false, differences: summary(['x', 'y']).differences.map(() => expect.any(String)) });
  });

  it('exits 2 on a refusal or a failure, with the password taken out of a message that quotes the URL', async () => {
    result.error = new MigrateRefusedError('the target postgres://desk:***@db.example.com:5432/deskbridge is not empty: table outbox holds 3 rows');
    let r = await run();
    expect(r.code).toBe(2);
    expect(r.err).toBe('deskbridge state migrate: refused: the target postgres://desk:***@db.example.com:5432/deskbridge is not empty: table outbox holds 3 rows');
    result.error = new Error(`could not connect to ${URL_WITH_PASSWORD} (postgres://desk:s3cr@t@db.example.com)`);
    r = await run();
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('s3cr');
  });
});
