import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raiseIncident, ServiceNowStore, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig, writesIn } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-dedup');
const HOUR = 3_600_000;
const USERS = [
  { userName: 'deskbridge', password: 'deskbridge' },
  { userName: 'beth.anglin', password: 'beth' },
];

const ORIGINAL = 'Outlook crashes when opening PDF attachments after the Office update';
const DUPLICATE = 'Outlook crashes opening PDF attachments since the Office update';

/** Raised `ago` before now; `logged: 'now'` makes it appear on the instance only now (an import). */
function raise(store: ServiceNowStore, ago: number, title: string, logged: 'opened' | 'now' = 'opened'): { number: string; sysId: string } {
  const record = raiseIncident(store, { title, category: 'software', subcategory: 'Email', openedAgoMs: ago, ...(logged === 'opened' ? { logged: 'opened' } : {}) });
  return { number: record['number'] ?? '', sysId: record['sys_id'] ?? '' };
}

function dedupNotes(sandbox: ServiceNowSandbox, sysId: string): string[] {
  return sandbox.store
    .journal(sysId)
    .map((j) => j.value)
    .filter((v) => v.includes('deskbridge') && (v.includes('duplicate') || v.includes('may describe the same issue')));
}

/** One suggestion note on the duplicate, naming the original first (score 0.57: suggested, under the 0.75 link threshold). */
function expectSuggested(sandbox: ServiceNowSandbox, duplicate: { sysId: string }, original: { number: string }): void {
  const notes = dedupNotes(sandbox, duplicate.sysId);
  expect(notes).toHaveLength(1);
  expect(notes[0]).toContain(`1. ${original.number} "${ORIGINAL}"`);
}

function parentOf(sandbox: ServiceNowSandbox, sysId: string): string {
  return sandbox.store.list('incident').find((r) => r['sys_id'] === sysId)?.['parent_incident'] ?? '';
}

describe('duplicate detection finds an original updated after its duplicate (ServiceNow sandbox)', () => {
  const e2e = useE2e();

  it.each([
    ['on the same page', 50],
    ['on a later page of the same pass', 1],
  ])(
    'both in one pass, the original %s: the duplicate gets it suggested',
    async (_where, pageSize) => {
      const store = new ServiceNowStore();
      const original = raise(store, 3 * HOUR, ORIGINAL);
      const duplicate = raise(store, 2 * HOUR, DUPLICATE);
      // The original's last update is later than the duplicate's: it is pulled after it.
      store.update('incident', original.sysId, { comments: 'Happens for every PDF, other attachments open fine.' }, 'beth.anglin', { inputDisplayValue: true });
      const sandbox = await e2e.serviceNowOn({ store, users: USERS });
      const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: RULES, pageSize }));

      expect((await daemon.runOnce()).ok).toBe(true);
      expectSuggested(sandbox, duplicate, original);
      // The original is not made a duplicate of the later report.
      expect(parentOf(sandbox, original.sysId)).toBe('');

      const writes = writesIn(sandbox);
      expect((await daemon.runOnce()).ok).toBe(true);
      expect(writesIn(sandbox)).toBe(writes);
    },
    60_000,
  );

  it('across passes: an original created earlier that reaches deskbridge only after its duplicate was judged is still found', async () => {
    const store = new ServiceNowStore();
    const duplicate = raise(store, 2 * HOUR, DUPLICATE);
    const sandbox = await e2e.serviceNowOn({ store, users: USERS });
    const loaded = e2e.load(writeConfig(sandbox.url, { rules: RULES }));
    const log = e2e.daemon(loaded);
    let { daemon } = log;

    expect((await daemon.runOnce()).ok).toBe(true);
    expect(dedupNotes(sandbox, duplicate.sysId)).toEqual([]);

    // Imported now, reported three hours ago: the earlier report, updated after the duplicate.
    const original = raise(store, 3 * HOUR, ORIGINAL, 'now');
    expect((await daemon.runOnce()).ok).toBe(true);
    expectSuggested(sandbox, duplicate, original);
    expect(parentOf(sandbox, original.sysId)).toBe('');
    expect(log.lines.some((l) => l.includes('their original arrived later'))).toBe(true);

    // Once, also after a restart.
    const writes = writesIn(sandbox);
    expect((await daemon.runOnce()).ok).toBe(true);
    await daemon.stop();
    ({ daemon } = e2e.daemon(loaded));
    expect((await daemon.runOnce()).ok).toBe(true);
    expect(writesIn(sandbox)).toBe(writes);
  }, 60_000);
});
